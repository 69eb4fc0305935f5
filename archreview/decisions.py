"""The reviewer's verdicts, saved as they are made and never lost.

A review happens live, in front of a client, in a notebook that may crash, be
restarted or be open in two tabs. So every ``record`` is written at once, and
the write is built to survive what goes wrong in practice:

- a crash or ``kill -9`` mid-write: the file is replaced atomically (temporary
  file in the same folder, fsync, ``os.replace``, folder fsync), so it is always
  either the old or the new version, never half of one;
- two writers (two kernels, two tabs): each save takes a lock, re-reads the
  file and merges per item (newest ``at`` wins, both kept in the history);
- a full disk or read-only folder: the old file stays intact, the decision stays
  in memory, ``last_error`` says why, and ``save()`` retries later;
- a corrupt or newer-format file: never overwritten; loading it raises
  ``DecisionsFileError``, and a save that meets one keeps the decision in memory.

The file is plain, pretty-printed JSON a team can keep next to the code and
diff in review: ``{"format": 1, "decisions": {"<item>": {...}}, "history": [...]}``.
Each decision may carry a fingerprint of the evidence it was made on, so a later
run whose evidence differs shows the item as needing re-review.

A finding may be decided on too: marked a false positive or accepted, with a reason,
under its stable fingerprint (``Finding.fingerprint``), in ``"findings"`` with its own
``"finding_history"``. A file that holds any is written as format 2, so an older
archreview (which would drop them on its next save) refuses it and keeps it untouched;
a file without any stays format 1, byte for byte what older versions write.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar


from archreview.core.locks import exclusive
from archreview.core.errors import DecisionsFileError
from archreview.core.vocab import FINDING_STATUSES, KINDS, SEVERITIES, STATUSES, FindingStatus, Severity, Status
ITEMS = range(1, 23)
FORMAT = 2  # the newest file format this version reads and writes
ITEMS_ONLY_FORMAT = 1  # written while the file holds no finding decisions: older versions read it
_TMP_SUFFIX = ".tmp"


@dataclass(frozen=True, slots=True)
class Decision:
    """One verdict on one checklist item, as recorded (and as kept in the history)."""

    item: int
    status: Status
    note: str
    severity: Severity | None
    reviewer: str | None
    at: str  # ISO 8601 UTC, microseconds, e.g. "2025-01-31T14:02:11.123456Z"
    fingerprint: str | None = None  # sha256 of the evidence the verdict was made on
    expires: str | None = None  # an ISO date: the verdict is reopened from that day on
    revisit_when: str | None = None  # a condition on the evidence that reopens it (see ``reopened``)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape, keys sorted, as written to the file."""
        out = {f.name: getattr(self, f.name) for f in sorted(dataclasses.fields(self), key=lambda f: f.name)}
        for optional in ("expires", "revisit_when"):  # written only when set: files stay as older versions wrote them
            if out[optional] is None:
                del out[optional]
        return out


@dataclass(frozen=True, slots=True)
class FindingDecision:
    """The reviewer's call on one finding, kept under the finding's fingerprint (and in the history)."""

    fingerprint: str
    status: FindingStatus  # "false_positive" or "accepted" dismiss it; "open" takes a dismissal back
    reason: str
    reviewer: str | None
    at: str  # ISO 8601 UTC, as Decision.at
    item: int | None = None  # where the finding was when decided, for a person reading the file
    path: str | None = None

    @property
    def dismissed(self) -> bool:
        return self.status != "open"

    def as_dict(self) -> dict[str, object]:
        out = {f.name: getattr(self, f.name) for f in sorted(dataclasses.fields(self), key=lambda f: f.name)}
        return {k: v for k, v in out.items() if v is not None or k == "reviewer"}


# --- pure helpers ---------------------------------------------------------------


