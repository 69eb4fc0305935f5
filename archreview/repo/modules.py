"""Module names for files, and imports resolved and classified (Python here, other languages in codemodules).

A file's canonical module name follows its chain of ``__init__.py`` packages
(``src/shop/orders/api.py`` is ``shop.orders.api``). Longer spellings through
folders without ``__init__.py`` are kept as aliases, so namespace packages and
imports written from the repository root both resolve. A file outside any
package is named by its path from the root (``scripts/run.py`` is ``scripts.run``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from archreview.facts.distributions import distribution_of
from archreview.repo.codemodules import code_modules
from archreview.core.model import FileFacts, Import, Module, RawImport
from archreview.core.vocab import ImportCategory

SOURCE_ROOTS = ("src", "lib", "python", "source")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True, slots=True)
class Naming:
    """Where each Python file sits in the module namespace."""

    by_path: dict[str, tuple[str, bool]]  # path -> (canonical name, is package)
    index: dict[str, str]  # canonical or alias name -> canonical name
    top_level: frozenset[str]  # the repository's own top-level names: imports of these are internal


def name_modules(paths: Iterable[str], imported: frozenset[str] = frozenset()) -> Naming:
    """Name every Python file; ``imported`` (dotted names the code imports, with
    their prefixes) decides between spellings: a package under a folder without
    ``__init__.py`` takes the longer, namespace-package name when that is how
    the code imports it."""
    paths = sorted(p for p in paths if p.endswith(".py"))
    packages = {p.rpartition("/")[0] for p in paths if p.rsplit("/", 1)[-1] == "__init__.py"}
    by_path: dict[str, tuple[str, bool]] = {}
    index: dict[str, str] = {}
    for path in paths:
        parts = path[:-3].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        if not parts or not all(p.isidentifier() for p in parts[-1:]):
            continue
        canonical, aliases = _names(path, parts, packages, imported)
        by_path[path] = (canonical, is_package)
        for name in (canonical, *aliases):
            index.setdefault(name, canonical)
    return Naming(by_path, index, _top_level(paths, index, packages))


def _top_level(paths: list[str], index: dict[str, str], packages: set[str]) -> frozenset[str]:
    """Every spelling's first component, every top folder or module holding Python code ("src" too),
    and each module outside a package (a script's siblings import it by that name) unless the
    standard library has the name. A module in a folder without ``__init__.py`` inside a package
    is a namespace portion of that package (``tracecat_registry/core/grpc.py`` is
    ``tracecat_registry.core.grpc``), not a script's sibling: its stem is no top-level name, so it
    does not hide the library it wraps (tracecat 2d85300: ``import grpc`` in ``core/grpc.py``)."""
    top = {name.split(".", 1)[0] for name in index} | {p.split("/", 1)[0].removesuffix(".py") for p in paths}
    top |= {stem for p in paths if p.rpartition("/")[0] not in packages and not _in_package(p, packages)
            and (stem := p.rsplit("/", 1)[-1].removesuffix(".py")).isidentifier() and stem not in STDLIB}
    return frozenset(top - {"", "__init__"})


def _in_package(path: str, packages: set[str]) -> bool:
    """Whether a folder above the file's own is a regular package (has an ``__init__.py``)."""
    parts = path.split("/")[:-2]
    return any("/".join(parts[: i + 1]) in packages for i in range(len(parts)))


def _names(path: str, parts: list[str], packages: set[str], imported: frozenset[str]) -> tuple[str, list[str]]:
    folder = path.rpartition("/")[0]
    depth = 0  # how many trailing parts belong to the __init__ chain
    while folder in packages and folder:
        depth += 1
        folder = folder.rpartition("/")[0]
    start = len(parts) - 1 - depth if not path.endswith("__init__.py") else len(parts) - depth
    full = [p for p in parts]
    root = ""
    if full and full[0] in SOURCE_ROOTS and len(full) > 1:
        root, full = full[0], full[1:]
        start = max(0, start - 1)
    canonical, aliases = _spellings(path, full, start, depth, imported)
    if root:  # `from src.modules.users import x` names the same module: one node under both spellings
        aliases += [f"{root}.{n}" for n in (canonical, *aliases) if f"{root}.{n}" not in aliases]
    return canonical, aliases


def _spellings(path: str, full: list[str], start: int, depth: int, imported: frozenset[str]) -> tuple[str, list[str]]:
    if depth == 0 and not path.endswith("__init__.py"):
        return ".".join(full), []  # not in a package: named by its path
    names = [".".join(full[i:]) for i in range(start, -1, -1) if all(p.isidentifier() for p in full[i:])]
    names = names or [".".join(full[start:])]
    for i, name in enumerate(names):  # the shortest spelling whose top package the code imports
        if ".".join(full[start - i : start + 1]) in imported:
            return name, [n for n in names if n != name]
    return names[0], names[1:]


def absolute(raw: RawImport, module: str, is_package: bool) -> list[str]:
    """Candidate absolute targets, most specific first (``from a import b`` may import module a.b)."""
    return _candidates(raw.module, raw.level, raw.names, module, is_package)


def _candidates(target: str, level: int, names: tuple[str, ...], module: str, is_package: bool) -> list[str]:
    if level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (level - 1)] if level > 1 else base
        prefix = ".".join(p for p in [*base, target] if p)
    else:
        prefix = target
    subs = [f"{prefix}.{n}" if prefix else n for n in names if n != "*"]
    return subs + ([prefix] if prefix else [])


