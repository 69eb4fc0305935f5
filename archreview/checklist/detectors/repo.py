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

from archreview.core.model import ClassInfo, FitAnswer, Finding, InfraFinding, Snapshot, Violation
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
    found = [*infra_findings(new_infra), *fit_findings(fit, violations, changed, head),
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
        if infra.declared_unused:
            msg, conf, rule = (f"new {infra.kind} '{infra.name}'{more}: declared not used in the architecture "
                               "context; adopting it is an architecture decision, not a code change"), 0.95, \
                "infra.declared_unused"
        elif infra.declared_used:
            msg, conf, rule = (f"new {infra.kind} '{infra.name}'{more}: the context lists it as part of the "
                               "system; check it reuses the existing one"), 0.3, "infra.declared_used"
        else:
            msg, conf, rule = (f"new {infra.kind} '{infra.name}'{more} that the codebase did not have: who runs, "
                               "monitors and upgrades it?"), 0.7, "infra.new"
        yield Finding(20, where.path, where.line or 1, msg, conf, rule=rule)


# --- item 21 -----------------------------------------------------------------------------


def fit_findings(fit: Sequence[FitAnswer], violations: Sequence[Violation], changed: Collection[str],
                 head: Snapshot) -> Iterator[Finding]:
    """Item 21: fit-test answers that drift, and imports that break layers or close cycles."""
    fallback = sorted(changed)[:1] or [f.path for f in head.files[:1]]
    for answer in fit:
        if answer.verdict != "drifts":
            continue
        places = [(e.path, e.line or 1) for e in answer.evidence[:5]] or [(p, 1) for p in fallback]
        for path, line in places:
            yield Finding(21, path, line, f"fit question {answer.question}: {answer.summary}", 0.7,
                          rule=f"fit.q{answer.question}")
    for v in violations:
        rule = "fit.layer_violation" if v.rule == "layer" else "fit.new_cycle"
        msg = v.message or f"{v.importer} imports {v.imported}"
        yield Finding(21, v.path, v.line, msg, 0.9 if v.rule == "layer" else 0.8, rule=rule)


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


def _single_implementations(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str]]:
    for path, cls in classes:
        if not cls.abstract or is_test(path):
            continue
        impls = _implementations(cls, classes)
        if len(impls) == 1:
            yield path, cls, (f"abstract {cls.name} has a single implementation ({impls[0].name}): an "
                              "indirection with nothing to choose between")


def _one_product_patterns(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str]]:
    strategies = [(p, c) for p, c in classes if c.name.endswith("Strategy") and not is_test(p)]
    concrete = [c for _, c in strategies if not c.abstract]
    if len(concrete) == 1:
        path, cls = next((p, c) for p, c in strategies if c is concrete[0])
        yield path, cls, f"{cls.name} is the only strategy: a pattern for choosing between one option"
    for path, cls in classes:
        suffix = next((s for s in _PATTERN_SUFFIXES if cls.name.endswith(s) and cls.name != s), None)
        if suffix is None or is_test(path) or any(_base(b).endswith(suffix) for b in cls.bases):
            continue  # factory_boy declarations and members of a factory hierarchy
        product = cls.name[: -len(suffix)]
        family = [c for _, c in classes if not c.abstract and not c.name.endswith(suffix)
                  and (c.name.endswith(product) or product in map(_base, c.bases))]
        parents = {_base(b) for c in family for b in c.bases}
        products = {c.name for c in family if c.name not in parents}
        if len(products) <= 1:
            yield path, cls, (f"{cls.name} builds {len(products) or 'no'} kind of {product}: a "
                              f"{suffix.lower()} where a constructor call would do")


def _heavy_classes(classes: list[tuple[str, ClassInfo]]) -> Iterator[tuple[str, ClassInfo, str]]:
    for path, cls in classes:
        if _HEAVY_CLASSES.search(cls.name) and not is_test(path):
            yield path, cls, f"{cls.name}: home-made distributed-systems machinery"


def overengineering(head: Snapshot, new_infra: Sequence[InfraFinding], users: int | None,
                    changed: Collection[str] = ()) -> Iterator[Finding]:
    """Item 22: machinery the declared scale does not need, scaled by the declared users."""
    factor, scale = _scale(users)
    taken: set[tuple[str, int]] = set()
    for infra in new_infra:
        if infra.kind in _HEAVY_KINDS and not infra.test_only and infra.evidence:
            where = infra.evidence[0]
            taken.add((where.path, where.line or 1))
            yield Finding(22, where.path, where.line or 1, f"{_HEAVY_KINDS[infra.kind]} ('{infra.name}') for "
                          f"{scale}: operational weight a simpler call would avoid", round(0.8 * factor, 2),
                          rule=f"overengineering.{infra.kind}")
    classes = _classes(head)
    wanted = set(changed)
    for source, rule, base in ((_heavy_classes, "overengineering.machinery", 0.75),
                               (_single_implementations, "overengineering.single_implementation", 0.7),
                               (_one_product_patterns, "overengineering.one_product_pattern", 0.65)):
        for path, cls, msg in source(classes):
            if (wanted and path not in wanted) or (path, cls.line) in taken:
                continue
            taken.add((path, cls.line))
            yield Finding(22, path, cls.line, f"{msg}, for {scale}", round(base * factor, 2), rule=rule)

# rule id -> checklist item, checked against archreview/data/checklist.toml when it loads
RULES = {
    "infra.new": 20, "infra.declared_unused": 20, "infra.declared_used": 20,
    **{f"fit.q{n}": 21 for n in range(1, 6)}, "fit.layer_violation": 21, "fit.new_cycle": 21,
    "overengineering.machinery": 22, "overengineering.single_implementation": 22,
    "overengineering.one_product_pattern": 22, **{f"overengineering.{kind}": 22 for kind in _HEAVY_KINDS},
}

# rules whose findings exist only because of the change: new whenever a base is given
CHANGE_RULES = frozenset({"infra.new", "infra.declared_unused", "infra.declared_used", "fit.new_cycle",
                          *(f"fit.q{n}" for n in range(1, 6)), *(f"overengineering.{kind}" for kind in _HEAVY_KINDS)})