def validate(item: object, status: object, severity: object = None, note: object = "", reviewer: object = None) -> None:
    """Raise ValueError for a value no caller should pass (a programming error)."""
    if not isinstance(item, int) or isinstance(item, bool) or item not in ITEMS:
        raise ValueError(f"checklist item must be an integer from 1 to 22, got {item!r}")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"severity must be None or one of {', '.join(SEVERITIES)}; got {severity!r}")
    if not isinstance(note, str):
        raise ValueError(f"note must be a string, got {type(note).__name__}")
    if reviewer is not None and not isinstance(reviewer, str):
        raise ValueError(f"reviewer must be None or a string, got {type(reviewer).__name__}")


def _canonical(value: object) -> object:
    """JSON-able form of evidence: dataclasses become dicts, sets sorted lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, **fields}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=lambda v: json.dumps(v, sort_keys=True, default=_canonical))
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"evidence must be made of dicts, lists, strings, numbers and dataclasses; got {type(value).__name__}")


def fingerprint(evidence: object) -> str:
    """sha256 (hex) of a canonical JSON dump: equal evidence, equal fingerprint, whatever the key order."""
    text = json.dumps(evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_at(at: str) -> datetime:
    """A decision's timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    moment = datetime.fromisoformat(at)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def format_at(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _newest_key(decision: Decision | FindingDecision) -> tuple[object, ...]:
    """Order for "newest wins"; ties broken on content so every writer picks the same one."""
    d = decision
    if isinstance(d, FindingDecision):
        return (parse_at(d.at), d.status, d.reason, d.reviewer or "", d.item or 0, d.path or "")
    return (parse_at(d.at), d.status, d.note, d.severity or "", d.reviewer or "", d.fingerprint or "")


def merge(
    disk: dict[int, Decision], disk_history: Iterable[Decision], pending: Iterable[Decision]
) -> tuple[dict[int, Decision], tuple[Decision, ...]]:
    """The file's decisions plus this session's unsaved ones: per item the newest wins, history keeps all."""
    return _merge(disk, disk_history, pending, lambda d: d.item)


def merge_findings(
    disk: dict[str, FindingDecision], disk_history: Iterable[FindingDecision], pending: Iterable[FindingDecision]
) -> tuple[dict[str, FindingDecision], tuple[FindingDecision, ...]]:
    """As ``merge``, per finding fingerprint."""
    return _merge(disk, disk_history, pending, lambda d: d.fingerprint)


_K = TypeVar("_K")
_D = TypeVar("_D", bound=Decision | FindingDecision)


def _merge(disk: dict[_K, _D], disk_history: Iterable[_D], pending: Iterable[_D],
           key: Callable[[_D], _K]) -> tuple[dict[_K, _D], tuple[_D, ...]]:
    new: tuple[_D, ...] = tuple(pending)
    current = dict(disk)
    for decision in new:
        known = current.get(key(decision))
        if known is None or _newest_key(decision) > _newest_key(known):
            current[key(decision)] = decision
    every: dict[_D, None] = dict.fromkeys((*disk_history, *new))
    return current, tuple(sorted(every, key=lambda d: parse_at(d.at)))


_REVISIT = re.compile(
    r"(?:an? )?(?P<kind>[a-z_]{1,40}) appears"
    r"|(?:declared )?users above (?P<users>[0-9]{1,12})"
    r"|(?:a )?second consumer of (?:an? )?(?P<consumed>[a-z_]{1,40}) appears")


def check_lifetime(expires: object, revisit_when: object) -> None:
    """Raise ValueError for an ``expires`` that is not a date or a condition archreview cannot check."""
    if expires is not None:
        if not isinstance(expires, str):
            raise ValueError("expires must be a date like 2027-06-30")
        date.fromisoformat(expires)
    if revisit_when is not None:
        match = _REVISIT.fullmatch(revisit_when.strip().lower()) if isinstance(revisit_when, str) else None
        if match is None or (match["kind"] or match["consumed"] or "message_queue") not in KINDS:
            raise ValueError("revisit_when must be '<kind> appears', 'users above N' or "
                             f"'second consumer of <kind> appears', with a kind among {', '.join(KINDS)}")


