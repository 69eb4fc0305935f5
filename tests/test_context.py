"""The architecture context: every source format, the merge order, and located errors."""

from __future__ import annotations

import textwrap

import pytest

from archreview.context.load import CONTEXT_FILES, KINDS, Context, Layer, Scale, kinds_of_phrase, load_context
from archreview.core.errors import BadContext


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


FULL = d('''
    system = "monolith"
    stack = ["python", "flask", "sqlalchemy"]
    examples = ["./src/app/services/email.py"]
    patterns_not_used = ["message_queue", "event_bus"]

    [patterns]
    data_access = "repositories over one shared SQLAlchemy session"
    error_handling = "custom exceptions from app.errors"

    [scale]
    users = 50
    requests_per_day = 2000
    data_volume = "2 GB"

    [[layers]]
    name = "controllers"
    paths = ["src/app/controllers/"]
    may_import = ["services"]

    [[layers]]
    name = "services"
    paths = ["src/app/services"]
    may_import = ["repositories"]

    [[layers]]
    name = "repositories"
    paths = ["src/app/repositories"]
''')


def test_a_full_archreview_toml_is_read_field_by_field() -> None:
    ctx = load_context({"archreview.toml": FULL})
    assert ctx == Context(
        system="monolith",
        stack=("python", "flask", "sqlalchemy"),
        layers=(
            Layer("controllers", ("src/app/controllers",), ("services",)),
            Layer("services", ("src/app/services",), ("repositories",)),
            Layer("repositories", ("src/app/repositories",), ()),
        ),
        patterns=(("data_access", "repositories over one shared SQLAlchemy session"),
                  ("error_handling", "custom exceptions from app.errors")),
        patterns_not_used=("event_bus", "message_queue"),
        scale=Scale(50, 2000, "2 GB"),
        examples=("src/app/services/email.py",),
        sources=("archreview.toml",),
    )


def test_nothing_declared_gives_none() -> None:
    assert load_context({}) is None
    assert load_context({"pyproject.toml": '[project]\nname = "x"\n', "setup.cfg": "[metadata]\nname = x\n"}) is None


def test_pyproject_tool_table_is_read() -> None:
    text = d('''
        [project]
        name = "shop"

        [tool.archreview]
        system = "modular monolith"
        patterns_not_used = ["database"]

        [[tool.archreview.layers]]
        name = "api"
        paths = ["shop/api"]
        may_import = []
    ''')
    ctx = load_context({"pyproject.toml": text})
    assert (ctx.system, ctx.patterns_not_used, ctx.layers, ctx.sources) == (
        "modular monolith", ("database",), (Layer("api", ("shop/api",), ()),), ("pyproject.toml",))


def test_inline_layer_tables_are_accepted() -> None:
    text = 'layers = [{name = "a", paths = ["a"], may_import = ["b"]}, {name = "b", paths = ["b"]}]\n'
    assert load_context({"archreview.toml": text}).layers == (Layer("a", ("a",), ("b",)), Layer("b", ("b",), ()))


# --- errors: (text, line, words the message must contain) -----------------------------

ERRORS = [
    ('system = "x"\nflavour = "y"\n', 2, ["unknown key 'flavour'", "expected one of"]),
    ('system = 3\n', 1, ["system", "expected a non-empty string", "int 3"]),
    ('stack = "python"\n', 1, ["stack", "list of strings"]),
    ('patterns_not_used = [\n  "cache",\n  "queue",\n]\n', 3,
     ["unknown kind 'queue'", "message_queue", "task_queue"]),
    ('patterns_not_used = ["mesage_queue"]\n', 1, ["did you mean 'message_queue'"]),
    ('[patterns]\ndata_access = "orm"\nstyle = "x"\n', 3, ["patterns: unknown key 'style'", "error_handling"]),
    ('[scale]\nusers = 50\nrequests_per_day = -5\n', 3, ["scale.requests_per_day", "0 or more", "-5"]),
    ('[scale]\nusers = "fifty"\n', 2, ["scale.users", "whole number"]),
    ('[scale]\nusers = true\n', 2, ["scale.users", "whole number"]),
    ('[scale]\npeak = 3\n', 2, ["unknown key 'peak'"]),
    ('[[layers]]\nname = "a"\npaths = ["a"]\n\n[[layers]]\nname = "b"\n', 6, ["layer 'b' has no paths"]),
    ('[[layers]]\nname = "a"\npaths = []\n', 3, ["layer 'a' has no paths"]),
    ('[[layers]]\nname = "a"\npaths = ["a"]\n[[layers]]\nname = "b"\npaths = ["b"]\nmay_import = ["a", "c"]\n',
     7, ["may_import names unknown layer 'c'", "declared layers are a, b"]),
    ('[[layers]]\npaths = ["a"]\n', 1, ["layers[0]: missing 'name'"]),
    ('[[layers]]\nname = "a"\npaths = ["a"]\nallow = ["b"]\n', 4, ["unknown key 'allow'", "may_import"]),
    ('layers = "a"\n', 1, ["layers: expected an array of tables"]),
    ('[[layers]]\nname = "a"\npaths = ["a"]\n[[layers]]\nname = "a"\npaths = ["b"]\n', 5, ["declared twice"]),
    ('system = "x"\nstack = [\n', 3, ["not valid TOML"]),
    ('system = "x"\nsystem = "y"\n', 2, ["not valid TOML"]),
]


