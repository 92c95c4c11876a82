"""A real headless Chromium driven over the DevTools protocol (CDP), for browser tests.

Chromium is started with ``--remote-debugging-port=0``: it picks a free port and writes
it to ``DevToolsActivePort`` in its profile folder. The test talks to the page's
websocket with ``websocket-client``: navigate, fill in and click like a user, wait for
the page load that follows, read the DOM and take screenshots.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1366,900",
)


def find_chromium() -> str | None:
    """Path of a Chromium (Debian's ``chromium``) or Chrome binary, if one is installed."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next((p for p in map(shutil.which, names) if p), None)


class Chromium:
    """One headless browser with one page; use as a context manager."""

    def __init__(self, binary: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._devtools_port(profile / "DevToolsActivePort")
        self.ws = websocket.create_connection(
            self._page_socket(port), timeout=timeout, suppress_origin=True
        )
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=1366,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _devtools_port(self, path: Path) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self.process.returncode}")
            if path.exists() and path.read_text().strip():
                return int(path.read_text().splitlines()[0])
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def _page_socket(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
                targets = json.load(response)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.1)
        raise TimeoutError("chromium opened no page")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a CDP method and return its result; events that arrive meanwhile are kept."""
        call_id = next(self._ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self._events.append(message)

    def wait_for(self, event: str) -> dict[str, Any]:
        """Wait for a CDP event (one already received counts), consuming it."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for i, message in enumerate(self._events):
                if message["method"] == event:
                    del self._events[: i + 1]
                    return message
            self._events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {event} within {self.timeout} s")

    def open(self, url: str) -> None:
        self._events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """Run JavaScript in the page (as a user's browser would) and return the value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        """Click an element that submits a form or follows a link, and wait for the new page."""
        self._events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path: Path) -> Path:
        """The whole page as a PNG."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
