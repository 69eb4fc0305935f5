"""Precision of the repository-level rules (items 20-22 and the risks new infrastructure opens)
on the real base..head pairs of ``pairs.toml``, from hand labels.

Usage:
    python bench/realcode/repo_rules.py [--repo OWNER/NAME ...]          # score against labels
    python bench/realcode/repo_rules.py --dump [--repo OWNER/NAME ...]   # unlabelled findings, to read

Each pair is analysed as the change base..head (as ``pairs.py`` does). Every finding of a
repository-level rule (change-scoped, or on items 20-22) is matched to a label in
``labels_repo.csv`` by (repo, head, rule, path, line, message): one place can carry several
claims. A label says whether what the finding claims about the change is true, read against
the diff and the code (LABELLING.md, "Repository-level rules"). Printed: per rule, labelled,
right and precision, over every finding and over the client report.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels_repo.csv"
FIELDS = ["repo", "head", "rule", "path", "line", "message", "verdict", "note"]


def repo_level(f) -> bool:
    from archreview.checklist.rules import change_scoped

    return change_scoped(f.rule) or f.item >= 20


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from pairs import clone
    from score import read_rows

    from archreview.analysis.run import analyze
    from archreview.checklist.rules import in_report
    from archreview.sources import git as gitio

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", action="append", help="only the pairs of this owner/name (repeatable)")
    ap.add_argument("--dump", action="store_true", help="print the unlabelled findings")
    args = ap.parse_args(argv)
    pairs = [p for p in tomllib.loads((HERE / "pairs.toml").read_text("utf-8"))["pair"]
             if not args.repo or p["repo"] in args.repo]
    labels = {}
    if LABELS.exists():
        labels = {(r["repo"], r["head"], r["rule"], r["path"], int(r["line"]), r["message"]): r
                  for r in read_rows(LABELS)}
    per_rule: dict[str, Counter] = defaultdict(Counter)
    unlabelled = 0
    for pair in pairs:
        repo = clone(pair["repo"])
        head = pair["head"]
        a = analyze(repo, gitio.resolve(repo, f"{head}^"), head)
        for f in a.findings:
            if not repo_level(f):
                continue
            lab = labels.get((pair["repo"], head, f.rule, f.path, f.line, f.message))
            if lab is None:
                unlabelled += 1
                if args.dump:
                    print(f"=== {pair['repo']} {head[:10]} new={f.new} {f.rule} {f.path}:{f.line} ({f.confidence}) "
                          f"{'report' if in_report(f) else 'lead'}: {f.message}")
                continue
            ok = lab["verdict"] == "true"
            per_rule[f.rule][ok] += 1
            if in_report(f):
                per_rule[f.rule][("report", ok)] += 1
    if args.dump:
        return 0
    print(f"pairs: {len(pairs)}; unlabelled repository-level findings: {unlabelled}")
    print("| rule | labelled | right | precision | in the report | right | precision |\n|---|---|---|---|---|---|---|")
    total = Counter()
    for rule, c in sorted(per_rule.items(), key=lambda kv: -sum(v for k, v in kv[1].items() if k in (True, False))):
        n, r = c[True] + c[False], c[("report", True)] + c[("report", False)]
        total.update(c)
        print(f"| `{rule}` | {n} | {c[True]} | {c[True] / n:.2f} | {r} | {c[('report', True)]} | "
              f"{(c[('report', True)] / r) if r else float('nan'):.2f} |")
    n, r = total[True] + total[False], total[("report", True)] + total[("report", False)]
    if n:
        print(f"| all | {n} | {total[True]} | {total[True] / n:.2f} | {r} | {total[('report', True)]} | "
              f"{(total[('report', True)] / r) if r else float('nan'):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
