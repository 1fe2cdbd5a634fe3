"""Metrics for Prometheus at /metrics (prometheus_client).

- kaikukanta_uses_recorded_total{channel}: uses recorded, counted after commit;
- kaikukanta_refusals_total{code}: uses refused, by the refusal's code;
- kaikukanta_request_duration_seconds{view,status}: every request's duration;
- kaikukanta_stats_summary_stale_seconds and ..._built_timestamp_seconds: how
  long the statistics summary has been stale (0: fresh), and when it was last
  rebuilt, read from the database when /metrics is scraped.

Recording a use costs a counter increment in memory: no query, no I/O, no
lock shared between processes on the hot path (the one query, the summary's
state, runs only when Prometheus scrapes).

Several gunicorn workers: each keeps its own counters. With
PROMETHEUS_MULTIPROC_DIR set (the image sets it; gunicorn.conf.py empties it at
start and drops dead workers' gauges), the counters live in memory-mapped
files there and /metrics adds up every worker's. Every app server is scraped
on its own (Prometheus adds the servers up).
"""

import ipaddress
import os
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

USES_RECORDED = Counter(
    "kaikukanta_uses_recorded", "Uses of cards recorded, by channel.", ["channel"]
)
REFUSALS = Counter("kaikukanta_refusals", "Uses refused, by the refusal's code.", ["code"])
REQUEST_DURATION = Histogram(
    "kaikukanta_request_duration_seconds",
    "Time from a request's arrival to its response, by view and status class.",
    ["view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def uses_recorded(channel: str, count: int) -> None:
    if count:
        USES_RECORDED.labels(channel).inc(count)


def refused(code: str, count: int = 1) -> None:
    REFUSALS.labels(code).inc(count)


def request_finished(view: str, status: int, seconds: float) -> None:
    REQUEST_DURATION.labels(view, f"{status // 100}xx").observe(seconds)


class SummaryCollector(Collector):
    """The statistics summary's state, read when /metrics is scraped."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from stats.models import SummaryState

        state = SummaryState.objects.order_by("pk").first()
        now = timezone.now()
        stale = GaugeMetricFamily(
            "kaikukanta_stats_summary_stale_seconds",
            "How long the statistics summary has disagreed with the recorded uses "
            "(0: it agrees; reports then read it).",
        )
        stale_since = state.stale_since if state else None
        stale.add_metric([], (now - stale_since).total_seconds() if stale_since else 0.0)
        yield stale
        built = GaugeMetricFamily(
            "kaikukanta_stats_summary_built_timestamp_seconds",
            "When the statistics summary was last rebuilt from the raw uses (Unix time; 0: never).",
        )
        built.add_metric([], state.built_at.timestamp() if state and state.built_at else 0.0)
        yield built


def _registries() -> list[CollectorRegistry]:
    summary = CollectorRegistry(auto_describe=False)
    summary.register(SummaryCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
        return [workers, summary]
    return [REGISTRY, summary]


@lru_cache(maxsize=1)
def _allowed_networks(
    allowed: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def may_read(request: HttpRequest) -> bool:
    """Whether the request comes straight from an address on METRICS_ALLOWED_IPS.
    REMOTE_ADDR, never X-Forwarded-For: Prometheus scrapes each app server
    directly, and a client could write any forwarded address it likes."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = _allowed_networks(tuple(settings.METRICS_ALLOWED_IPS))
    return any(address in network for network in networks)


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format; 404 for anyone else (as for
    anything outside a caller's scope)."""
    if not may_read(request):
        raise Http404
    body = b"".join(generate_latest(registry) for registry in _registries())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
