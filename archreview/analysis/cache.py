"""Results cached by content, in one SQLite file in the user's cache folder.

Per-file facts are keyed by the file's path, its git blob id (free from
``ls-tree``; computed the same way for plain folders) and a fingerprint of
archreview's own code and catalogues, so a new version never reads an old
entry. Repository-level results (churn at a commit, a whole analysis of two
commits) are keyed the same way by what they depend on.

Values are pickles, which are fast to load (a Django-sized repository's facts
in well under a second) but must never be loaded from an untrusted source: each
entry carries an HMAC-SHA256 of its key and bytes under a random secret kept in
the cache folder (mode 0600). An entry that is corrupt, truncated, copied from
another key or written by anyone without the secret fails the check and is
recomputed, never unpickled. A cache that cannot be opened is simply not used.

The file is kept under a size limit (``ARCHREVIEW_CACHE_LIMIT_MB``, default
``DEFAULT_LIMIT_MB``): when a write takes it over, the oldest entries are
evicted first until it is back under nine tenths of the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from contextlib import closing
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import platformdirs

from archreview.core.errors import ArchReviewError
from archreview.core.paths import package_path
from archreview.core.model import Analysis, FileFacts

_VERSION = 2  # PRAGMA user_version: 2 added the size and write time of each entry
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL,"
    " written REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS facts_written ON facts (written)",
)
_MAC = 32
_FILE = "facts.sqlite3"
DEFAULT_LIMIT_MB = 2048
_LIMIT_ENV = "ARCHREVIEW_CACHE_LIMIT_MB"
_KEEP_AFTER_EVICTION = 0.9


def default_folder() -> Path:
    return Path(os.environ.get("ARCHREVIEW_CACHE_DIR") or platformdirs.user_cache_dir("archreview"))


def default_limit() -> int:
    """The size limit in bytes: ``ARCHREVIEW_CACHE_LIMIT_MB`` (a whole number of MiB), else the default."""
    text = os.environ.get(_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB << 20
    if not text.isdigit() or int(text) < 1:
        raise ArchReviewError(f"{_LIMIT_ENV}={text!r}: give the cache size limit as a whole number of MiB, e.g. 500")
    return int(text) << 20


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """What ``archreview cache info`` shows (and ``clear`` removed)."""

    folder: Path
    file: Path
    entries: int
    size: int  # bytes held by the entries
    file_size: int  # bytes on disk (SQLite reuses the space evicted entries leave)
    limit: int


@cache
def code_fingerprint() -> str:
    """A hash of archreview's Python sources and packaged data files."""
    root = package_path()
    digest = hashlib.sha1()
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".toml", ".json", ".yaml", ".j2"}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for package in _PARSERS:  # a new grammar may parse a file differently: its facts are not the same
        try:
            digest.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} missing".encode())
    return digest.hexdigest()[:16]


_PARSERS = ("tree-sitter", "tree-sitter-typescript", "tree-sitter-javascript", "tree-sitter-c-sharp",
            "tree-sitter-java", "tree-sitter-kotlin", "tree-sitter-go")


def entry_key(*parts: object) -> str:
    """A cache key for a value that depends on ``parts`` and on archreview's own code."""
    text = "\0".join([code_fingerprint(), *map(str, parts)])
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


def _secret(folder: Path) -> bytes:
    path = folder / "secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        data = path.read_bytes()
        if len(data) < 32:
            raise OSError(f"{path} is damaged; delete the cache folder") from None
        return data
    with os.fdopen(fd, "wb") as out:
        data = secrets.token_bytes(32)
        out.write(data)
    return data


