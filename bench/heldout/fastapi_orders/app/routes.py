from __future__ import annotations

import logging
import sqlite3
import time
from decimal import Decimal

import yaml
from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import current_account
from .db import get_session
from .integrations import create_shipping_label, deliver_webhook, fraud_score, send_receipt, summarise
from .models import Account, Order, OrderLine, Product, Webhook

router = APIRouter()
logger = logging.getLogger("orders.routes")

_rate_window: dict[int, list[float]] = {}
RATE_LIMIT = 30
GEO_DB = "/srv/geo/regions.sqlite3"


class LineIn(BaseModel):
    product_id: int
    quantity: int = 1


class OrderIn(BaseModel):
    lines: list[LineIn]
    address: dict


def _throttle(account_id: int) -> None:
    now = time.monotonic()
    recent = [t for t in _rate_window.get(account_id, []) if now - t < 60]
    if len(recent) >= RATE_LIMIT:
        raise HTTPException(429, "slow down")
    recent.append(now)
    _rate_window[account_id] = recent


@router.get("/products")
async def list_products(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Product).order_by(Product.name))
    return [{"id": p.id, "sku": p.sku, "name": p.name, "price": str(p.price)} for p in result.scalars().all()]


@router.get("/products/search")
async def search_products(q: str, limit: int = Query(20, le=100), session: AsyncSession = Depends(get_session)):
    stmt = select(Product).where(Product.name.ilike(f"%{q}%")).order_by(Product.name).limit(limit)
    rows = (await session.execute(stmt)).scalars().all()
    return [{"id": p.id, "name": p.name} for p in rows]


@router.get("/orders/{order_id}")
async def get_order(order_id: int, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(404)
    return {"id": order.id, "status": order.status, "total": str(order.total)}


@router.get("/me/orders/{order_id}")
async def get_my_order(order_id: int, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    stmt = select(Order).where(Order.id == order_id, Order.account_id == account.id)
    order = (await session.execute(stmt)).scalar_one_or_none()
    if order is None:
        raise HTTPException(404)
    return {"id": order.id, "status": order.status, "lines": [{"product": ln.product_id, "qty": ln.quantity} for ln in order.lines]}


@router.post("/orders", status_code=201)
async def create_order(body: OrderIn, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    _throttle(account.id)
    ids = [ln.product_id for ln in body.lines]
    products = {p.id: p for p in (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()}
    total = sum((products[ln.product_id].price * ln.quantity for ln in body.lines), Decimal("0"))
    if await fraud_score(account.email, str(total)) > 0.8:
        raise HTTPException(422, "order rejected")
    order = Order(account_id=account.id, total=total)
    session.add(order)
    await session.flush()
    session.add_all([OrderLine(order_id=order.id, product_id=ln.product_id, quantity=ln.quantity) for ln in body.lines])
    order.shipping_label_url = await create_shipping_label(order.id, body.address)
    await session.commit()
    await send_receipt(account.email, order.id, str(total))
    return {"id": order.id, "total": str(total)}


@router.post("/orders/{order_id}/use-credits")
async def pay_with_credits(order_id: int, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    order = (await session.execute(select(Order).where(Order.id == order_id, Order.account_id == account.id))).scalar_one()
    acct = await session.get(Account, account.id)
    cost = int(order.total)
    if acct.credits < cost:
        raise HTTPException(402, "not enough credits")
    acct.credits = acct.credits - cost
    order.status = "paid"
    await session.commit()
    return {"credits_left": acct.credits}


@router.post("/orders/{order_id}/refund-credits")
async def refund_credits(order_id: int, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    order = (await session.execute(select(Order).where(Order.id == order_id, Order.account_id == account.id))).scalar_one()
    await session.execute(update(Account).where(Account.id == account.id).values(credits=Account.credits + int(order.total)))
    order.status = "refunded"
    await session.commit()
    return {"ok": True}


@router.post("/products/{product_id}/summary")
async def regenerate_summary(product_id: int, session: AsyncSession = Depends(get_session)):
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(404)
    product.summary = await summarise(product.name)
    await session.commit()
    return {"summary": product.summary}


@router.post("/catalogue/summaries")
async def regenerate_all_summaries(session: AsyncSession = Depends(get_session)):
    products = (await session.execute(select(Product).where(Product.summary.is_(None)))).scalars()
    for product in products:
        product.summary = await summarise(f"{product.name} ({product.sku})")
    await session.commit()
    return {"ok": True}


@router.post("/webhooks", status_code=201)
async def register_webhook(url: str, session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    existing = await session.execute(select(Webhook).where(Webhook.account_id == account.id, Webhook.url == url))
    if existing.scalar_one_or_none() is None:
        session.add(Webhook(account_id=account.id, url=url))
        await session.commit()
    return {"url": url}


@router.post("/webhooks/test")
async def test_webhooks(session: AsyncSession = Depends(get_session), account: Account = Depends(current_account)):
    hooks = (await session.execute(select(Webhook).where(Webhook.account_id == account.id).limit(10))).scalars()
    results = [await deliver_webhook(h.url, {"type": "ping"}) for h in hooks]
    return {"delivered": sum(results)}


@router.post("/import/catalogue")
async def import_catalogue(file: UploadFile = File(...), session: AsyncSession = Depends(get_session)):
    raw = await file.read()
    spec = yaml.load(raw, Loader=yaml.Loader)
    defaults = yaml.safe_load(open("/srv/orders/catalogue-defaults.yaml"))
    for entry in spec.get("products", [])[:500]:
        session.add(Product(sku=entry["sku"], name=entry["name"], price=Decimal(str(entry.get("price", defaults["price"])))))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(409, "duplicate sku")
    return {"imported": len(spec.get("products", [])[:500])}


@router.get("/regions/{code}")
async def region(code: str):
    with sqlite3.connect(GEO_DB) as conn:
        row = conn.execute("SELECT name, vat_rate FROM regions WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise HTTPException(404)
    return {"name": row[0], "vat_rate": row[1]}


@router.get("/reports/status")
async def status_report(status: str, session: AsyncSession = Depends(get_session)):
    rows = await session.execute(text("SELECT id, total FROM orders WHERE status = '" + status + "' LIMIT 200"))
    return [{"id": r.id, "total": str(r.total)} for r in rows]
