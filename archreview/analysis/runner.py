"""Run the per-file stage on all cores, surviving files that kill their worker.

Files go to a process pool in chunks. If a worker dies (a segfault in a
parser, the out-of-memory killer), the pool breaks and every unfinished chunk
is re-run one file at a time in a single fresh worker, so the file that kills
it is identified, recorded as an error, and the run goes on. Workers run with
a memory ceiling so a pathological file raises ``MemoryError`` (recorded by
``analyse_file``) instead of taking the machine down.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from archreview.analysis.perfile import analyse_file
from archreview.core.model import FileFacts

Task = tuple[str, str, bytes]  # path, language, content
Progress = Callable[[int], None]

_SMALL = 400_000  # bytes of source below which a pool costs more than it saves
_CHUNK_BYTES = 256_000


def worker_memory_limit() -> int:
    return int(os.environ.get("ARCHREVIEW_WORKER_MEMORY_MB", "4096")) * 1024 * 1024


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


def _run_chunk(chunk: Sequence[Task]) -> list[FileFacts]:
    return [analyse_file(path, language, data) for path, language, data in chunk]


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


def _pool(workers: int) -> ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, multiprocessing.get_context(method), initializer=_init_worker,
                               initargs=(worker_memory_limit(),))


def analyse_many(tasks: Sequence[Task], jobs: int | None = None, progress: Progress | None = None) -> list[FileFacts]:
    """FileFacts for every task (order not kept); never raises for a bad file."""
    jobs = jobs or os.cpu_count() or 1
    tick = progress or (lambda n: None)
    if jobs <= 1 or sum(len(t[2]) for t in tasks) < _SMALL:
        results = []
        for task in tasks:
            results.append(analyse_file(*task))
            tick(1)
        return results
    results, unfinished = _parallel(_chunks(tasks), jobs, tick)
    for task in (t for chunk in unfinished for t in chunk):
        results.append(_isolated(task))
        tick(1)
    return results


def _parallel(chunks: list[list[Task]], jobs: int, tick: Progress) -> tuple[list[FileFacts], list[list[Task]]]:
    results: list[FileFacts] = []
    with _pool(min(jobs, len(chunks))) as pool:
        pending: dict[Future, list[Task]] = {pool.submit(_run_chunk, c): c for c in chunks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = pending.pop(future)
                try:
                    results.extend(future.result())
                    tick(len(chunk))
                except BrokenProcessPool:
                    return results, [chunk, *pending.values()]
    return results, []


def _isolated(task: Task) -> FileFacts:
    """One file in its own worker: if the worker dies, that file is the cause."""
    path, language, _ = task
    try:
        with _pool(1) as pool:
            return pool.submit(_run_chunk, [task]).result()[0]
    except BrokenProcessPool:
        return FileFacts(path, language, error="the analyser process died on this file (crash or out of memory); skipped")
