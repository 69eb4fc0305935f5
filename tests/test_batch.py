"""Batch reviews on the real sample: isolation, faults, summary, portfolio page, resume, signals, Dask.

Kernels are slow, so one sample and one batch run are shared by the module;
every test reads what that run left on disk, and the fault tests run single
repositories with ``run_one``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from bs4 import BeautifulSoup

from archreview.batch.job import Task, inputs_digest
from archreview.batch.supervisor import MARKER, run_batch, run_one
from archreview.batch.plan import Entry
from archreview.cli import main
from archreview.workbook.params import Parameters
from archreview.sample import AI_BRANCH, FIT_BRANCH, build_sample

BATCH = """\
defaults:
  base: main
  client: BuildRight <Ltd>
repos:
  - {{name: fit, path: sample, head: {fit}}}
  - {{name: ai, path: sample, head: {ai}}}
  - {{name: gone, path: no-such-folder}}
  - {{name: gone, path: also-missing}}
  - {{name: badref, path: sample, head: no-such-branch}}
  - {{name: badcontext, path: sample, head: {fit}, context: broken.toml}}
  - {{name: hang, path: sample, head: {ai}, timeout: 2}}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    saved = os.environ.get("ARCHREVIEW_CACHE_DIR")
    os.environ["ARCHREVIEW_CACHE_DIR"] = str(root / "cache")
    build_sample(root / "sample")
    (root / "broken.toml").write_text("[tool.archreview\nsystem = ", encoding="utf-8")
    (root / "batch.yaml").write_text(BATCH.format(fit=FIT_BRANCH, ai=AI_BRANCH), encoding="utf-8")
    started = time.monotonic()
    result = run_batch(root / "batch.yaml", root / "out", jobs=3, timeout=600)
    yield root, result, time.monotonic() - started
    if saved is None:
        os.environ.pop("ARCHREVIEW_CACHE_DIR", None)
    else:
        os.environ["ARCHREVIEW_CACHE_DIR"] = saved


def _commit(repo: Path, ref: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", ref], capture_output=True, text=True,
                          check=True).stdout.strip()


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        return {r["name"]: r for r in csv.DictReader(f)}


