"""The review structure: evidence per item, decisions, re-review, verdict, one-call export."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from archreview.report.live import export_report
from archreview.workbook import sections as wb
from archreview.analysis.run import analyze
from archreview.workbook.review import open_review
from archreview.sample import AI_BRANCH, FIT_BRANCH, build_sample

pytestmark = pytest.mark.usefixtures("private_cache")  # each test gets its own cache folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    return build_sample(root / "sample")


def test_a_decision_made_on_other_evidence_asks_for_re_review(sample, tmp_path):
    decisions = tmp_path / "d.json"
    fit = open_review(analyze(sample, "main", FIT_BRANCH), decisions, reviewer="Mei")
    fit.record(1, "pass", "timeouts are fine here")
    fit.record(20, "pass", "nothing new")
    assert not fit.needs_rereview(1) and not fit.needs_rereview(20)
    ai = open_review(analyze(sample, "main", AI_BRANCH), decisions)
    assert ai.evidence(20) and ai.needs_rereview(20)  # new infrastructure appeared since the pass
    assert ai.status(20) == "pass" and ai.decision(20).reviewer == "Mei"
    unchanged = [n for n in range(1, 23) if fit.fingerprint_evidence(n) == ai.fingerprint_evidence(n)]
    for n in unchanged:
        assert not ai.needs_rereview(n)


def test_new_findings_lead_each_item_and_the_verdict_follows_decisions(sample, tmp_path):
    review = open_review(analyze(sample, "main", AI_BRANCH), tmp_path / "d.json")
    for item in review.checklist.items:
        flags = [f.new for f in review.evidence(item.number)]
        assert flags == sorted(flags, key=lambda new: new is not True)
    assert review.verdict() == "Review incomplete: 22 of 22 items not reviewed"
    review.record(3, "concern", "swallowed errors in the push channel")
    assert review.verdict() == "Review incomplete: 21 of 22 items not reviewed"  # never "acceptable" yet
    assert review.verdict_detail() == "1 reviewed so far: 1 with concerns."
    for item in review.checklist.items:
        if item.number != 3:
            review.record(item.number, "pass")
    assert review.verdict().startswith("Acceptable with the concerns")
    review.record(20, "fail", "a message bus for 50 users")
    assert review.verdict() == "Changes required before release"
    review.record(5, "unreviewed")
    assert review.verdict() == "Review incomplete: 1 of 22 items not reviewed"
    assert "already means changes are required" in review.verdict_detail()
    assert review.top_risks()[0][0].number == 20


def test_severity_follows_the_declared_scale(sample):
    review = open_review(analyze(sample, "main", AI_BRANCH))
    assert review.users == 50
    in_process_state, timeouts = review.checklist.item(17), review.checklist.item(1)
    assert review.severity(timeouts) == timeouts.severity == "high"  # a missing timeout hurts at any scale
    assert review.severity(in_process_state) == "low"  # one instance is enough for 50 users
    bigger = open_review(analyze(sample, "main", AI_BRANCH, context_file=_context(sample, 200_000)))
    assert bigger.users == 200_000 and bigger.severity(in_process_state) == "high"


def _context(sample, users: int):
    text = (sample / "archreview.toml").read_text().replace("users = 50", f"users = {users}")
    path = sample.parent / f"context-{users}.toml"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_one_call_exports_the_report_with_the_current_decisions(sample, tmp_path):
    review = wb.start(str(sample), "main", FIT_BRANCH, decisions=str(tmp_path / "d.json"), client="BuildRight",
                      reviewer="Mei", live=True)
    review.record(7, "na", "no async code in this service")
    html = export_report(review, tmp_path / "out" / "report.html")
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    decision = soup.select_one("#item-7 .ar-decision").get_text(" ", strip=True)
    assert "not applicable" in decision and "no async code in this service" in decision
    assert soup.find("script") is None and len(soup.select("[data-item]")) == 22
