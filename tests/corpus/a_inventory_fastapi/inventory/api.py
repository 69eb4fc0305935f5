import asyncio
import logging
import subprocess
import time

import httpx
import requests
from fastapi import FastAPI, HTTPException
from sqlalchemy import select

from inventory.db import Item, SessionLocal, SyncSession, Warehouse

app = FastAPI()
log = logging.getLogger(__name__)

_price_cache: dict = {}
_request_log = []
ALLOWED_UNITS = frozenset({"pcs", "kg", "m"})
DEFAULT_HEADERS = {"Accept": "application/json"}
SUPPLIER_URL = "https://supplier.example.com/api"
client = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))


@app.get("/items/{item_id}/price")
async def item_price(item_id: int):
    if item_id in _price_cache:
        return _price_cache[item_id]
    response = requests.get(f"{SUPPLIER_URL}/prices/{item_id}", timeout=3)
    _price_cache[item_id] = response.json()
    return _price_cache[item_id]


@app.get("/items/{item_id}/supplier")
async def supplier_info(item_id: int):
    response = await client.get(f"{SUPPLIER_URL}/items/{item_id}")
    return response.json()


@app.post("/items/{item_id}/reserve")
async def reserve(item_id: int, quantity: int):
    async with SessionLocal() as session:
        item = await session.get(Item, item_id)
        if item.quantity - item.reserved < quantity:
            raise HTTPException(409, "not enough stock")
        item.reserved += quantity
        await session.commit()
    _request_log.append(("reserve", item_id, quantity))
    return {"reserved": item.reserved}


@app.post("/items/{item_id}/release")
async def release(item_id: int, quantity: int):
    async with SessionLocal() as session:
        stmt = select(Item).where(Item.id == item_id).with_for_update()
        item = (await session.execute(stmt)).scalar_one()
        item.reserved -= quantity
        await session.commit()
    return {"reserved": item.reserved}


@app.post("/warehouses")
async def create_warehouse(code: str):
    async with SessionLocal() as session:
        existing = (await session.execute(select(Warehouse).where(Warehouse.code == code))).scalar_one_or_none()
        if existing:
            raise HTTPException(409, "exists")
        session.add(Warehouse(code=code))
        await session.commit()
    return {"code": code}


@app.post("/items/import")
async def import_items(url: str):
    subprocess.run(["curl", "-o", "/tmp/items.csv", url], check=True)
    time.sleep(0.5)
    await asyncio.sleep(0.1)
    with open("/tmp/items.csv") as fh:
        rows = fh.read().splitlines()
    return {"rows": len(rows)}


@app.get("/report")
async def report():
    session = SyncSession()
    rows = session.query(Item).limit(100).all()
    return [{"sku": r.sku, "quantity": r.quantity} for r in rows]


@app.get("/health")
async def health():
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(None, lambda: requests.get(f"{SUPPLIER_URL}/ping", timeout=1).ok)
    await asyncio.to_thread(time.sleep, 0.01)
    return {"supplier": ok}


@app.get("/units")
async def units():
    return sorted(ALLOWED_UNITS)
