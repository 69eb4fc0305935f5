"""One ref of a repository, analysed: list sources, reuse cached facts, compute the rest.

For git the blob ids from ``ls-tree`` are the cache keys, so unchanged files
are neither read nor parsed again; for a plain folder each file is read and
hashed the same way. Files skipped for their content (binary, minified...) are
cached too, as facts of language ``"skipped"``, so a warm run reads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archreview.analysis import perfile, runner
from archreview.sources import files as sources
from archreview.analysis.cache import FactsCache, entry_key
from archreview.facts.distributions import installed
from archreview.core.model import FileError, FileFacts, Skipped, Snapshot

SKIPPED = "skipped"


def take_snapshot(root: Path, commit: str | None, cache: FactsCache, *, jobs: int | None = None,
                  progress: Callable[[int], Callable[[int], None]] | None = None) -> Snapshot:
    listing = sources.list_sources(root, commit)
    known = {f.path: entry_key(f.path, f.key) for f in listing.files if f.key}
    cached = cache.get_many(known.values())
    facts = [cached[known[f.path]] for f in listing.files if known.get(f.path) in cached]
    to_read = [f for f in listing.files if known.get(f.path) not in cached]
    if any(f.language == "python" for f in to_read):
        installed()  # needed later for Python imports: read now, while git reads the history, and every worker inherits it
    if to_read:
        perfile.prepare((f.path, f.language) for f in to_read)  # before the workers are forked: see perfile.prepare
    # Workers first, then the contents: a forked worker starts as a copy of its parent (see runner).
    with runner.workers_started(runner.worker_count(jobs, len(to_read), sum(f.size for f in to_read))) as idle:
        skipped, errors = list(listing.skipped), []
        pending, fresh = [], {}
        pickles: dict[str, bytes] = {}  # the results as the workers pickled them: the cache stores these bytes
        for source, content in sources.read_sources(root, commit, to_read):
            if isinstance(content, FileError):
                errors.append(content)
            elif isinstance(content, Skipped):
                if source.path in known:  # remembered, so a warm run does not read it again
                    fresh[known[source.path]] = FileFacts(source.path, SKIPPED, error=content.reason)
                else:
                    skipped.append(content)
            else:
                # a folder's files get their key (git's blob id of the content) as they are read
                pending.append((source, known.get(source.path) or entry_key(source.path, source.key), content))
        hits = cache.get_many(key for _, key, _ in pending)
        facts.extend(hits[key] for _, key, _ in pending if key in hits)
        # Largest files first: a huge generated module started last would leave one worker busy alone at the end.
        tasks = sorted(((s.path, s.language, content) for s, key, content in pending if key not in hits),
                       key=lambda task: -len(task[2]))
        keys = {s.path: key for s, key, _ in pending}
        tick = progress(len(tasks)) if progress and tasks else None
        stopped = []  # a worker that died or ran out of time: recorded, not cached, so the next run retries
        for result in runner.analyse_many(tasks, jobs, tick, idle=idle, pickles=pickles):
            if runner.transient(result.error):
                stopped.append(result)
            else:
                fresh[keys[result.path]] = result
    cache.put_many(fresh, {keys[path]: payload for path, payload in pickles.items()})
    return _assemble(commit, [*facts, *fresh.values(), *stopped], skipped, errors)


def _assemble(commit: str | None, facts: list[FileFacts], skipped: list[Skipped], errors: list[FileError]) -> Snapshot:
    analysed = []
    for item in facts:
        if item.language == SKIPPED:
            skipped.append(Skipped(item.path, item.error or "skipped"))
            continue
        analysed.append(item)
        if item.error:
            errors.append(FileError(item.path, item.error))
    return Snapshot(
        ref=commit,
        files=tuple(sorted(analysed, key=lambda f: f.path)),
        skipped=tuple(sorted(set(skipped))),
        errors=tuple(sorted(set(errors))),
    )
