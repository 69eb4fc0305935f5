"""Run the per-file stage in child processes, surviving files that kill or stall their worker.

Untrusted files are never parsed in the main process, whatever the size of the
run: small runs get one worker, larger ones one per core. Each worker takes a
chunk of files and sends back one result per file, so the parent always knows
which file a worker is on. When a worker dies (a segfault in a parser, the
out-of-memory killer) a fresh worker takes its place, the rest of its chunk
goes back to the queue, and the file it was on is tried once more alone: if it
kills that worker too it is recorded as an error. The other workers never stop. A file that runs past the per-file time budget has its
worker killed and replaced the same way, so one file cannot stall a run.
Workers run with a memory ceiling so a pathological file raises
``MemoryError`` (recorded by ``analyse_file``) instead of taking the machine down.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import resource
import selectors
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from archreview.analysis.perfile import analyse_file
from archreview.core.model import FileFacts

Task = tuple[str, str, bytes]  # path, language, content
Progress = Callable[[int], None]

_SMALL = 400_000  # bytes of source below which more than one worker costs more than it saves
_CHUNK_BYTES = 256_000
_COLLECT_AFTER = 64_000  # bytes of source: after a file this large its worker collects at once
DIED = "the analyser process died on this file (crash or out of memory); skipped"
OVER_BUDGET = "took longer than the per-file time budget ({seconds:g} s) to analyse; skipped"


def worker_memory_limit() -> int:
    return int(os.environ.get("ARCHREVIEW_WORKER_MEMORY_MB", "4096")) * 1024 * 1024


def file_time_budget() -> float:
    """Seconds one file may take before its worker is stopped (``ARCHREVIEW_FILE_SECONDS``)."""
    return float(os.environ.get("ARCHREVIEW_FILE_SECONDS", "60"))


def transient(error: str | None) -> bool:
    """Is this error one of the run (a dead or stopped worker) rather than of the file's content?

    Such results are not cached: the next run, on a quieter machine, tries again.
    """
    return error is not None and (error == DIED or error.startswith(OVER_BUDGET.split("(")[0]))


def _init_worker(limit: int) -> None:
    """Memory ceiling, and a garbage collector that leaves the inherited heap alone.

    Syntax trees are freed by reference counting; the cycle collector only
    re-scans them (and everything inherited from the parent) as they are built,
    which PERF_NOTES measured as a several-fold slowdown of parsing.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def _serve(conn: Connection, limit: int) -> None:
    """A worker: chunks in, one ``FileFacts`` out per file, until the parent ends it."""
    _init_worker(limit)
    while True:
        try:
            chunk = conn.recv()
        except EOFError:  # the parent is gone
            return
        for path, language, data in chunk:
            try:
                facts = analyse_file(path, language, data)
            except Exception as exc:  # a bug in an analyser: this file's error, not a dead worker and a retry
                facts = FileFacts(path, language, error=f"the analyser failed on this file ({type(exc).__name__}: {exc})"[:300])
            conn.send_bytes(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))  # the bytes the cache keeps
            if len(data) > _COLLECT_AFTER:
                del facts
                gc.collect()  # a large file's memory back before the next file (sympy's largest worker: 217 -> 164 MiB)


def _chunks(tasks: Sequence[Task]) -> list[list[Task]]:
    out: list[list[Task]] = []
    size = 0
    for task in tasks:
        if not out or size > _CHUNK_BYTES or len(out[-1]) >= 64:
            out.append([])
            size = 0
        out[-1].append(task)
        size += len(task[2])
    return out


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    todo: deque[Task] = field(default_factory=deque)  # the chunk it holds; todo[0] is the file it is on
    since: float = 0.0  # when it started on todo[0]

    def give(self, chunk: list[Task]) -> None:
        """Send a chunk; a worker that died meanwhile is found by ``_collect``."""
        self.todo = deque(chunk)
        self.since = time.monotonic()
        try:
            self.conn.send(chunk)
        except OSError:
            pass

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _start() -> _Worker:
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, worker_memory_limit()), daemon=True)
    process.start()
    theirs.close()
    return _Worker(process, ours)


def worker_count(jobs: int | None, files: int, size: int) -> int:
    """How many workers for ``files`` files of ``size`` bytes in all: one per core (or ``jobs``), one for a small run."""
    if not files:
        return 0
    return min(1 if size < _SMALL else jobs or os.cpu_count() or 1, files)


