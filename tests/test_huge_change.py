"""A huge change: thousands of added modules, each breaking a declared layer (issue 15, case 11).

Every list the notebook and the report show stops at a few dozen and says how
many there are; the JSON document keeps everything. Built here with 5,000
files and 5,000 violations (the reported runs had 100,000: 6 MB and 28 MB
reports, a 7.8 GB kernel); the sizes asserted do not grow with the change.
"""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from archreview.analysis.run import analyze
from archreview.repo.graph import OTHER, dsm
from archreview.report import jsondoc
from archreview.workbook import sections
from archreview.workbook.review import open_review

pytestmark = pytest.mark.usefixtures("private_cache")

N = 5_000
LAYERS = """system = "monolith"
[[layers]]
name = "high"
paths = ["app/high.py"]
may_import = ["low"]
[[layers]]
name = "low"
paths = ["app/low"]
may_import = []
"""


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    from repos import make_repo

    root = tmp_path_factory.mktemp("huge")
    base = {"archreview.toml": LAYERS, "app/__init__.py": "", "app/high.py": "def run():\n    return 1\n",
            "app/low/__init__.py": ""}
    added = {f"app/low/m{i:05d}.py": f"from app import high\n\n\ndef f{i}():\n    return high.run()\n" for i in range(N)}
    return make_repo(root, [base], branches={"feature": [added]})


@pytest.fixture(scope="module")
def analysis(huge, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHREVIEW_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return analyze(huge.path, base="main", head="feature")


def test_the_json_keeps_every_module_and_violation(analysis):
    document = jsondoc.document(analysis)
    assert len(document["changed_files"]) == N
    assert sum(v["rule"] == "layer" for v in document["graph"]["violations"]) == N


def test_the_matrix_is_folded_to_the_biggest_packages(analysis):
    labels, matrix = dsm(analysis.graph)
    assert len(analysis.graph.packages) > N  # one package per module at this depth
    assert len(labels) == 31 and OTHER in labels and len(matrix) == 31


def test_every_list_in_the_notebook_is_capped_and_counted(analysis):
    review = open_review(analysis)
    html = {name: getattr(sections, name)(review).data
            for name in ("header", "overview", "architecture", "complexity", "change", "fit_test", "checklist", "summary")}
    assert sum(len(h) for h in html.values()) < 1_500_000  # was proportional to the change

    architecture = BeautifulSoup(html["architecture"], "html.parser")
    violations = next(t for t in architecture.find_all("table") if "layer violations" in t.caption.get_text())
    assert len(violations.find("tbody").find_all("tr")) == sections.TOP
    assert f"showing {sections.TOP} of {N} layer violations" in violations.caption.get_text()

    change = BeautifulSoup(html["change"], "html.parser").get_text(" ", strip=True)
    assert f"Changed modules ({N}):" in change and f"showing {sections.NAMES} of {N}" in change
    assert len(BeautifulSoup(html["change"], "html.parser").find_all("code")) < 4 * sections.NAMES + 10


@pytest.mark.slow
def test_the_report_of_a_huge_change_stays_small(huge, tmp_path):
    report = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "archreview.cli", "review", str(huge.path), "--base", "main",
                           "--head", "feature", "--output", str(report)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    assert report.stat().st_size < 3 * 1024 * 1024
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    assert f"showing {sections.TOP} of {N} layer violations" in soup.get_text()
    biggest_child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel is one of them
    assert biggest_child_kb < 1024 * 1024
