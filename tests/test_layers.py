"""Layer rules against real imports, and cycles a change creates."""

from __future__ import annotations

import pytest

from archreview.context.load import Context, Layer, Scale, load_context
from archreview.repo.layers import layer_of, layer_violations, new_cycles
from archreview.core.model import Import, Module, Violation


def ctx(*layers: Layer) -> Context:
    return Context(None, (), layers, (), (), Scale(), (), ("test",))


LAYERED = ctx(
    Layer("controllers", ("src/app/controllers",), ("services", "models")),
    Layer("services", ("src/app/services",), ("repositories", "models")),
    Layer("repositories", ("src/app/repositories",), ("models",)),
    Layer("models", ("src/app/models",), ()),
    Layer("admin", ("src/app/services/admin",), ("services", "repositories", "models")),
)


@pytest.mark.parametrize(("path", "layer"), [
    ("src/app/controllers/users.py", "controllers"),
    ("src/app/controllers", "controllers"),
    ("src/app/services/admin/tools.py", "admin"),  # the longest prefix wins
    ("src/app/services/orders.py", "services"),
    ("src/app/servicesx/orders.py", None),  # a prefix is a whole folder, not a string prefix
    ("src/app/main.py", None),
    ("./src/app/models/user.py", "models"),
])
def test_layer_of_uses_the_longest_path_prefix(path: str, layer: str | None) -> None:
    assert layer_of(path, LAYERED) == layer


def test_layer_declared_as_module_matches_a_file_under_a_source_root_or_a_module_file() -> None:
    context = load_context({".importlinter": "[importlinter:contract:1]\nname = x\ntype = layers\n"
                                             "layers =\n    shop.api\n    shop.core\n"})
    assert layer_of("src/shop/api/views.py", context) == "shop.api"
    assert layer_of("shop/core.py", context) == "shop.core"
    assert layer_of("tests/shop/api/test_views.py", context) is None


def mod(name: str, path: str, *targets: tuple[str, int], category: str = "internal") -> Module:
    return Module(name, path, 10, tuple(Import(t, line, category) for t, line in targets))


MODULES = (
    mod("app.controllers.users", "src/app/controllers/users.py",
        ("app.services.users", 1), ("app.repositories.users", 2), ("app.models.user.User", 3)),
    mod("app.services.users", "src/app/services/users.py",
        ("app.repositories.users", 1), ("app.controllers.users", 4)),
    mod("app.repositories.users", "src/app/repositories/users.py", ("app.models.user", 2), ("sqlalchemy", 1)),
    mod("app.models.user", "src/app/models/user.py", ("app.services", 5)),
    mod("app.services", "src/app/services/__init__.py"),
    mod("app.services.admin.tools", "src/app/services/admin/tools.py", ("app.repositories.users", 3)),
    mod("app.main", "src/app/main.py", ("app.repositories.users", 1)),
)


def test_imports_that_skip_or_reverse_a_layer_are_violations_at_the_importing_line() -> None:
    found = layer_violations(MODULES, LAYERED)
    assert [(v.path, v.line, v.importer, v.imported) for v in found] == [
        ("src/app/controllers/users.py", 2, "app.controllers.users", "app.repositories.users"),
        ("src/app/models/user.py", 5, "app.models.user", "app.services"),
        ("src/app/services/users.py", 4, "app.services.users", "app.controllers.users"),
    ]
    assert all(v.rule == "layer" for v in found)
    assert found[0].message == ("layer 'controllers' imports layer 'repositories' "
                                "(app.controllers.users -> app.repositories.users); "
                                "'controllers' may import services, models")
    assert "'models' may import no other layer" in found[1].message


def test_imports_of_modules_outside_the_snapshot_fall_back_to_the_module_path() -> None:
    context = ctx(Layer("api", ("shop/api",), ()), Layer("core", ("shop/core",), ()))
    modules = (mod("shop.api.views", "shop/api/views.py", ("shop.core.models", 7)),)
    [found] = layer_violations(modules, context)
    assert (found.imported, found.line) == ("shop.core.models", 7)


def test_no_context_or_no_layers_means_no_violations() -> None:
    assert layer_violations(MODULES, None) == ()
    assert layer_violations(MODULES, ctx()) == ()


def test_third_party_imports_are_not_layer_violations() -> None:
    context = ctx(Layer("models", ("src/app/models",), ()), Layer("sqlalchemy", ("sqlalchemy",), ()))
    modules = (mod("app.models.user", "src/app/models/user.py", ("sqlalchemy", 1), category="third_party"),)
    assert layer_violations(modules, context) == ()


CYCLE_MODULES = (
    mod("app.a", "app/a.py", ("app.b", 3)),
    mod("app.b", "app/b.py", ("app.c.thing", 4)),
    mod("app.c", "app/c.py", ("app.a", 9)),
    mod("app.x", "app/x.py", ("app.y", 1)),
    mod("app.y", "app/y.py", ("app.x", 2)),
)


def test_a_cycle_only_in_head_is_new_and_located_at_an_importing_line() -> None:
    base = [("app.x", "app.y", "app.x")]
    head = [("app.y", "app.x", "app.y"), ("app.a", "app.b", "app.c", "app.a")]
    assert new_cycles(base, head, CYCLE_MODULES) == (
        Violation("cycle", "app.a", "app.b", "app/a.py", 3, "new import cycle: app.a -> app.b -> app.c -> app.a"),
    )


def test_the_edge_is_found_through_a_from_import_of_a_name() -> None:
    head = [("app.b", "app.c", "app.a", "app.b")]
    modules = tuple(m for m in CYCLE_MODULES if m.name != "app.a") + (mod("app.a", "app/a.py"),)
    [found] = new_cycles([], head, modules)
    assert (found.importer, found.imported, found.path, found.line) == ("app.b", "app.c", "app/b.py", 4)


def test_without_a_base_no_cycle_is_new() -> None:
    assert new_cycles(None, [("app.x", "app.y", "app.x")], CYCLE_MODULES) == ()
