"""Load raw partner files into the reporting SQLite database."""
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (id TEXT PRIMARY KEY, name TEXT, region TEXT, address TEXT, lat REAL, lng REAL);
CREATE TABLE IF NOT EXISTS sales (id TEXT PRIMARY KEY, store_id TEXT, day TEXT, sku TEXT, qty INTEGER, amount TEXT);
CREATE TABLE IF NOT EXISTS products (sku TEXT, title TEXT, category TEXT);
CREATE TABLE IF NOT EXISTS load_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, file TEXT, rows INTEGER, status TEXT);
"""


class Loader:
    def __init__(self, db_path: str, row_filter: str | None = None):
        self.conn = sqlite3.connect(db_path)
        self.conn.executescript(SCHEMA)
        self.row_filter = row_filter

    def _keep(self, row: dict) -> bool:
        if not self.row_filter:
            return True
        return bool(eval(self.row_filter, {}, dict(row)))

    def ensure_product(self, sku: str, title: str, category: str) -> None:
        cur = self.conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,))
        if cur.fetchone() is None:
            self.conn.execute("INSERT INTO products (sku, title, category) VALUES (?, ?, ?)", (sku, title, category))

    def load_file(self, path: Path) -> int:
        payload = json.loads(path.read_text())
        store_id = path.stem
        run = self.conn.execute("INSERT INTO load_runs (file, rows, status) VALUES (?, 0, 'started')", (path.name,))
        self.conn.commit()
        count = 0
        for sale in payload.get("sales", []):
            if not self._keep(sale):
                continue
            self.conn.execute(
                "INSERT OR REPLACE INTO sales VALUES (?, ?, ?, ?, ?, ?)",
                (sale["id"], store_id, sale["day"], sale["sku"], sale["qty"], str(Decimal(str(sale["amount"])))),
            )
            count += 1
        self.conn.commit()
        self.conn.execute("UPDATE load_runs SET rows = ?, status = 'done' WHERE id = ?", (count, run.lastrowid))
        self.conn.commit()
        return count

    def replace_region(self, stores: list[dict]) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM stores WHERE region = ?", (stores[0]["region"],))
            self.conn.executemany(
                "INSERT INTO stores (id, name, region, address) VALUES (:id, :name, :region, :address)", stores
            )

    def sales_for_region(self, region: str, since: str):
        query = "SELECT s.* FROM sales s JOIN stores st ON st.id = s.store_id WHERE st.region = '%s' AND s.day >= '%s'" % (region, since)
        return self.conn.execute(query).fetchall()

    def store_totals(self) -> dict[str, Decimal]:
        totals = {}
        stores = self.conn.execute("SELECT id, name FROM stores").fetchall()
        for store_id, name in stores:
            rows = self.conn.execute("SELECT amount FROM sales WHERE store_id = ?", (store_id,)).fetchall()
            totals[name] = sum((Decimal(a) for (a,) in rows), Decimal("0"))
        return totals

    def titles_for(self, skus: list[str]) -> dict[str, str]:
        marks = ",".join("?" * len(skus))
        rows = self.conn.execute(f"SELECT sku, title FROM products WHERE sku IN ({marks})", skus).fetchall()
        return dict(rows)


def load_all(db_path: str, files: list[Path], row_filter: str | None = None) -> int:
    loader = Loader(db_path, row_filter)
    total = 0
    for path in files:
        try:
            total += loader.load_file(path)
        except (json.JSONDecodeError, sqlite3.DatabaseError) as exc:
            print(f"skipping {path.name}: {exc}")
    return total
