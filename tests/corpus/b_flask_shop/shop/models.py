from datetime import datetime

from shop import db


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)
    name = db.Column(db.String(120))
    stripe_id = db.Column(db.String(64))
    orders = db.relationship("Order", back_populates="customer")


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.ForeignKey("customer.id"), nullable=False)
    status = db.Column(db.String(20), default="new", index=True)
    total_cents = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    customer = db.relationship("Customer", back_populates="orders")
    lines = db.relationship("OrderLine", back_populates="order")


class OrderLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.ForeignKey("order.id"), nullable=False)
    sku = db.Column(db.String(40))
    quantity = db.Column(db.Integer)
    order = db.relationship("Order", back_populates="lines")


class Invoice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    owner_id = db.Column(db.ForeignKey("customer.id"), nullable=False)
    order_id = db.Column(db.ForeignKey("order.id"))
    pdf_path = db.Column(db.String(255))


class Cart(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    expired = db.Column(db.Boolean, default=False)
