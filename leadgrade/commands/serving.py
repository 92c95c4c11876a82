"""Commands that serve: the API, and ``run`` (everything a first look needs, then serve)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from features.errors import LeadgradeError
from leadgrade.commands.registry import promote
from leadgrade.commands.training import SpecOpt, demo_data, train
from leadgrade.output import console, demo_path, fail, fail_with, say

if TYPE_CHECKING:
    from fastapi import FastAPI

    from serving.settings import ServeSettings

# Measured side by side under wrk (load 5-7): p99 at 16 connections 263/586 → 146/239 ms.
WRITER_SWITCH_SECONDS = 0.0005

app = typer.Typer()
keys_app = typer.Typer(help="API keys and their roles.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Serve the API (model from LEADGRADE_MODEL_URI, default the registry's champion)."""
    import uvicorn

    from serving.logs import LOG_CONFIG

    settings, api = _started_quietly(host, port)
    # The store's writer thread needs the GIL back after each database call, and a busy
    # event loop gives it up only every switch interval (5 ms by default): a transaction
    # of a few statements then waits tens of ms, and so does every request in it.
    sys.setswitchinterval(WRITER_SWITCH_SECONDS)
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"API on {base}  marketing pages: {base}/ui  docs: {base}/docs")
    if settings.keys_file is None:
        console.print(
            f"no keys file (LEADGRADE_KEYS_FILE): open to anyone who can reach {settings.host}"
        )
    if settings.workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        console.print(
            f"{settings.workers} workers share one SQLite file, which takes one writer at a "
            "time: for several processes, put the lead store in PostgreSQL"
        )
    # Each worker process builds its own app from the environment (a factory by import
    # name); uvicorn's plain access log is off: the service logs its requests itself.
    app: Any = "serving.app:create_app" if settings.workers > 1 else api
    uvicorn.run(
        app,
        factory=settings.workers > 1,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=LOG_CONFIG,
        access_log=False,
    )


def _started_quietly(host: str | None, port: int | None) -> tuple[ServeSettings, FastAPI]:
    """Settings and the app, built with the cyclic garbage collector paused.

    Importing the service allocates a few million objects that live as long as the process;
    the collector would scan them again and again while they load (about a tenth of the
    start). What exists once the app is built is frozen out of later scans, which also keeps
    those scans short while the service answers requests.
    """
    gc.disable()
    try:
        settings, api = _build(host, port)
        gc.freeze()
    finally:
        gc.enable()
    return settings, api


def _build(host: str | None, port: int | None) -> tuple[ServeSettings, FastAPI]:
    from sqlalchemy.exc import SQLAlchemyError

    from serving.app import create_app
    from serving.keys import KeysUnavailable
    from serving.settings import ServeSettings
    from store.errors import StoreMissing
    from store.ledger import check_not_lost

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = ServeSettings(**overrides)  # type: ignore[arg-type]
    try:
        check_not_lost(settings)
        return settings, create_app(settings)
    except (KeysUnavailable, StoreMissing) as exc:
        raise fail(exc) from exc
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        shown = settings.shown_database_url
        raise fail_with(f"cannot open the lead store at {shown}: {first}") from exc


@keys_app.command("new")
def keys_new(
    client: Annotated[str, typer.Option(help="The client the key names (crm, webform, ...)")],
    role: Annotated[list[str], typer.Option(help="crm, marketing or admin; repeat for several")],
) -> None:
    """Print a new random key and the keys-file entry (its SHA-256 hash) to add for it.

    The key is shown once: give it to the client; the service only ever sees the hash.
    """
    from pydantic import ValidationError

    from serving.keys import KeyEntry, new_key

    key, digest = new_key()
    try:
        entry = KeyEntry(client=client, roles=frozenset(role), sha256=digest)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        console.print(f"[red]error:[/red] {where}: {first['msg']}")
        raise typer.Exit(code=2) from exc
    roles = ", ".join(f'"{r}"' for r in sorted(entry.roles))
    console.print(f"key (give it to {client}; it is not stored anywhere):")
    typer.echo(key)
    console.print("add to the keys file (LEADGRADE_KEYS_FILE):")
    typer.echo(f'[[key]]\nclient = "{client}"\nroles = [{roles}]\nsha256 = "{digest}"')


@app.command()
def run() -> None:
    """Set up everything a first look needs (demo data, trained champion), then serve."""
    from models.registry import CHAMPION, ModelNotFound, alias_uri, resolve_version
    from models.settings import RegistrySettings

    settings = RegistrySettings()
    if not demo_path().exists():
        demo_data(rows=6000, seed=7, out=None)
    try:
        info = resolve_version(alias_uri(settings.model_name, CHAMPION), settings.mlflow_uri)
        console.print(f"reusing champion {info.name} version {info.version}")
    except ModelNotFound:
        train(data=None, spec=None)
        promote(force=False)
    serve(host=None, port=None)


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write it (`-` for standard output)")] = Path(
        "docs/openapi.json"
    ),
    spec: SpecOpt = None,
) -> None:
    """Write the API's OpenAPI document for a spec's leads (what `make openapi` commits)."""
    from features.spec import demo_spec, load_spec
    from serving.app import create_app
    from serving.openapi import document_text

    try:
        text = document_text(create_app(), load_spec(spec) if spec else demo_spec())
    except LeadgradeError as exc:
        raise fail(exc) from exc
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail_with(f"cannot write {out}: {exc.strerror}") from exc
    say(f"wrote {out}")
