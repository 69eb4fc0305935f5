"""Dependency injection: a declarative container plus a service locator.

The container owns construction and lifecycles; the locator lets message
handlers resolve components without constructor parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from dependency_injector import containers, providers

from notification_service.application.notification_service import NotificationService
from notification_service.domain.channels import ChannelFactory
from notification_service.infrastructure.event_dispatcher import EventDispatcher
from notification_service.infrastructure.event_store import EventStore
from notification_service.infrastructure.message_bus import MessageBus
from notification_service.infrastructure.notification_database import NotificationDatabase
from notification_service.infrastructure.push_channel import PushNotificationChannel  # noqa: F401 (registers)
from notification_service.infrastructure.retry_policy import RetryPolicy, push_breaker
from notification_service.infrastructure.settings import load_settings

T = TypeVar("T")


class ServiceLocator:
    """Process-wide registry of factories, resolved by interface type."""

    _instance: ClassVar[ServiceLocator | None] = None

    def __init__(self) -> None:
        self._factories: dict[type, Callable[[], Any]] = {}
        self._singletons: dict[type, Any] = {}
        self._singleton_types: set[type] = set()

    @classmethod
    def instance(cls) -> ServiceLocator:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def register(self, interface: type[T], factory: Callable[[], T], *, singleton: bool = True) -> None:
        self._factories[interface] = factory
        if singleton:
            self._singleton_types.add(interface)

    def resolve(self, interface: type[T]) -> T:
        if interface in self._singletons:
            return self._singletons[interface]
        try:
            instance = self._factories[interface]()
        except KeyError as error:
            raise LookupError(f"nothing registered for {interface.__name__}") from error
        if interface in self._singleton_types:
            self._singletons[interface] = instance
        return instance

    def reset(self) -> None:
        self._factories.clear()
        self._singletons.clear()
        self._singleton_types.clear()


class NotificationContainer(containers.DeclarativeContainer):
    settings = providers.Singleton(load_settings)

    database = providers.Singleton(NotificationDatabase, settings=settings.provided.database)
    message_bus = providers.Singleton(MessageBus, settings=settings.provided.broker)
    event_store = providers.Singleton(EventStore, database=database)
    dispatcher = providers.Singleton(EventDispatcher)
    retry_policy = providers.Singleton(RetryPolicy, breaker=push_breaker)
    channel_factory = providers.Factory(
        ChannelFactory,
        endpoint=settings.provided.push.endpoint,
        api_key=settings.provided.push.api_key,
    )
    notification_service = providers.Factory(
        NotificationService,
        database=database,
        message_bus=message_bus,
        event_store=event_store,
        channel_factory=channel_factory,
        retry_policy=retry_policy,
        dispatcher=dispatcher,
    )


def bootstrap() -> NotificationContainer:
    container = NotificationContainer()
    locator = ServiceLocator.instance()
    locator.register(MessageBus, container.message_bus)
    locator.register(EventDispatcher, container.dispatcher)
    locator.register(NotificationService, container.notification_service, singleton=False)
    return container
