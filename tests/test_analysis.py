"""The whole analysis on real git repositories built in the test's folder."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from archreview.analysis import runner
from archreview.analysis.run import analyze
from archreview.analysis.cache import FactsCache, entry_key
from archreview.core.model import FileFacts

pytestmark = pytest.mark.usefixtures("private_cache")  # each test gets its own cache folder

APP = {
    "app/__init__.py": "",
    "app/db.py": "import sqlalchemy\nENGINE = sqlalchemy.create_engine('sqlite://')\n",
    "app/services/__init__.py": "",
    "app/services/orders.py": "from ..db import ENGINE\nfrom . import users\n\ndef place(order):\n    if order:\n        return users.find(order)\n    return None\n",
    "app/services/users.py": "import json\n\ndef find(x):\n    return json.dumps(x)\n",
    "ns/plugins/__init__.py": "",
    "ns/plugins/extra.py": "from ns.plugins import __name__ as n\nimport app.db\n",
    "scripts/run.py": "from app.services.orders import place\nplace(1)\n",
}


def test_a_repository_at_two_refs(git_repo):
    repo = git_repo(
        [APP, {"app/services/users.py": None, "app/services/people.py": APP["app/services/users.py"],
               "app/services/orders.py": APP["app/services/orders.py"].replace("users", "people")}],
        branches={"cyclic": [{"app/db.py": "from app.services import orders\n"}]},
    )
    first = analyze(repo.path, head=repo.commits[0])
    second = analyze(repo.path, head=repo.commits[1])
    assert "app.services.users" in first.graph.nodes and "app.services.users" not in second.graph.nodes
    assert ("app.services.orders", "app.services.people") in second.graph.edges
    assert ("app.services.orders", "app.db") in second.graph.edges
    assert ("ns.plugins.extra", "app.db") in first.graph.edges
    assert ("scripts.run", "app.services.orders") in first.graph.edges
    change = analyze(repo.path, base="main", head="cyclic")
    assert change.graph.cycles == (("app.db", "app.services.orders", "app.db"),)
    assert [(v.rule, v.path) for v in change.graph.violations] == [("cycle", "app/db.py")]
    assert change.repo.base == repo.commits[-1] and change.changed_files == ("app/db.py",)


def test_imports_are_classified_in_the_json(git_repo, tmp_path):
    from archreview.report import jsondoc as jsonout

    repo = git_repo([APP])
    document = jsonout.document(analyze(repo.path))
    orders = next(m for m in document["modules"] if m["name"] == "app.services.orders")
    assert [(i["module"], i["category"]) for i in orders["imports"]] == [("app.db", "internal"), ("app.services.users", "internal")]
    db = next(m for m in document["modules"] if m["name"] == "app.db")
    assert db["imports"] == [{"module": "sqlalchemy", "line": 1, "category": "third_party", "distribution": "sqlalchemy"}]
    place = next(f for f in document["complexity"]["functions"] if f["name"] == "place")
    assert place == {"path": "app/services/orders.py", "name": "place", "line": 4, "cc": 2}


def test_a_folder_walk_gives_the_same_modules_as_git(git_repo, tmp_path):
    repo = git_repo([APP])
    from_git = analyze(repo.path)
    folder = tmp_path / "copy"
    for path, text in APP.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    from_folder = analyze(folder)
    assert from_folder.repo.is_git is False and from_folder.repo.head is None
    assert from_folder.graph.edges == from_git.graph.edges


def test_a_second_run_reuses_the_cache_and_corrupt_entries_are_recomputed(git_repo, tmp_path, monkeypatch):
    repo = git_repo([APP, {"app/extra.py": "X = 1\n"}])
    calls: list[str] = []
    real = runner.analyse_many  # files are analysed in a child process: count what is sent there
    monkeypatch.setattr(runner, "analyse_many",
                        lambda tasks, *a, **k: calls.extend(t[0] for t in tasks) or real(tasks, *a, **k))
    cold = analyze(repo.path, jobs=1)
    assert len(calls) == len(APP) + 1
    calls.clear()
    assert analyze(repo.path, jobs=1) == cold and calls == []  # the whole result, read back
    change = analyze(repo.path, base=repo.commits[0], jobs=1)  # a new question on known files
    assert change.head == cold.head and calls == []
    db = sqlite3.connect(tmp_path / "cache" / "facts.sqlite3")
    with db:
        db.execute("UPDATE facts SET value = substr(value, 1, length(value) - 1) || x'00'")
    db.close()
    assert analyze(repo.path, jobs=1) == cold and len(calls) == len(APP) + 1


def test_a_whole_analysis_is_stored_without_its_files_and_recomputed_when_one_of_their_entries_is_gone(
        git_repo, tmp_path, monkeypatch):
    repo = git_repo([APP, {"app/extra.py": "X = 1\n"}])
    calls: list[str] = []
    real = runner.analyse_many
    monkeypatch.setattr(runner, "analyse_many",
                        lambda tasks, *a, **k: calls.extend(t[0] for t in tasks) or real(tasks, *a, **k))
    cold = analyze(repo.path, base=repo.commits[0], jobs=1)
    calls.clear()
    assert analyze(repo.path, base=repo.commits[0], jobs=1) == cold and calls == []  # its files joined again
    db = sqlite3.connect(tmp_path / "cache" / "facts.sqlite3")
    extra = entry_key("app/extra.py", repo.git("rev-parse", "HEAD:app/extra.py").strip())
    assert db.execute("SELECT COUNT(*) FROM facts WHERE key = ?", (extra,)).fetchone() == (1,)
    with db:
        db.execute("DELETE FROM facts WHERE key = ?", (extra,))
    db.close()
    again = analyze(repo.path, base=repo.commits[0], jobs=1)
    assert again == cold and calls == ["app/extra.py"]


def test_an_entry_signed_by_another_cache_is_not_trusted(tmp_path):
    key = entry_key("a.py", "1" * 40)
    theirs = FactsCache(tmp_path / "theirs")
    theirs.put_many({key: FileFacts("a.py", "python", lines=666)})
    blob = theirs.db.execute("SELECT value FROM facts").fetchone()[0]
    theirs.close()
    mine = FactsCache(tmp_path / "mine")
    with mine.db:
        mine.db.execute("INSERT INTO facts (key, value, size, written) VALUES (?, ?, ?, 0)", (key, blob, len(blob)))
    assert mine.get_many([key]) == {}


def test_a_foreign_cache_entry_is_not_trusted(tmp_path):
    cache = FactsCache(tmp_path / "c")
    mine = FileFacts("a.py", "python", lines=1)
    cache.put_many({entry_key("a.py", "1" * 40): mine, entry_key("b.py", "2" * 40): FileFacts("b.py", "python", lines=9)})
    with cache.db:  # copy b's entry under a's key: it decodes, but it is not a's
        cache.db.execute("UPDATE facts SET value = (SELECT value FROM facts WHERE key = ?) WHERE key = ?",
                         (entry_key("b.py", "2" * 40), entry_key("a.py", "1" * 40)))
    cache.close()
    fresh = FactsCache(tmp_path / "c")
    assert fresh.get_many([entry_key("a.py", "1" * 40)]) == {}


def test_no_cache_writes_nothing(git_repo, tmp_path):
    repo = git_repo([APP])
    analyze(repo.path, use_cache=False)
    assert not (tmp_path / "cache").exists()


def _crash_on(path: str):
    real = runner.analyse_file

    def analyse(p, language, data):
        if p == path:
            os._exit(9)  # the worker dies as it would on a segfault or the OOM killer
        return real(p, language, data)

    return analyse


def test_a_file_that_kills_its_worker_is_recorded_and_the_run_goes_on(monkeypatch):
    tasks = [(f"m{i}.py", "python", (f"def f{i}(x):\n    return x\n" * 600).encode()) for i in range(40)]
    monkeypatch.setattr(runner, "analyse_file", _crash_on("m7.py"))
    results = {f.path: f for f in runner.analyse_many(tasks, jobs=2)}
    assert set(results) == {t[0] for t in tasks}
    assert "process died" in results["m7.py"].error
    assert all(f.error is None and len(f.functions) == 600 for p, f in results.items() if p != "m7.py")


def test_parallel_and_serial_runs_agree():
    tasks = [(f"m{i}.py", "python", (f"import os\ndef f{i}(x):\n    if x:\n        return os.sep\n" * 300).encode())
             for i in range(12)]
    serial = sorted(runner.analyse_many(tasks, jobs=1), key=lambda f: f.path)
    parallel = sorted(runner.analyse_many(tasks, jobs=2), key=lambda f: f.path)
    assert serial == parallel


def test_broken_files_are_errors_not_crashes(git_repo):
    repo = git_repo([{**APP, "legacy.py": "print 'py2'\n", "latin.py": b"s = '\xe9'\n", "nul.py": b"x\x00 = 1\n",
                      "deep.py": "x = " + "(" * 400 + ")" * 400 + "\n", "image.png": b"\x89PNG\x00\x00binary",
                      "we ird'<b>\nname.py": "y = 2\n"}])
    result = analyze(repo.path)
    errors = {e.path for e in result.errors}
    assert errors == {"legacy.py", "latin.py", "deep.py"}
    assert {(s.path, s.reason) for s in result.head.skipped} == {("image.png", "binary"), ("nul.py", "binary")}
    assert "we ird'<b>\nname.py" in {f.path for f in result.head.files}
    json.dumps([e.message for e in result.errors])  # plain strings


def test_symlink_loops_and_escapes_in_a_folder_are_skipped(tmp_path):
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("import os\n")
    (root / "pkg" / "loop").symlink_to(root / "pkg", target_is_directory=True)
    (root / "outside.py").symlink_to("/etc/hostname")
    result = analyze(root)
    assert [f.path for f in result.head.files] == ["pkg/a.py"]
    assert {s.path for s in result.head.skipped} == {"outside.py", "pkg/loop"}


def test_a_missing_path_is_a_user_error(tmp_path):
    from archreview.core.errors import BadPath

    with pytest.raises(BadPath, match="no such folder"):
        analyze(tmp_path / "nothing")


def test_refs_on_a_plain_folder_are_refused(tmp_path):
    from archreview.core.errors import BadRef

    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(BadRef, match="not a git repository"):
        analyze(tmp_path, base="main")


def test_repository_facts_are_computed_once_per_snapshot_and_handed_down(git_repo, monkeypatch):
    """Modules, internal names and layer violations: one computation for head, one for base, none elsewhere."""
    from archreview.analysis import assemble
    from archreview.repo import facts, modules

    repo = git_repo([APP, {"app/cache.py": "import redis\nCACHE = redis.Redis()\n"}])
    built = []
    named = []
    real_facts, real_names = facts.repo_facts, modules.name_modules
    monkeypatch.setattr(assemble, "repo_facts", lambda snapshot, *a: built.append(snapshot.ref) or real_facts(snapshot, *a))
    monkeypatch.setattr(modules, "name_modules", lambda *a: named.append(1) or real_names(*a))
    change = analyze(repo.path, base=repo.commits[0], head=repo.commits[1], use_cache=False)
    assert [(n.kind, n.name) for n in change.new_infrastructure] == [("cache", "redis")]
    assert change.new_dependencies == ("redis",)
    assert sorted(built) == sorted([repo.commits[0], repo.commits[1]])
    assert len(named) == 2  # infrastructure, dependencies and the fit test read the names they were handed


def test_the_run_collects_garbage_less_often_and_puts_the_thresholds_back(git_repo, monkeypatch):
    import gc

    from archreview.analysis import assemble
    from archreview.report import jsondoc

    repo = git_repo([APP])
    seen = []
    real_assemble, real_document = assemble.assemble, jsondoc.document
    monkeypatch.setattr(assemble, "assemble", lambda *a, **k: seen.append(gc.get_threshold()) or real_assemble(*a, **k))
    monkeypatch.setattr(jsondoc, "document", lambda a: seen.append(gc.get_threshold()) or real_document(a))
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        jsondoc.encode(analyze(repo.path))
        assert seen == [(50_000, 50, 100)] * 2  # assembling the analysis and building its document
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
