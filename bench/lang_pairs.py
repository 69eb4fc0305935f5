"""New infrastructure and new dependencies on real TypeScript, C#, Java and Go changes, per ecosystem.

Pairs and their labels are in ``bench/lang_pairs.toml``; both refs are read blob
by blob from the bare mirrors (``bench/infra_pairs.py``'s reader) and compared
with ``archreview.change.infra``. Kinds: recall and false alarms (kinds found
that the change does not bring); dependencies: recall and false alarms by name.
Pairs marked ``held_back`` are left out unless ``--held-back`` is given.

    .venv/bin/python bench/lang_pairs.py [--held-back | --all] [-v]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from infra_pairs import snapshot

from archreview.change.infra import new_dependencies, new_infrastructure

HERE = Path(__file__).resolve().parent


def run(pairs: list[dict], mirror: Path, verbose: bool) -> int:
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 6)  # kinds tp fn fp, deps tp fn fp
    for pair in pairs:
        gitdir = mirror / pair["repo"].replace("/", "+") / "repo"
        if not gitdir.is_dir():
            print(f"missing {gitdir}: fetch {pair['repo']} first", file=sys.stderr)
            return 2
        base, head = snapshot(gitdir, pair["base"]), snapshot(gitdir, pair["head"])
        found = new_infrastructure(base, head)
        kinds = {f.kind for f in found if not f.test_only}
        deps = set(new_dependencies(base, head))
        want_kinds, want_deps = set(pair["expect"]), set(pair["deps"])
        row = totals[pair["ecosystem"]]
        for i, (got, want) in enumerate(((kinds, want_kinds), (deps, want_deps))):
            row[3 * i] += len(got & want)
            row[3 * i + 1] += len(want - got)
            row[3 * i + 2] += len(got - want)
        ok = kinds == want_kinds and deps == want_deps
        if verbose or not ok:
            print(f"{'ok ' if ok else 'XX '}{pair['repo']} {pair['title'][:50]}")
            if kinds != want_kinds:
                print(f"      kinds missed {sorted(want_kinds - kinds)} extra {sorted(kinds - want_kinds)}")
                for f in found:
                    if f.kind in kinds - want_kinds:
                        print(f"        {f.kind} {f.name!r} {[f'{e.path}:{e.line}' for e in f.evidence[:3]]}")
            if deps != want_deps:
                print(f"      deps missed {sorted(want_deps - deps)} extra {sorted(deps - want_deps)}")
    print(f"\n{'ecosystem':10} {'kinds: recall':>14} {'false alarms':>13}   {'deps: recall':>13} {'false alarms':>13}")
    for eco, (ktp, kfn, kfp, dtp, dfn, dfp) in sorted(totals.items()):
        print(f"{eco:10} {ktp / max(ktp + kfn, 1):14.2f} {kfp:13d}   {dtp / max(dtp + dfn, 1):13.2f} {dfp:13d}"
              f"   ({ktp}/{ktp + kfn} kinds, {dtp}/{dtp + dfn} deps)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=HERE / "lang_pairs.toml")
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--held-back", action="store_true", help="only the held-back pairs")
    which.add_argument("--all", action="store_true", help="every pair")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    pairs = tomllib.loads(args.pairs.read_text("utf-8"))["pair"]
    if not args.all:
        pairs = [p for p in pairs if bool(p.get("held_back")) == args.held_back]
    return run(pairs, args.mirror, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
