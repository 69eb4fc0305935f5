"""The boring twin on real commit pairs: what each new piece's precedent and removal say.

Reuses the pairs of ``bench/infra_pairs.toml`` (and ``infra_pairs_fresh.toml``) and the
same mirrors (``/work/.mirror/<owner>+<name>/repo``); never downloads or checks out
anything. For every new production piece of infrastructure it prints the precedent
(path:line and what) and the removal, one block per pair, so a person can check each
precedent against the base commit's code (``git show BASE:PATH``) and record the
verdict in ``bench/twin_labels.toml``; ``--score`` then prints the precision of the
precedents per set from those labels.

    .venv/bin/python bench/twin_pairs.py [--pairs FILE] [--set tuned|held|all]
    .venv/bin/python bench/twin_pairs.py --score
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from infra_pairs import HERE, snapshot

from archreview.change.infra import changed_paths, new_dependencies, new_infrastructure
from archreview.change.twin import boring_twins, removal


def show(pairs: list[dict], mirror: Path) -> int:
    for pair in pairs:
        gitdir = mirror / pair["repo"].replace("/", "+") / "repo"
        gitdir = gitdir / ".git" if (gitdir / ".git").is_dir() else gitdir
        if not gitdir.is_dir():
            print(f"missing {gitdir}", file=sys.stderr)
            continue
        base, head = snapshot(gitdir, pair["base"]), snapshot(gitdir, pair["head"])
        found = new_infrastructure(base, head)
        twins = boring_twins(base, head, found, new_dependencies(base, head), changed_paths(base, head))
        if not twins:
            continue
        print(f"== {pair['repo']} {pair['base'][:10]}..{pair['head'][:10]} {pair['title'][:60]}")
        for t in twins:
            print(f"  {t.kind} {t.name!r}: removes {removal(t)}")
            for e in t.precedent:
                print(f"    precedent {e.path}:{e.line} {e.text}")
            if not t.precedent:
                print("    precedent none")
    return 0


def score(labels: Path) -> int:
    """Precision of the precedents per set, from the labels a person wrote after reading the base code."""
    data = tomllib.loads(labels.read_text("utf-8"))
    for name in ("tuned", "held"):
        rows = [r for r in data.get("precedent", []) if r["set"] == name]
        judged, right = sum(r["count"] for r in rows), sum(r["right"] for r in rows)
        print(f"{name:6} precedents judged: {judged:3}  right: {right:3}  precision: "
              f"{right / judged if judged else float('nan'):.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=HERE / "infra_pairs.toml")
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--set", choices=("all", "tuned", "held"), default="all")
    parser.add_argument("--score", action="store_true", help="precision from bench/twin_labels.toml")
    args = parser.parse_args(argv)
    if args.score:
        return score(HERE / "twin_labels.toml")
    pairs = [p for p in tomllib.loads(args.pairs.read_text("utf-8"))["pair"] if set(p["expect"]) - {"config"}]
    if args.set != "all":
        pairs = [p for p in pairs if p.get("held", False) == (args.set == "held")]
    return show(pairs, args.mirror)


if __name__ == "__main__":
    sys.exit(main())
