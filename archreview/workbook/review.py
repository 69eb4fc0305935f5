"""A review in progress: the analysis, the checklist, the reviewer's decisions.

This is the display-independent structure the workbook and the report are
built from (ydata-profiling's middle stage): which evidence sits under each
item, what severity the declared scale gives it, what was decided, what needs
re-review because the evidence changed, and the overall verdict.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import cached_property
from dataclasses import dataclass, field
from pathlib import Path

from archreview.checklist.items import Checklist, Item, load_checklist, severity
from archreview.decisions import Decision, DecisionStore, FindingDecision, reopened
from archreview.checklist.rules import in_report
from archreview.sources.roles import role_of
from archreview.workbook.params import Parameters
from archreview.core.model import Analysis, Finding
from archreview.core.vocab import SEVERITY_RANK, STATUSES, VERDICT_ORDER, FindingStatus, Severity, Status


# Rules whose findings are new infrastructure itself ("infra.*") or a failure mode it opens ("opens.*").
INFRASTRUCTURE_RULES = ("infra.", "opens.")


@dataclass(frozen=True, slots=True)
class Meta:
    title: str = "Architecture review"
    client: str = ""
    reviewer: str = ""
    date: str = field(default_factory=lambda: dt.date.today().isoformat())


@dataclass
class Review:
    analysis: Analysis
    checklist: Checklist
    store: DecisionStore | None
    meta: Meta
    live: bool = False
    params: Parameters | None = None  # what the workbook was started with, for re-export

    # --- evidence ------------------------------------------------------------
    @property
    def users(self) -> int | None:
        context = self.analysis.context
        return context.scale.users if context is not None else None

    @property
    def has_base(self) -> bool:
        return self.analysis.base is not None

    def _brought(self, item: int) -> list[Finding]:
        return [f for f in self.analysis.findings if f.item == item and f.new is not False]

    def _reportable(self, item: int) -> list[Finding]:
        return [f for f in self._brought(item) if in_report(f)]

    def evidence(self, item: int) -> tuple[Finding, ...]:
        """The item's evidence: what the change brought (everything without a base), from rules precise
        enough for the client report, less the findings the reviewer dismissed. Leads and findings already
        in the codebase are apart."""
        return _ranked(f for f in self._reportable(item) if not self.is_dismissed(f))

    def dismissed(self, item: int) -> tuple[tuple[Finding, FindingDecision], ...]:
        """The item's findings (brought or already there) the reviewer marked a false positive or accepted,
        with that call: shown marked in the report, never counted in the headline or the top risks."""
        calls = ((f, self.finding_decision(f)) for f in self.decidable(item))
        return tuple((f, d) for f, d in calls if d is not None and d.dismissed)

    def decidable(self, item: int) -> tuple[Finding, ...]:
        """The item's findings a reviewer may mark a false positive or accepted: what the report shows
        (brought and already there), dismissed ones included so they can be opened again."""
        already = (f for f in self.analysis.findings if f.item == item and f.new is False and in_report(f))
        return _ranked([*self._reportable(item), *already])

    def finding_decision(self, finding: Finding) -> FindingDecision | None:
        if self.store is None or not finding.fingerprint:
            return None
        return self.store.finding(finding.fingerprint)

    def is_dismissed(self, finding: Finding) -> bool:
        decision = self.finding_decision(finding)
        return decision is not None and decision.dismissed

    def leads(self, item: int) -> tuple[Finding, ...]:
        """Findings of rules not yet precise on real code, or below the report's confidence floor: shown
        in the live workbook for the reviewer to follow up, never in the client report or the headline."""
        return _ranked(f for f in self._brought(item) if not in_report(f))

    def already(self, item: int) -> tuple[Finding, ...]:
        """The item's findings already in the codebase before the change (only in a review with a base)."""
        found = (f for f in self.analysis.findings if f.item == item and f.new is False)
        return _ranked(f for f in found if (self.live or in_report(f)) and not self.is_dismissed(f))

    def brought_count(self) -> int:
        """How many findings of the client-facing evidence the change brought (all items)."""
        return sum(len(self.evidence(it.number)) for it in self.checklist.items)

    def already_counts(self) -> tuple[tuple[Item, int], ...]:
        """(item, findings already in the codebase), for the folded part of a change review."""
        return tuple((it, n) for it in self.checklist.items if (n := len(self.already(it.number))))

    def severity(self, item: Item) -> Severity:
        return severity(item, self.users)

    def fingerprint_evidence(self, item: int) -> list[list[object]]:
        """What a decision was made on: findings without line numbers, which shift with unrelated edits."""
        return sorted([f.rule, f.path, f.snippet] for f in self._reportable(item))  # dismissing one changes nothing

    def tour(self) -> tuple[Item, ...]:
        """The items in the order a review walks them: first those where the change brings new infrastructure
        (the infrastructure itself and the failure modes it opens), then those with other findings the change
        brought, then the rest; within each, the most severe first, then the most evidence."""
        def risk(it: Item) -> tuple[int, int, int, int]:
            evidence = self.evidence(it.number)
            tier = 0 if any(f.rule.startswith(INFRASTRUCTURE_RULES) for f in evidence) else 1 if evidence else 2
            decision = self.decision(it.number)
            sev = (decision.severity if decision is not None else None) or self.severity(it)
            return tier, -SEVERITY_RANK.get(sev, 0), -len(evidence), it.number

        return tuple(sorted(self.checklist.items, key=risk))

    # --- decisions -----------------------------------------------------------
    def decision(self, item: int) -> Decision | None:
        return self.store.get(item) if self.store is not None else None

    def status(self, item: int) -> Status:
        decision = self.decision(item)
        return decision.status if decision is not None and not self.reopened(item) else "unreviewed"

    def reopened(self, item: int) -> str | None:
        """Why the recorded verdict no longer stands (it expired, or its revisit condition came true)."""
        decision = self.decision(item)
        if decision is None or not (decision.expires or decision.revisit_when):
            return None
        return reopened(decision, today=dt.date.today(), kinds=self.kinds_in_use, users=self.users)

    @cached_property
    def kinds_in_use(self) -> dict[str, int]:
        """Kind -> how many production files of head use it (what ``revisit_when`` conditions look at)."""
        files: dict[str, set[str]] = {}
        for f in self.analysis.head.files:
            if role_of(f.path) == "production":
                for s in f.signals:
                    files.setdefault(s.kind, set()).add(f.path)
        return {kind: len(paths) for kind, paths in files.items()}

    def needs_rereview(self, item: int) -> bool:
        return self.store is not None and self.store.needs_rereview(item, self.fingerprint_evidence(item))

    def record(self, item: int, status: Status, note: str = "", severity: Severity | None = None) -> Decision:
        if self.store is None:
            raise RuntimeError("this review has no decisions file; open it with decisions=PATH")
        return self.store.record(item, status, note, severity, self.meta.reviewer or None,
                                 evidence=self.fingerprint_evidence(item))

    def record_finding(self, finding: Finding, status: FindingStatus, reason: str = "") -> FindingDecision:
        """Mark one finding a false positive or accepted (or open again), by its fingerprint."""
        if self.store is None:
            raise RuntimeError("this review has no decisions file; open it with decisions=PATH")
        if not finding.fingerprint:
            raise ValueError("this finding has no fingerprint to remember the decision by")
        return self.store.record_finding(finding.fingerprint, status, reason, self.meta.reviewer or None,
                                         item=finding.item, path=finding.path)

    def dismissed_count(self) -> int:
        return sum(len(self.dismissed(it.number)) for it in self.checklist.items)

    def counts(self) -> Counter[str]:
        return Counter(self.status(it.number) for it in self.checklist.items)

    def verdict(self) -> str:
        """The headline, from the decisions only: incomplete until every item has a verdict, so nothing
        is called acceptable (or final) while items are unreviewed."""
        counts = self.counts()
        if counts["unreviewed"]:
            return f"Review incomplete: {counts['unreviewed']} of {len(self.checklist.items)} items not reviewed"
        if counts["fail"]:
            return "Changes required before release"
        if counts["concern"]:
            return "Acceptable with the concerns below addressed"
        return "No blocking findings"

    def verdict_detail(self) -> str:
        """What the decisions so far say, under the headline."""
        counts = self.counts()
        decided = len(self.checklist.items) - counts["unreviewed"]
        if not decided:
            return "No item has a verdict yet."
        parts = [f"{counts[s]} {label}" for s, label in (("fail", "failed"), ("concern", "with concerns"),
                                                        ("pass", "passed"), ("na", "not applicable")) if counts[s]]
        text = (f"{decided} reviewed so far: " if counts["unreviewed"] else f"All {decided} reviewed: ") + ", ".join(parts) + "."
        if counts["fail"] and counts["unreviewed"]:
            text += " A failed item already means changes are required before release."
        return text

    def top_risks(self, limit: int = 5) -> tuple[tuple[Item, Severity, int], ...]:
        """(item, severity, findings) ranked: failed and concerning items first, then by severity and evidence."""
        ranked = []
        for it in self.checklist.items:
            count = len(self.evidence(it.number))
            status = self.status(it.number)
            if count == 0 and status not in ("fail", "concern"):
                continue
            decision = self.decision(it.number)
            sev = (decision.severity if decision is not None else None) or self.severity(it)
            ranked.append((status != "fail", status != "concern", -SEVERITY_RANK.get(sev, 0), -count, it.number, (it, sev, count)))
        ranked.sort(key=lambda r: r[:5])
        return tuple(r[-1] for r in ranked[:limit])


def _ranked(findings) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-f.confidence, f.path, f.line)))


def open_review(analysis: Analysis, decisions: str | Path | None = None, *, title: str = "", client: str = "",
                reviewer: str = "", live: bool = False) -> Review:
    store = DecisionStore(decisions) if decisions else None
    meta = Meta(title=title or "Architecture review", client=client, reviewer=reviewer)
    return Review(analysis, load_checklist(), store, meta, live)


__all__ = ["Meta", "Review", "STATUSES", "VERDICT_ORDER", "open_review"]
