"""Precision of the checklist detectors on real public repositories, from hand labels.

Usage:
    python bench/realcode/score.py [--split tuned|looked|held2|held3|tuned,looked|all] [--repo OWNER/NAME] [--markdown]
    python bench/realcode/score.py --dump [--repo OWNER/NAME] [--rule RULE]   # unlabelled findings, with code
    python bench/realcode/score.py --stub [--repo OWNER/NAME]                 # append them to the label files
    python bench/realcode/score.py --calibrate --split all                    # base confidences per rule

Each repository of ``corpus.toml`` is exported at its pinned commit from the fetched
mirror (/work/.mirror/<owner>+<name>/repo, or --mirrors) into a scratch folder and
analysed as a whole repository (``archreview.analysis.run.analyze``). Every finding is
matched to a hand label in ``labels/<owner>+<name>.csv`` by (rule, path, snippet hash),
the nearest line winning, or by (rule, path, line) when the line's text changed.
Labels follow LABELLING.md. ``missed.csv`` lists real failures seen while reading that
nothing reported, for recall.

Printed per split: precision per rule and overall, precision over what the client report
shows (rules registered as ``report``), recall over labelled-true plus noted-missed, and the
reliability of confidence per band (findings at confidence c should be right about c of
the time). Unlabelled findings are counted apart, never as right or wrong.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRRORS = Path(os.environ.get("ARCHREVIEW_MIRRORS", "/work/.mirror"))
SCRATCH = Path(os.environ.get("ARCHREVIEW_REALCODE", "/tmp/archreview-realcode"))
FIELDS = ["repo", "commit", "rule", "path", "line", "snippet_sha", "verdict", "note"]
BANDS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


@dataclass(frozen=True, slots=True)
class Repo:
    name: str
    commit: str
    kind: str
    split: str

    @property
    def slug(self) -> str:
        return self.name.replace("/", "+")


# Held-back sets pinned but not yet scored: `--split all` leaves them out, so nobody sees their
# findings by accident; the one scoring names the split explicitly (bench/README.md). Scored so far:
# held4 at fbbbb36, held5 at cc0c7d9, held6 at b171754, held7 at f0cafb0, held8 at d436991, held9 at
# fa24445 (and read again under the report policy that ships), held10 and held11 at 849a7fa, held12 at
# 4e38db8, held13 at a32e04e; all have joined the others. A new set is added here when it is pinned and
# removed after its one scoring.
UNTOUCHED: frozenset[str] = frozenset()


def load_corpus() -> list[Repo]:
    data = tomllib.loads((HERE / "corpus.toml").read_text("utf-8"))
    return [Repo(r["name"], r["commit"], r["kind"], r["split"]) for r in data["repo"]]


def snippet_sha(snippet: str) -> str:
    return hashlib.sha1(" ".join(snippet.split()).encode("utf-8")).hexdigest()[:10]


# --- export and analysis ----------------------------------------------------------------


def export(repo: Repo, mirrors: Path = MIRRORS) -> Path:
    """The tree of the pinned commit as a plain folder (blobs the snapshot lacks are left out)."""
    into = SCRATCH / f"{repo.slug}@{repo.commit[:12]}"
    if (into / ".exported").exists():
        return into
    git_dir = mirrors / repo.slug / "repo"
    if (git_dir / ".git").is_dir():
        git_dir = git_dir / ".git"
    if not git_dir.is_dir():
        sys.exit(f"{repo.name}: no mirror at {git_dir}; fetch it first (the session's fetch tool)")
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", repo.commit],
                             capture_output=True, check=True).stdout.split(b"\0")
    blobs = []
    for entry in filter(None, listing):
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":
            blobs.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    batch = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                           input="".join(f"{sha}\n" for sha, _ in blobs).encode(), capture_output=True).stdout
    pos = 0
    for sha, path in blobs:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[pos:pos + size])
        pos += size + 1
    (into / ".exported").write_text(repo.commit)
    return into


def findings(repo: Repo) -> list[dict]:
    from archreview.analysis.run import analyze
    from archreview.checklist.rules import REPORT_FLOOR, in_report

    folder = export(repo)
    out = []
    for f in analyze(folder).findings:
        out.append({"rule": f.rule, "item": f.item, "path": f.path, "line": f.line, "confidence": f.confidence,
                    "snippet": f.snippet, "sha": snippet_sha(f.snippet), "message": f.message,
                    "shown": "report" if in_report(f) else "lead", "floor": f.confidence >= REPORT_FLOOR})
    return out


# --- labels -----------------------------------------------------------------------------


def label_file(repo: Repo) -> Path:
    return HERE / "labels" / f"{repo.slug}.csv"


def read_rows(path: Path) -> list[dict]:
    """The rows of one of the label files (labels/*.csv, missed.csv, labels_repo.csv).

    Every line of them ends CRLF, as Python's csv writer ends it (``--stub`` appends with one). A line
    ending LF alone (appended with ``echo`` or an editor) makes the file mixed, which git diffs and
    appends by hand then get wrong: such a file is refused, naming its first such line.
    """
    data = path.read_bytes()
    lone = re.search(rb"(?<!\r)\n", data)
    if lone is not None:
        line = data.count(b"\n", 0, lone.start()) + 1
        raise SystemExit(f"{path}: line {line} ends with LF alone; every line of the label files ends CRLF "
                         f"(csv.writer's default): append rows with csv.writer, or end them with \\r\\n")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def load_labels(repo: Repo) -> list[dict]:
    path = label_file(repo)
    if not path.exists():
        return []
    rows = [r for r in read_rows(path) if r["commit"] == repo.commit]
    for r in rows:
        r["line"] = int(r["line"])
    return rows


def match(found: list[dict], labels: list[dict]) -> list[tuple[dict, dict | None]]:
    """Each finding with its label (or None): same rule, path and snippet hash, nearest line; else same line."""
    by_text: dict[tuple, list[dict]] = defaultdict(list)
    by_line: dict[tuple, dict] = {}
    for lab in labels:
        by_text[(lab["rule"], lab["path"], lab["snippet_sha"])].append(lab)
        by_line[(lab["rule"], lab["path"], lab["line"])] = lab
    out = []
    for f in found:
        candidates = by_text.get((f["rule"], f["path"], f["sha"]))
        lab = min(candidates, key=lambda c: abs(c["line"] - f["line"])) if candidates else \
            by_line.get((f["rule"], f["path"], f["line"]))
        out.append((f, lab if lab and lab["verdict"] in ("true", "false") else None))
    return out


def load_missed(repos: list[Repo]) -> list[dict]:
    path = HERE / "missed.csv"
    if not path.exists():
        return []
    wanted = {(r.name, r.commit) for r in repos}
    return [r for r in read_rows(path) if (r["repo"], r["commit"]) in wanted]


# --- scoring ----------------------------------------------------------------------------


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _band(c: float) -> tuple[float, float]:
    return next(b for b in BANDS if b[0] <= c < b[1])


def score(repos: list[Repo], markdown: bool) -> None:
    from archreview.checklist.rules import rule_shown

    per_rule: dict[str, Counter] = defaultdict(Counter)  # (ok) over every finding, ("report", ok) over the shown
    bands: dict[str, dict[tuple, Counter]] = {"all": defaultdict(Counter), "report": defaultdict(Counter)}
    conf_sum: dict[str, dict[tuple, float]] = {"all": defaultdict(float), "report": defaultdict(float)}
    shown, overall, unlabelled = Counter(), Counter(), Counter()
    for repo in repos:
        for f, lab in match(findings(repo), load_labels(repo)):
            if lab is None:
                unlabelled[repo.name] += 1
                continue
            ok = lab["verdict"] == "true"
            per_rule[f["rule"]][ok] += 1
            if f["floor"]:  # what the rule would show if it were a report rule (a lead's held-back record)
                per_rule[f["rule"]][("floor", ok)] += 1
            overall[ok] += 1
            scopes = ["all", "report"] if f["shown"] == "report" else ["all"]
            if f["shown"] == "report":
                shown[ok] += 1
                per_rule[f["rule"]][("report", ok)] += 1
            for scope in scopes:
                bands[scope][_band(f["confidence"])][ok] += 1
                conf_sum[scope][_band(f["confidence"])] += f["confidence"]
    missed = load_missed(repos)
    true_found = overall[True]
    n_all, n_shown = sum(overall.values()), sum(shown.values())
    print(f"repositories: {', '.join(r.name + '@' + r.commit[:10] for r in repos)}")
    print(f"labelled findings: {n_all}; unlabelled: {sum(unlabelled.values())} {dict(unlabelled)}")
    print(f"precision, every finding: {ratio(overall[True], n_all)} ({overall[True]}/{n_all})")
    print(f"precision, what the client report shows: {ratio(shown[True], n_shown)} ({shown[True]}/{n_shown})")
    print(f"recall over labelled-true + noted-missed: {ratio(true_found, true_found + len(missed))} "
          f"({true_found}/{true_found + len(missed)}; {len(missed)} noted missed)")
    rows = sorted(per_rule.items(), key=lambda kv: (-(kv[1][True] + kv[1][False]), kv[0]))
    if markdown:
        print("\n| rule | registry | labelled | right | precision | in the report | right | precision "
              "| at or above the floor | right | precision |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for rule, c in rows:
            n, r = c[True] + c[False], c[("report", True)] + c[("report", False)]
            fl = c[("floor", True)] + c[("floor", False)]
            print(f"| `{rule}` | {rule_shown(rule)} | {n} | {c[True]} | {ratio(c[True], n)} | {r} | "
                  f"{c[('report', True)]} | {ratio(c[('report', True)], r)} | {fl} | {c[('floor', True)]} | "
                  f"{ratio(c[('floor', True)], fl)} |")
        for scope in ("all", "report"):
            print(f"\n| confidence ({scope}) | findings | mean confidence | right | observed |\n|---|---|---|---|---|")
            for band in BANDS:
                c = bands[scope].get(band, Counter())
                n = c[True] + c[False]
                mean = f"{conf_sum[scope][band] / n:.2f}" if n else "n/a"
                print(f"| {band[0]:.1f}-{min(band[1], 1):.1f} | {n} | {mean} | {c[True]} | {ratio(c[True], n)} |")
    else:
        for rule, c in rows:
            n, r = c[True] + c[False], c[("report", True)] + c[("report", False)]
            fl = c[("floor", True)] + c[("floor", False)]
            print(f"  {rule:42} {rule_shown(rule):7} all {c[True]:4}/{n:<4} {ratio(c[True], n):5}  "
                  f"report {c[('report', True)]:4}/{r:<4} {ratio(c[('report', True)], r):5}  "
                  f"at or above the floor {c[('floor', True)]:4}/{fl:<4} {ratio(c[('floor', True)], fl)}")
        for scope in ("all", "report"):
            print(f"confidence band ({scope} findings): findings, mean confidence, observed precision")
            for band in BANDS:
                c = bands[scope].get(band, Counter())
                n = c[True] + c[False]
                print(f"  {band[0]:.1f}-{min(band[1], 1):.1f}: {n:4}  {(conf_sum[scope][band] / n if n else 0):.2f}  "
                      f"{ratio(c[True], n)}")


def calibrate(repos: list[Repo]) -> None:
    """Per rule, the smoothed precision of its findings on production paths: the base confidence.

    Findings in developer tooling, operator commands, modules nothing reaches or time-limited Celery tasks are left out
    (placement scales them down from the base); the smoothing is Laplace's, (right + 1) / (labelled + 2), so a rule seen right
    twice out of two claims 0.75, not 1.0.
    """
    from archreview.checklist.placement import COMMAND_NOTE, DEV_NOTE
    from archreview.checklist.across.reach import UNREACHED_NOTE
    from archreview.checklist.rules import registry
    from archreview.checklist.across.timelimits import TAIL

    counts: dict[str, Counter] = defaultdict(Counter)
    for repo in repos:
        for f, lab in match(findings(repo), load_labels(repo)):
            if lab is not None and not f["message"].endswith((DEV_NOTE, COMMAND_NOTE, UNREACHED_NOTE)) \
                    and TAIL[:-1] not in f["message"]:
                counts[f["rule"]][lab["verdict"] == "true"] += 1
    print("rule, registry, right/labelled on production paths, precision, smoothed (base confidence), base now")
    for rule_id, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        n = c[True] + c[False]
        now = registry()[rule_id]
        print(f"  {rule_id:42} {now.shown:7} {c[True]:4}/{n:<4} {ratio(c[True], n):5} "
              f"{(c[True] + 1) / (n + 2):.2f}  {now.confidence:.2f}")


def dump(repos: list[Repo], rule: str | None, stub: bool) -> None:
    for repo in repos:
        folder = export(repo)
        pending = [f for f, lab in match(findings(repo), load_labels(repo)) if lab is None
                   and (rule is None or f["rule"] == rule)]
        if stub and pending:
            path = label_file(repo)
            path.parent.mkdir(exist_ok=True)
            fresh = not path.exists()
            with open(path, "a", newline="", encoding="utf-8") as out:
                writer = csv.DictWriter(out, fieldnames=FIELDS)
                if fresh:
                    writer.writeheader()
                for f in pending:
                    writer.writerow({"repo": repo.name, "commit": repo.commit, "rule": f["rule"], "path": f["path"],
                                     "line": f["line"], "snippet_sha": f["sha"], "verdict": "", "note": ""})
            continue
        for f in pending:
            print(f"=== {repo.name} {f['path']}:{f['line']} {f['rule']} ({f['confidence']}) {f['message']}")
            try:
                lines = (folder / f["path"]).read_text("utf-8", "replace").splitlines()
            except OSError:
                continue
            for n in range(max(1, f["line"] - 4), min(len(lines), f["line"] + 4) + 1):
                print(f"{'>' if n == f['line'] else ' '}{n:5} {lines[n - 1][:160]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="tuned",
                    help="a split of corpus.toml (tuned, looked, held2, held3), several joined by commas, or all "
                         f"(which leaves out the sets not yet scored: {', '.join(sorted(UNTOUCHED))}; name one to score it)")
    ap.add_argument("--repo", help="only this owner/name")
    ap.add_argument("--rule", help="with --dump: only this rule")
    ap.add_argument("--dump", action="store_true", help="print unlabelled findings with their code")
    ap.add_argument("--stub", action="store_true", help="append unlabelled findings to the label files")
    ap.add_argument("--markdown", action="store_true", help="tables for bench/README.md")
    ap.add_argument("--calibrate", action="store_true", help="per rule: smoothed precision on production paths")
    args = ap.parse_args(argv)
    splits = set(args.split.split(","))
    repos = [r for r in load_corpus() if (("all" in splits and r.split not in UNTOUCHED) or r.split in splits)
             and (args.repo is None or r.name == args.repo)]
    if not repos:
        print("no repository matches", file=sys.stderr)
        return 2
    if args.dump or args.stub:
        dump(repos, args.rule, args.stub)
    elif args.calibrate:
        calibrate(repos)
    else:
        score(repos, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
