"""Batch scoring for data scientists: ``leadgrade score`` on a file of leads."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

from features.errors import LeadgradeError
from leadgrade.output import console, fail, say

if TYPE_CHECKING:
    from models.batch import BatchSummary
    from models.registry import LoadedModel

app = typer.Typer()


class Engine(StrEnum):
    local = "local"
    spark = "spark"


@app.command()
def score(
    input: Annotated[Path, typer.Option("--input", help="Leads to score: .csv or .parquet")],
    output: Annotated[Path, typer.Option("--output", help="Scored leads: .parquet or .csv")],
    explain: Annotated[bool, typer.Option(help="Add each lead's top reasons (slower)")] = False,
    model: Annotated[
        str | None, typer.Option(help="Model URI (default: the registry's champion)")
    ] = None,
    chunk_rows: Annotated[int, typer.Option(min=100, help="Leads per chunk (bounds memory)")] = (
        50_000
    ),
    engine: Annotated[Engine, typer.Option(help="local, or spark (mlflow spark_udf)")] = (
        Engine.local
    ),
    master: Annotated[str, typer.Option(help="With --engine spark: the Spark master URL")] = (
        "local[*]"
    ),
) -> None:
    """Score a file of leads in chunks; unreadable rows go to <output>.bad-rows.csv.

    Each output row has the lead id, score, probability, grade, queue, follow-up hours,
    track, re-engage date and the model version (and with --explain, its reasons as JSON).
    A bad row never stops the run: it is written to the side file with its line number
    and the reason. Memory is bounded by --chunk-rows, not by the file's size.
    """
    from models.batch import bad_rows_path, check_paths
    from models.registry import CHAMPION, alias_uri, load_model
    from models.settings import RegistrySettings

    settings = RegistrySettings()
    uri = model or alias_uri(settings.model_name, CHAMPION)
    try:
        check_paths(input, output)
        if engine is Engine.spark:
            _score_on_spark(uri, settings.mlflow_uri, input, output, master)
            return
        loaded = load_model(uri, settings.mlflow_uri)
        say(f"scoring {input} with {loaded.info.name} version {loaded.info.version or '(file)'}")
        summary = _score_locally(loaded, input, output, explain, chunk_rows)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    for line in summary.lines():
        say(line)
    if summary.bad_rows:
        say(f"bad rows written to {bad_rows_path(output)}")
    say(f"wrote {output}")


def _score_locally(
    loaded: LoadedModel, input: Path, output: Path, explain: bool, chunk_rows: int
) -> BatchSummary:
    from models.batch import score_file

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scoring", total=None)
        return score_file(
            loaded.scorer,
            input,
            output,
            version=loaded.info.version,
            explain=explain,
            chunk_rows=chunk_rows,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _score_on_spark(uri: str, tracking_uri: str, input: Path, output: Path, master: str) -> None:
    from models.spark import score_with_spark

    say(f"scoring {input} on Spark ({master}) with {uri}")
    rows = score_with_spark(uri, tracking_uri, input, output, master)
    say(f"{rows} rows scored; wrote {output}")
