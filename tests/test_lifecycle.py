"""Findings across runs: fingerprints, --baseline, --fail-on-new, SARIF and the pull-request comment."""

from __future__ import annotations

import json
import re

import pytest

from archreview.analysis.baseline import compare, read_baseline
from archreview.analysis.run import analyze
from archreview.cli import main
from archreview.core.errors import BadBaseline
from archreview.report import jsondoc, markdown, sarif
from tests.repos import LAYERED, LAYERS

# Blocking calls inside async handlers: async.blocking_call, a rule the client report shows.
CLIENT = '''import requests

TIMEOUT = 5


async def fetch_user(uid):
    return requests.get(f"https://api.example.com/users/{uid}", timeout=TIMEOUT)


async def fetch_order(oid):
    return requests.get(f"https://api.example.com/orders/{oid}", timeout=TIMEOUT)
'''

# The same code with unrelated lines above it: every finding moves down four lines.
MOVED = '"""Clients of the example API."""\nimport logging\n\nlog = logging.getLogger(__name__)\n' + CLIENT

ADDED = CLIENT + '''

async def fetch_invoice(iid):
    return requests.get(f"https://api.example.com/invoices/{iid}", timeout=TIMEOUT)
'''


LAYERED_MOVED = '''"""Reads the web layer."""
import logging

log = logging.getLogger(__name__)
''' + LAYERED

LAYERED_ADDED = LAYERED + '''

def fetch_invoice(iid):
    from web import invoices
    return invoices.get(iid)
'''

ITEM = 7  # blocking the event loop


def _blocking(analysis):
    return sorted((f for f in analysis.findings if f.item == ITEM), key=lambda f: f.line)


def test_a_fingerprint_survives_unrelated_lines_moving_and_tells_findings_apart(git_repo):
    repo = git_repo([{"app/client.py": CLIENT}, {"app/client.py": MOVED}])
    before, after = (_blocking(analyze(repo.path, head=c, use_cache=False)) for c in repo.commits)
    assert len(before) == 2 and [f.line + 4 for f in before] == [f.line for f in after]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert len({f.fingerprint for f in before}) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", f.fingerprint) for f in before)


def test_the_same_statement_twice_in_one_function_gets_two_fingerprints(git_repo):
    twice = "import requests\n\n\nasync def sync():\n    requests.get('https://a', timeout=1)\n    requests.get('https://a', timeout=1)\n"
    repo = git_repo([{"sync.py": twice}])
    found = _blocking(analyze(repo.path, use_cache=False))
    assert len(found) == 2 and found[0].fingerprint != found[1].fingerprint


def test_a_baseline_marks_new_and_unchanged_and_lists_what_was_resolved(git_repo, tmp_path):
    repo = git_repo([{"app/client.py": CLIENT}, {"app/client.py": ADDED.replace("fetch_user", "gone").replace(
        '    return requests.get(f"https://api.example.com/users/{uid}", timeout=TIMEOUT)\n', "    return None\n")}])
    prev = tmp_path / "prev.json"
    assert main([str(repo.path), "--head", repo.commits[0], "--json", str(prev)][:0] + ["analyze", str(repo.path),
                "--head", repo.commits[0], "--json", str(prev)]) == 0
    now = compare(analyze(repo.path, head=repo.commits[1]), read_baseline(prev))
    states = {f.snippet.split("/")[-2]: f.baseline for f in _blocking(now)}
    assert states == {"orders": "unchanged", "invoices": "new"}
    users = [f for f in json.loads(prev.read_text())["findings"] if "users" in f["snippet"]]
    assert [(r.fingerprint, r.item, r.path) for r in now.resolved] == [(users[0]["fingerprint"], ITEM, "app/client.py")]
    doc = jsondoc.document(now)
    assert doc["resolved"] == [{"fingerprint": users[0]["fingerprint"], "item": ITEM, "path": "app/client.py"}]
    assert {f["baseline"] for f in doc["findings"]} <= {"new", "unchanged"}
    assert jsondoc.document(analyze(repo.path, head=repo.commits[1]))["resolved"] is None  # no baseline: not compared


