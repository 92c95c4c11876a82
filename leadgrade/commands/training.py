"""Commands for data scientists: demo data and training (the registry: ``registry.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from features.errors import LeadgradeError
from leadgrade.output import console, demo_path, fail, say

if TYPE_CHECKING:
    from training.tracking import RegisteredRun

app = typer.Typer()

DataOpt = Annotated[Path | None, typer.Option(help="CSV or Parquet export (default: demo data)")]
SpecOpt = Annotated[Path | None, typer.Option(help="Lead spec TOML (default: the demo spec)")]
AllowLeakyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-leaky",
        metavar="FIELD",
        help="Let the leakage audit flag this feature without failing (repeatable); "
        "recorded in MLflow and the model card",
    ),
]
FromStoreOpt = Annotated[
    bool,
    typer.Option(
        "--from-store",
        help="Train on the lead store (LEADGRADE_DATABASE_URL): leads as first scored, with "
        "their latest outcome; with --data, on that export too (the store's copy of a lead "
        "wins). Default spec: the champion's",
    ),
]
MaturityOpt = Annotated[
    int,
    typer.Option(
        min=0, help="With --from-store: days after which a lead without an outcome is stale"
    ),
]


@app.command("demo-data")
def demo_data(
    rows: Annotated[int, typer.Option(min=100, help="Number of leads")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 7,
    out: Annotated[Path | None, typer.Option(help="Output .csv or .parquet")] = None,
    drift: Annotated[
        bool, typer.Option(help="Let the win rate rise from about 10 % to about 35 % over time")
    ] = False,
) -> None:
    """Write realistic demo B2B leads with outcomes and sales feedback."""
    from training.demo_data import write_demo_data

    path = write_demo_data(out or demo_path(), rows=rows, seed=seed, drift=drift)
    console.print(f"wrote {rows} demo leads{' with a rising win rate' * drift} to {path}")


@app.command()
def train(
    data: DataOpt = None,
    spec: SpecOpt = None,
    allow_leaky: AllowLeakyOpt = None,
    from_store: FromStoreOpt = False,
    maturity_days: MaturityOpt = 90,
) -> None:
    """Train on an export or the lead store, log the run to MLflow, register as challenger."""
    try:
        registered = train_registered(data, spec, allow_leaky, from_store, maturity_days)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    console.print(
        f"registered [bold]{registered.model_name}[/bold] version {registered.version} "
        f"(run {registered.run_id}) as challenger"
    )


def train_registered(
    data: Path | None,
    spec: Path | None,
    allow_leaky: list[str] | None,
    from_store: bool,
    maturity_days: int,
) -> RegisteredRun:
    """The body of ``train`` (and of ``retrain``): train, log, register as challenger."""
    from training.from_file import train_from_file
    from training.from_store import train_from_store

    if from_store:
        return train_from_store(
            data, spec, maturity_days=maturity_days, allow_leaky=allow_leaky or (), progress=say
        )
    return train_from_file(data or demo_path(), spec, allow_leaky=allow_leaky or (), progress=say)
