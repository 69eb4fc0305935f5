"""Repository facts and change facts from analysed snapshots and git history: the pure last stage.

Kept apart from ``run`` so that its imports (networkx for the graph, the change and
repository analysers), which only this stage needs, load while git reads the history
rather than before it starts (``run._compute``).
"""

from __future__ import annotations

import dataclasses

from archreview.repo import codemodules, graph
from archreview.repo import hotspots
from archreview.change import infra, lockfiles
from archreview.repo import layers
from archreview.checklist.detectors.repo import opened_items, repo_findings
from archreview.checklist.placement import history
from archreview.checklist.across.reach import place_unreached, unreached
from archreview.checklist.rules import change_scoped
from archreview.checklist.across.timelimits import place_time_limited
from archreview.checklist.across.atomicrequests import drop_atomic_request_dual_writes
from archreview.checklist.across.columns import drop_column_loads
from archreview.checklist.across.ownloop import place_own_loop
from archreview.checklist.across.configured import place_named_modules
from archreview.checklist.across.scheduled import drop_scheduled_enqueues
from archreview.checklist.across.selfcommit import helper_dual_writes
from archreview.checklist.across.softdelete import drop_soft_deleted_cascades
from archreview.checklist.across.wrappers import drop_in_process_calls
from archreview.core.fingerprint import by_message, with_fingerprints
from archreview.change.fit import fit_test
from archreview.change.twin import boring_twins, with_twins
from archreview.core.model import Analysis, Churn, Context, FileError, Finding, RepoRef, Snapshot
from archreview.repo.facts import repo_facts


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
    lines = (changed_lines or {}) if base is not None else None
    fit = fit_test(base, head, changed, head_facts, new_infra, context, lines)
    users = context.scale.users if context else None
    findings = place_named_modules(history(_mark_new(head, lines), base is not None), head.files)
    findings = drop_atomic_request_dual_writes(helper_dual_writes(findings, head.files, modules, lines), head.files)
    findings = drop_scheduled_enqueues(findings, head.files)
    findings = place_time_limited(place_unreached(findings, unreached(head.files, head_facts)), head.files, head_facts)
    findings = drop_column_loads(drop_in_process_calls(findings, head.files, modules), head.files)
    findings = drop_soft_deleted_cascades(place_own_loop(findings, head.files), head.files)
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
