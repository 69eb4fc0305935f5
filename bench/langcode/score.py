"""Precision of the TypeScript/JavaScript, C#, Java/Kotlin and Go checklist detectors on real repositories.

Usage:
    python bench/langcode/score.py [--split tuned|held|held2|all] [--repo OWNER/NAME] [--markdown]
    python bench/langcode/score.py --dump [--repo OWNER/NAME] [--rule RULE]   # unlabelled findings, with code
    python bench/langcode/score.py --stub [--repo OWNER/NAME]                 # append them to the label files

Each repository of ``corpus.toml`` is read at its pinned commit from the fetched bare
mirror (/work/.mirror/<owner>+<name>/repo, or --mirrors) blob by blob with ``git cat-file``;
nothing is checked out or run. Every code file (and .NET/Java settings file) goes through
the per-file stage (``archreview.analysis.perfile.analyse_file``) exactly as in a run, and
the findings of the language rules (``archreview.checklist.detectors.code``) are matched
to hand labels in ``labels/<owner>+<name>.csv`` by (rule, path, snippet hash), nearest line
first, as bench/realcode/score.py does. A label's verdict is ``true`` (a real risk of the
item in production code, read in context), ``false`` (wrong or harmless) or empty (not
read yet: counted apart, never as right or wrong).

Printed per split: precision per rule, per language family and overall.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from archreview.analysis.perfile import analyse_file
from archreview.sources.files import language_of, skip_reason

HERE = Path(__file__).resolve().parent
MIRRORS = Path(os.environ.get("ARCHREVIEW_MIRRORS", "/work/.mirror"))
FIELDS = ["repo", "commit", "rule", "path", "line", "snippet_sha", "verdict", "note"]
CODE = {"typescript", "javascript", "csharp", "java", "kotlin", "go"}
SUFFIXES = (".js", ".cs", ".jvm", ".kt", ".go")


FAMILY = {"typescript": "js", "javascript": "js", "csharp": "cs", "java": "jvm", "kotlin": "jvm", "go": "go"}


def ours(rule: str) -> bool:
    return rule.endswith(SUFFIXES) or rule == "secret.config"


def scored_rule(rule: str, language: str, message: str) -> str:
    """The rule as scored here: ``except.swallowed`` is one registered rule for every language, so its empty
    catch blocks that catch everything are scored per family (``except.swallowed.cs``...); "" when not scored."""
    if ours(rule):
        return rule
    if rule == "except.swallowed" and message.startswith("empty catch block: any error") and language in FAMILY:
        return f"except.swallowed.{FAMILY[language]}"
    return ""


def corpus() -> list[dict]:
    return tomllib.loads((HERE / "corpus.toml").read_text())["repo"]


def sha(snippet: str) -> str:
    return hashlib.sha1(snippet.strip().encode()).hexdigest()[:10]


def findings(repo: dict, mirrors: Path) -> list[tuple[str, str, int, str, float, str]]:
    """(rule, path, line, snippet, confidence, message) of every language-rule finding at the pinned commit."""
    gitdir = mirrors / repo["name"].replace("/", "+") / "repo"
    listing = subprocess.run(["git", f"--git-dir={gitdir}", "ls-tree", "-r", "--long", repo["commit"]],
                             capture_output=True, check=True, text=True).stdout
    wanted = []
    for row in listing.splitlines():
        meta, path = row.split("\t", 1)
        _, kind, blob, size = meta.split()
        language = language_of(path)
        settings = path.lower().endswith((".properties", ".json")) and "appsettings" in path.lower() or \
            path.lower().endswith(".properties")
        if kind == "blob" and (language in CODE or settings) and size != "-" and skip_reason(path, int(size)) is None:
            wanted.append((path, blob, language))
    batch = subprocess.Popen(["git", f"--git-dir={gitdir}", "cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    out = []
    assert batch.stdin is not None and batch.stdout is not None
    for path, blob, language in wanted:
        batch.stdin.write(blob.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        if skip_reason(path, len(data), data[:8192]) is not None:
            continue
        for f in analyse_file(path, language, data).findings:
            rule = scored_rule(f.rule, language, f.message)
            if rule:
                out.append((rule, path, f.line, f.snippet, f.confidence, f.message))
    batch.stdin.close()
    batch.wait()
    return out


def labels(repo: dict) -> list[dict]:
    path = HERE / "labels" / (repo["name"].replace("/", "+") + ".csv")
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def match(found, rows):
    """Each finding with its label row (or None): (rule, path, snippet hash) nearest line, then (rule, path, line)."""
    pool = defaultdict(list)
    for row in rows:
        pool[(row["rule"], row["path"], row["snippet_sha"])].append(row)
    by_line = {(row["rule"], row["path"], int(row["line"])): row for row in rows}
    out = []
    for f in found:
        rule, path, line, snippet = f[:4]
        candidates = pool.get((rule, path, sha(snippet)), [])
        row = min(candidates, key=lambda r: abs(int(r["line"]) - line)) if candidates else by_line.get((rule, path, line))
        out.append((f, row))
    return out


def family(rule: str) -> str:
    return rule.rsplit(".", 1)[-1] if rule.endswith(SUFFIXES) else "config" if rule == "secret.config" else "any"


def base(rule: str) -> str:
    return rule.rsplit(".", 1)[0] if rule.endswith(SUFFIXES) else rule


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="tuned", choices=("tuned", "held", "held2", "all"))
    parser.add_argument("--repo")
    parser.add_argument("--rule")
    parser.add_argument("--dump", action="store_true")
    parser.add_argument("--stub", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--mirrors", type=Path, default=MIRRORS)
    args = parser.parse_args()
    repos = [r for r in corpus() if (args.repo in (None, r["name"])) and (args.split == "all" or args.repo
                                                                           or r["split"] == args.split)]
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # (rule, family) -> right, wrong, unlabelled
    for repo in repos:
        found = findings(repo, args.mirrors)
        if args.rule:
            found = [f for f in found if f[0].startswith(args.rule)]
        matched = match(found, labels(repo))
        new = [f for f, row in matched if row is None]
        if args.dump:
            for rule, path, line, snippet, conf, message in new:
                print(f"{repo['name']} {rule} {path}:{line} [{conf}] {message[:140]}\n    {snippet}")
            continue
        if args.stub:
            target = HERE / "labels" / (repo["name"].replace("/", "+") + ".csv")
            fresh = not target.exists()
            with target.open("a", newline="") as fh:
                w = csv.writer(fh)
                if fresh:
                    w.writerow(FIELDS)
                for rule, path, line, snippet, conf, message in new:
                    w.writerow([repo["name"], repo["commit"], rule, path, line, sha(snippet), "", ""])
            print(f"{repo['name']}: {len(new)} new rows", file=sys.stderr)
            continue
        for f, row in matched:
            cell = tally[(f[0], repo["name"])]
            verdict = (row or {}).get("verdict", "")
            cell[0 if verdict == "true" else 1 if verdict == "false" else 2] += 1
    if args.dump or args.stub:
        return 0
    report(tally, args.markdown, args.split)
    return 0


def report(tally, markdown: bool, split: str) -> None:
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (rule, _), (right, wrong, open_) in tally.items():
        for key, table in ((rule, by_rule), (family(rule), by_family)):
            table[key][0] += right
            table[key][1] += wrong
            table[key][2] += open_
    print(f"split: {split}")
    rows = [("rule", "right", "wrong", "unlabelled", "precision")]
    for name, (right, wrong, open_) in sorted(by_rule.items()):
        rows.append((name, str(right), str(wrong), str(open_), f"{right / (right + wrong):.2f}" if right + wrong else "-"))
    rows.append(("", "", "", "", ""))
    for name, (right, wrong, open_) in sorted(by_family.items()):
        rows.append((f"family {name}", str(right), str(wrong), str(open_),
                     f"{right / (right + wrong):.2f}" if right + wrong else "-"))
    for row in rows:
        print(("| " + " | ".join(row) + " |") if markdown else "  ".join(f"{c:<42}" if i == 0 else f"{c:>10}"
                                                                         for i, c in enumerate(row)))
    print("per repository:")
    for (rule, repo), (right, wrong, open_) in sorted(tally.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"  {repo:<45} {rule:<38} right {right:>3} wrong {wrong:>3} unlabelled {open_:>3}")


if __name__ == "__main__":
    sys.exit(main())
