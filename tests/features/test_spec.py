import pytest

from features.errors import SpecError
from features.reasons import CanonicalReason
from features.spec import LeadSpec, demo_spec, load_spec

MINIMAL = """
[lead]
id = "id"
[outcome]
column = "status"
won = ["won"]
lost = ["lost"]
[features]
numeric = ["employees"]
categorical = ["industry"]
"""


def test_demo_spec_lists_feature_fields_in_a_fixed_order():
    spec = demo_spec()
    assert spec.feature_fields[:4] == ["industry", "country", "lead_source", "campaign"]
    assert spec.feature_kinds["email"] == "email"
    assert "loss_reason" not in spec.feature_fields
    assert spec.feedback_fields == ["loss_reason", "sales_rating"]


def test_minimal_spec_gets_sensible_defaults():
    spec = LeadSpec.parse(MINIMAL)
    assert spec.grades.method == "capacity"
    assert spec.grades.capacity == {"A": 0.10, "B": 0.20, "C": 0.30}
    assert spec.routing.follow_up_hours == {"A": 24, "B": 168}
    assert spec.feedback.weight_for(CanonicalReason.BAD_TIMING) < 1
    assert spec.feedback.weight_for(CanonicalReason.INVALID) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            MINIMAL.replace('[outcome]\ncolumn = "status"\nwon = ["won"]\nlost = ["lost"]\n', ""),
            r"outcome: this section or key is required",
        ),
        (
            MINIMAL.replace('categorical = ["industry"]', 'categorical = ["employees"]'),
            r"column 'employees' has two roles: features\.categorical and features\.numeric",
        ),
        (
            MINIMAL.replace('numeric = ["employees"]', 'numeric = ["id"]'),
            r"column 'id' has two roles: lead\.id and features\.numeric",
        ),
        (MINIMAL + '\n[features.groups]\nfit = ["nope"]\n', r"groups\.fit names non-features"),
        (MINIMAL.replace('lost = ["lost"]', 'lost = ["won"]'), r"both won and lost"),
        (
            MINIMAL + "\n[grades]\ncapacity = {A = 0.5, B = 0.3, C = 0.3}\n",
            r"add up to less than 1",
        ),
        (MINIMAL + '\n[grades]\nmethod = "threshold"\n', r"needs thresholds for A, B and C"),
        (MINIMAL + "\ncolour = 1\n", r"colour: Extra inputs are not permitted"),
        ("[lead\n", r"not valid TOML"),
    ],
)
def test_bad_spec_fails_with_a_message_naming_the_problem(change, message):
    with pytest.raises(SpecError, match=message):
        LeadSpec.parse(change)


def test_check_columns_names_every_missing_column():
    spec = LeadSpec.parse(MINIMAL)
    with pytest.raises(SpecError, match="lacks column\\(s\\) named in the spec: industry") as info:
        spec.check_columns(["id", "status", "employees"])
    assert info.value.details["missing"] == ["industry"]


def test_threshold_grades_must_be_ordered():
    grades = '[grades]\nmethod = "threshold"\nthresholds = {A = 0.2, B = 0.5, C = 0.1}\n'
    text = f"{MINIMAL}\n{grades}"
    with pytest.raises(SpecError, match="1 > A > B > C > 0"):
        LeadSpec.parse(text)


def test_load_spec_reports_an_unreadable_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec(tmp_path / "absent.toml")
