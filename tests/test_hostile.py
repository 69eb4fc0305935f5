"""Hostile inputs that used to take unbounded time or memory (issue 15, "unbounded work").

Each test rebuilds the shape that broke, smaller where the full size would slow
the suite, and bounds the time loosely: the point is linear against quadratic
(minutes before the fix), not a benchmark.
"""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import time

import pytest

from archreview.analysis import runner
from archreview.analysis.perfile import analyse_file
from archreview.analysis.run import analyze
from archreview.context.load import load_context
from archreview.core.errors import BadContext
from archreview.core.model import FileFacts
from archreview.facts.index import dotted


def _timed(path: str, data: bytes):
    start = time.perf_counter()
    facts = analyse_file(path, "python", data)
    return facts, time.perf_counter() - start


def test_many_one_line_functions_are_analysed_in_linear_time():
    # The reported file had 50,000 (940 KB, 11 min 51 s); 20,000 took 85 s before the fix.
    data = "".join(f"def f{i:05d}(): pass\n" for i in range(20_000)).encode()
    facts, seconds = _timed("many.py", data)
    assert facts.error is None and len(facts.functions) == 20_000
    assert all(f.cc == 1 and not f.is_method for f in facts.functions)
    assert seconds < 30  # loose: the suite shares two cores; linear is ~1 s alone


def test_many_one_line_classes_and_methods_keep_their_owners():
    data = "".join(f"class C{i}:\n    def m(self): return {i} if self else 0\n" for i in range(3_000)).encode()
    facts, seconds = _timed("classes.py", data)
    assert facts.error is None and len(facts.classes) == 3_000
    assert {f.name for f in facts.functions[:2]} == {"C0.m", "C1.m"} and all(f.cc == 2 for f in facts.functions)
    assert seconds < 30


def test_a_long_call_chain_is_linear():
    # x = f()()()... with 2,900 calls (5.8 KB): about 7 s before the fix (27 s on a loaded machine).
    # 2,700 here: pytest's own stack frames leave the parser less recursion depth than a worker has.
    facts, seconds = _timed("chain.py", ("x = f" + "()" * 2_700 + "\n").encode())
    assert facts.error is None and facts.lines == 1
    assert seconds < 10


def test_real_method_chains_keep_their_names_and_hostile_ones_are_cut():
    real = ast.parse("session.query(User).filter(a).order_by(b).limit(3).all()", mode="eval").body
    assert dotted(real) == "session.query.filter.order_by.limit.all"
    hostile = ast.parse("a" + ".b()" * 500, mode="eval").body
    assert dotted(hostile) == ""


# --- the worker pool: crashes, stalls, and where untrusted files are parsed ------------------

def _dies_on(*paths: str, how: str = "exit"):
    """analyse_file for a forked worker that dies on ``paths`` as on a segfault or the OOM killer."""
    real = runner.analyse_file

    def analyse(path, language, data):
        if path in paths:
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(139)
        return real(path, language, data)

    return analyse


def _count_starts(monkeypatch) -> list[int]:
    starts: list[int] = []
    real = runner._start
    monkeypatch.setattr(runner, "_start", lambda: starts.append(1) or real())
    return starts


def _module(i: int) -> bytes:
    """8 KB that is cheap to analyse (mostly a comment), so 60 of them go parallel but run fast."""
    return (f"import os\n\ndef f{i}(x):\n    if x:\n        return os.sep\n" + "# padding\n" * 800).encode()


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_a_dead_worker_costs_one_restart_not_a_process_per_file(monkeypatch, how):
    tasks = [(f"m{i}.py", "python", _module(i)) for i in range(60)]  # 490 KB: parallel chunks
    monkeypatch.setattr(runner, "analyse_file", _dies_on("m3.py", "m41.py", how=how))
    starts = _count_starts(monkeypatch)
    begun = time.perf_counter()
    results = {f.path: f for f in runner.analyse_many(tasks, jobs=2)}
    assert set(results) == {t[0] for t in tasks}
    assert results["m3.py"].error == runner.DIED and results["m41.py"].error == runner.DIED
    assert all(f.error is None and len(f.functions) == 1 and f.functions[0].cc == 2 for p, f in results.items() if p not in {"m3.py", "m41.py"})
    # the two workers, and per culprit a replacement and one retry alone (was a process per unfinished file)
    assert len(starts) <= 2 + 2 * 2
    assert time.perf_counter() - begun < 30


