"""The figures of the HTTP benchmark, the targets they are held to, and their table."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.load import Load

SERVERS = {
    "floor": "bare ASGI floor: same model, pydantic validation, `score_records`, no store",
    "sqlite": "leadgrade (`leadgrade serve`), SQLite store",
    "postgresql": "leadgrade (`leadgrade serve`), PostgreSQL store",
    "mlflow": "`mlflow models serve`, same registered model",
}


@dataclass
class Figures:
    """Everything one run measured (loads are (1 connection, 16 connections))."""

    import_lightgbm_s: float
    single: dict[str, tuple[Load, Load]] = field(default_factory=dict)
    ready_s: float = 0.0
    import_lightgbm_cpu_s: float = 0.0
    ready_cpu_s: float = 0.0
    batch: Load | None = None
    explain_one: Load | None = None
    explain_batch: Load | None = None
    in_process_rows_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def _cell(load: Load) -> str:
    errors = f" ({load.errors} errors)" if load.errors else ""
    return f"{load.requests_per_second:,.0f} | {load.p50_ms:.2f} | {load.p99_ms:.2f}{errors}"


def _single_table(figures: Figures) -> list[str]:
    lines = [
        "| server | 1 conn req/s | p50 ms | p99 ms | 16 conn req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in SERVERS.items():
        if key in figures.single:
            one, many = figures.single[key]
            lines.append(f"| {label} | {_cell(one)} | {_cell(many)} |")
    return lines


def _target(name: str, ratio: float, limit: float, *, at_least: bool) -> tuple[str, str, bool]:
    shown = f"{ratio:.0%}" if "%" in name else f"{ratio:.1f}×"
    return name, shown, ratio >= limit if at_least else ratio <= limit


def targets(figures: Figures) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target the run can judge."""
    out = []
    single = figures.single
    if "floor" in single and "sqlite" in single:
        (f1, f16), (s1, s16) = single["floor"], single["sqlite"]
        share = s16.requests_per_second / f16.requests_per_second
        out.append(
            _target("16 conn, SQLite: ≥ 50 % of the floor's req/s", share, 0.5, at_least=True)
        )
        tail = s16.p99_ms / f16.p99_ms
        out.append(_target("16 conn, SQLite: p99 ≤ 3× the floor's", tail, 3, at_least=False))
        tail = s1.p99_ms / f1.p99_ms
        out.append(_target("1 conn, SQLite: p99 ≤ 3× the floor's", tail, 3, at_least=False))
    if "mlflow" in single and "sqlite" in single:
        for i, conns in enumerate(("1", "16")):
            ratio = (
                single["sqlite"][i].requests_per_second / single["mlflow"][i].requests_per_second
            )
            out.append(
                _target(f"{conns} conn: ≥ 5× `mlflow models serve` req/s", ratio, 5, at_least=True)
            )
    if figures.batch is not None and figures.in_process_rows_s:
        answered = 1 - figures.batch.errors / max(figures.batch.requests, 1)
        share = figures.batch.requests_per_second * answered * 1000 / figures.in_process_rows_s
        name = "batch over HTTP: ≥ 40 % of in-process `score_records` rows/s"
        out.append(_target(name, share, 0.4, at_least=True))
    if figures.ready_s:
        ratio = figures.ready_s / figures.import_lightgbm_s
        out.append(_target("start to /ready ≤ 2× `import lightgbm`", ratio, 2, at_least=False))
    return out


def _leads_per_second(load: Load) -> str:
    """Leads/s of a 1,000-lead body, counting only answered requests; errors shown."""
    ok = 1 - load.errors / max(load.requests, 1)
    errors = f" ({load.errors} errors)" if load.errors else ""
    return f"{load.requests_per_second * ok * 1000:,.0f}{errors}"


def _other_rows(figures: Figures) -> list[tuple[str, str]]:
    rows = []
    if figures.batch is not None:
        rows.append(
            ("batch, 1,000 leads a request, 2 conn: leads/s", _leads_per_second(figures.batch))
        )
        rows.append(("batch, 1,000 leads a request: p99 ms", f"{figures.batch.p99_ms:.1f}"))
    rows.append(
        ("in-process `score_records`, 1,000 leads: rows/s", f"{figures.in_process_rows_s:,.0f}")
    )
    if figures.explain_one is not None and figures.explain_batch is not None:
        rows.append(
            ("`?explain=true`, one lead, 1 conn: p50 ms", f"{figures.explain_one.p50_ms:.2f}")
        )
        rows.append(
            (
                "`?explain=true`, 1,000 leads a request, 2 conn: leads/s",
                _leads_per_second(figures.explain_batch),
            )
        )
    rows.append(("`leadgrade serve`: start to /ready, s (median of 3)", f"{figures.ready_s:.2f}"))
    rows.append(
        ('`python -c "import lightgbm"`, s (median of 3)', f"{figures.import_lightgbm_s:.2f}")
    )
    if figures.ready_cpu_s and figures.import_lightgbm_cpu_s:
        cpu = f"{figures.ready_cpu_s:.2f} / {figures.import_lightgbm_cpu_s:.2f}"
        ratio = figures.ready_cpu_s / figures.import_lightgbm_cpu_s
        rows.append(("start to /ready / `import lightgbm`: CPU s (ratio)", f"{cpu} ({ratio:.1f}×)"))
    loads = [load for pair in figures.single.values() for load in pair]
    wrk_cost = max((load.wrk_cpu_us_per_request for load in loads), default=0.0)
    rows.append(("wrk's own CPU per request (largest of the runs), µs", f"{wrk_cost:.0f}"))
    return rows


def report(figures: Figures) -> str:
    """The section's Markdown: tables, targets, and how the figures were taken."""
    lines = ["Single lead a request (wrk, one thread, loopback):", "", *_single_table(figures)]
    lines += ["", "| other figures | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in _other_rows(figures)]
    lines += ["", "| target | measured | met |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets(figures)]
    lines += ["", *figures.notes]
    return "\n".join(lines).rstrip()
