from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from buildright.models import Notification


class NotificationRepository:
    def __init__(self, session: Session | scoped_session) -> None:
        self._session = session

    def find_by_id(self, notification_id: int) -> Notification | None:
        return self._session.get(Notification, notification_id)

    def find_by_user(self, user_id: int, limit: int = 50) -> list[Notification]:
        query = (
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def add(self, notification: Notification) -> Notification:
        self._session.add(notification)
        self._session.commit()
        return notification

    def save(self, notification: Notification) -> Notification:
        self._session.commit()
        return notification
