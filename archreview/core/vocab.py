"""The typed vocabularies every floor shares.

Each vocabulary is a ``Literal`` type (for mypy and the reader) and the tuple of
its values in display order (for validation and tables), derived from the type so
the two cannot drift.
"""

from __future__ import annotations

from typing import Literal, get_args

# What a change can bring (DESIGN.md's contract: extend, never rename).
Kind = Literal[
    "message_queue", "task_queue", "pubsub", "event_bus", "event_sourcing", "database",
    "cache", "search", "object_storage", "di_container", "retry", "circuit_breaker",
    "web_framework", "rpc", "scheduler", "observability", "container", "service", "config",
]  # fmt: skip
KINDS: tuple[Kind, ...] = get_args(Kind)
