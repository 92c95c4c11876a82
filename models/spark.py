"""Batch scoring on Spark through MLflow's ``spark_udf`` (pyspark: the ``spark`` extra)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from features.errors import LeadgradeError

# The pyfunc's output row as a Spark schema (see ``training.tracking.signature``).
RESULT_TYPE = (
    "lead_id string, score double, probability double, grade string, queue string, "
    "follow_up_within_hours double, track string, re_engage_on string"
)


# Output columns that are null for some leads (a sales lead has no nurture track).
GAPPY_TEXT = ("track", "re_engage_on")


def with_nulls(scored: Any) -> Any:
    """``spark_udf``'s scores with real nulls where the model returned none.

    MLflow's ``spark_udf`` (3.17) casts every text field of a struct result with pandas'
    ``astype(str)`` unless the whole batch is null, so the pyfunc's missing ``track`` or
    ``re_engage_on`` arrives as the text "None"; no output of the model survives that cast
    as a null. No track or date is ever that text: it is turned back into a null.
    """
    from pyspark.sql.functions import col, lit, when

    for name in GAPPY_TEXT:
        text = col(name)
        scored = scored.withColumn(name, when(text.isin("None", "nan"), lit(None)).otherwise(text))
    return scored


class SparkUnavailable(LeadgradeError):
    code = "spark_unavailable"


def score_with_spark(
    uri: str, tracking_uri: str, source: Path, output: Path, master: str = "local[*]"
) -> int:
    """Score ``source`` with the registered pyfunc on Spark; write ``output``; rows written."""
    try:
        import mlflow
        from pyspark.sql import SparkSession
        from pyspark.sql.functions import struct
    except ImportError as exc:
        raise SparkUnavailable(
            f"pyspark is not installed ({exc}): pip install 'leadgrade[spark]'"
        ) from exc
    # Spark's Python workers must be this interpreter, which has leadgrade and its packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    spark = SparkSession.builder.master(master).appName("leadgrade-score").getOrCreate()
    try:
        leads = read_leads(spark, source)
        udf = mlflow.pyfunc.spark_udf(spark, uri, result_type=RESULT_TYPE, env_manager="local")
        # A struct passes the columns by name: the model picks its fields, ignores the rest.
        scored = with_nulls(
            leads.withColumn("scored", udf(struct(*leads.columns))).select("scored.*")
        )
        writer = scored.write.mode("overwrite")
        if output.suffix.lower() == ".csv":
            writer.option("header", True).csv(str(output))
        else:
            writer.parquet(str(output))
        return (
            int(spark.read.parquet(str(output)).count())
            if output.suffix != ".csv"
            else int(scored.count())
        )
    finally:
        spark.stop()


def read_leads(spark: Any, source: Path) -> Any:
    """The lead file as a Spark DataFrame (CSV: header, types inferred as Spark does)."""
    reader = spark.read
    if source.suffix.lower() == ".csv":
        return reader.csv(str(source), header=True, inferSchema=True, multiLine=True, escape='"')
    return reader.parquet(str(source))
