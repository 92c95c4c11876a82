"""The ``leadgrade`` command: one entry point for data, training, promotion and serving.

This module is the composition root: it is the only place that imports both training and
serving. The commands live in :mod:`leadgrade.commands`, one module per user; heavy
imports happen inside the commands, so ``leadgrade --help`` is instant.
"""

from __future__ import annotations

import os

import typer
from pydantic import ValidationError

from features.errors import LeadgradeError
from leadgrade.commands import erase, registry, scoring, serving, store, training
from leadgrade.output import console, fail

# MLflow retries an unreachable tracking server for minutes by default; a command should
# say so within seconds. MLflow 3 also sends usage telemetry to its vendor by default; a
# service holding prospects' data makes no outbound calls nobody asked for. Values the
# user sets in the environment still win.
MLFLOW_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}

app = typer.Typer(
    help="leadgrade: A–D lead grades learned from your own won/lost history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (training.app, registry.app, scoring.app, serving.app, store.app, erase.app):
    app.add_typer(group)


@app.callback()
def _before_every_command() -> None:
    for name, value in MLFLOW_DEFAULTS.items():
        os.environ.setdefault(name, value)


def main() -> None:
    """The console entry point: every error ends as one line and an exit code, never a traceback.

    Commands turn the errors they expect into one line themselves; this is the last resort
    for invalid settings, a domain error a command did not expect, and a plain bug (exit 1).
    """
    try:
        app()
    except ValidationError as exc:
        console.print(f"[red]error:[/red] invalid settings (LEADGRADE_* variables):\n{exc}")
        raise SystemExit(2) from exc
    except LeadgradeError as exc:
        raise SystemExit(fail(exc).exit_code) from exc
    except Exception as exc:  # the one place a bug becomes a line, not a trace
        console.print(f"[red]error:[/red] unexpected {type(exc).__name__}: {exc}")
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
