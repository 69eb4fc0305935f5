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
from tests.repos import LAYERED, LAYERS

# A declared layer violation (fit.layer_violation, tests/repos.py) is the report finding followed across runs;
# a plain requests.get without a timeout (timeout.missing) gives the other repositories findings of their own.
TWO_CALLS = LAYERED

# Between the runs: the user lookup stops reading the web layer (fixed), an invoice lookup reads it (added).
CHANGED = TWO_CALLS.replace("    from web import users\n    return users.get(uid)",
                            "    users = {}  # no longer read from the web layer\n    return users.get(uid)") + '''

def fetch_invoice(iid):
    from web import invoices
    return invoices.get(iid)
'''


def _layer(f) -> str:
    """The web module a layer violation imports."""
    return f["message"].split("-> web.", 1)[1].split(")", 1)[0]


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
    alpha = make_repo(root, [{**LAYERS, "app/client.py": TWO_CALLS}], name="alpha")
    make_repo(root, [{"svc/ping.py": ONE_CALL}], name="beta")
    make_repo(root, [{"jobs/sync.py": ONE_CALL.replace("ping", "sync")}], name="gamma")
    decisions = root / "gamma-decisions.json"
    DecisionStore(decisions).record(1, "fail", "no timeout on the status call", expires="2000-01-01")
    DecisionStore(decisions).record(3, "pass", "errors reach the caller")
    batch = root / "batch.yaml"
    batch.write_text(BATCH.format(decisions=decisions))  # paths are read from the batch file's folder
    out = root / "out"  # both runs write here: the ledger lives in the output folder
    codes = [main(["batch", str(batch), "--output", str(out), "--jobs", "2"])]
    before = {name: _findings(out, name) for name in ("alpha", "beta", "gamma")}
    asked = (out / "alpha" / "review.sarif").exists()
    alpha.commit({"app/client.py": CHANGED})
    codes.append(main(["batch", str(batch), "--output", str(out), "--jobs", "2", "--baseline", str(out),
                       "--sarif", "--markdown"]))
    codes.append(asked)
    yield out, before, codes
    if saved is None:
        os.environ.pop("ARCHREVIEW_CACHE_DIR", None)
    else:
        os.environ["ARCHREVIEW_CACHE_DIR"] = saved


@pytest.mark.slow
def test_the_second_run_marks_what_is_new_unchanged_and_resolved_per_repository(runs):
    second, before, codes = runs
    assert codes == [0, 0, False]  # SARIF only when asked for
    after = json.loads((second / "alpha" / "analysis.json").read_text())
    blocking = {_layer(f): f["baseline"] for f in after["findings"] if f["rule"] == "fit.layer_violation"}
    assert blocking == {"orders": "unchanged", "invoices": "new"}
    users = [fp for fp, f in before["alpha"].items() if f["item"] == 21 and "web.users" in f["message"]]
    assert sorted(r["fingerprint"] for r in after["resolved"]) == sorted(users) and users
    beta = json.loads((second / "beta" / "analysis.json").read_text())
    assert beta["resolved"] == [] and {f["baseline"] for f in beta["findings"]} == {"unchanged"}
    assert "Against the previous run" in (second / "alpha" / "report.html").read_text()


@pytest.mark.slow
def test_each_repository_gets_its_sarif_and_pull_request_comment(runs):
    second, before, codes = runs
    for name in ("alpha", "beta", "gamma"):
        log = json.loads((second / name / "review.sarif").read_text())
        found = _findings(second, name)
        assert {r["partialFingerprints"]["archreview/v1"] for r in log["runs"][0]["results"]} == set(found)
    states = sorted(r["baselineState"] for r in json.loads((second / "alpha" / "review.sarif").read_text())
                    ["runs"][0]["results"] if r["ruleId"] == "fit.layer_violation")
    assert states == ["new", "unchanged"]
    comment = (second / "alpha" / "comment.md").read_text()
    # the invoice import: a layer violation and fit question 3 on it; the user import's two are resolved
    assert "Against the baseline: 2 new findings, 2 resolved." in comment and "(app/client.py#L15)" in comment
    assert "review incomplete: 21 of 22 items not reviewed" in (second / "gamma" / "comment.md").read_text()


@pytest.mark.slow
def test_the_batch_summary_counts_an_expired_verdict_as_not_reviewed_and_says_why(runs):
    second, before, codes = runs
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


@pytest.mark.slow
def test_the_ledger_follows_each_finding_across_the_runs_and_the_page_shows_the_trend(runs):
    from archreview.report import ledger

    out, before, codes = runs
    after = {name: _findings(out, name) for name in ("alpha", "beta", "gamma")}
    kept = ledger.read(out)
    assert kept is not None and [seq for seq, _ in kept.runs] == [1, 2]
    first, second = (at for _, at in kept.runs)
    rows = {(f.repo, f.fingerprint): f for f in kept.findings}
    assert set(rows) == {(repo, fp) for repo in after for fp in (*before[repo], *after[repo])}
    users, orders, invoices = (next(fp for fp, f in {**before["alpha"], **after["alpha"]}.items()
                                    if f["rule"] == "fit.layer_violation" and _layer(f) == what) for what in ("users", "orders", "invoices"))
    assert (rows["alpha", users].resolved_at, rows["alpha", users].runs_seen) == (second, 1)
    assert (rows["alpha", orders].first_seen, rows["alpha", orders].last_seen, rows["alpha", orders].runs_seen,
            rows["alpha", orders].resolved_at) == (first, second, 2, None)
    assert (rows["alpha", invoices].first_seen, rows["alpha", invoices].runs_seen) == (second, 1)
    assert all(rows[r, fp].runs_seen == 2 and rows[r, fp].resolved_at is None for r in ("beta", "gamma") for fp in after[r])
    expected = {(repo, 2): (len(after[repo].keys() - before[repo].keys()), len(after[repo].keys() & before[repo].keys()),
                            len(before[repo].keys() - after[repo].keys()), len(after[repo])) for repo in after}
    expected.update({(repo, 1): (len(before[repo]), 0, 0, len(before[repo])) for repo in before})
    assert expected["alpha", 2][0] >= 1 and expected["alpha", 2][2] >= 1  # the change added one and fixed one
    page = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    per_repo = {(tr.th.get_text(), int(tr.find_all("td")[0].get_text())): tuple(int(td.get_text()) for td in tr.find_all("td")[1:])
                for tr in page.find(id="trend-repositories").tbody.find_all("tr")}
    assert per_repo == expected
    totals = [[td.get_text() for td in tr.find_all("td")] for tr in page.find(id="trend-totals").tbody.find_all("tr")]
    assert [t[0] for t in totals] == ["1", "2"] and [t[2] for t in totals] == ["3", "3"]
    for column, index in (("new", 0), ("unchanged", 1), ("resolved", 2), ("open", 3)):
        assert [int(t[3 + index]) for t in totals] == [sum(v[index] for k, v in expected.items() if k[1] == run)
                                                       for run in (1, 2)], column
