"""The live session's note saving: debounced while typing, saved without leaving the box."""

from __future__ import annotations

import asyncio
import re

from archreview.analysis.run import analyze
from archreview.workbook.review import open_review
from archreview.workbook.widgets import Debounce, item_widget


def test_debounce_saves_once_after_typing_pauses():
    calls: list[int] = []

    async def typing() -> None:
        save = Debounce(lambda: calls.append(1), delay=0.05)
        for _ in range(5):  # five keystrokes closer together than the delay
            save()
            await asyncio.sleep(0.01)
        assert calls == []
        await asyncio.sleep(0.15)

    asyncio.run(typing())
    assert calls == [1]


def test_a_note_is_saved_with_the_time_and_an_unsaved_one_says_why(git_repo, tmp_path):
    repo = git_repo([{"app/__init__.py": "", "app/a.py": "def f():\n    return 1\n"}])
    review = open_review(analyze(repo.path), tmp_path / "d.json")
    item = review.checklist.item(3)
    box = item_widget(review, item)
    verdict, _severity, note, state = box.children
    note.value = "swallowed errors in the push channel"  # no event loop here: saved at once
    assert review.decision(3).note == "swallowed errors in the push channel"
    assert re.match(r"saved \d\d:\d\d:\d\d to d\.json$", state.value), state.value
    (tmp_path / "d.json").write_text("{not json", encoding="utf-8")  # someone broke the file
    verdict.value = "concern"
    assert state.value.startswith("NOT SAVED: "), state.value


def _tour_repo(git_repo):
    """A change that brings a message queue (new infrastructure) and a blocking call inside an async handler."""
    base = {"app/__init__.py": "", "app/orders.py": "def total(items):\n    return sum(items)\n"}
    change = {
        "app/events.py": "import pika\n\n\ndef publish(body):\n    conn = pika.BlockingConnection()\n"
                         "    conn.channel().basic_publish(exchange='', routing_key='orders', body=body)\n",
        "app/prices.py": "import requests\n\n\nasync def price(url):\n    return requests.get(url, timeout=5).json()\n",
        "requirements.txt": "pika\nrequests\n",
    }
    return git_repo([base], branches={"feature": [change]})


def test_the_tour_walks_new_infrastructure_first_then_findings_then_the_rest(git_repo, tmp_path):
    from archreview.workbook.review import INFRASTRUCTURE_RULES
    from archreview.workbook.widgets import Tour, progress_widget

    repo = _tour_repo(git_repo)
    review = open_review(analyze(repo.path, "main", "feature"), tmp_path / "d.json", live=True)
    order = [it.number for it in review.tour()]
    assert sorted(order) == list(range(1, 23))
    tiers = [0 if any(f.rule.startswith(INFRASTRUCTURE_RULES) for f in review.evidence(n)) else
             1 if review.evidence(n) else 2 for n in order]
    assert tiers == sorted(tiers) and tiers[0] == 0 and 1 in tiers and tiers[-1] == 2, list(zip(order, tiers))
    assert tiers[order.index(21)] == 1  # fit question 4's evidence: brought by the change, not an infrastructure rule

    progress = progress_widget(review)
    boxes = {it.number: item_widget(review, it, progress) for it in review.checklist.items}
    tour = Tour(review, boxes, lambda it: f"<p>card {it.number}</p>")
    progress.listeners.append(tour.refresh)
    assert tour.where.value.startswith("item 1 of 22, 0 reviewed — Item ")
    assert tour.previous.disabled and not tour.next.disabled
    assert tour.box.children[2] is boxes[order[0]] and tour.shown.value == f"<p>card {order[0]}</p>"
    tour.next.click()
    tour.next.click()
    assert tour.where.value.startswith(f"item 3 of 22, 0 reviewed — Item {order[2]}: ")
    assert tour.box.children[2] is boxes[order[2]]  # the list's own widget: one verdict, shown in both places
    boxes[order[2]].children[0].value = "concern"  # recorded through the tour
    assert review.decision(order[2]).status == "concern"
    assert tour.where.value.startswith("item 3 of 22, 1 reviewed")
    tour.go(99)
    assert tour.position == 21 and tour.next.disabled


def test_a_finding_marked_false_positive_leaves_the_evidence_and_is_kept_by_fingerprint(git_repo, tmp_path):
    from archreview.decisions import DecisionStore
    from archreview.workbook.sections import _items_html

    repo = _tour_repo(git_repo)
    analysis = analyze(repo.path, "main", "feature")
    review = open_review(analysis, tmp_path / "d.json", live=True, reviewer="Ada")
    found = next(f for f in review.evidence(21) if f.rule == "fit.q4")
    before = review.brought_count()
    verdict = review.record(21, "concern", "a queue the architecture does not have")
    box = item_widget(review, review.checklist.item(21))
    opener, rows = box.children[-2:]
    row = next(r for r in rows.children if r.children[0].value.startswith(f"{found.path}:{found.line} — "))
    call, reason = row.children[1].children
    call.value = "false_positive"
    assert row.children[2].value.endswith("add the reason, the report shows it")
    reason.value = "the queue was agreed with the client"  # no event loop here: saved at once
    assert re.match(r"saved \d\d:\d\d:\d\d to d\.json$", row.children[2].value), row.children[2].value

    stored = DecisionStore(tmp_path / "d.json").finding(found.fingerprint)
    assert (stored.status, stored.reason, stored.reviewer, stored.item, stored.path) == (
        "false_positive", "the queue was agreed with the client", "Ada", 21, found.path)
    again = open_review(analyze(repo.path, "main", "feature"), tmp_path / "d.json")  # a later run, same finding
    assert found.fingerprint not in {f.fingerprint for f in again.evidence(21)}
    assert [(f.fingerprint, d.status) for f, d in again.dismissed(21)] == [(found.fingerprint, "false_positive")]
    assert again.brought_count() == before - 1 and again.dismissed_count() == 1
    assert not again.needs_rereview(21) and again.decision(21) == verdict  # dismissing is not new evidence
    html = _items_html(again, (again.checklist.item(21),))
    assert "Dismissed by the reviewer: 1 finding (not counted)" in html
    assert "the queue was agreed with the client" in html and "false positive" in html

    call.value = "open"  # taken back: evidence again
    assert found.fingerprint in {f.fingerprint for f in open_review(analysis, tmp_path / "d.json").evidence(21)}
