"""Batch scoring: chunks, bad rows to a side file with line numbers, CSV and Parquet."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from leadgrade.cli import app
from models.batch import bad_rows_path, score_file
from models.saved import save_scorer
from models.scorer import LeadScorer
from tests.helpers import tiny_training
from training.demo_data import generate_leads


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return generate_leads(1000, seed=31)


@pytest.fixture
def export(leads, tmp_path):
    """The leads as a CSV export with two unreadable rows and one without an id."""
    frame = leads.astype(object)
    frame.loc[10, "employees"] = "a lot"
    frame.loc[700, "pages_viewed"] = "twelve"
    frame.loc[333, "lead_id"] = None
    path = tmp_path / "leads.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_chunks_score_as_one_frame_and_bad_rows_go_aside(scorer, leads, export, tmp_path, suffix):
    out = tmp_path / f"scored{suffix}"
    summary = score_file(scorer, export, out, version="7", chunk_rows=128)

    assert (summary.rows, summary.scored, summary.bad_rows) == (1000, 997, 3)
    scored = (
        pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, dtype={"lead_id": str})
    )
    good = leads.drop(index=[10, 333, 700])
    expected = scorer.score_frame(good)
    assert scored["lead_id"].tolist() == expected["lead_id"].tolist()
    assert scored["grade"].tolist() == expected["grade"].tolist()
    pd.testing.assert_series_equal(scored["probability"], expected["probability"])
    assert set(scored["model_version"].astype(str)) == {"7"}
    assert sum(summary.grades.values()) == 997

    bad = pd.read_csv(bad_rows_path(out), dtype=str)
    assert bad["line"].tolist() == ["12", "335", "702"]  # header is line 1, row i is line i+2
    assert "employees" in bad["reason"][0]
    assert bad["reason"][1] == "no lead id"
    assert "pages_viewed" in bad["reason"][2]


def test_parquet_input_with_explanations(scorer, leads, tmp_path):
    source = tmp_path / "leads.parquet"
    leads.head(60).to_parquet(source, index=False)
    out = tmp_path / "scored.parquet"
    summary = score_file(scorer, source, out, version=None, explain=True, chunk_rows=100)
    scored = pd.read_parquet(out)
    assert summary.bad_rows == 0
    assert not bad_rows_path(out).exists()
    assert scored["reasons"].str.startswith("[").all()


def test_the_score_command_prints_a_summary(scorer, export, tmp_path):
    model = save_scorer(scorer, tmp_path / "model")
    out = tmp_path / "out.parquet"
    args = ["score", "--input", str(export), "--output", str(out), "--model", str(model)]
    result = CliRunner().invoke(app, [*args, "--chunk-rows", "300"])
    assert result.exit_code == 0, result.output
    assert "1000 rows read, 997 scored, 3 bad rows" in result.output
    assert "grades: A " in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "absent.csv", "--output", "o.parquet"], "no such input file"),
        (["--input", "x.json", "--output", "o.parquet"], "use a .csv or .parquet file"),
    ],
)
def test_the_score_command_fails_in_one_line(tmp_path, args, message):
    result = CliRunner().invoke(app, ["score", *args], env={"LEADGRADE_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
