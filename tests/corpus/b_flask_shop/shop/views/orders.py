import logging

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from shop import db
from shop.models import Customer, Invoice, Order, OrderLine

bp = Blueprint("orders", __name__, url_prefix="/orders")
log = logging.getLogger(__name__)


@bp.route("/")
@login_required
def list_orders():
    orders = Order.query.filter_by(customer_id=current_user.id).all()
    return jsonify([{"id": o.id, "status": o.status} for o in orders])


@bp.route("/recent")
@login_required
def recent_orders():
    page = request.args.get("page", 1, type=int)
    orders = Order.query.filter_by(customer_id=current_user.id).order_by(Order.created_at.desc()).paginate(page=page, per_page=20)
    return jsonify([{"id": o.id} for o in orders.items])


@bp.route("/admin/report")
@login_required
def admin_report():
    rows = []
    for order in Order.query.filter(Order.status == "paid").limit(500):
        rows.append({"id": order.id, "customer": order.customer.email})
    return jsonify(rows)


@bp.route("/admin/report-fast")
@login_required
def admin_report_fast():
    orders = Order.query.options(selectinload(Order.customer)).filter(Order.status == "paid").limit(500).all()
    return jsonify([{"id": o.id, "customer": o.customer.email} for o in orders])


@bp.route("/admin/skus")
@login_required
def skus_per_order():
    result = {}
    for order in Order.query.filter_by(status="paid").limit(200).all():
        lines = OrderLine.query.filter_by(order_id=order.id).all()
        result[order.id] = [l.sku for l in lines]
    return jsonify(result)


@bp.route("/admin/skus-fast")
@login_required
def skus_bulk():
    orders = Order.query.filter_by(status="paid").limit(200).all()
    ids = [o.id for o in orders]
    lines = OrderLine.query.filter(OrderLine.order_id.in_(ids)).all()
    result = {}
    for line in lines:
        result.setdefault(line.order_id, []).append(line.sku)
    return jsonify(result)


@bp.route("/invoices/<int:invoice_id>")
@login_required
def get_invoice(invoice_id):
    invoice = Invoice.query.get_or_404(invoice_id)
    return jsonify({"id": invoice.id, "pdf": invoice.pdf_path})


@bp.route("/invoices/<int:invoice_id>/download")
@login_required
def download_invoice(invoice_id):
    invoice = Invoice.query.get_or_404(invoice_id)
    if invoice.owner_id != current_user.id:
        abort(404)
    return jsonify({"id": invoice.id, "pdf": invoice.pdf_path})


@bp.route("/<int:order_id>")
@login_required
def get_order(order_id):
    order = Order.query.filter_by(id=order_id, customer_id=current_user.id).first_or_404()
    return jsonify({"id": order.id, "status": order.status})


@bp.route("/<int:order_id>/checkout", methods=["POST"])
@login_required
def checkout(order_id):
    order = Order.query.filter_by(id=order_id, customer_id=current_user.id).first_or_404()
    print(f"checkout started for order {order.id}")
    order.status = "pending_payment"
    db.session.commit()
    return jsonify({"id": order.id, "status": order.status})


@bp.route("/<int:order_id>/refund", methods=["POST"])
@login_required
def refund(order_id):
    order = Order.query.filter_by(id=order_id, customer_id=current_user.id).first_or_404()
    log.info("refund requested order=%s", order.id)
    print("refund", order.id)
    order.status = "refund_requested"
    db.session.commit()
    return jsonify({"id": order.id})
