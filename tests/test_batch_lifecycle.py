"""A portfolio over time: two batch runs over three repositories with a change in between.

The second run is compared with the first (``--baseline`` on the first run's folder),
writes SARIF and a pull-request comment per repository, re-checks verdicts that
expire, and the portfolio ledger (SQLite in the output folder) and page follow
each finding across the runs.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from archreview.batch.plan import Entry
from archreview.batch.supervisor import baseline_for
from archreview.cli import main
from archreview.core.errors import BadBaseline

TWO_CALLS = '''import requests


def fetch_user(uid):
    return requests.get(f"https://api.example.com/users/{uid}")


def fetch_order(oid):
    return requests.get(f"https://api.example.com/orders/{oid}")
'''

# Between the runs: the user call gets its timeout (fixed), an invoice call without one comes (added).
CHANGED = TWO_CALLS.replace('users/{uid}")', 'users/{uid}", timeout=5)') + '''

def fetch_invoice(iid):
    return requests.get(f"https://api.example.com/invoices/{iid}")
'''

ONE_CALL = 'import requests\n\n\ndef ping():\n    return requests.get("https://status.example.com")\n'

BATCH = """\
repos:
  - {{name: alpha, path: alpha}}
  - {{name: beta, path: beta}}
  - {{name: gamma, path: gamma, decisions: {decisions}}}
"""


def _findings(folder, name):
    return {f["fingerprint"]: f for f in json.loads((folder / name / "analysis.json").read_text())["findings"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both runs, once for the module: each takes a kernel per repository."""
    import os

    from archreview.decisions import DecisionStore
    from repos import make_repo

    root = tmp_path_factory.mktemp("portfolio")
    saved = os.environ.get("ARCHREVIEW_CACHE_DIR")
    os.environ["ARCHREVIEW_CACHE_DIR"] = str(root / "cache")
    alpha = make_repo(root, [{"app/client.py": TWO_CALLS}], name="alpha")
    make_repo(root, [{"svc/ping.py": ONE_CALL}], name="beta")
    make_repo(root, [{"jobs/sync.py": ONE_CALL.replace("ping", "sync")}], name="gamma")
    decisions = root / "gamma-decisions.json"
    DecisionStore(decisions).record(1, "fail", "no timeout on the status call", expires="2000-01-01")
    DecisionStore(decisions).record(3, "pass", "errors reach the caller")
    batch = root / "batch.yaml"
    batch.write_text(BATCH.format(decisions=decisions))  # paths are read from the batch file's folder
    first, second = root / "run1", root / "run2"
    codes = [main(["batch", str(batch), "--output", str(first), "--jobs", "2"])]
    before = _findings(first, "alpha")
    alpha.commit({"app/client.py": CHANGED})
    codes.append(main(["batch", str(batch), "--output", str(second), "--jobs", "2", "--baseline", str(first),
                       "--sarif", "--markdown"]))
    yield root, first, second, before, codes
    if saved is None:
        os.environ.pop("ARCHREVIEW_CACHE_DIR", None)
    else:
        os.environ["ARCHREVIEW_CACHE_DIR"] = saved


@pytest.mark.slow
def test_the_second_run_marks_what_is_new_unchanged_and_resolved_per_repository(runs):
    root, first, second, before, codes = runs
    assert codes == [0, 0]
    after = json.loads((second / "alpha" / "analysis.json").read_text())
    timeouts = {f["snippet"].split("/")[-2]: f["baseline"] for f in after["findings"] if f["item"] == 1}
    assert timeouts == {"orders": "unchanged", "invoices": "new"}
    users = [fp for fp, f in before.items() if f["item"] == 1 and "users" in f["snippet"]]
    assert [r["fingerprint"] for r in after["resolved"]] == users
    beta = json.loads((second / "beta" / "analysis.json").read_text())
    assert beta["resolved"] == [] and {f["baseline"] for f in beta["findings"]} == {"unchanged"}
    assert "Against the previous run" in (second / "alpha" / "report.html").read_text()
    assert not (first / "alpha" / "review.sarif").exists()  # only when asked for


@pytest.mark.slow
def test_each_repository_gets_its_sarif_and_pull_request_comment(runs):
    root, first, second, before, codes = runs
    for name in ("alpha", "beta", "gamma"):
        log = json.loads((second / name / "review.sarif").read_text())
        found = _findings(second, name)
        assert {r["partialFingerprints"]["archreview/v1"] for r in log["runs"][0]["results"]} == set(found)
    states = sorted(r["baselineState"] for r in json.loads((second / "alpha" / "review.sarif").read_text())
                    ["runs"][0]["results"] if r["properties"]["checklist_item"] == 1)
    assert states == ["new", "unchanged"]
    comment = (second / "alpha" / "comment.md").read_text()
    assert "Against the baseline: 1 new finding" in comment and "(app/client.py#L13)" in comment
    assert "review incomplete: 21 of 22 items not reviewed" in (second / "gamma" / "comment.md").read_text()


@pytest.mark.slow
def test_the_batch_summary_counts_an_expired_verdict_as_not_reviewed_and_says_why(runs):
    root, first, second, before, codes = runs
    import csv

    with open(second / "summary.csv", newline="") as f:
        gamma = next(r for r in csv.DictReader(f) if r["name"] == "gamma")
    assert (gamma["verdict_fail"], gamma["verdict_pass"], gamma["verdict_unreviewed"]) == ("0", "1", "21")
    assert gamma["reopened"] == "item 1: the verdict expired on 2000-01-01"
    page = BeautifulSoup((second / "index.html").read_text(), "html.parser")
    assert "gamma: item 1: the verdict expired on 2000-01-01" in page.find(id="reopened").find_next("ul").get_text()


def test_a_baseline_folder_gives_each_repository_its_own_previous_analysis(tmp_path):
    (tmp_path / "prev" / "alpha").mkdir(parents=True)
    (tmp_path / "prev" / "alpha" / "analysis.json").write_text('{"findings": []}')
    alpha, newcomer = Entry("alpha", "/src/alpha", 1), Entry("newcomer", "/src/newcomer", 2)
    checked: set[str] = set()
    assert baseline_for(alpha, str(tmp_path / "prev"), checked) == str(tmp_path / "prev" / "alpha" / "analysis.json")
    assert baseline_for(newcomer, str(tmp_path / "prev"), checked) == ""  # new to the portfolio: all findings new
    assert baseline_for(alpha, None, checked) is None
    own = tmp_path / "own.json"
    own.write_text('{"findings": [{"fingerprint": "ab", "item": 1, "path": "a.py"}]}')
    assert baseline_for(Entry("alpha", "/src/alpha", 1, baseline=str(own)), str(tmp_path / "prev"), checked) == str(own)
    with pytest.raises(BadBaseline):
        baseline_for(alpha, str(tmp_path / "missing"), checked)


@pytest.mark.parametrize("args, says", [
    (["--baseline", "{tmp}/bad.json"], "not a JSON document"),
    (["--baseline", "{tmp}/nowhere"], "no such file or folder"),
    (["--sarif", "../out.sarif"], "give a plain file name"),
    (["--markdown", "report.html"], "give a plain file name"),
])
def test_bad_batch_outputs_and_baselines_are_one_line_before_anything_runs(tmp_path, capsys, args, says):
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "batch.yaml").write_text(f"repos:\n  - {{path: {tmp_path}}}\n")
    argv = ["batch", str(tmp_path / "batch.yaml"), "--output", str(tmp_path / "out"),
            *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