@contextmanager
def workers_started(count: int) -> Iterator[list[_Worker]]:
    """``count`` idle workers, started now: before the parent reads the files' contents.

    A forked worker begins as a copy of its parent, so workers started after the parent
    had read sympy's 30 MB of sources each carried those 30 MB. ``analyse_many(..., idle=)``
    takes them; any it did not take are ended on the way out.
    """
    idle = [_start() for _ in range(count)]
    try:
        yield idle
    finally:
        for worker in idle:
            worker.stop()


def analyse_many(tasks: Sequence[Task], jobs: int | None = None, progress: Progress | None = None,
                 budget: float | None = None, idle: list[_Worker] | None = None,
                 pickles: dict[str, bytes] | None = None) -> list[FileFacts]:
    """FileFacts for every task (order not kept); never raises for a bad file. ``idle``: workers
    from ``workers_started``, used before any new one is started. ``pickles``, when given, receives
    each result a worker sent as the pickle it came in (by path), for the cache to store as it is."""
    if not tasks:
        return []
    jobs = worker_count(jobs, len(tasks), sum(len(t[2]) for t in tasks))
    idle = idle if idle is not None else []
    # Largest files first: a 1 MB generated module started last would leave the other workers idle
    # at the end (sympy); the small files that come last even the workers out.
    queue = deque(_chunks(sorted(tasks, key=lambda t: len(t[2]), reverse=True)))
    budget = file_time_budget() if budget is None else budget
    tick = progress or (lambda n: None)
    results: list[FileFacts] = []
    suspects: set[str] = set()  # files a worker died on once
    busy: list[_Worker] = []
    watch = selectors.DefaultSelector()  # one for the run: a selector per wait cost more than the results it read

    def take(worker: _Worker) -> None:
        watch.register(worker.conn, selectors.EVENT_READ, (worker, True))
        watch.register(worker.process.sentinel, selectors.EVENT_READ, (worker, False))
        busy.append(worker)

    def drop(worker: _Worker) -> None:
        watch.unregister(worker.conn)
        watch.unregister(worker.process.sentinel)
        worker.stop()
        busy.remove(worker)

    try:
        for _ in range(min(jobs, len(queue))):
            worker = idle.pop() if idle else _start()
            worker.give(queue.popleft())
            take(worker)
        while busy:
            for worker, readable in _ready(watch, busy, budget):
                failure = _collect(worker, readable, budget, results, tick, pickles)
                if failure is not None:
                    task = worker.todo.popleft()
                    if failure == DIED and task[0] not in suspects:  # perhaps killed from outside: once more, alone
                        suspects.add(task[0])
                        queue.append([task])
                    else:
                        results.append(FileFacts(task[0], task[1], error=failure))
                        tick(1)
                    if worker.todo:
                        queue.appendleft(list(worker.todo))
                    drop(worker)
                    if queue:
                        worker = _start()
                        take(worker)
                if worker in busy and not worker.todo:
                    if queue:
                        worker.give(queue.popleft())
                    else:  # nothing left for it: an idle worker holds no result, so it is simply ended
                        drop(worker)
    finally:
        for worker in busy:
            worker.stop()
        watch.close()
    return results


def _ready(watch: selectors.BaseSelector, busy: list[_Worker], budget: float) -> list[tuple[_Worker, bool]]:
    """Workers with a result to read (True), that died or ran past the budget on their file (False)."""
    deadline = min(w.since for w in busy) + budget
    found: dict[int, tuple[_Worker, bool]] = {}
    for key, _ in watch.select(max(0.0, deadline - time.monotonic())):
        worker, readable = key.data
        found[id(worker)] = (worker, readable or found.get(id(worker), (worker, False))[1])
    now = time.monotonic()
    for worker in busy:
        if now - worker.since > budget:
            found.setdefault(id(worker), (worker, False))
    return list(found.values())


def _collect(worker: _Worker, readable: bool, budget: float, results: list[FileFacts], tick: Progress,
             pickles: dict[str, bytes] | None = None) -> str | None:
    """Read one result if the worker sent one; the reason it must be replaced, or None if it is well.

    One result a call: the selector reports the worker again while more are waiting. A worker that
    died after sending results is found once they are read (its pipe then ends: ``EOFError``).
    """
    if readable and worker.todo:
        try:
            payload = worker.conn.recv_bytes()
        except (EOFError, OSError):
            return DIED
        facts = pickle.loads(payload)
        results.append(facts)
        if pickles is not None:
            pickles[facts.path] = payload
        worker.todo.popleft()
        worker.since = time.monotonic()
        tick(1)
        return None
    if not worker.todo:
        return None
    if not worker.process.is_alive():
        return DIED
    if time.monotonic() - worker.since > budget:
        return OVER_BUDGET.format(seconds=budget)
    return None
