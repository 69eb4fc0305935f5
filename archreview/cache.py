"""Per-file results cached by content, in one SQLite file in the user's cache folder.

The key is the file's path, its git blob id (free from ``ls-tree``; computed the
same way for plain folders) and a fingerprint of archreview's own code and
catalogues, so a new version never reads an old entry. Values are
JSON-shaped data decoded back into typed facts (``archreview.codec``): an entry
that is corrupt, truncated or from something else fails to decode and is
recomputed, never trusted. A cache that cannot be opened is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import platformdirs

from archreview import codec
from archreview.model import FileFacts

_SCHEMA = "CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value BLOB NOT NULL)"


def default_folder() -> Path:
    return Path(os.environ.get("ARCHREVIEW_CACHE_DIR") or platformdirs.user_cache_dir("archreview"))


@cache
def code_fingerprint() -> str:
    """A hash of archreview's Python sources and packaged data files."""
    root = Path(__file__).parent
    digest = hashlib.sha1()
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".toml", ".json", ".yaml"}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry_key(path: str, blob: str) -> str:
    return hashlib.sha1(f"{code_fingerprint()}\0{path}\0{blob}".encode("utf-8", "surrogateescape")).hexdigest()


class FactsCache:
    """Memory in front of an optional SQLite file; ``folder=None`` keeps results for this run only."""

    def __init__(self, folder: Path | None) -> None:
        self.memory: dict[str, FileFacts] = {}
        self.db: sqlite3.Connection | None = None
        self.problem: str | None = None
        if folder is not None:
            self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / "facts.sqlite3", timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            self.db = db
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"cache not used ({folder}): {exc}"

    def get_many(self, keys: Iterable[str]) -> dict[str, FileFacts]:
        keys = list(keys)
        found = {k: self.memory[k] for k in keys if k in self.memory}
        missing = [k for k in keys if k not in found]
        if self.db is None or not missing:
            return found
        try:
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                rows = self.db.execute(f"SELECT key, value FROM facts WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, value in rows:
                    facts = _decode(key, value)
                    if facts is not None:
                        found[key] = self.memory[key] = facts
        except sqlite3.Error as exc:
            self.problem = f"cache not read: {exc}"
        return found

    def put_many(self, items: dict[str, FileFacts]) -> None:
        self.memory.update(items)
        if self.db is None or not items:
            return
        rows = [(k, zlib.compress(json.dumps([k, codec.encode(v)], separators=(",", ":")).encode())) for k, v in items.items()]
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO facts (key, value) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self.problem = f"cache not written: {exc}"

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _decode(key: str, value: bytes) -> FileFacts | None:
    try:
        stored_key, data = json.loads(zlib.decompress(value))
        if stored_key != key:
            return None  # an entry copied from elsewhere: not ours
        return codec.decode(FileFacts, data)
    except (ValueError, TypeError, zlib.error):
        return None
