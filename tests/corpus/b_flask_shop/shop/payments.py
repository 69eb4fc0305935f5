import logging

import requests
import stripe

from shop import db
from shop.models import Customer, Order

log = logging.getLogger(__name__)
PAYMENTS_API = "https://payments.example.net/v2/charges"


def capture_payment(order_id):
    order = Order.query.filter_by(id=order_id).with_for_update().one()
    resp = requests.post(PAYMENTS_API, json={"order": order.id, "amount": order.total_cents}, timeout=10)
    order.status = "paid" if resp.ok else "failed"
    db.session.commit()
    return order.status


def capture_payment_safely(order_id):
    order = db.session.get(Order, order_id)
    resp = requests.post(PAYMENTS_API, json={"order": order.id, "amount": order.total_cents}, timeout=10)
    locked = Order.query.filter_by(id=order_id).with_for_update().one()
    locked.status = "paid" if resp.ok else "failed"
    db.session.commit()
    return locked.status


def cancel_stale_orders():
    stale = Order.query.filter(Order.status == "pending_payment").with_for_update().all()
    for order in stale:
        order.status = "cancelled"
    db.session.commit()
    log.info("cancelled %d stale orders", len(stale))


def charge_all_subscribers():
    for customer in Customer.query.filter(Customer.stripe_id.isnot(None)):
        stripe.Charge.create(amount=900, currency="eur", customer=customer.stripe_id)


def charge_trial_batch(limit=100):
    for customer in Customer.query.filter(Customer.stripe_id.isnot(None)).limit(limit):
        stripe.Charge.create(amount=900, currency="eur", customer=customer.stripe_id)
