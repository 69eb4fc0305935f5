import os

from celery import Celery

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "amqp://notify:Wq8#rT2vLp9z@rabbitmq:5672/notify")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "redis://redis:6379/1")

app = Celery("notify", broker=BROKER_URL, backend=RESULT_BACKEND, include=["notify.tasks", "notify.digest"])
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_timeout=5,
    broker_transport_options={"visibility_timeout": 3600},
    beat_schedule={
        "weekly-digest": {"task": "notify.digest.weekly_digest", "schedule": 7 * 24 * 3600},
        "expire-trials": {"task": "notify.tasks.expire_trials", "schedule": 3600},
    },
)
