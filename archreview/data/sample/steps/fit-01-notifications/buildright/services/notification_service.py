from __future__ import annotations

from buildright.errors import NotFoundError, ValidationError
from buildright.models import Notification
from buildright.repositories.notification_repository import NotificationRepository
from buildright.services.email_service import EmailService


class NotificationService:
    def __init__(self, notification_repo: NotificationRepository, email_service: EmailService) -> None:
        self._notifications = notification_repo
        self._email = email_service

    def notify(self, user_id: int, message: str, urgent: bool = False) -> Notification:
        """Store the notification; urgent ones also go out by e-mail."""
        if not message.strip():
            raise ValidationError("a notification needs a message")
        notification = self._notifications.add(
            Notification(user_id=user_id, message=message, urgent=urgent)
        )
        if urgent:
            self._email.send(user_id, "BuildRight: action needed", message)
        return notification

    def mark_as_read(self, notification_id: int, user_id: int) -> Notification:
        notification = self._notifications.find_by_id(notification_id)
        if notification is None or notification.user_id != user_id:
            raise NotFoundError("Notification", notification_id)
        notification.read = True
        return self._notifications.save(notification)

    def for_user(self, user_id: int) -> list[Notification]:
        return self._notifications.find_by_user(user_id)
