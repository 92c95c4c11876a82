"""Spark's ``spark_udf`` on the pyfunc, in local mode: 100,000 demo leads as Spark reads them.

One test, on purpose: a Spark session costs seconds to start. pyspark is the ``spark``
extra (``make test`` installs it); without it the test skips, except in CI where it fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadgrade.cli import app
from models.spark import RESULT_TYPE, with_nulls
from tests.helpers import tiny_training
from training.demo_data import generate_leads
from training.tracking import save_pyfunc

ROWS = 100_000

try:
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import struct
except ImportError as exc:
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"pyspark is needed in CI (make test installs it): {exc}") from exc
    pytest.skip(f"pyspark is not installed: {exc}", allow_module_level=True)


def test_spark_scores_100k_demo_leads_as_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers need this venv's packages
    scorer = tiny_training().scorer
    model = save_pyfunc(scorer, tmp_path / "pyfunc")
    source = tmp_path / "leads.csv"
    generate_leads(ROWS, seed=41).to_csv(source, index=False)
    out = tmp_path / "scored.parquet"
    local = scorer.score_frame(pd.read_csv(source)).set_index("lead_id").sort_index()

    # The README's spark_udf call, in the session the command below then reuses and stops.
    spark = SparkSession.builder.master("local[2]").getOrCreate()
    leads = spark.read.csv(str(source), header=True, inferSchema=True).limit(2000)
    udf = mlflow.pyfunc.spark_udf(spark, str(model), result_type=RESULT_TYPE, env_manager="local")
    direct = with_nulls(leads.withColumn("s", udf(struct(*leads.columns))).select("s.*"))
    first = direct.toPandas().set_index("lead_id")
    expected = local.loc[first.index]
    assert first["grade"].tolist() == expected["grade"].tolist()
    assert first["track"].isna().tolist() == expected["track"].isna().tolist()
    assert first["track"].isna().any()  # real nulls, not the text "None"

    result = CliRunner().invoke(
        app,
        ["score", "--engine", "spark", "--master", "local[2]", "--model", str(model),
         "--input", str(source), "--output", str(out)],
        env={"LEADGRADE_HOME": str(tmp_path)},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert f"{ROWS} rows scored" in result.output
    spark = pd.read_parquet(out).set_index("lead_id").sort_index()
    assert len(spark) == ROWS
    assert spark.index.equals(local.index)
    assert spark["grade"].equals(local["grade"])
    assert spark["queue"].equals(local["queue"])
    pd.testing.assert_series_equal(spark["probability"], local["probability"])
    # Nulls on both sides (no nurture track for a sales lead), whatever their dtype.
    assert spark["track"].fillna("").tolist() == local["track"].fillna("").tolist()
    assert spark["re_engage_on"].isna().tolist() == local["re_engage_on"].isna().tolist()
