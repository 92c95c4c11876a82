"""Commands on the lead store: migrations, reports and the demo feedback replay."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from features.errors import LeadgradeError
from leadgrade.commands.training import DataOpt, SpecOpt
from leadgrade.output import console, demo_path, fail, fail_with, say

if TYPE_CHECKING:
    from store import LeadStore

T = TypeVar("T")
app = typer.Typer()
db_app = typer.Typer(help="The lead store's database.", no_args_is_help=True)
report_app = typer.Typer(help="Reports from the lead store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")


def _store_url() -> tuple[str, str]:
    """The lead store's URL (LEADGRADE_DATABASE_URL or leads.db in home), and as shown."""
    from store.settings import StoreSettings

    settings = StoreSettings()
    return settings.resolved_database_url, settings.shown_database_url


def _read_store(read: Callable[[LeadStore], T]) -> T:
    """``read(store)`` on the configured lead store; a database error is one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from store import LeadStore

    url, shown = _store_url()
    store = LeadStore(url)
    try:
        return read(store)
    except SQLAlchemyError as exc:
        raise fail_with(
            f"cannot read the lead store at {shown}; is it migrated (leadgrade db upgrade)?"
        ) from exc
    finally:
        store.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the lead store's tables (the service does it at start by default)."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.ledger import open_store
    from store.settings import StoreSettings

    settings = StoreSettings()
    shown = settings.shown_database_url
    try:
        open_store(settings, migrate=True).dispose()
    except LeadgradeError as exc:
        raise fail(exc) from exc
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        raise fail_with(f"cannot migrate the lead store at {shown}: {first}") from exc
    console.print(f"lead store at {escape(shown)} is up to date")


@db_app.command("backup")
def db_backup(
    to: Annotated[Path, typer.Option("--to", help="New file for the copy")],
) -> None:
    """A consistent copy of the SQLite store, safe while the service runs (online backup)."""
    from store.backup import backup_sqlite

    path = _sqlite_file()
    try:
        backup_sqlite(path, to)
    except (LeadgradeError, OSError, sqlite3.Error) as exc:
        raise fail_with(f"cannot back up {path}: {_message(exc)}") from exc
    console.print(f"backed up {escape(str(path))} to {escape(str(to))}")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Option("--from", help="A file made by db backup")],
) -> None:
    """Copy a backup over the SQLite store (stop the service first)."""
    from store.backup import restore_sqlite
    from store.ledger import StoreLedger
    from store.settings import StoreSettings

    path = _sqlite_file()
    try:
        restore_sqlite(source, path)
    except (LeadgradeError, OSError, sqlite3.Error) as exc:
        raise fail_with(f"cannot restore {path}: {_message(exc)}") from exc
    settings = StoreSettings()
    StoreLedger(settings.resolved_store_ledger).remember(settings.shown_database_url)
    console.print(f"restored {escape(str(path))} from {escape(str(source))}")


@db_app.command("copy")
def db_copy(
    to: Annotated[str, typer.Option("--to", help="The empty target store's URL")],
) -> None:
    """Copy the whole store to another one (SQLite to PostgreSQL), counts checked."""
    from sqlalchemy.exc import SQLAlchemyError

    from store import LeadStore
    from store.backup import copy_store
    from store.engine import shown_url

    url, shown = _store_url()
    source, target = LeadStore(url), LeadStore(to)
    try:
        counts = copy_store(source.engine, target)
    except (ValueError, SQLAlchemyError) as exc:
        raise fail_with(f"cannot copy {shown} to {shown_url(to)}: {_message(exc)}") from exc
    finally:
        source.dispose()
        target.dispose()
    rows = ", ".join(f"{name} {count}" for name, count in counts.items())
    console.print(f"copied {escape(shown)} to {escape(shown_url(to))}: {rows} (counts match)")


def _sqlite_file() -> Path:
    from store.engine import sqlite_path

    url, shown = _store_url()
    path = sqlite_path(url)
    if path is None:
        raise fail_with(
            f"the store at {shown} is not SQLite: use PostgreSQL's pg_dump and pg_restore"
        )
    return path


def _message(exc: Exception) -> str:
    message = exc.message if isinstance(exc, LeadgradeError) else str(exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


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

    from features.spec import load_spec
    from leadgrade.tables import funnel_table
    from store.funnel import funnel, funnel_fields, parse_dimensions

    try:
        dimensions = parse_dimensions(by or []) or ["campaign"]
    except ValueError as exc:
        raise fail_with(f"--by: {exc}") from exc
    try:
        campaign, source = funnel_fields(load_spec(spec) if spec else None)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    rows = _read_store(
        lambda store: funnel(store, dimensions, campaign_field=campaign, source_field=source)
    )
    Console().print(funnel_table(rows, dimensions))


@report_app.command("kpis")
def report_kpis(
    period: Annotated[str, typer.Option(help="week (ISO), month or quarter")] = "month",
    since: Annotated[
        str | None, typer.Option(help="Leads that arrived on or after YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Leads that arrived on or before YYYY-MM-DD")
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="Only this campaign")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead of a table")] = False,
    spec: Annotated[
        Path | None, typer.Option(help="Spec TOML whose fields name the campaign (default: demo)")
    ] = None,
) -> None:
    """The common metrics per period: leads, A/B share, accepted, opportunities, won, lost,
    win rate, median days to first feedback and the follow-up rate (the monthly review)."""

    from features.spec import load_spec
    from leadgrade.tables import kpi_table
    from serving.alignment import kpis_csv
    from store.funnel import funnel_fields
    from store.kpis import kpis
    from store.lead_facts import LeadFilter, parse_period

    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from exc
    keep = LeadFilter(since=_day(since, "--since"), until=_day(until, "--until"), campaign=campaign)
    try:
        field = funnel_fields(load_spec(spec) if spec else None)[0]
    except LeadgradeError as exc:
        raise fail(exc) from exc
    rows = _read_store(lambda store: kpis(store, chosen, keep=keep, campaign_field=field))
    if as_csv:
        typer.echo(kpis_csv(rows), nl=False)
    else:
        Console().print(kpi_table(rows, chosen))


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


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
    """Replay the demo feedback through the API: score the leads as history (each stored as
    scored when it was created), then post each lead's stages and outcome at plausible
    times after its first score.

    Idempotent: a second run scores nothing again and stores no event twice.
    """
    import httpx

    from features.spec import demo_spec, load_spec
    from leadgrade.demo_feedback import demo_records, replay

    path = data or demo_path()
    if not path.is_file():
        raise fail_with(f"no data at {path}: run leadgrade demo-data")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        lead_spec = load_spec(spec) if spec else demo_spec()
        records = demo_records(path, lead_spec, limit)
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            done = replay(client, records, lead_spec, progress=say)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    except httpx.TransportError as exc:
        raise fail_with(f"cannot reach the API at {url} ({exc})") from exc
    console.print(escape(str(done)))
