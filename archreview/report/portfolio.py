"""The portfolio page of a batch: the sections ``notebooks/batch_summary.ipynb`` displays.

Each function takes the ``Portfolio`` read back from ``summary.csv`` (see
``report.results``) and returns HTML for Jupyter, built through the same
escaping templates as every single review: self-contained, no script, every
value escaped. This is the only batch module that imports IPython; the
supervisor and its jobs never do.
"""

from __future__ import annotations

import math
from urllib.parse import quote

from IPython.display import HTML

from archreview.checklist.items import load_checklist
from archreview.core.vocab import KINDS
from archreview.report.results import Portfolio, columns, slug, split_reopened
from archreview.workbook.render import fragment, table
from archreview.workbook.review import VERDICT_ORDER


def header(p: Portfolio, title: str = "Portfolio review", client: str = "") -> HTML:
    return HTML(fragment("portfolio_header", title=title, client=client, date=p.date, total=len(p.rows),
                         reviewed=len(p.reviewed), failed=len(p.failed)))


def reports(p: Portfolio) -> HTML:
    """Every repository with a relative link to its report, its refs and what the review counted."""
    rows = [{**r, "link": _link(p, r), "findings": sum(int(r[c]) for c in columns() if c.startswith("findings_")),
             "kinds": sum(int(r[f"infra_{k}"]) for k in KINDS), "reopened": split_reopened(r.get("reopened") or "")}
            for r in p.rows]
    return HTML(fragment("portfolio_reports", rows=rows, verdicts=VERDICT_ORDER))


def _link(p: Portfolio, row: dict[str, str]) -> str:
    report = row.get("report") or ""
    return quote(report) if report and (p.folder / report).is_file() else ""


def infrastructure(p: Portfolio) -> HTML:
    """Which repositories brought which new infrastructure: one row per repository, one column per kind found."""
    found = [k for k in KINDS if any(int(r[f"infra_{k}"]) for r in p.reviewed)]
    rows = []
    for r in p.reviewed:
        names: dict[str, str | None] = dict.fromkeys(found)
        for part in filter(None, r["new_infrastructure"].split("; ")):
            kind, _, name = part.partition(": ")
            names[kind] = ", ".join(filter(None, (names.get(kind), name)))
        cells: dict[str, str] = {k: names.get(k) or "" for k in found}
        rows.append({"repository": r["name"], **cells})
    return HTML(fragment("portfolio_infrastructure", table=table(rows, ["repository", *found]) if found else ""))


def heat_map(p: Portfolio) -> HTML:
    """Findings per checklist category per repository, shaded against the largest count in the batch."""
    cats = load_checklist().categories
    keys = [f"findings_{c.id}_{slug(c.title)}" for c in cats]
    top = max((int(r[k]) for r in p.reviewed for k in keys), default=0)
    rows = [{"name": r["name"], "cells": [(int(r[k]), _shade(int(r[k]), top)) for k in keys]} for r in p.reviewed]
    return HTML(fragment("portfolio_heatmap", categories=cats, rows=rows, top=top))


def _shade(count: int, top: int) -> str:
    """White to red on a log scale up to the largest count, so one busy category does not wash out the rest."""
    if not count or not top:
        return "#ffffff"
    share = math.log1p(count) / math.log1p(top)
    green_blue = int(235 - 175 * share)
    return f"#{255:02x}{green_blue:02x}{green_blue:02x}"


def failures(p: Portfolio) -> HTML:
    rows = [{"repository": r["name"], "path": r["path"], "reason": r["reason"]} for r in p.failed]
    return HTML(fragment("portfolio_failures", table=table(rows, ["repository", "path", "reason"])))


def trend(p: Portfolio, oldest: int = 10) -> HTML:
    """The portfolio ledger over batch runs: new, unchanged and resolved findings per run, in total and per
    repository, and the findings open longest (first seen, last seen, age)."""
    ledger = p.ledger
    if ledger is None:
        return HTML(fragment("portfolio_trend", totals=(), steps=(), oldest=(), runs=0))
    still_open = sorted((f for f in ledger.findings if f.resolved_at is None),
                        key=lambda f: (f.first_seen, -f.runs_seen, f.repo, f.path, f.line))
    return HTML(fragment("portfolio_trend", totals=ledger.totals(), steps=ledger.steps, oldest=still_open[:oldest],
                         runs=len(ledger.runs), open=len(still_open),
                         resolved=sum(f.resolved_at is not None for f in ledger.findings)))
