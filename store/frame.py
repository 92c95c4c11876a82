"""Training data from the lead store, shaped like a CRM export of the same spec.

Each lead appears with its fields as they were when it was first scored, never as edited
later, so that a model trained on the store sees what was known at scoring time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import RowMapping

from features.spec import LeadSpec
from store.engine import read_transaction
from store.models import as_utc
from store.queries import lead_snapshots
from store.store import LeadStore


@dataclass(frozen=True)
class StoreTrainingSet:
    """Labelled leads from the store, and how many were left out and why.

    ``open`` leads have no outcome yet and may still close. ``stale_open`` leads have had
    none for longer than the maturity period; they are left out rather than taken as
    losses, since silence more often means sales never worked the lead than that it failed.
    """

    frame: pd.DataFrame
    as_of: datetime
    won: int
    lost: int
    open: int
    stale_open: int

    @property
    def counts(self) -> dict[str, int]:
        return {
            "won": self.won,
            "lost": self.lost,
            "open": self.open,
            "stale_open": self.stale_open,
        }


def training_frame(
    store: LeadStore,
    spec: LeadSpec,
    *,
    as_of: datetime | None = None,
    maturity_days: int = 90,
    include_open: bool = False,
) -> StoreTrainingSet:
    """One row per lead with an outcome, as the store knew it at ``as_of`` (default: now).

    Columns: the lead id, ``spec.lead.created_at`` (as sent, else first scored) if the spec
    has one, the stored fields of the first score, the outcome as one of the spec's own
    won/lost values,
    ``spec.outcome.date`` (when the latest outcome happened) if the spec has one, and the
    feedback reason (canonical) and rating of the latest outcome. With ``include_open``,
    leads without an outcome are rows too, their outcome columns empty (for joining the
    outcomes of an export to the fields as scored).
    """
    if maturity_days < 0:
        raise ValueError(f"maturity_days must be >= 0, got {maturity_days}")
    as_of = datetime.now(UTC) if as_of is None else as_utc(as_of)
    with read_transaction(store.engine) as conn:
        leads = conn.execute(lead_snapshots(as_of)).mappings().all()
    cutoff = as_of - timedelta(days=maturity_days)
    rows = [
        _training_row(spec, lead) for lead in leads if include_open or lead["outcome"] is not None
    ]
    unlabelled = [lead["first_scored_at"] for lead in leads if lead["outcome"] is None]
    won = sum(1 for lead in leads if lead["outcome"] == "won")
    return StoreTrainingSet(
        frame=_frame(spec, rows),
        as_of=as_of,
        won=won,
        lost=len(leads) - len(unlabelled) - won,
        open=sum(1 for at in unlabelled if at >= cutoff),
        stale_open=sum(1 for at in unlabelled if at < cutoff),
    )


def outcome_value(spec: LeadSpec, outcome: str) -> str:
    """The spec's own outcome value for a stored outcome (won, lost or disqualified)."""
    if outcome == "won":
        return spec.outcome.won[0]
    disqualified = [v for v in spec.outcome.lost if "disqualif" in v.lower()]
    others = [v for v in spec.outcome.lost if v not in disqualified]
    if outcome == "disqualified":
        return (disqualified or others)[0]
    return (others or disqualified)[0]


def _training_row(spec: LeadSpec, lead: RowMapping) -> dict[str, Any]:
    row = dict(lead["fields"])
    row[spec.lead.id] = lead["lead_id"]
    if spec.lead.created_at and row.get(spec.lead.created_at) is None:
        # The creation time the CRM sent with the lead wins; without one, first scored.
        row[spec.lead.created_at] = lead["first_scored_at"]
    outcome = lead["outcome"]
    row[spec.outcome.column] = None if outcome is None else outcome_value(spec, outcome)
    if spec.outcome.date:
        row[spec.outcome.date] = lead["outcome_at"]
    if spec.feedback.reason:
        row[spec.feedback.reason] = lead["canonical_reason"]
    if spec.feedback.rating:
        row[spec.feedback.rating] = lead["rating"]
    return row


def _frame(spec: LeadSpec, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame in a stable column order; absent features become empty columns."""
    head = [spec.lead.id, *([spec.lead.created_at] if spec.lead.created_at else [])]
    dated = [spec.outcome.date] if spec.outcome.date else []
    tail = [spec.outcome.column, *dated, *spec.feedback_fields]
    known = {*head, *tail, *spec.feature_fields}
    extra = sorted({name for row in rows for name in row} - known)
    columns = [*head, *spec.feature_fields, *extra, *tail]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in (spec.lead.created_at, spec.outcome.date):
        if column:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