@pytest.mark.parametrize(("text", "line", "words"), ERRORS)
def test_invalid_archreview_toml_names_file_line_and_fix(text: str, line: int, words: list[str]) -> None:
    with pytest.raises(BadContext) as caught:
        load_context({"archreview.toml": text})
    err = caught.value
    assert (err.path, err.line) == ("archreview.toml", line), str(err)
    for word in words:
        assert word in err.message
    assert str(err).startswith(f"archreview.toml:{line}: ")


def test_errors_in_pyproject_are_located_in_pyproject() -> None:
    text = '[project]\nname = "x"\n\n[tool.archreview.scale]\nusers = -1\n'
    with pytest.raises(BadContext) as caught:
        load_context({"pyproject.toml": text})
    assert (caught.value.path, caught.value.line) == ("pyproject.toml", 5)


def test_malformed_pyproject_with_an_archreview_table_is_an_error_but_without_one_is_ignored() -> None:
    with pytest.raises(BadContext) as caught:
        load_context({"pyproject.toml": "[tool.archreview]\nsystem = \n"})
    assert caught.value.line == 2
    assert load_context({"pyproject.toml": "[project\nname = 1\n"}) is None


def test_a_comment_naming_the_archreview_table_is_not_a_table() -> None:
    text = '[project]\nname = "x"\n# `[tool.archreview]` could declare our layers one day\n'
    assert load_context({"pyproject.toml": text}) is None


def test_explicit_file_without_the_tool_table_is_rejected() -> None:
    with pytest.raises(BadContext, match="no \\[tool.archreview\\] table"):
        load_context({}, explicit=("ctx/pyproject.toml", '[tool.black]\nline-length = 100\n'))


# --- merge order ---------------------------------------------------------------------


def test_explicit_beats_archreview_toml_beats_pyproject_field_by_field() -> None:
    texts = {
        "archreview.toml": 'system = "monolith"\n[scale]\nusers = 50\n[patterns]\nlogging = "logging"\n',
        "pyproject.toml": '[tool.archreview]\nsystem = "other"\nstack = ["python"]\n'
                          '[tool.archreview.scale]\nusers = 9\ndata_volume = "1 GB"\n'
                          '[tool.archreview.patterns]\nlogging = "print"\ntesting = "pytest"\n',
    }
    explicit = ("review/context.toml", '[scale]\nusers = 5000\n')
    ctx = load_context(texts, explicit)
    assert ctx.system == "monolith"
    assert ctx.stack == ("python",)
    assert ctx.scale == Scale(5000, None, "1 GB")
    assert ctx.patterns == (("logging", "logging"), ("testing", "pytest"))
    assert ctx.sources == ("review/context.toml", "archreview.toml", "pyproject.toml")


def test_explicit_pyproject_shaped_file_is_read() -> None:
    ctx = load_context({}, explicit=("team.toml", '[tool.archreview]\nsystem = "serverless"\n'))
    assert (ctx.system, ctx.sources) == ("serverless", ("team.toml",))


def test_declared_layers_win_over_import_linter_and_markdown() -> None:
    texts = {
        "archreview.toml": '[[layers]]\nname = "web"\npaths = ["app/web"]\n',
        ".importlinter": "[importlinter]\nroot_package = app\n[importlinter:contract:1]\nname = L\n"
                         "type = layers\nlayers =\n    app.web\n    app.core\n",
        "ARCHITECTURE.md": "We do NOT use: message queues.\n- `/app/models/` — models\n",
    }
    ctx = load_context(texts)
    assert ctx.layers == (Layer("web", ("app/web",), ()),)
    assert ctx.patterns_not_used == ("message_queue",)
    assert ctx.sources == ("archreview.toml", ".importlinter", "ARCHITECTURE.md")


