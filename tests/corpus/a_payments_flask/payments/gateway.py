import logging
import time
import uuid

import requests
from tenacity import retry, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

PROVIDER_URL = "https://api.payprovider.example/v1"
SUPPORTED_CURRENCIES = ("EUR", "USD", "GBP")

_http = requests.Session()
_http.headers.update({"User-Agent": "payments/1.4"})


def fetch_exchange_rate(currency):
    response = requests.get(f"{PROVIDER_URL}/rates/{currency}")
    response.raise_for_status()
    return response.json()["rate"]


def fetch_customer(customer_ref):
    response = requests.get(f"{PROVIDER_URL}/customers/{customer_ref}", timeout=(3.05, 10))
    response.raise_for_status()
    return response.json()


def lookup_card(card_token):
    response = _http.get(f"{PROVIDER_URL}/cards/{card_token}")
    return response.json()


def lookup_card_fast(card_token):
    response = _http.get(f"{PROVIDER_URL}/cards/{card_token}", timeout=5)
    return response.json()


@retry(stop=stop_after_attempt(4), wait=wait_exponential(multiplier=0.5))
def charge_card(card_token, amount_cents, currency):
    response = requests.post(
        f"{PROVIDER_URL}/charges",
        json={"source": card_token, "amount": amount_cents, "currency": currency},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id"]


@retry(stop=stop_after_attempt(4), wait=wait_exponential(multiplier=0.5))
def charge_card_safely(card_token, amount_cents, currency, idempotency_key):
    response = requests.post(
        f"{PROVIDER_URL}/charges",
        json={"source": card_token, "amount": amount_cents, "currency": currency},
        headers={"Idempotency-Key": idempotency_key},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id"]


def refund(payment_ref, amount_cents):
    for attempt in range(3):
        try:
            response = requests.post(
                f"{PROVIDER_URL}/refunds", json={"payment": payment_ref, "amount": amount_cents}, timeout=10
            )
            response.raise_for_status()
            return response.json()
        except requests.RequestException:
            log.warning("refund attempt %s failed", attempt)
            time.sleep(2**attempt)
    raise RuntimeError("refund failed after 3 attempts")


def send_receipt_email(mailer, to, body):
    tries = 0
    while tries < 3:
        try:
            mailer.send_message(to=to, subject="Your receipt", body=body)
            return True
        except ConnectionError:
            tries += 1
    return False


def poll_settlement(payment_ref):
    for attempt in range(5):
        try:
            response = requests.get(f"{PROVIDER_URL}/settlements/{payment_ref}", timeout=5)
            if response.ok:
                return response.json()
        except requests.RequestException:
            time.sleep(1)
    return None


def new_idempotency_key():
    return uuid.uuid4().hex


def report_usage(metrics_url, payload):
    try:
        requests.post(metrics_url, json=payload, timeout=2)
    except Exception:
        pass


def current_rate_or_default(rates, currency):
    try:
        return rates[currency]
    except KeyError:
        return 1.0


def notify_provider(event):
    try:
        _http.post(f"{PROVIDER_URL}/events", json=event, timeout=5)
    except requests.RequestException as exc:
        log.info("provider notification failed: %s", exc)
