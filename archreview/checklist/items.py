"""The 22-item pre-production checklist, loaded from packaged data.

The checklist is data (``archreview/data/checklist.toml``), not code: adding a
signal or rewording a question is a data change. It is validated on load so a
broken edit fails at once with the item named, instead of showing up as an
empty section in a client's report. Severity is calibrated by the declared
scale: the same finding matters differently for 50 users and for 100,000.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from archreview.checklist.rules import registry
from archreview.core.errors import CatalogueError
from archreview.core.vocab import SEVERITIES, Severity
ITEM_COUNT = 22
CATEGORY_COUNT = 7
_TEXT_LISTS = ("signals", "questions", "mitigations")


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class ScaleRule:
    """Severity for a range of declared users: ``below_users`` or ``from_users``."""

    severity: Severity
    note: str = ""
    below_users: int | None = None
    from_users: int | None = None

    def applies(self, users: int) -> bool:
        if self.below_users is not None and users >= self.below_users:
            return False
        return self.from_users is None or users >= self.from_users


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    category: Category
    title: str
    why: str
    signals: tuple[str, ...]
    questions: tuple[str, ...]
    mitigations: tuple[str, ...]
    severity: Severity  # the default, before the declared scale is applied
    scale: tuple[ScaleRule, ...] = ()  # empty: the same at any scale
    detectors: tuple[str, ...] = ()
    no_detector_reason: str = ""


@dataclass(frozen=True, slots=True)
class Checklist:
    categories: tuple[Category, ...]
    items: tuple[Item, ...]

    def item(self, number: int) -> Item:
        for it in self.items:
            if it.number == number:
                return it
        raise KeyError(number)

    def in_category(self, category: int) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.category.id == category)

    def item_for_rule(self, rule: str) -> Item | None:
        """The item a detector rule id attaches findings to, if any."""
        return next((it for it in self.items if rule in it.detectors), None)


# --- public API ---------------------------------------------------------------


@cache
def load_checklist() -> Checklist:
    """The packaged checklist, validated against the detectors' declared rules."""
    text = resources.files("archreview").joinpath("data/checklist.toml").read_text("utf-8")
    return parse_checklist(text, declared_rules())


def categories() -> tuple[Category, ...]:
    """The seven categories, in checklist order."""
    return load_checklist().categories


def severity(item: Item, users: int | None) -> Severity:
    """The item's severity for a declared number of users (None: not declared).

    Without a declared scale the default stands; a missing timeout is high at
    any scale, a circuit breaker for 50 users is low-severity over-engineering.
    """
    if users is None:
        return item.severity
    for rule in item.scale:
        if rule.applies(users):
            return rule.severity
    return item.severity


def declared_rules() -> dict[str, int]:
    """Rule id -> checklist item, from the rule registry (``data/rules.toml``)."""
    return {rid: r.item for rid, r in registry().items()}


# --- parsing and validation (pure) --------------------------------------------


