"""Architecture fit: items 20-22, computed from the change analysis, not from one file.

Item 20 turns each piece of new infrastructure into a finding; item 21 turns fit-test
drift and layer/cycle violations into findings; item 22 looks for machinery the
declared scale does not need: abstractions with a single implementation, factories
and strategies with one product, buses, event stores, circuit breakers and DI
containers. A circuit breaker in a 50-user app is over-engineering; at 500,000 users
it may be the right call, so confidence falls as the declared scale grows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from archreview.checklist.rules import make
from archreview.checklist.rules import rule as rule_of
from archreview.core.model import ClassInfo, FitAnswer, Finding, InfraFinding, Snapshot, Violation
from archreview.core.vocab import KIND_LABELS
from archreview.sources.roles import is_test

_HEAVY_KINDS = {"event_bus": "an event bus", "event_sourcing": "an event store", "circuit_breaker":
                "a circuit breaker", "di_container": "a DI container"}
_HEAVY_CLASSES = re.compile(r"(Event|Message|Command|Query)Bus$|EventStore$|CircuitBreaker$|ServiceLocator$|"
                            r"(DI|Dependency|Service|IoC)Container$|Mediator$|EventDispatcher$")
_PATTERN_SUFFIXES = ("Factory", "Builder")


def repo_findings(head: Snapshot, new_infra: Sequence[InfraFinding], fit: Sequence[FitAnswer],
                  violations: Sequence[Violation], users: int | None,
                  changed: Collection[str] = ()) -> tuple[Finding, ...]:
    """Findings for items 20-22, sorted by (item, path, line, rule)."""
    found = [*infra_findings(new_infra), *opened_risks(new_infra), *fit_findings(fit, violations, changed, head),
             *overengineering(head, new_infra, users, changed)]
    return tuple(sorted(set(found), key=lambda f: (f.item, f.path, f.line, f.rule, f.message)))


# --- item 20 -----------------------------------------------------------------------------


def infra_findings(new_infra: Sequence[InfraFinding]) -> Iterator[Finding]:
    """Item 20: one finding per new piece of infrastructure that is not only used by tests."""
    for infra in new_infra:
        if infra.test_only or not infra.evidence:
            continue
        where = infra.evidence[0]
        more = f" (and {len(infra.evidence) - 1} more places)" if len(infra.evidence) > 1 else ""
        rule = "infra.declared_unused" if infra.declared_unused else "infra.declared_used" if infra.declared_used \
            else "infra.new"
        yield make(rule, where.path, where.line or 1, kind=KIND_LABELS.get(infra.kind, infra.kind), name=infra.name,
                   more=more)  # the message is prose a client reads: the kind's label, never its id


# --- what new infrastructure opens, under items 2-17 ----------------------------------------

_BROKERS = frozenset({"message_queue", "task_queue", "pubsub", "event_bus"})
# kind -> the rules (questions) that kind of infrastructure opens in the checklist
OPENS = {
    **{kind: ("opens.broker_dual_write", "opens.broker_idempotent_consumer", "opens.broker_poison_message",
              "opens.broker_ordering") for kind in _BROKERS},
    "database": ("opens.database_read_after_write", "opens.database_two_engines"),
    "cache": ("opens.cache_invalidation", "opens.cache_stampede"),
    "scheduler": ("opens.scheduler_overlap",),
    "retry": ("opens.retry_non_idempotent",),
}


def opened_items(kind: str) -> tuple[int, ...]:
    """The checklist items a new piece of this kind opens: item 20 for any, and those of its questions."""
    return tuple(sorted({20, *(rule_of(r).item for r in OPENS.get(kind, ()))}))


def opened_risks(new_infra: Sequence[InfraFinding]) -> Iterator[Finding]:
    """The checklist questions each new kind of infrastructure opens, with evidence at its own lines.

    A broker makes every "write the database, then publish" a dual write and every consumer
    at-least-once; a second engine or a replica brings read-after-write lag and transactions
    that cannot span both; a cache must be invalidated and can stampede; a scheduler's runs can
    overlap; a retry library repeats whatever it wraps.
    """
    for infra in new_infra:
        if infra.test_only or not infra.evidence or infra.kind not in OPENS:
            continue
        where = infra.evidence[0]
        for rule in OPENS[infra.kind]:
            yield make(rule, where.path, where.line or 1, kind=KIND_LABELS.get(infra.kind, infra.kind), name=infra.name)


# --- item 21 -----------------------------------------------------------------------------


def fit_findings(fit: Sequence[FitAnswer], violations: Sequence[Violation], changed: Collection[str],
                 head: Snapshot) -> Iterator[Finding]:
    """Item 21: fit-test answers that drift, and imports that break layers or close cycles."""
    fallback = sorted(changed)[:1] or [f.path for f in head.files[:1]]
    for answer in fit:
        if answer.verdict != "drifts":
            continue
        # Each place says what it shows; the question's summary (the fit test's sentence) is said once, in the fit test.
        places = ([(e.path, e.line or 1, e.text) for e in answer.evidence[:5]]
                  or [(p, 1, answer.summary) for p in fallback])
        for path, line, text in places:
            yield make(f"fit.q{answer.question}", path, line, summary=text)
    for v in violations:
        rule = "fit.layer_violation" if v.rule == "layer" else "fit.new_cycle"
        msg = v.message or f"{v.importer} imports {v.imported}"
        yield make(rule, v.path, v.line, message=msg)


# --- item 22 -----------------------------------------------------------------------------


def _scale(users: int | None) -> tuple[float, str]:
    """Confidence multiplier and wording for the declared number of users."""
    if users is None:
        return 0.6, "no declared scale"
    if users < 1_000:
        return 1.0, f"a declared {users:,} users"
    if users < 100_000:
        return 0.6, f"a declared {users:,} users"
    return 0.3, f"a declared {users:,} users, where it may be justified"


def _classes(head: Snapshot) -> list[tuple[str, ClassInfo]]:
    return [(f.path, c) for f in head.files for c in f.classes]


def _base(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _implementations(abstract: ClassInfo, classes: list[tuple[str, ClassInfo]]) -> list[ClassInfo]:
    """Subclasses; for a Protocol, also classes that structurally provide every method."""
    subs = [c for _, c in classes if abstract.name in map(_base, c.bases) and not c.abstract]
    if "Protocol" in map(_base, abstract.bases) and abstract.methods:
        wanted = set(abstract.methods)
        subs += [c for _, c in classes if c is not abstract and not c.abstract and c not in subs
                 and wanted <= set(c.methods)]
    return subs


def _single_implementations(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str, dict]]:
    for path, cls in classes:
        if not cls.abstract or is_test(path):
            continue
        impls = _implementations(cls, classes)
        if len(impls) == 1:
            yield path, cls, "", {"impl": impls[0].name}


# An enumeration is a set of values, not a pattern: keep's ``WorkflowStrategy(enum.Enum)`` names three run
# strategies as its members (held12, tuned after looking).
_ENUM_BASES = re.compile(r"(Enum|Flag|Choices)$")


def _is_enum(cls: ClassInfo) -> bool:
    return any(_ENUM_BASES.search(_base(b)) for b in cls.bases)


def _one_product_patterns(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str, dict]]:
    strategies = [(p, c) for p, c in classes if c.name.endswith("Strategy") and not is_test(p)]
    concrete = [c for _, c in strategies if not c.abstract]
    if len(concrete) == 1 and not _is_enum(concrete[0]):
        path, cls = next((p, c) for p, c in strategies if c is concrete[0])
        yield path, cls, "strategy", {}
    for path, cls in classes:
        suffix = next((s for s in _PATTERN_SUFFIXES if cls.name.endswith(s) and cls.name != s), None)
        if suffix is None or is_test(path) or _is_enum(cls) or any(_base(b).endswith(suffix) for b in cls.bases):
            continue  # factory_boy declarations and members of a factory hierarchy
        product = cls.name[: -len(suffix)]
        family = [c for _, c in classes if not c.abstract and not c.name.endswith(suffix)
                  and (c.name.endswith(product) or product in map(_base, c.bases))]
        parents = {_base(b) for c in family for b in c.bases}
        products = {c.name for c in family if c.name not in parents}
        if len(products) <= 1:
            yield path, cls, "", {"count": len(products) or "no", "product": product, "pattern": suffix.lower()}


def _heavy_classes(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str, dict]]:
    for path, cls in classes:
        if _HEAVY_CLASSES.search(cls.name) and not is_test(path):
            yield path, cls, "", {}


def overengineering(head: Snapshot, new_infra: Sequence[InfraFinding], users: int | None,
                    changed: Collection[str] = ()) -> Iterator[Finding]:
    """Item 22: machinery the declared scale does not need, scaled by the declared users."""
    factor, scale = _scale(users)
    taken: set[tuple[str, int]] = set()
    for infra in new_infra:
        if infra.kind in _HEAVY_KINDS and not infra.test_only and infra.evidence:
            where = infra.evidence[0]
            taken.add((where.path, where.line or 1))
            yield make(f"overengineering.{infra.kind}", where.path, where.line or 1, scale=factor, name=infra.name,
                       users=scale)
    classes = _classes(head)
    wanted = set(changed)
    for source, rule in ((_heavy_classes, "overengineering.machinery"),
                         (_single_implementations, "overengineering.single_implementation"),
                         (_one_product_patterns, "overengineering.one_product_pattern")):
        for path, cls, variant, fields in source(classes):
            if (wanted and path not in wanted) or (path, cls.line) in taken:
                continue
            taken.add((path, cls.line))
            yield make(rule, path, cls.line, variant, scale=factor, cls=cls.name, users=scale, **fields)
