"""Add coordinates to store addresses (Google Geocoding API)."""
import logging
import os
import sqlite3
import time

import requests

log = logging.getLogger(__name__)

GEOCODE_URL = "https://maps.googleapis.com/maps/api/geocode/json"
GOOGLE_KEY = "AIzaSyB3x9Qe7LkPz2VhR8mN4cTf1WdJ6uYs0Ao"
BATCH_LIMIT = 250


def geocode(address: str) -> tuple[float, float] | None:
    resp = requests.get(GEOCODE_URL, params={"address": address, "key": GOOGLE_KEY})
    data = resp.json()
    if data.get("status") != "OK":
        return None
    loc = data["results"][0]["geometry"]["location"]
    return loc["lat"], loc["lng"]


def geocode_missing(db_path: str) -> int:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT id, address FROM stores WHERE lat IS NULL").fetchall()
    done = 0
    for store_id, address in rows:
        try:
            coords = geocode(address)
        except Exception:
            continue
        if coords:
            conn.execute("UPDATE stores SET lat = ?, lng = ? WHERE id = ?", (*coords, store_id))
            done += 1
    conn.commit()
    conn.close()
    return done


def geocode_new_batch(db_path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, address FROM stores WHERE lat IS NULL LIMIT ?", (BATCH_LIMIT,)).fetchall()
    done = 0
    for store_id, address in rows:
        coords = geocode(address)
        time.sleep(0.1)
        if coords is None:
            log.warning("no coordinates for store %s", store_id)
            continue
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE stores SET lat = ?, lng = ? WHERE id = ?", (*coords, store_id))
        done += 1
    return done
