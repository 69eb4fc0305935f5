"""Precision and recall of new-infrastructure detection on real commit pairs.

Each pair in ``bench/infra_pairs.toml`` names a public repository, a base and a
head commit, and the kinds the change really brings (read from its diff by a
person). The repositories must already be on this machine as bare git
directories (``/work/.mirror/<owner>+<name>/repo`` by default, or its ``.git``
when the snapshot kept a work tree; any ``git clone --bare`` works): this script never downloads anything and never
checks anything out. Both refs are read blob by blob with ``git cat-file``,
analysed with archreview's own per-file stage, and compared with
``archreview.change.infra.new_infrastructure``. Test-only findings are not counted as
production infrastructure.

    .venv/bin/python bench/infra_pairs.py [--pairs FILE] [--mirror DIR] [-v]
    .venv/bin/python bench/infra_pairs.py --pairs bench/infra_pairs_fresh.toml --set tuned -v
    .venv/bin/python bench/infra_pairs.py --pairs bench/infra_pairs_fresh.toml --set held --summary

A pair marked ``held = true`` is held back: ``--set tuned`` leaves it out, ``--set held``
scores only those, and ``--summary`` prints the table without naming any pair, so a
held-back figure can be taken without looking at what was missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

from archreview.analysis.perfile import analyse_file
from archreview.change.infra import new_dependencies, new_infrastructure
from archreview.core.model import FileFacts, Snapshot
from archreview.sources.files import language_of, skip_reason

HERE = Path(__file__).resolve().parent
_FACTS: dict[tuple[str, str], FileFacts] = {}  # (path, blob) -> facts, shared by both refs


def git(gitdir: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], input=data, capture_output=True, check=True).stdout


def snapshot(gitdir: Path, commit: str) -> Snapshot:
    """Every text file of ``commit`` analysed (blobs read in one ``cat-file --batch``)."""
    entries = []
    for item in git(gitdir, "ls-tree", "-r", "-z", "--long", commit).split(b"\0"):
        if item:
            meta, path = item.split(b"\t", 1)
            mode, kind, blob, size = meta.split()
            if kind == b"blob" and mode != b"120000" and size.isdigit():  # "-"/"BAD": not readable here
                entries.append((path.decode("utf-8", "replace"), blob.decode(), int(size)))
    wanted = [(p, b) for p, b, s in entries if (p, b) not in _FACTS and skip_reason(p, s) is None]
    for (path, blob), data in zip(wanted, _read_blobs(gitdir, [b for _, b in wanted])):
        if skip_reason(path, len(data), data[:8192]) is None:
            _FACTS[(path, blob)] = analyse_file(path, language_of(path), data)
    return Snapshot(commit, tuple(_FACTS[(p, b)] for p, b, _ in entries if (p, b) in _FACTS))


def _read_blobs(gitdir: Path, blobs: list[str]) -> list[bytes]:
    out, raw = [], git(gitdir, "cat-file", "--batch", data="".join(f"{b}\n" for b in blobs).encode())
    pos = 0
    for _ in blobs:
        header_end = raw.index(b"\n", pos)
        size = int(raw[pos:header_end].split()[2])
        out.append(raw[header_end + 1 : header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return out


def score(pairs: list[dict], mirror: Path, verbose: bool, summary: bool = False) -> int:
    tp, fp, fn = Counter(), Counter(), Counter()
    deps = Counter()  # labelled new dependencies (pairs with ``deps``): found, missed, extra
    quiet_pairs = alarms = 0
    for pair in pairs:
        gitdir = mirror / pair["repo"].replace("/", "+") / "repo"
        gitdir = gitdir / ".git" if (gitdir / ".git").is_dir() else gitdir  # some snapshots keep a work tree
        if not gitdir.is_dir():
            print(f"missing {gitdir}: bring {pair['repo']} onto this machine first", file=sys.stderr)
            return 2
        base, head = snapshot(gitdir, pair["base"]), snapshot(gitdir, pair["head"])
        found = new_infrastructure(base, head)
        if "deps" in pair:
            got_deps, want_deps = set(new_dependencies(base, head)), set(pair["deps"])
            deps.update(found=len(got_deps & want_deps), missed=len(want_deps - got_deps), extra=len(got_deps - want_deps))
            if not summary and got_deps != want_deps:
                print(f"dep {pair['repo']} {pair['title'][:60]}: missed {sorted(want_deps - got_deps)} "
                      f"extra {sorted(got_deps - want_deps)}")
        got = {f.kind for f in found if not f.test_only}
        want = set(pair["expect"])
        tp.update(got & want), fp.update(got - want), fn.update(want - got)
        quiet_pairs += not want
        alarms += not want and bool(got)
        if not summary and (verbose or got != want):
            mark = "ok " if got == want else "XX "
            print(f"{mark}{pair['repo']} {pair['title'][:60]}: expected {sorted(want)} got {sorted(got)}")
            for f in found if got != want else ():
                if f.kind in got ^ want:
                    print(f"      {f.kind} {f.name!r} {[f'{e.path}:{e.line}' for e in f.evidence[:4]]}")
    _table(tp, fp, fn)
    print(f"\npairs: {len(pairs)}; adding nothing: {quiet_pairs}; false alarms on those: {alarms}")
    if deps:
        print(f"new dependencies: {deps['found']} of {deps['found'] + deps['missed']} found; {deps['extra']} reported that are not new")
    return 0


def _table(tp: Counter, fp: Counter, fn: Counter) -> None:
    print(f"\n{'kind':16} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}")
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else float("nan")
        r = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else float("nan")
        print(f"{kind:16} {tp[kind]:3} {fp[kind]:3} {fn[kind]:3} {p:9.2f} {r:6.2f}")
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"{'all':16} {t:3} {f:3} {n:3} {t / max(t + f, 1):9.2f} {t / max(t + n, 1):6.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=HERE / "infra_pairs.toml")
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("-v", "--verbose", action="store_true", help="print every pair, not only misses")
    parser.add_argument("--set", choices=("all", "tuned", "held"), default="all",
                        help="pairs marked held = true only (held), all others (tuned), or every pair")
    parser.add_argument("--summary", action="store_true", help="only the table: name no pair")
    args = parser.parse_args(argv)
    pairs = tomllib.loads(args.pairs.read_text("utf-8"))["pair"]
    if args.set != "all":
        pairs = [p for p in pairs if p.get("held", False) == (args.set == "held")]
    return score(pairs, args.mirror, args.verbose, args.summary)


if __name__ == "__main__":
    sys.exit(main())
