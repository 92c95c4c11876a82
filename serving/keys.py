"""API keys with roles, kept in a keys file that the service re-reads when it changes.

A key is a high-entropy secret; the file holds only its SHA-256 hash, the client it names
and the client's roles. A presented key is hashed once and compared with every configured
hash in constant time: a fast hash is enough for a 256-bit random secret, and no slow
password hash sits on the request path.

The file is TOML::

    [[key]]
    client = "crm"
    roles = ["crm"]
    sha256 = "9f86d081884c7d65…"

Two entries for one client (an old and a new hash) are how a key is rotated; removing an
entry revokes its key from the next request on. Replace the file atomically (write a new
file, then rename it over the old one).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import re
import secrets
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from features.errors import LeadgradeError

ANONYMOUS = "anonymous"
_CLIENT_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Role(enum.StrEnum):
    """What a key may do; ``admin`` may do everything."""

    CRM = "crm"
    MARKETING = "marketing"
    ADMIN = "admin"


class KeysUnavailable(LeadgradeError):
    """The keys file cannot be read or is invalid: no key is accepted until it is fixed."""

    code = "keys_unavailable"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the client a key names and its roles."""

    client: str
    roles: frozenset[Role]

    def has_any(self, roles: frozenset[Role]) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & roles)


OPEN_CALLER = Caller(ANONYMOUS, frozenset(Role))
"""The caller of a service without keys: anonymous, with every role."""


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    client: str = Field(pattern=f"^{_CLIENT_NAME}$")
    roles: frozenset[Role] = Field(min_length=1)
    sha256: str

    @field_validator("client")
    @classmethod
    def _not_anonymous(cls, client: str) -> str:
        if client == ANONYMOUS:
            raise ValueError(f"{ANONYMOUS!r} names the caller of an open service, not a client")
        return client

    @field_validator("sha256")
    @classmethod
    def _a_sha256(cls, digest: str) -> str:
        digest = digest.strip().lower()
        if not _SHA256.fullmatch(digest):
            raise ValueError("not a SHA-256 hex digest (64 hex digits): see `leadgrade keys new`")
        return digest


class KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: list[KeyEntry] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _distinct(cls, entries: list[KeyEntry]) -> list[KeyEntry]:
        digests = [entry.sha256 for entry in entries]
        if len(set(digests)) != len(digests):
            raise ValueError("one hash is listed twice: a key must name exactly one client")
        return entries


def hash_key(key: str) -> str:
    """The SHA-256 hex digest of a key, as the keys file holds it."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A new random key (256 bits, URL-safe) and its hash."""
    key = "lg_" + secrets.token_urlsafe(32)
    return key, hash_key(key)


def read_keys(path: Path) -> tuple[KeyEntry, ...]:
    """The entries of a keys file; :class:`KeysUnavailable` naming the problem otherwise."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(KeysFile.model_validate(data).key)
    except OSError as exc:
        raise KeysUnavailable(f"cannot read the keys file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise KeysUnavailable(f"the keys file {path} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KeysUnavailable(f"the keys file {path}: {where}: {first['msg']}") from exc


class KeyRing:
    """The keys of a keys file, re-read whenever the file changes (checked on every lookup)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._entries: tuple[KeyEntry, ...] = ()
        self._error: KeysUnavailable | None = None
        self.entries()  # a broken file stops the service at start-up

    def entries(self) -> tuple[KeyEntry, ...]:
        """The current entries; :class:`KeysUnavailable` while the file is broken (fail closed)."""
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError as exc:
            raise KeysUnavailable(f"cannot read the keys file {self.path}: {exc.strerror}") from exc
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._entries, self._error = read_keys(self.path), None
                except KeysUnavailable as exc:
                    self._entries, self._error = (), exc
            if self._error is not None:
                raise self._error
            return self._entries

    def caller(self, presented: str) -> Caller | None:
        """The caller the presented key names, or None if no configured hash matches."""
        digest = hash_key(presented).encode()
        found = None
        # Every hash is compared, in constant time, so timing tells nothing about which matched.
        for entry in self.entries():
            if hmac.compare_digest(digest, entry.sha256.encode()):
                found = entry
        return None if found is None else Caller(found.client, found.roles)