def _marked_processes(prefix: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter():
        try:
            if (p.environ().get(MARKER) or "").startswith(prefix) and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            continue
    return found


def _alive(p: psutil.Process) -> bool:
    """Running and not a zombie (a container's init may be slow to reap what it inherits)."""
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _run_id(out: Path, name: str) -> str:
    return json.loads((out / name / "task.json").read_text())["run"]


def test_every_repository_gets_a_status_and_the_failures_their_reason(world):
    root, result, _ = world
    by_name = {r.name: r for r in result.results}
    assert sorted(by_name) == ["ai", "badcontext", "badref", "fit", "gone", "gone-2", "hang"]
    assert (result.total, result.failed) == (7, 5)
    assert by_name["fit"].status == by_name["ai"].status == "reviewed"
    assert "no such folder" in by_name["gone"].reason and "no-such-folder" in by_name["gone"].reason
    assert "also-missing" in by_name["gone-2"].reason
    assert "no-such-branch" in by_name["badref"].reason
    assert "broken.toml" in by_name["badcontext"].reason
    assert by_name["hang"].reason.startswith("timed out after 2 s")


def test_a_reviewed_repository_has_its_notebook_report_analysis_and_log(world):
    root, _, _ = world
    for name, branch in (("fit", FIT_BRANCH), ("ai", AI_BRANCH)):
        folder = root / "out" / name
        analysis = json.loads((folder / "analysis.json").read_text())
        assert analysis["repo"]["head"] == _commit(root / "sample", branch)
        assert analysis["repo"]["base"] == _commit(root / "sample", "main")
        notebook = json.loads((folder / "review.ipynb").read_text())
        assert all(c.get("execution_count") for c in notebook["cells"] if c["cell_type"] == "code"
                   and "workbook-only" not in c["metadata"].get("tags", ()))
        report = BeautifulSoup((folder / "report.html").read_text(), "html.parser")
        assert report.find_all("script") == [] and name in report.title.get_text()
        assert "analysing" in (folder / "log.txt").read_text()


def test_summary_csv_counts_what_each_change_brings(world):
    root, _, _ = world
    rows = _rows(root / "out")
    assert list(rows) == sorted(rows)
    ai, fit = rows["ai"], rows["fit"]
    assert int(ai["infra_message_queue"]) >= 1 and int(ai["infra_database"]) >= 1 and int(ai["infra_di_container"]) >= 1
    assert "rabbitmq" in ai["new_infrastructure"]
    assert all(int(fit[f"infra_{k}"]) == 0 for k in ("message_queue", "database", "di_container", "circuit_breaker"))
    assert int(ai["findings_7_architecture_fit"]) > int(fit["findings_7_architecture_fit"])
    assert (ai["head"], ai["head_ref"]) == (_commit(root / "sample", AI_BRANCH), AI_BRANCH)
    assert int(ai["verdict_unreviewed"]) == 22 and float(ai["duration_seconds"]) > 0
    assert ai["report"] == "ai/report.html" and rows["badref"]["report"] == ""
    assert rows["hang"]["status"] == "failed" and rows["hang"]["base"] == ""


def test_the_portfolio_page_links_every_report_and_lists_the_failures(world):
    root, result, _ = world
    assert result.index_html == root / "out" / "index.html"
    html = result.index_html.read_text()
    page = BeautifulSoup(html, "html.parser")
    links = [a["href"] for a in page.find_all("a", href=True)]
    assert sorted(links) == ["ai/report.html", "fit/report.html"]
    assert all((root / "out" / link).is_file() for link in links)
    assert page.find_all("script") == [] and "BuildRight <Ltd>" in page.get_text() and "<Ltd>" not in html
    for tag in page.find_all(True):
        for attr in ("src", "href", "action", "data"):
            assert not str(tag.get(attr, "")).startswith(("http:", "https:", "//"))
    assert page.find("meta", attrs={"http-equiv": "Content-Security-Policy"}) is not None
    failures = page.find(id="failures").get_text()
    for name in ("gone", "gone-2", "badref", "badcontext", "hang"):
        assert name in failures
    assert "timed out after 2 s" in failures
    heat = page.find(id="heat-map")
    cells = [td for td in heat.find_all("td")]
    assert len(cells) == 2 * 7 and any(re.match(r"background-color: ?#ff", td.get("style", "")) for td in cells)
    assert "rabbitmq" in page.find(id="infrastructure").get_text()


def test_no_kernel_or_child_is_left_behind(world):
    root, _, _ = world
    assert _marked_processes(_run_id(root / "out", "hang")) == []
    assert [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE] == []


def test_resume_skips_what_is_done_with_the_same_inputs(world):
    root, _, first_duration = world
    report = root / "out" / "fit" / "report.html"
    stamp = report.stat().st_mtime_ns
    again = run_batch(root / "batch.yaml", root / "out", jobs=3, timeout=600, resume=True, index=False)
    by_name = {r.name: r for r in again.results}
    assert by_name["fit"].resumed and by_name["ai"].resumed and not by_name["badref"].resumed
    assert report.stat().st_mtime_ns == stamp
    assert _rows(root / "out")["fit"]["resumed"] == "yes"
    assert again.failed == 5


def test_the_inputs_digest_changes_with_refs_files_and_people(tmp_path):
    context = tmp_path / "c.toml"
    context.write_text("a")
    params = Parameters("/r", "main", "topic", str(context), None, "Acme", "Jo")
    digest = inputs_digest(params, "1" * 40, "2" * 40)
    assert digest == inputs_digest(params, "1" * 40, "2" * 40)
    assert digest != inputs_digest(params, "1" * 40, "3" * 40)
    other_client = Parameters("/r", "main", "topic", str(context), None, "Other", "Jo")
    assert digest != inputs_digest(other_client, "1" * 40, "2" * 40)
    context.write_text("b")
    assert digest != inputs_digest(params, "1" * 40, "2" * 40)


def _kernel_of(marker: str) -> psutil.Process | None:
    for p in _marked_processes(marker):
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                return p
        except psutil.Error:
            continue
    return None


def _task(root: Path, name: str, timeout: int = 300) -> Task:
    entry = Entry(name, str(root / "sample"), 1, base="main", head=AI_BRANCH)
    return Task(entry, str(root / "single" / name), timeout, False, f"t{time.monotonic_ns()}")


def test_cancel_while_the_kernel_runs_ends_the_kernel_in_its_own_session(world):
    root, _, _ = world
    task = _task(root, "cancelled")
    seen: list[psutil.Process] = []

    def cancelled() -> bool:
        kernel = _kernel_of(task.marker)
        if kernel is not None:
            seen.append(kernel)
            assert os.getsid(kernel.pid) != os.getsid(0)  # jupyter_client gave it its own session
        return bool(seen)

    assert run_one(task, cancelled) is None
    assert seen and not _alive(seen[0])
    assert _marked_processes(task.marker) == []


def _a_cell_ran(notebook: Path) -> bool:
    try:
        return any(c.get("execution_count") for c in json.loads(notebook.read_text())["cells"])
    except (OSError, ValueError, KeyError):
        return False


def test_a_kernel_killed_mid_run_fails_that_repository_with_the_reason(world):
    root, _, _ = world
    task = _task(root, "killed")
    notebook = root / "single" / "killed" / "review.ipynb"

    def kill_kernel_after_a_cell() -> bool:
        kernel = _kernel_of(task.marker)
        if kernel is not None and _a_cell_ran(notebook):
            kernel.kill()
        return False

    result = run_one(task, kill_kernel_after_a_cell)
    assert result.status == "failed" and "kernel died" in result.reason
    assert _a_cell_ran(notebook)  # the partial notebook is kept
    assert _marked_processes(task.marker) == []


def test_a_kernel_that_never_starts_is_tried_twice_then_reported(world, tmp_path, monkeypatch):
    root, _, _ = world
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    started = tmp_path / "starts"
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", f"open({str(started)!r}, 'a').write('x'); raise SystemExit(3)",
                 "{connection_file}"],
        "display_name": "a kernel that dies at once", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    task = _task(root, "nostart")
    result = run_one(task)
    assert result.status == "failed" and "did not start, twice" in result.reason
    assert started.read_text() == "xx"
    assert "trying once more" in (root / "single" / "nostart" / "log.txt").read_text()


