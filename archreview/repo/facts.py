"""Repository facts: what a snapshot says as a whole, computed once and handed down.

Module names, resolved and categorised imports, the repository's own top-level
names and the imports that break the declared layers are needed by the graph,
infrastructure detection, the fit test and the detectors alike; ``repo_facts``
computes them once per snapshot so each stage reads the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from archreview.context.load import Context
from archreview.core.model import Module, RepoFacts, Snapshot
from archreview.repo.layers import layer_violations
from archreview.repo.modules import build_modules


def repo_facts(snapshot: Snapshot, context: Context | None = None) -> RepoFacts:
    """Modules, internal names, who imports whom and (with a context) layer violations of one snapshot."""
    naming, modules = build_modules(snapshot.files)
    violations = layer_violations(modules, context) if context is not None else ()
    return RepoFacts(modules, naming.top_level, violations, importers(modules))


def importers(modules: Sequence[Module]) -> dict[str, frozenset[str]]:
    """Each internal module -> the names of the other modules whose imports resolve to it."""
    found: dict[str, set[str]] = {}
    for m in modules:
        for i in m.imports:
            if i.category == "internal" and i.target != m.name:
                found.setdefault(i.target, set()).add(m.name)
    return {name: frozenset(by) for name, by in found.items()}