def test_fail_on_new_fails_only_when_something_new_appears(git_repo, tmp_path, capsys):
    repo = git_repo([{**LAYERS, "app/client.py": LAYERED}, {"app/client.py": LAYERED_MOVED},
                     {"app/client.py": "\n" + LAYERED_ADDED}])
    prev = tmp_path / "prev.json"
    assert main(["analyze", str(repo.path), "--head", repo.commits[0], "--json", str(prev)]) == 0
    moved = ["analyze", str(repo.path), "--head", repo.commits[1], "--baseline", str(prev), "--fail-on-new", "--json", "-"]
    assert main(moved) == 0
    added = ["analyze", str(repo.path), "--head", repo.commits[2], "--baseline", str(prev), "--fail-on-new", "--json", "-"]
    assert main(added) == 1
    capsys.readouterr()


def test_a_lead_the_change_brings_neither_fails_the_run_nor_ranks_as_a_risk(git_repo, tmp_path, capsys):
    """A rule still a lead (not precise enough on held-back real code: ``except.swallowed``) is listed in the live
    workbook only: it does not fail ``--fail-on-new`` and is not a top risk; the comment counts it."""
    from archreview.checklist.rules import registry

    lead = CLIENT + ('\n\ndef fetch_all(ids):\n    out = []\n    for i in ids:\n        try:\n'
                     '            out.append(i)\n        except Exception:\n            pass\n    return out\n')
    repo = git_repo([{"app/client.py": CLIENT}], branches={"topic": [{"app/client.py": lead}]})
    new = [f for f in analyze(repo.path, "main", "topic").findings if f.new]
    assert [f.rule for f in new] == ["except.swallowed"]  # the change does bring it
    assert registry()["except.swallowed"].shown == "lead"
    md = tmp_path / "c.md"
    change = ["analyze", str(repo.path), "--base", "main", "--head", "topic", "--fail-on-new", "--json", "-",
              "--markdown", str(md)]
    assert main(change) == 0
    text = md.read_text()
    assert "None among the findings this change brought." in text
    assert "1 lead (rules not yet precise enough on real code to show as risks) is listed in the live workbook" in text
    assert f"#L{new[0].line})" not in text
    capsys.readouterr()


@pytest.mark.parametrize("content, says", [
    ("{not json", "not a JSON document"),
    ('{"findings": [{"item": 1, "path": "a.py"}]}', "no fingerprint"),
    ('[1, 2]', "no 'findings' list"),
    ("[" * 100_000 + "]" * 100_000, "not a JSON document"),
])
def test_a_bad_baseline_is_one_line_and_exit_2(git_repo, tmp_path, capsys, content, says):
    repo = git_repo([{"a.py": "x = 1\n"}])
    prev = tmp_path / "prev.json"
    prev.write_text(content)
    assert main(["analyze", str(repo.path), "--baseline", str(prev), "--json", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    with pytest.raises(BadBaseline):
        read_baseline(tmp_path / "missing.json")


def _check_sarif_structure(log: dict) -> None:
    """The required structure of SARIF 2.1.0 (OASIS standard, sections 3.13-3.49), property by property."""
    assert log["version"] == "2.1.0" and isinstance(log["runs"], list)  # 3.13.2, 3.13.4
    for run in log["runs"]:
        driver = run["tool"]["driver"]  # 3.14.1, 3.18.2
        assert isinstance(driver["name"], str) and driver["name"]  # 3.19.8
        ids = [r["id"] for r in driver["rules"]]  # 3.49.3: reportingDescriptor.id is required
        assert all(isinstance(i, str) and i for i in ids) and len(ids) == len(set(ids))
        for rule in driver["rules"]:
            assert rule["defaultConfiguration"]["level"] in {"none", "note", "warning", "error"}  # 3.50.3
            assert isinstance(rule["shortDescription"]["text"], str) and isinstance(rule["help"]["text"], str)
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str)  # 3.27.11: message required; text or id
            assert ids[result["ruleIndex"]] == result["ruleId"]  # 3.27.6: ruleIndex indexes driver.rules
            assert result["level"] in {"none", "note", "warning", "error"}  # 3.27.10
            for location in result["locations"]:
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert not uri.startswith(("/", "file:")) and physical["artifactLocation"]["uriBaseId"] == "SRCROOT"
                assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1
            assert all(isinstance(v, str) and v for v in result["partialFingerprints"].values())  # 3.27.17
            assert result.get("baselineState", "new") in {"new", "unchanged", "updated", "absent"}  # 3.27.24


def test_sarif_has_a_rule_per_checklist_rule_and_a_result_per_finding(git_repo, tmp_path):
    repo = git_repo([{"app/client.py": CLIENT}], branches={"topic": [{"app/client.py": ADDED}]})
    out = tmp_path / "out.sarif"
    prev = tmp_path / "prev.json"
    assert main(["analyze", str(repo.path), "--head", "main", "--json", str(prev)]) == 0
    assert main(["analyze", str(repo.path), "--base", "main", "--head", "topic", "--sarif", str(out),
                 "--baseline", str(prev)]) == 0
    log = json.loads(out.read_text())
    _check_sarif_structure(log)
    run = log["runs"][0]
    findings = analyze(repo.path, "main", "topic").findings
    assert len(run["results"]) == len(findings)
    blocking = [r for r in run["results"] if r["properties"]["checklist_item"] == ITEM]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in blocking} == {"app/client.py"}
    assert sorted(r["baselineState"] for r in blocking) == ["new", "unchanged", "unchanged"]
    assert {r["partialFingerprints"]["archreview/v1"] for r in run["results"]} == {f.fingerprint for f in findings}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    item1 = next(r for r in rules.values() if r["properties"]["checklist_item"] == 1)
    assert "Mitigations" in item1["help"]["text"] and item1["defaultConfiguration"]["level"] == "error"


