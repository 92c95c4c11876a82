"""The model source: loads the model named by settings and swaps in a new champion live.

A new version is loaded on a worker thread, off the event loop, checked (its request
schema against the running one, a warm-up on sample leads) and only then swapped in, by
replacing one reference. Requests read ``source.current`` once and use that object to the
end, so a swap never mixes two models within one request or batch. A version that fails
any step is refused and the old one keeps serving. At start, if the champion cannot be
loaded, the most recent loadable earlier champion (from the registry's champion history)
serves and the source reports itself degraded.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, TypeAdapter

from features.errors import LeadgradeError
from features.request import DateBounds, build_request_model
from models.history import champion_history, earlier_champions
from models.registry import (
    LoadedModel,
    ModelInfo,
    is_registry_uri,
    load_model,
    registered_name,
    resolve_version,
    version_uri,
)
from serving.errors import ModelUnavailable
from serving.model_checks import schema_change, warm_up

log = logging.getLogger("leadgrade.model")


@dataclass(frozen=True)
class ServedModel:
    """A loaded model with the request schema built from its own spec."""

    loaded: LoadedModel
    request_model: type[BaseModel]
    batch_adapter: TypeAdapter[list[BaseModel]]

    @classmethod
    def wrap(cls, loaded: LoadedModel, dates: DateBounds) -> ServedModel:
        request_model = build_request_model(loaded.scorer.spec, dates)
        return cls(loaded, request_model, TypeAdapter(list[request_model]))  # type: ignore[valid-type]

    @property
    def info(self) -> ModelInfo:
        return self.loaded.info


class ModelSource:
    def __init__(self, uri: str, tracking_uri: str, dates: DateBounds | None = None) -> None:
        self.uri = uri
        self.tracking_uri = tracking_uri
        self.dates = dates or DateBounds()  # the request schema's date bounds
        self._current: ServedModel | None = None
        self.last_error: str | None = None
        self.alias_version: str | None = None  # the version the alias named when last asked
        self.schema_change: str | None = None  # how the last swap changed the request schema
        # A registry version that failed is not tried again until the alias moves (or an
        # admin asks for a reload): every poll would download it and fail the same way.
        self._failed: str | None = None
        self.load_failures = 0  # counted for /metrics
        self._lock = threading.Lock()  # one load at a time (poll and reload may overlap)

    @property
    def current(self) -> ServedModel:
        if self._current is None:
            why = self.last_error or "no model loaded yet"
            raise ModelUnavailable(f"no model is being served from {self.uri}: {why}")
        return self._current

    @property
    def ready(self) -> bool:
        return self._current is not None

    @property
    def degraded(self) -> bool:
        """A model serves, but not the one the alias names."""
        served = None if self._current is None else self._current.info.version
        return self._current is not None and self.alias_version not in (None, served)

    def status(self) -> dict[str, Any]:
        """What /ready, /v1/model and the reload answer say about the served model."""
        return {
            "model": None if self._current is None else self._current.info.as_dict(),
            "alias_version": self.alias_version,
            "degraded": self.degraded,
            "last_error": self.last_error,
            "schema_change": self.schema_change,
        }

    async def start(self) -> None:
        """Load the model; if the champion cannot be loaded, an earlier champion serves."""
        if not await self.refresh() and self._current is None and self._is_alias:
            await anyio.to_thread.run_sync(self._fall_back)

    async def refresh(self, *, retry_failed: bool = False) -> bool:
        """Load the model if the alias names another version; True if swapped in."""
        return await anyio.to_thread.run_sync(self._refresh_guarded, retry_failed)

    async def watch(self, interval: float) -> None:
        """Refresh forever, every ``interval`` seconds (run as a background task)."""
        while True:
            await asyncio.sleep(interval)
            await self.refresh()

    @property
    def _is_alias(self) -> bool:
        return is_registry_uri(self.uri) and "@" in self.uri

    def _refresh_guarded(self, retry_failed: bool) -> bool:
        with self._lock:
            uri = self.uri
            try:
                if is_registry_uri(uri):
                    latest = resolve_version(uri, self.tracking_uri)
                    self.alias_version = latest.version
                    skip = {self._served_version, None if retry_failed else self._failed}
                    if latest.version in skip:
                        return False
                    uri = version_uri(latest.name, str(latest.version))  # exactly this version
                elif self._current is not None and not retry_failed:
                    return False
                return self._load_and_swap(uri)
            except LeadgradeError as exc:
                self._refuse(uri, exc.message)
            except Exception as exc:  # a broken artifact must not take the running model down
                log.exception("loading %s failed", uri)
                self._refuse(uri, f"{type(exc).__name__}: {exc}")
            return False

    @property
    def _served_version(self) -> str | None:
        return None if self._current is None else self._current.info.version

    def _load_and_swap(self, uri: str) -> bool:
        served = ServedModel.wrap(load_model(uri, self.tracking_uri), self.dates)
        warm_up(served.loaded.scorer)
        old = self._current
        spec = served.loaded.scorer.spec
        change = None if old is None else schema_change(old.loaded.scorer.spec, spec)
        self._current, self.last_error, self._failed = served, None, None
        self.schema_change = change
        log.info(
            "serving %s version %s (was %s)",
            served.info.name,
            served.info.version,
            "nothing" if old is None else f"version {old.info.version}",
        )
        if change:
            log.warning("request schema changed by version %s: %s", served.info.version, change)
        return True

    def _refuse(self, uri: str, why: str) -> None:
        self.load_failures += 1
        self._failed = self.alias_version if is_registry_uri(uri) else None
        self.last_error = f"{uri}: {why}"
        log.warning(
            "refused %s (still serving %s): %s", uri, self._served_version or "nothing", why
        )

    def _fall_back(self) -> None:
        """Serve the most recent earlier champion that loads (from the champion history)."""
        from mlflow import MlflowClient

        name = registered_name(self.uri)
        client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        try:
            earlier = earlier_champions(champion_history(client, name), self.alias_version)
        except Exception as exc:  # the registry itself is unreachable: nothing to fall back on
            log.warning("no champion history to fall back on: %s", exc)
            return
        error = self.last_error
        for version in earlier:
            with self._lock:
                try:
                    self._load_and_swap(version_uri(name, version))
                except Exception as exc:  # an earlier version may be broken too: try the next
                    log.warning("earlier champion %s cannot serve either: %s", version, exc)
                    continue
            self.last_error = error  # the champion's failure stays visible while degraded
            self._failed = self.alias_version  # not retried by every poll, only once it moves
            log.warning("degraded: serving earlier champion version %s; %s", version, error)
            return
