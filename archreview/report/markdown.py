"""A pull-request comment in Markdown: the verdict, what the change brings, the top risks.

Everything taken from the repository is escaped (or put in code spans), so a file
name or a message cannot inject links, mentions or markup into the comment.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from archreview.change.twin import removal
from archreview.checklist.items import Checklist, load_checklist, severity
from archreview.checklist.rules import in_report
from archreview.core.model import Analysis, Finding
from archreview.core.redact import redact
from archreview.core.vocab import KIND_LABELS, SEVERITY_RANK
from archreview.repo import coverage

TOP = 5
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~@])")


def escape(text: str) -> str:
    """Markdown-inert text: every character with a meaning in GitHub Markdown is escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    text = " ".join(text.split()).replace("`", "'")
    return f"`{text}`"


def brought(a: Analysis, dismissed: Collection[str] = (), leads: bool = False) -> tuple[Finding, ...]:
    """Findings this run is about: new against the baseline, else brought by the change, else all; less those
    whose fingerprint the reviewer dismissed (a false positive or accepted), which neither fail a run nor count
    as open risks.

    Only findings the client report shows (``in_report``: a rule precise on held-back real code, at or above
    the report's floor) fail ``--fail-on-new``, rank as top risks or count in the verdict; ``leads=True`` gives
    the others, which the comment counts and the live workbook lists.
    """
    if a.resolved is not None:
        found = tuple(f for f in a.findings if f.baseline == "new")
    elif a.repo.base is not None:
        found = tuple(f for f in a.findings if f.new)
    else:
        found = a.findings
    return tuple(f for f in found if in_report(f) != leads and f.fingerprint not in dismissed)


def top_risks(a: Analysis, checklist: Checklist, n: int = TOP, dismissed: Collection[str] = ()) -> list[Finding]:
    users = a.context.scale.users if a.context else None
    rank = lambda f: (-SEVERITY_RANK[severity(checklist.item(f.item), users)], -f.confidence, f.path, f.line)  # noqa: E731
    return sorted(brought(a, dismissed), key=rank)[:n]


def comment(a: Analysis, statuses: Mapping[int, str] | None = None, checklist: Checklist | None = None,
            dismissed: Collection[str] = ()) -> str:
    """The comment; ``dismissed`` holds the fingerprints of findings the reviewer marked a false positive or
    accepted: they are counted once, never listed as risks."""
    checklist = checklist or load_checklist()
    mine = brought(a, dismissed)
    set_aside = len(brought(a)) - len(mine) if dismissed else 0
    lines = [f"## Architecture review: {code(a.repo.head_name or a.repo.path)}"
             + (f" against {code(a.repo.base_name or a.repo.base or '')}" if a.repo.base else ""), ""]
    lines += [f"**Verdict:** {_verdict(a, mine, statuses)}", ""]
    lines += [escape(coverage.coverage_line(a.head.files)), ""]
    if a.repo.base is not None:
        lines.append("### What the change brings")
        infra = [n for n in a.new_infrastructure if not n.test_only]
        twins = {(t.kind, t.name): t for t in a.twins}
        for n in infra:
            where = f" at {code(f'{n.evidence[0].path}:{n.evidence[0].line}')}" if n.evidence else ""
            lines.append(f"- **{escape(KIND_LABELS.get(n.kind, n.kind))}**: {escape(n.name)}{where}")
            if (twin := twins.get((n.kind, n.name))) is not None:
                lines.append("  - boring twin: " + ("; ".join(f"{escape(e.text)} at {code(f'{e.path}:{e.line or 1}')}"
                                                               for e in twin.precedent[:2]) or "none in the codebase")
                             + f"; removing it removes {escape(removal(twin))}")
        if not infra:
            lines.append("- No new infrastructure.")
        if a.new_dependencies:
            lines.append("- New dependencies: " + ", ".join(code(d) for d in a.new_dependencies))
        lines.append("")
    if a.resolved is not None:
        lines += [f"Against the baseline: {len(mine)} new finding{'s' * (len(mine) != 1)}, "
                  f"{len(a.resolved)} resolved.", ""]
    risks = top_risks(a, checklist, dismissed=dismissed)
    lines.append("### Top risks")
    for f in risks:
        item = checklist.item(f.item)
        lines.append(f"1. **{item.number}. {escape(item.title)}**: {escape(redact(f.message))} "
                     f"([{code(f'{f.path}:{f.line}')}]({_link(f)}))")
    if not risks:
        lines.append("None among the findings this change brought.")
    if set_aside:
        lines += ["", f"{set_aside} finding{'s' * (set_aside != 1)} marked a false positive or accepted by the "
                      f"reviewer {'are' if set_aside != 1 else 'is'} not counted."]
    if leads := len(brought(a, dismissed, leads=True)):
        lines += ["", f"{leads} lead{'s' * (leads != 1)} (rules not yet precise enough on real code to show as "
                      f"risks) {'are' if leads != 1 else 'is'} listed in the live workbook, not here."]
    return "\n".join(lines) + "\n"


def write(a: Analysis, path: str, statuses: Mapping[int, str] | None = None, dismissed: Collection[str] = ()) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(comment(a, statuses, dismissed=dismissed))


def _verdict(a: Analysis, mine: tuple[Finding, ...], statuses: Mapping[int, str] | None) -> str:
    if statuses is not None:
        unreviewed = sum(1 for n in range(1, 23) if statuses.get(n, "unreviewed") == "unreviewed")
        if any(s == "fail" for s in statuses.values()):
            return "changes required (a reviewer marked an item as failing)"
        if unreviewed:
            return f"review incomplete: {unreviewed} of 22 items not reviewed"
        if any(s == "concern" for s in statuses.values()):
            return "acceptable with the concerns below addressed"
        return "acceptable"
    infra = sum(1 for n in a.new_infrastructure if not n.test_only)
    items = len({f.item for f in mine})
    what = "this change brings" if a.repo.base is not None else "the repository has"
    return (f"not reviewed yet: {what} {len(mine)} finding{'s' * (len(mine) != 1)} in {items} checklist "
            f"item{'s' * (items != 1)}" + (f" and {infra} new piece{'s' * (infra != 1)} of infrastructure" if infra else ""))


def _link(f: Finding) -> str:
    from urllib.parse import quote

    return f"{quote(f.path, safe='/')}#L{max(1, f.line)}"
