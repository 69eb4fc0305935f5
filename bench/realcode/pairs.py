"""Check that a change review is about the change, on real base..head pairs (``pairs.toml``).

Usage: python bench/realcode/pairs.py [--repo OWNER/NAME ...]

For each pair (base = head's parent), the repository's fetched mirror is cloned without a
work tree into a scratch folder and analysed as the change base..head. Checked:

- every finding carries ``new`` as true or false (never null);
- every new finding of a line-scoped rule sits on a line the change added or modified;
- every top risk of the review (no decisions recorded) is an item with evidence the change brought.

Prints one line per pair and exits 1 when a check fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRRORS = Path(os.environ.get("ARCHREVIEW_MIRRORS", "/work/.mirror"))
SCRATCH = Path(os.environ.get("ARCHREVIEW_REALCODE", "/tmp/archreview-realcode")) / "clones"


def clone(name: str) -> Path:
    into = SCRATCH / name.replace("/", "+")
    if not into.exists():
        source = MIRRORS / name.replace("/", "+") / "repo"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(source), str(into)], check=True)
    return into


def main() -> int:
    from archreview.analysis.run import analyze
    from archreview.checklist.rules import change_scoped, in_report
    from archreview.sources import git as gitio
    from archreview.workbook.review import open_review

    import argparse

    ap = argparse.ArgumentParser(description="change reviews of real base..head pairs")
    ap.add_argument("--repo", action="append", help="only the pairs of this owner/name (repeatable)")
    args = ap.parse_args()
    pairs = [p for p in tomllib.loads((HERE / "pairs.toml").read_text("utf-8"))["pair"]
             if not args.repo or p["repo"] in args.repo]
    failed = 0
    totals = {"findings": 0, "new": 0, "already": 0, "new_in_report": 0}
    for pair in pairs:
        repo = clone(pair["repo"])
        head = pair["head"]
        base = gitio.resolve(repo, f"{head}^")
        a = analyze(repo, base, head)
        lines = gitio.changed_lines(repo, base, head)
        problems = []
        if any(f.new not in (True, False) for f in a.findings):
            problems.append("a finding without new")
        off = [f for f in a.findings if f.new and not change_scoped(f.rule)
               and f.line not in lines.get(f.path, frozenset())]
        if off:
            problems.append(f"{len(off)} new findings off the changed lines, e.g. {off[0].path}:{off[0].line}")
        review = open_review(a)
        stray = [it.number for it, _, _ in review.top_risks() if not review.evidence(it.number)]
        if stray:
            problems.append(f"top risks without the change's evidence: items {stray}")
        new = [f for f in a.findings if f.new]
        totals["findings"] += len(a.findings)
        totals["new"] += len(new)
        totals["already"] += len(a.findings) - len(new)
        totals["new_in_report"] += sum(in_report(f) for f in new)
        risks = ", ".join(f"#{it.number}({n})" for it, _, n in review.top_risks()) or "none"
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{pair['repo']} {head[:10]} changed files {len(a.changed_files)}: {len(a.findings)} findings, "
              f"{len(new)} new ({sum(in_report(f) for f in new)} in the report), top risks {risks} — {status}")
        failed += bool(problems)
    print(f"pairs: {len(pairs)}, failed: {failed}; findings {totals['findings']}, new {totals['new']} "
          f"({totals['new_in_report']} in the report), already in the codebase {totals['already']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
