"""Decisions are never lost: round trips, merges, crashes, full disks, corrupt files.

Every test works on real files in tmp_path; the crash and concurrency tests run
real processes (tests/decisions_writer.py) against the same file.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from filelock import FileLock

from archreview import decisions
from archreview.decisions import SEVERITIES, STATUSES, Decision, DecisionStore, fingerprint
from archreview.core.errors import DecisionsFileError
from archreview.core.model import Finding, Location

WRITER = Path(__file__).with_name("decisions_writer.py")
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def clock_from(start: datetime, step_seconds: float = 1.0):
    """A fake clock that ticks ``step_seconds`` per call, for exact timestamps."""
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=step_seconds * next(ticks))


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- round trip, validation, history ----------------------------------------------


def test_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "review" / "decisions.json"  # the folder is created on first record
    store = DecisionStore(path, clock=clock_from(T0))
    assert store.all() == () and not path.exists()
    first = store.record(3, "concern", "no timeout on the payment call", "high", "ana")
    second = store.record(12, "pass", "pagination everywhere", reviewer="ana")
    assert store.last_error is None and store.unsaved == ()
    assert first == Decision(3, "concern", "no timeout on the payment call", "high", "ana", "2025-03-01T09:00:00.000000Z")
    again = DecisionStore(path)
    assert again.all() == (first, second)
    assert again.get(3) == first and again.get(7) is None
    doc = json.loads(path.read_text("utf-8"))
    assert doc["format"] == 1 and list(doc["decisions"]) == ["3", "12"]
    assert doc["decisions"]["3"] == {
        "at": "2025-03-01T09:00:00.000000Z", "fingerprint": None, "item": 3,
        "note": "no timeout on the payment call", "reviewer": "ana", "severity": "high", "status": "concern",
    }  # fmt: skip
    assert path.read_text("utf-8").startswith('{\n  "decisions": {\n')  # pretty-printed for diffs


def test_unicode_notes_are_kept_readable(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    DecisionStore(path).record(14, "fail", "clé secrète dans settings.py — <script>")
    assert "clé secrète dans settings.py — <script>" in path.read_text("utf-8")
    assert DecisionStore(path).get(14).note == "clé secrète dans settings.py — <script>"


def test_an_empty_file_is_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text("")
    store = DecisionStore(path)
    assert store.all() == ()
    store.record(1, "pass")
    assert DecisionStore(path).get(1).status == "pass"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, "pass"), {}, "from 1 to 22"),
        ((23, "pass"), {}, "from 1 to 22"),
        (("3", "pass"), {}, "from 1 to 22"),
        ((True, "pass"), {}, "from 1 to 22"),
        ((3, "PASS"), {}, "status must be one of unreviewed, pass, concern, fail, na"),
        ((3, "ok"), {}, "status must be one of"),
        ((3, "fail"), {"severity": "urgent"}, "severity must be None or one of low, medium, high, critical"),
        ((3, "fail"), {"note": None}, "note must be a string"),
        ((3, "fail"), {"reviewer": 7}, "reviewer must be None or a string"),
    ],
)
def test_programming_errors_raise_before_anything_is_written(tmp_path, args, kwargs, message) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path)
    with pytest.raises(ValueError, match=message):
        store.record(*args, **kwargs)
    assert store.all() == () and store.history() == () and not path.exists()


def test_every_status_and_severity_is_accepted(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "d.json")
    for item, (status, severity) in enumerate(zip(STATUSES, (*SEVERITIES, None)), start=1):
        store.record(item, status, severity=severity)
    reloaded = DecisionStore(tmp_path / "d.json")
    assert [(d.status, d.severity) for d in reloaded.all()] == list(zip(STATUSES, (*SEVERITIES, None)))


def test_history_keeps_every_change_oldest_first(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "d.json", clock=clock_from(T0))
    store.record(5, "concern", "check-then-act in reserve()")
    store.record(2, "fail", "retry around charge()")
    store.record(5, "pass", "fixed with select_for_update")
    expected = [(5, "concern"), (2, "fail"), (5, "pass")]
    assert [(d.item, d.status) for d in store.history()] == expected
    assert [(d.item, d.status) for d in DecisionStore(tmp_path / "d.json").history()] == expected
    assert [d.item for d in store.all()] == [2, 5] and store.get(5).status == "pass"


def test_timestamps_are_strictly_increasing_even_when_the_clock_stalls(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "d.json", clock=lambda: T0)  # a clock stuck on one instant
    for _ in range(3):
        store.record(1, "pass")
    stamps = [d.at for d in store.history()]
    assert stamps == ["2025-03-01T09:00:00.000000Z", "2025-03-01T09:00:00.000001Z", "2025-03-01T09:00:00.000002Z"]


# --- fingerprints -------------------------------------------------------------------


def _finding(line: int) -> Finding:
    return Finding(1, "app/pay.py", line, "requests.post without timeout", 0.9, "requests.post(url)")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({"x": 1, "y": [1, 2]}, {"y": [1, 2], "x": 1}, True),  # key order does not matter
        ([1, 2], (1, 2), True),  # a tuple and a list of the same values
        ({"paths": {"b", "a"}}, {"paths": ["a", "b"]}, True),  # sets are sorted
        ((_finding(10),), [_finding(10)], True),
        ((_finding(10),), (_finding(11),), False),  # the finding moved
        ([Location("a.py", 1)], [Location("a.py", 2)], False),
        ([1, 2], [2, 1], False),  # order of a list matters
        ("", None, False),
    ],
)
def test_fingerprint_is_canonical(a, b, same) -> None:
    assert (fingerprint(a) == fingerprint(b)) is same
    assert len(fingerprint(a)) == 64


def test_fingerprint_rejects_evidence_it_cannot_dump() -> None:
    with pytest.raises(TypeError, match="evidence must be made of"):
        fingerprint(object())


def test_needs_rereview_when_the_evidence_changed(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path)
    store.record(1, "pass", "timeouts set", evidence=[_finding(10)])
    store.record(2, "pass", "no evidence attached")
    later = DecisionStore(path)  # a later run, e.g. after a kernel restart
    assert later.get(1).fingerprint == fingerprint([_finding(10)])
    assert later.needs_rereview(1, [_finding(10)]) is False
    assert later.needs_rereview(1, [_finding(10), _finding(40)]) is True
    assert later.needs_rereview(2, [_finding(10)]) is False  # decided without a fingerprint
    assert later.needs_rereview(3, [_finding(10)]) is False  # not decided at all


# --- two writers ------------------------------------------------------------------


def test_two_stores_merge_per_item_and_the_newest_wins(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    tab_a = DecisionStore(path, clock=clock_from(T0, 2))  # ticks at 0, 2, 4 s
    tab_b = DecisionStore(path, clock=clock_from(T0 + timedelta(seconds=1), 2))  # at 1, 3, 5 s
    tab_a.record(3, "pass", "A says fine")
    tab_b.record(3, "fail", "B found a race")  # newer: wins for item 3
    tab_a.record(5, "concern", "A on item 5")  # A's save must not drop B's item 3
    on_disk = DecisionStore(path)
    assert [(d.item, d.status) for d in on_disk.all()] == [(3, "fail"), (5, "concern")]
    assert [d.note for d in on_disk.history()] == ["A says fine", "B found a race", "A on item 5"]
    assert tab_a.get(3).status == "fail"  # A sees B's verdict after its own save
    assert tab_b.get(5) is None
    tab_b.reload()
    assert tab_b.get(5).note == "A on item 5"


def test_an_older_unsaved_decision_does_not_override_a_newer_one(tmp_path, monkeypatch) -> None:
    path = tmp_path / "d.json"
    tab_a = DecisionStore(path, clock=clock_from(T0))
    tab_b = DecisionStore(path, clock=clock_from(T0 + timedelta(minutes=5)))
    with monkeypatch.context() as patch:
        patch.setattr(decisions.os, "replace", _fail_with(errno.ENOSPC))
        tab_a.record(3, "pass", "A, at 9:00, not saved")
    tab_b.record(3, "fail", "B, at 9:05")
    assert tab_a.save() is True
    assert DecisionStore(path).get(3).note == "B, at 9:05"
    assert [d.note for d in DecisionStore(path).history()] == ["A, at 9:00, not saved", "B, at 9:05"]
    assert tab_a.get(3).note == "B, at 9:05"


def _run_writers(path: Path, specs: list[tuple[str, str, int]]) -> list[subprocess.CompletedProcess]:
    go = path.with_name("go")
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(path), "--tag", tag, "--items", items, "--count", str(count),
             "--go", str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for tag, items, count in specs
    ]
    assert [p.stdout.readline() for p in procs] == ["ready\n"] * len(procs)
    go.touch()  # both are loaded: start them together
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=60), *p.communicate()) for p in procs]


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    count = 60
    results = _run_writers(path, [("A", "1,2,3,22", count), ("B", "4,5,6,22", count)])
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("ack ") == count
    store = DecisionStore(path)
    notes = [d.note for d in store.history()]
    assert sorted(notes) == sorted(f"{tag}-{i}" for tag in "AB" for i in range(count))  # every write, once
    tags = [note[0] for note in notes]
    assert sum(a != b for a, b in zip(tags, tags[1:])) >= 2, "the writers did not overlap: " + "".join(tags)
    assert [d.item for d in store.all()] == [1, 2, 3, 4, 5, 6, 22]
    for tag, items in (("A", (1, 2, 3)), ("B", (4, 5, 6))):
        for k, item in enumerate(items):  # each writer's last write per item is current
            last = max(i for i in range(count) if i % 4 == k)
            assert store.get(item).note == f"{tag}-{last}"
    newest_22 = max((d for d in store.history() if d.item == 22), key=lambda d: d.at)
    assert store.get(22) == newest_22  # the shared item: the newest write wins
    assert temp_files(tmp_path) == []


# --- kill -9 ------------------------------------------------------------------------


def _read_acks(proc: subprocess.Popen, acks: list[str]) -> None:
    for line in proc.stdout:
        if line.endswith("\n"):  # a line cut by the kill was never a complete acknowledgement
            acks.append(line.strip())


def _kill_after_random_delay(path: Path, tag: str, rng: random.Random) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), "--tag", tag, "--items", "1,2,3,4,5,6,7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    acks: list[str] = []
    reader = threading.Thread(target=_read_acks, args=(proc, acks), daemon=True)
    reader.start()
    deadline = time.monotonic() + 20
    while not acks and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(rng.uniform(0.0, 0.25))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert acks and all(a.startswith("ack ") for a in acks), [a for a in acks if not a.startswith("ack ")]
    return acks


def test_a_writer_killed_at_random_points_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for round_ in range(8):
        acks = _kill_after_random_delay(path, f"r{round_}", rng)
        store = DecisionStore(path)  # must load: never a half-written file
        history = {d.note for d in store.history()}
        _, last_note, last_item = acks[-1].split()
        assert {a.split()[1] for a in acks} <= history, f"seed {seed}, round {round_}"
        current = store.get(int(last_item)).note  # the last ack, or a later write that was not acked yet
        assert int(current.split("-")[1]) >= int(last_note.split("-")[1]), f"seed {seed}, round {round_}"
    DecisionStore(path).record(22, "pass", "after the crashes")
    assert temp_files(tmp_path) == []  # orphans of killed writers are swept under the lock
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]  # and no lock file is left beside the decisions


# --- full disk, read-only folder ------------------------------------------------------


def _fail_with(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


def _half_write_then_fail(real_write):
    calls = []

    def write(fd, data):
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data[:10]))  # a partial write, as a filling disk does
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_full_disk_keeps_the_old_file_and_the_decision_in_memory(tmp_path, monkeypatch, failing) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path)
    kept = store.record(1, "pass", "saved before the disk filled")
    before = path.read_bytes()
    with monkeypatch.context() as patch:
        fake = _half_write_then_fail(os.write) if failing == "write" else _fail_with(errno.ENOSPC)
        patch.setattr(decisions.os, failing, fake)
        lost = store.record(2, "fail", "made while the disk was full", "critical")
        also = store.record(3, "concern", "and another")
    assert path.read_bytes() == before  # the old file, byte for byte
    assert store.get(2) == lost and store.all() == (kept, lost, also)
    assert store.unsaved == (lost, also)
    assert store.last_error == (
        f"could not save to {path}: No space left on device; your decision is kept in this session"
        " — free space and record again or call save()"
    )
    assert temp_files(tmp_path) == []
    store.reload()  # re-reading the file does not drop what is not saved yet
    assert store.all() == (kept, lost, also)
    assert store.save() is True and store.last_error is None and store.unsaved == ()
    assert DecisionStore(path).all() == (kept, lost, also)


def test_the_file_is_fsynced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(f"replace {Path(src).parent == Path(dst).parent}")  # same folder: a rename, not a copy
        real_replace(src, dst)

    monkeypatch.setattr(decisions.os, "fsync", fsync)
    monkeypatch.setattr(decisions.os, "replace", replace)
    DecisionStore(tmp_path / "d.json").record(1, "pass")
    assert events == ["fsync file", "replace True", "fsync folder"]


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_read_only_folder_keeps_the_decision_in_memory(tmp_path, monkeypatch, code) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path)
    store.record(1, "pass")
    before = path.read_bytes()
    with monkeypatch.context() as patch:  # tests run as root: chmod would not stop the write
        patch.setattr(decisions.os, "open", _fail_with(code))
        decision = store.record(4, "fail", "decided in a read-only checkout")
    assert path.read_bytes() == before and store.get(4) == decision
    assert os.strerror(code) in store.last_error and "make the folder writable" in store.last_error
    assert store.save() and DecisionStore(path).get(4) == decision


def test_a_path_under_a_file_keeps_the_decision_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n")
    store = DecisionStore(blocker / "decisions.json")
    decision = store.record(9, "concern", "no transaction around the two writes")
    assert store.get(9) == decision and store.all() == (decision,)
    assert store.last_error.startswith(f"could not save to {blocker / 'decisions.json'}: ")
    assert "record again or call save()" in store.last_error
    assert blocker.read_text() == "not a folder\n"


def test_a_held_lock_times_out_into_last_error(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path, lock_timeout=0.2)
    with FileLock(f"{path}.lock"):  # another writer (or an older archreview, on the same flock) stuck in its save
        decision = store.record(6, "concern", "module-level cache")
    assert "another writer has held the lock" in store.last_error and store.get(6) == decision
    assert not path.exists()
    assert store.save() and DecisionStore(path).get(6) == decision


def test_orphaned_temporary_files_are_swept_and_the_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    DecisionStore(path).record(1, "pass")
    path.chmod(0o640)
    orphan = tmp_path / ".d.json.4242.deadbeef.tmp"
    orphan.write_text('{"half": ')
    unrelated = tmp_path / ".other.json.1.tmp"
    unrelated.write_text("someone else's")
    DecisionStore(path).record(2, "pass")
    assert not orphan.exists() and unrelated.exists()
    assert path.stat().st_mode & 0o777 == 0o640


# --- corrupt and newer files ------------------------------------------------------------

VALID = {"at": "2025-03-01T09:00:00.000000Z", "item": 3, "note": "", "status": "pass"}


def _doc(**changes) -> str:
    return json.dumps({"format": 1, "decisions": {"3": VALID}, "history": [VALID], **changes})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format": 1, "decisions": {', "invalid JSON at line 1 column 29"),
        ("[1, 2]", "the top level is not an object"),
        (_doc(format="1"), "'format' must be a positive integer"),
        (json.dumps({"decisions": {}}), "'format' must be a positive integer"),
        (_doc(decisions=[VALID]), "'decisions' is not an object"),
        (_doc(history={}), "'history' is not a list"),
        (_doc(decisions={"3": {**VALID, "item": 23}}), "decisions['3']: checklist item must be an integer from 1 to 22"),
        (_doc(decisions={"4": VALID}), "decisions['4'] holds item 3"),
        (_doc(history=[{**VALID, "status": "ok"}]), "history[0]: status must be one of"),
        (_doc(history=[{**VALID, "at": "yesterday"}]), "history[0]: Invalid isoformat"),
        (_doc(history=[{"item": 3, "status": "pass"}]), "history[0] has no 'at'"),
        ('<<<<<<< HEAD\n{"format": 1}\n=======\n{"format": 1}\n>>>>>>> branch\n', "git merge-conflict markers"),
    ],
)
def test_a_corrupt_file_is_refused_and_kept_untouched(tmp_path, text, reason) -> None:
    path = tmp_path / "d.json"
    path.write_text(text)
    before = path.read_bytes()
    with pytest.raises(DecisionsFileError) as caught:
        DecisionStore(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a valid decisions file (") and reason in message
    assert "kept untouched" in message and caught.value.path == str(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["d.json"]


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DecisionsFileError, match="not UTF-8 text"):
        DecisionStore(path)
    assert path.read_bytes() == b"\xff\xfe\x00garbage"


def test_a_newer_format_is_refused_and_kept_untouched(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(_doc(format=3))
    before = path.read_bytes()
    with pytest.raises(DecisionsFileError, match=r"newer archreview \(format 3; this version reads format 2\)"):
        DecisionStore(path)
    assert path.read_bytes() == before


def test_a_folder_is_not_a_decisions_file(tmp_path: Path) -> None:
    with pytest.raises(DecisionsFileError, match="is a folder"):
        DecisionStore(tmp_path)


@pytest.mark.parametrize("replacement", ['{"format": 1, "decisions": ', _doc(format=7)])
def test_a_file_spoiled_during_the_session_is_not_overwritten(tmp_path, replacement) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path)
    store.record(1, "pass")
    path.write_text(replacement)  # e.g. a bad merge, or a newer archreview in another tab
    decision = store.record(2, "fail", "made after the file was spoiled")
    assert path.read_text() == replacement
    assert store.get(2) == decision and store.unsaved == (decision,)
    assert store.last_error.startswith(f"could not save to {path}: ")
    assert "kept untouched" in store.last_error and "kept in this session" in store.last_error
    path.unlink()  # the team moves the spoiled file aside
    assert store.save() is True
    assert DecisionStore(path).get(2) == decision


@pytest.mark.parametrize("linked", ["d.json", "d.json.lock"])
def test_a_decisions_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path, linked) -> None:
    """Issue 15 case 3: a committed link must not redirect a write, nor be silently replaced by a file."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / linked).symlink_to(outside)
    path = folder / "d.json"
    if linked == "d.json":
        with pytest.raises(DecisionsFileError, match="is a symbolic link"):
            DecisionStore(path)
    store = DecisionStore(tmp_path / "elsewhere.json")
    store.path = path  # a link that appears during the session
    decision = store.record(3, "fail", "decided while a link sat in the way")
    assert "is a symbolic link" in store.last_error and store.get(3) == decision
    assert outside.read_text() == "keep me\n" and (folder / linked).is_symlink()


