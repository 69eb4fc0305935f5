"""Typed settings for the notification service.

Loaded from ``config/notification.yaml``; any value can be overridden by an
environment variable named ``NOTIFICATION_<SECTION>_<KEY>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "notification.yaml"


@dataclass(frozen=True)
class BrokerSettings:
    url: str
    exchange: str
    queue: str
    dead_letter_exchange: str
    prefetch_count: int = 10


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    pool_size: int = 20
    max_overflow: int = 40
    pool_recycle: int = 1800


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 30.0


@dataclass(frozen=True)
class CircuitBreakerSettings:
    fail_max: int = 5
    reset_timeout: int = 60


@dataclass(frozen=True)
class PushSettings:
    endpoint: str
    api_key: str


@dataclass(frozen=True)
class NotificationSettings:
    broker: BrokerSettings
    database: DatabaseSettings
    retry: RetrySettings
    circuit_breaker: CircuitBreakerSettings
    push: PushSettings


def _with_env_overrides(section: str, values: dict[str, Any]) -> dict[str, Any]:
    merged = dict(values)
    for key, value in values.items():
        env_value = os.environ.get(f"NOTIFICATION_{section}_{key}".upper())
        if env_value is not None:
            merged[key] = type(value)(env_value)
    if section == "broker" and "NOTIFICATION_BROKER_URL" in os.environ:
        merged["url"] = os.environ["NOTIFICATION_BROKER_URL"]
    return merged


def load_settings(path: Path = CONFIG_PATH) -> NotificationSettings:
    raw: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    section = lambda name: _with_env_overrides(name, raw.get(name, {}))  # noqa: E731
    return NotificationSettings(
        broker=BrokerSettings(**section("broker")),
        database=DatabaseSettings(**section("database")),
        retry=RetrySettings(**section("retry")),
        circuit_breaker=CircuitBreakerSettings(**section("circuit_breaker")),
        push=PushSettings(**section("push")),
    )
