"""The batch file: validation with entry, key and line; defaults; paths; names; cloning URLs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from archreview.batch.plan import (Entry, clone_folder, derived_name, is_url, load_batch, lock_path, materialise, parse_batch,
                                  sanitise)
from archreview.core.errors import BadBatchFile, BadPath

BAD = [
    # (yaml, words the message must contain, line)
    ("repos:\n  - path: a\n    heads: x\n", ["repos entry 1", "'heads'", "head"], 3),
    ("repos:\n  - path: a\n  - name: api\n    path: b\n    base: 1.0\n", ["repos entry 2 (api)", "'base'", "quote"], 5),
    ("repos:\n  - name: x\n", ["repos entry 1 (x)", "'path' is missing"], 2),
    ("repos:\n  - path: [a, b]\n", ["repos entry 1", "'path'", "single value"], 2),
    ("defaults:\n  base: main\n  timeout: soon\n", ["defaults", "'timeout'", "seconds"], 3),
    ("defaults:\n  branch: main\nrepos:\n  - path: a\n", ["defaults", "'branch'"], 2),
    ("repos:\n  - path: a\n    timeout: -5\n", ["repos entry 1", "'timeout'"], 3),
    ("repos:\n  - path: a\n    client: ''\n", ["repos entry 1", "'client' is empty"], 3),
    ("repos:\n  - path: http://example.org/r.git\n", ["repos entry 1", "only https, ssh and file"], 2),
    ("repos:\n  - path: a\nextra: 1\n", ["unknown key 'extra'"], 3),
    ("repos: []\n", ["'repos' must be a non-empty list"], 1),
    ("repos:\n  - just-a-string\n", ["repos entry 1", "mapping"], 2),
    ("- path: a\n", ["mapping with 'defaults' and 'repos'"], 1),
    ("repos:\n  - path: a\n    path: b\n", ["given twice"], 3),
    ("repos:\n  - path: 'a\n", ["not valid YAML"], None),
]


@pytest.mark.parametrize("text, words, line", BAD)
def test_a_bad_batch_file_names_the_entry_key_and_line(text, words, line, tmp_path):
    with pytest.raises(BadBatchFile) as caught:
        parse_batch(text, "batch.yaml", tmp_path)
    for word in words:
        assert word in str(caught.value)
    assert caught.value.path == "batch.yaml"
    if line is not None:
        assert caught.value.line == line


def test_defaults_apply_and_an_entry_wins_even_with_null(tmp_path):
    text = ("defaults:\n  base: main\n  client: Acme\n  reviewer: Jo\n  timeout: 60\n"
            "repos:\n  - path: a\n    head: topic\n  - path: b\n    base: null\n    client: Other\n")
    first, second = parse_batch(text, "b.yaml", tmp_path).entries
    assert (first.base, first.head, first.client, first.reviewer, first.timeout) == ("main", "topic", "Acme", "Jo", 60)
    assert (second.base, second.client, second.reviewer) == (None, "Other", "Jo")
    assert (first.line, second.line) == (7, 9)


def test_relative_paths_are_read_from_the_batch_files_folder(tmp_path, monkeypatch):
    (tmp_path / "ci").mkdir()
    batch = tmp_path / "ci" / "batch.yaml"
    batch.write_text("defaults:\n  context: ctx/archreview.toml\nrepos:\n  - path: ../repo\n"
                     "    decisions: d.json\n  - path: /abs/repo\n  - path: https://example.org/x/api.git\n")
    monkeypatch.chdir("/")
    local, absolute, url = load_batch(batch).entries
    assert local.path == str(tmp_path / "ci" / ".." / "repo")
    assert Path(local.path).resolve() == (tmp_path / "repo").resolve()
    assert local.context == str(tmp_path / "ci" / "ctx" / "archreview.toml")
    assert local.decisions == str(tmp_path / "ci" / "d.json")
    assert absolute.path == "/abs/repo"
    assert (url.path, url.is_url) == ("https://example.org/x/api.git", True)


def test_an_unreadable_batch_file_is_a_batch_file_error(tmp_path):
    with pytest.raises(BadBatchFile, match="cannot read"):
        load_batch(tmp_path / "missing.yaml")


def test_repeated_names_get_distinct_folders_case_blind(tmp_path):
    text = ("repos:\n  - path: svc\n  - path: other/svc\n  - name: Svc\n    path: x\n  - name: svc-2\n    path: y\n"
            "  - path: svc\n    head: feature/a\n")
    text += "  - {name: index.html, path: z}\n  - {name: Summary.CSV, path: z}\n"
    names = [e.name for e in parse_batch(text, "b.yaml", tmp_path).entries]
    assert names == ["svc", "svc-2", "Svc-3", "svc-2-2", "svc-feature-a", "index.html-2", "Summary.CSV-2"]
    assert len({n.lower() for n in names}) == len(names)


@pytest.mark.parametrize("raw, clean", [
    ("api", "api"), ("feature/x y", "feature-x-y"), ("../../etc", "etc"), (".hidden", "hidden"),
    ("a:b*c?d", "a-b-c-d"), ("", "repo"), ("///", "repo"), ("é-ü", "repo"), ("x" * 200, "x" * 80),
])
def test_names_are_safe_folder_names(raw, clean):
    assert sanitise(raw) == clean


@pytest.mark.parametrize("path, head, name", [
    ("/src/billing", None, "billing"), ("/src/billing/", "main", "billing-main"),
    ("https://example.org/org/shop.git", None, "shop"), ("git@example.org:org/shop.git", "v2", "shop-v2"),
])
def test_a_name_is_derived_from_path_and_head(path, head, name):
    assert derived_name(path, head) == name


@pytest.mark.parametrize("path, url", [
    ("https://h/x.git", True), ("ssh://git@h/x", True), ("file:///srv/x", True), ("git@h:o/x.git", True),
    ("./x", False), ("/srv/x", False), ("C:/x", False), ("ext::sh -c touch% /tmp/x", False),
])
def test_what_counts_as_a_url(path, url):
    assert is_url(path) is url


def _git(*args: str, cwd: Path) -> str:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _origin(tmp_path: Path) -> Path:
    origin = tmp_path / "origin"
    origin.mkdir()
    _git("init", "-q", "-b", "main", cwd=origin)
    (origin / "app.py").write_text("x = 1\n")
    _git("add", "app.py", cwd=origin)
    _git("commit", "-q", "-m", "one", cwd=origin)
    _git("branch", "topic", cwd=origin)
    return origin


def test_a_file_url_is_mirrored_with_its_branches_then_fetched_again(tmp_path):
    origin = _origin(tmp_path)
    entry = Entry("o", origin.as_uri(), 1)
    local = materialise(entry, tmp_path / "cache")
    assert local == clone_folder(origin.as_uri(), tmp_path / "cache")
    assert _git("rev-parse", "topic", cwd=local) == _git("rev-parse", "topic", cwd=origin)
    (origin / "app.py").write_text("x = 2\n")
    _git("commit", "-q", "-am", "two", cwd=origin)
    assert materialise(entry, tmp_path / "cache") == local
    assert _git("rev-parse", "main", cwd=local) == _git("rev-parse", "main", cwd=origin)
    assert list(local.parent.iterdir()) == [local]  # no lock file left beside the clone


def test_a_clone_lock_left_by_a_killed_holder_is_taken_over_and_removed(tmp_path):
    import signal
    import sys

    origin = _origin(tmp_path)
    target = clone_folder(origin.as_uri(), tmp_path / "cache")
    target.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from archreview.core.locks import exclusive\n"
                               "with exclusive(sys.argv[1]):\n print('held', flush=True); time.sleep(600)",
                               lock_path(target)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert Path(lock_path(target)).exists()  # the dead holder's file...
    assert materialise(Entry("o", origin.as_uri(), 1), tmp_path / "cache") == target
    assert list(target.parent.iterdir()) == [target]  # ...taken over, then removed


def test_a_local_path_is_used_as_is_and_a_failed_clone_says_why(tmp_path):
    assert materialise(Entry("x", str(tmp_path), 1), tmp_path / "cache") == tmp_path
    with pytest.raises(BadPath, match="cannot get the repository"):
        materialise(Entry("x", (tmp_path / "nothing-here").as_uri(), 1), tmp_path / "cache")


def test_a_transport_outside_https_ssh_file_is_refused_by_git(tmp_path):
    marker = tmp_path / "ran"
    entry = Entry("x", f"ssh://-oProxyCommand=touch {marker}/x", 1)
    with pytest.raises(BadPath):
        materialise(entry, tmp_path / "cache")
    assert not marker.exists()
