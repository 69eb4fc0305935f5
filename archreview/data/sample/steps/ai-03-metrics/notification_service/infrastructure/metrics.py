"""Prometheus metrics for the notification worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram, start_http_server

MESSAGES_CONSUMED = Counter(
    "notification_messages_consumed_total", "Messages taken from the delivery queue", ["event_type"]
)
MESSAGES_FAILED = Counter(
    "notification_messages_failed_total", "Messages whose handler raised", ["event_type"]
)
HANDLER_SECONDS = Histogram(
    "notification_handler_seconds", "Time spent handling one message", ["event_type"]
)


@contextmanager
def observe(event_type: str) -> Iterator[None]:
    MESSAGES_CONSUMED.labels(event_type).inc()
    started = time.perf_counter()
    try:
        yield
    except Exception:
        MESSAGES_FAILED.labels(event_type).inc()
        raise
    finally:
        HANDLER_SECONDS.labels(event_type).observe(time.perf_counter() - started)


def serve_metrics(port: int = 9100, start: Callable[[int], object] = start_http_server) -> None:
    start(port)