def parse_checklist(text: str, rules: dict[str, int] | None = None) -> Checklist:
    """Parse and validate checklist TOML; ``rules`` maps rule ids to items, as ``declared_rules()``.

    With ``rules``, every detector an item lists must be a registered rule of that item,
    and every registered rule must be listed under its item: nothing attaches findings
    to an item behind the checklist's back.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"checklist is not valid TOML: {exc}", path="checklist.toml") from exc
    cats = _parse_categories(data.get("categories", []))
    by_id = {c.id: c for c in cats}
    items = tuple(sorted((_parse_item(raw, by_id) for raw in data.get("items", [])), key=lambda i: i.number))
    _check_numbers(items)
    if rules is not None:
        _check_rules(items, rules)
    return Checklist(cats, items)


def _parse_categories(raw: list) -> tuple[Category, ...]:
    cats = tuple(sorted((Category(int(c.get("id", 0)), str(c.get("title", ""))) for c in raw), key=lambda c: c.id))
    if [c.id for c in cats] != list(range(1, CATEGORY_COUNT + 1)):
        raise CatalogueError(f"checklist needs categories 1..{CATEGORY_COUNT} once each, found {[c.id for c in cats]}")
    for c in cats:
        if not c.title.strip():
            raise CatalogueError(f"category {c.id} has no title")
    return cats


def _parse_item(raw: dict, cats: dict[int, Category]) -> Item:
    number = raw.get("number")
    where = f"checklist item {number!r}"
    if not isinstance(number, int):
        raise CatalogueError(f"{where}: 'number' must be an integer 1..{ITEM_COUNT}")
    if raw.get("category") not in cats:
        raise CatalogueError(f"{where}: 'category' must be one of {sorted(cats)}")
    texts: dict[str, str] = {}
    for key in ("title", "why"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{where}: '{key}' must be non-empty text")
        texts[key] = value
    lists = {key: _text_list(raw.get(key), f"{where}: '{key}'") for key in _TEXT_LISTS}
    sev = raw.get("severity")
    if sev not in SEVERITIES:
        raise CatalogueError(f"{where}: severity {sev!r} is not one of {', '.join(SEVERITIES)}")
    detectors = _text_list(raw.get("detectors", []), f"{where}: 'detectors'", allow_empty=True)
    reason = str(raw.get("no_detector_reason", "")).strip()
    if not detectors and not reason:
        raise CatalogueError(f"{where}: list its detectors, or say in 'no_detector_reason' why none can exist")
    return Item(
        number, cats[raw["category"]], texts["title"].strip(), " ".join(texts["why"].split()),
        lists["signals"], lists["questions"], lists["mitigations"], sev,
        _parse_scale(raw.get("scale"), where), detectors, reason,
    )  # fmt: skip


def _text_list(value: object, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{where} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise CatalogueError(f"{where} must not be empty")
    return tuple(v.strip() for v in value)


def _parse_scale(value: object, where: str) -> tuple[ScaleRule, ...]:
    if value == "any":
        return ()
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{where}: 'scale' must be \"any\" or a list of {{below_users|from_users, severity, note}}")
    rules = []
    for raw in value:
        below, above = raw.get("below_users"), raw.get("from_users")
        if raw.get("severity") not in SEVERITIES or (below is None and above is None):
            raise CatalogueError(f"{where}: each scale rule needs below_users or from_users and a known severity")
        if not all(v is None or (isinstance(v, int) and v > 0) for v in (below, above)):
            raise CatalogueError(f"{where}: below_users / from_users must be positive integers")
        rules.append(ScaleRule(raw["severity"], str(raw.get("note", "")), below, above))
    return tuple(rules)


def _check_numbers(items: tuple[Item, ...]) -> None:
    numbers = [it.number for it in items]
    missing = sorted(set(range(1, ITEM_COUNT + 1)) - set(numbers))
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    extra = sorted(n for n in set(numbers) if not 1 <= n <= ITEM_COUNT)
    if missing or dupes or extra:
        raise CatalogueError(f"checklist items must be numbered 1..{ITEM_COUNT} once each: missing {missing}, duplicated {dupes}, out of range {extra}")


def _check_rules(items: tuple[Item, ...], declared: dict[str, int]) -> None:
    listed: dict[str, int] = {}
    for item in items:
        for rule in item.detectors:
            if rule not in declared:
                raise CatalogueError(f"checklist item {item.number}: detector rule {rule!r} is not in the rule registry "
                                     "(archreview/data/rules.toml); declare it there")
            if declared[rule] != item.number:
                raise CatalogueError(f"checklist item {item.number}: rule {rule!r} is registered for item {declared[rule]}")
            listed[rule] = item.number
    unlisted = sorted(set(declared) - set(listed))
    if unlisted:
        raise CatalogueError(f"registered rules {unlisted} are not listed under their checklist item's 'detectors'")