def reopened(decision: Decision, *, today: date, kinds: Mapping[str, int], users: int | None) -> str | None:
    """Why a verdict no longer stands, or None. ``kinds``: kind -> production files that use it."""
    if decision.expires and today >= date.fromisoformat(decision.expires):
        return f"the verdict expired on {decision.expires}"
    match = _REVISIT.fullmatch((decision.revisit_when or "").strip().lower())
    if match is None:
        return None
    if match["kind"] and kinds.get(match["kind"], 0) > 0:
        return f"revisit when {decision.revisit_when}: the code now uses a {match['kind']}"
    if match["users"] and users is not None and users > int(match["users"]):
        return f"revisit when {decision.revisit_when}: the context now declares {users:,} users"
    if match["consumed"] and kinds.get(match["consumed"], 0) >= 2:
        return f"revisit when {decision.revisit_when}: {kinds[match['consumed']]} files now use a {match['consumed']}"
    return None


# --- the file format ------------------------------------------------------------


class _NewerFormat(ValueError):
    pass


def _from_dict(raw: object, where: str) -> Decision:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not an object")
    try:
        decision = Decision(
            item=raw["item"], status=raw["status"], note=raw.get("note", ""), severity=raw.get("severity"),
            reviewer=raw.get("reviewer"), at=raw["at"], fingerprint=raw.get("fingerprint"),
            expires=raw.get("expires"), revisit_when=raw.get("revisit_when"),
        )  # fmt: skip
        check_lifetime(decision.expires, decision.revisit_when)
        validate(decision.item, decision.status, decision.severity, decision.note, decision.reviewer)
        if not isinstance(decision.fingerprint, (str, type(None))):
            raise ValueError("fingerprint must be a string")
        parse_at(decision.at)
    except KeyError as missing:
        raise ValueError(f"{where} has no {missing.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {err}") from None
    return decision


@dataclass(frozen=True, slots=True)
class Document:
    """A decisions file's content: per item and per finding, the current call and every change."""

    decisions: dict[int, Decision] = dataclasses.field(default_factory=dict)
    history: tuple[Decision, ...] = ()
    findings: dict[str, FindingDecision] = dataclasses.field(default_factory=dict)
    finding_history: tuple[FindingDecision, ...] = ()


def validate_finding(fingerprint: object, status: object, reason: object = "", reviewer: object = None) -> None:
    """Raise ValueError for a finding decision no caller should pass (a programming error)."""
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise ValueError(f"a finding's fingerprint is the hex text of its 'fingerprint' key; got {fingerprint!r}")
    if status not in FINDING_STATUSES:
        raise ValueError(f"a finding's status must be one of {', '.join(FINDING_STATUSES)}; got {status!r}")
    if not isinstance(reason, str):
        raise ValueError(f"reason must be a string, got {type(reason).__name__}")
    if reviewer is not None and not isinstance(reviewer, str):
        raise ValueError(f"reviewer must be None or a string, got {type(reviewer).__name__}")


_FINGERPRINT = re.compile(r"[0-9a-f]{8,64}")


def _finding_from_dict(raw: object, where: str) -> FindingDecision:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not an object")
    try:
        decision = FindingDecision(
            fingerprint=raw["fingerprint"], status=raw["status"], reason=raw.get("reason", ""),
            reviewer=raw.get("reviewer"), at=raw["at"], item=raw.get("item"), path=raw.get("path"),
        )  # fmt: skip
        validate_finding(decision.fingerprint, decision.status, decision.reason, decision.reviewer)
        if decision.item is not None and (not isinstance(decision.item, int) or decision.item not in ITEMS):
            raise ValueError("item must be an integer from 1 to 22")
        if not isinstance(decision.path, (str, type(None))):
            raise ValueError("path must be a string")
        parse_at(decision.at)
    except KeyError as missing:
        raise ValueError(f"{where} has no {missing.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {err}") from None
    return decision


