"""The ``leadgrade`` command: one entry point for data, training, promotion and serving.

This module is the composition root: it is the only place that imports both training and
serving. The commands live in :mod:`leadgrade.commands`, one module per user; heavy
imports happen inside the commands, so ``leadgrade --help`` is instant.
"""

from __future__ import annotations

import typer
from pydantic import ValidationError

from leadgrade.commands import erase, serving, store, training
from leadgrade.output import console

app = typer.Typer(
    help="leadgrade: A–D lead grades learned from your own won/lost history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (training.app, serving.app, store.app, erase.app):
    app.add_typer(group)


def main() -> None:
    """The console entry point: invalid settings end with their message, not a traceback."""
    try:
        app()
    except ValidationError as exc:
        console.print(f"[red]error:[/red] invalid settings (LEADGRADE_* variables):\n{exc}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
