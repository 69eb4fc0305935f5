"""What the analysis read and what it did not: languages and dependency manifests.

A repository whose Ruby or Rust is not read must not look clean: the report
says which languages were analysed and which manifests were read, and the
"no new dependencies" / "no cycles" sentences name what they cover.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from archreview.core.model import FileFacts, Finding

# Code whose imports, complexity, infrastructure and checklist are analysed.
CODE = ("python", "typescript", "javascript", "csharp", "java", "kotlin", "go")
# Other files read for infrastructure, configuration and dependencies.
READ = frozenset({*CODE, "compose", "dockerfile", "requirements", "procfile", "supervisord", "dotenv", "toml", "yaml",
                  "json", "ini", "conf", "shell", "msbuild", "gradle", "go.mod"})
# Programming languages archreview does not read: their presence is said, never hidden.
UNREAD_CODE = frozenset({"ruby", "php", "rust", "c", "cpp", "swift", "scala", "fsharp", "vbnet", "dart", "lua"})
# Manifests of ecosystems that are not read (by file name).
UNREAD_MANIFESTS = {"cargo.toml": "Rust (Cargo)", "gemfile": "Ruby (Bundler)", "composer.json": "PHP (Composer)",
                    "build.sbt": "Scala (sbt)", "pubspec.yaml": "Dart (pub)", "package.swift": "Swift (SwiftPM)",
                    "mix.exs": "Elixir (Mix)", "cpanfile": "Perl (cpan)", "conanfile.txt": "C/C++ (Conan)",
                    "vcpkg.json": "C/C++ (vcpkg)", "podfile": "Swift/ObjC (CocoaPods)"}
LABELS = {"python": "Python", "typescript": "TypeScript", "javascript": "JavaScript", "csharp": "C#", "java": "Java",
          "kotlin": "Kotlin", "go": "Go"}


def is_analysed(language: str) -> bool:
    return language in READ


def languages(files: Iterable[FileFacts]) -> dict[str, tuple[int, bool]]:
    """language -> (files, analysed), by language name."""
    counts = Counter(f.language for f in files)
    return {name: (n, is_analysed(name)) for name, n in sorted(counts.items())}


def code_analysed(files: Iterable[FileFacts]) -> tuple[str, ...]:
    """Display names of the analysed programming languages present, most files first."""
    counts = Counter(f.language for f in files if f.language in CODE)
    return tuple(LABELS[name] for name, _ in counts.most_common())


def code_not_analysed(files: Iterable[FileFacts]) -> tuple[tuple[str, int], ...]:
    """(language, files) of programming languages present that are not read."""
    counts = Counter(f.language for f in files if f.language in UNREAD_CODE)
    return tuple(counts.most_common())


def code_counts(files: Iterable[FileFacts]) -> tuple[tuple[str, int], ...]:
    """(language, files) of the analysed programming languages present, most files first."""
    counts = Counter(f.language for f in files if f.language in CODE)
    return tuple(counts.most_common())


def coverage_line(files: Sequence[FileFacts]) -> str:
    """One sentence: the languages whose code was analysed and those present but not read."""
    def plural(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    read = [f"{LABELS[name]} ({plural(n)})" for name, n in code_counts(files)]
    unread = [f"{name} ({plural(n)})" for name, n in code_not_analysed(files)]
    said = f"Languages analysed: {', '.join(read)}" if read else "No code in an analysed language"
    return said + (f"; not analysed: {', '.join(unread)}." if unread else "; no other programming language found.")


def unread_manifests(files: Iterable[FileFacts]) -> tuple[tuple[str, str], ...]:
    """(path, ecosystem) of dependency manifests that are not read, e.g. a Cargo.toml."""
    out = []
    for f in files:
        name = posixpath.basename(f.path).lower()
        ecosystem = UNREAD_MANIFESTS.get(name) or ("Ruby (gemspec)" if name.endswith(".gemspec") else None)
        if ecosystem:
            out.append((f.path, ecosystem))
    return tuple(sorted(out))


def caveat(files: Sequence[FileFacts], *, manifests: bool = False) -> str:
    """The words a "none found" sentence needs: what was not read, or "" when everything was."""
    parts = [f"{name} ({n} files)" for name, n in code_not_analysed(files)]
    if manifests:
        parts += [f"{path} ({eco})" for path, eco in unread_manifests(files)]
    return "not analysed: " + ", ".join(parts) if parts else ""


@dataclass(frozen=True, slots=True)
class LanguageFigures:
    """What the review found in one language: a mixed repository (a Python API, a TypeScript front end) per part."""

    language: str
    files: int
    analysed: bool
    lines: int
    functions: int
    cc_mean: float  # mean cyclomatic complexity per function (0.0 without functions)
    cc_max: int
    findings: int  # checklist findings in files of this language
    shown: int  # of which the client report shows


def breakdown(files: Sequence[FileFacts], findings: Iterable[Finding],
              shown: Callable[[Finding], bool] = lambda f: True) -> tuple[LanguageFigures, ...]:
    """Files, lines, complexity and findings per language, most files first (repository-level findings,
    which belong to no file, are not counted)."""
    language_of = {f.path: f.language for f in files}
    counted: Counter[str] = Counter()
    report: Counter[str] = Counter()
    for finding in findings:
        language = language_of.get(finding.path)
        if language is not None:
            counted[language] += 1
            report[language] += shown(finding)
    out = []
    for name, n in Counter(f.language for f in files).most_common():
        mine = [f for f in files if f.language == name]
        ccs = [fn.cc for f in mine for fn in f.functions]
        out.append(LanguageFigures(name, n, is_analysed(name), sum(f.lines for f in mine), len(ccs),
                                   round(sum(ccs) / len(ccs), 2) if ccs else 0.0, max(ccs, default=0),
                                   counted[name], report[name]))
    return tuple(out)
