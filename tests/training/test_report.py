"""Building the model report at training time, and its plots for MLflow."""

from __future__ import annotations

import numpy as np
import pytest

from models.report import Bucket, FieldStats
from tests.helpers import tiny_training
from training.plots import value_conversion_figure
from training.report import calibration_bins, numeric_edges


@pytest.mark.parametrize(
    ("values", "edges", "integral", "low"),
    [
        (np.arange(100, dtype=float), [20.0, 40.0, 59.0, 79.0], True, 0.0),
        (np.array([0.0] * 60 + [1.0] * 30 + [2.0] * 10), [1.0], True, 0.0),
        (np.array([np.nan, np.nan]), [], False, None),
        (np.array([5.0, 5.0, 5.0, np.nan]), [], True, 5.0),
    ],
    ids=["spread", "mostly-zero", "all-missing", "constant"],
)
def test_numeric_edges_are_quantiles_above_the_minimum(values, edges, integral, low):
    found = numeric_edges(values)
    assert found["edges"] == edges
    assert found["integral"] is integral
    assert found["low"] == low


def test_calibration_bins_cover_every_lead():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(float)
    bins = calibration_bins(y, p)
    assert sum(b.leads for b in bins) == 500
    predicted = [b.predicted for b in bins]
    assert predicted == sorted(predicted)
    assert calibration_bins(np.array([]), np.array([])) == []


def test_value_plot_has_one_bar_per_value_with_leads():
    stats = tiny_training().scorer.report.fields["job_title"]
    fig = value_conversion_figure(stats, 0.2)
    bars = fig.axes[0].containers[0]
    assert len(bars) == len(stats.buckets)


def test_value_plot_refuses_a_field_without_leads():
    empty = FieldStats(
        field="x",
        label="X",
        kind="categorical",
        column=0,
        buckets=[Bucket(key="a", label="a", phrase="p", leads=0, wins=0, conversion=None)],
    )
    with pytest.raises(ValueError, match="no value with leads"):
        value_conversion_figure(empty, 0.2)
