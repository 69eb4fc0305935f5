"""The packaged checklist: complete, validated on load, scale-calibrated."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from archreview.checklist.items import SEVERITIES, categories, load_checklist, parse_checklist, severity
from archreview.core.errors import CatalogueError

TEXT = resources.files("archreview").joinpath("data/checklist.toml").read_text("utf-8")


def test_the_packaged_checklist_has_22_items_in_7_categories() -> None:
    checklist = load_checklist()
    assert [it.number for it in checklist.items] == list(range(1, 23))
    assert [c.id for c in categories()] == list(range(1, 8))
    assert [len(checklist.in_category(c)) for c in range(1, 8)] == [4, 3, 3, 3, 3, 3, 3]
    assert checklist.item(7).category.title == "Concurrency"


def test_every_item_is_written_out() -> None:
    for it in load_checklist().items:
        assert it.title and it.signals and it.questions and it.mitigations, it.number
        assert 2 <= len(re.findall(r"[.!?](\s|$)", it.why)) <= 4, f"item {it.number}: why in 2-3 sentences"
        assert it.severity in SEVERITIES
        assert it.detectors or it.no_detector_reason


def test_items_map_to_their_rules() -> None:
    checklist = load_checklist()
    assert checklist.item_for_rule("timeout.missing").number == 1
    assert checklist.item_for_rule("invariant.check_then_insert").number == 10
    assert checklist.item_for_rule("no.such.rule") is None


@pytest.mark.parametrize(
    ("number", "users", "expected"),
    [
        (1, 50, "high"),  # a missing timeout is a risk at any scale
        (1, 1_000_000, "high"),
        (1, None, "high"),
        (22, 50, "low"),  # over-engineering for 50 users: a cost, not an outage
        (22, 5_000, "medium"),
        (12, 200, "low"),
        (12, 20_000, "medium"),
        (12, 100_000, "high"),
        (6, 50_000, "high"),
        (2, 10, "critical"),
    ],
)
def test_severity_follows_the_declared_scale(number: int, users: int | None, expected: str) -> None:
    assert severity(load_checklist().item(number), users) == expected


def _edit(old: str, new: str) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_edit("number = 22", "number = 21"), "duplicated [21]"),
        (_edit('severity = "critical"', 'severity = "urgent"'), "checklist item 2: severity 'urgent'"),
        (_edit('questions = [\n  "What happens to this request', 'questions = []\nx = [\n  "What'), "item 1: 'questions' must not be empty"),
        (_edit('detectors = ["except.swallowed", "opens.broker_poison_message"]', "detectors = []"), "item 3: list its detectors"),
        (_edit("[[categories]]\nid = 7", "[[categories]]\nid = 8"), "categories 1..7"),
        (_edit('scale = "any"', 'scale = "sometimes"'), "item 1: 'scale'"),
        ("items = [", "not valid TOML"),
    ],
)
def test_invalid_checklists_are_refused_with_the_item_named(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse_checklist(text)


def test_checklist_rule_ids_are_validated_against_the_registry() -> None:
    registered = {r: i.number for i in parse_checklist(TEXT).items for r in i.detectors}
    assert parse_checklist(TEXT, registered).item(1).detectors  # the same ids, the same items: accepted
    unknown = {r: n for r, n in registered.items() if r != "timeout.client_default"}
    with pytest.raises(CatalogueError, match="item 1: detector rule 'timeout.client_default' is not in the rule registry"):
        parse_checklist(TEXT, unknown)
    with pytest.raises(CatalogueError, match="registered for item 2"):
        parse_checklist(TEXT, {**registered, "timeout.missing": 2})
    with pytest.raises(CatalogueError, match=r"registered rules \['tls.off'\] are not listed"):
        parse_checklist(TEXT, {**registered, "tls.off": 14})


def test_an_item_without_detector_needs_a_reason() -> None:
    text = _edit('detectors = ["except.swallowed", "opens.broker_poison_message"]', 'detectors = []\nno_detector_reason = "only people know"')
    assert parse_checklist(text).item(3).no_detector_reason == "only people know"
