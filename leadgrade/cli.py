"""The ``leadgrade`` command: one entry point for data, training, promotion and serving.

This module is the composition root: it is the only place that imports both training and
serving. Heavy imports happen inside the commands, so ``leadgrade --help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from features.errors import LeadgradeError

app = typer.Typer(
    help="leadgrade: A–D lead grades learned from your own won/lost history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)

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


def _fail(exc: LeadgradeError) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(exc.message)}")
    return typer.Exit(code=2)


def _say(message: str) -> None:
    """Progress lines are plain text: brackets such as [feedback] are not rich markup."""
    console.print(escape(message))


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


@app.command()
def train(
    data: DataOpt = None,
    spec: SpecOpt = None,
    allow_leaky: AllowLeakyOpt = None,
    from_store: FromStoreOpt = False,
    maturity_days: MaturityOpt = 90,
) -> None:
    """Train on an export or the lead store, log the run to MLflow, register as challenger."""
    from training.from_store import train_from_store
    from training.run import train_and_register

    try:
        if from_store:
            registered = train_from_store(
                data,
                spec,
                maturity_days=maturity_days,
                allow_leaky=allow_leaky or (),
                progress=_say,
            )
        else:
            registered = train_and_register(
                data or _demo_path(), spec, allow_leaky=allow_leaky or (), progress=_say
            )
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
    if not decision.promoted and not decision.already_champion:
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
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"API on {base}  marketing pages: {base}/ui  docs: {base}/docs")
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


# --- the lead store: migrations, reports, demo feedback -------------------------------------

db_app = typer.Typer(help="The lead store's database.", no_args_is_help=True)
report_app = typer.Typer(help="Reports from the lead store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")


def _store_settings() -> tuple[str, str]:
    """The lead store's URL (LEADGRADE_DATABASE_URL or leads.db in home), and as shown."""
    from sqlalchemy.engine import make_url

    from serving.settings import ServeSettings

    url = ServeSettings().resolved_database_url
    return url, make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the lead store's tables (the service does it at start by default)."""
    from sqlalchemy.exc import SQLAlchemyError

    from features.store import LeadStore

    url, shown = _store_settings()
    store = LeadStore(url)
    try:
        store.upgrade()
    except SQLAlchemyError as exc:
        console.print(f"[red]error:[/red] cannot migrate the lead store at {escape(shown)}")
        console.print(escape(str(exc).splitlines()[0]))
        raise typer.Exit(code=2) from exc
    finally:
        store.dispose()
    console.print(f"lead store at {escape(shown)} is up to date")


@report_app.command("funnel")
def report_funnel(
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="campaign, source, grade or month; repeat or comma-separate to combine "
            "(--by campaign,month)"
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(help="Spec TOML whose fields name campaign and source (default: demo)"),
    ] = None,
) -> None:
    """Leads, A/B share, worked, won, lost, win rate, days to outcome and loss reasons."""
    from sqlalchemy.exc import SQLAlchemyError

    from features.spec import load_spec
    from features.store import LeadStore
    from features.store.reports import funnel, funnel_fields, parse_dimensions
    from leadgrade.tables import funnel_table

    try:
        dimensions = parse_dimensions(by or []) or ["campaign"]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--by") from exc
    try:
        campaign, source = funnel_fields(load_spec(spec) if spec else None)
    except LeadgradeError as exc:
        raise _fail(exc) from exc
    url, shown = _store_settings()
    store = LeadStore(url)
    try:
        rows = funnel(store, dimensions, campaign_field=campaign, source_field=source)
    except SQLAlchemyError as exc:
        console.print(
            f"[red]error:[/red] cannot read the lead store at {escape(shown)}; "
            "is it migrated (leadgrade db upgrade)?"
        )
        raise typer.Exit(code=2) from exc
    finally:
        store.dispose()
    Console().print(funnel_table(rows, dimensions))


@app.command("demo-feedback")
def demo_feedback(
    url: Annotated[str, typer.Option(help="The running API")] = "http://127.0.0.1:8000",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N demo leads")] = None,
    data: DataOpt = None,
    spec: SpecOpt = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="LEADGRADE_API_KEY", help="Bearer key, if required")
    ] = None,
) -> None:
    """Replay the demo outcomes through the API: score the leads, then post what sales said.

    Idempotent: a second run scores nothing again and stores no outcome twice.
    """
    import httpx

    from features.spec import demo_spec, load_spec
    from leadgrade.demo_feedback import demo_records, replay

    path = data or _demo_path()
    if not path.is_file():
        console.print(f"[red]error:[/red] no data at {escape(str(path))}: run leadgrade demo-data")
        raise typer.Exit(code=2)
    lead_spec = load_spec(spec) if spec else demo_spec()
    records = demo_records(path, lead_spec, limit)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            done = replay(client, records, lead_spec, progress=_say)
    except LeadgradeError as exc:
        raise _fail(exc) from exc
    except httpx.TransportError as exc:
        console.print(f"[red]error:[/red] cannot reach the API at {escape(url)} ({exc})")
        raise typer.Exit(code=2) from exc
    console.print(escape(str(done)))


def main() -> None:
    """The console entry point: invalid settings end with their message, not a traceback."""
    try:
        app()
    except ValidationError as exc:
        console.print(f"[red]error:[/red] invalid settings (LEADGRADE_* variables):\n{exc}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
