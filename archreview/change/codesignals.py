"""Infrastructure evidence in TypeScript/JavaScript, C#, Java, Kotlin and Go files.

The same catalogue as Python (``archreview/data/infrastructure.toml``), through
the entries marked with the file's ecosystem (``ecosystem = "npm"``...): import
prefixes (an ES specifier, a namespace, a package, a Go import path), calls and
constructions (``new Kafka(...)``, ``gorm.Open``, names expanded through the
file's imports), annotations and attributes (``@EnableScheduling``,
``[AutomaticRetry]``), classes by name and base (``: DbContext``); URL schemes
(``amqp://``) in string literals like in Python. Declared packages
(``package.json``, ``*.csproj``, ``pom.xml``, ``go.mod``...) map to the same
entries through their ``packages`` names.
"""

from __future__ import annotations

import re

from archreview.change.catalogue import Catalogue, CodeIndex, Entry, load_catalogue
from archreview.core.model import Requirement, Signal
from archreview.facts.treesitter import ECOSYSTEM_OF, CodeFacts

_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{1,30})://")


def separator(ecosystem: str) -> str:
    return "/" if ecosystem in ("npm", "go") else "."


def prefixes(name: str, sep: str) -> list[str]:
    """``a/b/c`` -> ``a/b/c``, ``a/b``, ``a`` (longest first)."""
    parts = name.split(sep)
    return [sep.join(parts[:i]) for i in range(len(parts), 0, -1)]


def _expanded(name: str, aliases: dict[str, str]) -> str:
    head, dot, rest = name.partition(".")
    full = aliases.get(head)
    return (f"{full}.{rest}" if rest else full) if full else name


def code_signals(path: str, language: str, code: CodeFacts, catalogue: Catalogue | None = None) -> tuple[Signal, ...]:
    """Infrastructure evidence in one parsed file of a tree-sitter language, sorted by (line, kind, name)."""
    cat = catalogue or load_catalogue()
    ecosystem = ECOSYSTEM_OF.get(language, "")
    index = cat.code.get(ecosystem)
    if index is None:
        return ()
    sep = separator(ecosystem)
    aliases = dict(code.aliases)
    imported: set[str] = set(aliases.values())
    found: list[Signal] = []
    for imp in code.imports:
        names = prefixes(imp.module, sep)  # longest first
        imported.update(names)
        entry = next((index.imports[p] for p in names if p in index.imports), None)
        if entry:
            found.append(Signal(entry.kind, entry.name, imp.line, "import", imp.module))
    for call in code.calls:
        if call.name.rsplit(".", 1)[-1] not in index.call_names and aliases.get(call.name, call.name) not in index.calls:
            # most calls: no entry ends with this name, and the name is not an import that stands for an entry
            # (an imported name with a dot after it ends as the call does: ``_expanded`` keeps the last part)
            continue
        for e, name in _named(index.calls, call.name, aliases):
            if _wanted(e, imported, sep) and (not e.args or call.first.lower() in e.args):
                found.append(Signal(e.kind, e.name, call.line, "pattern", ("new " if call.new else "") + name))
    for name, line in code.annotations:
        for e, full in _named(index.decorators, name, aliases):
            if _wanted(e, imported, sep):
                found.append(Signal(e.kind, e.name, line, "pattern", f"@{full}"))
    found += _classes(index, code, aliases)
    for value, line in code.strings:
        if "://" in value:
            for m in _URL.finditer(value):
                entry = cat.urls.get(m.group(1).lower())
                if entry:
                    found.append(Signal(entry.kind, entry.name, line, "settings", m.group(0)))
    if any(s.kind == "task_queue" and s.via == "import" for s in found):
        # redis beside a queue library in the same file is the queue's broker, not a cache: the queue is reported
        found = [s for s in found if not (s.kind == "cache" and s.name == "redis")]
    seen: dict[tuple[str, str, int], Signal] = {}
    for s in found:
        seen.setdefault((s.kind, s.name, s.line), s)
    return tuple(sorted(seen.values(), key=lambda s: (s.line, s.kind, s.name, s.via)))


def _named(table: dict[str, tuple[Entry, ...]], name: str, aliases: dict[str, str]) -> list[tuple[Entry, str]]:
    """Entries for a call or annotation as written, as expanded through imports, or by its last part (``*.x``)."""
    full = _expanded(name, aliases)
    out = [(e, name) for e in table.get(name, ())]
    out += [(e, full) for e in table.get(full, ()) if full != name]
    last = name.rsplit(".", 1)[-1]
    out += [(e, name) for e in table.get("*." + last, ()) if "." in name]
    return out


def _wanted(entry: Entry, imported: set[str], sep: str) -> bool:
    return not entry.when_imported or any(m in imported for m in entry.when_imported)


def _classes(index: CodeIndex, code: CodeFacts, aliases: dict[str, str]) -> list[Signal]:
    out = []
    for cls in code.classes:
        bases = {b for base in cls.bases for b in (base, base.rsplit(".", 1)[-1], _expanded(base, aliases))}
        for pattern, e in index.classes:
            if pattern.search(cls.name) and (not e.bases or bases & set(e.bases)):
                out.append(Signal(e.kind, e.name, cls.line, "pattern", f"class {cls.name}"))
    return out


def package_signals(requirements: tuple[Requirement, ...], catalogue: Catalogue | None = None) -> tuple[Signal, ...]:
    """Signals for declared packages of other ecosystems that are infrastructure (``kafkajs`` -> kafka)."""
    cat = catalogue or load_catalogue()
    out = []
    for req in requirements:
        index = cat.code.get(req.ecosystem)
        entry = index.package(req.name) if index is not None else None
        if entry:
            out.append(Signal(entry.kind, entry.name, req.line, "manifest", req.section))
    return tuple(out)


def project_signals(path: str, declares: tuple[tuple[str, str], ...]) -> tuple[Signal, ...]:
    """A .NET Aspire AppHost project is a new deployable component (kind ``service``), named after its folder."""
    values = dict(declares)
    sdks = {v for k, v in declares if k == "sdk"}
    if values.get("IsAspireHost", "").lower() == "true" or "Aspire.AppHost.Sdk" in sdks:
        folder = path.rsplit("/", 1)[0] if "/" in path else path.rsplit(".", 1)[0]
        return (Signal("service", f"{folder} (Aspire AppHost)", 1, "project", path),)
    return ()
