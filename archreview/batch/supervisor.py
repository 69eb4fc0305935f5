"""Review many repositories: each in its own process group, in parallel, on this machine or a Dask cluster.

Every repository runs as ``python -m archreview.batch.job TASK.json`` (see
``batch.job``), a child started in a new session. ``run_one`` only waits: on
the wall-clock timeout, on cancel, and after every run, it kills the child's
process group and every process still carrying the task's marker variable,
which reaches the Jupyter kernel even though jupyter_client starts kernels in
their own session, then removes the job's temporary folder, which holds the
kernel's connection file (ports and HMAC key). So a hang, a crash or an out-of-memory kill costs one repository, never
the batch, and leaves nothing running and nothing secret behind.

``run_one`` is the unit of work for one scheduling loop over a
``concurrent.futures.Executor``: a local process pool (``--jobs``), or
``Client.get_executor()`` of an existing Dask cluster (``--scheduler``).
Cancelling reaches the running tasks through a flag they poll: a file for the
local pool, a Dask ``Event`` on a cluster.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from archreview.analysis.baseline import read_baseline
from archreview.batch.job import BASELINE, OUTPUTS, Task, written_result
from archreview.batch.plan import Entry, load_batch
from archreview.core.errors import ArchReviewError, BadBaseline
from archreview.core.output import make_folder
from archreview.report import ledger
from archreview.report.results import FAILED, REVIEWED, RepoResult, build_index, write_summary

_log = logging.getLogger(__name__)
MARKER = "ARCHREVIEW_BATCH_TASK"  # inherited by the child, its kernel and their children
_POLL = 0.5
_DRAIN = 30.0  # seconds running reviews get to end their children once cancelled


@dataclass(frozen=True, slots=True)
class BatchResult:
    total: int
    failed: int
    results: tuple[RepoResult, ...]
    summary_csv: Path
    index_html: Path | None


def run_batch(file: str | os.PathLike, output: str | os.PathLike, *, jobs: int | None = None, timeout: int = 1800,
              resume: bool = False, scheduler: str | None = None, index: bool = True,
              on_result: Callable[[RepoResult, int, int], None] | None = None, baseline: str | None = None,
              sarif: str = "", markdown: str = "") -> BatchResult:
    """Review every repository of the batch file into ``output``; write ``summary.csv`` and ``index.html``.

    ``baseline``: a previous batch's output folder (each repository compared with its own
    ``analysis.json`` there) or one previous run's JSON for every repository; an entry's own
    ``baseline`` key wins. ``sarif`` and ``markdown``: file names written in each repository's folder.
    ``on_result(result, done, total)`` is called as each repository finishes (the CLI shows progress
    with it); messages go to the ``archreview.batch.supervisor`` logger, nothing is printed.
    """
    batch = load_batch(file)
    extra = tuple(_output_name(name, flag) for name, flag in ((sarif, "--sarif"), (markdown, "--markdown")))
    checked: set[str] = set()
    baselines = {e.name: baseline_for(e, baseline, checked) for e in batch.entries}  # a bad one: one line, at once
    out = make_folder(output)  # an unwritable place is one line before any repository is started
    ledger.check(out)  # so is a damaged portfolio ledger
    run, started = uuid.uuid4().hex[:12], datetime.now(timezone.utc)
    tasks = [Task(e, str(out / e.name), e.timeout or timeout, resume, run, baselines[e.name], *extra)
             for e in batch.entries]
    results: list[RepoResult] = []
    try:
        with _terminate_as_interrupt(), _executor(scheduler, jobs or os.cpu_count() or 1, len(tasks), run) as (pool, flag):
            with closing(schedule(pool, tasks, flag)) as running:  # on interrupt the children end before the summary
                for result in running:
                    results.append(result)
                    if on_result is not None:
                        on_result(result, len(results), len(tasks))
    except KeyboardInterrupt:
        results += _finished_on_disk(tasks, {r.name for r in results})
        write_summary(results, out / "summary.csv")
        _log.warning("interrupted; %d of %d finished, summary in %s", len(results), len(tasks), out / "summary.csv")
        raise
    csv_path = write_summary(results, out / "summary.csv")
    _record(out, run, started, results)
    html = _index(out, batch.entries) if index else None
    failed = sum(r.status == FAILED for r in results)
    return BatchResult(len(tasks), failed, tuple(sorted(results, key=lambda r: r.name)), csv_path, html)


def baseline_for(entry: Entry, given: str | None, checked: set[str]) -> str | None:
    """The JSON this entry's findings are compared with: ``""`` when a previous batch folder has none for it
    (a repository new to the portfolio: every finding is new), None without a baseline."""
    source = entry.baseline or given
    if source is None:
        return None
    path = Path(source)
    if path.is_dir():
        own = path / entry.name / "analysis.json"
        return str(own) if own.is_file() else ""
    if not path.is_file():
        raise BadBaseline("no such file or folder; give a previous batch's output folder or a previous run's JSON",
                          path=source)
    if source not in checked:  # one line now rather than one failed repository per entry
        read_baseline(source)
        checked.add(source)
    return source


def _output_name(name: str, flag: str) -> str:
    """A plain file name for an output written in every repository's folder (never beside or above it)."""
    if name and (name != os.path.basename(name) or name in (".", "..") or name in (*OUTPUTS, BASELINE, *_OWN)):
        raise ArchReviewError(f"{flag} {name!r}: give a plain file name, written in each repository's folder "
                              f"(not one of {', '.join((*OUTPUTS, BASELINE, *_OWN))})")
    return name


