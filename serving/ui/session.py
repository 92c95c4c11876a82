"""Browser sessions for the marketing pages: a signed, expiring cookie and its CSRF token.

Signing in with a marketing (or admin) key gives a cookie ``client:expiry:nonce:signature``;
the signature is an HMAC keyed by the key's entry in the keys file, so the cookie needs
no server-side state (any worker process can check it), and revoking or rotating the key
ends its sessions at the next request. The CSRF token of a session is derived from the
cookie the same way, and every form that posts carries it.

Before signing in, the sign-in form itself is protected by a double-submit token: a
random value in a short-lived cookie that the form must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from serving.keys import Caller, KeyEntry, KeyRing, Role

SESSION_COOKIE = "leadgrade_session"
LOGIN_CSRF_COOKIE = "leadgrade_signin"
UI_ROLES = frozenset({Role.MARKETING})


@dataclass(frozen=True)
class Session:
    caller: Caller
    csrf: str


def _sign(entry: KeyEntry, message: str) -> str:
    return hmac.new(bytes.fromhex(entry.sha256), message.encode(), hashlib.sha256).hexdigest()


def open_session(ring: KeyRing, key: str, lifetime: int, now: float | None = None) -> str | None:
    """The cookie value for a key that may use the pages; None for any other key."""
    caller = ring.caller(key)
    if caller is None or not caller.has_any(UI_ROLES):
        return None
    entry = _entry(ring, key)
    expiry = int((now or time.time()) + lifetime)
    message = f"{entry.client}:{expiry}:{secrets.token_hex(8)}"
    return f"{message}:{_sign(entry, message)}"


def read_session(ring: KeyRing, cookie: str | None, now: float | None = None) -> Session | None:
    """The session a cookie proves, or None (absent, forged, expired, or its key revoked)."""
    if not cookie or cookie.count(":") != 3:
        return None
    message, _, signature = cookie.rpartition(":")
    client, expiry, _nonce = message.split(":")
    if not expiry.isdigit() or int(expiry) < (now or time.time()):
        return None
    found = None
    for entry in ring.entries():  # every entry is checked: timing says nothing of which
        if entry.client == client and hmac.compare_digest(_sign(entry, message), signature):
            found = entry
    if found is None:
        return None
    return Session(Caller(found.client, found.roles), _sign(found, f"csrf:{message}"))


def _entry(ring: KeyRing, key: str) -> KeyEntry:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return next(e for e in ring.entries() if hmac.compare_digest(e.sha256, digest))


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    return bool(expected) and bool(sent) and hmac.compare_digest(str(expected), str(sent))
