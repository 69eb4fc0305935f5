"""A short plain-text summary of an analysis, for the terminal."""

from __future__ import annotations

from collections import Counter

from archreview.checklist.items import load_checklist
from archreview.core.model import Analysis
from archreview.core.redact import redact
from archreview.repo import coverage
from archreview.checklist.rules import in_report
from archreview.core.text import displayable
from archreview.core.vocab import KIND_LABELS

_SHOWN = 20  # lines of a list on the terminal; the JSON document has them all


def text(a: Analysis) -> str:
    refs = a.repo.head[:12] if a.repo.head else "working folder"
    if a.repo.base:
        refs = f"{a.repo.base[:12]}..{refs}"
    lines = [f"{a.repo.path} ({refs})"]
    code = [f for f in a.head.files if f.language in coverage.CODE]
    per_language = Counter(f.language for f in code)
    read = ", ".join(f"{n} {coverage.LABELS[k]}" for k, n in per_language.most_common())
    lines.append(f"  files: {len(a.head.files)} analysed ({read or 'no code'}), {len(a.head.skipped)} skipped, "
                 f"{len(a.errors)} with errors")
    caveat = coverage.caveat(a.head.files)
    if caveat:
        lines.append(f"  {caveat}: their imports, dependencies and checklist items are not covered")
    g = a.graph
    lines.append(f"  modules: {len(g.nodes)}, imports between them: {len(g.edges)}, cycles: {len(g.cycles)}, "
                 f"layer violations: {sum(v.rule == 'layer' for v in g.violations)}")
    worst = sorted((fn.cc, f.path, fn.name) for f in code for fn in f.functions)[-3:]
    if worst:
        lines.append("  most complex: " + ", ".join(f"{p}:{n} (cc {cc})" for cc, p, n in reversed(worst)))
    if a.hotspots:
        lines.append("  hotspots: " + ", ".join(h.path for h in a.hotspots[:3]))
    if a.repo.base:
        unread = coverage.caveat(a.head.files, manifests=True)
        none = "none" + (f" among what was read ({unread})" if unread else "")
        deps = ", ".join(a.new_dependencies[:_SHOWN]) + (f" and {len(a.new_dependencies) - _SHOWN} more"
                                                           if len(a.new_dependencies) > _SHOWN else "")
        lines.append(f"  changed files: {len(a.changed_files)}; new dependencies: {deps or none}")
        lock = a.lockfile
        if lock is not None and (lock.resolved or lock.added or lock.removed or lock.changed or lock.direct_changed):
            resolved = ", ".join(f"{n} {v or '(not in a lockfile)'}" for n, v in lock.resolved[:_SHOWN])
            lines.append(f"  lockfiles: {'new direct dependencies resolve to ' + resolved + '; ' if resolved else ''}"
                         f"transitive only: {len(lock.added)} added, {len(lock.removed)} removed, "
                         f"{len(lock.changed)} changed versions; {len(lock.direct_changed)} direct dependencies "
                         "re-resolved")
        for n in a.new_infrastructure[:_SHOWN]:
            where = n.evidence[0] if n.evidence else None
            at = f" at {where.path}:{where.line}" if where else ""
            lines.append(f"  NEW {KIND_LABELS.get(n.kind, n.kind)}: {n.name}{at}{' (tests only)' if n.test_only else ''}")
        if len(a.new_infrastructure) > _SHOWN:
            lines.append(f"  ... and {len(a.new_infrastructure) - _SHOWN} more new infrastructure (--json lists them all)")
        for q in a.fit_test:
            lines.append(f"  fit {q.question}: {q.verdict} — {redact(q.summary)}")
    brought = [f for f in a.findings if f.new is not False]
    per_item = Counter(f.item for f in brought if in_report(f))
    label = "checklist findings the change brought" if a.repo.base else "checklist findings"
    if per_item or a.repo.base:
        lines.append(f"  {label}:" + ("" if per_item else " none"))
        titles = {it.number: it.title for it in load_checklist().items}
        lines += [f"    {i:>2}. {titles.get(i, '')}: {n}" for i, n in sorted(per_item.items())]
    leads = sum(not in_report(f) for f in brought)
    if leads:
        lines.append(f"  leads for the reviewer (rules not yet precise on real code, or low confidence): {leads}")
    already = sum(f.new is False for f in a.findings)
    if already:
        lines.append(f"  already in the codebase (not brought by the change): {already} findings")
    return displayable(redact("\n".join(lines)))  # one pass over everything shown, names and paths included
