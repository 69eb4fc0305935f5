"""The tree-sitter cyclomatic complexity against lizard's, function by function, on a real repository.

lizard is the reference for the languages archreview reads with tree-sitter, as
radon is for Python. For every file of the language at the commit, both count;
functions are matched by their first line (lizard's ``start_line``). Two figures
per repository: the share of matched functions whose counts are **equal to
lizard**, and the share **equal or lizard wrong (read)**: the differences read
one by one and judged a lizard bug (it loses a function's end, misreads a
string...) are listed, with the reason, in ``bench/lizard_judged.toml``, so the
second figure is reproducible. A judged entry holds both counts: when either
count changes, the difference is no longer judged and is listed again to read.

    .venv/bin/python bench/lizard_check.py GITDIR COMMIT LANGUAGE [--limit N] [-v]
    .venv/bin/python bench/lizard_check.py --all [--role tuned|held|held2]    # the repositories of the TOML

GITDIR is a bare clone (``/work/.mirror/<owner>+<name>/repo``); nothing is checked out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import lizard

from archreview.analysis.perfile import analyse_file
from archreview.sources.files import language_of, skip_reason

_SUFFIX = {"typescript": ".ts", "javascript": ".js", "csharp": ".cs", "java": ".java", "kotlin": ".kt", "go": ".go"}
JUDGED = Path(__file__).with_name("lizard_judged.toml")
MIRRORS = Path("/work/.mirror")


def files(gitdir: Path, commit: str, language: str) -> list[tuple[str, str, bytes]]:
    """(path, blob id, content) of the language's files at the commit, in ls-tree order."""
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
            out.append((path, blob, data))
    return out


def lizard_functions(path: str, blob: str, data: bytes, cache: Path | None) -> list[tuple[int, int, str, int]]:
    """(start line, end line, name, cyclomatic complexity) of lizard's functions; cached by blob and lizard version."""
    where = cache / f"{lizard.version}-{blob}-{Path(path).suffix}.json" if cache is not None else None
    if where is not None and where.exists():
        return [tuple(f) for f in json.loads(where.read_text())]  # type: ignore[misc]
    found = lizard.analyze_file.analyze_source_code(path, data.decode("utf-8", "replace")).function_list
    out = [(f.start_line, f.end_line, f.name, f.cyclomatic_complexity) for f in found]
    if where is not None:
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(json.dumps(out))
    return out


@dataclass
class Result:
    language: str
    matched: int = 0
    equal: int = 0
    judged: int = 0
    only_ours: int = 0
    only_theirs: int = 0
    failed: int = 0
    open: list[tuple[int, str, int, str, int, int, int, int]] = field(default_factory=list)  # differences not judged
    stale: list[str] = field(default_factory=list)  # judged entries whose counts no longer hold
    shifted: set[int] = field(default_factory=set)  # (per file) our lines matched through _after_annotations
    after_annotation: int = 0


def _after_annotations(line: int, ours: dict, theirs: dict, lines: list[str]):
    """lizard starts a Java method at an annotation with arguments (``@PreAuthorize("...")``, which it reads
    as the function's name): ours starts below it, after annotation lines only."""
    if not lines[line - 1].strip().startswith("@"):
        return None
    for below in range(line + 1, min(line + 8, len(lines) + 1)):
        if below in ours:
            return ours[below] if below not in theirs else None
        if not lines[below - 1].strip().startswith("@"):
            return None
    return None


def judged_for(commit: str, table: dict) -> dict[tuple[str, int], dict]:
    return {(j["path"], j["line"]): j for j in table.get("judged", []) if commit.startswith(j["commit"]) or j["commit"].startswith(commit)}


