import logging

import requests
from celery import shared_task

from shop.models import Invoice, Order

logger = logging.getLogger(__name__)

INVOICING_URL = "https://invoicing.example.com/api"
_processed_orders = set()
_stats = {"synced": 0}


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def send_invoice(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    requests.post(f"{INVOICING_URL}/invoices", json={"number": invoice.number, "total": str(invoice.order.total)})
    invoice.sent = True
    invoice.save()


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def send_invoice_once(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    requests.post(
        f"{INVOICING_URL}/invoices",
        json={"number": invoice.number},
        headers={"Idempotency-Key": f"invoice-{invoice.pk}"},
        timeout=10,
    )


@shared_task(bind=True, max_retries=3)
def sync_inventory(self, order_id):
    if order_id in _processed_orders:
        return
    order = Order.objects.get(pk=order_id)
    try:
        requests.put(f"{INVOICING_URL}/stock/{order.pk}", json={"status": order.status}, timeout=5)
    except requests.RequestException as exc:
        raise self.retry(exc=exc)
    _processed_orders.add(order_id)
    _stats["synced"] += 1


@shared_task(bind=True, max_retries=3)
def notify_warehouse(self, order_id):
    try:
        requests.post(f"{INVOICING_URL}/warehouse/notify", json={"order": order_id}, timeout=5)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=30)


@shared_task
def nightly_report():
    total = 0
    for order in Order.objects.filter(status="shipped").iterator():
        try:
            total += order.total
        except TypeError:
            continue
    logger.info("shipped total %s", total)
    return total