def test_the_pull_request_comment_leads_with_the_change_and_links_its_risks(git_repo, tmp_path):
    hostile = "app/[x](https://evil.example)_<b>.py"
    repo = git_repo([{**LAYERS, "app/client.py": LAYERED}],
                    branches={"topic": [{"app/client.py": LAYERED_ADDED, hostile: LAYERED}]})
    out = tmp_path / "comment.md"
    assert main(["analyze", str(repo.path), "--base", "main", "--head", "topic", "--markdown", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("## Architecture review: `topic` against `main`")
    assert "**Verdict:** not reviewed yet: this change brings" in text
    assert "### What the change brings" in text and "### Top risks" in text
    assert "(app/client.py#L15)" in text  # the invoice import the change added, linked by path#Lline
    outside_code = re.sub(r"`[^`]*`", "", text)  # a hostile path is only ever shown inside code spans
    assert "evil.example" not in outside_code.replace("%3A/evil.example", "") and "<b>" not in outside_code
    old = [f for f in analyze(repo.path, "main", "topic").findings if f.new is False]
    assert old and all(f"(app/client.py#L{f.line})" not in text for f in old if f.path == "app/client.py")


def test_fit_question_3_holds_only_the_layer_violations_the_change_wrote(git_repo):
    """A changed file's old imports are the codebase's: question 3 (a report rule, scoped to the change) shows the
    one import the change added, not the two the file already had."""
    repo = git_repo([{**LAYERS, "app/client.py": LAYERED}], branches={"topic": [{"app/client.py": LAYERED_ADDED}]})
    a = analyze(repo.path, "main", "topic")
    q3 = a.fit_test[2]
    assert q3.verdict == "drifts" and [(e.path, e.line) for e in q3.evidence] == [("app/client.py", 15)]
    assert sorted((f.rule, f.line, f.new) for f in a.findings if f.item == 21) == [
        ("fit.layer_violation", 5, False), ("fit.layer_violation", 10, False), ("fit.layer_violation", 15, True),
        ("fit.q3", 15, True)]


def test_the_comment_from_a_review_states_an_incomplete_review(git_repo):
    repo = git_repo([{"app/client.py": CLIENT}], branches={"topic": [{"app/client.py": ADDED}]})
    a = analyze(repo.path, "main", "topic")
    assert "review incomplete: 21 of 22 items not reviewed" in markdown.comment(a, {1: "concern"})
    assert "changes required" in markdown.comment(a, {1: "fail"})
    assert sarif.document(a)["runs"][0]["results"]


GUARDED = {
    "archreview.toml": '''system = "monolith"
stack = ["django", "postgresql"]
patterns_not_used = ["message_queue", "di_container"]
examples = ["shop/services/orders.py"]
[patterns]
data_access = "Django ORM in services/, never raw SQL"
[scale]
users = 50
[[layers]]
name = "views"
paths = ["shop/views"]
may_import = ["services"]
[[layers]]
name = "services"
paths = ["shop/services"]
may_import = []
''',
    "shop/services/orders.py": "import redis\n\ncache = redis.Redis()\n",
    "shop/views/orders.py": "from shop.services import orders\n",
}


@pytest.mark.parametrize("fmt, name, first", [
    ("agents", "AGENTS.md", "<!-- archreview:guardrails:begin"),
    ("claude", "CLAUDE.md", "<!-- archreview:guardrails:begin"),
    ("copilot", ".github/copilot-instructions.md", "<!-- archreview:guardrails:begin"),
    ("cursor", ".cursor/rules/architecture.mdc", "---\ndescription:"),
])
def test_guardrails_tell_an_assistant_what_the_review_decided(git_repo, tmp_path, capsys, fmt, name, first):
    from archreview.decisions import DecisionStore

    repo = git_repo([GUARDED])
    decisions = tmp_path / "d.json"
    DecisionStore(decisions).record(17, "fail", 'Sessions live in process memory <script>x</script>; password = "hunter2secret"')
    DecisionStore(decisions).record(1, "pass", "all calls have timeouts")
    assert main(["guardrails", str(repo.path), "--decisions", str(decisions), "--format", fmt]) == 0
    text = (repo.path / name).read_text()
    assert text.startswith(first)
    assert "No message queue (message_queue)" in text and "No dependency-injection container (di_container)" in text
    assert "cache (redis)" in text and "about 50 users" in text and "Django ORM in services/" in text
    assert "views (shop/views) may import services" in text and "`shop/services/orders.py`" in text
    assert "Must be fixed, item 17" in text and "Sessions live in process memory" in text
    assert "all calls have timeouts" not in text  # a pass is not a guardrail
    assert "<script>" not in text and "hunter2secret" not in text
    assert f"guardrails written: {repo.path / name}" in capsys.readouterr().err


def test_guardrails_update_only_their_own_block(git_repo, tmp_path):
    repo = git_repo([GUARDED])
    target = tmp_path / "AGENTS.md"
    target.write_text("# Our agents\n\nRun `make test` before you commit.\n")
    assert main(["guardrails", str(repo.path), "--format", "agents", "--output", str(target)]) == 0
    once = target.read_text()
    assert once.startswith("# Our agents\n\nRun `make test` before you commit.\n\n<!-- archreview:guardrails:begin")
    target.write_text(once.replace("Run `make test`", "Run `make check`") + "\nTeam notes after the block.\n")
    assert main(["guardrails", str(repo.path), "--format", "agents", "--output", str(target)]) == 0
    twice = target.read_text()
    assert "Run `make check`" in twice and twice.endswith("Team notes after the block.\n")
    assert twice.count("archreview:guardrails:begin") == 1 and twice.count("# Architecture guardrails") == 1


def test_guardrails_never_write_through_a_link(git_repo, tmp_path, capsys):
    repo = git_repo([GUARDED])
    outside = tmp_path / "outside.md"
    outside.write_text("keep me\n")
    link = tmp_path / "AGENTS.md"
    link.symlink_to(outside)
    assert main(["guardrails", str(repo.path), "--format", "agents", "--output", str(link)]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and err.count("\n") == 1 and outside.read_text() == "keep me\n"


def test_a_verdict_reopens_when_it_expires_or_its_condition_comes_true(git_repo, tmp_path):
    import datetime as dt

    from archreview.decisions import DecisionStore, reopened
    from archreview.workbook.review import open_review

    repo = git_repo([{"app/orders.py": "def total(xs):\n    return sum(xs)\n"}],
                    branches={"queue": [{"app/bus.py": "import pika\n\nconn = pika.BlockingConnection()\n"}]})
    store = DecisionStore(tmp_path / "d.json")
    store.record(20, "pass", "no broker needed", revisit_when="message_queue appears")
    store.record(17, "pass", "one instance", revisit_when="users above 1000")
    store.record(3, "pass", "checked by hand", expires="2000-01-01")
    store.record(1, "pass", "timeouts everywhere", expires="2999-12-31")
    before = open_review(analyze(repo.path, head="main"), tmp_path / "d.json")
    assert [before.status(i) for i in (20, 17, 3, 1)] == ["pass", "pass", "unreviewed", "pass"]
    assert before.reopened(3) == "the verdict expired on 2000-01-01"
    after = open_review(analyze(repo.path, "main", "queue"), tmp_path / "d.json")
    assert after.status(20) == "unreviewed" and "now uses a message_queue" in after.reopened(20)
    d17 = store.get(17)
    assert reopened(d17, today=dt.date(2026, 1, 1), kinds={}, users=5000) == \
        "revisit when users above 1000: the context now declares 5,000 users"
    assert reopened(d17, today=dt.date(2026, 1, 1), kinds={}, users=50) is None
    second = DecisionStore(tmp_path / "d.json").record(4, "pass", revisit_when="second consumer of message_queue appears")
    assert reopened(second, today=dt.date(2026, 1, 1), kinds={"message_queue": 1}, users=None) is None
    assert "2 files now use" in reopened(second, today=dt.date(2026, 1, 1), kinds={"message_queue": 2}, users=None)
    reloaded = DecisionStore(tmp_path / "d.json")  # the conditions survive the file
    assert reloaded.get(20).revisit_when == "message_queue appears" and reloaded.get(3).expires == "2000-01-01"


@pytest.mark.parametrize("kwargs", [{"expires": "next spring"}, {"revisit_when": "the moon appears"},
                                    {"revisit_when": "users above many"}])
def test_a_condition_archreview_cannot_check_is_refused(tmp_path, kwargs):
    from archreview.decisions import DecisionStore

    with pytest.raises(ValueError):
        DecisionStore(tmp_path / "d.json").record(1, "pass", **kwargs)


@pytest.mark.slow
def test_review_fails_only_on_verdicts_that_still_stand_and_says_why_one_reopened(git_repo, tmp_path, capsys,
                                                                                   private_cache):
    from archreview.decisions import DecisionStore
    from archreview.report.notebook import standing_verdicts
    from archreview.workbook.params import Parameters

    repo = git_repo([{"app/orders.py": "def total(xs):\n    return sum(xs)\n"}],
                    branches={"queue": [{"app/bus.py": "import pika\n\nconn = pika.BlockingConnection()\n"}]})
    expired = tmp_path / "expired.json"
    DecisionStore(expired).record(3, "fail", "errors swallowed in the importer", expires="2000-01-01")
    DecisionStore(expired).record(20, "concern", "no broker yet", revisit_when="message_queue appears")
    command = ["review", str(repo.path), "--base", "main", "--head", "queue", "--output", str(tmp_path / "r.html"),
               "--decisions", str(expired)]
    assert main([*command, "--fail-on", "concern"]) == 0  # both verdicts were reopened: neither counts
    err = capsys.readouterr().err
    assert "item 3 reopened: the verdict expired on 2000-01-01" in err
    assert "item 20 reopened: revisit when message_queue appears: the code now uses a message_queue" in err
    standing = tmp_path / "standing.json"
    DecisionStore(standing).record(3, "fail", "errors swallowed", expires="2999-12-31")
    DecisionStore(standing).record(20, "concern", "no broker yet", revisit_when="cache appears")
    params = Parameters(str(repo.path), "main", "queue", decisions=str(standing))
    assert standing_verdicts(params) == ({3: "fail", 20: "concern"}, {})
    assert standing_verdicts(Parameters(str(repo.path), "main", "queue", decisions=str(expired))) == ({}, {
        3: "the verdict expired on 2000-01-01",
        20: "revisit when message_queue appears: the code now uses a message_queue"})


def test_a_client_reads_kinds_by_their_names_and_the_json_keeps_the_ids(git_repo, tmp_path, capsys):
    repo = git_repo([{"app/orders.py": "def total(xs):\n    return sum(xs)\n"}],
                    branches={"queue": [{"app/bus.py": "import pika\n\nconn = pika.BlockingConnection()\n"}]})
    md, log, doc = tmp_path / "c.md", tmp_path / "r.sarif", tmp_path / "r.json"
    change = ["analyze", str(repo.path), "--base", "main", "--head", "queue"]
    assert main([*change, "--markdown", str(md), "--sarif", str(log)]) == 0
    terminal = capsys.readouterr().out
    assert main([*change, "--json", str(doc)]) == 0
    prose = [md.read_text(), terminal, *(r["message"]["text"] for r in json.loads(log.read_text())["runs"][0]["results"])]
    assert "this change adds the message queue 'rabbitmq'" in prose[0] and "NEW message queue: rabbitmq" in terminal
    assert all("message_queue" not in text for text in prose)
    document = json.loads(doc.read_text())
    assert ("message_queue", "rabbitmq") in {(n["kind"], n["name"]) for n in document["new_infrastructure"]}
    assert all("message_queue" not in f["message"] for f in document["findings"])


def test_a_finding_keeps_its_fingerprint_when_its_kind_is_shown_by_name():
    from archreview.core.fingerprint import by_message
    from archreview.core.model import Finding

    def place(message: str) -> tuple[str, str]:
        return by_message(Finding(20, "app/bus.py", 3, message, 0.9, rule="infra.new"))

    shown = place("new message queue 'rabbitmq' that the codebase did not have: who runs, monitors and upgrades it?")
    assert shown == place("new message_queue 'rabbitmq' that the codebase did not have: who runs, monitors and upgrades it?")


def test_dismissed_findings_fail_nothing_and_are_suppressed_in_sarif_and_the_comment(git_repo, tmp_path, capsys):
    from archreview.decisions import DecisionStore

    repo = git_repo([{**LAYERS, "app/client.py": LAYERED}], branches={"topic": [{"app/client.py": LAYERED_ADDED}]})
    mine = markdown.brought(analyze(repo.path, "main", "topic"))
    assert mine
    decisions, md, log = tmp_path / "decisions.json", tmp_path / "c.md", tmp_path / "r.sarif"
    change = ["analyze", str(repo.path), "--base", "main", "--head", "topic", "--fail-on-new", "--json", "-",
              "--decisions", str(decisions), "--markdown", str(md), "--sarif", str(log)]
    store = DecisionStore(decisions)
    for f in mine[1:]:
        store.record_finding(f.fingerprint, "false_positive", "the web layer re-exports this helper", "ana", item=f.item, path=f.path)
    assert main(change) == 1  # one new finding still stands
    text = md.read_text()
    assert f"#L{mine[0].line})" in text and all(f"#L{f.line})" not in text for f in mine[1:] if f.line != mine[0].line)
    store.record_finding(mine[0].fingerprint, "accepted", "agreed with the client", "ana")
    assert main(change) == 0  # every new finding dismissed: nothing fails
    text = md.read_text()
    assert "None among the findings this change brought." in text
    assert f"{len(mine)} finding{'s' * (len(mine) != 1)} marked a false positive or accepted" in text
    results = json.loads(log.read_text())["runs"][0]["results"]
    suppressed = {r["partialFingerprints"]["archreview/v1"]: r["suppressions"] for r in results if "suppressions" in r}
    assert set(suppressed) == {f.fingerprint for f in mine}
    assert suppressed[mine[0].fingerprint] == [{"kind": "external", "status": "accepted",
                                                "justification": "accepted: agreed with the client",
                                                "properties": {"reviewer": "ana"}}]
    assert all(s[0]["justification"] == "false positive: the web layer re-exports this helper"
               for fp, s in suppressed.items() if fp != mine[0].fingerprint)
    store.record_finding(mine[0].fingerprint, "open", "", "ana")  # taken back: it fails again
    assert main(change) == 1
    capsys.readouterr()
    assert main(["analyze", str(repo.path), "--decisions", str(tmp_path), "--fail-on-new"]) == 2  # a folder: one line
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
