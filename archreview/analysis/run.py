"""The whole analysis of a repository, or of one change ``base..head``, as one value.

This is the only place that sequences the stages: snapshots of the refs
(per-file facts, cached), then repository facts (modules, graph, churn,
hotspots), then what the change brings (new infrastructure and dependencies,
layer violations, fit test, checklist findings). Everything downstream
(JSON, notebook, report) reads the returned ``Analysis`` and nothing else.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path

from archreview.sources import git as gitio
from archreview.repo import codemodules, graph
from archreview.repo import hotspots
from archreview.change import infra, lockfiles
from archreview.repo import layers
from archreview.analysis import runner
from archreview.analysis.cache import FactsCache, default_folder, entry_key
from archreview.analysis.inputs import Inputs, resolve_inputs
from archreview.checklist.detectors.repo import opened_items, repo_findings
from archreview.checklist.placement import history
from archreview.checklist.rules import change_scoped
from archreview.core.fingerprint import by_message, with_fingerprints
from archreview.core.heap import few_collections
from archreview.change.fit import fit_test
from archreview.change.twin import boring_twins, with_twins
from archreview.core.model import Analysis, Churn, Context, FileError, Finding, RepoRef, Snapshot
from archreview.repo.facts import repo_facts
from archreview.analysis.snapshot import take_snapshot


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
        if whole and not any(runner.transient(e.message) for e in result.errors):
            cache.put_value(whole, result)
        return result
    finally:
        if own:
            cache.close()


def _compute(inputs: Inputs, cache: FactsCache, jobs: int | None, progress: Progress | None) -> Analysis:
    root, ref = inputs.root, inputs.ref
    churn_key = entry_key("churn", ref.head, inputs.churn_days)
    churn = cache.get_value(churn_key) if ref.head else ()
    with ThreadPoolExecutor(1) as git:  # git log and diff run while the files are analysed
        pending = git.submit(_git_history, root, ref, inputs.churn_days,
                             None if isinstance(churn, tuple) else churn_key)
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


def assemble(ref: RepoRef, head: Snapshot, base: Snapshot | None, context: Context | None, *,
             depth: int | None = None, churn: tuple[Churn, ...] = (), changed: tuple[str, ...] = (),
             changed_lines: dict[str, frozenset[int]] | None = None,
             history_errors: tuple[FileError, ...] = ()) -> Analysis:
    """Repository facts and change facts from analysed snapshots and git history (pure)."""
    head_facts = repo_facts(head, context)
    base_facts = repo_facts(base) if base is not None else None  # base's layer violations are not reported
    modules = head_facts.modules
    violations = list(head_facts.violations)
    head_graph = graph.build_graph(modules, depth)
    if base_facts is not None:
        violations += layers.new_cycles(graph.build_graph(base_facts.modules, depth).cycles, head_graph.cycles, modules)
    links = codemodules.csharp_projects(head.files)
    the_graph = dataclasses.replace(head_graph, violations=tuple(sorted(violations, key=lambda v: (v.path, v.line, v.rule))),
                                    projects=links, project_coupling=codemodules.project_coupling(links))
    not_used = context.patterns_not_used if context else ()
    used = infra.kinds_in_stack(context.stack) if context else ()
    new_infra = infra.new_infrastructure(base, head, not_used=not_used, used=used, base_facts=base_facts,
                                         head_facts=head_facts) if base is not None else ()
    fit = fit_test(base, head, changed, head_facts, new_infra, context)
    users = context.scale.users if context else None
    lines = (changed_lines or {}) if base is not None else None
    findings = history(_mark_new(head, lines), base is not None)
    findings += _mark_new_repo(with_fingerprints(repo_findings(head, new_infra, fit, the_graph.violations, users, changed),
                                                   by_message), lines)
    new_deps = infra.new_dependencies(base, head, base_facts=base_facts, head_facts=head_facts) if base is not None else ()
    twins = tuple(dataclasses.replace(t, opens=opened_items(t.kind)) for t in boring_twins(
        base, head, new_infra, new_deps, changed, base_facts=base_facts)) if base is not None else ()
    return Analysis(
        repo=ref,
        head=head,
        base=base,
        modules=modules,
        graph=the_graph,
        churn=churn,
        hotspots=hotspots.hotspots(head.files, churn),
        new_infrastructure=new_infra,
        new_dependencies=new_deps,
        findings=tuple(sorted(findings, key=lambda f: (f.item, f.path, f.line, f.rule))),
        fit_test=with_twins(fit, twins, new_infra),  # after the findings: a precedent's lines are not the change's
        twins=twins,
        lockfile=lockfiles.lock_changes(base, head) if base is not None else None,
        changed_files=tuple(sorted(changed)),
        errors=tuple(sorted({*head.errors, *(base.errors if base else ()), *history_errors})),
        context=context,
    )


def _mark_new(head: Snapshot, changed_lines: dict[str, frozenset[int]] | None) -> list[Finding]:
    """Per-file findings: new when the change added or modified their line (None without a base)."""
    out = []
    for facts in head.files:
        lines = changed_lines.get(facts.path, frozenset()) if changed_lines is not None else None
        for f in distinct(facts.findings):
            out.append(f if lines is None else dataclasses.replace(f, new=f.line in lines))
    return out


def distinct(found: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """One finding per rule, path and line: the most confident, the first among equals.

    Two detector matches on one line (``@every(...)`` and ``@every(...).at(...)`` on one
    decorator) are one problem; reporting both counts it twice in the headline and precision.
    """
    best: dict[tuple[str, str, int], Finding] = {}
    for f in found:
        key = (f.rule, f.path, f.line)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    return list(best.values())


def _mark_new_repo(found: tuple[Finding, ...], changed_lines: dict[str, frozenset[int]] | None) -> list[Finding]:
    """Repository-level findings (items 20-22): new when the change brings them.

    A rule that only exists because of the change (new infrastructure, fit-test
    drift, a new cycle) is new by construction; the others (a layer violation,
    a single-implementation abstraction) are new when their line changed.
    """
    if changed_lines is None:
        return list(found)
    return [dataclasses.replace(f, new=change_scoped(f.rule) or f.line in changed_lines.get(f.path, frozenset()))
            for f in found]