def test_a_timed_out_kernel_leaves_no_connection_file(world, tmp_path, monkeypatch):
    """A kernel killed on the timeout never removes its connection file (ports and HMAC key): the supervisor does."""
    root, _, _ = world
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    seen = tmp_path / "seen"
    hang = ("import os, sys, time; f = sys.argv[1]; "
            f"open({str(seen)!r}, 'w').write(f + '\\n' + str(os.path.exists(f))); time.sleep(600)")
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", hang, "{connection_file}"], "display_name": "hangs", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    task = _task(root, "hung", timeout=30)  # time to start the job under load; the kernel never answers
    result = run_one(task)
    assert result.status == "failed" and result.reason.startswith("timed out after 30 s")
    connection, existed = seen.read_text().splitlines()
    assert existed == "True"  # the kernel was started with its connection file in place...
    assert not Path(connection).exists() and not Path(connection).parent.exists()  # ...and none of it is left
    assert _marked_processes(task.marker) == []


def test_the_kernel_reuses_the_analysis_of_its_entry(world, monkeypatch):
    """One analysis per entry: the workbook's start(), called with the parameters papermill injected,
    finds the job's analysis in the cache and takes no snapshot of its own."""
    from archreview.analysis import snapshot
    from archreview.workbook import sections

    root, _, _ = world
    notebook = json.loads((root / "out" / "ai" / "review.ipynb").read_text())
    injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", ()))
    params: dict = {}
    exec("".join(injected["source"]), {}, params)

    def no_second_analysis(*args, **kwargs):
        raise AssertionError("the kernel analysed the repository again")

    monkeypatch.setattr(snapshot, "take_snapshot", no_second_analysis)
    review = sections.start(params["repo"], params["base"], params["head"], context=params["context"],
                            decisions=params["decisions"], live=False)
    written = json.loads((root / "out" / "ai" / "analysis.json").read_text())
    assert review.analysis.repo.head == written["repo"]["head"] == _commit(root / "sample", AI_BRANCH)


def _kernel_up(out: Path, name: str) -> bool:
    return (out / name / "task.json").exists() and _kernel_of(f"{_run_id(out, name)}:{name}") is not None


