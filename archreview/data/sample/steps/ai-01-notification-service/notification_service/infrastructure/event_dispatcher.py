"""In-process event bus: handlers subscribe to event types, publish fans out."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from notification_service.domain.events import DomainEvent

logger = logging.getLogger(__name__)

EventHandler = Callable[[DomainEvent], None]


class EventDispatcher:
    def __init__(self) -> None:
        self._handlers: dict[type[DomainEvent], list[EventHandler]] = defaultdict(list)

    def subscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: type[DomainEvent], handler: EventHandler) -> None:
        self._handlers[event_type].remove(handler)

    def publish(self, event: DomainEvent) -> None:
        handlers = self._handlers.get(type(event), [])
        if not handlers:
            logger.debug("no handler for %s", event.event_type)
        for handler in handlers:
            handler(event)
