"""The one way answers are paged: ``limit`` items after an opaque ``cursor``.

A cursor names the sort key of the last item of a page; the next page starts after it, so
rows arriving in between neither repeat nor skip an item. Lead histories, the funnel and
overdue follow-ups hand out ``next_cursor`` (null on the last page) and take it back as
``cursor``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

Key = list[str | int | float | None]


def make_cursor(key: Key) -> str:
    """An opaque cursor for the position after the item whose sort key is ``key``."""
    text = json.dumps(key, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str, *kinds: type | tuple[type, ...]) -> Key:
    """The sort key a cursor names, each part of the kind given; ``ValueError`` for anything
    this service did not hand out (or handed out for another ordering)."""
    try:
        key: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor of this service: use next_cursor as given") from exc
    if (
        not isinstance(key, list)
        or len(key) != len(kinds)
        or not all(isinstance(part, kind) for part, kind in zip(key, kinds, strict=True))
    ):
        raise ValueError("not a cursor of this answer: use next_cursor as given")
    return key
