"""``archreview init``: the drafted archreview.toml describes today's code and loads back."""

from __future__ import annotations

import re

from test_fit import BASE, DRIFTING_CHANGE, snapshot

from archreview.context.load import KINDS, Layer, load_context
from archreview.analysis.draft import draft_context
from archreview.repo.layers import layer_violations
from archreview.core.model import InfraFinding, Location, Snapshot
from archreview.repo.modules import build_modules

ENGINE = InfraFinding("database", "sqlalchemy engine", (Location("app/db.py", 5),))
FAKE_BROKER = InfraFinding("message_queue", "fakeredis", (Location("tests/conftest.py", 1),), test_only=True)


def draft(files: dict[str, str], in_use=(ENGINE,)) -> tuple[str, tuple]:
    head = snapshot(files, "abc1234")
    _, modules = build_modules(head.files)
    return draft_context(head, modules, in_use), modules


def test_the_draft_loads_back_and_describes_the_import_directions() -> None:
    text, modules = draft(BASE)
    ctx = load_context({"archreview.toml": text})
    layers = {layer.name: layer for layer in ctx.layers}
    assert layers["controllers"] == Layer("controllers", ("app/controllers",), ("services",))
    assert layers["services"] == Layer("services", ("app/services",), ("errors", "repositories"))
    assert layers["repositories"] == Layer("repositories", ("app/repositories",), ("errors", "models"))
    assert layers["errors"] == Layer("errors", ("app/errors.py",), ())
    names = [layer.name for layer in ctx.layers]
    assert names.index("controllers") < names.index("services") < names.index("repositories") < names.index("models")
    assert layer_violations(modules, ctx) == ()  # today's code satisfies its own draft


def test_patterns_come_from_the_style_facts() -> None:
    ctx = load_context({"archreview.toml": draft(BASE)[0]})
    assert ctx.pattern("data_access").startswith("repository (3 files), orm-session (2 files)")
    assert "own exceptions: AppError, ConflictError, NotFoundError" in ctx.pattern("error_handling")
    assert ctx.pattern("logging") == "logging (2 files)"
    assert ctx.pattern("dependency_injection") == "constructor (4 files)"
    assert ctx.stack == ("python", "requests", "sqlalchemy")
    assert ctx.scale.users is None and ctx.system is None  # left for the team


def test_infrastructure_in_use_is_a_comment_and_unseen_kinds_are_proposed_commented() -> None:
    text, _ = draft(BASE, (ENGINE, FAKE_BROKER))
    assert "#   database: sqlalchemy engine — app/db.py:5" in text
    assert "fakeredis" not in text  # test-only use is not the system's infrastructure
    proposed = re.findall(r'^  # "(\w+)",$', text, re.MULTILINE)
    assert "database" not in proposed and "message_queue" in proposed
    assert set(proposed) == set(KINDS) - {"database"}
    assert load_context({"archreview.toml": text}).patterns_not_used == ()
    confirmed = re.sub(r'^  # ("\w+",)$', r"  \1", text, flags=re.MULTILINE)
    assert len(load_context({"archreview.toml": confirmed}).patterns_not_used) == len(KINDS) - 1


def test_a_cycle_between_packages_is_noted_and_still_loads() -> None:
    files = {**BASE, "app/models.py": "from app.services.users import UserService\n"}
    text, modules = draft(files)
    assert re.search(r'name = "models".*\n.*\nmay_import = \["services"\]  # in a cycle with services', text)
    ctx = load_context({"archreview.toml": text})
    assert layer_violations(modules, ctx) == ()


def test_several_top_level_packages_are_the_units() -> None:
    files = {
        "web/__init__.py": "", "web/views.py": "from core.rules import check\n",
        "core/__init__.py": "", "core/rules.py": "def check():\n    return 1\n",
        "tests/test_rules.py": "from core.rules import check\n",
    }
    ctx = load_context({"archreview.toml": draft(files, ())[0]})
    assert ctx.layers == (Layer("web", ("web",), ("core",)), Layer("core", ("core",), ()))


def test_an_empty_repository_still_drafts_a_valid_file() -> None:
    text = draft_context(Snapshot("x", ()), (), ())
    assert "No layers drafted" in text
    ctx = load_context({"archreview.toml": text})
    assert ctx.layers == () and ctx.stack == ("python",)


def test_the_drifting_branch_drafts_a_valid_file_too() -> None:
    text, modules = draft({**BASE, **DRIFTING_CHANGE})
    ctx = load_context({"archreview.toml": text})
    assert {"notification_service", "app"} <= {layer.name for layer in ctx.layers}
    assert layer_violations(modules, ctx) == ()


def test_inside_a_package_holding_most_of_the_code_its_children_are_the_units() -> None:
    files = {
        "wsgi.py": "from shop.app import create\n",
        "src/shop/__init__.py": "", "src/shop/app.py": "from shop.web import views\n",
        "src/shop/web/__init__.py": "", "src/shop/web/views.py": "from shop.core import rules\n",
        "src/shop/core/__init__.py": "", "src/shop/core/rules.py": "X = 1\n",
        "src/shop/core/more.py": "Y = 1\n",
    }
    text, modules = draft(files, ())
    ctx = load_context({"archreview.toml": text})
    assert ctx.layers == (
        Layer("wsgi", ("wsgi.py",), ("app",)),
        Layer("app", ("src/shop/app.py",), ("web",)),
        Layer("web", ("src/shop/web",), ("core",)),
        Layer("core", ("src/shop/core",), ()),
    )
    assert layer_violations(modules, ctx) == ()
