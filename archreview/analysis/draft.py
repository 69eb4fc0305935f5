"""``archreview init``: draft an ``archreview.toml`` from what the code already does.

A draft, not a verdict: the layers are today's import directions (so the file
starts out with no violations and the team tightens it), the patterns are what
the style facts found most often, the infrastructure in use is listed as a
comment, and the kinds never seen are proposed, commented out, as
``patterns_not_used`` for the team to confirm. Scale is left as TODO: the code
cannot know how many users there are. The text always loads back with
``load_context``.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Sequence

import networkx as nx

from archreview.core.vocab import KINDS
from archreview.sources.roles import is_production
from archreview.core.model import FileFacts, InfraFinding, Module, Snapshot


def draft_context(head: Snapshot, modules: Sequence[Module], in_use: Sequence[InfraFinding]) -> str:
    """The text of a draft ``archreview.toml`` for the team to edit."""
    source = [f for f in head.files if f.language == "python" and is_production(f.path)]
    modules = [m for m in modules if is_production(m.path)]
    parts = [
        _header(head),
        _stack(modules),
        _not_used(in_use),
        _examples(source),
        _patterns(source),
        _scale(),
        _layers(modules),
    ]
    return "\n".join(p for p in parts if p).rstrip() + "\n"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _header(head: Snapshot) -> str:
    ref = f" at {head.ref}" if head.ref else ""
    return (f"# archreview.toml drafted by `archreview init` from the code{ref}.\n"
            "# Everything below describes what the code does today: edit it into what the team intends.\n\n"
            "# system = \"monolith\"  # TODO: monolith, modular monolith, microservices, serverless...\n")


def _stack(modules: Sequence[Module]) -> str:
    used = Counter(dist for m in modules  # modules importing each distribution
                   for dist in {i.distribution for i in m.imports if i.category == "third_party" and i.distribution})
    top = [name for name, _ in sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
    return f"stack = {_list(['python', *top])}  # the most imported third-party distributions\n"


def _not_used(in_use: Sequence[InfraFinding]) -> str:
    seen = sorted({f.kind for f in in_use if not f.test_only})
    lines = ["# Infrastructure in use today:"]
    for finding in sorted((f for f in in_use if not f.test_only), key=lambda f: (f.kind, f.name)):
        where = ", ".join(f"{e.path}:{e.line}" if e.line else e.path for e in sorted(finding.evidence)[:3])
        lines.append(f"#   {finding.kind}: {finding.name} — {where}")
    if not seen:
        lines.append("#   none found")
    unseen = [k for k in KINDS if k not in seen]
    lines.append("# Kinds never seen in the code. Uncomment those the team rules out:")
    lines.append("patterns_not_used = [")
    lines += [f"  # {_q(k)}," for k in unseen]
    lines.append("]")
    return "\n".join(lines) + "\n"


def _examples(source: Sequence[FileFacts]) -> str:
    picks = []
    for label in ("repository", "constructor"):
        found = sorted(f.path for f in source
                       if f.style and label in (*f.style.data_access, *f.style.dependency_injection))
        if found:
            picks.append(found[0])
    picks = list(dict.fromkeys(picks))
    line = f"examples = {_list(picks)}" if picks else "# examples = []"
    return f"{line}  # TODO: the files a newcomer (or an AI assistant) should imitate\n"


def _patterns(source: Sequence[FileFacts]) -> str:
    styles = [f.style for f in source if f.style is not None]
    found = {
        "data_access": _tally(Counter(x for s in styles for x in s.data_access)),
        "error_handling": _errors_text(styles),
        "dependency_injection": _tally(Counter(x for s in styles for x in s.dependency_injection)),
        "logging": _tally(Counter(x for s in styles for x in s.logging)),
    }
    lines = ["[patterns]  # found in the code (label: files); reword each as the team's rule"]
    for key, text in found.items():
        lines.append(f"{key} = {_q(text)}" if text else f"# {key} = \"\"  # TODO: nothing found")
    lines.append("# testing = \"\"  # TODO")
    return "\n".join(lines) + "\n"


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{label} ({n} file{'s' if n > 1 else ''})"
                     for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _errors_text(styles: Sequence) -> str:
    text = _tally(Counter(x for s in styles for x in s.error_handling if x != "defines-exceptions"))
    names = sorted({n for s in styles for n in s.custom_exceptions})
    if names:
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        text = f"{text}; own exceptions: {shown}" if text else f"own exceptions: {shown}"
    return text


def _scale() -> str:
    return ("[scale]  # TODO: the code cannot know this; it calibrates severity\n"
            "# users = 50\n# requests_per_day = 5000\n# data_volume = \"1 GB\"\n")


def _layers(modules: Sequence[Module]) -> str:
    units = _units(modules)
    if len(units) < 2:
        return "# No layers drafted: fewer than two packages to relate.\n"
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(units)
    unit_of = {m.name: _unit(m.name, units) for m in modules}
    for m in modules:
        for imp in m.imports:
            source, target = unit_of[m.name], _unit(imp.target, units)
            if imp.category == "internal" and not imp.type_checking and target and source and target != source:
                graph.add_edge(source, target)
    names = _short_names(units)
    blocks = ["# Layers: today's import directions, importers first. Remove the imports you do not want."]
    for unit in _ordered(graph):
        cycle = sorted(n for n in graph.successors(unit) if nx.has_path(graph, n, unit))
        note = f"  # in a cycle with {', '.join(names[c] for c in cycle)}" if cycle else ""
        blocks.append(f"\n[[layers]]\nname = {_q(names[unit])}\npaths = {_list(units[unit])}\n"
                      f"may_import = {_list([names[t] for t in sorted(graph.successors(unit))])}{note}")
    return "\n".join(blocks) + "\n"


def _units(modules: Sequence[Module]) -> dict[str, list[str]]:
    """Unit (package or module) -> paths. Inside a package holding most of the code, its children are the units."""
    prefix = _dominant_prefix([m.name for m in modules])
    units: dict[str, list[str]] = {}
    for m in modules:
        parts = m.name.split(".")
        depth = len(prefix) + 1 if parts[:len(prefix)] == prefix else 1
        if len(parts) < depth:
            continue  # the dominant package's own __init__
        unit = ".".join(parts[:depth])
        whole = len(parts) == depth
        path = posixpath.dirname(m.path) if whole and m.is_package else (m.path if whole else None)
        units.setdefault(unit, [])
        if path and path not in units[unit]:
            units[unit].append(path)
    for unit, paths in units.items():
        if not paths:  # a folder without __init__.py: the common folder of its modules
            members = [m.path for m in modules if m.name.startswith(unit + ".")]
            paths.append(posixpath.commonpath(members) if len(members) > 1 else posixpath.dirname(members[0]))
    return {u: p for u, p in units.items() if all(p)}


def _dominant_prefix(names: Sequence[str]) -> list[str]:
    """Descend while one package holds at least three quarters of all modules (``src/company/product``)."""
    prefix: list[str] = []
    split = [n.split(".") for n in names]
    while True:
        inner = Counter(p[len(prefix)] for p in split if p[:len(prefix)] == prefix and len(p) > len(prefix) + 1)
        if not inner:
            return prefix
        top, count = inner.most_common(1)[0]
        if count < 0.75 * len(names):
            return prefix
        prefix.append(top)


def _unit(name: str, units: dict[str, list[str]]) -> str | None:
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        if ".".join(parts[:size]) in units:
            return ".".join(parts[:size])
    return None


def _short_names(units: dict[str, list[str]]) -> dict[str, str]:
    short = {u: u.rsplit(".", 1)[-1] for u in units}
    clash = {s for s, n in Counter(short.values()).items() if n > 1}
    return {u: (u if s in clash else s) for u, s in short.items()}


def _ordered(graph: nx.DiGraph) -> list[str]:
    """Importers before what they import; members of a cycle together; ties by name."""
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    groups = {c: sorted(n for n, g in members.items() if g == c) for c in condensed.nodes}
    order = nx.lexicographical_topological_sort(condensed, key=lambda c: groups[c][0])
    return [n for c in order for n in groups[c]]
