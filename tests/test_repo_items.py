"""Items 20-22 from in-memory snapshots: no disk, no git."""

from __future__ import annotations

import pytest

from archreview.checklist.detectors.repo import repo_findings
from archreview.core.model import ClassInfo, Evidence, FileFacts, FitAnswer, InfraFinding, Location, Snapshot, Violation


def snap(files: dict[str, list[ClassInfo]]) -> Snapshot:
    return Snapshot("head", tuple(FileFacts(path, "python", classes=tuple(cls)) for path, cls in files.items()))


def cls(name: str, line: int = 1, bases: tuple[str, ...] = (), methods: tuple[str, ...] = (),
        abstract: bool = False) -> ClassInfo:
    return ClassInfo(name, line, bases=bases, methods=methods, abstract=abstract)


def items(found, item: int) -> list:
    return [f for f in found if f.item == item]


EMPTY = snap({"app/models.py": [cls("Order")]})


def test_each_new_infrastructure_outside_tests_is_one_finding_at_its_first_evidence() -> None:
    infra = [
        InfraFinding("message_queue", "pika", (Location("app/bus.py", 3), Location("app/worker.py", 1)),
                     declared_unused=True),
        InfraFinding("cache", "redis", (Location("app/cache.py", 2),)),
        InfraFinding("database", "sqlite", (Location("tests/conftest.py", 5),), test_only=True),
    ]
    found = items(repo_findings(EMPTY, infra, [], [], users=50), 20)
    assert [(f.path, f.line) for f in found] == [("app/bus.py", 3), ("app/cache.py", 2)]
    bus, cache = found
    assert "declared not used" in bus.message and "pika" in bus.message and "message queue" in bus.message
    assert "declared not used" not in cache.message
    assert bus.confidence > cache.confidence


def test_fit_drift_points_at_the_evidence_or_at_the_first_changed_file() -> None:
    fit = [
        FitAnswer(1, "drifts", "uses raw SQL where the codebase uses the ORM",
                  (Evidence("app/reports.py", 14, "cursor.execute"), Evidence("app/reports.py", 30, "cursor.execute"))),
        FitAnswer(2, "drifts", "returns None on error where the codebase raises"),
        FitAnswer(3, "fits", "imports follow the layers", (Evidence("app/views.py", 1, "import"),)),
        FitAnswer(4, "drifts", "adds a database", (Evidence("app/settings.toml", None, "a new database"),)),
    ]
    found = items(repo_findings(EMPTY, [], fit, [], users=None, changed=["app/z.py", "app/b.py"]), 21)
    assert [(f.path, f.line, f.rule) for f in found] == [
        ("app/b.py", 1, "fit.q2"), ("app/reports.py", 14, "fit.q1"), ("app/reports.py", 30, "fit.q1"),
        ("app/settings.toml", 1, "fit.q4")]
    assert "returns None on error" in found[0].message


def test_layer_violations_and_cycles_are_fit_findings() -> None:
    violations = [Violation("layer", "app.domain", "app.web", "app/domain/order.py", 4,
                            "domain imports web: the domain layer may not depend on the web layer"),
                  Violation("cycle", "app.a", "app.b", "app/a.py", 2, "")]
    found = items(repo_findings(EMPTY, [], [], violations, users=None), 21)
    assert {(f.path, f.line, f.rule) for f in found} == {("app/domain/order.py", 4, "fit.layer_violation"),
                                                         ("app/a.py", 2, "fit.new_cycle")}
    assert any("app.a imports app.b" in f.message for f in found)


HEAD = snap({
    "app/notify/base.py": [cls("Notifier", 3, ("abc.ABC",), ("send",), abstract=True),
                           cls("Repository", 20, ("Protocol",), ("get", "add"), abstract=True),
                           cls("PaymentGateway", 30, ("ABC",), ("charge",), abstract=True)],
    "app/notify/email.py": [cls("EmailNotifier", 5, ("Notifier",), ("send",)),
                            cls("NotifierFactory", 20, (), ("create",)),
                            cls("RetryStrategy", 40, (), ("delay",)),
                            cls("EventBus", 60, (), ("publish", "subscribe"))],
    "app/payments.py": [cls("StripeGateway", 1, ("PaymentGateway",), ("charge",)),
                        cls("FakeGateway", 9, ("PaymentGateway",), ("charge",))],
    "app/repos.py": [cls("SqlRepository", 1, (), ("get", "add", "delete")),
                     cls("MemoryRepository", 12, (), ("get", "add"))],
    "app/factories.py": [cls("UserFactory", 1, ("factory.django.DjangoModelFactory",))],
    "tests/test_bus.py": [cls("FakeBus", 1, ("EventBus",))],
})


def test_overengineering_names_single_implementations_one_product_patterns_and_machinery() -> None:
    found = items(repo_findings(HEAD, [], [], [], users=50), 22)
    flagged = {(f.path, f.line, f.rule) for f in found}
    assert flagged == {
        ("app/notify/base.py", 3, "overengineering.single_implementation"),  # Notifier: one EmailNotifier
        ("app/notify/email.py", 20, "overengineering.one_product_pattern"),  # factory of one notifier
        ("app/notify/email.py", 40, "overengineering.one_product_pattern"),  # the only strategy
        ("app/notify/email.py", 60, "overengineering.machinery"),  # home-made bus
    }  # PaymentGateway (two gateways), Repository (two structural impls), factory_boy: quiet
    assert all("50 users" in f.message for f in found)


def test_new_heavy_infrastructure_is_over_engineering_and_deduplicated_with_its_class() -> None:
    infra = [InfraFinding("event_bus", "home-made bus", (Location("app/notify/email.py", 60),)),
             InfraFinding("circuit_breaker", "pybreaker", (Location("app/pay.py", 2),)),
             InfraFinding("cache", "redis", (Location("app/cache.py", 1),))]
    found = items(repo_findings(HEAD, infra, [], [], users=50), 22)
    assert [(f.path, f.line, f.rule) for f in found if f.rule.startswith("overengineering.") and
            f.rule.rsplit(".", 1)[-1] in {"event_bus", "circuit_breaker", "machinery"}] == [
        ("app/notify/email.py", 60, "overengineering.event_bus"), ("app/pay.py", 2, "overengineering.circuit_breaker")]


@pytest.mark.parametrize(("users", "expected"), [(50, 0.8), (5_000, 0.48), (500_000, 0.24), (None, 0.48)])
def test_confidence_falls_as_the_declared_scale_grows(users: int | None, expected: float) -> None:
    infra = [InfraFinding("circuit_breaker", "pybreaker", (Location("app/pay.py", 2),))]
    [found] = [f for f in repo_findings(EMPTY, infra, [], [], users=users) if f.item == 22]
    assert found.confidence == pytest.approx(expected)


def test_with_a_change_only_changed_files_get_class_findings() -> None:
    found = items(repo_findings(HEAD, [], [], [], users=50, changed={"app/notify/base.py"}), 22)
    assert {(f.path, f.line) for f in found} == {("app/notify/base.py", 3)}


def test_output_is_sorted_and_stable() -> None:
    infra = [InfraFinding("event_bus", "bus", (Location("app/z.py", 1),)),
             InfraFinding("cache", "redis", (Location("app/a.py", 9),))]
    first = repo_findings(HEAD, infra, [], [], users=50)
    assert first == repo_findings(HEAD, list(reversed(infra)), [], [], users=50)
    assert [(f.item, f.path, f.line) for f in first] == sorted((f.item, f.path, f.line) for f in first)
