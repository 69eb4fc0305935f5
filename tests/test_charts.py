"""Charts are drawn on Figure objects: importing or using them leaves the user's matplotlib alone."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import matplotlib
matplotlib.use("svg")  # the user's choice, made before archreview is imported
import archreview.workbook.charts as charts
import archreview.workbook.sections
from archreview.core.model import Graph, Hotspot
graph = Graph(nodes=("a.x", "b.y", "c.z"), edges=(), cycles=(), packages=("a", "b", "c"),
              package_edges=(("a", "b", 2), ("b", "c", 1)), depth=1)
pictures = [charts.package_diagram(graph), charts.dsm_heatmap(["a", "b"], [[0, 1], [0, 0]]),
            charts.complexity_histogram([1, 2, 2, 7]), charts.hotspot_scatter([Hotspot("a/x.py", 3, 9, 1.0)])]
print(json.dumps({"backend": matplotlib.get_backend(), "pyplot": "matplotlib.pyplot" in sys.modules,
                  "pictures": pictures}))
"""


def test_charts_never_touch_pyplot_or_the_backend() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": ""}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["backend"] == "svg"
    assert result["pyplot"] is False
    for picture in result["pictures"]:
        assert picture.startswith("data:image/png;base64,")
        assert base64.b64decode(picture.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_crowded_row_of_the_package_diagram_numbers_its_least_connected_boxes() -> None:
    from archreview.workbook.charts import ROW_CHARS, diagram_labels, package_diagram_with_key
    from archreview.core.model import Graph

    names = [f"company.package_name_number_{i:02}" for i in range(12)]  # 30 characters each
    rows = [["company.hub"], names]
    ranked = ["company.hub", *names]  # most connected first
    labels, key = diagram_labels(rows, ranked)
    assert labels["company.hub"] == "company.hub"
    assert sum(len(labels[p]) + 4 for p in names) <= ROW_CHARS  # the row fits: no box over another
    named = [p for p in names if labels[p] == p]
    assert named == names[:len(named)] and 0 < len(named) < len(names)  # the most connected keep their names
    assert [p for _, p in key] == names[len(named):] and [labels[p] for _, p in key] == [n for n, _ in key]
    assert diagram_labels([["a", "b"]], ["a", "b"]) == ({"a": "a", "b": "b"}, ())  # room for all: no key

    graph = Graph(nodes=tuple(f"{n}.m" for n in names), edges=(), cycles=(), packages=tuple(names),
                  package_edges=tuple((names[0], n, 1) for n in names[1:]), depth=2)
    picture, drawn_key = package_diagram_with_key(graph)
    assert picture.startswith("data:image/png;base64,") and drawn_key


def test_a_chart_is_cropped_as_savefig_tight_would_crop_it() -> None:
    """png_data_uri measures the crop box itself instead of letting savefig render the chart twice;
    the picture must be the one ``bbox_inches="tight"`` gives, long labels and all."""
    import io

    from matplotlib.figure import Figure

    from archreview.workbook.render import PNG_DPI, png_data_uri

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.barh(["a very long package name that overflows the axes", "b"], [3, 5])
    ax.set_title("hotspots")
    fig.text(1.2, -0.3, "a note far outside the figure")
    tight = io.BytesIO()
    fig.savefig(tight, format="png", dpi=PNG_DPI, bbox_inches="tight")
    ours = base64.b64decode(png_data_uri(fig).split(",", 1)[1])
    plain = io.BytesIO()
    fig.savefig(plain, format="png", dpi=PNG_DPI)
    assert ours == tight.getvalue()
    assert ours != plain.getvalue()
