"""Every request: an id (``X-Request-ID``, kept if the caller sent a sane one), an access log
line and its metrics, measured around the whole app.

A pure ASGI middleware, so that it adds no task or thread hop to the request path.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.logs import request_id
from serving.metrics import Metrics

HEADER = "X-Request-ID"
# A caller's id is kept only if it cannot smuggle anything into a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("leadgrade.access")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(HEADER, "")
        rid = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._account(scope, status, time.perf_counter() - started)
            request_id.reset(token)

    def _account(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        access_log.info(
            "%s %s %d",
            method,
            route,
            status,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "ms": round(1000 * seconds),
            },
        )
