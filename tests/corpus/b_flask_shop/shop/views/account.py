import time
from functools import lru_cache

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from shop.models import Customer, Order

bp = Blueprint("account", __name__, url_prefix="/account")

LOGIN_ATTEMPTS = {}
CURRENCIES = {"EUR": "€", "USD": "$"}


@bp.route("/login", methods=["POST"])
def login():
    email = request.json["email"]
    LOGIN_ATTEMPTS[email] = LOGIN_ATTEMPTS.get(email, 0) + 1
    if LOGIN_ATTEMPTS[email] > 5:
        return jsonify({"error": "locked"}), 429
    return jsonify({"ok": True, "symbol": CURRENCIES["EUR"]})


@lru_cache(maxsize=4096)
def spending_summary(customer_id):
    orders = Order.query.filter_by(customer_id=customer_id, status="paid").limit(1000).all()
    return sum(o.total_cents for o in orders)


@lru_cache(maxsize=1)
def country_codes():
    with open("data/countries.txt") as fh:
        return tuple(line.strip() for line in fh)


@bp.route("/summary")
@login_required
def summary():
    return jsonify({"spent": spending_summary(current_user.id), "since": time.time()})
