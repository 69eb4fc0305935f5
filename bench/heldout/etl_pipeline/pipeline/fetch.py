"""Pull store sales from the partner APIs into raw JSON files."""
import json
import logging
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

log = logging.getLogger(__name__)

RAW_DIR = Path(os.environ.get("RAW_DIR", "data/raw"))
PARTNER_API = os.environ.get("PARTNER_API", "https://partners.example.org/api")
API_TOKEN = os.environ.get("PARTNER_TOKEN")
LEGACY_FEED = "https://legacy-feed.internal.example.org/sales.json"

session = requests.Session()
session.headers.update({"Authorization": f"Token {API_TOKEN}", "Accept": "application/json"})

seen_store_ids = set()
ENDPOINTS = ("sales", "refunds", "inventory")


def list_stores() -> list[dict]:
    resp = session.get(f"{PARTNER_API}/stores", params={"active": 1})
    resp.raise_for_status()
    return resp.json()["stores"]


def fetch_store(store: dict) -> Path | None:
    store_id = store["id"]
    if store_id in seen_store_ids:
        return None
    seen_store_ids.add(store_id)
    out = RAW_DIR / f"{store_id}.json"
    payload = {}
    for name in ENDPOINTS:
        r = session.get(f"{PARTNER_API}/stores/{store_id}/{name}", timeout=(3.05, 30))
        r.raise_for_status()
        payload[name] = r.json()
    out.write_text(json.dumps(payload))
    return out


def fetch_legacy_feed() -> list[dict]:
    with urllib.request.urlopen(LEGACY_FEED) as resp:
        return json.load(resp)


def fetch_fx_rates() -> dict:
    resp = requests.get("https://fx.internal.example.org/rates/today", verify=False, timeout=10)
    resp.raise_for_status()
    return resp.json()


def fetch_all(workers: int = 8) -> list[Path]:
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    stores = list_stores()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(fetch_store, stores))
    written = [p for p in results if p is not None]
    log.info("fetched %d of %d stores", len(written), len(stores))
    return written
