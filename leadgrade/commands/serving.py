"""Commands that serve: the API, and ``run`` (everything a first look needs, then serve)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from features.errors import LeadgradeError
from leadgrade.commands.training import SpecOpt, demo_data, promote, train
from leadgrade.output import console, demo_path, fail, fail_with, say

app = typer.Typer()


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
    from models.settings import RegistrySettings

    settings = RegistrySettings()
    if not demo_path().exists():
        demo_data(rows=6000, seed=7, out=None)
    try:
        info = resolve_version(f"models:/{settings.model_name}@{CHAMPION}", settings.mlflow_uri)
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
    from serving.openapi import document_text

    try:
        text = document_text(load_spec(spec) if spec else demo_spec())
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
