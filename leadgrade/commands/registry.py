"""Commands for data scientists on the registry: promote, retrain, rollback, models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from features.errors import LeadgradeError
from leadgrade.commands.training import (
    AllowLeakyOpt,
    DataOpt,
    FromStoreOpt,
    MaturityOpt,
    SpecOpt,
    train_registered,
)
from leadgrade.output import console, fail, say

if TYPE_CHECKING:
    from training.promote import Decision

app = typer.Typer()

# retrain's exit codes, for a scheduler: promoted, refused by the gate, failed.
PROMOTED, REFUSED, FAILED = 0, 1, 2


@app.command()
def promote(
    force: Annotated[bool, typer.Option(help="Promote without the gate")] = False,
) -> None:
    """Make the challenger the champion if it passes the gate on its holdout.

    The gate compares challenger and champion on the challenger's holdout: the configured
    metric within its margin, calibration error (ECE) and A÷D lift. Exit code 1: refused.
    """
    from training.promote import promote as run_gate
    from training.settings import TrainSettings

    try:
        decision = run_gate(TrainSettings(), force=force)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    _report(decision)
    if not decision.promoted and not decision.already_champion:
        raise typer.Exit(code=REFUSED)


@app.command()
def retrain(
    data: DataOpt = None,
    spec: SpecOpt = None,
    allow_leaky: AllowLeakyOpt = None,
    from_store: FromStoreOpt = False,
    maturity_days: MaturityOpt = 90,
) -> None:
    """Train, register, gate and promote in one command, for a scheduler.

    Exit codes: 0 promoted, 1 refused by the gate (the champion keeps serving), 2 failed.
    """
    from training.promote import promote as run_gate
    from training.settings import TrainSettings

    try:
        registered = train_registered(data, spec, allow_leaky, from_store, maturity_days)
        say(f"registered version {registered.version} (run {registered.run_id}); gating it")
        decision = run_gate(TrainSettings(), action="retrain")
    except LeadgradeError as exc:
        raise fail(exc) from exc
    _report(decision)
    raise typer.Exit(code=PROMOTED if decision.promoted else REFUSED)


@app.command()
def rollback(
    reason: Annotated[str, typer.Option(help="Why (recorded in the registry)")],
    to: Annotated[
        str | None, typer.Option(help="Version to serve (default: the previous champion)")
    ] = None,
) -> None:
    """Move the champion alias back, recorded in the registry (who, when, why, from, to)."""
    from training.settings import TrainSettings
    from training.versions import rollback as roll_back

    try:
        change = roll_back(TrainSettings(), reason, to)
    except LeadgradeError as exc:
        raise fail(exc) from exc
    console.print(f"champion: version {change.previous or '(none)'} → version {change.to}")


@app.command()
def models() -> None:
    """The registered versions: aliases, training window and headline metrics."""
    from training.settings import TrainSettings
    from training.versions import HEADLINE, model_versions

    try:
        rows = model_versions(TrainSettings())
    except LeadgradeError as exc:
        raise fail(exc) from exc
    table = Table(title="Registered versions", title_justify="left")
    for name in ("version", "aliases", "registered", "training window", *HEADLINE):
        table.add_column(name, no_wrap=True)
    for row in rows:
        table.add_row(
            row.version,
            ", ".join(row.aliases),
            row.created.strftime("%Y-%m-%d %H:%M"),
            row.window,
            *(row.metrics.get(k, "") for k in HEADLINE),
        )
    console.print(table)


def _report(decision: Decision) -> None:
    if decision.table:
        console.print(escape(decision.table), highlight=False)
    console.print(escape(decision.reason))