# --- import-linter ---------------------------------------------------------------------

IMPORTLINTER_INI = d('''
    [importlinter]
    root_package = shop

    [importlinter:contract:layers]
    name = Shop layers
    type = layers
    layers =
        shop.api
        shop.services | shop.reports
        shop.domain : shop.shared
        (shop.db)

    [importlinter:contract:forbid]
    name = No requests in domain
    type = forbidden
    source_modules = shop.domain
    forbidden_modules = requests
''')


@pytest.mark.parametrize("path", [".importlinter", "setup.cfg"])
def test_import_linter_layers_contract_in_ini(path: str) -> None:
    text = IMPORTLINTER_INI if path == ".importlinter" else "[metadata]\nname = shop\n\n" + IMPORTLINTER_INI
    ctx = load_context({path: text})
    assert ctx.layers == (
        Layer("shop.api", ("shop/api",), ("shop.services", "shop.reports", "shop.domain", "shop.shared", "shop.db")),
        Layer("shop.services", ("shop/services",), ("shop.domain", "shop.shared", "shop.db")),
        Layer("shop.reports", ("shop/reports",), ("shop.domain", "shop.shared", "shop.db")),
        Layer("shop.domain", ("shop/domain",), ("shop.shared", "shop.db")),
        Layer("shop.shared", ("shop/shared",), ("shop.domain", "shop.db")),
        Layer("shop.db", ("shop/db",), ()),
    )
    assert ctx.sources == (path,)


def test_import_linter_contract_in_pyproject_with_containers() -> None:
    text = d('''
        [tool.importlinter]
        root_packages = ["shop"]

        [[tool.importlinter.contracts]]
        name = "Each app is layered"
        type = "layers"
        containers = ["shop.orders", "shop.billing"]
        layers = ["views", "models"]
    ''')
    ctx = load_context({"pyproject.toml": text})
    assert ctx.layers == (
        Layer("shop.orders.views", ("shop/orders/views",), ("shop.orders.models",)),
        Layer("shop.orders.models", ("shop/orders/models",), ()),
        Layer("shop.billing.views", ("shop/billing/views",), ("shop.billing.models",)),
        Layer("shop.billing.models", ("shop/billing/models",), ()),
    )


# --- tach --------------------------------------------------------------------------------


def test_tach_modules_with_depends_on_and_utilities() -> None:
    text = d('''
        exclude = ["**/tests"]
        source_roots = ["src"]

        [[modules]]
        path = "shop.api"
        depends_on = [{ path = "shop.core" }, "shop.unknown"]

        [[modules]]
        path = "shop.core"
        depends_on = []

        [[modules]]
        path = "shop.utils"
        utility = true
        depends_on = []

        [[modules]]
        path = "shop.scripts"
    ''')
    ctx = load_context({"tach.toml": text})
    assert ctx.layers == (
        Layer("shop.api", ("src/shop/api",), ("shop.core", "shop.utils")),
        Layer("shop.core", ("src/shop/core",), ("shop.utils",)),
        Layer("shop.utils", ("src/shop/utils",), ()),
        Layer("shop.scripts", ("src/shop/scripts",), ("shop.api", "shop.core", "shop.utils")),
    )


def test_tach_layers_order_the_modules() -> None:
    text = d('''
        layers = ["ui", "commands", "core"]

        [[modules]]
        path = "app.web"
        layer = "ui"

        [[modules]]
        path = "app.cli"
        layer = "ui"

        [[modules]]
        path = "app.domain"
        layer = "core"
    ''')
    assert load_context({"tach.toml": text}).layers == (
        Layer("ui", ("app/web", "app/cli"), ("core",)),
        Layer("core", ("app/domain",), ()),
    )


def test_import_linter_beats_tach() -> None:
    texts = {"tach.toml": '[[modules]]\npath = "x"\n', ".importlinter": IMPORTLINTER_INI}
    ctx = load_context(texts)
    assert ctx.layers[0].name == "shop.api" and ctx.sources == (".importlinter", "tach.toml")


# --- ARCHITECTURE.md ------------------------------------------------------------------------

