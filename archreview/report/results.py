"""What a batch produced, as data: one ``RepoResult`` per repository and ``summary.csv``.

A batch produces one ``RepoResult`` per repository (computed next to the review,
in the worker). The rows are written to ``summary.csv`` with a fixed set of
columns (every infrastructure kind, every checklist category, every verdict)
so spreadsheets and CI scripts can rely on them, and ``notebooks/batch_summary.ipynb``
reads that CSV back (``load``) to build ``index.html`` with the sections of
``report.portfolio``. Nothing here displays anything, so the batch supervisor
imports this module without IPython or pandas.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from archreview.core.vocab import KINDS
from archreview.checklist.items import load_checklist
from archreview.checklist.rules import in_report
from archreview.core.model import Analysis
from archreview.core.paths import package_path
from archreview.report.ledger import Ledger
from archreview.report.ledger import read as read_ledger
from archreview.workbook.review import VERDICT_ORDER

SUMMARY_NOTEBOOK = package_path("notebooks", "batch_summary.ipynb")
REVIEWED, FAILED = "reviewed", "failed"


@dataclass(frozen=True, slots=True)
class RepoResult:
    """What one repository's review gave, or why it could not be done."""

    name: str
    status: str  # REVIEWED or FAILED
    reason: str = ""
    path: str = ""
    base: str = ""  # commit ids; refs as written in base_ref/head_ref
    head: str = ""
    base_ref: str = ""
    head_ref: str = ""
    infrastructure: tuple[tuple[str, str], ...] = ()  # (kind, name) the change brings, tests excluded
    findings: tuple[tuple[int, int], ...] = ()  # (checklist category, findings the change brought; all without a base)
    already: int = 0  # findings already in the codebase before the change (reviews with a base)
    verdicts: tuple[tuple[str, int], ...] = ()  # (verdict, items)
    duration: float = 0.0
    resumed: bool = False
    reopened: tuple[tuple[int, str], ...] = ()  # (item, why its recorded verdict no longer stands)


class Measures(TypedDict):
    """The fields of a ``RepoResult`` that ``measure`` counts."""

    base: str
    head: str
    infrastructure: tuple[tuple[str, str], ...]
    findings: tuple[tuple[int, int], ...]
    already: int
    verdicts: tuple[tuple[str, int], ...]


def measure(analysis: Analysis, verdicts: Counter[str]) -> Measures:
    """The counted fields of a ``RepoResult`` from a finished analysis and the recorded verdicts."""
    checklist = load_checklist()
    category_of = {it.number: it.category.id for it in checklist.items}
    brought = [f for f in analysis.findings if f.new is not False and in_report(f)]  # what the client report shows
    per_category = Counter(category_of.get(f.item) for f in brought)
    return {
        "base": analysis.repo.base or "", "head": analysis.repo.head or "",
        "infrastructure": tuple(sorted({(n.kind, n.name) for n in analysis.new_infrastructure if not n.test_only})),
        "findings": tuple((c.id, per_category.get(c.id, 0)) for c in checklist.categories),
        "already": sum(f.new is False and in_report(f) for f in analysis.findings),
        "verdicts": tuple((v, verdicts.get(v, 0)) for v in VERDICT_ORDER),
    }


def to_json(result: RepoResult) -> dict[str, object]:
    return asdict(result)


def from_json(data: dict) -> RepoResult:
    tuples = {k: tuple(tuple(x) for x in data.get(k, ())) for k in ("infrastructure", "findings", "verdicts", "reopened")}
    return RepoResult(**{**{k: v for k, v in data.items() if k in RepoResult.__slots__}, **tuples})


# --- summary.csv ----------------------------------------------------------------------


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def columns() -> list[str]:
    cats = [f"findings_{c.id}_{slug(c.title)}" for c in load_checklist().categories]
    return ["name", "status", "reason", "path", "base_ref", "base", "head_ref", "head", "report",
            "new_infrastructure", *(f"infra_{k}" for k in KINDS), *cats, "already_in_codebase",
            *(f"verdict_{v}" for v in VERDICT_ORDER), "reopened",
            "duration_seconds", "resumed"]


def csv_row(r: RepoResult) -> dict[str, object]:
    kinds = Counter(kind for kind, _ in r.infrastructure)
    findings = dict(r.findings)
    verdicts = dict(r.verdicts)
    row: dict[str, object] = {
        "name": r.name, "status": r.status, "reason": r.reason, "path": r.path, "base_ref": r.base_ref,
        "base": r.base, "head_ref": r.head_ref, "head": r.head,
        "report": f"{r.name}/report.html" if r.status == REVIEWED else "",
        "new_infrastructure": "; ".join(f"{k}: {n}" for k, n in r.infrastructure),
        "duration_seconds": f"{r.duration:.1f}", "resumed": "yes" if r.resumed else "",
        "already_in_codebase": r.already,
        "reopened": "; ".join(f"item {item}: {why}" for item, why in r.reopened),  # split_reopened reads it back
    }
    row.update({f"infra_{k}": kinds.get(k, 0) for k in KINDS})
    row.update({f"findings_{c.id}_{slug(c.title)}": findings.get(c.id, 0) for c in load_checklist().categories})
    row.update({f"verdict_{v}": verdicts.get(v, 0) for v in VERDICT_ORDER})
    return row


def split_reopened(cell: str) -> list[str]:
    """The ``reopened`` column back as one "item N: why" per reopened verdict."""
    return [part if i == 0 else f"item {part}" for i, part in enumerate(cell.split("; item "))] if cell else []


def write_summary(results: list[RepoResult], path: Path) -> Path:
    """``summary.csv``, sorted by name, written whole then renamed so a reader never sees half."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns())
        writer.writeheader()
        for r in sorted(results, key=lambda r: r.name):
            writer.writerow(csv_row(r))
    os.replace(tmp, path)
    return path


# --- reading it back ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Portfolio:
    folder: Path
    rows: tuple[dict[str, str], ...]
    date: str = field(default_factory=lambda: dt.date.today().isoformat())
    ledger: Ledger | None = None  # the findings across batch runs (None before the first run wrote it)

    @property
    def reviewed(self) -> tuple[dict[str, str], ...]:
        return tuple(r for r in self.rows if r["status"] == REVIEWED)

    @property
    def failed(self) -> tuple[dict[str, str], ...]:
        return tuple(r for r in self.rows if r["status"] != REVIEWED)


def load(output_dir: str | os.PathLike) -> Portfolio:
    """The batch's rows as written in ``summary.csv`` (the page shows exactly what the CSV says)."""
    folder = Path(output_dir)
    with open(folder / "summary.csv", newline="", encoding="utf-8") as f:
        rows = tuple(csv.DictReader(f))
    return Portfolio(folder.resolve(), rows, ledger=read_ledger(folder))


# --- building the page -----------------------------------------------------------------------


def build_index(output_dir: str | os.PathLike, *, title: str = "Portfolio review", client: str = "",
                timeout: int | None = 600) -> Path:
    """Execute the summary notebook over ``output_dir`` and export ``index.html`` with the report template."""
    from archreview.report.notebook import export, run_notebook

    folder = Path(output_dir).resolve()
    notebook = run_notebook(SUMMARY_NOTEBOOK, folder / "summary.ipynb",
                            {"output_dir": str(folder), "title": title, "client": client}, cwd=folder, timeout=timeout)
    return export(notebook, folder / "index.html", title)