def _parse_keyed(raw: object, name: str, parse: Callable[[object, str], _D], key_of: Callable[[_D], _K],
                 what: str) -> dict[_K, _D]:
    """A ``{key: record}`` object of the file, each record filed under the key it says it has."""
    if not isinstance(raw, dict):
        raise ValueError(f"'{name}' is not an object")
    records = {}
    for key, value in raw.items():
        record = parse(value, f"{name}[{key!r}]")
        if key != str(key_of(record)):
            raise ValueError(f"{name}[{key!r}] holds {what} {key_of(record)}")
        records[key_of(record)] = record
    return records


def _parse_list(raw: object, name: str, parse: Callable[[object, str], _D]) -> tuple[_D, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"'{name}' is not a list")
    return tuple(parse(value, f"{name}[{i}]") for i, value in enumerate(raw))


def parse_document(text: str) -> Document:
    """Decisions, findings and their histories from the file's text; ValueError says what is wrong with it."""
    if not text.strip():
        return Document()  # an empty file (e.g. made with `touch`) holds nothing to lose
    if "<<<<<<<" in text and ">>>>>>>" in text:
        raise ValueError("it contains git merge-conflict markers")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise ValueError("it is nested too deeply to be a decisions file") from None
    if not isinstance(doc, dict):
        raise ValueError("the top level is not an object")
    version = doc.get("format")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("'format' must be a positive integer")
    if version > FORMAT:
        raise _NewerFormat(f"written by a newer archreview (format {version}; this version reads format {FORMAT})")
    return Document(_parse_keyed(doc.get("decisions", {}), "decisions", _from_dict, lambda d: d.item, "item"),
                    _parse_list(doc.get("history", []), "history", _from_dict),
                    _parse_keyed(doc.get("findings", {}), "findings", _finding_from_dict, lambda f: f.fingerprint,
                                 "finding"),
                    _parse_list(doc.get("finding_history", []), "finding_history", _finding_from_dict))




def dump_document(document: Document) -> bytes:
    """Pretty-printed JSON, items in numeric order, keys sorted: diffs cleanly in review. Format 1 while
    no finding is decided (what older versions write); format 2, which they refuse to touch, once one is."""
    d = document
    doc: dict[str, object] = {"decisions": {str(item): d.decisions[item].as_dict() for item in sorted(d.decisions)}}
    if d.findings or d.finding_history:
        doc["finding_history"] = [f.as_dict() for f in d.finding_history]
        doc["findings"] = {fp: d.findings[fp].as_dict() for fp in sorted(d.findings)}
    doc["format"] = FORMAT if d.findings or d.finding_history else ITEMS_ONLY_FORMAT
    doc["history"] = [x.as_dict() for x in d.history]
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- the file system edge -------------------------------------------------------


def refuse_links(path: Path) -> None:
    """A decisions file (or its lock) that is a symbolic link is refused, never replaced nor written through:
    a link committed to a repository must not redirect a write, and replacing it would silently cut it."""
    for candidate in (path, Path(f"{path}.lock")):
        if candidate.is_symlink():
            raise DecisionsFileError(f"is a symbolic link (to {os.readlink(candidate)}); archreview does not write "
                                     f"through links - give the real file's path instead", path=str(candidate))


