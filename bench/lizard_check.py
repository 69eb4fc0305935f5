"""The tree-sitter cyclomatic complexity against lizard's, function by function, on a real repository.

lizard is the reference for the languages archreview reads with tree-sitter, as
radon is for Python. For every file of the language at the commit, both count;
functions are matched by their first line (lizard's ``start_line``); the figure
is the share of matched functions whose counts are equal, with the worst
differences listed for reading.

    .venv/bin/python bench/lizard_check.py GITDIR COMMIT LANGUAGE [--limit N] [-v]

GITDIR is a bare clone (``/work/.mirror/<owner>+<name>/repo``); nothing is checked out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import lizard

from archreview.analysis.perfile import analyse_file
from archreview.sources.files import language_of, skip_reason

_SUFFIX = {"typescript": ".ts", "javascript": ".js", "csharp": ".cs", "java": ".java", "kotlin": ".kt", "go": ".go"}


def files(gitdir: Path, commit: str, language: str) -> list[tuple[str, bytes]]:
    listing = subprocess.run(["git", f"--git-dir={gitdir}", "ls-tree", "-r", "--long", commit],
                             capture_output=True, check=True, text=True).stdout
    wanted = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        mode, kind, blob, size = meta.split()
        if kind == "blob" and language_of(path) == language and path.endswith(_SUFFIX[language]) \
                and skip_reason(path, int(size)) is None:
            wanted.append((path, blob))
    out = []
    for path, blob in wanted:
        data = subprocess.run(["git", f"--git-dir={gitdir}", "cat-file", "blob", blob], capture_output=True, check=True).stdout
        if skip_reason(path, len(data), data[:8192]) is None:
            out.append((path, data))
    return out


def compare(gitdir: Path, commit: str, language: str, limit: int | None, verbose: bool) -> int:
    matched = equal = only_ours = only_theirs = failed = 0
    worst: list[tuple[int, str, int, str, int, int]] = []
    for path, data in files(gitdir, commit, language)[:limit]:
        ours = {fn.line: fn for fn in analyse_file(path, language, data).functions}
        try:
            found = lizard.analyze_file.analyze_source_code(path, data.decode("utf-8", "replace")).function_list
        except Exception as exc:  # lizard's own parser fails on some files: counted, not compared
            print(f"   lizard fails on {path}: {type(exc).__name__}", file=sys.stderr)
            failed += 1
            continue
        theirs = {fn.start_line: fn for fn in found}
        for line, fn in theirs.items():
            mine = ours.get(line)
            if mine is None:
                only_theirs += 1
                continue
            matched += 1
            equal += mine.cc == fn.cyclomatic_complexity
            if mine.cc != fn.cyclomatic_complexity:
                worst.append((abs(mine.cc - fn.cyclomatic_complexity), path, line, fn.name, mine.cc, fn.cyclomatic_complexity))
        only_ours += len(set(ours) - set(theirs))
    print(f"{language}: {matched} functions matched by line, {equal} equal ({equal / max(matched, 1):.1%}); "
          f"lizard-only {only_theirs}, archreview-only {only_ours}; files lizard cannot read: {failed}")
    for diff, path, line, name, mine, theirs in sorted(worst, reverse=True)[: 20 if verbose else 5]:
        print(f"   {path}:{line} {name}: archreview {mine}, lizard {theirs}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gitdir", type=Path)
    parser.add_argument("commit")
    parser.add_argument("language", choices=sorted(_SUFFIX))
    parser.add_argument("--limit", type=int, default=None, help="at most this many files")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    return compare(args.gitdir, args.commit, args.language, args.limit, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