SEED_STYLE_MD = d('''
    # BuildRight architecture

    ## Architecture Overview
    BuildRight is a monolithic application:
    - `/src/controllers/` — API endpoints (thin controllers, no business logic)
    - `/src/services/` — Business logic layer
    - `/src/repositories/` — Data access (repository pattern, shared DbContext)

    We do NOT use: microservices, event sourcing, message queues,
    separate databases per feature.

    ### Tech Stack
    Python 3.12, Flask, SQLAlchemy, PostgreSQL

    ### Patterns We Use
    - Data Access: Repository classes over the shared session
    - Error Handling: custom exceptions (NotFoundError)
    - Dependency Injection: [Framework DI / Manual / Service locator / etc.]
    - Testing: pytest, unit + integration

    ### Patterns We Do NOT Use
    - Event buses
    - DI frameworks or service locators
    - Retry libraries and circuit breakers

    ### Scale Context
    About 50 users, 2,000 requests per day, 2 GB of data.

    ### Example Implementation
    ```python
    # src/services/email_service.py
    class EmailService: ...
    ```
    See also `src/repositories/user_repository.py`.
''')


def test_architecture_md_in_the_seed_template() -> None:
    ctx = load_context({"ARCHITECTURE.md": SEED_STYLE_MD})
    assert ctx.system == "monolith"
    assert ctx.stack == ("Python 3.12", "Flask", "SQLAlchemy", "PostgreSQL")
    assert ctx.patterns_not_used == ("circuit_breaker", "database", "di_container", "event_bus",
                                     "event_sourcing", "message_queue", "retry", "service")
    assert ctx.patterns == (("data_access", "Repository classes over the shared session"),
                            ("error_handling", "custom exceptions (NotFoundError)"),
                            ("testing", "pytest, unit + integration"))
    assert ctx.scale == Scale(50, 2000, "2 GB")
    assert [(layer.name, layer.paths) for layer in ctx.layers] == [
        ("controllers", ("src/controllers",)), ("services", ("src/services",)),
        ("repositories", ("src/repositories",))]
    assert ctx.layers[0].may_import == ("services", "repositories")  # a directory list sets no rules
    assert ctx.examples == ("src/services/email_service.py", "src/repositories/user_repository.py")


def test_docs_architecture_md_is_read_too() -> None:
    ctx = load_context({"docs/ARCHITECTURE.md": "### System Type\nModular monolith: one deployable, four modules.\n"})
    assert (ctx.system, ctx.sources) == ("Modular monolith", ("docs/ARCHITECTURE.md",))


@pytest.mark.parametrize(("phrase", "kinds"), [
    ("microservices", ("service",)),
    ("message queues or event buses", ("message_queue", "event_bus")),
    ("separate databases per feature", ("database",)),
    ("DI frameworks", ("di_container",)),
    ("DI containers", ("di_container",)),
    ("Docker containers", ("container",)),
    ("task queues (Celery)", ("task_queue",)),
    ("pub/sub", ("pubsub",)),
    ("event sourcing / CQRS", ("event_sourcing",)),
    ("distributed caching", ("cache",)),
    ("separate configuration files for a feature", ("config",)),
    ("exponential backoff", ("retry",)),
    ("factory patterns", ()),
])
def test_not_used_phrases_map_to_kinds(phrase: str, kinds: tuple[str, ...]) -> None:
    assert kinds_of_phrase(phrase) == kinds
    assert set(kinds) <= set(KINDS)


def test_markdown_scale_units() -> None:
    ctx = load_context({"ARCHITECTURE.md": "### Scale Context\n10k users, 1.5 million requests per day\n"})
    assert ctx.scale == Scale(10_000, 1_500_000, None)


def test_context_files_cover_every_source() -> None:
    assert set(CONTEXT_FILES) == {"archreview.toml", "pyproject.toml", ".importlinter", "setup.cfg",
                                  "tach.toml", "ARCHITECTURE.md", "docs/ARCHITECTURE.md"}


def test_the_shipped_example_context_and_sample_architecture_md_load() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "data"
    example = root / "archreview.example.toml"
    ctx = load_context({}, explicit=(str(example), example.read_text(encoding="utf-8")))
    assert ctx.layers and ctx.scale.users and set(ctx.patterns_not_used) <= set(KINDS)
    for md in root.glob("sample/**/ARCHITECTURE.md"):
        parsed = load_context({"ARCHITECTURE.md": md.read_text(encoding="utf-8")})
        assert parsed.patterns_not_used and parsed.scale.users, md
