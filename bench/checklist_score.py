"""Precision and recall of the checklist detectors on the labelled corpus.

Usage: python bench/checklist_score.py [--item N] [--strict] [--verbose] [--corpus DIR]

Every ``tests/corpus/<app>.labels.toml`` lists planted failure modes
(``[[expect]]``: a finding for this item must be on this line) and correct
look-alikes (``[[quiet]]``: no finding for this item here). Every Python file
of ``tests/corpus/<app>/`` is parsed and run through
``archreview.checklist.detectors.file_findings``. A finding is a true positive when its
item and path match an expect and its line falls within the labelled line's
statement (the header only, for if/for/def/with...), give or take 2 lines.

Precision counts findings in the files labelled for that item (``--strict``:
every corpus file), so a finding on an unlabelled line is a false positive.
Exit status 1 when the targets of issue 4 are missed: overall precision
>= 0.9, overall recall >= 0.8, and recall >= 0.6 for every item whose
detector exists.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from archreview.checklist.detectors import file_findings
from archreview.core.model import Finding

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
PRECISION, RECALL, ITEM_RECALL, SLACK = 0.9, 0.8, 0.6, 2


@dataclass(frozen=True, slots=True)
class Label:
    kind: str  # "expect" | "quiet"
    app: str
    item: int
    path: str  # relative to the app folder
    line: int
    note: str = ""


@dataclass
class ItemScore:
    item: int
    expected: int = 0
    hit: int = 0
    findings: int = 0
    true_positives: int = 0
    false_positives: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.findings if self.findings else None

    @property
    def recall(self) -> float | None:
        return self.hit / self.expected if self.expected else None


def load_labels(corpus: Path) -> list[Label]:
    labels = []
    for path in sorted(corpus.glob("*.labels.toml")):
        app = path.name.removesuffix(".labels.toml")
        data = tomllib.loads(path.read_text("utf-8"))
        for kind in ("expect", "quiet"):
            for raw in data.get(kind, []):
                labels.append(Label(kind, app, int(raw["item"]), str(raw["path"]), int(raw["line"]), str(raw.get("note", ""))))
    return labels


def statement_span(tree: ast.Module, line: int) -> tuple[int, int]:
    """Lines of the innermost statement holding ``line``; only the header of a compound one."""
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt | ast.excepthandler) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno and (node.end_lineno or 0) <= (best.end_lineno or 0):
                best = node
    if best is None:
        return line, line
    body = getattr(best, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt) and body[0].lineno > best.lineno:
        return best.lineno, max(best.lineno, body[0].lineno - 1)
    return best.lineno, best.end_lineno or best.lineno


def run_app(app_dir: Path) -> tuple[dict[str, tuple[Finding, ...]], dict[str, ast.Module], list[str]]:
    """Findings and trees for every Python file of one corpus app, by relative path."""
    findings, trees, errors = {}, {}, []
    for path in sorted(app_dir.rglob("*.py")):
        rel = path.relative_to(app_dir).as_posix()
        text = path.read_text("utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            errors.append(f"{app_dir.name}/{rel}: {exc}")
            continue
        trees[rel] = tree
        findings[rel] = file_findings(rel, tree, text)
    return findings, trees, errors


def score(corpus: Path = CORPUS, strict: bool = False) -> tuple[dict[int, ItemScore], list[str]]:
    labels = load_labels(corpus)
    scores: dict[int, ItemScore] = {}
    errors: list[str] = []
    for app in sorted({lb.app for lb in labels}):
        app_labels = [lb for lb in labels if lb.app == app]
        findings, trees, errs = run_app(corpus / app)
        errors += errs
        errors += [f"{app}/{lb.path}: labelled file not found" for lb in app_labels if lb.path not in trees]
        _score_app(app, app_labels, findings, trees, scores, strict)
    return dict(sorted(scores.items())), errors


def _score_app(app, labels, findings, trees, scores, strict) -> None:
    spans = {(lb.item, lb.path, lb.line): statement_span(trees[lb.path], lb.line) for lb in labels if lb.path in trees}
    labelled = defaultdict(set)
    for lb in labels:
        labelled[lb.item].add(lb.path)
    expects = [lb for lb in labels if lb.kind == "expect" and lb.path in trees]

    def matches(f: Finding, lb: Label) -> bool:
        start, end = spans[(lb.item, lb.path, lb.line)]
        return f.item == lb.item and f.path == lb.path and start - SLACK <= f.line <= end + SLACK

    for lb in expects:
        s = scores.setdefault(lb.item, ItemScore(lb.item))
        s.expected += 1
        if any(matches(f, lb) for f in findings[lb.path]):
            s.hit += 1
        else:
            s.misses.append(f"{app}/{lb.path}:{lb.line} {lb.note}")
    for path, found in findings.items():
        for f in found:
            if not strict and path not in labelled[f.item]:
                continue
            s = scores.setdefault(f.item, ItemScore(f.item))
            s.findings += 1
            if any(matches(f, lb) for lb in expects if lb.item == f.item):
                s.true_positives += 1
            else:
                s.false_positives.append(f"{app}/{path}:{f.line} [{f.rule}] {f.message[:90]}")


def items_with_detectors(scores: dict[int, ItemScore]) -> set[int]:
    """Items whose rules a detector module declares, plus any item that produced findings."""
    from archreview.checklist.items import declared_rules

    declared = set(declared_rules().values())
    return declared | {n for n, s in scores.items() if s.findings}


def targets_missed(scores: dict[int, ItemScore]) -> list[str]:
    total_tp = sum(s.true_positives for s in scores.values())
    total_f = sum(s.findings for s in scores.values())
    total_hit = sum(s.hit for s in scores.values())
    total_e = sum(s.expected for s in scores.values())
    missed = []
    if total_f and total_tp / total_f < PRECISION:
        missed.append(f"overall precision {total_tp / total_f:.2f} < {PRECISION}")
    if total_e and total_hit / total_e < RECALL:
        missed.append(f"overall recall {total_hit / total_e:.2f} < {RECALL}")
    for n in sorted(items_with_detectors(scores)):
        s = scores.get(n)
        if s and s.recall is not None and s.recall < ITEM_RECALL:
            missed.append(f"item {n} recall {s.recall:.2f} < {ITEM_RECALL}")
    return missed


def render(scores: dict[int, ItemScore], verbose: bool) -> str:
    fmt = lambda v: "   -" if v is None else f"{v:4.2f}"  # noqa: E731
    rows = [f"{'item':>4} {'expect':>6} {'hit':>4} {'found':>5} {'TP':>4} {'FP':>4} {'prec':>5} {'recall':>6}"]
    for s in scores.values():
        rows.append(f"{s.item:>4} {s.expected:>6} {s.hit:>4} {s.findings:>5} {s.true_positives:>4} "
                    f"{len(s.false_positives):>4} {fmt(s.precision):>5} {fmt(s.recall):>6}")  # fmt: skip
        if verbose:
            rows += [f"       FP   {fp}" for fp in s.false_positives] + [f"       MISS {m}" for m in s.misses]
    tp, found = sum(s.true_positives for s in scores.values()), sum(s.findings for s in scores.values())
    hit, exp = sum(s.hit for s in scores.values()), sum(s.expected for s in scores.values())
    rows.append(f" all {exp:>6} {hit:>4} {found:>5} {tp:>4} {found - tp:>4} {fmt(tp / found if found else None):>5} {fmt(hit / exp if exp else None):>6}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--item", type=int, action="append", help="only this item (repeatable)")
    parser.add_argument("--strict", action="store_true", help="count findings in every corpus file, labelled or not")
    parser.add_argument("--verbose", "-v", action="store_true", help="list false positives and misses")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    scores, errors = score(args.corpus, args.strict)
    if args.item:
        scores = {n: s for n, s in scores.items() if n in args.item}
    print(render(scores, args.verbose))
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    missed = targets_missed(scores)
    for m in missed:
        print(f"target missed: {m}")
    return 1 if missed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
