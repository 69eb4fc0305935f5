from datetime import datetime

from payments.extensions import db


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)
    name = db.Column(db.String(120))
    accounts = db.relationship("Account", back_populates="owner")


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    balance = db.Column(db.Numeric(12, 2), default=0)
    currency = db.Column(db.String(3), default="EUR")
    owner = db.relationship("User", back_populates="accounts")


class Coupon(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False)
    remaining_uses = db.Column(db.Integer, default=1)


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    total = db.Column(db.Numeric(12, 2))
    status = db.Column(db.String(20), default="new")
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    payments = db.relationship("Payment", backref="order", cascade="all, delete-orphan")
    notes = db.relationship("OrderNote", backref="order", lazy="dynamic")


class Payment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("order.id", ondelete="CASCADE"))
    provider_ref = db.Column(db.String(64), unique=True)
    amount = db.Column(db.Numeric(12, 2))


class OrderNote(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("order.id", ondelete="RESTRICT"))
    body = db.Column(db.Text)


class OutboxMessage(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    topic = db.Column(db.String(64))
    payload = db.Column(db.JSON)
    sent_at = db.Column(db.DateTime, nullable=True)


class Referral(db.Model):
    __table_args__ = (db.UniqueConstraint("code", name="uq_referral_code"),)
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False)
    referrer_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    invitee_email = db.Column(db.String(255))


def create_referral(code, referrer_id):
    if not Referral.query.filter_by(code=code).first():
        db.session.add(Referral(code=code, referrer_id=referrer_id))
        db.session.commit()


def invite(email, referrer_id):
    existing = Referral.query.filter_by(invitee_email=email).first()
    if existing is not None:
        return existing
    db.session.add(Referral(code=email[:8], invitee_email=email, referrer_id=referrer_id))
    db.session.commit()
