"""Evaluation plots for people who buy leads, not models.

Figures are built with ``matplotlib.figure.Figure`` directly and rendered by the Agg (PNG)
or SVG backend on save, so nothing touches pyplot's global state and plotting is safe from
worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from sklearn.calibration import calibration_curve

from models.report import FieldStats, in_sentence
from training.evaluate import GRADES, Evaluation

FIGSIZE = (7.0, 4.5)
# Colour-blind-safe (Okabe–Ito); the first is the model, later ones its baselines.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
_GREY = "#7f7f7f"


def calibration_figure(
    curves: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]], n_bins: int = 10
) -> Figure:
    """Observed conversion against predicted probability, one line per model, with a diagonal.

    ``curves`` maps a model name to its holdout labels and predicted probabilities. Bins
    are quantiles of each model's predictions, as in the ECE.
    """
    if not curves:
        raise ValueError("curves is empty; pass at least one name -> (y, p)")
    fig, ax = _new_figure("Are the predicted probabilities right?")
    ax.plot([0, 1], [0, 1], linestyle="--", color=_GREY, linewidth=1, label="Perfectly calibrated")
    highest = 0.0
    for i, (name, (y, p)) in enumerate(curves.items()):
        observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
        ax.plot(predicted, observed, marker="o", color=_colour(i), label=name)
        highest = max(highest, float(observed.max()), float(predicted.max()))
    ax.set_xlabel("Predicted probability")
    ax.set_ylabel("Observed conversion")
    # Win rates are often low; zoom to the data but keep both axes equal so the diagonal is 45°.
    limit = min(1.0, highest * 1.1) if highest > 0 else 1.0
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.xaxis.set_major_formatter(_percent())
    ax.yaxis.set_major_formatter(_percent())
    ax.legend(frameon=False, loc="upper left")
    return fig


def grade_conversion_figure(evaluations: Mapping[str, Evaluation]) -> Figure:
    """Conversion rate by grade, one group of bars per grade and one bar per model."""
    if not evaluations:
        raise ValueError("evaluations is empty; pass at least one name -> Evaluation")
    fig, ax = _new_figure("Conversion by grade")
    positions = np.arange(len(GRADES), dtype=float)
    width = 0.8 / len(evaluations)
    for i, (name, evaluation) in enumerate(evaluations.items()):
        rates = [evaluation.grade(g).conversion for g in GRADES]
        offset = (i - (len(evaluations) - 1) / 2) * width
        bars = ax.bar(
            positions + offset,
            [r or 0.0 for r in rates],
            width=width,
            color=_colour(i),
            label=name,
        )
        # An empty grade has no conversion, which is not the same as 0 %.
        labels = ["n/a" if r is None else _label(r) for r in rates]
        ax.bar_label(bars, labels=labels, padding=2, fontsize=8)
    _draw_base_rates(ax, evaluations)
    ax.set_xticks(positions, [f"Grade {g}" for g in GRADES])
    ax.set_xlabel("Grade")
    ax.set_ylabel("Conversion rate")
    ax.set_ylim(0, _top(evaluations))
    ax.yaxis.set_major_formatter(_percent())
    ax.legend(frameon=False)
    return fig


def importance_figure(
    importance: Mapping[str, float], title: str = "What drives lead quality", top: int = 15
) -> Figure:
    """Horizontal bars of the ``top`` most important features, the largest on top."""
    if not importance:
        raise ValueError("importance is empty; pass at least one feature -> value")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    ranked = sorted(importance.items(), key=lambda item: item[1], reverse=True)[:top]
    names, values = zip(*reversed(ranked), strict=True)  # barh draws bottom-up
    fig, ax = _new_figure(title)
    ax.barh(list(names), list(values), color=PALETTE[0])
    ax.set_xlabel("Importance")
    ax.grid(axis="y", visible=False)
    return fig


def value_conversion_figure(stats: FieldStats, base_rate: float) -> Figure:
    """Conversion per value (or bin) of one field, in table order, with the overall rate."""
    rows = [b for b in stats.buckets if b.conversion is not None]
    if not rows:
        raise ValueError(f"field {stats.field!r} has no value with leads to plot")
    fig, ax = _new_figure(f"Conversion by {in_sentence(stats.label)}")
    labels = [b.label for b in reversed(rows)]  # barh draws bottom-up
    rates = [b.conversion or 0.0 for b in reversed(rows)]
    bars = ax.barh(labels, rates, color=PALETTE[0])
    notes = [f"{_label(b.conversion or 0.0)} of {b.leads:,}" for b in reversed(rows)]
    ax.bar_label(bars, labels=notes, padding=2, fontsize=8)
    ax.axvline(base_rate, color=_GREY, linestyle="--", linewidth=1)
    ax.set_xlim(0, max([*rates, base_rate]) * 1.3 or 1.0)
    ax.set_xlabel(f"Conversion (dashed: all leads, {_label(base_rate)})")
    ax.xaxis.set_major_formatter(_percent())
    ax.grid(axis="y", visible=False)
    return fig


def _new_figure(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIGSIZE, layout="tight")
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    ax.set_axisbelow(True)
    return fig, ax


def _draw_base_rates(ax: Axes, evaluations: Mapping[str, Evaluation]) -> None:
    rates = [e.base_rate for e in evaluations.values()]
    if np.allclose(rates, rates[0]):
        # Usually every model is scored on the same holdout: one line is enough.
        ax.axhline(rates[0], color=_GREY, linestyle="--", linewidth=1)
        ax.annotate(
            f"Average {_label(rates[0])}",
            xy=(1, rates[0]),
            xycoords=("axes fraction", "data"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right",
            color=_GREY,
            fontsize=8,
        )
        return
    for i, (name, rate) in enumerate(zip(evaluations, rates, strict=True)):
        ax.axhline(rate, color=_colour(i), linestyle="--", linewidth=1, label=f"{name} average")


def _top(evaluations: Mapping[str, Evaluation]) -> float:
    # Headroom above the tallest bar for its label.
    highest = max(
        [e.base_rate for e in evaluations.values()]
        + [r.conversion or 0.0 for e in evaluations.values() for r in e.grades]
    )
    return highest * 1.15 if highest > 0 else 1.0


def _percent() -> FuncFormatter:
    # Ticks are round numbers, so "8%", "2.5%", "35%" beat a fixed number of decimals.
    # A new formatter per axis: matplotlib binds each formatter to the axis it formats.
    return FuncFormatter(lambda x, _: f"{x * 100:.3g}%")


def _label(rate: float) -> str:
    return f"{rate:.0%}" if rate >= 0.1 or rate == 0 else f"{rate:.1%}"


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]
