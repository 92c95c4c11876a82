"""Helpers for the store-backed API tests: a demo lead, a live server, the error shape."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from serving.keys import hash_key
from serving.settings import ServeSettings
from tests.helpers import free_port

LEAD = {
    "lead_id": "L-1",
    "email": "ann.smith@hooli.com",
    "job_title": "VP Marketing",
    "industry": "Software",
    "employees": 400,
    "country": "United States",
    "campaign": "spring",
    "lead_source": "webinar",
    "demo_requested": True,
    "pages_viewed": 12,
    "full_name": "Ann Smith",
}


def sqlite_settings(model_path: Path, home: Path) -> ServeSettings:
    """Settings serving the model file on a SQLite store under ``home`` (module fixtures)."""
    return ServeSettings(
        model_uri=str(model_path),
        model_poll_seconds=0,
        database_url=f"sqlite:///{home / 'store.db'}",
        home=home,
    )


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread (real sockets, real concurrency); yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread exited during start-up"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def error(response: Any) -> dict[str, Any]:
    """The error of a response in the one error shape (asserting the shape)."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    result: dict[str, Any] = body["error"]
    return result


def write_keys(path: Path, keys: Mapping[str, tuple[str, Sequence[str]]]) -> Path:
    """Write a keys file: client → (key, roles), the keys stored as their SHA-256 hashes.

    Written to a new file renamed over the old one, as an operator should, so a service
    re-reading it never sees half a file.
    """
    entries = [
        f'[[key]]\nclient = "{client}"\nroles = {list(roles)!r}\nsha256 = "{hash_key(key)}"\n'
        for client, (key, roles) in keys.items()
    ]
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(entries).replace("'", '"'), encoding="utf-8")
    partial.replace(path)
    return path


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
