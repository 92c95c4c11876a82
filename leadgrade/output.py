"""How every command talks to its user: progress and errors on stderr, one line each."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from features.errors import LeadgradeError

console = Console(stderr=True, soft_wrap=True)


def fail(exc: LeadgradeError) -> typer.Exit:
    """Print an expected error as one line; raise the returned Exit (exit code 2)."""
    return fail_with(exc.message)


def fail_with(message: str) -> typer.Exit:
    """Print ``message`` as one error line; raise the returned Exit (exit code 2)."""
    console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code=2)


def say(message: str) -> None:
    """Progress lines are plain text: brackets such as [feedback] are not rich markup."""
    console.print(escape(message))


def demo_path() -> Path:
    """Where ``leadgrade demo-data`` writes and the other commands look by default."""
    from features.settings import HomeSettings

    return HomeSettings().home / "demo" / "leads.csv"