def test_a_small_run_parses_in_a_child_process_and_survives_a_crash(monkeypatch):
    tasks = [("a.py", "python", b"x = 1\n"), ("boom.py", "python", b"y = 2\n"), ("c.py", "python", b"z = 3\n")]
    monkeypatch.setattr(runner, "analyse_file", _dies_on("boom.py"))
    starts = _count_starts(monkeypatch)
    results = {f.path: f for f in runner.analyse_many(tasks, jobs=1)}  # before: os._exit took pytest down
    assert results["boom.py"].error == runner.DIED
    assert results["a.py"].error is None and results["c.py"].error is None and results["c.py"].lines == 1
    assert len(starts) <= 3  # one worker, a replacement, at most one more after the retry alone


def test_a_worker_killed_from_outside_costs_no_result(monkeypatch, tmp_path):
    """The OOM killer may pick a worker whose file is innocent: tried again alone, it is analysed."""
    real = runner.analyse_file
    marker = tmp_path / "killed-once"

    def analyse(path, language, data):
        if path == "m5.py" and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, language, data)

    monkeypatch.setattr(runner, "analyse_file", analyse)
    tasks = [(f"m{i}.py", "python", _module(i)) for i in range(60)]
    results = {f.path: f for f in runner.analyse_many(tasks, jobs=2)}
    assert marker.exists() and len(results) == 60 and all(f.error is None for f in results.values())


def test_an_analyser_bug_is_the_file_s_error_not_a_dead_worker(monkeypatch):
    real = runner.analyse_file

    def analyse(path, language, data):
        if path == "bug.py":
            raise KeyError("unexpected shape")
        return real(path, language, data)

    monkeypatch.setattr(runner, "analyse_file", analyse)
    starts = _count_starts(monkeypatch)
    results = {f.path: f for f in runner.analyse_many([("bug.py", "python", b"x = 1\n"), ("ok.py", "python", b"y = 2\n")])}
    assert results["bug.py"].error.startswith("the analyser failed on this file (KeyError")
    assert not runner.transient(results["bug.py"].error) and results["ok.py"].error is None and len(starts) == 1


def test_small_runs_never_parse_in_the_main_process(monkeypatch):
    monkeypatch.setattr(runner, "analyse_file", lambda path, language, data: FileFacts(path, language, lines=os.getpid()))
    [facts] = runner.analyse_many([("a.py", "python", b"x = 1\n")], jobs=1)
    assert facts.lines != os.getpid()


def test_a_file_over_the_time_budget_is_an_error_and_the_run_goes_on():
    slow = "".join(f"def f{i:05d}(): pass\n" for i in range(50_000)).encode()  # seconds of honest work
    tasks = [("slow.py", "python", slow), *((f"m{i}.py", "python", b"x = 1\n") for i in range(4))]
    begun = time.perf_counter()
    results = {f.path: f for f in runner.analyse_many(tasks, jobs=2, budget=0.3)}
    assert results["slow.py"].error == runner.OVER_BUDGET.format(seconds=0.3) and runner.transient(results["slow.py"].error)
    assert all(results[f"m{i}.py"].error is None for i in range(4))
    assert time.perf_counter() - begun < 10


@pytest.mark.usefixtures("private_cache")
def test_a_stalled_file_does_not_stall_the_run_and_is_not_cached(git_repo, monkeypatch):
    repo = git_repo([{"stall.py": "x = 1\n", "ok.py": "y = 2\n"}])
    real = runner.analyse_file
    monkeypatch.setattr(runner, "analyse_file",
                        lambda p, lang, data: time.sleep(3600) if p == "stall.py" else real(p, lang, data))
    monkeypatch.setenv("ARCHREVIEW_FILE_SECONDS", "0.5")
    begun = time.perf_counter()
    first = analyze(repo.path)
    assert time.perf_counter() - begun < 10
    assert [(e.path, "time budget" in e.message) for e in first.errors] == [("stall.py", True)]
    monkeypatch.setattr(runner, "analyse_file", real)
    again = analyze(repo.path, use_cache=True)
    assert again.errors == () and "stall.py" in {f.path for f in again.head.files}


# --- regular expressions over repository text --------------------------------------------------

def _quick(call, *args) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


