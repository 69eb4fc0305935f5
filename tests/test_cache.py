"""The analysis cache: a size limit with the oldest entries evicted first, and `archreview cache info|clear`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from archreview import cli
from archreview.analysis import cache as cache_module
from archreview.analysis.cache import FactsCache, cache_info, entry_key
from archreview.core.model import FileFacts
from archreview.core.paths import package_path

pytestmark = pytest.mark.usefixtures("private_cache")  # ARCHREVIEW_CACHE_DIR is tmp_path / "cache"


def _facts(n: int) -> FileFacts:
    return FileFacts(f"m{n}.py", "python", lines=n, imports=())


def _stored(folder: Path) -> list[str]:
    with sqlite3.connect(folder / "facts.sqlite3") as db:
        return [k for (k,) in db.execute("SELECT key FROM facts ORDER BY written, key")]


def test_a_write_over_the_limit_evicts_the_oldest_entries_first(tmp_path):
    folder = tmp_path / "c"
    probe = FactsCache(folder, limit=1 << 30)
    probe.put_many({"probe": _facts(0)})
    one = probe.size  # the signed size of one such entry
    probe.close()
    (folder / "facts.sqlite3").unlink()

    cache = FactsCache(folder, limit=int(one * 3.5))
    keys = [entry_key("file", n) for n in range(6)]
    for n, key in enumerate(keys[:3]):
        cache.put_many({key: _facts(n)})
    assert _stored(folder) == keys[:3] and cache.size == 3 * one
    cache.put_many({keys[3]: _facts(3)})  # 4 entries > 3.5: evict down to 0.9 x 3.5 = 3.15, i.e. 3 entries
    assert _stored(folder) == keys[1:4] and cache.size == 3 * one
    cache.put_many({keys[4]: _facts(4), keys[5]: _facts(5)})
    assert set(_stored(folder)) == set(keys[3:6])  # one write: one time, so no order between the two
    cache.close()

    reopened = FactsCache(folder, limit=int(one * 3.5))  # the size is read back, the evicted entries are gone
    assert reopened.size == 3 * one
    assert set(reopened.get_many(keys)) == set(keys[3:6])
    assert reopened.get_many([keys[5]])[keys[5]] == _facts(5)  # still signed and checked


def test_a_cache_file_of_the_old_layout_is_emptied_not_fatal(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    with sqlite3.connect(folder / "facts.sqlite3") as db:
        db.execute("CREATE TABLE facts (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        db.execute("INSERT INTO facts VALUES ('k', x'00')")
    assert cache_info(folder).entries == 0
    cache = FactsCache(folder)
    assert cache.problem is None and cache.get_value("k") is None
    cache.put_value("k", 1)
    assert cache_info(folder).entries == 1


@pytest.fixture
def own_package(tmp_path, monkeypatch):
    """A copy of archreview's sources that the cache fingerprints in place of the real ones."""
    copy = tmp_path / "archreview"
    shutil.copytree(package_path(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "package_path", lambda: copy)
    cache_module.code_fingerprint.cache_clear()
    yield copy
    cache_module.code_fingerprint.cache_clear()


def test_an_entry_pickled_with_the_facts_of_another_shape_is_never_read(tmp_path, own_package):
    # A frozen dataclass with slots unpickles field by field, in order: FileFacts of another shape (say, with
    # Celery tasks as strings in ``declares`` before they had fields of their own) would load wrong, not fail.
    # Every key holds a hash of the package's sources, so a version whose model differs asks other keys.
    key = entry_key("shop/tasks.py", "9daeafb9864cf43055ae93beb0afd6c7d144bfa4")
    old = FactsCache(tmp_path / "c")
    old.put_many({key: FileFacts("shop/tasks.py", "python", declares=(("celery-task", "6\t7\trefresh\t"),))})
    old.close()
    model = own_package / "core" / "model.py"
    model.write_text(model.read_text().replace("    celery_tasks: tuple[CeleryTask, ...] = ()\n", ""))
    cache_module.code_fingerprint.cache_clear()
    now = entry_key("shop/tasks.py", "9daeafb9864cf43055ae93beb0afd6c7d144bfa4")
    assert now != key
    reopened = FactsCache(tmp_path / "c")
    assert reopened.get_many([now]) == {} and set(reopened.get_many([key])) == {key}  # there, but under the old key


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cache_info_and_clear_from_the_command_line(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "cache"
    code, out, _ = _cli(capsys, "cache", "info")
    assert code == 0 and f"location: {folder / 'facts.sqlite3'}" in out and "entries: 0" in out
    assert not folder.exists()  # looking does not create it

    project = tmp_path / "project"
    project.mkdir()
    for n in range(3):
        (project / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    assert _cli(capsys, "analyze", str(project), "--jobs", "1")[0] == 0
    code, out, _ = _cli(capsys, "cache", "info")
    entries = int(out.split("entries: ")[1].split()[0])
    assert code == 0 and entries >= 3 and "limit: 2048 MiB" in out

    code, _, err = _cli(capsys, "cache", "clear")
    assert code == 0 and f"{entries} entries" in err
    assert "entries: 0" in _cli(capsys, "cache", "info")[1]
    assert (folder / "secret").is_file()  # the signing secret stays
    assert _cli(capsys, "analyze", str(project), "--jobs", "1")[0] == 0  # and the cache fills again
    assert "entries: 0" not in _cli(capsys, "cache", "info")[1]

    monkeypatch.setenv("ARCHREVIEW_CACHE_LIMIT_MB", "10")
    assert "limit: 10 MiB" in _cli(capsys, "cache", "info")[1]
    monkeypatch.setenv("ARCHREVIEW_CACHE_LIMIT_MB", "lots")
    code, _, err = _cli(capsys, "analyze", str(project))
    assert code == 2 and err.count("\n") == 1 and "ARCHREVIEW_CACHE_LIMIT_MB" in err
