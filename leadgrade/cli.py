"""The ``leadgrade`` command: one entry point for data, training, promotion and serving.

This module is the composition root: it is the only place that imports both training and
serving. Heavy imports happen inside the commands, so ``leadgrade --help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from features.errors import LeadgradeError

app = typer.Typer(
    help="leadgrade: A–D lead grades learned from your own won/lost history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

DataOpt = Annotated[Path | None, typer.Option(help="CSV or Parquet export (default: demo data)")]
SpecOpt = Annotated[Path | None, typer.Option(help="Lead spec TOML (default: the demo spec)")]


def _fail(exc: LeadgradeError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


def _demo_path() -> Path:
    from training.settings import TrainSettings

    return TrainSettings().home / "demo" / "leads.csv"


@app.command("demo-data")
def demo_data(
    rows: Annotated[int, typer.Option(min=100, help="Number of leads")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 7,
    out: Annotated[Path | None, typer.Option(help="Output .csv or .parquet")] = None,
) -> None:
    """Write realistic demo B2B leads with outcomes and sales feedback."""
    from training.demo_data import write_demo_data

    path = write_demo_data(out or _demo_path(), rows=rows, seed=seed)
    console.print(f"wrote {rows} demo leads to {path}")


@app.command()
def train(data: DataOpt = None, spec: SpecOpt = None) -> None:
    """Train on an export, log the run to MLflow and register the model as challenger."""
    from training.run import train_and_register

    try:
        registered = train_and_register(data or _demo_path(), spec, progress=console.print)
    except LeadgradeError as exc:
        raise _fail(exc) from exc
    console.print(
        f"registered [bold]{registered.model_name}[/bold] version {registered.version} "
        f"(run {registered.run_id}) as challenger"
    )


@app.command()
def promote(
    force: Annotated[bool, typer.Option(help="Promote without the gate")] = False,
) -> None:
    """Make the challenger the champion if it is not worse on its holdout."""
    from training.promote import promote as run_gate
    from training.settings import TrainSettings

    try:
        decision = run_gate(TrainSettings(), force=force)
    except LeadgradeError as exc:
        raise _fail(exc) from exc
    console.print(decision.reason)
    if not decision.promoted and "already" not in decision.reason:
        raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Serve the API (model from LEADGRADE_MODEL_URI, default the registry's champion)."""
    import uvicorn

    from serving.app import create_app
    from serving.settings import ServeSettings

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = ServeSettings(**overrides)  # type: ignore[arg-type]
    console.print(f"API on http://{settings.host}:{settings.port}  (docs: /docs, health: /health)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def run() -> None:
    """Set up everything a first look needs (demo data, trained champion), then serve."""
    from models.registry import CHAMPION, ModelNotFound, resolve_version
    from training.settings import TrainSettings

    settings = TrainSettings()
    if not _demo_path().exists():
        demo_data(rows=6000, seed=7, out=None)
    try:
        info = resolve_version(f"models:/{settings.model_name}@{CHAMPION}", settings.mlflow_uri)
        console.print(f"reusing champion {info.name} version {info.version}")
    except ModelNotFound:
        train(data=None, spec=None)
        promote(force=False)
    serve(host=None, port=None)


if __name__ == "__main__":
    app()
