"""Exports as they come: CSV dialects and encodings, no id column, bad ids."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.errors import DataError, SpecError
from features.request import build_request_model
from features.spec import LeadSpec, demo_spec_text
from features.validation import validate_leads
from training.data import detect_separator, read_export
from training.demo_data import generate_leads
from training.pipeline import train_scorer
from training.sources import read_training_data

# The demo spec without its [lead] id: the export below has no id column.
NO_ID_SPEC = demo_spec_text().replace('id = "lead_id"\n', "", 1)


def _write(frame: pd.DataFrame, path: Path, sep: str, encoding: str = "utf-8") -> Path:
    frame.to_csv(path, sep=sep, index=False, encoding=encoding, lineterminator="\r\n")
    return path


@pytest.mark.parametrize(("sep", "name"), [(",", "','"), (";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_the_separator_is_detected_and_reported(tmp_path: Path, sep: str, name: str) -> None:
    frame = pd.DataFrame({"a": ["1", "x, y; z"], "b c": ["2.5", ""], "d.e/f": ["yes", "no"]})
    export = read_export(_write(frame, tmp_path / "leads.csv", sep))
    assert export.dialect is not None
    assert export.dialect.separator == sep
    assert f"separator {name} (detected)" in export.dialect.describe()
    pd.testing.assert_frame_equal(export.frame, frame.fillna(""))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_bom_reads_the_same(tmp_path: Path, encoding: str) -> None:
    frame = pd.DataFrame({"société": ["Café Müller", "Ørsted"], "n": ["1", "2"]})
    export = read_export(_write(frame, tmp_path / "leads.csv", ";", encoding))
    assert list(export.frame.columns) == ["société", "n"]
    assert export.frame["société"].tolist() == ["Café Müller", "Ørsted"]
    assert export.dialect is not None
    assert export.dialect.encoding == encoding


def test_another_encoding_is_refused_until_the_spec_names_it(tmp_path: Path) -> None:
    path = _write(pd.DataFrame({"ville": ["Orléans", "Besançon"]}), tmp_path / "l.csv", ";",
                  encoding="latin-1")  # fmt: skip
    with pytest.raises(DataError, match=r'not utf-8 text .*\[csv\] encoding = "latin-1"'):
        read_export(path)
    stated = LeadSpec.parse(demo_spec_text() + '\n[csv]\nencoding = "latin-1"\n').csv
    export = read_export(path, stated)
    assert export.frame["ville"].tolist() == ["Orléans", "Besançon"]
    assert export.dialect is not None
    assert export.dialect.detected == ("separator",)


def test_a_stated_separator_is_used_as_is(tmp_path: Path) -> None:
    path = _write(pd.DataFrame({"a": ["1;2"], "b": ["3"]}), tmp_path / "l.csv", ",")
    stated = LeadSpec.parse(demo_spec_text() + '\n[csv]\nseparator = ","\n').csv
    export = read_export(path, stated)
    assert export.frame["a"].tolist() == ["1;2"]
    assert export.dialect is not None
    assert "separator" not in export.dialect.detected


def test_a_separator_inside_quotes_is_not_the_separator() -> None:
    sample = 'name;note\r\n"Smith, J";"a, b, c"\r\n"Lee, K";"d, e"\r\n'
    assert detect_separator(sample) == ";"


def test_an_unknown_separator_or_encoding_in_the_spec_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"csv\.separator must be one of"):
        LeadSpec.parse(demo_spec_text() + '\n[csv]\nseparator = ":"\n')
    with pytest.raises(SpecError, match="not an encoding Python knows"):
        LeadSpec.parse(demo_spec_text() + '\n[csv]\nencoding = "klingon"\n')


def test_a_wrong_separator_is_named_when_the_file_does_not_parse(tmp_path: Path) -> None:
    path = _write(generate_leads(50, seed=1), tmp_path / "leads.csv", ";")
    spec = LeadSpec.parse(demo_spec_text() + '\n[csv]\nseparator = ","\n')
    with pytest.raises(DataError, match=r"looks ';'-separated: .*separator = \";\""):
        read_training_data(path, spec)


def test_a_wrong_separator_is_named_when_most_columns_are_missing(tmp_path: Path) -> None:
    leads = generate_leads(50, seed=1).replace(",", " ", regex=True)
    path = _write(leads, tmp_path / "leads.csv", ";")
    spec = LeadSpec.parse(demo_spec_text() + '\n[csv]\nseparator = ","\n')
    frame = read_training_data(path, spec).frame
    with pytest.raises(SpecError, match=r"holds ';': is the file ';'-separated\?") as info:
        validate_leads(frame, spec)
    assert '[csv] separator = ";"' in info.value.message


def test_a_semicolon_export_without_id_column_trains_with_no_editing(tmp_path: Path) -> None:
    leads = generate_leads(1500, seed=11).drop(columns="lead_id")
    path = _write(leads, tmp_path / "bank.csv", ";")
    spec = LeadSpec.parse(NO_ID_SPEC)
    data = read_training_data(path, spec)
    assert data.dialect is not None
    assert data.dialect.separator == ";"
    messages: list[str] = []
    result = train_scorer(data.frame, spec, progress=messages.append)
    assert any("no id column: each lead's id is its row number" in m for m in messages)
    assert result.validation.numbered
    assert result.holdout["lead_id"].str.fullmatch(r"row-\d+").all()
    assert result.evaluations["model"].roc_auc is not None
    assert result.evaluations["model"].roc_auc > 0.7
    assert "lead_id" in build_request_model(result.scorer.spec).model_fields


def test_without_an_id_the_first_row_is_row_1(tmp_path: Path) -> None:
    leads = generate_leads(20, seed=2).drop(columns="lead_id")
    validated = validate_leads(leads, LeadSpec.parse(NO_ID_SPEC))
    assert validated.frame["lead_id"].tolist()[:3] == ["row-1", "row-2", "row-3"]


def test_a_spec_that_names_its_id_still_requires_the_column() -> None:
    leads = generate_leads(20, seed=2).drop(columns="lead_id")
    with pytest.raises(SpecError, match=r"lacks column.*lead_id"):
        validate_leads(leads, LeadSpec.parse(demo_spec_text()))


def _bad_ids() -> pd.DataFrame:
    leads = generate_leads(30, seed=4).astype({"lead_id": object})
    leads.loc[[3, 7], "lead_id"] = ""
    leads.loc[9, "lead_id"] = leads.loc[8, "lead_id"]
    return leads


def test_rows_without_or_with_a_repeated_id_are_rejected_with_examples() -> None:
    report = validate_leads(_bad_ids(), LeadSpec.parse(demo_spec_text())).report
    assert report.rejected["no lead id"] == 2
    assert report.rejected["duplicate lead id"] == 1
    lines = "\n".join(report.lines())
    assert "2 row(s) rejected: no lead id (e.g. row-4, row-8)" in lines
    assert "1 row(s) rejected: duplicate lead id (e.g. 'L000009')" in lines


def test_the_spec_can_keep_rows_with_bad_ids_under_their_row_number() -> None:
    text = demo_spec_text().replace('id = "lead_id"', 'id = "lead_id"\nbad_ids = "row_number"')
    validated = validate_leads(_bad_ids(), LeadSpec.parse(text))
    assert len(validated.frame) == 30
    assert validated.frame.loc[[3, 7, 9], "lead_id"].tolist() == ["row-4", "row-8", "row-10"]
    assert validated.frame.loc[8, "lead_id"] == "L000009"
    assert "1 row(s) with duplicate lead id kept under their row number" in "\n".join(
        validated.report.lines()
    )