_OWN = ("task.json", "log.txt")  # what run_one writes in the repository's folder


def _record(out: Path, run: str, started: datetime, results: list[RepoResult]) -> None:
    """This run in the portfolio ledger: what each reviewed repository's ``analysis.json`` holds."""
    seen = {}
    for r in results:
        if r.status != REVIEWED:
            continue  # a failed review resolves nothing
        try:
            doc = json.loads((out / r.name / "analysis.json").read_text(encoding="utf-8"))
            seen[r.name] = [ledger.Seen(f["fingerprint"], f["item"], f["rule"], f["path"], f["line"])
                            for f in doc["findings"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _log.warning("%s: left out of the portfolio ledger, its analysis.json cannot be read: %s", r.name, exc)
    try:
        ledger.record_run(out, run, started, seen)
    except (ArchReviewError, OSError, sqlite3.Error) as exc:  # the ledger stays as the previous run left it
        _log.warning("could not add this run to the portfolio ledger %s: %s", out / ledger.FILE, exc)


def _finished_on_disk(tasks: list[Task], known: set[str]) -> list[RepoResult]:
    """Results this run's children wrote before the interrupt reached their supervisors."""
    found = (written_result(t) for t in tasks if t.entry.name not in known)
    return [r for r in found if r is not None]


def _index(out: Path, entries: tuple[Entry, ...]) -> Path | None:
    clients = {e.client for e in entries}
    try:
        return build_index(out, title="Portfolio review", client=clients.pop() if len(clients) == 1 else "")
    except Exception as exc:  # the per-repository results and summary.csv stand without the page
        _log.warning("could not build %s: %s", out / "index.html", exc)
        return None


# --- scheduling: one loop, any executor -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileFlag:
    """Cancel, seen by local workers: a file that exists once the batch is cancelled."""

    path: str

    def set(self) -> None:
        Path(self.path).touch()

    def watch(self) -> Callable[[], bool]:
        return lambda: os.path.exists(self.path)


@dataclass(frozen=True, slots=True)
class DaskFlag:
    """Cancel, seen by Dask workers wherever they run: a named ``distributed.Event``."""

    name: str

    def set(self) -> None:
        from distributed import Event

        Event(self.name).set()

    def watch(self) -> Callable[[], bool]:
        from distributed import Event

        return Event(self.name).is_set


Flag = FileFlag | DaskFlag


def schedule(executor: Executor, tasks: list[Task], flag: Flag) -> Generator[RepoResult, None, None]:
    """Every task's result as it finishes; when closed early, running reviews end their children first."""
    futures: dict[Future, Task] = {executor.submit(run_flagged, t, flag): t for t in tasks}
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
            for future in done:
                if (result := _result_of(future, futures[future])) is not None:
                    yield result
    finally:
        if pending:
            flag.set()  # running reviews kill their children and return; queued ones return at once
            wait(pending, timeout=_DRAIN)
            for future in pending:
                future.cancel()


def _result_of(future: Future, task: Task) -> RepoResult | None:
    try:
        return future.result()
    except Exception as exc:  # the task itself failed: its worker died, a Dask worker was lost too often...
        e = task.entry
        return RepoResult(e.name, FAILED, f"the batch worker failed: {type(exc).__name__}: {exc}", path=e.path,
                          base_ref=e.base or "", head_ref=e.head or "")


def run_flagged(task: Task, flag: Flag) -> RepoResult | None:
    """``run_one`` as an executor runs it: not started at all once the batch is cancelled."""
    cancelled = flag.watch()
    return None if cancelled() else run_one(task, cancelled)


@contextmanager
def _executor(scheduler: str | None, jobs: int, tasks: int, run: str) -> Iterator[tuple[Executor, Flag]]:
    if scheduler:
        with _dask(scheduler, run) as found:
            yield found
        return
    with tempfile.TemporaryDirectory(prefix="archreview-batch-", ignore_cleanup_errors=True) as folder:
        # fork where there is one: spawn would leave multiprocessing's resource tracker running after the batch
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(max(1, min(int(jobs), tasks)), mp_context=get_context(method),
                                   initializer=_ignore_interrupts)
        try:
            yield pool, FileFlag(os.path.join(folder, "cancel"))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask(address: str, run: str) -> Iterator[tuple[Executor, Flag]]:
    from distributed import Client

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ArchReviewError(f"cannot reach the Dask scheduler at {address}: {exc}; "
                              "start one with `dask scheduler` and workers with `dask worker ADDRESS`") from None
    executor = client.get_executor(pure=False)
    try:
        yield executor, DaskFlag(f"archreview-cancel-{run}")
    finally:
        executor.shutdown(wait=False)
        client.close()


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole foreground group: local workers leave it to the supervisor, which sets the flag."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- one repository ----------------------------------------------------------------------------


def run_one(task: Task, cancelled: Callable[[], bool] = lambda: False) -> RepoResult | None:
    """Run one review in a child process group; its result, a failure with the reason, or None if cancelled."""
    try:
        return _run_child(task, cancelled)
    except OSError as exc:  # an output folder that cannot be written, no process left to start...
        e = task.entry
        return RepoResult(e.name, FAILED, f"could not start the review: {exc}", path=e.path)


def _run_child(task: Task, cancelled: Callable[[], bool]) -> RepoResult | None:
    folder = Path(task.folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "task.json"
    task.write(spec)
    started = time.monotonic()
    # The kernel's connection file (its ports and HMAC key: jupyter_client writes it with mkstemp) and
    # every other temporary file of the job go to a folder of this task's own, removed after the child
    # however it ended: a kernel killed on the timeout never deletes its own.
    with (tempfile.TemporaryDirectory(prefix="archreview-job-", ignore_cleanup_errors=True) as scratch,
          open(folder / "log.txt", "a", encoding="utf-8") as log):
        log.write(f"\n=== archreview batch run {task.run}: {task.entry.name} ({time.strftime('%Y-%m-%d %H:%M:%S')} "
                  f"on {socket.gethostname()} pid {os.getpid()})\n")
        log.flush()
        child = subprocess.Popen([sys.executable, "-m", "archreview.batch.job", str(spec)],
                                 stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=folder,
                                 env={**os.environ, MARKER: task.marker, "PYTHONUNBUFFERED": "1", "TMPDIR": scratch,
                                      "JUPYTER_RUNTIME_DIR": scratch})
        try:
            stop = _supervise(child, task.timeout, cancelled)
        finally:
            end_all(child, task.marker)
    if stop == "cancelled":
        return None
    return _outcome(task, child.returncode, stop, time.monotonic() - started)


def _supervise(child: subprocess.Popen, timeout: float, cancelled: Callable[[], bool]) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            child.wait(timeout=_POLL)
            return "exited"
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            return "timeout"
        if cancelled():
            return "cancelled"


def end_all(child: subprocess.Popen, marker: str) -> None:
    """Kill the child's process group, then anything else carrying the marker (the kernel's own session)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()
    for _ in range(3):  # a process may fork while we look: look again
        found = list(marked(marker))
        if not found:
            return
        for process in found:
            try:
                process.kill()
            except Exception:  # gone already, or not ours
                pass
        _wait_gone(found, seconds=5.0)


def _wait_gone(processes: list, seconds: float) -> None:
    """SIGKILL is not instant (a many-threaded kernel takes a moment): wait until none runs, zombies count as gone."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes):
                return
        except psutil.Error:
            continue  # one ended between the two calls: look again
        time.sleep(0.02)


def marked(marker: str) -> Iterator:
    """Live processes whose environment carries ``marker`` (psutil; other users' processes are not readable)."""
    import psutil

    for process in psutil.process_iter():
        try:
            if process.pid != os.getpid() and process.environ().get(MARKER) == marker:
                if process.status() != psutil.STATUS_ZOMBIE:
                    yield process
        except (psutil.Error, OSError):
            continue


def _outcome(task: Task, code: int | None, stop: str, seconds: float) -> RepoResult:
    e = task.entry
    failed = RepoResult(e.name, FAILED, path=e.path, base_ref=e.base or "", head_ref=e.head or "",
                        duration=round(seconds, 1))
    if stop == "timeout":
        kept = " (partial notebook kept)" if (Path(task.folder) / "review.ipynb").is_file() else ""
        return _with_reason(failed, f"timed out after {task.timeout} s and was stopped{kept}; see log.txt")
    if (result := written_result(task)) is not None:  # timed here: the child's start-up is part of the cost
        return result if result.resumed else replace(result, duration=round(seconds, 1))
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return _with_reason(failed, f"the review process was killed by {name} (out of memory?); see log.txt")
    return _with_reason(failed, f"the review process ended with status {code} without a result; see log.txt")


def _with_reason(result: RepoResult, reason: str) -> RepoResult:
    return replace(result, reason=reason)


# --- signals ------------------------------------------------------------------------


class _terminate_as_interrupt:
    """SIGTERM handled like Ctrl-C for the duration of a batch (only possible from the main thread)."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
