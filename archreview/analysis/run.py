"""The whole analysis of a repository, or of one change ``base..head``, as one value.

This is the only place that sequences the stages: snapshots of the refs
(per-file facts, cached), then repository facts (modules, graph, churn,
hotspots), then what the change brings (new infrastructure and dependencies,
layer violations, fit test, checklist findings). Everything downstream
(JSON, notebook, report) reads the returned ``Analysis`` and nothing else.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path

from archreview.sources import git as gitio
from archreview.analysis.cache import FactsCache, default_folder, entry_key
from archreview.analysis.inputs import Inputs, resolve_inputs
from archreview.core.heap import few_collections
from archreview.core.model import Analysis, FileError, RepoRef

Progress = Callable[[str, int], Callable[[int], None]]


def analyze(path: str | os.PathLike, base: str | None = None, head: str | None = None, *,
            context_file: str | os.PathLike | None = None, jobs: int | None = None, use_cache: bool = True,
            depth: int | None = None, churn_days: int = 365, progress: Progress | None = None) -> Analysis:
    """Analyse the repository at ``path`` (at ``head``, default HEAD) and, with ``base``, the change.

    For git refs the whole result is also cached, keyed by the commit ids, the
    context texts and the options, so an identical re-run only reads it back.
    """
    inputs = resolve_inputs(path, base, head, context_file=context_file, depth=depth, churn_days=churn_days)
    return analyze_inputs(inputs, jobs=jobs, use_cache=use_cache, progress=progress)


def analyze_inputs(inputs: Inputs, *, jobs: int | None = None, use_cache: bool = True,
                   progress: Progress | None = None, cache: FactsCache | None = None) -> Analysis:
    """``analyze`` of resolved inputs; ``cache`` (left open) instead of opening the default one."""
    own = cache is None
    cache = FactsCache(default_folder() if use_cache else None) if cache is None else cache
    try:
        whole = inputs.key()
        found = cache.get_value(whole) if whole else None
        if isinstance(found, Analysis):
            return found
        with few_collections():
            result = _compute(inputs, cache, jobs, progress)
        from archreview.analysis.runner import transient  # loaded by _compute

        if whole and not any(transient(e.message) for e in result.errors):
            cache.put_value(whole, result)
        return result
    finally:
        if own:
            cache.close()


def _compute(inputs: Inputs, cache: FactsCache, jobs: int | None, progress: Progress | None) -> Analysis:
    root, ref = inputs.root, inputs.ref
    churn_key = entry_key("churn", ref.head, inputs.churn_days)
    churn = cache.get_value(churn_key) if ref.head else ()
    with ThreadPoolExecutor(1) as git:  # git log and diff run while the analysers load and the files are analysed
        pending = git.submit(_git_history, root, ref, inputs.churn_days,
                             None if isinstance(churn, tuple) else churn_key)
        # Loaded once git is busy, not when this module is imported: on two cores, git's history (churn is
        # 1.3 s of CPU on Django) then runs beside this half second of loading instead of beside the workers.
        from archreview.analysis.assemble import assemble
        from archreview.analysis.snapshot import take_snapshot

        head_snap = take_snapshot(root, ref.head, cache, jobs=jobs, progress=_stage(progress, "head"))
        base_snap = take_snapshot(root, ref.base, cache, jobs=jobs, progress=_stage(progress, "base")) if ref.base else None
        found = pending.result()
    if "churn" in found:
        if "history_errors" not in found:  # a partial figure is not kept for the next run
            cache.put_value(churn_key, found["churn"])
    else:
        found["churn"] = churn or ()
    return assemble(ref, head_snap, base_snap, inputs.context, depth=inputs.depth, **found)


def _git_history(root: Path, ref: RepoRef, days: int, churn_key: str | None) -> dict:
    """What changed between base and head, and churn at head unless it was cached (no ``churn_key``).

    History that cannot be read in full (a shallow, partial or blobless clone, a mirror missing
    an old object) still gives what can be read: churn falls back to commit counts without lines,
    or is skipped; the change falls back to comparing trees and diffing path by path. Each
    fallback is recorded in ``errors``; none stops the run.
    """
    if not ref.is_git or not ref.head:
        return {}
    out: dict = {}
    errors: list[FileError] = []
    if churn_key:
        try:
            out["churn"] = gitio.churn(root, ref.head, days=days)
        except gitio.GitError as exc:
            try:
                out["churn"] = gitio.churn_commits(root, ref.head, days=days)
                errors.append(FileError("(history)", f"churn counts commits only, its lines could not be read: {exc}"))
            except gitio.GitError as again:
                out["churn"] = ()
                errors.append(FileError("(history)", f"churn skipped, the history could not be read: {again}"))
    if ref.base:
        try:
            out["changed"] = gitio.changed_paths(root, ref.base, ref.head)
        except gitio.GitError as exc:
            out["changed"] = gitio.changed_paths_from_trees(root, ref.base, ref.head)
            errors.append(FileError("(history)", f"changed files found by comparing trees, renames not followed: {exc}"))
        try:
            out["changed_lines"] = gitio.changed_lines(root, ref.base, ref.head)
        except gitio.GitError as exc:
            out["changed_lines"] = gitio.changed_lines_by_path(root, ref.base, ref.head, out["changed"])
            errors.append(FileError("(history)", f"changed lines read file by file: {exc}"))
    if errors:
        out["history_errors"] = tuple(errors)
    return out


def _stage(progress: Progress | None, name: str) -> Callable[[int], Callable[[int], None]] | None:
    return (lambda total: progress(name, total)) if progress else None
