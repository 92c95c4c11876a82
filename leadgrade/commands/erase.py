"""``leadgrade erase``: remove a lead's personal data from the store (GDPR art. 17)."""

from __future__ import annotations

from typing import Annotated

import typer

from leadgrade.output import fail, fail_with, say

app = typer.Typer()


@app.command()
def erase(
    lead: Annotated[str | None, typer.Option(help="The lead id to erase")] = None,
    expired: Annotated[
        bool, typer.Option(help="Erase every lead older than LEADGRADE_RETENTION_DAYS")
    ] = False,
) -> None:
    """Erase a lead's personal data (its id, explanations, notes), keeping what is anonymous.

    The anonymous fields as scored, grades and outcomes stay for training and reports under
    a random pseudonym, and the erasure is recorded.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from features.errors import LeadgradeError
    from store import LeadStore
    from store.settings import StoreSettings

    if (lead is None) == (not expired):
        raise fail_with("give either --lead ID or --expired")
    settings = StoreSettings()
    if expired and settings.retention_days is None:
        raise fail_with("--expired needs LEADGRADE_RETENTION_DAYS (how many days leads are kept)")
    store = LeadStore(settings.resolved_database_url)
    try:
        if lead is not None:
            receipt = store.erase(lead, requested_by="command line")
            say(f"erased lead {lead}: {receipt.scores} scores, {receipt.outcomes} outcomes")
        else:
            days = settings.retention_days or 0
            count = store.erase_older_than(days, requested_by="command line")
            say(f"erased {count} leads first scored more than {days} days ago")
    except LeadgradeError as exc:
        raise fail(exc) from exc
    except SQLAlchemyError as exc:
        raise fail_with(
            f"cannot erase in the lead store at {settings.shown_database_url}: "
            f"{type(exc).__name__}; is it migrated (leadgrade db upgrade)?"
        ) from exc
    finally:
        store.dispose()