class FactsCache:
    """Memory in front of an optional SQLite file; ``folder=None`` keeps results for this run only."""

    def __init__(self, folder: Path | None, limit: int | None = None) -> None:
        self.memory: dict[str, Any] = {}
        self.db: sqlite3.Connection | None = None
        self.secret = b""
        self.problem: str | None = None
        self.limit = default_limit() if limit is None else limit
        self.size = 0  # bytes held by the entries, as of the last write or eviction
        if folder is not None:
            self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.secret = _secret(folder)
            db = sqlite3.connect(folder / _FILE, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            _migrate(db)
            self.size = _total(db)
            self.db = db
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"cache not used ({folder}): {exc}"

    # --- typed per-file facts --------------------------------------------------
    def get_many(self, keys: Iterable[str]) -> dict[str, FileFacts]:
        return {k: v for k, v in self._get(list(keys)).items() if isinstance(v, FileFacts)}

    def put_many(self, items: dict[str, FileFacts], pickled: dict[str, bytes] | None = None) -> None:
        """Store ``items``; ``pickled`` holds the pickles (by key) of those already pickled, as a worker sent them."""
        self._put(items, pickled)

    # --- any other value ---------------------------------------------------------
    def get_value(self, key: str) -> Any | None:
        found = self._get([key]).get(key)
        return self._joined(key, found) if isinstance(found, _Shared) else found

    def put_value(self, key: str, value: Any) -> None:
        shared = self._shared(value) if isinstance(value, Analysis) and self.db is not None else None
        self._put({key: value}, None if shared is None else {key: pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)})

    # --- a whole analysis, stored without the files' facts it holds -------------------
    def _shared(self, value: Analysis) -> _Shared | None:
        """``value`` without its snapshots' files when each is the one this cache stored or read under a key
        (the serial tail of a cold run then pickles them once, not twice; typeorm: 2.6 of the 4.1 MB)."""
        keys = {id(v): k for k, v in self.memory.items() if type(v) is FileFacts}
        head = tuple(keys.get(id(f)) for f in value.head.files)
        base = tuple(keys.get(id(f)) for f in value.base.files) if value.base is not None else None
        if None in head or (base is not None and None in base):
            return None
        bare = replace(value, head=replace(value.head, files=()),
                       base=replace(value.base, files=()) if value.base is not None else None)
        return _Shared(bare, head, base)  # type: ignore[arg-type]  # no None left in head or base

    def _joined(self, key: str, shared: _Shared) -> Analysis | None:
        """The analysis of ``shared`` with its files read back from their entries; None (recompute) if one is gone."""
        files = self.get_many([*shared.head, *(shared.base or ())])
        if any(k not in files for k in (*shared.head, *(shared.base or ()))):
            del self.memory[key]
            return None
        value, base = shared.value, shared.value.base
        whole = replace(value, head=replace(value.head, files=tuple(files[k] for k in shared.head)),
                        base=replace(base, files=tuple(files[k] for k in shared.base or ())) if base is not None else None)
        self.memory[key] = whole
        return whole

    def _get(self, keys: list[str]) -> dict[str, Any]:
        found = {k: self.memory[k] for k in keys if k in self.memory}
        missing = [k for k in keys if k not in found]
        if self.db is None or not missing:
            return found
        try:
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                rows = self.db.execute(f"SELECT key, value FROM facts WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, blob in rows:
                    value = self._open_entry(key, blob)
                    if value is not None:
                        found[key] = self.memory[key] = value
        except sqlite3.Error as exc:
            self.problem = f"cache not read: {exc}"
        return found

    def _put(self, items: dict[str, Any], pickled: dict[str, bytes] | None = None) -> None:
        self.memory.update(items)
        if self.db is None or not items:
            return
        now = time.time()
        done = pickled or {}
        blobs = {k: self._seal(k, done.get(k) or pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()}
        rows = [(k, blob, len(blob), now) for k, blob in blobs.items()]
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO facts (key, value, size, written) VALUES (?, ?, ?, ?)",
                                    rows)
            self.size += sum(len(blob) for blob in blobs.values())
            if self.size > self.limit:
                self.size = _evict(self.db, int(self.limit * _KEEP_AFTER_EVICTION))
        except sqlite3.Error as exc:
            self.problem = f"cache not written: {exc}"

    def _seal(self, key: str, payload: bytes) -> bytes:
        return hmac.new(self.secret, key.encode() + b"\0" + payload, hashlib.sha256).digest() + payload

    def _open_entry(self, key: str, blob: bytes) -> Any | None:
        """The value, only if this cache's secret signed exactly this key and these bytes."""
        if not isinstance(blob, bytes) or len(blob) <= _MAC:
            return None
        mac, payload = blob[:_MAC], blob[_MAC:]
        if not hmac.compare_digest(mac, self._seal(key, payload)[:_MAC]):
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # signed by us yet unreadable (a class that changed shape): recompute
            return None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


@dataclass(frozen=True, slots=True)
class _Shared:
    """How an ``Analysis`` is stored: without its snapshots' files, and the keys of their per-file entries in order."""

    value: Analysis
    head: tuple[str, ...]
    base: tuple[str, ...] | None


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the file to the current schema; entries of an older one are dropped (it is a cache)."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    with db:
        if version != _VERSION:
            db.execute("DROP TABLE IF EXISTS facts")
        for statement in _SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {_VERSION}")


def _total(db: sqlite3.Connection) -> int:
    (size,) = db.execute("SELECT COALESCE(SUM(size), 0) FROM facts").fetchone()
    return int(size)


def _evict(db: sqlite3.Connection, target: int) -> int:
    """Delete the oldest entries until at most ``target`` bytes remain; the bytes that remain."""
    with db:  # one transaction: another process writing at the same time sees all or nothing
        size = _total(db)
        doomed = []
        for key, entry_size in db.execute("SELECT key, size FROM facts ORDER BY written, key"):
            if size <= target:
                break
            doomed.append((key,))
            size -= entry_size
        db.executemany("DELETE FROM facts WHERE key = ?", doomed)
    return size


def cache_info(folder: Path | None = None) -> CacheInfo:
    """Where the cache is, how many entries and bytes it holds, and its limit (nothing is created)."""
    folder = folder or default_folder()
    file = folder / _FILE
    entries = size = 0
    if file.is_file():
        try:
            with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=30)) as db:
                (version,) = db.execute("PRAGMA user_version").fetchone()
                if version == _VERSION:  # an older file is emptied on its next use
                    entries, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM facts").fetchone()
        except sqlite3.Error as exc:
            raise ArchReviewError(f"cannot read the cache: {exc}; run 'archreview cache clear'", path=str(file)) from exc
    on_disk = sum(p.stat().st_size for p in folder.glob(_FILE + "*") if p.is_file()) if folder.is_dir() else 0
    return CacheInfo(folder, file, int(entries), int(size), on_disk, default_limit())


def clear_cache(folder: Path | None = None) -> CacheInfo:
    """Remove every entry (the signing secret stays); what was there before."""
    before = cache_info(folder)
    for path in before.folder.glob(_FILE + "*"):  # the database and its -wal and -shm files
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ArchReviewError(f"cannot remove {path.name}: {exc.strerror}", path=str(before.folder)) from exc
    return before
