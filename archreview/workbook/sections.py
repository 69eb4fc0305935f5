"""What each cell of ``notebooks/review.ipynb`` calls: one function per section.

Each function takes the ``Review`` and returns something Jupyter displays
(HTML built by ``archreview.workbook.render``, escaped). In a live session the
checklist adds widgets to record decisions; in batch (papermill) and in the
report the decisions are static tables.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
from IPython.display import HTML, display
from markupsafe import Markup

from archreview.workbook import charts
from archreview.analysis.baseline import compare, read_baseline
from archreview.analysis.inputs import cached_analysis, resolve_inputs
from archreview.repo import coverage
from archreview.repo.graph import dsm, module_graph
from archreview.change.fit import QUESTIONS
from archreview.change.twin import removal
from archreview.checklist.rules import in_report
from archreview.core.model import Analysis
from archreview.core.paths import package_path
from archreview.core.text import displayable, map_strings
from archreview.core.vocab import FINDING_LABELS, STATUS_LABELS
from archreview.workbook.render import fragment, kind_label, table, when
from archreview.workbook.params import Parameters
from archreview.workbook.review import VERDICT_ORDER, Review, open_review


def start(repo: str, base: str | None = None, head: str | None = None, *, context: str | None = None,
          decisions: str | None = None, client: str = "", reviewer: str = "", title: str = "",
          live: bool = True, baseline: str | None = None) -> Review:
    """Analyse the repository (cached per file), compare with a baseline run, and open the decisions file.

    A batch job or an earlier run of the same refs left the whole analysis in the
    cache: it is read back without loading the analysers at all.
    """
    inputs = resolve_inputs(repo, base, head, context_file=context)
    analysis = cached_analysis(inputs)
    if analysis is None:
        from archreview.analysis.run import analyze_inputs  # the analysers load only when there is work

        analysis = analyze_inputs(inputs)
    if baseline:
        analysis = compare(analysis, read_baseline(baseline))
    analysis = shown(analysis)
    review = open_review(analysis, decisions, title=title, client=client, reviewer=reviewer, live=live)
    review.params = Parameters(repo, base, head, context, decisions, client, reviewer, title or "Architecture review",
                               baseline=baseline)  # live=False: the exported report is a batch run
    return review


# The client's order: what was decided and what the change brings first, supporting metrics last.
SECTIONS = (("executive-summary", "Executive summary"), ("change", "What the change brings"), ("fit", "Fit test"),
            ("checklist", "Checklist"), ("summary", "Summary by category"), ("overview", "What was analysed"),
            ("architecture", "Architecture"), ("complexity", "Complexity and hotspots"))


def shown(analysis: Analysis) -> Analysis:
    """The analysis with undecodable bytes in names as U+FFFD: charts, HTML and the kernel's messages
    cannot carry them. Most repositories have none, and are passed through as they are."""
    names = [f.path for f in analysis.head.files] + [s.path for s in analysis.head.skipped]
    if analysis.base is not None:
        names += [f.path for f in analysis.base.files] + [s.path for s in analysis.base.skipped]
    if all(displayable(n) is n for n in names):
        return analysis
    return map_strings(analysis, displayable)


def header(review: Review) -> HTML:
    a = review.analysis
    shipped = [n for n in a.new_infrastructure if not n.test_only]
    infra = Counter(n.kind for n in shipped if not n.declared_used)
    declared = Counter(n.kind for n in shipped if n.declared_used)
    risks = [{"item": item, "severity": sev, "count": count, "status": review.status(item.number),
              "evidence": review.evidence(item.number)[:2]} for item, sev, count in review.top_risks()]
    return HTML(fragment("header", r=review, a=a, dep_caveat=coverage.caveat(a.head.files, manifests=True),
                         coverage_line=coverage.coverage_line(a.head.files),
                         infra=sorted(infra.items()), declared=sorted(declared.items()),
                         counts=review.counts(), style=_live_css(review), order=VERDICT_ORDER, labels=STATUS_LABELS,
                         risks=risks, sections=SECTIONS))


def _live_css(review: Review) -> Markup | None:
    """The report's stylesheet, for the live notebook (the report brings its own)."""
    if not review.live:
        return None
    css = package_path("templates", "report", "report.css").read_text(encoding="utf-8")
    scoped = "\n".join(line for line in css.splitlines() if line.lstrip().startswith((":root", ".ar-", "[class^=", "@media", "}")))
    return Markup(scoped)


