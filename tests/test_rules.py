"""Every finding's rule id is in the rule registry and listed under its item."""

from __future__ import annotations

import ast
from pathlib import Path

from archreview.checklist.items import load_checklist
from archreview.checklist.detectors import file_findings

CORPUS = Path(__file__).parent / "corpus"


def test_every_rule_a_detector_emits_belongs_to_its_item():
    checklist = load_checklist()
    seen = set()
    for path in sorted(CORPUS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for finding in file_findings(str(path.relative_to(CORPUS)), ast.parse(text), text):
            item = checklist.item_for_rule(finding.rule)
            assert item is not None and item.number == finding.item, (finding.rule, finding.item)
            seen.add(finding.rule)
    assert len(seen) >= 25  # the corpus exercises most rules, so this check has teeth


def test_a_detector_rule_is_in_the_client_report_only_once_it_is_measured_on_held_back_code():
    """The policy of data/rules.toml: a per-file rule (items 1-19) is shown in the client report
    only with at least 5 labels and precision 0.8 on the tuned+looked real-code corpus
    (``measured``), and precision 0.8 on held-back sets, each scored once: over every such set, with at
    least 5 report findings (``held_back``), or over the sets scored with the rule as it ships, with at
    least 10 (``held_back_current``); and, since 2026-12-08, precision 0.8 over every labelled set at once,
    as it ships, with at least 10 findings at the report's floor (``corpus``)."""
    from archreview.checklist.rules import registry

    def holds(figure: tuple[int, int] | None, least: int) -> bool:
        return figure is not None and figure[1] >= least and figure[0] / figure[1] >= 0.8

    shown = [r for r in registry().values() if r.shown == "report" and r.item <= 19 and r.scope == "line"]
    assert shown, "no detector rule is in the report: the check would be empty"
    for r in shown:
        assert holds(r.measured, 5), (r.id, "measured", r.measured)
        assert holds(r.held_back, 5) or holds(r.held_back_current, 10), (r.id, r.held_back, r.held_back_current)
        assert holds(r.corpus, 10), (r.id, "corpus", r.corpus)


def test_a_measured_figure_must_read_right_over_labelled():
    import pytest

    from archreview.checklist.rules import parse_rules
    from archreview.core.errors import CatalogueError

    text = 'id = "x.y"\nitem = 1\nmessage = "m"\nconfidence = 0.5\n'
    assert parse_rules(f'[[rule]]\n{text}measured = "9/10"\n')["x.y"].measured == (9, 10)
    with pytest.raises(CatalogueError, match="right/labelled"):
        parse_rules(f'[[rule]]\n{text}measured = "10/9"\n')
    assert parse_rules(f'[[rule]]\n{text}held_back = "67/74"\n')["x.y"].held_back == (67, 74)
    with pytest.raises(CatalogueError, match="'held_back' must read"):
        parse_rules(f'[[rule]]\n{text}held_back = "most"\n')
    assert parse_rules(f'[[rule]]\n{text}held_back_current = "9/11"\n')["x.y"].held_back_current == (9, 11)
    with pytest.raises(CatalogueError, match="'held_back_current' must read"):
        parse_rules(f'[[rule]]\n{text}held_back_current = "11/9"\n')
    assert parse_rules(f'[[rule]]\n{text}corpus = "207/275"\n')["x.y"].corpus == (207, 275)
    with pytest.raises(CatalogueError, match="'corpus' must read"):
        parse_rules(f'[[rule]]\n{text}corpus = "3/2"\n')
