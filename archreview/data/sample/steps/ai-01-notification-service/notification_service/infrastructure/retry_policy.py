"""Resilience policies: exponential backoff and circuit breakers with fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LoggingBreakerListener(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        logger.warning("circuit %s: %s -> %s", cb.name, old_state.name, new_state.name)


push_breaker = pybreaker.CircuitBreaker(
    fail_max=5,
    reset_timeout=60,
    name="push-provider",
    listeners=[LoggingBreakerListener()],
)


class RetryPolicy:
    """Runs an operation through a circuit breaker, falling back when it is open."""

    def __init__(
        self,
        breaker: pybreaker.CircuitBreaker,
        fallback: Callable[..., Any] | None = None,
    ) -> None:
        self._breaker = breaker
        self._fallback = fallback

    def execute(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return self._breaker.call(operation, *args, **kwargs)
        except pybreaker.CircuitBreakerError:
            logger.warning("circuit %s open, using fallback", self._breaker.name)
            if self._fallback is None:
                raise
            return self._fallback(*args, **kwargs)
