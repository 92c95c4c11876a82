"""API clients: who is calling, from the bearer key they send.

With keys configured (``LEADGRADE_API_KEYS``), every /v1 endpoint needs
``Authorization: Bearer <key>`` and the caller is the key's client name, which the store
records with each score and outcome. Without keys the service is open (local use) and every
caller is ``anonymous``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from serving.deps import SettingsDep
from serving.errors import Unauthorized
from serving.settings import ANONYMOUS, ServeSettings

log = logging.getLogger("leadgrade.auth")

_bearer = HTTPBearer(
    auto_error=False,
    description="an API key from LEADGRADE_API_KEYS (not needed when none are configured)",
)


def warn_if_open(settings: ServeSettings) -> None:
    """Say loudly at start-up that the service takes requests from anyone."""
    if not settings.api_keys:
        log.warning(
            "no API keys configured (LEADGRADE_API_KEYS): /v1 is open to anyone who can reach "
            "it, and every score and outcome is recorded as client %r",
            ANONYMOUS,
        )


def client_for(keys: Mapping[str, SecretStr], presented: str | None) -> str:
    """The client name of the key presented; :class:`Unauthorized` if it is none of them."""
    if not keys:
        return ANONYMOUS
    if not presented:
        raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer <key>'")
    found = None
    given = presented.encode()
    # Every key is compared, in constant time, so timing tells nothing about which matched.
    for name, key in keys.items():
        if secrets.compare_digest(given, key.get_secret_value().encode()):
            found = name
    if found is None:
        raise Unauthorized("the API key is not valid")
    return found


async def authenticate(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The calling client's name; 401 (unauthorized) without a valid key when keys are set."""
    return client_for(settings.api_keys, None if credentials is None else credentials.credentials)


ClientDep = Annotated[str, Depends(authenticate)]
