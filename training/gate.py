"""The promotion gate's comparison: challenger against champion on one holdout.

Three checks, each a row of the table ``leadgrade promote`` prints and logs:

- the configured metric (ROC-AUC, PR-AUC or Brier) may be worse by at most the margin;
- the expected calibration error may be higher by at most ``promotion_max_ece_increase``;
- the A÷D lift (conversion of A leads over D leads, each model with its own cut-offs)
  must be at least ``promotion_min_ad_ratio`` of the champion's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from training.evaluate import Evaluation
from training.metric import lower_is_better
from training.settings import TrainSettings


@dataclass(frozen=True)
class GateRow:
    check: str
    challenger: float | None
    champion: float | None
    rule: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gate_rows(new: Evaluation, old: Evaluation, settings: TrainSettings) -> list[GateRow]:
    """The gate's checks of ``new`` (challenger) against ``old`` (champion)."""
    return [
        _metric_row(new, old, settings),
        _ece_row(new, old, settings),
        _lift_row(new, old, settings),
    ]


def refusals(rows: list[GateRow]) -> list[str]:
    """Why the gate refuses, one phrase per failed check; empty when it passes."""
    return [f"{r.check} {_num(r.challenger)} vs champion {_num(r.champion)} breaks '{r.rule}'"
            for r in rows if not r.passed]  # fmt: skip


def gate_text(rows: list[GateRow], challenger: str, champion: str) -> str:
    """The comparison as a plain-text table (printed, and logged to the challenger's run)."""
    header = ("check", f"challenger v{challenger}", f"champion v{champion}", "rule", "result")
    lines = [header] + [
        (r.check, _num(r.challenger), _num(r.champion), r.rule, "pass" if r.passed else "FAIL")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)  # fmt: skip


def _metric_row(new: Evaluation, old: Evaluation, settings: TrainSettings) -> GateRow:
    name, margin = settings.promotion_metric, settings.promotion_margin
    a, b = getattr(new, name), getattr(old, name)
    if lower_is_better(name):
        ok = a is None or b is None or a <= b + margin
        return GateRow(name, a, b, f"≤ champion + {margin}", ok)
    ok = a is None or b is None or a >= b - margin
    return GateRow(name, a, b, f"≥ champion − {margin}", ok)


def _ece_row(new: Evaluation, old: Evaluation, settings: TrainSettings) -> GateRow:
    limit = settings.promotion_max_ece_increase
    return GateRow("ece", new.ece, old.ece, f"≤ champion + {limit}", new.ece <= old.ece + limit)


def _lift_row(new: Evaluation, old: Evaluation, settings: TrainSettings) -> GateRow:
    ratio = settings.promotion_min_ad_ratio
    a, b = new.a_over_d, old.a_over_d
    # No D lead won (lift undefined: infinitely good) passes; so does a champion without one.
    ok = a is None or b is None or a >= ratio * b
    return GateRow("a_over_d", a, b, f"≥ {ratio:.0%} of champion", ok)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
