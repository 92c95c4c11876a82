"""The benchmark's own tools: wrk's figures, the floor app, and how targets are judged."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from benchmarks.floor import floor_app
from benchmarks.http_report import Figures, report, targets
from benchmarks.load import Load, wrk
from benchmarks.pacing import Tally, paced
from features.spec import demo_spec
from tests.helpers import free_port, tiny_training
from training.demo_data import generate_leads


def _need_wrk() -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is not installed (make wrk)", pytrace=False)
        pytest.skip("wrk is not installed (make wrk)")


def _server(status: int) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b'{"ok": true}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def ok_server() -> Iterator[str]:
    yield from _server(200)


@pytest.fixture
def failing_server() -> Iterator[str]:
    yield from _server(503)


def test_wrk_reports_rate_latency_and_its_own_cost(ok_server, tmp_path: Path):
    _need_wrk()
    body = tmp_path / "body.json"
    body.write_text('{"lead_id": "x"}')

    load = wrk(ok_server, body, connections=2, seconds=1, workdir=tmp_path)

    assert load.requests > 10
    assert load.errors == 0
    assert load.requests_per_second > 10
    assert 0 < load.p50_ms <= load.p99_ms
    assert load.wrk_cpu_us_per_request > 0


def test_wrk_counts_answers_other_than_2xx_as_errors(failing_server, tmp_path: Path):
    _need_wrk()
    body = tmp_path / "body.json"
    body.write_text("{}")

    load = wrk(failing_server, body, connections=1, seconds=1, workdir=tmp_path)

    assert load.requests > 0
    assert load.errors == load.requests


@pytest.mark.parametrize(("server", "ok"), [("ok_server", True), ("failing_server", False)])
def test_the_paced_client_sends_exactly_rate_times_seconds_and_counts_failures(request, server, ok):
    url = request.getfixturevalue(server)

    tally = asyncio.run(paced(url, {"lead_id": "x"}, rate=40, seconds=0.5))

    assert tally.requests == 20  # open loop: the schedule, not the server, sets the count
    assert (len(tally.latencies_ms), tally.errors) == ((20, 0) if ok else (0, 20))


def test_percentiles_are_read_from_the_successful_latencies():
    tally = Tally(latencies_ms=[float(v) for v in range(1, 101)], errors=3)

    assert tally.requests == 103
    assert tally.percentile(50) == pytest.approx(50.5)
    assert tally.percentile(99) == pytest.approx(99.01, abs=0.01)
    assert Tally().percentile(99) is None


def test_the_floor_app_answers_what_score_records_answers():
    scorer = tiny_training().scorer
    spec = demo_spec()
    frame = generate_leads(20, seed=5)[[spec.lead.id, *spec.feature_fields]]
    leads = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    app = floor_app(scorer)

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            return [await client.post("/", content=json.dumps(lead, default=str)) for lead in leads]

    answers = asyncio.run(post_all())

    assert [a.status_code for a in answers] == [200] * len(leads)
    expected = [json.loads(json.dumps(scorer.score_records([lead])[0])) for lead in leads]
    assert [a.json() for a in answers] == expected


def _load(rps: float, p99: float) -> Load:
    return Load(rps, p99 / 2, p99, requests=1000, errors=0, wrk_cpu_us_per_request=20.0)


@pytest.mark.parametrize(
    ("sqlite_rps", "sqlite_p99", "one_p99", "met"),
    [(2000.0, 15.0, 5.0, [True, True, True]), (1500.0, 17.0, 7.0, [False, False, False])],
)
def test_targets_are_ratios_to_the_floor_of_the_same_run(sqlite_rps, sqlite_p99, one_p99, met):
    figures = Figures(import_lightgbm_s=1.0)
    figures.single["floor"] = (_load(3000.0, 2.0), _load(3600.0, 5.5))
    figures.single["sqlite"] = (_load(1000.0, one_p99), _load(sqlite_rps, sqlite_p99))

    judged = targets(figures)

    assert [ok for _, _, ok in judged] == met
    assert "| floor" not in report(figures)  # rows are labelled by what ran
    assert "bare ASGI floor" in report(figures)
