import io
from concurrent.futures import ThreadPoolExecutor

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

from training.evaluate import Evaluation, evaluate
from training.plots import (
    calibration_figure,
    grade_conversion_figure,
    importance_figure,
)


def _base_rates(ax: Axes) -> list[float]:
    return [float(np.asarray(line.get_ydata())[0]) for line in ax.get_lines()]


def _sample(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.0, 0.6, n)
    y = (rng.random(n) < p).astype(int)
    grades = np.array(list("DCBA"))[np.digitize(p, [0.15, 0.3, 0.45])]
    return y, p, grades


@pytest.fixture(scope="module")
def evaluations() -> dict[str, Evaluation]:
    return {"LightGBM": evaluate(*_sample(0)), "Logistic baseline": evaluate(*_sample(1))}


@pytest.mark.parametrize("models", [1, 3])
def test_calibration_figure_draws_one_line_per_model_and_a_diagonal(models):
    curves = {f"model {i}": _sample(i)[:2] for i in range(models)}
    ax = calibration_figure(curves, n_bins=5).axes[0]
    assert len(ax.get_lines()) == models + 1
    assert ax.get_xlabel() == "Predicted probability"
    assert ax.get_ylabel() == "Observed conversion"
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()][1:] == list(curves)


@pytest.mark.parametrize("models", [1, 2])
def test_grade_conversion_figure_draws_four_bars_per_model(evaluations, models):
    chosen = dict(list(evaluations.items())[:models])
    ax = grade_conversion_figure(chosen).axes[0]
    assert [len(bars) for bars in ax.containers] == [4] * models
    heights = [bar.get_height() for bar in ax.containers[0]]
    first = next(iter(chosen.values()))
    assert heights == pytest.approx([row.conversion for row in first.grades])


def test_grade_conversion_figure_draws_one_base_rate_line_for_a_shared_holdout():
    same = evaluate(*_sample(0))
    ax = grade_conversion_figure({"model": same, "baseline": same}).axes[0]
    assert _base_rates(ax) == [same.base_rate]


def test_grade_conversion_figure_draws_a_base_rate_line_per_holdout(evaluations):
    ax = grade_conversion_figure(evaluations).axes[0]
    assert _base_rates(ax) == [e.base_rate for e in evaluations.values()]


def test_grade_conversion_figure_marks_an_empty_grade_as_not_available():
    no_c = evaluate(np.array([1, 0, 0]), np.array([0.8, 0.4, 0.1]), np.array(list("ABD")))
    ax = grade_conversion_figure({"model": no_c}).axes[0]
    assert [text.get_text() for text in ax.texts[:4]] == ["100%", "0%", "n/a", "0%"]


@pytest.mark.parametrize(("top", "bars"), [(3, 3), (15, 5)])
def test_importance_figure_keeps_the_top_features_largest_first(top, bars):
    importance = {"country": 0.5, "company_size": 2.0, "source": 1.0, "title": 0.1, "age": 0.2}
    fig = importance_figure(importance, top=top)
    ax = fig.axes[0]
    assert len(ax.patches) == bars
    labels = [t.get_text() for t in ax.get_yticklabels()]
    top_down = sorted(importance, key=importance.__getitem__, reverse=True)[:bars]
    assert labels[::-1] == top_down  # barh draws bottom-up: the last tick is on top
    assert ax.get_title(loc="left") == "What drives lead quality"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: calibration_figure({}), "curves is empty"),
        (lambda: grade_conversion_figure({}), "evaluations is empty"),
        (lambda: importance_figure({}), "importance is empty"),
        (lambda: importance_figure({"a": 1.0}, top=0), "top must be at least 1, got 0"),
    ],
)
def test_figures_reject_empty_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_figures_are_marketer_sized_and_leave_pyplot_alone(evaluations):
    open_before = plt.get_fignums()
    fig = grade_conversion_figure(evaluations)
    assert tuple(fig.get_size_inches()) == pytest.approx((7.0, 4.5))
    assert plt.get_fignums() == open_before


def test_figures_render_concurrently_from_threads(evaluations):
    def render(i: int) -> bytes:
        y, p, _ = _sample(i)
        buffer = io.BytesIO()
        calibration_figure({"model": (y, p)}).savefig(buffer, format="png")
        return buffer.getvalue()

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(render, range(8)))
    assert all(image.startswith(b"\x89PNG") for image in images)
