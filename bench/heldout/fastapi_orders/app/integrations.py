"""Clients for the shipping carrier, the fraud scorer and the LLM used for product copy."""
from __future__ import annotations

import asyncio
import logging
import os
import smtplib
import time
from email.message import EmailMessage

import httpx
import requests
from openai import AsyncOpenAI

log = logging.getLogger(__name__)

CARRIER_URL = os.getenv("CARRIER_URL", "https://api.carrier.example/v1")
FRAUD_URL = os.getenv("FRAUD_URL", "https://risk.example.net/score")
CARRIER_TOKEN = os.getenv("CARRIER_TOKEN", "")

carrier = httpx.AsyncClient(base_url=CARRIER_URL, timeout=None, headers={"Authorization": f"Bearer {CARRIER_TOKEN}"})
webhooks = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
llm = AsyncOpenAI(api_key=os.environ.get("OPENAI_API_KEY"), timeout=30, max_retries=2)


async def shutdown_clients() -> None:
    await carrier.aclose()
    await webhooks.aclose()


async def create_shipping_label(order_id: int, address: dict) -> str:
    resp = await carrier.post("/labels", json={"reference": f"order-{order_id}", "to": address})
    resp.raise_for_status()
    return resp.json()["label_url"]


async def fraud_score(email: str, amount: str) -> float:
    resp = requests.post(FRAUD_URL, json={"email": email, "amount": amount}, timeout=4)
    resp.raise_for_status()
    return float(resp.json()["score"])


async def fraud_score_threaded(email: str, amount: str) -> float:
    def call() -> float:
        r = requests.post(FRAUD_URL, json={"email": email, "amount": amount}, timeout=4)
        r.raise_for_status()
        return float(r.json()["score"])

    return await asyncio.to_thread(call)


async def wait_for_label(order_id: int, attempts: int = 5) -> str | None:
    for attempt in range(attempts):
        resp = await carrier.get(f"/labels/order-{order_id}")
        if resp.status_code == 200:
            return resp.json()["label_url"]
        time.sleep(1.5 * (attempt + 1))
    return None


async def wait_for_carrier_ready() -> None:
    for _ in range(10):
        resp = await carrier.get("/health")
        if resp.status_code == 200:
            return
        await asyncio.sleep(1)


async def deliver_webhook(url: str, event: dict) -> bool:
    try:
        resp = await webhooks.post(url, json=event)
        resp.raise_for_status()
        return True
    except httpx.HTTPError as exc:
        log.warning("webhook to %s failed: %s", url, exc)
        return False


async def send_receipt(to: str, order_id: int, total: str) -> None:
    msg = EmailMessage()
    msg["From"] = "receipts@orders.example"
    msg["To"] = to
    msg["Subject"] = f"Receipt for order {order_id}"
    msg.set_content(f"Thanks! Order {order_id} total {total}.")
    with smtplib.SMTP(os.getenv("SMTP_HOST", "localhost"), 587) as smtp:
        smtp.starttls()
        smtp.send_message(msg)


async def summarise(text: str) -> str:
    completion = await llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Write a one-sentence product summary."}, {"role": "user", "content": text}],
        max_tokens=60,
    )
    return completion.choices[0].message.content.strip()
