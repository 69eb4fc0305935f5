"""The portfolio ledger: findings followed across batch runs in SQLite, all or nothing per run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from archreview.cli import main
from archreview.core.errors import BadLedger
from archreview.report import ledger
from archreview.report import portfolio as pf
from archreview.report.ledger import Seen
from archreview.report.results import RepoResult, load, write_summary

HOSTILE = '<script>alert("x")</script>'
MONDAY, NEXT_MONDAY = (datetime(2026, 11, d, 9, tzinfo=timezone.utc) for d in (23, 30))


def _seen(*names: str) -> list[Seen]:
    return [Seen(f"fp-{n}", 1, "timeout.requests", f"app/{n}.py", 3) for n in names]


def test_two_runs_give_first_and_last_seen_age_and_resolved_per_repository(tmp_path):
    ledger.record_run(tmp_path, "run1", MONDAY, {"shop": _seen("a", "b"), "billing": _seen("a")})
    ledger.record_run(tmp_path, "run2", NEXT_MONDAY, {"shop": _seen("b", "c")})  # billing failed this time
    found = ledger.read(tmp_path)
    assert found is not None
    rows = {(f.repo, f.fingerprint): (f.first_seen[:10], f.last_seen[:10], f.runs_seen, f.resolved_at, f.age_days)
            for f in found.findings}
    assert rows == {
        ("shop", "fp-a"): ("2026-11-23", "2026-11-23", 1, "2026-11-30T09:00:00+00:00", 7),
        ("shop", "fp-b"): ("2026-11-23", "2026-11-30", 2, None, 7),
        ("shop", "fp-c"): ("2026-11-30", "2026-11-30", 1, None, 0),
        ("billing", "fp-a"): ("2026-11-23", "2026-11-23", 1, None, 7),  # not reviewed in run 2: still open
    }
    assert [(s.seq, s.repo, s.new, s.unchanged, s.resolved, s.open) for s in found.steps] == [
        (1, "billing", 1, 0, 0, 1), (1, "shop", 2, 0, 0, 2), (2, "shop", 1, 1, 1, 2)]
    assert [(t.seq, t.repo, t.new, t.unchanged, t.resolved, t.open) for t in found.totals()] == [
        (1, "2", 3, 0, 0, 3), (2, "1", 1, 1, 1, 2)]
    ledger.record_run(tmp_path, "run3", NEXT_MONDAY, {"shop": _seen("a", "b", "c")})  # a comes back
    back = next(f for f in ledger.read(tmp_path).findings if (f.repo, f.fingerprint) == ("shop", "fp-a"))
    assert (back.resolved_at, back.runs_seen, back.first_seen[:10]) == (None, 2, "2026-11-23")
    assert ledger.read(tmp_path / "nothing-yet") is None


def test_a_crash_in_the_middle_of_a_run_leaves_the_previous_run_whole(tmp_path):
    ledger.record_run(tmp_path, "run1", MONDAY, {"shop": _seen("a", "b")})
    before = (tmp_path / ledger.FILE).read_bytes()
    crash = textwrap.dedent(f"""
        import os, sys
        from datetime import datetime, timezone
        from archreview.report import ledger

        def dying():
            yield ledger.Seen("fp-new", 1, "r", "app/new.py", 1)
            os._exit(9)  # killed half-way through the run's writes: no rollback, no close

        ledger.record_run({str(tmp_path)!r}, "run2", datetime.now(timezone.utc),
                          {{"billing": [ledger.Seen("fp-x", 1, "r", "x.py", 1)], "shop": dying()}})
    """)
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    after = ledger.read(tmp_path)  # the hot journal is rolled back on the next open
    assert after is not None and [r[0] for r in after.runs] == [1]
    assert {(f.repo, f.fingerprint) for f in after.findings} == {("shop", "fp-a"), ("shop", "fp-b")}
    ledger.check(tmp_path)
    assert (tmp_path / ledger.FILE).read_bytes()[:100] == before[:100]


def test_a_damaged_ledger_stops_the_batch_with_one_line_and_is_kept(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / ledger.FILE).write_bytes(b"this is not a database, it was overwritten by accident" * 100)
    (tmp_path / "batch.yaml").write_text(f"repos:\n  - {{path: {tmp_path}}}\n")
    assert main(["batch", str(tmp_path / "batch.yaml"), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ledger.sqlite: the portfolio ledger cannot be used (file is not a database); move it aside" in err and "Traceback" not in err
    assert (out / ledger.FILE).read_bytes().startswith(b"this is not a database")
    assert not (out / "summary.csv").exists()  # nothing ran
    other = tmp_path / "other"
    other.mkdir()
    with sqlite3.connect(other / ledger.FILE) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(BadLedger, match="another program's database"):
        ledger.read(other)


def test_the_trend_section_shows_each_run_and_repository_and_keeps_names_text(tmp_path):
    ledger.record_run(tmp_path, "run1", MONDAY, {HOSTILE: _seen("a", "b"), "shop": _seen("a")})
    ledger.record_run(tmp_path, "run2", NEXT_MONDAY, {HOSTILE: _seen("b"), "shop": _seen("a", "c")})
    write_summary([RepoResult("shop", "reviewed")], tmp_path / "summary.csv")
    page = BeautifulSoup(pf.trend(load(tmp_path)).data, "html.parser")
    assert page.find_all("script") == []
    totals = [[td.get_text() for td in tr.find_all("td")] for tr in page.find(id="trend-totals").tbody.find_all("tr")]
    assert [[t[0], *t[2:]] for t in totals] == [["1", "2", "3", "0", "0", "3"], ["2", "2", "1", "2", "1", "3"]]
    per_repo = [[c.get_text() for c in tr.find_all(["th", "td"])]
                for tr in page.find(id="trend-repositories").tbody.find_all("tr")]
    assert per_repo == [[HOSTILE, "1", "2", "0", "0", "2"], [HOSTILE, "2", "0", "1", "1", "1"],
                        ["shop", "1", "1", "0", "0", "1"], ["shop", "2", "1", "1", "0", "2"]]
    oldest = page.find(id="trend-oldest").tbody.find_all("tr")
    assert oldest[0].find("th").get_text() == HOSTILE and oldest[0].find_all("td")[-1].get_text() == "7"
    empty = tmp_path / "empty"
    empty.mkdir()
    write_summary([], empty / "summary.csv")
    assert "No run recorded" in pf.trend(load(empty)).data