def test_sigterm_mid_batch_keeps_finished_results_and_ends_every_child(world, tmp_path):
    root, _, _ = world
    (tmp_path / "b.yaml").write_text(
        f"repos:\n  - {{name: quick, path: {root / 'nowhere'}}}\n"
        f"  - {{name: long, path: {root / 'sample'}, base: main, head: {AI_BRANCH}}}\n")
    out = tmp_path / "out"
    cli = subprocess.Popen([sys.executable, "-m", "archreview.cli", "batch", str(tmp_path / "b.yaml"), "--output",
                            str(out), "--jobs", "2"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ((out / "quick" / "result.json").exists() and _kernel_up(out, "long")):
        time.sleep(0.2)
    cli.send_signal(signal.SIGTERM)
    _, err = cli.communicate(timeout=60)
    assert cli.returncode == 130, err
    assert list(_rows(out)) == ["quick"]
    assert "interrupted; 1 of 2 finished" in err
    assert _marked_processes(_run_id(out, "long")) == []


def test_the_cli_exits_1_with_the_count_and_2_on_a_bad_batch_file(world, tmp_path, capsys):
    root, _, _ = world
    (tmp_path / "b.yaml").write_text(f"repos:\n  - {{name: x, path: {root / 'nowhere'}}}\n")
    assert main(["batch", str(tmp_path / "b.yaml"), "--output", str(tmp_path / "out")]) == 1
    assert "1 of 1 repositories could not be reviewed" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("repos:\n  - name: x\n    paht: y\n")
    assert main(["batch", str(tmp_path / "bad.yaml"), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "repos entry 1 (x)" in err and "'paht'" in err and "bad.yaml:3" in err



def test_the_library_reports_each_result_to_its_caller_and_prints_nothing(tmp_path, capsys):
    (tmp_path / "b.yaml").write_text(f"repos:\n  - {{name: a, path: {tmp_path / 'nowhere'}}}\n"
                                     f"  - {{name: b, path: {tmp_path / 'gone'}}}\n")
    seen: list[tuple[str, str, int, int]] = []
    result = run_batch(tmp_path / "b.yaml", tmp_path / "out", jobs=1, index=False,
                       on_result=lambda r, done, total: seen.append((r.name, r.status, done, total)))
    assert result.failed == 2 and capsys.readouterr() == ("", "")
    assert sorted(seen) == [("a", "failed", 1, 2), ("b", "failed", 2, 2)] or \
        sorted(seen) == [("a", "failed", 2, 2), ("b", "failed", 1, 2)]

    assert main(["batch", str(tmp_path / "b.yaml"), "--output", str(tmp_path / "out2"), "--jobs", "1"]) == 1
    lines = capsys.readouterr().err.splitlines()  # the CLI turns each result into one line (no terminal here)
    assert sorted(line.split("]")[0] for line in lines if line.startswith("archreview: [")) == \
        ["archreview: [1/2", "archreview: [2/2"]

def test_a_dask_cluster_runs_the_same_task(world, tmp_path):
    from distributed import Client, LocalCluster

    root, _, _ = world
    (tmp_path / "b.yaml").write_text(f"defaults: {{base: main}}\nrepos:\n"
                                     f"  - {{name: fit, path: {root / 'sample'}, head: {FIT_BRANCH}}}\n"
                                     f"  - {{name: gone, path: {root / 'nowhere'}}}\n")
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        workers = set(client.run(os.getpid).values())
        result = run_batch(tmp_path / "b.yaml", tmp_path / "out", scheduler=cluster.scheduler_address, index=False)
    by_name = {r.name: r for r in result.results}
    assert (by_name["fit"].status, by_name["gone"].status) == ("reviewed", "failed")
    assert (tmp_path / "out" / "fit" / "report.html").is_file()
    supervisors = {int(line.split(" pid ")[1].split(")")[0]) for line in
                   (tmp_path / "out" / "fit" / "log.txt").read_text().splitlines() if line.startswith("===")}
    assert supervisors and supervisors <= workers


def test_an_output_folder_that_cannot_be_made_fails_only_that_repository(tmp_path):
    (tmp_path / "taken").write_text("a file where the folder should go")
    task = Task(Entry("taken", str(tmp_path), 1), str(tmp_path / "taken"), 60, False, "r1")
    result = run_one(task)
    assert result.status == "failed" and "could not start the review" in result.reason
