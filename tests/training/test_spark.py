"""Spark's ``spark_udf`` on the pyfunc, in local mode: 100,000 demo leads as Spark reads them.

One test, on purpose: a Spark session costs seconds to start. pyspark is the ``spark``
extra (``make test`` installs it); without it the test skips, except in CI where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from leadgrade.cli import app
from tests.helpers import tiny_training
from training.demo_data import generate_leads
from training.tracking import save_pyfunc

ROWS = 100_000

try:
    import pyspark  # noqa: F401
except ImportError as exc:
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"pyspark is needed in CI (make test installs it): {exc}") from exc
    pytest.skip(f"pyspark is not installed: {exc}", allow_module_level=True)


def test_spark_scores_100k_demo_leads_as_in_process(tmp_path: Path) -> None:
    scorer = tiny_training().scorer
    model = save_pyfunc(scorer, tmp_path / "pyfunc")
    source = tmp_path / "leads.csv"
    generate_leads(ROWS, seed=41).to_csv(source, index=False)
    out = tmp_path / "scored.parquet"

    result = CliRunner().invoke(
        app,
        ["score", "--engine", "spark", "--master", "local[2]", "--model", str(model),
         "--input", str(source), "--output", str(out)],
        env={"LEADGRADE_HOME": str(tmp_path)},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert f"{ROWS} rows scored" in result.output
    spark = pd.read_parquet(out).set_index("lead_id").sort_index()
    local = scorer.score_frame(pd.read_csv(source)).set_index("lead_id").sort_index()
    assert len(spark) == ROWS
    assert spark.index.equals(local.index)
    assert spark["grade"].equals(local["grade"])
    assert spark["queue"].equals(local["queue"])
    pd.testing.assert_series_equal(spark["probability"], local["probability"])
    # Nulls on both sides (no nurture track for a sales lead), whatever their dtype.
    assert spark["track"].fillna("").tolist() == local["track"].fillna("").tolist()
    assert spark["re_engage_on"].isna().tolist() == local["re_engage_on"].isna().tolist()
