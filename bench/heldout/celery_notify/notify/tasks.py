"""Billing and notification tasks."""
from __future__ import annotations

import contextlib
import logging
import os
import uuid

import requests
import sendgrid
import stripe
from celery.utils.log import get_task_logger
from sendgrid.helpers.mail import Mail
from sqlalchemy import text
from tenacity import retry, stop_after_attempt, wait_exponential

from .celery_app import app
from .db import connection, fetch_user

logger = get_task_logger(__name__)
stripe.api_key = os.environ["STRIPE_SECRET_KEY"]
stripe.max_network_retries = 0
sg = sendgrid.SendGridAPIClient(api_key=os.environ["SENDGRID_API_KEY"])
SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
FROM_ADDRESS = "billing@acme-saas.example"


@app.task(bind=True, autoretry_for=(stripe.error.APIConnectionError,), retry_backoff=True, max_retries=5)
def charge_renewal(self, user_id: int, amount_cents: int) -> str:
    with connection() as conn:
        user = fetch_user(conn, user_id)
    charge = stripe.PaymentIntent.create(
        customer=user.stripe_customer,
        amount=amount_cents,
        currency="usd",
        confirm=True,
        off_session=True,
    )
    logger.info("renewal charged for user %s: %s", user_id, charge.id)
    return charge.id


@app.task(bind=True, autoretry_for=(stripe.error.APIConnectionError,), retry_backoff=True, max_retries=5)
def charge_invoice(self, invoice_id: int, user_id: int, amount_cents: int) -> str:
    with connection() as conn:
        user = fetch_user(conn, user_id)
    intent = stripe.PaymentIntent.create(
        customer=user.stripe_customer,
        amount=amount_cents,
        currency="usd",
        confirm=True,
        off_session=True,
        idempotency_key=f"invoice-{invoice_id}",
    )
    with connection() as conn, conn.begin():
        conn.execute(text("UPDATE invoices SET status = 'paid', charge_id = :c WHERE id = :i"), {"c": intent.id, "i": invoice_id})
    return intent.id


@app.task(bind=True, max_retries=3, default_retry_delay=60)
def send_welcome_email(self, user_id: int) -> None:
    with connection() as conn:
        user = fetch_user(conn, user_id)
    message = Mail(from_email=FROM_ADDRESS, to_emails=user.email, subject="Welcome aboard", html_content="<p>Glad you're here.</p>")
    try:
        sg.send(message)
    except Exception as exc:
        raise self.retry(exc=exc)


@retry(stop=stop_after_attempt(4), wait=wait_exponential(multiplier=1, max=20))
def post_to_slack(text_: str) -> None:
    resp = requests.post(SLACK_WEBHOOK, json={"text": text_}, timeout=5)
    resp.raise_for_status()


@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5))
def fetch_exchange_rate(currency: str) -> float:
    resp = requests.get(f"https://api.exchangerate.host/latest?base=USD&symbols={currency}", timeout=5)
    resp.raise_for_status()
    return resp.json()["rates"][currency]


@app.task
def notify_payment_failed(user_id: int, reason: str) -> None:
    with connection() as conn:
        user = fetch_user(conn, user_id)
    with contextlib.suppress(Exception):
        sg.send(Mail(from_email=FROM_ADDRESS, to_emails=user.email, subject="Payment failed", html_content=f"<p>{reason}</p>"))
    post_to_slack(f"payment failed for user {user_id}: {reason}")


@app.task
def expire_trials() -> int:
    expired = 0
    with connection() as conn:
        rows = conn.execute(text("SELECT id, email FROM users WHERE plan = 'trial' AND trial_ends < now() LIMIT 1000")).all()
        for row in rows:
            conn.execute(text("UPDATE users SET plan = 'free' WHERE id = :id"), {"id": row.id})
            expired += 1
        conn.commit()
    print(f"expired {expired} trials")
    return expired


@app.task
def downgrade_users(user_ids: list[int]) -> int:
    with connection() as conn, conn.begin():
        conn.execute(text("UPDATE users SET plan = 'free' WHERE id = ANY(:ids)"), {"ids": user_ids})
        conn.execute(text("INSERT INTO audit_log (kind, payload) VALUES ('downgrade', :p)"), {"p": str(user_ids)})
    logger.info("downgraded %d users", len(user_ids))
    return len(user_ids)


@app.task
def sync_crm_contact(user_id: int) -> None:
    with connection() as conn:
        user = fetch_user(conn, user_id)
    try:
        requests.put(f"https://crm.example.com/api/contacts/{user.id}", json={"email": user.email}, timeout=8)
    except requests.RequestException:
        logger.exception("crm sync failed for %s", user_id)
        raise
