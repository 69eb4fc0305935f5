"""Snapshot competitor prices for our catalogue, concurrently."""
import asyncio
import json
import logging
import os
import subprocess
from pathlib import Path

import aiohttp

log = logging.getLogger(__name__)

PRICE_API = os.environ.get("PRICE_API", "https://prices.example.net/v2/sku")
MAX_CONCURRENCY = 10
MAX_SKUS = 2000


async def fetch_price(session: aiohttp.ClientSession, sem: asyncio.Semaphore, sku: str) -> tuple[str, float | None]:
    async with sem:
        async with session.get(f"{PRICE_API}/{sku}") as resp:
            if resp.status == 404:
                return sku, None
            resp.raise_for_status()
            return sku, float((await resp.json())["price"])


async def fetch_prices(skus: list[str]) -> dict[str, float | None]:
    sem = asyncio.Semaphore(MAX_CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=20, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        pairs = await asyncio.gather(*(fetch_price(session, sem, s) for s in skus[:MAX_SKUS]))
    return dict(pairs)


async def snapshot(skus: list[str], out_dir: str) -> Path:
    prices = await fetch_prices(skus)
    out = Path(out_dir) / "prices.json"
    await asyncio.to_thread(out.write_text, json.dumps(prices, sort_keys=True))
    subprocess.run(["gsutil", "-q", "cp", str(out), "gs://pricing-snapshots/latest.json"], check=True)
    log.info("price snapshot of %d skus uploaded", len(prices))
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    skus = Path(os.environ.get("SKU_FILE", "data/skus.txt")).read_text().split()
    asyncio.run(snapshot(skus, os.environ.get("OUT_DIR", "data")))


if __name__ == "__main__":
    main()
