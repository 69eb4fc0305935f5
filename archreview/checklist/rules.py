"""The rule registry: each detector rule declared once, as data (``data/rules.toml``).

A rule has an id, the checklist item it attaches findings to, a message template, a
base confidence, where it is shown (the client report, or only the live workbook as a
lead) and its scope in a change review. Detectors emit rule ids and message fields,
never item numbers or confidences: ``finding(ctx, "timeout.missing", node, call=name)``.
``checklist.toml`` is validated against this registry when it loads.
"""

from __future__ import annotations

import ast
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from archreview.core.errors import CatalogueError
from archreview.core.model import Finding
from archreview.core.redact import redact

Shown = Literal["report", "lead"]
Scope = Literal["line", "change"]
SHOWN: tuple[Shown, ...] = ("report", "lead")
SCOPES: tuple[Scope, ...] = ("line", "change")
ITEMS = range(1, 23)
# Below this confidence a finding is more often wrong than right on real code: a lead, not evidence.
REPORT_FLOOR = 0.5


@dataclass(frozen=True, slots=True)
class Wording:
    name: str  # "" for the rule's own message
    message: str  # str.format template
    confidence: float


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    item: int
    wordings: tuple[Wording, ...]  # the first is the default
    shown: Shown = "report"
    scope: Scope = "line"
    measured: tuple[int, int] | None = None  # (right, labelled) on the tuned+looked real-code corpus
    held_back: tuple[int, int] | None = None  # (right, shown) on held-back sets, each scored once
    held_back_current: tuple[int, int] | None = None  # the same, on the sets scored with the rule as it ships
    corpus: tuple[int, int] | None = None  # (right, labelled) at the report's floor over every labelled set, as it ships

    @property
    def confidence(self) -> float:
        return self.wordings[0].confidence

    def wording(self, variant: str = "") -> Wording:
        for w in self.wordings:
            if w.name == variant:
                return w
        raise KeyError(f"rule {self.id} has no variant {variant!r}")

    def render(self, variant: str = "", scale: float = 1.0, **fields: object) -> tuple[str, float]:
        """(message, confidence) for a finding of this rule."""
        w = self.wording(variant)
        return w.message.format(**fields), round(min(1.0, w.confidence * scale), 2)


# --- loading and validation ----------------------------------------------------------------


@cache
def registry() -> dict[str, Rule]:
    """Every rule, by id, from the packaged ``data/rules.toml``."""
    text = resources.files("archreview").joinpath("data/rules.toml").read_text("utf-8")
    return parse_rules(text)


def parse_rules(text: str) -> dict[str, Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"rule registry is not valid TOML: {exc}", path="rules.toml") from exc
    rules: dict[str, Rule] = {}
    for raw in data.get("rule", []):
        rule = _parse_rule(raw)
        if rule.id in rules:
            raise CatalogueError(f"rule {rule.id!r} is declared twice", path="rules.toml")
        rules[rule.id] = rule
    return rules


def _parse_rule(raw: dict) -> Rule:
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip() or " " in rid:
        raise CatalogueError(f"a rule needs an 'id' without spaces, got {rid!r}", path="rules.toml")
    where = f"rule {rid!r}"
    item = raw.get("item")
    if not isinstance(item, int) or item not in ITEMS:
        raise CatalogueError(f"{where}: 'item' must be a checklist item 1..22", path="rules.toml")
    shown, scope = raw.get("shown", "report"), raw.get("scope", "line")
    if shown not in SHOWN or scope not in SCOPES:
        raise CatalogueError(f"{where}: 'shown' must be one of {SHOWN} and 'scope' one of {SCOPES}", path="rules.toml")
    measured, held_back, current, corpus = (_figure(where, key, raw.get(key))
                                            for key in ("measured", "held_back", "held_back_current", "corpus"))
    wordings = [_wording(where, "", raw)]
    for var in raw.get("variant", []):
        name = var.get("name")
        if not isinstance(name, str) or not name or name in {w.name for w in wordings}:
            raise CatalogueError(f"{where}: each variant needs a new, non-empty 'name'", path="rules.toml")
        wordings.append(_wording(f"{where} variant {name!r}", name, var))
    return Rule(rid, item, tuple(wordings), shown, scope, measured, held_back, current, corpus)


def _figure(where: str, key: str, value: object) -> tuple[int, int] | None:
    """A "right/labelled" figure of the rules file, or None when the rule has none."""
    if value is None:
        return None
    right, _, labelled = str(value).partition("/")
    if not (right.isdigit() and labelled.isdigit() and int(right) <= int(labelled)):
        raise CatalogueError(f"{where}: '{key}' must read \"right/labelled\", got {value!r}", path="rules.toml")
    return int(right), int(labelled)


def _wording(where: str, name: str, raw: dict) -> Wording:
    message, confidence = raw.get("message"), raw.get("confidence")
    if not isinstance(message, str) or not message.strip():
        raise CatalogueError(f"{where}: 'message' must be non-empty text", path="rules.toml")
    try:
        list(string.Formatter().parse(message))
    except ValueError as exc:
        raise CatalogueError(f"{where}: the message is not a valid template: {exc}", path="rules.toml") from exc
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence <= 1:
        raise CatalogueError(f"{where}: 'confidence' must be a number in (0, 1]", path="rules.toml")
    return Wording(name, " ".join(message.split()), float(confidence))


# --- what detectors and the review call ------------------------------------------------------


def rule(rule_id: str) -> Rule:
    try:
        return registry()[rule_id]
    except KeyError:
        raise KeyError(f"rule {rule_id!r} is not in data/rules.toml; declare it there") from None


def rule_shown(rule_id: str) -> Shown:
    """Where findings of this rule are shown: "report" (client report, --fail-on) or "lead" (live only)."""
    found = registry().get(rule_id)
    return found.shown if found is not None else "report"


def in_report(f: Finding) -> bool:
    """Does this finding belong in the client report, the headline and --fail-on?

    Its rule must be a "report" rule (precise on real code) and the finding itself at
    least ``REPORT_FLOOR`` confident; the rest are leads for the live workbook.
    """
    return rule_shown(f.rule) == "report" and f.confidence >= REPORT_FLOOR


def change_scoped(rule_id: str) -> bool:
    found = registry().get(rule_id)
    return found is not None and found.scope == "change"


def make(rule_id: str, path: str, line: int, variant: str = "", *, snippet: str = "", scale: float = 1.0,
         **fields: object) -> Finding:
    """A finding of ``rule_id`` at ``path:line``, worded and weighted by the registry."""
    r = rule(rule_id)
    message, confidence = r.render(variant, scale, **fields)
    # redacted as it is made, before it is cached or shown (a snippet is already redacted whole, then cut)
    return Finding(r.item, path, line, redact(message), confidence, redact(snippet), rule_id)


def finding(ctx, rule_id: str, node: ast.AST | int, variant: str = "", *, scale: float = 1.0,
            **fields: object) -> Finding:
    """A finding of ``rule_id`` at ``node`` of the file ``ctx`` (a ``FileContext``), with its snippet."""
    line = node if isinstance(node, int) else getattr(node, "lineno", 1)
    return make(rule_id, ctx.path, line, variant, snippet=ctx.snippet(line), scale=scale, **fields)
