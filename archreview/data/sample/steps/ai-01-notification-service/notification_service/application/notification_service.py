"""Notification use cases: request, enrich, persist, publish, deliver."""

from __future__ import annotations

import logging

from notification_service.domain.channels import ChannelFactory, NotificationChannel
from notification_service.domain.events import NotificationDelivered, NotificationRequested, TaskAssigned
from notification_service.infrastructure.event_dispatcher import EventDispatcher
from notification_service.infrastructure.event_store import EventStore
from notification_service.infrastructure.message_bus import MessageBus
from notification_service.infrastructure.notification_database import NotificationDatabase, NotificationRecord
from notification_service.infrastructure.retry_policy import RetryPolicy

logger = logging.getLogger(__name__)

# user id -> preferred channel names, filled lazily from delivery history
_channel_preferences: dict[int, tuple[str, ...]] = {}


class NotificationService:
    def __init__(
        self,
        database: NotificationDatabase,
        message_bus: MessageBus,
        event_store: EventStore,
        channel_factory: ChannelFactory,
        retry_policy: RetryPolicy,
        dispatcher: EventDispatcher,
    ) -> None:
        self._database = database
        self._message_bus = message_bus
        self._event_store = event_store
        self._channel_factory = channel_factory
        self._retry_policy = retry_policy
        self._dispatcher = dispatcher

    def handle_task_assigned(self, event: TaskAssigned) -> None:
        self.send_notification(
            NotificationRequested(
                user_id=event.assignee_id,
                message=f"You have been assigned: {event.title}",
                metadata={"task_id": event.task_id, "source_event": event.event_id},
            )
        )

    def send_notification(self, event: NotificationRequested) -> None:
        enriched = self._enrich(event)
        record = self._database.save(
            NotificationRecord(
                user_id=enriched.user_id,
                message=enriched.message,
                priority=enriched.priority,
                metadata_json=enriched.metadata,
            )
        )
        self._event_store.append(f"notification-{record.id}", [enriched], expected_version=0)
        self._message_bus.publish(enriched.event_type, {**enriched.to_dict(), "notification_id": record.id})

    def process_notification(self, event: NotificationRequested, notification_id: int) -> None:
        for channel in self._resolve_channels(event):
            try:
                self._retry_policy.execute(channel.send, event)
            except Exception as error:
                logger.debug("delivery via %s failed: %s", channel.name, error)
                continue
            self._database.mark_delivered(notification_id)
            self._dispatcher.publish(NotificationDelivered(notification_id=notification_id, channel=channel.name))

    def _enrich(self, event: NotificationRequested) -> NotificationRequested:
        priority = "urgent" if "deadline" in event.message.lower() else event.priority
        channels = event.channels or _channel_preferences.get(event.user_id, ("push",))
        return NotificationRequested(
            event_id=event.event_id,
            occurred_at=event.occurred_at,
            user_id=event.user_id,
            message=event.message.strip(),
            priority=priority,
            channels=channels,
            metadata={**event.metadata, "enriched": True},
        )

    def _resolve_channels(self, event: NotificationRequested) -> list[NotificationChannel]:
        channels = self._channel_factory.for_notification(event)
        _channel_preferences[event.user_id] = tuple(channel.name for channel in channels)
        return channels