def test_deeply_nested_json_is_a_corrupt_file_not_a_crash(tmp_path) -> None:
    """Issue 15 case 5: a RecursionError in the JSON parser is one DecisionsFileError; record() sets last_error."""
    path = tmp_path / "d.json"
    deep = '{"format": 1, "decisions": ' + "[" * 200_000 + "]" * 200_000 + "}"
    path.write_text(deep)
    with pytest.raises(DecisionsFileError, match="nested too deeply"):
        DecisionStore(path)
    store = DecisionStore(tmp_path / "other.json")
    store.path = path
    decision = store.record(5, "concern")
    assert "nested too deeply" in store.last_error and store.get(5) == decision
    assert path.read_text() == deep


# --- decisions on single findings, by fingerprint ------------------------------------

FP_A, FP_B = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"


def test_a_finding_decision_round_trips_beside_the_item_decisions(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    store = DecisionStore(path, clock=clock_from(T0))
    verdict = store.record(2, "fail", "retries re-send the charge", "critical", "ana")
    items_only = path.read_bytes()
    assert json.loads(items_only)["format"] == 1 and b"findings" not in items_only  # what older versions write
    dismissed = store.record_finding(FP_A, "false_positive", "the lock is taken by the caller", "ana",
                                     item=5, path="app/orders.py")
    store.record_finding(FP_B, "accepted", "one consumer for now; revisit at 10k users", "ana", item=2)
    again = DecisionStore(path)
    assert again.finding(FP_A) == dismissed and dismissed.dismissed
    assert [(f.fingerprint, f.status, f.reason) for f in again.findings()] == [
        (FP_A, "false_positive", "the lock is taken by the caller"),
        (FP_B, "accepted", "one consumer for now; revisit at 10k users")]
    assert again.get(2) == verdict and again.history() == (verdict,)  # the item decision is kept as it was
    doc = json.loads(path.read_text("utf-8"))
    assert doc["format"] == 2  # an older archreview refuses it (and keeps it) rather than dropping the findings
    assert doc["findings"][FP_A] == {"at": "2025-03-01T09:00:01.000000Z", "fingerprint": FP_A, "item": 5,
                                     "path": "app/orders.py", "reason": "the lock is taken by the caller",
                                     "reviewer": "ana", "status": "false_positive"}
    reopened = again.record_finding(FP_A, "open", "the caller changed", "bo")
    assert DecisionStore(path).finding(FP_A) == reopened and not reopened.dismissed
    assert [f.status for f in DecisionStore(path).finding_history() if f.fingerprint == FP_A] == [
        "false_positive", "open"]


def test_a_file_from_an_older_version_keeps_its_decisions_when_a_finding_is_added(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    old = {"format": 1, "decisions": {"3": {"at": "2025-01-31T14:02:11.123456Z", "fingerprint": None, "item": 3,
                                            "note": "swallowed", "reviewer": "mei", "severity": "high",
                                            "status": "concern"}},
           "history": [{"at": "2025-01-31T14:02:11.123456Z", "fingerprint": None, "item": 3, "note": "swallowed",
                        "reviewer": "mei", "severity": "high", "status": "concern"}]}
    path.write_text(json.dumps(old))
    store = DecisionStore(path)
    store.record_finding(FP_A, "accepted", "known, tracked in JIRA-12")
    doc = json.loads(path.read_text("utf-8"))
    assert doc["decisions"] == old["decisions"] and doc["history"] == old["history"]
    assert list(doc["findings"]) == [FP_A]


def test_two_writers_deciding_findings_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    a = DecisionStore(path, clock=clock_from(T0))
    b = DecisionStore(path, clock=clock_from(T0 + timedelta(minutes=5)))
    a.record_finding(FP_A, "false_positive", "A: not reachable")
    b.record_finding(FP_B, "accepted", "B: accepted")
    b.record_finding(FP_A, "accepted", "B, later: real but accepted")
    a.record(4, "pass")
    merged = DecisionStore(path)
    assert {f.fingerprint: f.reason for f in merged.findings()} == {FP_A: "B, later: real but accepted",
                                                                  FP_B: "B: accepted"}
    assert [f.reason for f in merged.finding_history()] == ["A: not reachable", "B: accepted",
                                                            "B, later: real but accepted"]
    assert merged.get(4).status == "pass"


@pytest.mark.parametrize(("entry", "message"), [
    ({"findings": {FP_A: {"fingerprint": FP_A, "status": "wontfix", "at": "2025-01-01T00:00:00Z"}}},
     "a finding's status must be one of open, false_positive, accepted"),
    ({"findings": {FP_A: {"fingerprint": FP_B, "status": "accepted", "at": "2025-01-01T00:00:00Z"}}},
     f"holds finding {FP_B}"),
    ({"finding_history": {}}, "'finding_history' is not a list"),
])
def test_a_bad_finding_entry_keeps_the_file_untouched(tmp_path: Path, entry, message) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"format": 2, "decisions": {}, "history": [], **entry}))
    before = path.read_bytes()
    with pytest.raises(DecisionsFileError, match=message):
        DecisionStore(path)
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="fingerprint"):
        DecisionStore(tmp_path / "other.json").record_finding("not a fingerprint", "accepted")
