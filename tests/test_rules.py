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
