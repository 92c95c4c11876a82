"""What a benchmark ran on, and writing its own marked section of docs/benchmarks.md.

Each benchmark owns one section, fenced by ``<!-- bench:KEY -->`` and ``<!-- /bench:KEY -->``
markers, and replaces only that section: figures written by other benchmarks (batch and
Spark scoring, the load test with page readers, ...) stay as they are. Use it as::

    from benchmarks.machine import preamble, write_section
    write_section("scoring-http", "Scoring over HTTP", f"{preamble()}\\n\\n{table}")
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench` (and `make bench-full`). Each benchmark replaces only its own "
    "section, between its `<!-- bench:… -->` markers; compare ratios within one section "
    "(one run), not figures across sections or days.\n"
)
VERSIONED = ("lightgbm", "fastapi", "uvicorn", "sqlalchemy", "mlflow")
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages (other users of a shared machine show here)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def versions(packages: tuple[str, ...] = VERSIONED) -> str:
    """``name version`` of the libraries a figure depends on; absent ones are left out."""
    found = []
    for name in packages:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def describe() -> str:
    """CPU model, cores, memory, Python, date: one line for a results table."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", meminfo.read_text())
        memory = f", {int(found.group(1)) / 2**20:.0f} GiB RAM" if found else ""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
            f"{platform.system()} — {when}")  # fmt: skip


def preamble() -> str:
    """Machine, date, versions and load average at the start: the first line of a section."""
    return (
        f"Machine: {describe()}. Versions: {versions()}. "
        f"Load average at the start (1/5/15 min): {load_average()}."
    )


def write_section(key: str, title: str, body: str, doc: Path = DOC) -> Path:
    """Replace the section marked ``key`` in ``doc`` (append it if absent); keep the rest.

    ``key`` names the benchmark (lower-case letters, digits and dashes); ``title`` becomes
    the section's ``##`` heading.
    """
    if not _KEY.fullmatch(key):
        raise ValueError(f"section key {key!r}: use lower-case letters, digits and '-'")
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    pattern = re.compile(rf"^{re.escape(start)}\n.*?^{re.escape(end)}$", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = f"{text.rstrip()}\n\n{section}"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text.rstrip() + "\n", encoding="utf-8")
    return doc
