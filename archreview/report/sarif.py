"""SARIF 2.1.0 for code-scanning views: one rule per checklist rule, one result per finding.

Locations are relative to the repository root (``uriBaseId`` SRCROOT), levels follow
the checklist item's severity at the declared scale, and ``partialFingerprints``
carry the finding's stable fingerprint so a code-scanning view tracks it across runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from archreview import __version__
from archreview.checklist.items import Checklist, Item, load_checklist, severity
from archreview.core.model import Analysis, Finding
from archreview.core.redact import redact
from archreview.core.vocab import Severity
from archreview.decisions import FindingDecision

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "archreview/v1"
LEVELS: dict[Severity, str] = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def document(analysis: Analysis, checklist: Checklist | None = None,
             dismissed: Mapping[str, FindingDecision] | None = None) -> dict[str, Any]:
    """The SARIF log; a finding in ``dismissed`` (by fingerprint: marked a false positive or accepted) carries
    an external suppression with the reviewer's reason (SARIF 2.1.0, 3.27.23 and 3.35)."""
    checklist = checklist or load_checklist()
    dismissed = dismissed or {}
    users = analysis.context.scale.users if analysis.context else None
    rules = _rules(analysis.findings, checklist)
    index = {rule_id: i for i, (rule_id, _) in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "archreview",
                "version": __version__,
                "informationUri": "https://pypi.org/project/archreview/",
                "rules": [_rule(rule_id, item, users) for rule_id, item in rules],
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The root of the reviewed repository."}}},
            "versionControlProvenance": _provenance(analysis),
            "results": [_result(f, index[f.rule or f"item-{f.item}"], checklist, users, dismissed.get(f.fingerprint))
                        for f in analysis.findings],
            "columnKind": "unicodeCodePoints",
        }],
    }


def write(analysis: Analysis, path: str, dismissed: Mapping[str, FindingDecision] | None = None) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document(analysis, dismissed=dismissed), out, indent=1, ensure_ascii=False)
        out.write("\n")


def _rules(findings: tuple[Finding, ...], checklist: Checklist) -> list[tuple[str, Item]]:
    """Every rule of the checklist, plus any rule a finding names that the checklist does not list."""
    seen: dict[str, Item] = {}
    for item in checklist.items:
        for rule_id in item.detectors:
            seen.setdefault(rule_id, item)
    for f in findings:
        seen.setdefault(f.rule or f"item-{f.item}", checklist.item(f.item))
    return sorted(seen.items())


def _rule(rule_id: str, item: Item, users: int | None) -> dict[str, Any]:
    help_text = "\n".join([item.why, "", "Questions to ask:", *(f"- {q}" for q in item.questions), "",
                           "Mitigations:", *(f"- {m}" for m in item.mitigations)])
    return {
        "id": rule_id,
        "name": rule_id.replace(".", "_"),
        "shortDescription": {"text": f"{item.number}. {item.title}"},
        "fullDescription": {"text": item.why},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[severity(item, users)]},
        "properties": {"checklist_item": item.number, "category": item.category.title},
    }


def _result(f: Finding, rule_index: int, checklist: Checklist, users: int | None,
            decision: FindingDecision | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule or f"item-{f.item}",
        "ruleIndex": rule_index,
        "level": LEVELS[severity(checklist.item(f.item), users)],
        "message": {"text": redact(f.message)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "SRCROOT"},
            "region": {"startLine": max(1, f.line), **({"snippet": {"text": redact(f.snippet)}} if f.snippet else {})},
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"confidence": f.confidence, "checklist_item": f.item,
                       **({"new_in_change": f.new} if f.new is not None else {})},
    }
    if f.baseline is not None:
        result["baselineState"] = f.baseline
    if decision is not None and decision.dismissed:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": redact(f"{decision.status.replace('_', ' ')}: {decision.reason}"
                                                           if decision.reason else decision.status.replace("_", " ")),
                                   **({"properties": {"reviewer": decision.reviewer}} if decision.reviewer else {})}]
    return result


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/")


def _provenance(a: Analysis) -> list[dict[str, Any]]:
    if not (a.repo.is_git and a.repo.head):
        return []
    from pathlib import Path

    return [{"repositoryUri": Path(a.repo.path).resolve().as_uri(), "revisionId": a.repo.head,
             "mappedTo": {"uriBaseId": "SRCROOT"}}]
