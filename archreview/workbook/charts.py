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
    return package_diagram_with_key(graph, limit)[0]


# Characters of box labels (gaps included) that fit across the widest diagram at font size 8.
ROW_CHARS = 220
_INCH_PER_CHAR = 0.075


def package_diagram_with_key(graph: Graph, limit: int = 30) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The diagram, and its key: (number, package) for each package drawn as a number because its row
    had no room for its name. Boxes are placed by the width of their labels, so none overlap."""
    packages, edges = folded(graph, limit)
    if len(packages) < 2:
        return None, ()
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(packages)
    g.add_edges_from(edges)
    layers = _layers(g)
    weight = {p: 0 for p in packages}
    for (a, b), n in edges.items():
        weight[a] += n
        weight[b] += n
    labels, key = diagram_labels(layers, sorted(packages, key=lambda p: (-weight[p], p)))
    widths = [[len(labels[p]) + 4 for p in row] for row in layers]
    widest = max(sum(row) for row in widths)
    pos = {}
    for depth, (row, sizes) in enumerate(zip(layers, widths)):
        x = -sum(sizes) / 2
        for p, size in zip(row, sizes):
            pos[p] = (x + size / 2, -depth * 1.0)
            x += size
    fig = Figure(figsize=(min(max(6.0, widest * _INCH_PER_CHAR + 0.6), 18.0), 1.3 * len(layers) + 1))
    ax = fig.subplots()
    height = 1.0  # vertical distance between rows, in the same units as the x axis below (scaled)
    scale = widest / 2 + 2
    for a, b in g.edges:  # networkx's own drawing goes through pyplot: arrows and labels drawn here
        ax.annotate("", xy=pos[b], xytext=pos[a], arrowprops={
            "arrowstyle": "-|>", "color": "#8893a3", "lw": 0.8, "connectionstyle": "arc3,rad=0.08",
            "shrinkA": 9, "shrinkB": 9})
    for p, (x, y) in pos.items():
        ax.text(x, y, labels[p], fontsize=8, ha="center", va="center",
                bbox={"boxstyle": "round", "fc": "#eef3fb" if labels[p] == p else "#fff6e0", "ec": "#4a6fa5"})
    ax.set_xlim(-scale, scale)
    ax.set_ylim(-(len(layers) - 1) * height - 0.5, 0.5)
    ax.set_axis_off()
    ax.set_title("Packages, importers above what they import" + (" (numbered boxes: see the key below)" if key else ""),
                 fontsize=10)
    return _rendered(fig), key


def diagram_labels(rows: Sequence[Sequence[str]], ranked: Sequence[str],
                   budget: int = ROW_CHARS) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Each package's label: its name where its row has room, else a number from the key. The least
    connected packages of a crowded row give up their names first; numbers follow ``ranked`` (most
    connected first)."""
    named = {p for row in rows for p in row}
    rank = {p: i for i, p in enumerate(ranked)}
    for row in rows:
        width = sum(len(p) + 4 for p in row)
        for p in sorted(row, key=lambda p: -rank.get(p, len(rank))):
            if width <= budget:
                break
            named.discard(p)
            width -= len(p) - 3  # a number of up to three digits instead of the name
    numbered = [p for p in ranked if p not in named] + sorted(p for row in rows for p in row
                                                              if p not in named and p not in rank)
    key = tuple((str(i), p) for i, p in enumerate(numbered, start=1))
    labels = {p: p for p in named} | {p: n for n, p in key}
    return labels, key


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
