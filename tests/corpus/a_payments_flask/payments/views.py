import logging

from flask import Blueprint, abort, jsonify, request
from sqlalchemy.exc import IntegrityError

from payments import gateway
from payments.events import publish
from payments.extensions import db
from payments.models import Account, Coupon, Order, OutboxMessage, User

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)

_recent_charges = {}
_failed_cards = []
MAX_TRANSFER = 10_000


@bp.post("/accounts/<int:account_id>/withdraw")
def withdraw(account_id):
    amount = request.json["amount"]
    account = Account.query.get(account_id)
    if account.balance < amount:
        abort(409)
    account.balance -= amount
    db.session.commit()
    return jsonify(balance=str(account.balance))


@bp.post("/accounts/<int:account_id>/deposit")
def deposit(account_id):
    amount = request.json["amount"]
    account = Account.query.filter_by(id=account_id).with_for_update().one()
    account.balance += amount
    db.session.commit()
    return jsonify(balance=str(account.balance))


@bp.post("/transfers")
def transfer():
    data = request.json
    if data["amount"] > MAX_TRANSFER:
        abort(400)
    source = Account.query.get(data["from"])
    target = Account.query.get(data["to"])
    source.balance = source.balance - data["amount"]
    db.session.commit()
    target.balance = target.balance + data["amount"]
    db.session.commit()
    return jsonify(ok=True)


@bp.post("/transfers/safe")
def transfer_safely():
    data = request.json
    with db.session.begin():
        db.session.execute(
            db.update(Account).where(Account.id == data["from"]).values(balance=Account.balance - data["amount"])
        )
        db.session.execute(
            db.update(Account).where(Account.id == data["to"]).values(balance=Account.balance + data["amount"])
        )
    return jsonify(ok=True)


@bp.post("/orders/<int:order_id>/pay")
def pay_order(order_id):
    order = Order.query.get_or_404(order_id)
    charge_id = gateway.charge_card(request.json["card"], int(order.total * 100), "EUR")
    _recent_charges[order_id] = charge_id
    order.status = "paid"
    db.session.commit()
    publish("order.paid", {"order": order.id, "charge": charge_id})
    return jsonify(status=order.status)


@bp.post("/orders/<int:order_id>/ship")
def ship_order(order_id):
    order = Order.query.get_or_404(order_id)
    order.status = "shipping"
    db.session.add(OutboxMessage(topic="order.shipping", payload={"order": order.id}))
    db.session.commit()
    return jsonify(status=order.status)


@bp.post("/orders/<int:order_id>/cancel")
def cancel_order(order_id):
    order = Order.query.get_or_404(order_id)
    order.status = "cancelled"
    try:
        gateway.notify_provider({"order": order.id, "status": "cancelled"})
    except Exception:
        log.exception("could not notify provider about order %s", order.id)
        raise
    db.session.commit()
    return jsonify(status=order.status)


@bp.post("/coupons")
def create_coupon():
    code = request.json["code"]
    if Coupon.query.filter_by(code=code).count() == 0:
        db.session.add(Coupon(code=code, remaining_uses=request.json.get("uses", 1)))
        db.session.commit()
    return jsonify(code=code), 201


@bp.post("/signup")
def signup():
    email = request.json["email"].lower()
    if User.query.filter_by(email=email).first():
        abort(409)
    try:
        db.session.add(User(email=email, name=request.json.get("name")))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409)
    return jsonify(email=email), 201


@bp.post("/cards/<token>/verify")
def verify_card(token):
    try:
        card = gateway.lookup_card(token)
    except Exception:
        log.info("card lookup failed")
        return None
    if not card.get("valid"):
        _failed_cards.append(token)
    return jsonify(card)


@bp.get("/profile")
def profile():
    try:
        rate = gateway.fetch_exchange_rate(request.args.get("currency", "EUR"))
    except Exception:
        log.exception("rate lookup failed")
        raise
    return jsonify(rate=rate)
