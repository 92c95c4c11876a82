"""The body limit: an oversized body is a 413 before auth or parsing, and costs no memory."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO, free_port, wait_ready
from tests.serving.support import LEAD, bearer, error, write_keys

KEY = "crm-key-0123456789abcdef"
LIMIT = 64 * 1024


@pytest.fixture
def limited(make_client, tmp_path):
    keys = write_keys(tmp_path / "keys.toml", {"crm": (KEY, ["crm"])})
    return make_client(keys_file=keys, max_body_bytes=LIMIT)


def test_a_declared_oversized_body_is_a_413_before_the_key_is_checked(limited):
    r = limited.post("/v1/leads/score/batch", content=b"[" + b" " * LIMIT + b"]")

    assert r.status_code == 413
    assert error(r)["code"] == "payload_too_large"
    assert error(r)["details"] == {"limit": LIMIT}


def test_a_streamed_body_is_cut_off_at_the_limit(limited):
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 4096

    r = limited.post("/v1/leads/score", content=chunks(), headers=bearer(KEY))

    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_a_body_within_the_limit_is_parsed_as_before(limited):
    batch = [{**LEAD, "lead_id": f"L-{i}"} for i in range(50)]

    r = limited.post("/v1/leads/score/batch", json=batch, headers=bearer(KEY))

    assert r.status_code == 200
    assert [s["lead_id"] for s in r.json()["scores"]] == [f"L-{i}" for i in range(50)]


def _peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))


def _send(port: int, head: bytes, body_chunks: int) -> bytes:
    """Send ``head`` then up to ``body_chunks`` MiB of body; return what the server answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        chunk = b"x" * (1 << 20)
        try:
            for _ in range(body_chunks):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if b"chunked" in head else chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: the rest of the body is never read
        try:
            return sock.recv(4096)
        except ConnectionResetError:
            return b""


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``leadgrade serve`` with keys, in its own process so that its memory can be read."""
    tmp_path = tmp_path_factory.mktemp("limit-server")
    port = free_port()
    env = {
        **os.environ,
        "LEADGRADE_HOME": str(tmp_path),
        "LEADGRADE_MODEL_URI": str(model_path),
        "LEADGRADE_MODEL_POLL_SECONDS": "0",
        "LEADGRADE_DATABASE_URL": f"sqlite:///{tmp_path / 'leads.db'}",
        "LEADGRADE_KEYS_FILE": str(write_keys(tmp_path / "keys.toml", {"crm": (KEY, ["crm"])})),
    }
    command = [sys.executable, "-m", "leadgrade.cli", "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_100_mb_body_without_a_key_leaves_the_server_s_memory_alone(server, framing):
    port, proc = server
    length = b"Content-Length: %d" % (100 << 20)
    head = (
        b"POST /v1/leads/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + (length if framing == "content-length" else b"Transfer-Encoding: chunked")
        + b"\r\n\r\n"
    )
    before = _peak_rss_kib(proc.pid)

    answers = [_send(port, head, 100) for _ in range(4)]

    growth_mib = (_peak_rss_kib(proc.pid) - before) / 1024
    assert growth_mib < 20, f"peak RSS grew by {growth_mib:.1f} MiB"
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
