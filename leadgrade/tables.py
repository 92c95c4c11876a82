"""Store reports as rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from models.evidence import percent
from store.funnel import Dimension, FunnelRow
from store.kpis import KpiRow


def funnel_table(rows: Sequence[FunnelRow], by: Sequence[Dimension]) -> Table:
    """The funnel report, one row per group, as ``GET /v1/reports/funnel`` returns it.

    ``days`` is the median number of days from first score to outcome.
    """
    table = Table(title=f"Funnel by {' × '.join(by)}", title_justify="left")
    for dimension in by:
        table.add_column(dimension)
    # Numbers never wrap; the group names and the reasons take what width is left.
    for name in ("leads", "A/B", "accepted", "opps", "worked", "won", "lost", "win rate", "days"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("top loss reasons")
    for row in rows:
        table.add_row(
            *(row.group[d] or "(none)" for d in by),
            str(row.leads),
            f"{row.share_a_or_b:.0%}",
            str(row.accepted),
            str(row.opportunities),
            str(row.worked),
            str(row.won),
            str(row.lost),
            "–" if row.win_rate is None else f"{row.win_rate:.0%}",
            "–" if row.median_days_to_outcome is None else f"{row.median_days_to_outcome:.1f}",
            "\n".join(f"{r.reason} {r.count}" for r in row.top_loss_reasons),
        )
    return table


def kpi_table(rows: Sequence[KpiRow], period: str) -> Table:
    """The common metrics, one row per period, as ``GET /v1/reports/kpis`` returns them."""
    table = Table(title=f"Common metrics by {period}", title_justify="left")
    names = (
        "period",
        "leads",
        "A/B",
        "accepted",
        "opps",
        "won",
        "lost",
        "win rate",
        "days",
        "kept",
    )
    for name in names:
        table.add_column(name, justify="left" if name == "period" else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row.period,
            str(row.leads),
            percent(row.share_a_or_b),
            str(row.accepted),
            str(row.opportunities),
            str(row.won),
            str(row.lost),
            percent(row.win_rate),
            "–" if row.median_days_to_feedback is None else f"{row.median_days_to_feedback:.1f}",
            percent(row.follow_up_rate),
        )
    table.caption = "days: median days to first feedback; kept: follow-up within the deadline"
    return table
