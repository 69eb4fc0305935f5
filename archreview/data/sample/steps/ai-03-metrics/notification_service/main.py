"""Worker entry point: consume notification events from RabbitMQ and deliver them."""

from __future__ import annotations

import logging
import signal
from typing import Any

from notification_service.domain.events import NotificationRequested, TaskAssigned, event_from_dict
from notification_service.infrastructure.container import bootstrap
from notification_service.infrastructure.metrics import observe, serve_metrics

logger = logging.getLogger("notification_service")


def run() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    container = bootstrap()
    container.database().create_schema()
    service = container.notification_service()
    dispatcher = container.dispatcher()
    dispatcher.subscribe(TaskAssigned, service.handle_task_assigned)
    bus = container.message_bus()

    def handle(payload: dict[str, Any]) -> None:
        notification_id = payload.pop("notification_id", None)
        event = event_from_dict(payload)
        with observe(event.event_type):
            if isinstance(event, NotificationRequested) and notification_id is not None:
                service.process_notification(event, notification_id)
            else:
                dispatcher.publish(event)

    signal.signal(signal.SIGTERM, lambda *_: bus.close())
    serve_metrics()
    logger.info("notification worker started")
    bus.consume(handle)


if __name__ == "__main__":
    run()
