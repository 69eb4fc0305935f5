"""The workbook run by papermill on the sample, and the exported report parsed.

Each report is produced once per module (a kernel run takes seconds) and the
tests read it: 22 items, the fit test, no code cells, nothing fetched from
outside, every string from a hostile repository shown as text only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from archreview import cli
from archreview.decisions import DecisionStore
from archreview.report.notebook import notebook_path, run_review
from archreview.workbook.params import Parameters
from archreview.sample import AI_BRANCH, FIT_BRANCH, build_sample

pytestmark = pytest.mark.slow

PAYLOAD = "<img src=x onerror=alert(1)>"
SECRET = "s3cr3t-Passw0rd-Zz9!"
BRANCH = "feature/<svg>onload=alert(1)<b>"  # git allows markup in ref names, not spaces


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    import os

    os.environ.setdefault("ARCHREVIEW_CACHE_DIR", str(root / "cache"))
    return root


@pytest.fixture(scope="module")
def sample(workspace) -> Path:
    return build_sample(workspace / "sample")


@pytest.fixture(scope="module")
def ai_report(sample, workspace):
    decisions = workspace / "decisions.json"
    store = DecisionStore(decisions)
    store.record(20, "fail", "A message bus for 50 users: remove it.", "high", "Mei")
    store.record(1, "concern", "Add timeouts to the push client.", reviewer="Mei")
    params = Parameters(str(sample), "main", AI_BRANCH, None, str(decisions), "BuildRight Ltd", "Mei Chen",
                        "Notifications review")
    outcome = run_review(params, workspace / "ai.html")
    return outcome, BeautifulSoup(outcome.html.read_text(encoding="utf-8"), "html.parser")


def test_the_report_has_every_item_and_the_fit_test(ai_report):
    outcome, soup = ai_report
    items = soup.select("section[data-item]")
    assert sorted(int(s["data-item"]) for s in items) == list(range(1, 23))
    assert all(s["id"] == f"item-{s['data-item']}" for s in items)
    fit = soup.select("#fit li.ar-fit-drifts, #fit li.ar-fit-fits, #fit li.ar-fit-not_applicable")
    assert len(fit) == 5
    assert soup.select_one("#fit .ar-fit-drifts") is not None
    shown = [li.get_text(" ", strip=True) for li in soup.select("#fit .ar-fit-drifts li")
             if not li.get_text().startswith("…")]
    assert shown and all(re.match(r"[\w./-]+(:\d+)? — \S", text) for text in shown), shown  # path:line — what
    header = soup.select_one(".ar-meta").get_text(" ", strip=True)
    assert "BuildRight Ltd" in header and "Mei Chen" in header and AI_BRANCH in header
    assert re.search(r"\b[0-9a-f]{40}\b", header)  # refs resolved to commit ids


def test_the_report_leads_with_what_the_change_brings(ai_report):
    _, soup = ai_report
    summary = soup.select_one("#executive-summary").get_text(" ", strip=True)
    for kind in ("message queue", "dependency-injection container", "circuit breaker", "retry policy"):
        assert kind in summary  # the client's words, not the JSON ids
    brings = soup.select_one("#executive-summary .ar-brings").get_text(" ", strip=True)
    assert "di_container" not in brings and "message_queue" not in brings
    new_part, _, declared_part = brings.partition("It also uses")
    assert "database" not in new_part and "database" in declared_part  # declared in the context: not new
    assert "Review incomplete: 20 of 22 items not reviewed" in summary  # 2 decisions only
    assert "2 reviewed so far: 1 failed, 1 with concerns. A failed item already means changes are required" in summary
    risks = soup.select("#executive-summary .ar-risks > li")
    assert risks and risks[0].select_one("a")["href"] == "#item-20"
    assert risks[0].select(".ar-risk-evidence li")  # each risk shows its evidence
    assert not re.match(r"\d+\.", risks[0].get_text(strip=True))  # numbered once, by the list
    decision = soup.select_one("#item-20 .ar-decision").get_text(" ", strip=True)
    assert "fail" in decision and "A message bus for 50 users" in decision
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", decision)  # a human time, not raw ISO
    order = [s["id"] for s in soup.select("main section[id]") if s["id"] in
             ("executive-summary", "change", "fit", "checklist", "architecture", "complexity")]
    assert order == ["executive-summary", "change", "fit", "checklist", "architecture", "complexity"]
    assert len(soup.select("#fit .ar-fit-questions li")) == 5  # the five questions are stated


def test_the_headline_says_the_review_is_incomplete_until_every_item_has_a_verdict(sample, workspace):
    decisions = workspace / "incomplete.json"
    DecisionStore(decisions).record(1, "concern", "Add timeouts to the push client.", reviewer="Mei")
    params = Parameters(str(sample), "main", AI_BRANCH, None, str(decisions), "BuildRight Ltd", "Mei Chen", "Review")
    outcome = run_review(params, workspace / "incomplete.html")
    soup = BeautifulSoup(outcome.html.read_text(encoding="utf-8"), "html.parser")
    headline = soup.select_one("#executive-summary .ar-verdict").get_text(strip=True)
    assert headline == "Review incomplete: 21 of 22 items not reviewed"
    assert "cceptable" not in soup.select_one("#executive-summary").get_text()
    cards = {int(s["data-item"]) for s in soup.select("section.ar-item[data-item]")}
    compact = {int(s["data-item"]) for s in soup.select(".ar-quiet section[data-item]")}
    assert 1 in cards and compact and not cards & compact and cards | compact == set(range(1, 23))
    for section in soup.select("section[data-item]"):  # every item keeps its advice, for print
        assert section.select(".ar-questions li") and section.select(".ar-mitigations li")


def test_the_report_is_self_contained_and_static(ai_report):
    outcome, soup = ai_report
    html = outcome.html.read_text(encoding="utf-8")
    assert soup.find("script") is None
    assert soup.select(".input, .input_area, .prompt") == []
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp is not None and "default-src 'none'" in csp["content"]
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:"), tag["src"][:60]
    assert soup.find_all("link", href=True) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "require.js" not in html and "mathjax" not in html.lower() and "@jupyter-widgets" not in html
    assert len(html.encode()) < 2_000_000
    assert "@media print" in html


def test_the_executed_notebook_is_kept_beside_the_report(ai_report):
    outcome, _ = ai_report
    node = nbformat.read(outcome.notebook, as_version=4)
    assert all(not out.get("output_type") == "error" for c in node.cells for out in c.get("outputs", []))


def test_fail_on_sets_the_exit_status(sample, workspace, capsys):
    decisions = workspace / "fit-decisions.json"
    DecisionStore(decisions).record(3, "concern", "review logging")
    argv = ["review", str(sample), "--base", "main", "--head", FIT_BRANCH, "--decisions", str(decisions),
            "--output", str(workspace / "fit.html")]
    assert cli.main([*argv, "--fail-on", "concern"]) == 1
    assert cli.main([*argv, "--fail-on", "fail"]) == 0
    soup = BeautifulSoup((workspace / "fit.html").read_text(encoding="utf-8"), "html.parser")
    assert "no new infrastructure" in soup.select_one("#executive-summary").get_text(" ", strip=True)


def test_the_notebook_parameters_match_what_the_cli_passes():
    node = nbformat.read(notebook_path(), as_version=4)
    [cell] = [c for c in node.cells if "parameters" in c.metadata.get("tags", [])]
    names = re.findall(r"^(\w+) =", cell.source, flags=re.M)
    assert names == list(Parameters.__slots__)


@pytest.fixture(scope="module")
def hostile(workspace):
    from repos import make_repo

    repo = make_repo(workspace, [
        {"app/__init__.py": "", "app/ok.py": "def f():\n    return 1\n"},
        {f"app/{PAYLOAD}.py": "X = 1\n",
         "app/views.py": (f"import requests\nPASSWORD = \"{SECRET}\"\nBANNER = \"<script>alert('x')</script>\"\n"
                          "def hook(url):\n    return requests.post(url, data=BANNER)\n")},
    ], name="hostile", branches={BRANCH: [{"app/more.py": "import redis\nR = redis.Redis()\n"}]})
    decisions = workspace / "hostile.json"
    DecisionStore(decisions).record(1, "fail", f"note {PAYLOAD} <script>alert(2)</script>", reviewer="<i>me</i>")
    params = Parameters(str(repo.path), "main", BRANCH, None, str(decisions),
                        f"Client {PAYLOAD}", "<b>rev</b>", f"Title {PAYLOAD}")
    outcome = run_review(params, workspace / "hostile.html")
    return outcome.html.read_text(encoding="utf-8")


def test_hostile_strings_appear_only_as_text(hostile):
    soup = BeautifulSoup(hostile, "html.parser")
    assert soup.find("script") is None
    assert not soup.find_all(attrs={"onerror": True})
    assert soup.find("img", src="x") is None
    assert soup.find("b") is None and soup.find("i") is None  # reviewer and client markup stays text
    text = soup.get_text(" ")
    assert PAYLOAD in text  # file name, client, title and note all shown, as text
    assert BRANCH in text and soup.find("svg") is None
    assert "<script>alert(2)</script>" in text


def test_secrets_are_redacted_in_the_report_and_the_json(hostile, workspace, capsys):
    assert SECRET not in hostile
    repo = workspace / "hostile"
    assert cli.main(["analyze", str(repo), "--json", "-"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    assert any(f["item"] == 14 for f in json.loads(out)["findings"])
