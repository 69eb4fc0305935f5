"""The module dependency graph and its package-level views (networkx).

Imports under ``if TYPE_CHECKING`` never run, so they are drawn but do not
make cycles; function-local imports do (they still couple the modules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import networkx as nx

from archreview.core.model import Coupling, Graph, Module, Violation


def module_graph(modules: Sequence[Module], *, runtime_only: bool = False) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(m.name for m in modules)
    for module in modules:
        for imp in module.imports:
            if imp.category == "internal" and imp.target != module.name and imp.target in graph:
                if not (runtime_only and imp.type_checking):
                    graph.add_edge(module.name, imp.target)
    return graph


def package_of(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def default_depth(modules: Sequence[Module], enough: int = 6) -> int:
    """The shallowest depth that shows at least ``enough`` packages (at most 3).

    Depth 1 of a repository with one main package is a single box; deeper
    views of a big one are unreadable: this picks the first useful level.
    """
    for depth in (1, 2, 3):
        if len({package_of(m.name, depth) for m in modules}) >= enough:
            return depth
    return 3


def cycles(graph: nx.DiGraph[str]) -> tuple[tuple[str, ...], ...]:
    """One short example cycle per strongly connected component, sorted."""
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        found.append(_short_cycle(graph.subgraph(component), min(component)))
    return tuple(sorted(found, key=lambda c: (len(c), c)))


def _short_cycle(component: nx.DiGraph[str], start: str) -> tuple[str, ...]:
    """The shortest path from ``start`` back to itself (BFS), first node repeated."""
    best: list[str] | None = None
    lengths = nx.single_source_shortest_path(component, start)
    for pred in component.predecessors(start):
        path = lengths.get(pred)
        if path is not None and (best is None or len(path) < len(best)):
            best = path
    return (*best, start) if best else (start, start)


def package_edges(graph: nx.DiGraph[str], depth: int) -> tuple[tuple[str, str, int], ...]:
    counts: Counter[tuple[str, str]] = Counter()
    for a, b in graph.edges:
        pa, pb = package_of(a, depth), package_of(b, depth)
        if pa != pb:
            counts[(pa, pb)] += 1
    return tuple(sorted((a, b, n) for (a, b), n in counts.items()))


def coupling(packages: Sequence[str], edges: Sequence[tuple[str, str, int]]) -> tuple[Coupling, ...]:
    afferent: dict[str, set[str]] = {p: set() for p in packages}
    efferent: dict[str, set[str]] = {p: set() for p in packages}
    for a, b, _ in edges:
        efferent[a].add(b)
        afferent[b].add(a)
    out = []
    for p in packages:
        ca, ce = len(afferent[p]), len(efferent[p])
        out.append(Coupling(p, ca, ce, round(ce / (ca + ce), 3) if ca + ce else 0.0))
    return tuple(out)


def build_graph(modules: Sequence[Module], depth: int | None = None, violations: Sequence[Violation] = ()) -> Graph:
    depth = depth or default_depth(modules)
    graph = module_graph(modules)
    edges = package_edges(graph, depth)
    packages = tuple(sorted({package_of(m.name, depth) for m in modules}))
    return Graph(
        nodes=tuple(sorted(graph.nodes)),
        edges=tuple(sorted(graph.edges)),
        cycles=cycles(module_graph(modules, runtime_only=True)),
        packages=packages,
        package_edges=edges,
        coupling=coupling(packages, edges),
        violations=tuple(sorted(violations, key=lambda v: (v.path, v.line, v.rule))),
        depth=depth,
    )


OTHER = "(other)"


def folded(graph: Graph, limit: int = 30) -> tuple[list[str], dict[tuple[str, str], int]]:
    """The ``limit`` biggest packages and the edges between them, the rest folded into OTHER.

    What the diagram and the matrix draw: a change that adds 100,000 top-level
    modules must not ask for a 100,000 x 100,000 matrix (7.8 GB in the kernel).
    """
    sizes = Counter(package_of(n, graph.depth) for n in graph.nodes)
    keep = {p for p, _ in sizes.most_common(limit)}

    def name(package: str) -> str:
        return package if package in keep else OTHER

    edges: Counter[tuple[str, str]] = Counter()
    for a, b, n in graph.package_edges:
        if name(a) != name(b):
            edges[(name(a), name(b))] += n
    packages = sorted(keep) + ([OTHER] if len(sizes) > len(keep) else [])
    return packages, dict(edges)


def dsm(graph: Graph, limit: int = 30) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """Dependency-structure matrix over the ``limit`` biggest packages: cell [i][j] = imports from i to j.

    Packages are ordered so that, where the graph allows it, a package comes
    after everything it depends on: dependencies sit below the diagonal, and
    a mark above it is an upward dependency, i.e. part of a cycle (packages in
    one cycle are kept next to each other). Smaller packages are one row, OTHER.
    """
    packages, edges = folded(graph, limit)
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(packages)
    g.add_weighted_edges_from((a, b, n) for (a, b), n in edges.items())
    condensed = nx.condensation(g)
    order: list[str] = []
    for node in reversed(list(nx.lexicographical_topological_sort(condensed, key=lambda n: min(condensed.nodes[n]["members"])))):
        order.extend(sorted(condensed.nodes[node]["members"]))
    position = {p: i for i, p in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for (a, b), n in edges.items():
        matrix[position[a]][position[b]] = n
    return tuple(order), tuple(tuple(row) for row in matrix)
