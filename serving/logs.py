"""Structured logs: one JSON object per line, with the request id, written off the request path.

Handlers only put records on a queue (:class:`logging.handlers.QueueHandler`); a
:class:`~logging.handlers.QueueListener` thread formats and writes them, so a slow
terminal or disk never slows a request. No log line carries lead fields: the access line
names the route template (``/v1/leads/{lead_id}``), never the path, query or body.
"""

from __future__ import annotations

import atexit
import contextvars
import copy
import json
import logging
import logging.handlers
import queue
import sys
import traceback
from datetime import UTC, datetime
from typing import IO, Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed as ``extra=`` and is logged.
# uvicorn's "color_message" repeats the message with terminal colours.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", …extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD | {"request_id"}}
        return json.dumps(entry, default=str)


class _ToQueue(logging.handlers.QueueHandler):
    """Queues a copy of the record with its message merged, minus the exception's text.

    An exception's message (a database error quotes the statement's parameters) may hold
    lead values: the line keeps its type and where it was raised, not what it said.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            record.error = kind.__name__
            record.stack = "".join(traceback.format_tb(tb))
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return record


class _RequestIdFilter(logging.Filter):
    """Stamps the current request's id on the record, in the request's own context."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def json_queue_handler(stream: IO[str] | None = None) -> logging.Handler:
    """A handler that queues records for a listener thread writing JSON lines to ``stream``.

    The listener starts here and is flushed and stopped at exit.
    """
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    writer = logging.StreamHandler(stream or sys.stderr)
    writer.setFormatter(JsonFormatter())
    listener = logging.handlers.QueueListener(records, writer)
    listener.start()
    atexit.register(_stop, listener)
    handler = _ToQueue(records)
    handler.addFilter(_RequestIdFilter())
    handler.listener = listener  # type: ignore[attr-defined]
    return handler


def _stop(listener: logging.handlers.QueueListener) -> None:
    """Flush and stop, unless already stopped (QueueListener.stop fails the second time)."""
    if listener._thread is not None:
        listener.stop()


# uvicorn's log_config (applied in every worker process): every record, uvicorn's own
# included, goes through one queue to JSON lines on stderr. uvicorn's access log is off;
# the service writes its own access line (serving.request_context) with the request id.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"json": {"()": "serving.logs.json_queue_handler"}},
    "root": {"handlers": ["json"], "level": "INFO"},
    "loggers": {
        name: {"handlers": [], "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    },
}
