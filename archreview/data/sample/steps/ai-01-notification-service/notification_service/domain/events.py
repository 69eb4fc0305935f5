"""Domain events exchanged over the message bus and kept in the event store."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    event_type: ClassVar[str] = "domain_event"
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["event_type"] = self.event_type
        return data


@dataclass(frozen=True, kw_only=True)
class TaskAssigned(DomainEvent):
    event_type: ClassVar[str] = "task.assigned"
    task_id: int
    assignee_id: int
    title: str


@dataclass(frozen=True, kw_only=True)
class NotificationRequested(DomainEvent):
    event_type: ClassVar[str] = "notification.requested"
    user_id: int
    message: str
    priority: str = "normal"
    channels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class NotificationDelivered(DomainEvent):
    event_type: ClassVar[str] = "notification.delivered"
    notification_id: int
    channel: str


@dataclass(frozen=True, kw_only=True)
class NotificationRead(DomainEvent):
    event_type: ClassVar[str] = "notification.read"
    notification_id: int
    user_id: int


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.event_type: cls for cls in (TaskAssigned, NotificationRequested, NotificationDelivered, NotificationRead)
}


def event_from_dict(data: dict[str, Any]) -> DomainEvent:
    payload = dict(data)
    event_cls = EVENT_TYPES[payload.pop("event_type")]
    payload["occurred_at"] = datetime.fromisoformat(payload["occurred_at"])
    if "channels" in payload:
        payload["channels"] = tuple(payload["channels"])
    return event_cls(**payload)
