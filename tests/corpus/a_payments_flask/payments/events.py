import json
import logging

import pika

log = logging.getLogger(__name__)
_connection = None


def _channel():
    global _connection
    if _connection is None:
        _connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq", socket_timeout=5))
    return _connection.channel()


def publish(topic, payload):
    channel = _channel()
    channel.basic_publish(exchange="payments", routing_key=topic, body=json.dumps(payload))


def publish_quietly(topic, payload):
    try:
        publish(topic, payload)
    except Exception:
        log.debug("publish of %s failed", topic)
