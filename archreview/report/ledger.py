"""The portfolio ledger: each finding of each repository followed across batch runs, in SQLite.

A batch writes ``ledger.sqlite`` in its output folder (stdlib ``sqlite3``, like the
analysis cache). Per repository and finding fingerprint it keeps when the finding
was first and last seen, in how many runs, and when it was resolved (found in one
run, gone in a later one that reviewed the same repository); per run and
repository, how many findings were new, unchanged and resolved. A repository that
could not be reviewed in a run leaves its findings as they were: a failed review
resolves nothing.

Each run is recorded in one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, in
SQLite's rollback journal with ``synchronous=FULL``): a crash, a kill or a full
disk half-way leaves the ledger as the previous run left it, never half of a run.
A file that is not a ledger (damaged, or another program's database) raises
``BadLedger`` with what to do; it is never overwritten.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archreview.core.errors import BadLedger

FILE = "ledger.sqlite"
_VERSION = 1  # PRAGMA user_version
_APPLICATION = 0x61726C67  # PRAGMA application_id: "arlg", so another program's database is told apart
_SCHEMA = (
    "CREATE TABLE runs (run TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, at TEXT NOT NULL)",
    "CREATE TABLE findings (repo TEXT NOT NULL, fingerprint TEXT NOT NULL, item INTEGER NOT NULL,"
    " rule TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL, first_run TEXT NOT NULL,"
    " first_seen TEXT NOT NULL, last_run TEXT NOT NULL, last_seen TEXT NOT NULL, runs_seen INTEGER NOT NULL,"
    " resolved_run TEXT, resolved_at TEXT, PRIMARY KEY (repo, fingerprint))",
    "CREATE TABLE trend (run TEXT NOT NULL, repo TEXT NOT NULL, new INTEGER NOT NULL, unchanged INTEGER NOT NULL,"
    " resolved INTEGER NOT NULL, open INTEGER NOT NULL, PRIMARY KEY (run, repo))",
)
_FIX = "move it aside (the next batch starts a new ledger) or put back a copy from a backup"


@dataclass(frozen=True, slots=True)
class Seen:
    """One finding as a run saw it."""

    fingerprint: str
    item: int
    rule: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Tracked:
    """One finding of one repository across runs."""

    repo: str
    fingerprint: str
    item: int
    rule: str
    path: str
    line: int
    first_seen: str  # ISO times of the runs
    last_seen: str
    runs_seen: int
    resolved_at: str | None  # None: still found by the latest run that reviewed the repository
    age_days: int  # first seen to resolved, or to the latest run


@dataclass(frozen=True, slots=True)
class Step:
    """What one run found in one repository, against the ledger before it."""

    seq: int
    at: str
    repo: str
    new: int
    unchanged: int
    resolved: int
    open: int


@dataclass(frozen=True, slots=True)
class Ledger:
    runs: tuple[tuple[int, str], ...]  # (seq, at), oldest first
    steps: tuple[Step, ...]  # by run, then repository
    findings: tuple[Tracked, ...]  # by repository, then first seen

    def totals(self) -> tuple[Step, ...]:
        """Per run, the sums over the repositories it reviewed (``repo`` is the count of them)."""
        out = []
        for seq, at in self.runs:
            mine = [s for s in self.steps if s.seq == seq]
            out.append(Step(seq, at, str(len(mine)), sum(s.new for s in mine), sum(s.unchanged for s in mine),
                            sum(s.resolved for s in mine), sum(s.open for s in mine)))
        return tuple(out)


# --- the file ----------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(path, timeout=30.0, isolation_level=None)  # transactions are begun explicitly
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    try:
        con.execute("PRAGMA synchronous=FULL")
    except sqlite3.DatabaseError as exc:
        con.close()
        raise _damaged(path, exc) from None
    return con


def _damaged(path: Path, reason: object) -> BadLedger:
    return BadLedger(f"the portfolio ledger cannot be used ({reason}); {_FIX}", path=str(path))


def _checked(con: sqlite3.Connection, path: Path) -> None:
    """A ledger this version reads, intact; else ``BadLedger``."""
    try:
        app, version = con.execute("PRAGMA application_id").fetchone()[0], con.execute("PRAGMA user_version").fetchone()[0]
        if (app, version) == (0, 0) and not con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return  # empty: made but never written
        if app != _APPLICATION:
            raise _damaged(path, "another program's database")
        if version > _VERSION:
            raise BadLedger(f"the portfolio ledger was written by a newer archreview (format {version}); upgrade "
                            "archreview or give another --output folder", path=str(path))
        problems = [row[0] for row in con.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    if problems != ["ok"]:
        raise _damaged(path, problems[0])


def check(folder: str | os.PathLike) -> None:
    """Raise ``BadLedger`` now if the folder holds a ledger that cannot be used (before a batch starts)."""
    path = Path(folder) / FILE
    if not path.exists():
        return
    with closing(_connect(path)) as con:
        _checked(con, path)


def record_run(folder: str | os.PathLike, run: str, at: datetime, seen: Mapping[str, Iterable[Seen]]) -> None:
    """Add one run: ``seen`` maps each repository the run reviewed to what it found there. All or nothing."""
    path = Path(folder) / FILE
    stamp = at.isoformat(timespec="seconds")
    with closing(_connect(path)) as con:
        _checked(con, path)
        try:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time; readers see the previous run until COMMIT
            if con.execute("PRAGMA user_version").fetchone()[0] == 0:
                for statement in _SCHEMA:
                    con.execute(statement)
                con.execute(f"PRAGMA application_id={_APPLICATION}")
                con.execute(f"PRAGMA user_version={_VERSION}")
            seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM runs").fetchone()[0]
            con.execute("INSERT INTO runs VALUES (?, ?, ?)", (run, seq, stamp))
            for repo, found in seen.items():
                _record_repo(con, run, stamp, repo, {f.fingerprint: f for f in found})
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise


def _record_repo(con: sqlite3.Connection, run: str, stamp: str, repo: str, found: dict[str, Seen]) -> None:
    open_before = {fp for (fp,) in con.execute(
        "SELECT fingerprint FROM findings WHERE repo = ? AND resolved_run IS NULL", (repo,))}
    for f in found.values():
        con.execute(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL)"
            " ON CONFLICT (repo, fingerprint) DO UPDATE SET item = excluded.item, rule = excluded.rule,"
            " path = excluded.path, line = excluded.line, last_run = excluded.last_run,"
            " last_seen = excluded.last_seen, runs_seen = runs_seen + 1, resolved_run = NULL, resolved_at = NULL",
            (repo, f.fingerprint, f.item, f.rule, f.path, f.line, run, stamp, run, stamp))
    gone = open_before - found.keys()
    con.executemany("UPDATE findings SET resolved_run = ?, resolved_at = ? WHERE repo = ? AND fingerprint = ?",
                    [(run, stamp, repo, fp) for fp in sorted(gone)])
    unchanged = len(open_before & found.keys())
    con.execute("INSERT INTO trend VALUES (?, ?, ?, ?, ?, ?)",
                (run, repo, len(found) - unchanged, unchanged, len(gone), len(found)))


def read(folder: str | os.PathLike) -> Ledger | None:
    """The ledger in ``folder``, or None when no batch has written one there yet."""
    path = Path(folder) / FILE
    if not path.exists():
        return None
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
        _checked(con, path)
        if con.execute("PRAGMA user_version").fetchone()[0] == 0:
            return None
        try:
            return _read(con)
        except sqlite3.DatabaseError as exc:
            raise _damaged(path, exc) from None


def _read(con: sqlite3.Connection) -> Ledger:
    runs = tuple(con.execute("SELECT seq, at FROM runs ORDER BY seq"))
    seq_of = {run: seq for run, seq in con.execute("SELECT run, seq FROM runs")}
    steps = tuple(Step(seq_of[run], at, repo, new, unchanged, resolved, open_)
                  for run, repo, new, unchanged, resolved, open_, at in con.execute(
                      "SELECT t.run, t.repo, t.new, t.unchanged, t.resolved, t.open, r.at"
                      " FROM trend t JOIN runs r ON r.run = t.run ORDER BY r.seq, t.repo"))
    latest = runs[-1][1] if runs else ""
    findings = tuple(
        Tracked(repo, fp, item, rule, path, line, first, last, count, resolved,
                _days(first, resolved or latest))
        for repo, fp, item, rule, path, line, first, last, count, resolved in con.execute(
            "SELECT repo, fingerprint, item, rule, path, line, first_seen, last_seen, runs_seen, resolved_at"
            " FROM findings ORDER BY repo, first_seen, path, line"))
    return Ledger(runs, steps, findings)


def _days(start: str, end: str) -> int:
    return max(0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days)