_LONG = 20_000
_ARCHITECTURE_LINES = {
    "digits": "1" * _LONG,  # the reported case: 116 s before
    "digits with separators": "1," * (_LONG // 2),
    "spaces in a heading": "#" + " " * _LONG + "x",
    "a pattern item without a colon": "- a" + " " * _LONG,
    "an example path": "`" + "a/" * (_LONG // 2),
    "a directory item": "- " + "a/" * (_LONG // 2) + "!",
    "do not use": "we do not use" + " " * _LONG + "x",
    "words": "users " * (_LONG // 6),
}


@pytest.mark.parametrize("shape", sorted(_ARCHITECTURE_LINES))
def test_a_hostile_line_in_architecture_md_is_read_in_linear_time(shape):
    line = _ARCHITECTURE_LINES[shape]
    text = f"# Architecture\n\n## Scale\n\n{line}\n\n## Example\n\n{line}\n\n## Patterns we use\n\n{line}\n\n## Do not use\n\n{line}\n"
    assert _quick(load_context, {"ARCHITECTURE.md": text}) < 1.0


@pytest.mark.parametrize("line", ["x" + " " * _LONG + "y = 1", "[" + " " * _LONG + "x", "[" + " a" * (_LONG // 2),
                                  "a" + " " * _LONG + "=" + " " * _LONG])
def test_a_hostile_line_in_pyproject_is_read_in_linear_time(line):
    text = f'[tool.archreview]\nsystem = "monolith"\n{line}\n[[tool.archreview.layers]]\nname = 3\n'
    begun = time.perf_counter()
    with contextlib.suppress(BadContext):
        load_context({"pyproject.toml": text})
    assert time.perf_counter() - begun < 1.0


def test_what_the_linear_patterns_still_read():
    text = ("# Architecture ##\n\n## Scale\n\n10,000 daily users and 2.5m requests per day; 40 GB of data.\n\n"
            "## Patterns we use\n\n- **Data access**: repositories\n\n## Example\n\n- `app/services/orders.py`\n\n"
            "We do not use message queues or caching.\n")
    context = load_context({"ARCHITECTURE.md": text})
    assert context.scale.users == 10_000 and context.scale.requests_per_day == 2_500_000
    assert context.patterns == (("data_access", "repositories"),)
    assert set(context.patterns_not_used) == {"message_queue", "cache"}


def test_a_long_identifier_and_a_long_requirements_line_are_linear():
    name = "a" * _LONG
    source = f"{name} = 1\ndef {name}2(): pass\n".encode()
    assert _quick(analyse_file, "ident.py", "python", source) < 2.0  # camelCase check on the name: minutes before
    for line in ("x" + "\t" * _LONG + "y", "-e" + " " * _LONG, "-r" + " " * _LONG, "django" + " " * _LONG + "--hash"):
        assert _quick(analyse_file, "requirements.txt", "requirements", f"{line}\n".encode()) < 1.0
    facts = analyse_file("requirements.txt", "requirements", b"django>=4 --hash=sha256:abc\n-e git+https://x/y#egg=Flask\n")
    assert {r.name for r in facts.requirements} == {"django", "flask"}


@pytest.mark.usefixtures("private_cache")
def test_workers_start_before_the_contents_are_read_and_none_outlives_the_run(git_repo, tmp_path, monkeypatch):
    """A forked worker begins as a copy of its parent: started after the parent had read every file, each
    carried all the sources (sympy: 30 MB a worker). They start first, do the work, and end with the run,
    also when the cache answered for every file and they had nothing to do (a plain folder, warm)."""
    from archreview.sources import files

    started: list = []
    at_read: list[int] = []
    real_start, real_read = runner._start, files.read_sources
    monkeypatch.setattr(runner, "_start", lambda: started.append(real_start()) or started[-1])

    def read(*args, **kwargs):
        at_read.append(len(started))
        yield from real_read(*args, **kwargs)

    monkeypatch.setattr(files, "read_sources", read)
    repo = git_repo([{"a.py": "x = 1\n", "b.py": "def f():\n    return 2\n"}])
    result = analyze(repo.path)
    assert at_read == [1] and len(started) == 1  # a small run: one worker, forked before the first read
    assert {f.path: f.lines for f in result.head.files} == {"a.py": 1, "b.py": 2}
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "c.py").write_text("y = 3\n")
    analyze(folder)
    analyze(folder)  # every file a cache hit: the worker started for it had nothing to do
    assert len(started) == 3 and not any(w.process.is_alive() for w in started)
