"""Issue 15 cases 5-7 and 16: bad input is one line and exit 2, odd names do not stop a review,
and tables that stop say so.

Each test builds the shape the adversarial run used in a git repository made
here and runs the real command on it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from archreview import cli

DEEP_TOML = "[tool.archreview]\nsystem = \"shop\"\nnested = " + "[" * 500 + "]" * 500 + "\n"  # about 1 KB


def _one_line(capsys, *needles: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


def test_deeply_nested_toml_in_the_repositorys_pyproject_is_one_line(git_repo, capsys, private_cache):
    """Case 5: ~1 KB of nested arrays in pyproject.toml was a RecursionError traceback and exit 1."""
    repo = git_repo([{"app/__init__.py": "", "app/core.py": "x = 1\n", "pyproject.toml": DEEP_TOML}])
    assert len(DEEP_TOML) < 1100
    assert cli.main(["analyze", str(repo.path)]) == 2
    _one_line(capsys, "pyproject.toml", "nested too deeply")
    other = git_repo([{"app/__init__.py": "", "pyproject.toml": "[tool.other]\nx = " + "[" * 500 + "]" * 500}], name="other")
    assert cli.main(["analyze", str(other.path), "--json", "-"]) == 0  # a table that is not ours is let be


def test_deeply_nested_json_in_a_decisions_file_is_one_line(git_repo, tmp_path, capsys):
    """Case 5: the decisions file's RecursionError; review refuses before any kernel starts, file kept."""
    repo = git_repo([{"app/__init__.py": ""}])
    deep = tmp_path / "decisions.json"
    deep.write_text('{"format": 1, "decisions": ' + "[" * 100_000 + "]" * 100_000 + "}")
    before = deep.read_bytes()
    assert cli.main(["review", str(repo.path), "--output", str(tmp_path / "r.html"), "--decisions", str(deep)]) == 2
    _one_line(capsys, "nested too deeply", "kept untouched")
    assert deep.read_bytes() == before


@pytest.mark.parametrize("outputs", [["--json", "-"], ["--markdown", "comment.md"], []])
def test_a_broken_decisions_file_given_to_analyze_is_one_line_whatever_it_writes(git_repo, tmp_path, capsys,
                                                                                 private_cache, outputs):
    """`analyze --decisions` with only --json (the fast path) read nothing and said nothing; with --markdown
    it said so only after the whole analysis. Now it is read first, refused in one line, and kept."""
    repo = git_repo([{"app/__init__.py": "", "app/core.py": "x = 1\n"}])
    broken = tmp_path / "decisions.json"
    broken.write_text('{"format": 1, "decisions": {"3": \n')
    before = broken.read_bytes()
    outputs = [str(tmp_path / o) if o.endswith(".md") else o for o in outputs]
    assert cli.main(["analyze", str(repo.path), "--decisions", str(broken), *outputs]) == 2
    _one_line(capsys, "not a valid decisions file", "kept untouched")
    assert broken.read_bytes() == before
    assert not (tmp_path / "comment.md").exists()


def _blocked(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    return blocker / "out"


@pytest.mark.parametrize("command", ["review", "batch", "init", "lab", "analyze"])
@pytest.mark.parametrize("where", ["under a file", "read-only"])
def test_an_unwritable_output_is_one_line_and_exit_2(git_repo, tmp_path, capsys, monkeypatch, command, where):
    """Case 6: a file where a folder is expected, or a place nobody may write (/proc, since tests run as root)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    repo = git_repo([{"app/__init__.py": "", "app/core.py": "x = 1\n"}])
    out = _blocked(tmp_path) if where == "under a file" else Path("/proc/archreview-cannot-write/out")
    batch = tmp_path / "batch.yaml"
    batch.write_text(f"repos:\n  - {{name: one, path: {repo.path}}}\n")
    argv = {
        "review": ["review", str(repo.path), "--output", str(out / "report.html")],
        "batch": ["batch", str(batch), "--output", str(out)],
        "init": ["init", str(repo.path), "--output", str(out / "archreview.toml")],
        "lab": ["lab", str(repo.path), "--workdir", str(out), "--no-browser"],
        "analyze": ["analyze", str(repo.path), "--json", str(out / "analysis.json")],
    }[command]
    assert cli.main(argv) == 2
    line = _one_line(capsys, "cannot write", "choose a writable path")
    assert "a-file is a file, not a folder" in line if where == "under a file" else True
    assert (tmp_path / "a-file").read_text() == "not a folder\n" if where == "under a file" else True


def test_the_default_lab_folder_unwritable_is_one_line(git_repo, tmp_path, capsys, monkeypatch):
    """Case 6, lab without --workdir: its state folder is where a file sits."""
    monkeypatch.setenv("XDG_STATE_HOME", str(_blocked(tmp_path)))
    repo = git_repo([{"app/__init__.py": ""}])
    assert cli.main(["lab", str(repo.path), "--no-browser"]) == 2
    _one_line(capsys, "cannot write")


BAD_NAME = b"app/bad\xff\xfe.py"


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_does_not_stop_the_review(git_repo, tmp_path, capsys, private_cache):
    """Case 7: cell 7 failed with TypeError: set_text(); now the name shows with replacement characters."""
    repo = git_repo([{"app/__init__.py": "", "app/ok.py": "def ok():\n    return 1\n"}])
    (repo.path / "app" / "bad\udcff\udcfe.py").write_bytes(b"def f(x):\n    if x:\n        return 1\n    return 2\n")
    (repo.path / "notes\udce9.txt").write_bytes(b"hello\n")
    repo.commit({})
    assert BAD_NAME in repo.git("ls-files", "-z").encode("utf-8", "surrogateescape")
    out = tmp_path / "out" / "report.html"
    assert cli.main(["review", str(repo.path), "--output", str(out)]) == 0, capsys.readouterr().err
    text = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser").get_text()
    assert "bad\ufffd\ufffd.py" in text
    assert cli.main(["analyze", str(repo.path)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_tables_that_stop_say_so_and_one_module_count_holds(git_repo, private_cache):
    """Case 16: 55 files with problems (table of 50), 35 skipped files (table of 30), two files one module."""
    from archreview.workbook import sections

    files = {"app/__init__.py": "", "app/a.py": "x = 1\n", "lib/app/a.py": "y = 2\n"}  # two files, module app.a
    files.update({f"app/broken_{i}.py": "def broken(:\n" for i in range(55)})
    files.update({f"app/proto_{i}_pb2.py": "x = 1\n" for i in range(35)})
    repo = git_repo([files])
    review = sections.start(str(repo.path), live=False)
    a = review.analysis
    assert len(a.errors) == 55 and len(a.head.skipped) == 35
    html = sections.overview(review).data
    assert "showing 50 of 55 files with problems" in html and "showing 30 of 35 skipped files" in html
    overview = int(re.search(r"(\d+) modules", html).group(1))
    architecture = int(re.search(r"(\d+) modules, ", sections.architecture(review).data).group(1))
    assert overview == architecture == len(a.graph.nodes) == len(a.modules) - 1
    assert f"in {len(a.modules)} files" in html  # two files, one module name: said, not counted twice


def test_an_output_that_is_a_device_or_fifo_is_written_into_not_replaced(tmp_path):
    # `analyze --json /dev/null` renamed a temporary file over /dev/null, leaving a regular file there
    import os
    import stat
    import threading

    from archreview.core.output import write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, '{"ok": true}')
    reader.join(timeout=10)
    assert got == [b'{"ok": true}']
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