def overview(review: Review) -> HTML:
    a = review.analysis
    lines = sum(f.lines for f in a.head.files)
    reasons = Counter(s.reason for s in a.head.skipped)
    return HTML(fragment(
        "overview", a=a, lines=lines, read_languages=coverage.code_analysed(a.head.files),
        caveat=coverage.caveat(a.head.files, manifests=True),
        languages=table([{"language": g.language, "files": g.files, "analysed": "yes" if g.analysed else "no",
                          "lines": g.lines, "functions": g.functions if g.analysed else "",
                          "mean CC": g.cc_mean if g.functions else "", "max CC": g.cc_max if g.functions else "",
                          "findings (in report)": f"{g.findings} ({g.shown})" if g.analysed else ""}
                         for g in coverage.breakdown(a.head.files, a.findings, in_report)],
                        ["language", "files", "analysed", "lines", "functions", "mean CC", "max CC",
                         "findings (in report)"]),
        skipped=table([{"reason": k, "files": v} for k, v in reasons.most_common()], ["reason", "files"]),
        skipped_paths=table([{"path": s.path, "reason": s.reason} for s in a.head.skipped[:30]], ["path", "reason"],
                            caption=_showing(30, len(a.head.skipped), "skipped files")),
        errors=table([{"path": e.path, "problem": e.message} for e in a.errors[:50]], ["path", "problem"],
                     caption=_showing(50, len(a.errors), "files with problems")),
    ))


# Every list the notebook and the report show stops at a few dozen and says how many there are:
# a change of 100,000 files or violations must not write a 28 MB report or fill the kernel.
# The JSON document (``archreview analyze --json``) keeps them all.
TOP = 50
NAMES = 40


def _showing(limit: int, total: int, what: str) -> str:
    """A table that stops says so: "showing 50 of 160 layer violations (... lists them all)"."""
    return f"showing {limit} of {total} {what} (`archreview analyze --json` lists them all)" if total > limit else ""


def architecture(review: Review) -> HTML:
    g = review.analysis.graph
    labels, matrix = dsm(g)
    diagram, key = charts.package_diagram_with_key(g)
    coupling = sorted(g.coupling, key=lambda c: (-(c.afferent + c.efferent), c.package))[:25]
    return HTML(fragment(
        "architecture", g=g, read_languages=coverage.code_analysed(review.analysis.head.files),
        caveat=coverage.caveat(review.analysis.head.files), diagram=diagram,
        diagram_key=table([{"box": n, "package": p} for n, p in key], ["box", "package"],
                          caption="Numbered boxes in the package diagram"), heatmap=charts.dsm_heatmap(labels, matrix),
        cycles=[" → ".join(c) for c in g.cycles[:20]],
        violations=table([{"rule": v.rule, "where": f"{v.path}:{v.line}", "import": f"{v.importer} → {v.imported}",
                           "why": v.message} for v in g.violations[:TOP]], ["rule", "where", "import", "why"],
                         caption=_showing(TOP, len(g.violations), "layer violations")),
        coupling=table([{"package": c.package, "used by (Ca)": c.afferent, "uses (Ce)": c.efferent,
                         "instability": c.instability} for c in coupling],
                       ["package", "used by (Ca)", "uses (Ce)", "instability"],
                       caption=_showing(25, len(g.coupling), "packages, most coupled first")),
    ))


def complexity(review: Review) -> HTML:
    a = review.analysis
    functions = [(fn.cc, f.path, fn.name, fn.line) for f in a.head.files for fn in f.functions]
    worst = sorted(functions, key=lambda t: (-t[0], t[1], t[3]))[:15]
    low_mi = sorted((f for f in a.head.files if f.mi is not None), key=lambda f: (f.mi, f.path))[:10]
    return HTML(fragment(
        "complexity", histogram=charts.complexity_histogram([t[0] for t in functions]),
        scatter=charts.hotspot_scatter(a.hotspots),
        worst=table([{"function": n, "where": f"{p}:{line}", "cc": cc} for cc, p, n, line in worst],
                    ["function", "where", "cc"]),
        mi=table([{"file": f.path, "maintainability index": f.mi, "lines": f.lines} for f in low_mi],
                 ["file", "maintainability index", "lines"]),
        hotspots=table([{"#": rank, "file": h.path, "commits": h.churn, "complexity": h.complexity, "score": h.score}
                        for rank, h in enumerate(a.hotspots[:15], start=1)], ["#", "file", "commits", "complexity", "score"]),
    ))


def change(review: Review) -> HTML:
    a = review.analysis
    rows = [{"kind": kind_label(n.kind), "what": n.name, "evidence": ", ".join(f"{e.path}:{e.line}" for e in n.evidence[:4]),
             "note": _infra_note(n)}
            for n in a.new_infrastructure[:TOP]]
    changed, reaching, entry = blast_radius(review)
    return HTML(fragment("change", a=a, dep_caveat=coverage.caveat(a.head.files, manifests=True),
                         infra=table(rows, ["kind", "what", "evidence", "note"],
                                     caption=_showing(TOP, len(a.new_infrastructure), "new infrastructure")),
                         twins=twins_table(a),
                         changed=changed, reaching=reaching, entry=entry, limit=NAMES))


def twins_table(a: Analysis) -> str:
    """The boring twin of each new piece: the codebase's own way of doing the same job, and what removing
    the piece would remove (packages, services, config keys, the checklist items it opens)."""
    rows = [{"new piece": f"{t.name} ({kind_label(t.kind)})",
             "the codebase already does this job": "; ".join(f"{e.path}{f':{e.line}' if e.line else ''} {e.text}"
                                                            for e in t.precedent) or "no way of doing this job yet",
             "removing it removes": removal(t)}
            for t in a.twins[:TOP]]
    return table(rows, ["new piece", "the codebase already does this job", "removing it removes"],
                 caption=_showing(TOP, len(a.twins), "new pieces"))


