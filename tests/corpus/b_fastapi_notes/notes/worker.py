import logging

from celery import Celery

from notes.ai import summarise_batch

celery = Celery("notes", broker="redis://redis:6379/0")
log = logging.getLogger(__name__)


@celery.task
def nightly_summaries():
    summarise_batch()
    print("nightly summaries done")


@celery.task
def nightly_cleanup():
    log.info("cleanup started")
    return True
