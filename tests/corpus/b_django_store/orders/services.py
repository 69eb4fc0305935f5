import logging
import time

import requests
from django.db import transaction
from django.db.models import F

from orders.models import Order, StockLevel

logger = logging.getLogger(__name__)
CARRIER_API = "https://api.carrier.example.com/v1/shipments"


def reserve_stock(order):
    with transaction.atomic():
        levels = {s.sku: s for s in StockLevel.objects.select_for_update().filter(warehouse="main")}
        for item in order.items.all():
            level = levels[item.sku]
            level.available -= item.quantity
            level.save()


def reserve_lazily(order):
    with transaction.atomic():
        levels = StockLevel.objects.select_for_update().filter(warehouse="main")
        for item in order.items.all():
            level = levels.get(sku=item.sku)
            level.available -= item.quantity
            level.save()


def reserve_one(sku, quantity):
    with transaction.atomic():
        level = StockLevel.objects.select_for_update().get(sku=sku)
        level.available = F("available") - quantity
        level.save(update_fields=["available"])


def book_shipment(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        resp = requests.post(CARRIER_API, json={"order": order.pk}, timeout=15)
        order.status = "shipped" if resp.ok else "ship_failed"
        order.save()


def book_shipment_outside(order_id):
    order = Order.objects.get(pk=order_id)
    resp = requests.post(CARRIER_API, json={"order": order.pk}, timeout=15)
    with transaction.atomic():
        Order.objects.filter(pk=order_id).update(status="shipped" if resp.ok else "ship_failed")
    logger.info("booked shipment for %s", order_id)


@transaction.atomic
def settle_day(day):
    paid = Order.objects.filter(status="paid", created__date=day)
    for order in paid.iterator():
        order.status = "settled"
        order.save()
    time.sleep(1)
