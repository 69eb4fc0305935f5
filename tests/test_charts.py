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
