"""Scoring at a constant 200 requests/s with keys on, alone and while marketing reads pages.

Starts leadgrade on loopback with a keys file (a crm and a marketing key) and a SQLite store
filled with 5,000 scored leads and outcomes for the closed ones; then, side by side in one
run, scores single leads at ``RATE`` requests/s for ``SECONDS`` (open loop, see
:mod:`benchmarks.pacing`) twice: alone, and while ``LOOPS`` marketing readers (another
process) loop back to back over the reports and the ``/ui`` pages. Writes the
``marketing-load`` section of docs/benchmarks.md. ``make bench-full`` runs it for 60 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.http import BIN, prepare
from benchmarks.load import started
from benchmarks.machine import load_average, preamble, write_section
from benchmarks.pacing import Tally, paced, readers
from features.spec import demo_spec
from serving.keys import hash_key
from training.demo_data import generate_leads

SECONDS = float(os.environ.get("LEADGRADE_BENCH_SECONDS", "10"))
RATE = 200.0
LOOPS = 8
STORED_LEADS = 5000
CRM_KEY = "bench-crm-key-0123456789abcdef"
MARKETING_KEY = "bench-marketing-key-0123456789"
PAGES = [
    "/v1/reports/funnel?by=campaign",
    "/v1/reports/funnel?by=campaign&by=month",
    "/v1/reports/overdue",
    "/v1/reports/kpis",
    "/v1/reports/follow-up",
    "/v1/reports/target-accounts",
    "/v1/reports/campaign-changes",
    "/v1/model/report",
    "/ui/funnel",
    "/ui/funnel?by=source",
    "/ui/alignment",
    "/ui/model",
]


@dataclass(frozen=True)
class Run:
    """One paced scoring run, the readers' tally if any, and the load average around it."""

    name: str
    scoring: Tally
    pages: Tally | None
    load_before: str
    load_after: str


def main() -> None:
    context = preamble()
    with tempfile.TemporaryDirectory(prefix="leadgrade-load-") as tmp:
        work = Path(tmp)
        env = {
            "LEADGRADE_HOME": str(work / "home"),
            "LEADGRADE_MODEL_POLL_SECONDS": "0",
            "LEADGRADE_KEYS_FILE": str(write_keys(work / "keys.toml")),
        }
        bodies = prepare(work, env)
        serve = [str(BIN / "leadgrade"), "serve", "--port", "{port}"]
        with started(serve, "/ready", env, work / "serve.log") as server:
            fill_store(server.url)
            one = json.loads(bodies["one"].read_text())
            runs = [measure(server.url, one, "scoring alone", loops=0)]
            runs.append(measure(server.url, one, f"scoring + {LOOPS} marketing loops", LOOPS))
    write_section(
        "marketing-load", "Scoring while marketing reads pages", f"{context}\n\n{report(runs)}"
    )


def write_keys(path: Path) -> Path:
    """A keys file with one crm and one marketing key (stored as their SHA-256)."""
    entries = [
        f'[[key]]\nclient = "{client}"\nroles = ["{client}"]\nsha256 = "{hash_key(key)}"\n'
        for client, key in (("crm", CRM_KEY), ("marketing", MARKETING_KEY))
    ]
    path.write_text("\n".join(entries))
    return path


def fill_store(url: str) -> None:
    """Score ``STORED_LEADS`` demo leads in batches and post the outcomes of closed ones."""
    spec = demo_spec()
    leads = generate_leads(STORED_LEADS, seed=7)
    fields = [spec.lead.id, *spec.feature_fields]
    sent = leads[fields].astype(object).where(leads[fields].notna(), None)
    sent["created_at"] = leads["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    records: list[dict[str, Any]] = sent.to_dict(orient="records")  # type: ignore[assignment]
    crm = {"Authorization": f"Bearer {CRM_KEY}"}
    with httpx.Client(base_url=url, headers=crm, timeout=300) as client:
        for start in range(0, len(records), 1000):
            batch = records[start : start + 1000]
            client.post("/v1/leads/score/batch", json=batch).raise_for_status()
        for row in leads[leads["status"] != "open"].itertuples():
            reason = row.loss_reason if isinstance(row.loss_reason, str) else None
            body = {"outcome": row.status, "reason": reason}
            client.post(f"/v1/leads/{row.lead_id}/outcome", json=body).raise_for_status()


def measure(url: str, lead: dict[str, Any], name: str, loops: int) -> Run:
    """Score at ``RATE``/s for ``SECONDS``; with ``loops``, readers run in another process."""
    before = load_average()
    reader = None
    if loops:
        argv = [sys.executable, "-m", "benchmarks.marketing_load", "--readers", url, str(loops)]
        reader = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    crm = {"Authorization": f"Bearer {CRM_KEY}"}
    scoring = asyncio.run(paced(f"{url}/v1/leads/score", lead, rate=RATE, seconds=SECONDS,
                                headers=crm))  # fmt: skip
    pages = None
    if reader is not None:
        out, _ = reader.communicate(timeout=SECONDS + 300)
        pages = Tally(**json.loads(out))
    return Run(name, scoring, pages, before, load_average())


def read_pages(url: str, loops: int) -> Tally:
    """The marketing readers: signed in to the pages, the key on the API, ``SECONDS`` long."""
    with httpx.Client(base_url=url, timeout=60) as browser:
        form = browser.get("/ui/sign-in").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        if token is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        browser.post("/ui/sign-in", data={"key": MARKETING_KEY, "csrf": token.group(1)})
        cookies = browser.cookies
    key = {"Authorization": f"Bearer {MARKETING_KEY}"}
    return asyncio.run(
        readers(url, PAGES, loops=loops, seconds=SECONDS, headers=key, cookies=cookies)
    )


def report(runs: list[Run]) -> str:
    """The two runs side by side, and what they say."""

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    lines = [
        f"Single-lead scoring (`POST /v1/leads/score`, keys on, SQLite store of "
        f"{STORED_LEADS:,} leads) paced at {RATE:.0f} requests/s for {SECONDS:.0f} s, open "
        f"loop (latency counted from when each request was due). The readers are {LOOPS} "
        "marketing loops in another process, each GETting reports and `/ui` pages back to "
        "back with a marketing key. The machine is shared with other work: read the load "
        "averages beside each run, and compare the two runs with each other only.",
        "",
        "| run | scoring requests | errors | achieved /s | p50 ms | p99 ms | max ms "
        "| page reads | page errors | page p50 ms | load avg before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        s, p = run.scoring, run.pages
        lines.append(
            f"| {run.name} | {s.requests:,} | {s.errors} | {s.requests / s.seconds:.0f} "
            f"| {ms(s.percentile(50))} | {ms(s.percentile(99))} "
            f"| {ms(max(s.latencies_ms, default=None))} "
            f"| {'–' if p is None else f'{p.requests:,}'} | {'–' if p is None else p.errors} "
            f"| {'–' if p is None else ms(p.percentile(50))} "
            f"| {run.load_before} → {run.load_after} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--readers"]:
        tally = read_pages(sys.argv[2], int(sys.argv[3]))
        print(json.dumps(tally.__dict__))
    else:
        main()
