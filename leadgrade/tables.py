"""Store reports as rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from store.funnel import Dimension, FunnelRow


def funnel_table(rows: Sequence[FunnelRow], by: Sequence[Dimension]) -> Table:
    """The funnel report, one row per group, as ``GET /v1/reports/funnel`` returns it.

    ``days`` is the median number of days from first score to outcome.
    """
    table = Table(title=f"Funnel by {' × '.join(by)}", title_justify="left")
    for dimension in by:
        table.add_column(dimension)
    # Numbers never wrap; the group names and the reasons take what width is left.
    for name in ("leads", "A/B", "worked", "won", "lost", "win rate", "days"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("top loss reasons")
    for row in rows:
        table.add_row(
            *(row.group[d] or "(none)" for d in by),
            str(row.leads),
            f"{row.share_a_or_b:.0%}",
            str(row.worked),
            str(row.won),
            str(row.lost),
            "–" if row.win_rate is None else f"{row.win_rate:.0%}",
            "–" if row.median_days_to_outcome is None else f"{row.median_days_to_outcome:.1f}",
            "\n".join(f"{r.reason} {r.count}" for r in row.top_loss_reasons),
        )
    return table