def resolve(candidates: Sequence[str], naming: Naming) -> tuple[str, ImportCategory, str | None] | None:
    """(target, category, distribution) for the first candidate that means something."""
    for name in candidates:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            hit = naming.index.get(".".join(parts[:end]))
            if hit:
                return hit, "internal", None
    if not candidates:
        return None
    name = candidates[-1]
    top = name.split(".", 1)[0]
    if top in naming.top_level:
        return name, "internal", None
    if top in STDLIB:
        return top, "stdlib", None
    return top, "third_party", distribution_of(top)


def internal_names(files: Iterable[FileFacts]) -> frozenset[str]:
    """The repository's own top-level import names (``Naming.top_level``), for callers without modules."""
    return name_modules(f.path for f in files if f.language == "python").top_level


def build_modules(files: Sequence[FileFacts]) -> tuple[Naming, tuple[Module, ...]]:
    python = [f for f in files if f.language == "python"]
    imported = frozenset(
        ".".join(parts[:n]) for f in python for i in f.imports if not i.level and (parts := i.module.split("."))
        for n in range(1, len(parts) + 1)
    )
    naming = name_modules((f.path for f in python), imported)
    modules = []
    memo: dict[tuple[str, int, tuple[str, ...], str, bool], tuple[str, ImportCategory, str | None] | None] = {}
    for facts in python:
        named = naming.by_path.get(facts.path)
        if named is None:
            continue
        modules.append(Module(named[0], facts.path, facts.lines, _imports(facts, *named, naming, memo), named[1]))
    modules += code_modules(files)  # TypeScript/JavaScript, C#, Java/Kotlin, Go: each named its own way
    return naming, tuple(sorted(modules, key=lambda m: (m.name, m.path)))


def _imports(facts: FileFacts, module: str, is_package: bool, naming: Naming,
             memo: dict[tuple[str, int, tuple[str, ...], str, bool], tuple[str, ImportCategory, str | None] | None],
             ) -> tuple[Import, ...]:
    """``memo``: what each import resolves to, for one ``naming`` (Django's 17,000 imports name 5,000 targets)."""
    seen: dict[tuple[str, int], Import] = {}
    for raw in facts.imports:
        where = (module, is_package) if raw.level else ("", False)  # only a relative import depends on its module
        # each name of a from-import may be a submodule
        for names in (raw.names,) if len(raw.names) <= 1 else ((name,) for name in raw.names):
            key = (raw.module, raw.level, names, *where)
            found = memo[key] if key in memo else memo.setdefault(
                key, resolve(_candidates(raw.module, raw.level, names, *where), naming))
            if found is None or found[0] == module:
                continue
            target, category, dist = found
            seen.setdefault((target, raw.line), Import(target, raw.line, category, dist, raw.type_checking, raw.local))
    return tuple(sorted(seen.values(), key=lambda i: (i.line, i.target)))
