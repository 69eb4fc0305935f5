import json
import logging
import urllib.request

import urllib3
from kafka import KafkaProducer

from inventory.db import Item, SyncSession, StockEvent

log = logging.getLogger(__name__)

producer = KafkaProducer(bootstrap_servers="kafka:9092", request_timeout_ms=5000)
pool = urllib3.PoolManager()
timed_pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0))
SUPPLIER_URL = "https://supplier.example.com/api"


def adjust_and_announce(item_id, delta):
    session = SyncSession()
    item = session.get(Item, item_id)
    producer.send("stock.adjusted", json.dumps({"item": item_id, "delta": delta}).encode())
    session.add(StockEvent(item_id=item_id, delta=delta))
    session.commit()
    return item


def adjust_with_outbox(item_id, delta):
    session = SyncSession()
    session.add(StockEvent(item_id=item_id, delta=delta))
    session.execute(
        "INSERT INTO outbox (topic, payload) VALUES (:t, :p)",
        {"t": "stock.adjusted", "p": json.dumps({"item": item_id, "delta": delta})},
    )
    session.commit()


def publish_restock(item_id, quantity):
    dedup_key = f"restock-{item_id}-{quantity}"
    for attempt in range(3):
        try:
            producer.send("stock.restock", value=json.dumps({"item": item_id}).encode(), headers=[("dedup-id", dedup_key.encode())])
            return True
        except Exception:
            log.warning("restock publish attempt %d failed", attempt)
    return False


def publish_low_stock(item_id):
    for attempt in range(3):
        try:
            producer.send("stock.low", json.dumps({"item": item_id}).encode())
            return
        except Exception:
            log.warning("low-stock publish attempt %d failed", attempt)


def supplier_catalogue():
    with urllib.request.urlopen(f"{SUPPLIER_URL}/catalogue") as response:
        return json.load(response)


def supplier_catalogue_timed():
    with urllib.request.urlopen(f"{SUPPLIER_URL}/catalogue", timeout=10) as response:
        return json.load(response)


def supplier_stock(sku):
    response = pool.request("GET", f"{SUPPLIER_URL}/stock/{sku}")
    return json.loads(response.data)


def supplier_stock_timed(sku):
    response = timed_pool.request("GET", f"{SUPPLIER_URL}/stock/{sku}")
    return json.loads(response.data)


def reconcile(rows):
    session = SyncSession()
    for row in rows:
        try:
            session.merge(Item(id=row["id"], quantity=row["quantity"]))
        except Exception:
            log.debug("skipping row %s", row.get("id"))
            continue
    session.commit()
