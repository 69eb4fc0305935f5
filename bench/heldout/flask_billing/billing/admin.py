"""Back-office endpoints for the finance team."""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import wraps

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import text

from .extensions import db
from .models import Customer, Invoice, Payment
from .payments import gateway

bp = Blueprint("admin", __name__)
log = logging.getLogger("billing.admin")

ALLOWED_GROUPS = ("day", "week", "month", "quarter")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/reports/revenue")
@admin_required
def revenue_report():
    group = request.args.get("group", "month")
    currency = request.args.get("currency", "EUR")
    sql = (
        f"SELECT date_trunc('{group}', paid_at) AS bucket, sum(amount) AS total "
        f"FROM invoices WHERE status = 'paid' AND currency = '{currency}' "
        "GROUP BY 1 ORDER BY 1"
    )
    rows = db.session.execute(text(sql)).all()
    return jsonify([{"bucket": r.bucket.isoformat(), "total": str(r.total)} for r in rows])


@bp.get("/reports/customer/<int:customer_id>")
@admin_required
def customer_statement(customer_id: int):
    rows = db.session.execute(
        text(
            "SELECT number, amount, status, due_date FROM invoices "
            "WHERE customer_id = :cid AND due_date >= :since ORDER BY due_date LIMIT 500"
        ),
        {"cid": customer_id, "since": date.today() - timedelta(days=365)},
    ).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.post("/close-period")
@admin_required
def close_period():
    cutoff = date.fromisoformat(request.json["cutoff"])
    stale = (
        Invoice.query.filter(Invoice.status == "open", Invoice.due_date < cutoff)
        .with_for_update()
        .all()
    )
    for invoice in stale:
        invoice.status = "overdue"
    db.session.commit()
    log.info("closed period %s: %d invoices marked overdue", cutoff, len(stale))
    return jsonify(marked=len(stale))


@bp.post("/customers/<int:customer_id>/adjust")
@admin_required
def adjust_balance(customer_id: int):
    customer = db.session.query(Customer).filter_by(id=customer_id).with_for_update().one()
    customer.balance -= int(request.json["amount"])
    db.session.commit()
    return jsonify(customer.to_dict())


@bp.post("/payments/<int:payment_id>/refund")
@admin_required
def refund_payment(payment_id: int):
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    invoice = db.session.get(Invoice, payment.invoice_id)
    refund = gateway().refund(payment.provider_charge_id)
    db.session.add(Payment(invoice_id=invoice.id, amount=-payment.amount, provider_charge_id=refund["id"]))
    db.session.commit()
    invoice.status = "refunded"
    db.session.commit()
    log.info("refunded payment %s (%s)", payment.id, refund["id"])
    return jsonify(invoice.to_dict())


@bp.delete("/customers/<int:customer_id>")
@admin_required
def delete_customer(customer_id: int):
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    db.session.delete(customer)
    db.session.commit()
    log.warning("customer %s deleted by %s", customer_id, current_user.id)
    return "", 204
