"""Small inline SVG charts rendered on the server: light, readable without JavaScript.

Each function returns escaped SVG markup that shrinks to fit its container (``viewBox``), with a
``<title>`` so screen readers announce what the chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

UP, DOWN, GRID = "#0072B2", "#D55E00", "#b8bcc2"
_ROW, _LABEL_W, _WIDTH = 26, 230, 680
_FONT = 'font-family="inherit" font-size="13"'


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" {_FONT}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, dash: bool = False) -> str:
    style = ' stroke-dasharray="4 3"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{stroke}" stroke-width="1"{style}/>'
    )


def diverging_bars(rows: Sequence[tuple[str, float]], title: str) -> Markup:
    """Signed effects (points) around a zero line: up to the right, down to the left."""
    height = _ROW * len(rows) + 10
    largest = max((abs(v) for _, v in rows), default=1.0) or 1.0
    plot = _WIDTH - _LABEL_W - 60
    zero = _LABEL_W + plot / 2
    body = [_line(zero, 0, zero, height, GRID)]
    for i, (label, value) in enumerate(rows):
        y = i * _ROW + 5
        w = abs(value) / largest * (plot / 2)
        x = zero if value >= 0 else zero - w
        body.append(_text(_LABEL_W - 8, y + 16, label, "end"))
        body.append(_rect(x, y + 3, w, _ROW - 8, UP if value >= 0 else DOWN))
        sign = "+" if value >= 0 else "−"
        tx, anchor = (zero + w + 4, "start") if value >= 0 else (zero - w - 4, "end")
        body.append(_text(tx, y + 16, f"{sign}{abs(value):.1f}", anchor))
    return _svg(_WIDTH, height, title, body)


def bars(rows: Sequence[tuple[str, float, str]], title: str, colour: str = UP) -> Markup:
    """Horizontal bars from zero, one per (label, value, value as text), in the given order."""
    height = _ROW * len(rows) + 10
    largest = max((v for _, v, _ in rows), default=1.0) or 1.0
    plot = _WIDTH - _LABEL_W - 90
    body = [_line(_LABEL_W, 0, _LABEL_W, height, GRID)]
    for i, (label, value, shown) in enumerate(rows):
        y = i * _ROW + 5
        w = max(value, 0.0) / largest * plot
        body.append(_text(_LABEL_W - 8, y + 16, label, "end"))
        body.append(_rect(_LABEL_W, y + 3, w, _ROW - 8, colour))
        body.append(_text(_LABEL_W + w + 4, y + 16, shown))
    return _svg(_WIDTH, height, title, body)


def columns(
    rows: Sequence[tuple[str, float | None]], reference: float | None, title: str
) -> Markup:
    """Vertical bars of rates (0–1) with an optional dashed reference line (the average)."""
    width, height, top, bottom = 480, 260, 20, 30
    plot_h = height - top - bottom
    highest = max([v or 0.0 for _, v in rows] + [reference or 0.0]) * 1.15 or 1.0
    slot = (width - 40) / max(len(rows), 1)
    body = [_line(20, height - bottom, width - 20, height - bottom, GRID)]
    for i, (label, value) in enumerate(rows):
        x = 20 + i * slot + slot * 0.2
        h = (value or 0.0) / highest * plot_h
        y = height - bottom - h
        body.append(_rect(x, y, slot * 0.6, h, UP))
        shown = "n/a" if value is None else f"{value * 100:.0f} %"
        body.append(_text(x + slot * 0.3, y - 5, shown, "middle"))
        body.append(_text(x + slot * 0.3, height - 10, label, "middle"))
    if reference is not None:
        y = height - bottom - reference / highest * plot_h
        body.append(_line(20, y, width - 20, y, "#555", dash=True))
        body.append(_text(width - 20, y - 5, f"average {reference * 100:.0f} %", "end", "#555"))
    return _svg(width, height, title, body)


def calibration(points: Sequence[tuple[float, float]], title: str) -> Markup:
    """Observed against predicted conversion (0–1), with the diagonal of perfect calibration."""
    size, pad = 380, 44
    limit = min(1.0, max([max(p, o) for p, o in points] + [0.05]) * 1.1)
    plot = size - 2 * pad

    def xy(p: float, o: float) -> tuple[float, float]:
        return pad + p / limit * plot, size - pad - o / limit * plot

    x0, y0 = xy(0, 0)
    x1, y1 = xy(limit, limit)
    body = [
        _line(x0, y0, x1, y0, GRID),
        _line(x0, y0, x0, y1, GRID),
        _line(x0, y0, x1, y1, "#777", dash=True),
        _text((x0 + x1) / 2, size - 8, "predicted", "middle"),
        _text(x0, y1 - 8, "observed", "middle"),
        _text(x1, y0 + 16, f"{limit * 100:.0f} %", "end"),
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(p, o) for p, o in points))
    body.append(f'<polyline points="{path}" fill="none" stroke="{UP}" stroke-width="2"/>')
    for p, o in points:
        x, y = xy(p, o)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{UP}"/>')
    return _svg(size, size, title, body)


def grouped_columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    title: str,
) -> Markup:
    """Side-by-side columns per label, one per series (name, colour, values), with a legend.

    Made for a trend over periods: the labels run left to right in the order given.
    """
    width, height, top, bottom = 980, 280, 34, 44
    plot_h = height - top - bottom
    highest = max((v for _, _, values in series for v in values), default=1.0) or 1.0
    slot = (width - 40) / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    body = [_line(20, height - bottom, width - 20, height - bottom, GRID)]
    for k, (name, colour, _) in enumerate(series):
        body.append(_rect(20 + k * 150, 6, 12, 12, colour))
        body.append(_text(38 + k * 150, 17, name))
    every = -(-len(labels) // 9)  # at most nine period names under the axis: no overlap
    for i, label in enumerate(labels):
        x0 = 20 + i * slot + slot * 0.1
        for k, (_, colour, values) in enumerate(series):
            h = values[i] / highest * plot_h
            body.append(_rect(x0 + k * bar, height - bottom - h, bar * 0.9, h, colour))
        if i % every == 0:
            body.append(_text(x0 + slot * 0.4, height - bottom + 18, label, "middle"))
    body.append(_text(20, height - 6, f"highest column: {highest:.0f}", "start", "#555"))
    return _svg(width, height, title, body)
