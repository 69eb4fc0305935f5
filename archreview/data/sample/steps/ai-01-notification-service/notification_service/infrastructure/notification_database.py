"""The notification service's own database, separate from the monolith's.

Notifications are high-volume and write-heavy, so they get a dedicated
PostgreSQL instance with its own connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from notification_service.infrastructure.settings import DatabaseSettings


class NotificationBase(DeclarativeBase):
    pass


class NotificationRecord(NotificationBase):
    __tablename__ = "notification_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    message: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    metadata_json: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationDatabase:
    def __init__(self, settings: DatabaseSettings) -> None:
        self._engine = create_engine(
            settings.url,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_recycle=settings.pool_recycle,
            pool_pre_ping=True,
        )
        self._session_factory = sessionmaker(bind=self._engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._session_factory()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def create_schema(self) -> None:
        NotificationBase.metadata.create_all(self._engine)

    def save(self, record: NotificationRecord) -> NotificationRecord:
        with self.session() as session:
            session.add(record)
            session.flush()
            return record

    def mark_delivered(self, notification_id: int) -> None:
        with self.session() as session:
            record = session.get(NotificationRecord, notification_id)
            if record is not None:
                record.status = "delivered"
                record.delivered_at = func.now()

    def pending_for_user(self, user_id: int) -> list[NotificationRecord]:
        with self.session() as session:
            query = select(NotificationRecord).where(
                NotificationRecord.user_id == user_id, NotificationRecord.status == "pending"
            )
            return list(session.scalars(query))
