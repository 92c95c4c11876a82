"""The model source: loads the model named by settings and swaps in a new champion live.

Requests read ``source.current`` once and use that object to the end, so a swap never
mixes two models within one request. Loading runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import anyio.to_thread
from pydantic import BaseModel, TypeAdapter

from features.errors import LeadgradeError
from features.request import build_request_model
from models.registry import LoadedModel, ModelInfo, load_model, resolve_version
from serving.errors import ModelUnavailable

log = logging.getLogger("leadgrade.model")


@dataclass(frozen=True)
class ServedModel:
    """A loaded model with the request schema built from its own spec."""

    loaded: LoadedModel
    request_model: type[BaseModel]
    batch_adapter: TypeAdapter[list[BaseModel]]

    @classmethod
    def wrap(cls, loaded: LoadedModel) -> ServedModel:
        request_model = build_request_model(loaded.scorer.spec)
        return cls(loaded, request_model, TypeAdapter(list[request_model]))  # type: ignore[valid-type]

    @property
    def info(self) -> ModelInfo:
        return self.loaded.info


class ModelSource:
    def __init__(self, uri: str, tracking_uri: str) -> None:
        self.uri = uri
        self.tracking_uri = tracking_uri
        self._current: ServedModel | None = None
        self.last_error: str | None = None
        # A registry version that failed to load is not tried again until the alias moves:
        # every poll would download it, fail and log the same traceback.
        self._trying: str | None = None
        self._failed: str | None = None
        self.load_failures = 0  # counted for /metrics

    @property
    def current(self) -> ServedModel:
        if self._current is None:
            why = self.last_error or "no model loaded yet"
            raise ModelUnavailable(f"no model is being served from {self.uri}: {why}")
        return self._current

    @property
    def ready(self) -> bool:
        return self._current is not None

    async def refresh(self) -> bool:
        """Load the model if it is new (another registry version); True if swapped."""
        try:
            return await anyio.to_thread.run_sync(self._refresh_blocking)
        except LeadgradeError as exc:
            self.load_failures += 1
            self._failed, self.last_error = self._trying, exc.message
            log.warning("model not loaded: %s", exc.message)
        except Exception as exc:  # a broken artifact must not take the running model down
            self.load_failures += 1
            self._failed, self.last_error = self._trying, f"{type(exc).__name__}: {exc}"
            log.exception("loading %s failed", self.uri)
        return False

    def _refresh_blocking(self) -> bool:
        self._trying = None
        uri = self.uri
        if uri.startswith("models:/"):
            latest = resolve_version(uri, self.tracking_uri)
            current = None if self._current is None else self._current.info.version
            if latest.version in (current, self._failed):
                return False
            # Load exactly the version resolved, even if the alias moves meanwhile.
            self._trying, uri = latest.version, f"models:/{latest.name}/{latest.version}"
        elif self._current is not None:
            return False
        served = ServedModel.wrap(load_model(uri, self.tracking_uri))
        self._current, self.last_error, self._failed = served, None, None
        log.info("serving %s version %s", served.info.name, served.info.version)
        return True

    async def watch(self, interval: float) -> None:
        """Refresh forever, every ``interval`` seconds (run as a background task)."""
        while True:
            await asyncio.sleep(interval)
            await self.refresh()
