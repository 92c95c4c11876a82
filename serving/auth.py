"""Who is calling, and may they: bearer keys with roles, and one dependency per role.

With a keys file configured (``LEADGRADE_KEYS_FILE``, see :mod:`serving.keys`), every /v1
endpoint needs ``Authorization: Bearer <key>``: no or an unknown key is a 401, a key
without the endpoint's role a 403. The caller's client name is recorded with each score
and outcome. Without keys the service is open (local use): every caller is ``anonymous``
with every role.

Routes declare what they need with ``Depends(require_role(Role.CRM, ...))``; ``admin``
passes every check.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from serving.errors import Forbidden, RateLimited, Unauthorized
from serving.keys import ANONYMOUS, OPEN_CALLER, Caller, KeyRing, Role
from serving.settings import ServeSettings

log = logging.getLogger("leadgrade.auth")

_bearer = HTTPBearer(
    auto_error=False,
    description="an API key from the keys file (not needed when none is configured)",
)


def warn_if_open(settings: ServeSettings) -> None:
    """Say loudly at start-up that the service takes requests from anyone."""
    if settings.keys_file is None:
        log.warning(
            "no keys file configured (LEADGRADE_KEYS_FILE): /v1 and /ui are open to anyone who "
            "can reach %s, and every score and outcome is recorded as client %r",
            settings.host,
            ANONYMOUS,
        )


class RateLimiter:
    """A token bucket per client, in this process only (N processes allow N times the rate)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Spend one request of ``client``; :class:`RateLimited` when none is left."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise RateLimited(
                    f"more than {self.per_minute} requests per minute from {client!r}; "
                    f"retry in {wait} s",
                    retry_after=wait,
                )
            self._buckets[client] = (tokens - 1.0, now)


def caller_for(ring: KeyRing | None, presented: str | None) -> Caller:
    """The caller a key names; :class:`Unauthorized` without a known key when keys are set."""
    if ring is None:
        return OPEN_CALLER
    if not presented:
        raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer <key>'")
    caller = ring.caller(presented)
    if caller is None:
        raise Unauthorized("the API key is not valid")
    return caller


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The calling client and its roles; 401 without a valid key when keys are configured."""
    ring: KeyRing | None = request.app.state.keys
    caller = caller_for(ring, None if credentials is None else credentials.credentials)
    if ring is not None:
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.take(caller.client)
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]


def require_role(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through callers with any of ``roles`` (or admin); 403 otherwise."""
    wanted = frozenset(roles)
    names = " or ".join(sorted({*wanted, Role.ADMIN}))

    async def check(caller: CallerDep) -> Caller:
        if not caller.has_any(wanted):
            raise Forbidden(
                f"the key of {caller.client!r} lacks the role this needs ({names})",
                needs=sorted({*wanted, Role.ADMIN}),
            )
        return caller

    return check


async def _client_name(caller: CallerDep) -> str:
    return caller.client


ClientDep = Annotated[str, Depends(_client_name)]
"""The calling client's name, as the store records it."""