def _infra_note(n) -> str:
    if n.test_only:
        return "tests only"
    if n.declared_unused:
        return "declared NOT used"
    return "kind already in the declared stack" if n.declared_used else ""


def blast_radius(review: Review) -> tuple[list[str], list[str], list[str]]:
    """Modules the change touched, the modules that import them (transitively), and which of those are entry points."""
    a = review.analysis
    changed_paths = set(a.changed_files)
    changed = sorted(m.name for m in a.modules if m.path in changed_paths)
    g = module_graph(a.modules)
    reaching = _ancestors(g, changed) - set(changed)
    entry = sorted(n for n in reaching | set(changed) if g.in_degree(n) == 0)
    return changed, sorted(reaching), entry


def _ancestors(g: nx.DiGraph, targets: list[str]) -> set[str]:
    """Every node with a path to any of ``targets``: one walk for all (one per target is quadratic)."""
    seen: set[str] = set()
    todo = list(targets)
    while todo:
        for importer in g.predecessors(todo.pop()):
            if importer not in seen:
                seen.add(importer)
                todo.append(importer)
    return seen


# The fit test's five questions as the client reads them (archreview.change.fit.QUESTIONS holds the short names).
FIT_QUESTIONS = ("Does the change access data the way the codebase does?",
                 "Does it handle errors the way the codebase does?",
                 "Does it import from the right places?",
                 "Could it be removed without changing the infrastructure?",
                 "Is its style one a newcomer to the codebase would not notice?")


def fit_test(review: Review) -> HTML:
    return HTML(fragment("fit", answers=review.analysis.fit_test, questions=FIT_QUESTIONS, short=QUESTIONS,
                         has_base=review.analysis.base is not None))


def checklist(review: Review) -> HTML | None:
    """Items with evidence or a decision as cards, the rest in one compact table; live sessions get widgets."""
    if not review.live:
        return HTML(_items_html(review, review.checklist.items, with_intro=True))
    from archreview.workbook.widgets import Tour, item_widget, progress_widget

    progress = progress_widget(review)
    boxes = {item.number: item_widget(review, item, progress) for item in review.checklist.items}
    tour = Tour(review, boxes, lambda item: _items_html(review, (item,), tour=True))
    progress.listeners.append(tour.refresh)
    display(HTML(fragment("checklist_intro", r=review)), progress.box, tour.box)
    for item in review.checklist.items:
        display(HTML(_items_html(review, (item,))), boxes[item.number])
    return None


def _items_html(review: Review, items, with_intro: bool = False, tour: bool = False) -> str:
    """Cards for items that carry evidence or a decision; in the report the others go in one compact table."""
    cards: list[dict[str, object]] = []
    quiet: list[dict[str, object]] = []
    for item in items:
        evidence, already = review.evidence(item.number), review.already(item.number)
        leads = review.leads(item.number) if review.live else ()
        decision = review.decision(item.number)
        dismissed = review.dismissed(item.number)
        block = dict(item=item, severity=(decision.severity if decision and decision.severity else None) or review.severity(item),
                     decision=decision, status=review.status(item.number), rereview=review.needs_rereview(item.number),
                     reopened=review.reopened(item.number),
                     count=len(evidence), evidence=_findings_table(evidence), already=len(already),
                     already_table=_findings_table(already), leads=len(leads), leads_table=_findings_table(leads),
                     dismissed=len(dismissed), dismissed_table=_dismissed_table(dismissed))
        (cards if evidence or already or dismissed or decision is not None or review.live else quiet).append(block)
    return fragment("items", r=review, cards=cards, quiet=quiet, with_intro=with_intro, live=review.live,
                    labels=STATUS_LABELS, tour=tour)


def _findings_table(findings) -> Markup:
    rows = [{"where": f"{f.path}:{f.line}", "finding": f.message, "code": f.snippet,
             "confidence": f"{f.confidence:.0%}"} for f in findings[:25]]
    return table(rows, ["where", "finding", "code", "confidence"])


def _dismissed_table(dismissed) -> Markup:
    rows = [{"where": f"{f.path}:{f.line}", "finding": f.message, "decision": FINDING_LABELS[d.status],
             "reason": d.reason, "by": d.reviewer or "", "when": when(d.at)} for f, d in dismissed[:TOP]]
    return table(rows, ["where", "finding", "decision", "reason", "by", "when"])


def summary(review: Review) -> HTML:
    per_category = []
    for cat in review.checklist.categories:
        statuses = Counter(review.status(it.number) for it in review.checklist.in_category(cat.id))
        per_category.append({"category": f"{cat.id}. {cat.title}",
                             **{STATUS_LABELS[s]: statuses.get(s, 0) for s in VERDICT_ORDER}})
    columns = ["category", *(STATUS_LABELS[s] for s in VERDICT_ORDER)]
    return HTML(fragment("summary", r=review, table=table(per_category, columns)))
