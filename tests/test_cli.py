"""The command line: exit codes, one-line errors, and the JSON contract (golden file)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from archreview import cli

pytestmark = pytest.mark.usefixtures("private_cache")  # each test gets its own cache folder

GOLDEN = Path(__file__).parent / "golden" / "small.json"
SMALL = [
    {
        "shop/__init__.py": "",
        "shop/db.py": "import sqlalchemy\n\nENGINE = sqlalchemy.create_engine('sqlite://')\n",
        "shop/orders.py": "from .db import ENGINE\nfrom . import pricing\n\n\ndef total(order):\n    if not order:\n        return 0\n    return pricing.price(order)\n",
        "shop/pricing.py": "import decimal\n\n\ndef price(order):\n    return decimal.Decimal(len(order))\n",
        "requirements.txt": "sqlalchemy==2.0\n",
    },
    {
        "shop/pricing.py": "import decimal\nfrom . import orders\n\n\ndef price(order):\n    return decimal.Decimal(len(order))\n",
        "shop/cache.py": "import redis\n\nCLIENT = redis.Redis(host='cache')\n",
        "requirements.txt": "sqlalchemy==2.0.1\nredis\n",
    },
]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it."""
    exe = Path(sys.executable).with_name("archreview")
    return subprocess.run([str(exe), *argv], capture_output=True, text=True, env={**os.environ}, timeout=300)


def _masked(document: dict, repo: Path) -> dict:
    text = json.dumps(document, indent=1, sort_keys=True).replace(str(repo), "<repo>")
    return json.loads(re.sub(r"\b[0-9a-f]{40}\b", "<commit>", text))


