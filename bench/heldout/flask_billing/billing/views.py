"""Customer-facing billing API."""
from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from .extensions import db, events
from .models import Coupon, CouponRedemption, Customer, Invoice, Payment
from .payments import PaymentError, gateway

bp = Blueprint("billing", __name__)
log = logging.getLogger(__name__)


def _owned_customer(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.owner_id != current_user.id:
        abort(404)
    return customer


def _page_args() -> tuple[int, int]:
    cfg = current_app.config
    page = max(request.args.get("page", 1, type=int), 1)
    size = min(request.args.get("per_page", cfg["DEFAULT_PAGE_SIZE"], type=int), cfg["MAX_PAGE_SIZE"])
    return page, size


@bp.post("/customers")
@login_required
def create_customer():
    data = request.get_json(force=True)
    email = data["email"].strip().lower()
    if Customer.query.filter_by(email=email).first() is not None:
        return jsonify(error="a customer with this e-mail already exists"), 409
    customer = Customer(email=email, name=data.get("name", ""), owner_id=current_user.id)
    db.session.add(customer)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return jsonify(error="a customer with this e-mail already exists"), 409
    return jsonify(customer.to_dict()), 201


@bp.get("/customers/<int:customer_id>/invoices")
@login_required
def list_invoices(customer_id: int):
    customer = _owned_customer(customer_id)
    invoices = Invoice.query.filter_by(customer_id=customer.id).order_by(Invoice.created_at.desc()).all()
    return jsonify([inv.to_dict() for inv in invoices])


@bp.get("/invoices")
@login_required
def search_invoices():
    page, size = _page_args()
    query = Invoice.query.join(Customer).filter(Customer.owner_id == current_user.id)
    if status := request.args.get("status"):
        query = query.filter(Invoice.status == status)
    result = query.order_by(Invoice.id.desc()).paginate(page=page, per_page=size, error_out=False)
    return jsonify(items=[inv.to_dict() for inv in result.items], total=result.total)


@bp.get("/invoices/<int:invoice_id>")
@login_required
def get_invoice(invoice_id: int):
    invoice = Invoice.query.get_or_404(invoice_id)
    return jsonify(invoice.to_dict())


def _owned_invoice(invoice_id: int) -> Invoice:
    return (
        Invoice.query.join(Customer)
        .filter(Invoice.id == invoice_id, Customer.owner_id == current_user.id)
        .first_or_404()
    )


@bp.post("/invoices/<int:invoice_id>/pay")
@login_required
def pay_invoice(invoice_id: int):
    invoice = _owned_invoice(invoice_id)
    if invoice.status == "paid":
        return jsonify(invoice.to_dict())
    try:
        charge = gateway().create_charge(
            invoice.customer.provider_ref,
            int(invoice.amount * 100),
            invoice.currency,
            idempotency_key=invoice.payment_key,
        )
    except PaymentError as exc:
        log.warning("charge for invoice %s declined: %s", invoice.number, exc)
        return jsonify(error=str(exc)), 402
    invoice.status = "paid"
    invoice.paid_at = datetime.now(timezone.utc)
    db.session.add(Payment(invoice_id=invoice.id, amount=invoice.amount, provider_charge_id=charge.id))
    db.session.commit()
    events.publish("billing.invoice_paid", json.dumps({"invoice": invoice.number, "charge": charge.id}))
    return jsonify(invoice.to_dict())


@bp.post("/customers/<int:customer_id>/credit")
@login_required
def add_credit(customer_id: int):
    customer = _owned_customer(customer_id)
    try:
        amount = Decimal(str(request.json["amount"]))
    except (KeyError, InvalidOperation):
        abort(400)
    customer.balance = customer.balance + amount
    db.session.commit()
    return jsonify(customer.to_dict())


@bp.post("/customers/<int:customer_id>/debit")
@login_required
def use_credit(customer_id: int):
    customer = _owned_customer(customer_id)
    amount = Decimal(str(request.json["amount"]))
    result = db.session.execute(
        update(Customer)
        .where(Customer.id == customer.id, Customer.balance >= amount)
        .values(balance=Customer.balance - amount)
    )
    if result.rowcount == 0:
        db.session.rollback()
        return jsonify(error="insufficient credit"), 409
    db.session.commit()
    return jsonify(ok=True)


@bp.post("/customers/<int:customer_id>/coupons")
@login_required
def redeem_coupon(customer_id: int):
    customer = _owned_customer(customer_id)
    code = request.json["code"].strip().upper()
    coupon = Coupon.query.filter_by(code=code, active=True).first_or_404()
    if coupon.redeemed_count >= coupon.max_redemptions:
        return jsonify(error="coupon exhausted"), 409
    existing = CouponRedemption.query.filter_by(coupon_id=coupon.id, customer_id=customer.id).first()
    if existing is None:
        db.session.add(CouponRedemption(coupon_id=coupon.id, customer_id=customer.id))
        coupon.redeemed_count += 1
        db.session.commit()
    return jsonify(code=coupon.code, percent_off=coupon.percent_off)


@bp.get("/dashboard")
@login_required
def dashboard():
    customers = (
        Customer.query.options(selectinload(Customer.invoices))
        .filter_by(owner_id=current_user.id)
        .order_by(Customer.name)
        .limit(50)
        .all()
    )
    rows = []
    for c in customers:
        open_total = sum(i.amount for i in c.invoices if i.status == "open")
        rows.append({"customer": c.name, "open": str(open_total)})
    return jsonify(rows)


@bp.get("/overdue")
@login_required
def overdue_summary():
    customers = Customer.query.filter_by(owner_id=current_user.id).limit(200).all()
    summary = []
    for c in customers:
        count = Invoice.query.filter(
            Invoice.customer_id == c.id, Invoice.status == "open", Invoice.due_date < date.today()
        ).count()
        if count:
            summary.append({"customer_id": c.id, "overdue": count})
    return jsonify(summary)


@bp.post("/invoices/<int:invoice_id>/attachments")
@login_required
def upload_attachment(invoice_id: int):
    invoice = _owned_invoice(invoice_id)
    upload = request.files["file"]
    folder = os.path.join(current_app.config["UPLOAD_FOLDER"], str(invoice.id))
    os.makedirs(folder, exist_ok=True)
    name = f"{uuid.uuid4().hex}-{secure_filename(upload.filename)}"
    upload.save(os.path.join(folder, name))
    log.info("attachment %s stored for invoice %s", name, invoice.number)
    return jsonify(name=name), 201
