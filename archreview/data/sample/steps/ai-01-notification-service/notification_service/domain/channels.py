"""Delivery channels behind one abstraction, created by a factory."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from notification_service.domain.events import NotificationRequested


class NotificationChannel(ABC):
    """A way to reach a user (push, e-mail, SMS, webhook...)."""

    name: ClassVar[str]

    @abstractmethod
    def send(self, notification: NotificationRequested) -> None:
        """Deliver one notification; raise on failure so the retry policy can act."""

    def supports(self, notification: NotificationRequested) -> bool:
        return not notification.channels or self.name in notification.channels


class ChannelFactory:
    """Creates channels by name from the registered implementations."""

    _registry: ClassVar[dict[str, type[NotificationChannel]]] = {}

    def __init__(self, **channel_options: object) -> None:
        self._options = channel_options

    @classmethod
    def register(cls, channel_cls: type[NotificationChannel]) -> type[NotificationChannel]:
        cls._registry[channel_cls.name] = channel_cls
        return channel_cls

    def create(self, name: str) -> NotificationChannel:
        try:
            channel_cls = self._registry[name]
        except KeyError as error:
            raise ValueError(f"unknown notification channel: {name}") from error
        return channel_cls(**self._options)  # type: ignore[arg-type]

    def for_notification(self, notification: NotificationRequested) -> list[NotificationChannel]:
        channels = [self.create(name) for name in sorted(self._registry)]
        return [channel for channel in channels if channel.supports(notification)]
