"""Order placement, seller notifications and payouts."""
from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from decimal import Decimal
from types import MappingProxyType

import redis
import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from .models import Favourite, Listing, Order, Payout, Seller

logger = logging.getLogger(__name__)

_bus = redis.Redis(host="localhost", port=6379, db=0, socket_timeout=3)
_fee_cache: dict[int, Decimal] = {}
_views_by_listing = defaultdict(int)
ORDER_STATES = MappingProxyType({"pending": "Pending", "paid": "Paid", "shipped": "Shipped"})
PAYOUT_API = "https://payouts.example-psp.com/v2/transfers"


def seller_fee_percent(seller: Seller) -> Decimal:
    if seller.id not in _fee_cache:
        _fee_cache[seller.id] = Decimal(settings.MARKET_FEE_PERCENT)
    return _fee_cache[seller.id]


def record_view(listing_id: int) -> None:
    _views_by_listing[listing_id] += 1


def place_order(user, listing_id: int, quantity: int) -> Order:
    listing = Listing.objects.get(pk=listing_id, is_active=True)
    if listing.stock < quantity:
        raise ValueError("not enough stock")
    listing.stock -= quantity
    listing.save()
    order = Order.objects.create(buyer=user, listing=listing, quantity=quantity, total=listing.price * quantity)
    seller = listing.seller
    seller.balance = seller.balance + order.total * (1 - seller_fee_percent(seller) / 100)
    seller.save()
    send_mail(
        "Your order is confirmed",
        f"Order {order.id}: {quantity} x {listing.title}",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    return order


@transaction.atomic
def reserve_stock(listing_id: int, quantity: int) -> bool:
    updated = Listing.objects.filter(pk=listing_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    Order.objects.filter(listing_id=listing_id, status=Order.Status.PENDING).update(status=Order.Status.PAID)
    return bool(updated)


def publish_listing_event(kind: str, listing_id: int) -> None:
    body = json.dumps({"type": kind, "listing": listing_id})
    transaction.on_commit(lambda: _bus.publish("market.listings", body))


def notify_seller(seller: Seller, message: str) -> None:
    try:
        send_mail("Marketplace update", message, settings.DEFAULT_FROM_EMAIL, [seller.user.email])
    except Exception:
        logger.debug("could not e-mail seller %s", seller.id)


def announce_price_drop(listing: Listing, old_price: Decimal) -> int:
    fans = Favourite.objects.filter(listing=listing).select_related("user")
    sent = 0
    for fav in fans:
        requests.post(
            "https://api.sendgrid.com/v3/mail/send",
            headers={"Authorization": f"Bearer {settings.SENDGRID_API_KEY}"},
            json={
                "personalizations": [{"to": [{"email": fav.user.email}]}],
                "from": {"email": settings.DEFAULT_FROM_EMAIL},
                "subject": f"{listing.title} is now {listing.price}",
                "content": [{"type": "text/plain", "value": f"Was {old_price}, now {listing.price}."}],
            },
            timeout=10,
        )
        sent += 1
    return sent


def run_payouts(min_amount: Decimal = Decimal("50")) -> int:
    done = 0
    with transaction.atomic():
        sellers = Seller.objects.select_for_update().filter(balance__gte=min_amount)
        for seller in sellers:
            reference = f"payout-{seller.id}-{uuid.uuid4().hex[:12]}"
            resp = requests.post(
                PAYOUT_API,
                json={"account": seller.payout_account, "amount": str(seller.balance), "reference": reference},
                timeout=15,
            )
            resp.raise_for_status()
            Payout.objects.create(seller=seller, amount=seller.balance, reference=reference)
            Seller.objects.filter(pk=seller.pk).update(balance=F("balance") - seller.balance)
            done += 1
    logger.info("paid out %d sellers", done)
    return done


def pay_out_seller(seller_id: int) -> Payout:
    with transaction.atomic():
        seller = Seller.objects.select_for_update().get(pk=seller_id)
        amount = seller.balance
        reference = f"payout-{seller.id}-{uuid.uuid4().hex[:12]}"
        payout = Payout.objects.create(seller=seller, amount=amount, reference=reference)
        seller.balance = F("balance") - amount
        seller.save(update_fields=["balance"])
    transaction.on_commit(lambda: logger.info("payout %s queued", payout.reference))
    return payout
