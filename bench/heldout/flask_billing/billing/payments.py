"""Thin wrapper over the card processor's REST API."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.05, 20)


class PaymentError(RuntimeError):
    pass


@dataclass(frozen=True)
class Charge:
    id: str
    amount_cents: int
    status: str


class CardGateway:
    def __init__(self, api_key: str, base_url: str, timeout=DEFAULT_TIMEOUT):
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._auth = (api_key, "")
        self._http = requests.Session()
        self._http.auth = self._auth
        retries = Retry(total=3, backoff_factor=0.4, status_forcelist=(502, 503, 504), allowed_methods=frozenset({"GET"}))
        self._http.mount("https://", HTTPAdapter(max_retries=retries))

    def get_charge(self, charge_id: str) -> Charge:
        resp = self._http.get(f"{self._base}/charges/{charge_id}", timeout=self._timeout)
        resp.raise_for_status()
        return self._to_charge(resp.json())

    def create_charge(self, customer_ref: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
        payload = {"customer": customer_ref, "amount": amount_cents, "currency": currency.lower()}
        last_error: Exception | None = None
        for attempt in range(3):
            try:
                resp = self._http.post(
                    f"{self._base}/charges",
                    data=payload,
                    headers={"Idempotency-Key": idempotency_key},
                    timeout=self._timeout,
                )
            except requests.ConnectionError as exc:
                last_error = exc
                time.sleep(0.5 * 2**attempt)
                continue
            if resp.status_code == 402:
                raise PaymentError(resp.json().get("error", {}).get("message", "card declined"))
            resp.raise_for_status()
            return self._to_charge(resp.json())
        raise PaymentError(f"processor unreachable after 3 attempts: {last_error}")

    def refund(self, charge_id: str, amount_cents: int | None = None) -> dict:
        body = {"charge": charge_id}
        if amount_cents is not None:
            body["amount"] = amount_cents
        for attempt in range(1, 4):
            try:
                resp = requests.post(f"{self._base}/refunds", data=body, auth=self._auth)
                resp.raise_for_status()
                return resp.json()
            except requests.RequestException as exc:
                log.warning("refund %s attempt %d failed: %s", charge_id, attempt, exc)
                time.sleep(attempt)
        raise PaymentError(f"refund of {charge_id} failed")

    @staticmethod
    def _to_charge(data: dict) -> Charge:
        return Charge(id=data["id"], amount_cents=int(data["amount"]), status=data["status"])


def gateway() -> CardGateway:
    cfg = current_app.config
    return CardGateway(cfg["STRIPE_API_KEY"], cfg["STRIPE_BASE_URL"])


def notify_accounting(webhook_url: str, event: dict) -> None:
    try:
        requests.post(webhook_url, json=event, timeout=5)
    except requests.RequestException:
        log.exception("accounting webhook failed for %s", event.get("type"))
        raise
