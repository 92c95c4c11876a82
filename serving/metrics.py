"""Prometheus metrics of one app (prometheus-client), served at ``GET /metrics``.

Each app has its own registry, so apps built side by side in one process (tests) count
separately. Counters of requests, leads and outcomes are updated as things happen; the
serving version, model load failures and store health are read when scraped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from serving.model_source import ModelSource


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "leadgrade_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "leadgrade_request_seconds",
            "time to answer, by route",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.leads_scored = Counter(
            "leadgrade_leads_scored",
            "leads scored and stored, by grade and route queue",
            ["grade", "queue"],
            registry=r,
        )
        self.outcomes = Counter(
            "leadgrade_outcomes",
            "outcomes recorded, by outcome and canonical reason",
            ["outcome", "reason"],
            registry=r,
        )
        self.drift = Gauge(
            "leadgrade_drift_psi",
            "population stability index of recent leads vs the model's "
            "reference, by what is compared (score or a feature)",
            ["compared"],
            registry=r,
        )
        self.grades_hold = Gauge(
            "leadgrade_grades_hold",
            "1 while recent outcomes agree with the model card, 0 on "
            "an alarm, -1 while too few leads have closed to judge",
            registry=r,
        )

    def count_scores(self, results: Iterable[Mapping[str, Any]]) -> None:
        for result in results:
            self.leads_scored.labels(result["grade"], result["route"]["queue"]).inc()

    def count_outcome(self, outcome: str, reason: str | None) -> None:
        self.outcomes.labels(outcome, reason or "none").inc()


class StateCollector(Collector):
    """What is read at scrape time: the served model, load failures, the store's health."""

    def __init__(self, source: ModelSource, state: Any) -> None:
        self._source, self._state = source, state

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        serving = GaugeMetricFamily(
            "leadgrade_model_serving",
            "1 for the model version being served",
            labels=["name", "version"],
        )
        if self._source.ready:
            info = self._source.current.info
            serving.add_metric([info.name, str(info.version)], 1)
        yield serving
        yield CounterMetricFamily(
            "leadgrade_model_load_failures",
            "attempts to load a model that failed",
            value=self._source.load_failures,
        )
        store = getattr(self._state, "store", None)
        failures = 0 if store is None else store.health.write_failures
        yield CounterMetricFamily(
            "leadgrade_store_write_failures", "writes and probes the store failed", value=failures
        )
        healthy = GaugeMetricFamily("leadgrade_store_up", "1 while the store takes writes")
        healthy.add_metric([], 0 if store is None or not store.health.status().ok else 1)
        yield healthy