def read_file(path: Path) -> Document:
    """The decisions in ``path`` (none if it does not exist); DecisionsFileError if unusable."""
    refuse_links(path)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return Document()
    except IsADirectoryError:
        raise DecisionsFileError("is a folder; give the path of a JSON file, e.g. decisions.json", path=str(path))
    except OSError as err:
        raise DecisionsFileError(f"cannot be read ({err.strerror}); check its permissions", path=str(path))
    try:
        return parse_document(data.decode("utf-8-sig"))
    except _NewerFormat as err:
        fix = "upgrade archreview or use another decisions file"
        raise DecisionsFileError(f"{err}; it was kept untouched — {fix}", path=str(path)) from None
    except (UnicodeDecodeError, ValueError) as err:
        reason = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else str(err)
        fix = "repair it or move it aside, then record again"
        raise DecisionsFileError(f"not a valid decisions file ({reason}); it was kept untouched — {fix}", path=str(path)) from None


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_orphans(path: Path) -> None:
    """Delete temporary files left by a writer killed mid-save. Call only under the lock:
    temporary files are only ever created under it, so any found then are orphans."""
    prefix = _temp_prefix(path)
    with os.scandir(path.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(_TMP_SUFFIX) and entry.is_file():
                with suppress(OSError):
                    os.unlink(entry.path)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) sees the old or new file, never a mix."""
    tmp = path.with_name(f"{_temp_prefix(path)}{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if hasattr(os, "fchmod"):  # not on Windows
            with suppress(FileNotFoundError):
                os.fchmod(fd, path.stat().st_mode & 0o777)  # keep the mode the team gave the file
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; file systems (and Windows) that cannot fsync a folder are let be."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _fix_for(err: OSError) -> str:
    if isinstance(err, TimeoutError):
        return "wait for the other writer to finish"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free space"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST):
        return "make the folder writable (or choose another decisions file)"
    return "fix the cause"


def _reason(err: OSError) -> str:
    if isinstance(err, TimeoutError):
        return "another writer has held the lock for too long"
    return err.strerror or str(err)


# --- the store ------------------------------------------------------------------


class DecisionStore:
    """Decisions for one review, backed by one JSON file and saved on every change."""

    def __init__(
        self, path: str | os.PathLike[str], *, clock: Callable[[], datetime] = _utc_now, lock_timeout: float = 10.0
    ) -> None:
        self.path = Path(path)
        self.last_error: str | None = None
        self._clock = clock
        self._lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._decisions: dict[int, Decision] = {}
        self._history: tuple[Decision, ...] = ()
        self._pending: list[Decision] = []
        self._findings: dict[str, FindingDecision] = {}
        self._finding_history: tuple[FindingDecision, ...] = ()
        self._finding_pending: list[FindingDecision] = []
        self._last_moment: datetime | None = None
        self.reload()

    def __repr__(self) -> str:
        unsaved = len(self._pending) + len(self._finding_pending)
        return (f"DecisionStore({os.fspath(self.path)!r}, {len(self._decisions)} decisions, "
                f"{len(self._findings)} finding decisions, {unsaved} unsaved)")

    def record(
        self, item: int, status: Status, note: str = "", severity: Severity | None = None, reviewer: str | None = None,
        *, evidence: object = None, expires: str | None = None, revisit_when: str | None = None,
    ) -> Decision:  # fmt: skip
        """Record a verdict and save it at once. A failed save keeps it in memory and sets ``last_error``.

        ``expires`` (an ISO date) or ``revisit_when`` (``"<kind> appears"``, ``"users above N"``,
        ``"second consumer of <kind> appears"``) make the verdict reopen when they come true.
        """
        validate(item, status, severity, note, reviewer)
        check_lifetime(expires, revisit_when)
        marker = None if evidence is None else fingerprint(evidence)
        with self._mutex:
            decision = Decision(item, status, note, severity, reviewer, self._stamp(), marker, expires, revisit_when)
            self._decisions[item] = decision
            self._history = (*self._history, decision)
            self._pending.append(decision)
            self.save()
        return decision

    def record_finding(
        self, fingerprint: str, status: FindingStatus, reason: str = "", reviewer: str | None = None,
        *, item: int | None = None, path: str | None = None,
    ) -> FindingDecision:  # fmt: skip
        """Mark one finding (by its fingerprint) a false positive or accepted, with the reason, or "open"
        again; saved at once, like ``record``. ``item`` and ``path`` say where it was, for the reader."""
        validate_finding(fingerprint, status, reason, reviewer)
        if item is not None:
            validate(item, "pass")
        with self._mutex:
            decision = FindingDecision(fingerprint, status, reason, reviewer, self._stamp(), item, path)
            self._findings[fingerprint] = decision
            self._finding_history = (*self._finding_history, decision)
            self._finding_pending.append(decision)
            self.save()
        return decision

    def finding(self, fingerprint: str) -> FindingDecision | None:
        """The reviewer's current call on a finding, or None when it was never decided."""
        return self._findings.get(fingerprint)

    def findings(self) -> tuple[FindingDecision, ...]:
        """The current call per decided finding, by fingerprint."""
        return tuple(self._findings[fp] for fp in sorted(self._findings))

    def finding_history(self) -> tuple[FindingDecision, ...]:
        return self._finding_history

    def get(self, item: int) -> Decision | None:
        return self._decisions.get(item)

    def all(self) -> tuple[Decision, ...]:
        """The current decision per item, sorted by item."""
        return tuple(self._decisions[item] for item in sorted(self._decisions))

    def history(self) -> tuple[Decision, ...]:
        """Every recorded change, this session's and other writers', oldest first."""
        return self._history

    @property
    def unsaved(self) -> tuple[Decision, ...]:
        """Decisions recorded in this session that are not on disk yet (see ``last_error``)."""
        return tuple(self._pending)

    @property
    def unsaved_findings(self) -> tuple[FindingDecision, ...]:
        return tuple(self._finding_pending)

    def needs_rereview(self, item: int, evidence: object) -> bool:
        """True when the item was decided on evidence that differs from ``evidence``."""
        decision = self._decisions.get(item)
        if decision is None or decision.fingerprint is None:
            return False
        return decision.fingerprint != fingerprint(evidence)

    def reload(self) -> None:
        """Re-read the file (other writers' changes), keeping this session's unsaved decisions."""
        with self._mutex:
            self._adopt(read_file(self.path))

    def _adopt(self, disk: Document) -> Document:
        """The file's content merged with this session's unsaved calls, kept as this store's view."""
        self._decisions, self._history = merge(disk.decisions, disk.history, self._pending)
        self._findings, self._finding_history = merge_findings(disk.findings, disk.finding_history,
                                                               self._finding_pending)
        return Document(self._decisions, self._history, self._findings, self._finding_history)

    def save(self) -> bool:
        """Write every unsaved decision; True when done, else False with ``last_error`` saying why."""
        with self._mutex:
            try:
                self._save_under_lock()
            except DecisionsFileError as err:
                self.last_error = f"could not save to {self.path}: {err.message}; your decision is kept in this session"
                return False
            except OSError as err:  # includes TimeoutError from the lock
                fix = _fix_for(err)
                self.last_error = (
                    f"could not save to {self.path}: {_reason(err)}; your decision is kept in this session"
                    f" — {fix} and record again or call save()"
                )
                return False
            self.last_error = None
            return True

    def _save_under_lock(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        refuse_links(self.path)  # before the lock file is opened: it must not truncate a link's target
        with exclusive(f"{self.path}.lock", timeout=self._lock_timeout, poll=0.002):  # removed on release
            merged = self._adopt(read_file(self.path))
            if self._pending or self._finding_pending:
                remove_orphans(self.path)
                write_atomic(self.path, dump_document(merged))
        self._pending, self._finding_pending = [], []

    def _stamp(self) -> str:
        """Now, in UTC, strictly after this store's previous stamp (so history order is exact)."""
        moment = self._clock()
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
        if self._last_moment is not None and moment <= self._last_moment:
            moment = self._last_moment + timedelta(microseconds=1)
        self._last_moment = moment
        return format_at(moment)
