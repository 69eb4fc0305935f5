"""Charts for the workbook and report, drawn with matplotlib into PNG.

Drawn on ``matplotlib.figure.Figure`` objects, never through pyplot: pyplot keeps
global figures and picks a backend, and a library imported into someone's
notebook must not change theirs. A figure nobody references is simply collected.

Readable on big repositories: the package diagram and the matrix show at most
``limit`` packages (the largest by module count; the rest are folded into one
"(other)" box), and the diagram places packages in layers by dependency order
so arrows mostly point down.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
from matplotlib import ticker
from matplotlib.figure import Figure

from archreview.core.model import Graph, Hotspot
from archreview.repo.graph import folded
from archreview.workbook.render import png_data_uri

def _rendered(fig: Figure) -> str:
    """The figure as an inline PNG (savefig picks the Agg canvas itself)."""
    return png_data_uri(fig)


def package_diagram(graph: Graph, limit: int = 30) -> str | None:
    packages, edges = folded(graph, limit)
    if len(packages) < 2:
        return None
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(packages)
    g.add_edges_from(edges)
    layers = _layers(g)
    pos = {p: (i - (len(row) - 1) / 2, -depth) for depth, row in enumerate(layers) for i, p in enumerate(row)}
    width = max(6.0, 1.6 * max(len(r) for r in layers))
    fig = Figure(figsize=(min(width, 18), 1.3 * len(layers) + 1))
    ax = fig.subplots()
    for a, b in g.edges:  # networkx's own drawing goes through pyplot: arrows and labels drawn here
        ax.annotate("", xy=pos[b], xytext=pos[a], arrowprops={
            "arrowstyle": "-|>", "color": "#8893a3", "lw": 0.8, "connectionstyle": "arc3,rad=0.08",
            "shrinkA": 14, "shrinkB": 14})
    for p, (x, y) in pos.items():
        ax.text(x, y, p, fontsize=8, ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "#eef3fb", "ec": "#4a6fa5"})
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
    ax.set_title("Packages, importers above what they import", fontsize=10)
    return _rendered(fig)


def _layers(g: nx.DiGraph) -> list[list[str]]:
    """Rows of packages: importers first, cycles kept in one row."""
    condensed = nx.condensation(g)
    rows = []
    for generation in nx.topological_generations(condensed):
        rows.append(sorted(p for n in generation for p in condensed.nodes[n]["members"]))
    return rows


def dsm_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> str | None:
    if len(labels) < 2:
        return None
    size = min(14, 2 + 0.32 * len(labels))
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    shown = ax.imshow([[min(v, 20) for v in row] for row in matrix], cmap="Blues")
    fig.colorbar(shown, ax=ax, shrink=0.6, label="imports from row to column (20 or more: darkest)")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("imported package")
    ax.set_ylabel("importing package")
    ax.set_title("Dependency structure matrix (marks above the diagonal are upward dependencies)", fontsize=9)
    return _rendered(fig)


def complexity_histogram(values: Sequence[int]) -> str | None:
    if not values:
        return None
    fig = Figure(figsize=(7, 2.6))
    ax = fig.subplots()
    ax.hist(values, bins=range(1, max(values) + 2), color="#4a6fa5", log=True)
    ax.set_xlabel("cyclomatic complexity per function")
    ax.set_ylabel("functions (log scale)")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))  # 60, not 6 × 10¹
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    return _rendered(fig)


def hotspot_scatter(hotspots: Sequence[Hotspot], label: int = 8) -> str | None:
    if not hotspots:
        return None
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    ax.scatter([h.churn for h in hotspots], [h.complexity for h in hotspots], s=18, color="#c0504d")
    for rank, h in enumerate(hotspots[:label], start=1):  # numbers, not names: they do not overlap; the table names them
        ax.annotate(str(rank), (h.churn, h.complexity), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("commits touching the file (churn)")
    ax.set_ylabel("total cyclomatic complexity")
    return _rendered(fig)
