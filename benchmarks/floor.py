"""The floor of the stack: a bare ASGI app with the same model and no store.

It does what a scoring request cannot do without — read the body, validate the lead with
the model's own pydantic request model, ``score_records``, write JSON — and nothing else:
no routing, no dependencies, no lead store. Served by the same uvicorn as leadgrade, it is
what leadgrade's request path is compared against.

Run as ``python -m benchmarks.floor MODEL_FOLDER PORT`` (a saved model folder).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from features.request import build_request_model
from models.saved import load_scorer
from models.scorer import LeadScorer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def floor_app(scorer: LeadScorer) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that scores the one lead each POST sends."""
    request_model = build_request_model(scorer.spec)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":  # the readiness probe
            await _send_json(send, b'"ready"')
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        lead = request_model.model_validate(json.loads(body)).model_dump()
        result = scorer.score_records([lead])[0]
        await _send_json(send, json.dumps(result).encode())

    return app


async def _send_json(send: Send, payload: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    import uvicorn

    path, port = sys.argv[1], int(sys.argv[2])
    app = floor_app(load_scorer(path))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