def test_the_json_contract_on_a_small_change(git_repo, tmp_path):
    repo = git_repo(SMALL)
    out = tmp_path / "out.json"
    done = run("analyze", str(repo.path), "--base", repo.commits[0], "--head", "main", "--json", str(out))
    assert done.returncode == 0, done.stderr
    document = _masked(json.loads(out.read_text()), repo.path)
    for key in ("repo", "files", "modules", "graph", "complexity", "new_infrastructure", "new_dependencies",
                "findings", "fit_test", "errors"):
        assert key in document
    assert document["new_dependencies"] == ["redis"]
    assert [(n["kind"], n["name"]) for n in document["new_infrastructure"]] == [("cache", "redis")]
    assert document["graph"]["cycles"] == [["shop.orders", "shop.pricing", "shop.orders"]]
    if os.environ.get("ARCHREVIEW_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    assert document == json.loads(GOLDEN.read_text()), "run with ARCHREVIEW_UPDATE_GOLDEN=1 after checking the diff"


def test_json_to_stdout_and_the_summary(git_repo):
    repo = git_repo(SMALL)
    done = run("analyze", str(repo.path), "--json", "-")
    assert done.returncode == 0 and json.loads(done.stdout)["repo"]["head"] == repo.commits[-1]
    summary = run("analyze", str(repo.path), "--base", repo.commits[0])
    assert summary.returncode == 0
    assert "NEW cache: redis" in summary.stdout and "cycles: 1" in summary.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", "{missing}"], "no such folder"),
        (["analyze", "{file}"], "not a folder"),
        (["analyze", "{repo}", "--base", "--output=x"], "argument --base: expected one argument"),
        (["analyze", "{repo}", "--base=--output=x"], "refusing ref '--output=x'"),
        (["analyze", "{repo}", "--head", "no-such-branch"], "unknown ref 'no-such-branch'"),
        (["analyze", "{plain}", "--base", "main"], "not a git repository"),
        (["analyze", "{repo}", "--context", "{missing}"], "cannot read the context file"),
        (["analyze", "{repo}", "--context", "{badcontext}"], "patterns_not_used"),
        (["analyze", "{repo}", "--json", "{file}/y.json"], "cannot write"),  # a file where a folder is expected
        (["review", "{repo}", "--output", "r.html", "--decisions", "{corrupt}"], "kept"),
        (["analyze"], "the following arguments are required: path"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(git_repo, tmp_path, argv, message):
    repo = git_repo(SMALL)
    plain = tmp_path / "plain"
    plain.mkdir()
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "bad.toml").write_text('patterns_not_used = ["queue"]\n')
    (tmp_path / "corrupt.json").write_text("{not json")
    values = {"missing": str(tmp_path / "missing"), "file": str(tmp_path / "file.txt"), "repo": str(repo.path),
              "plain": str(plain), "badcontext": str(tmp_path / "bad.toml"), "corrupt": str(tmp_path / "corrupt.json")}
    done = run(*[a.format(**values) for a in argv])
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr
    if "corrupt" in " ".join(argv):
        assert (tmp_path / "corrupt.json").read_text() == "{not json"  # the reviewer's file is never overwritten


def test_init_drafts_a_context_that_loads_back(git_repo, tmp_path):
    from archreview.context.load import load_context

    repo = git_repo(SMALL)
    assert cli.main(["init", str(repo.path)]) == 0
    drafted = repo.path / "archreview.toml"
    context = load_context({}, (str(drafted), drafted.read_text()))
    assert context is not None
    assert cli.main(["init", str(repo.path)]) == 2  # never overwrites the team's file without --force
    assert cli.main(["init", str(repo.path), "--force"]) == 0


def test_lab_prepares_a_parameterised_workbook(git_repo, tmp_path):
    import nbformat

    from archreview.lab import prepare
    from archreview.workbook.params import Parameters

    repo = git_repo(SMALL)
    notebook = prepare(Parameters(str(repo.path), repo.commits[0], "main", live=True), tmp_path / "reviews")
    node = nbformat.read(notebook, as_version=4)
    [injected] = [c for c in node.cells if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    assert "parameters" in injected.metadata.tags  # one parameters cell, holding this review's values
    assert f"repo = {str(repo.path)!r}" in injected.source.replace('"', "'")
    assert "live = True" in injected.source and "decisions = " in injected.source
    assert all(not c.get("outputs") for c in node.cells if c.cell_type == "code")  # prepared, not executed


def _on_a_terminal(argv: list[str]) -> str:
    """stderr of the installed command run on a pseudo-terminal 100 columns wide."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    exe = Path(sys.executable).with_name("archreview")
    proc = subprocess.Popen([str(exe), *argv], stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=120)
    os.close(master)
    return out.decode(errors="replace")


def test_progress_is_shown_on_a_terminal_when_the_work_takes_a_while(tmp_path):
    root = tmp_path / "big"
    for n in range(1500):
        folder = root / f"pkg{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{n}.py").write_text("".join(f"def f{i}(x):\n    return x if x else {i}\n" for i in range(40)))
    shown = _on_a_terminal(["analyze", str(root), "--no-cache", "--jobs", "1", "--json", str(tmp_path / "o.json")])
    assert "analysing head" in shown and "/1500" in shown
    quiet = run("analyze", str(root), "--json", str(tmp_path / "o.json"))  # not a terminal: no bar
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_help_hints_name_the_command_once_and_the_summary_names_the_items(git_repo, tmp_path):
    top = run("--no-such-flag")
    assert top.returncode == 2 and "(see archreview --help)" in top.stderr
    sub = run("review", str(tmp_path), "--no-such-flag")
    assert sub.returncode == 2 and "(see archreview review --help)" in sub.stderr
    assert "archreview archreview" not in top.stderr + sub.stderr
    repo = git_repo(SMALL)
    summary = run("analyze", str(repo.path), "--base", repo.commits[0])
    assert re.search(r"^\s+\d+\. \S.*: \d+$", summary.stdout, re.M), summary.stdout  # "20. New infrastructure ...: 1"


# --- the warm path -------------------------------------------------------------------------

HEAVY = ("networkx", "pandas", "matplotlib", "radon", "IPython", "archreview.analysis.run", "archreview.facts.python")


def _analyze_counting_imports(*argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter; its last stderr line names the heavy modules it loaded."""
    code = ("import sys\nfrom archreview import cli\nstatus = cli.main(sys.argv[1:])\n"
            f"print('loaded:', *[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\nsys.exit(status)")
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)


def test_a_warm_rerun_writes_the_cached_document_without_loading_the_analysers(git_repo, tmp_path):
    repo = git_repo(SMALL)
    argv = ("analyze", str(repo.path), "--base", repo.commits[0])
    cold = _analyze_counting_imports(*argv, "--json", str(tmp_path / "cold.json"))
    assert cold.returncode == 0, cold.stderr
    assert "networkx" in cold.stderr and "archreview.analysis.run" in cold.stderr  # the check sees them when loaded
    warm = _analyze_counting_imports(*argv, "--json", str(tmp_path / "warm.json"))
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr.strip() == "loaded:"
    assert (tmp_path / "warm.json").read_bytes() == (tmp_path / "cold.json").read_bytes()
    assert json.loads((tmp_path / "warm.json").read_text())["new_dependencies"] == ["redis"]


@pytest.mark.slow
def test_the_reviews_own_process_leaves_tables_and_charts_to_the_kernel(git_repo, tmp_path):
    # The notebook's kernel draws the charts and tables; the process that runs it and exports the report
    # needs neither pandas nor matplotlib (each costs about half a second to import: issue 9's review figure).
    repo = git_repo(SMALL)
    done = _analyze_counting_imports("review", str(repo.path), "--base", repo.commits[0], "--output",
                                     str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].split()
    assert loaded[0] == "loaded:" and "pandas" not in loaded and "matplotlib" not in loaded, loaded
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_a_cached_document_this_cache_did_not_sign_is_recomputed(git_repo, tmp_path, private_cache):
    import hashlib
    import pickle
    import sqlite3

    from archreview.analysis.inputs import resolve_inputs

    repo = git_repo(SMALL)
    assert run("analyze", str(repo.path), "--json", str(tmp_path / "first.json")).returncode == 0
    key = resolve_inputs(repo.path).key("json")
    forged = pickle.dumps(b'{"forged": true}\n')
    with sqlite3.connect(private_cache / "facts.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM facts WHERE key = ?", (key,)).fetchone() == (1,)
        db.execute("UPDATE facts SET value = ? WHERE key = ?", (hashlib.sha256(forged).digest() + forged, key))
    again = run("analyze", str(repo.path), "--json", "-")
    assert again.returncode == 0 and "forged" not in again.stdout
    assert again.stdout.encode() == (tmp_path / "first.json").read_bytes()


def test_a_file_name_that_is_not_utf8_still_gives_a_json_document(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text("import os\n")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.py"), "w") as f:
        f.write("x = 1\n")
    done = run("analyze", str(folder), "--json", "-", "--no-cache")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["complexity"]["files"]
    assert sorted(f["path"] for f in files) == ["app.py", "caf\udce9.py"]  # the byte kept as a surrogate escape


# Each entry point that loads nbformat or papermill, run on input it refuses at once, then nbformat
# imported in the same process: jsonschema must not have imported rfc3987_syntax (its import builds 38
# Lark parsers, 2 s of CPU), and nbformat must still validate and reject notebooks. "nothing" is the
# control: without an entry point the module IS imported, so the assertion can fail.
_ENTRY_POINTS = {
    "nothing": "pass",
    "review": "cli.main(['review', missing, '--output', os.path.join(folder, 'r.html')])",
    "lab": "cli.main(['lab', missing, '--no-browser'])",
    "batch": "cli.main(['batch', os.path.join(missing, 'batch.yml'), '--output', folder])",
    "batch child job": "job.main([os.path.join(missing, 'task.json')])",
}


@pytest.mark.parametrize("entry", sorted(_ENTRY_POINTS))
def test_entry_points_that_run_notebooks_do_not_build_iri_grammars(entry: str, tmp_path: Path) -> None:
    code = ("import os, sys\nfrom archreview import cli\nfrom archreview.batch import job\n"
            f"folder, missing = {str(tmp_path)!r}, {str(tmp_path / 'missing')!r}\n"
            f"try:\n    {_ENTRY_POINTS[entry]}\nexcept (SystemExit, OSError):\n    pass\n"
            "import nbformat\nnb = nbformat.v4.new_notebook(); nbformat.validate(nb); nb.cells = [{'cell_type': 'bogus'}]\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('rejected')\n"
            "print(sys.modules.get('rfc3987_syntax') is not None)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["rejected", "True" if entry == "nothing" else "False"], done.stdout


@pytest.mark.slow
def test_review_on_a_terminal_shows_which_section_is_running(git_repo, tmp_path):
    repo = git_repo(SMALL)
    out = tmp_path / "report.html"
    shown = _on_a_terminal(["review", str(repo.path), "--base", repo.commits[0], "--head", "main",
                            "--output", str(out)])
    for section in ("analysis", "executive-summary", "checklist", "complexity-and-hotspots"):
        assert f"Executing {section}" in shown, shown[-2000:]
    assert f"report written: {out}" in shown and out.exists()


def test_each_section_of_the_workbook_has_a_heading_and_names_itself_to_papermill():
    import nbformat

    from archreview.report.notebook import WORKBOOK_ONLY, notebook_path
    from archreview.workbook.sections import SECTIONS

    cells = nbformat.read(notebook_path(), as_version=4).cells
    sections = [i for i, c in enumerate(cells) if c.cell_type == "code" and "wb." in c.source
                and "wb.start" not in c.source]
    headings = [cells[i - 1].source for i in sections]
    assert all(h.startswith("## ") for h in headings), headings  # JupyterLab's table of contents lists them
    assert [h[3:] for h in headings[:len(SECTIONS)]] == [label for _, label in SECTIONS]
    assert all(WORKBOOK_ONLY in cells[i - 1].metadata.get("tags", []) for i in sections)  # never in the report
    assert all(re.match(r"# papermill_description=[\w-]+\n", cells[i].source) for i in sections)
    assert sum("parameters" in c.metadata.get("tags", []) for c in cells) == 1


def test_python_dash_m_archreview_is_the_same_command(git_repo, tmp_path):
    # A checkout run from its own folder, or a venv whose scripts are not on PATH: `python -m archreview`.
    repo = git_repo(SMALL)
    by_module = subprocess.run([sys.executable, "-m", "archreview", "analyze", str(repo.path), "--base", "HEAD~1",
                                "--json", str(tmp_path / "m.json")], capture_output=True, text=True, timeout=300)
    by_script = run("analyze", str(repo.path), "--base", "HEAD~1", "--json", str(tmp_path / "s.json"))
    assert by_module.returncode == by_script.returncode == 0, by_module.stderr
    assert json.loads((tmp_path / "m.json").read_text()) == json.loads((tmp_path / "s.json").read_text())
    bad = subprocess.run([sys.executable, "-m", "archreview", "frobnicate"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("archreview: ") and len(bad.stderr.strip().splitlines()) == 1
