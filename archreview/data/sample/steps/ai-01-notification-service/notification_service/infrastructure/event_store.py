"""Event sourcing for notifications: append-only streams, replay and projections."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from notification_service.domain.events import DomainEvent, NotificationRead, NotificationRequested, event_from_dict
from notification_service.infrastructure.notification_database import NotificationBase, NotificationDatabase


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it."""


class StoredEvent(NotificationBase):
    __tablename__ = "event_store"
    __table_args__ = (UniqueConstraint("stream_id", "version"),)

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Projection(ABC):
    """A read model rebuilt from the event stream."""

    @abstractmethod
    def apply(self, event: DomainEvent) -> None: ...


class UnreadCountProjection(Projection):
    def __init__(self) -> None:
        self.unread: Counter[int] = Counter()

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, NotificationRequested):
            self.unread[event.user_id] += 1
        elif isinstance(event, NotificationRead):
            self.unread[event.user_id] -= 1


class EventStore:
    def __init__(self, database: NotificationDatabase) -> None:
        self._database = database

    def append(self, stream_id: str, events: Iterable[DomainEvent], expected_version: int) -> int:
        with self._database.session() as session:
            current = session.scalar(
                select(func.coalesce(func.max(StoredEvent.version), 0)).where(StoredEvent.stream_id == stream_id)
            )
            if current != expected_version:
                raise ConcurrencyError(f"{stream_id}: expected version {expected_version}, found {current}")
            version = current
            for event in events:
                version += 1
                session.add(
                    StoredEvent(stream_id=stream_id, version=version, event_type=event.event_type, payload=event.to_dict())
                )
            return version

    def load_stream(self, stream_id: str) -> list[DomainEvent]:
        with self._database.session() as session:
            rows = session.scalars(
                select(StoredEvent).where(StoredEvent.stream_id == stream_id).order_by(StoredEvent.version)
            )
            return [event_from_dict(row.payload) for row in rows]

    def replay(self, projection: Projection, from_position: int = 0) -> Projection:
        with self._database.session() as session:
            rows = session.scalars(
                select(StoredEvent).where(StoredEvent.position > from_position).order_by(StoredEvent.position)
            )
            for row in rows:
                projection.apply(event_from_dict(row.payload))
        return projection
