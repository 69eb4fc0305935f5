"""RabbitMQ message bus: a durable topic exchange, a delivery queue and dead-lettering."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPConnectionError, ChannelClosed
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from notification_service.infrastructure.settings import BrokerSettings

logger = logging.getLogger(__name__)

MessageHandler = Callable[[dict[str, Any]], None]


class MessageBus:
    def __init__(self, settings: BrokerSettings) -> None:
        self._settings = settings
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def connect(self) -> None:
        parameters = pika.URLParameters(self._settings.url)
        parameters.heartbeat = 30
        parameters.blocked_connection_timeout = 60
        self._connection = pika.BlockingConnection(parameters)
        self._channel = self._connection.channel()
        self._declare_topology(self._channel)

    def _declare_topology(self, channel: BlockingChannel) -> None:
        s = self._settings
        dead_letter_queue = f"{s.queue}.dead"
        channel.exchange_declare(exchange=s.exchange, exchange_type="topic", durable=True)
        channel.exchange_declare(exchange=s.dead_letter_exchange, exchange_type="fanout", durable=True)
        channel.queue_declare(queue=dead_letter_queue, durable=True)
        channel.queue_bind(queue=dead_letter_queue, exchange=s.dead_letter_exchange)
        channel.queue_declare(
            queue=s.queue,
            durable=True,
            arguments={"x-dead-letter-exchange": s.dead_letter_exchange, "x-message-ttl": 86_400_000},
        )
        channel.queue_bind(queue=s.queue, exchange=s.exchange, routing_key="#")
        channel.basic_qos(prefetch_count=s.prefetch_count)

    @property
    def channel(self) -> BlockingChannel:
        if self._channel is None or self._channel.is_closed:
            self.connect()
        assert self._channel is not None
        return self._channel

    @retry(
        retry=retry_if_exception_type((AMQPConnectionError, ChannelClosed)),
        wait=wait_exponential(multiplier=0.5, max=30),
        stop=stop_after_attempt(5),
        reraise=True,
    )
    def publish(self, routing_key: str, payload: dict[str, Any]) -> None:
        self.channel.basic_publish(
            exchange=self._settings.exchange,
            routing_key=routing_key,
            body=json.dumps(payload, default=str).encode("utf-8"),
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )

    def consume(self, handler: MessageHandler) -> None:
        def on_message(channel: BlockingChannel, method: Any, properties: Any, body: bytes) -> None:
            try:
                handler(json.loads(body))
            except Exception:
                logger.exception("handler failed; dead-lettering message %s", method.delivery_tag)
                channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)
                return
            channel.basic_ack(delivery_tag=method.delivery_tag)

        self.channel.basic_consume(queue=self._settings.queue, on_message_callback=on_message)
        logger.info("consuming from %s", self._settings.queue)
        self.channel.start_consuming()

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()