def compare(gitdir: Path, commit: str, language: str, limit: int | None, cache: Path | None, table: dict) -> Result:
    judged = judged_for(commit, table)
    used: set[tuple[str, int]] = set()
    r = Result(language)
    for path, blob, data in files(gitdir, commit, language)[:limit]:
        ours = {fn.line: fn for fn in analyse_file(path, language, data).functions}
        try:
            found = lizard_functions(path, blob, data, cache)
        except Exception as exc:  # lizard's own parser fails on some files: counted, not compared
            print(f"   lizard fails on {path}: {type(exc).__name__}", file=sys.stderr)
            r.failed += 1
            continue
        theirs = {start: (end, name, ccn) for start, end, name, ccn in found}
        lines = data.decode("utf-8", "replace").split("\n")
        for line, (end, name, ccn) in theirs.items():
            mine = ours.get(line)
            if mine is None and language == "java":
                mine = _after_annotations(line, ours, theirs, lines)
                if mine is not None:
                    r.shifted.add(mine.line)
                    r.after_annotation += 1
            if mine is None:
                r.only_theirs += 1
                continue
            r.matched += 1
            if mine.cc == ccn:
                r.equal += 1
                continue
            entry = judged.get((path, line))
            if entry is not None and entry["archreview"] == mine.cc and entry["lizard"] == ccn:
                r.judged += 1
                used.add((path, line))
                continue
            if entry is not None:
                r.stale.append(f"{path}:{line} judged at archreview {entry['archreview']}, lizard {entry['lizard']}; "
                               f"now archreview {mine.cc}, lizard {ccn}")
                used.add((path, line))
            r.open.append((abs(mine.cc - ccn), path, line, name, mine.cc, ccn, mine.end_line, end))
        r.only_ours += len(set(ours) - set(theirs) - r.shifted)
        r.shifted = set()
    r.stale += [f"{p}:{n} judged, but not a difference any more (or not in the files read)"
                for (p, n) in sorted(set(judged) - used)]
    return r


def report(r: Result, label: str, verbose: bool) -> None:
    n = max(r.matched, 1)
    print(f"{label}: {r.matched} functions matched by line; equal to lizard {r.equal} ({r.equal / n:.1%}); "
          f"equal or lizard wrong (read) {r.equal + r.judged} ({(r.equal + r.judged) / n:.1%}); "
          f"not judged {len(r.open)}; lizard-only {r.only_theirs}, archreview-only {r.only_ours}"
          + (f" ({r.after_annotation} Java methods matched below the annotation lizard starts them at)" if r.after_annotation else "")
          + "; "
          f"files lizard cannot read: {r.failed}")
    for diff, path, line, name, mine, theirs, my_end, their_end in sorted(r.open, reverse=True)[: None if verbose else 5]:
        print(f"   {path}:{line} {name}: archreview {mine}, lizard {theirs} (ends: archreview {my_end}, lizard {their_end})")
    for s in r.stale:
        print(f"   stale: {s}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gitdir", type=Path, nargs="?")
    parser.add_argument("commit", nargs="?")
    parser.add_argument("language", nargs="?", choices=sorted(_SUFFIX))
    parser.add_argument("--limit", type=int, default=None, help="at most this many files")
    parser.add_argument("--all", action="store_true", help="every repository listed in bench/lizard_judged.toml")
    parser.add_argument("--role", choices=("tuned", "held", "held2"), help="with --all: only these repositories")
    parser.add_argument("--cache", type=Path, default=None, help="keep lizard's results per blob in this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every difference not judged")
    args = parser.parse_args(argv)
    table = tomllib.loads(JUDGED.read_text()) if JUDGED.exists() else {}
    if args.all:
        for repo in table.get("repo", []):
            if args.role and repo["role"] != args.role:
                continue
            gitdir = MIRRORS / repo["name"].replace("/", "+") / "repo"
            r = compare(gitdir, repo["commit"], repo["language"], repo.get("limit"), args.cache, table)
            report(r, f"{repo['language']} {repo['name']} ({repo['role']}, {repo['commit'][:10]})", args.verbose)
        return 0
    if not (args.gitdir and args.commit and args.language):
        parser.error("GITDIR COMMIT LANGUAGE, or --all")
    r = compare(args.gitdir, args.commit, args.language, args.limit, args.cache, table)
    report(r, args.language, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
