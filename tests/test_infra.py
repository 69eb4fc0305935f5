"""New infrastructure and new dependencies between two in-memory snapshots."""

from __future__ import annotations

import ast
import textwrap

import pytest

from archreview.change.infra import infrastructure_in_use, new_dependencies, new_infrastructure, place
from archreview.repo.facts import repo_facts
from archreview.facts.manifests import is_manifest, requirements_of
from archreview.core.model import FileFacts, InfraFinding, Location, RawImport, Snapshot
from archreview.change.signals import file_signals, python_signals


def _imports(tree: ast.Module) -> tuple[RawImport, ...]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [RawImport(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(RawImport(node.module or "", node.lineno, node.level, tuple(a.name for a in node.names)))
    return tuple(out)


def facts_of(files: dict[str, str], ref: str = "x") -> Snapshot:
    """A snapshot built the way the per-file stage builds one, without disk or git."""
    out = []
    for path, text in sorted(files.items()):
        text = textwrap.dedent(text)
        reqs = requirements_of(path, text) if is_manifest(path) else ()
        if path.endswith(".py"):
            tree = ast.parse(text)
            out.append(FileFacts(path, "python", imports=_imports(tree), requirements=reqs, signals=python_signals(path, tree, text)))
        else:
            out.append(FileFacts(path, "text", requirements=reqs, signals=file_signals(path, text)))
    return Snapshot(ref, tuple(out))


BASE = {
    "app/__init__.py": "",
    "app/db.py": """\
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        engine = create_engine("postgresql://db/app")
        Session = sessionmaker(bind=engine)
        """,
    "app/models.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "app/email.py": "import smtplib\nimport requests\n",
    "requirements.txt": "SQLAlchemy==2.0.20\nPyYAML==6.0\nrequests\n",
    "Dockerfile": "FROM python:3.11-slim\n",
}


def changed(**edits: str | None) -> dict[str, str]:
    files = dict(BASE)
    for path, text in edits.items():
        path = path.replace("__", "/").replace("_dot_", ".")
        if text is None:
            files.pop(path, None)
        else:
            files[path] = text
    return files


def keys(findings: tuple[InfraFinding, ...]) -> list[tuple[str, str]]:
    return [(f.kind, f.name) for f in findings]


def test_nothing_changed_nothing_new() -> None:
    assert new_infrastructure(facts_of(BASE), facts_of(BASE)) == ()
    assert new_dependencies(facts_of(BASE), facts_of(BASE)) == ()


def test_without_a_base_nothing_is_new() -> None:
    head = facts_of(changed(app__bus_dot_py="import pika\n"))
    assert new_infrastructure(None, head) == ()
    assert new_dependencies(None, head) == ()


def test_a_new_broker_is_reported_with_head_evidence() -> None:
    head = facts_of(changed(app__bus_dot_py="import json\n\nimport pika\n"))
    [found] = new_infrastructure(facts_of(BASE), head)
    assert (found.kind, found.name, found.evidence, found.test_only) == (
        "message_queue", "rabbitmq", (Location("app/bus.py", 3),), False,
    )  # fmt: skip


def test_a_moved_engine_is_not_new() -> None:
    engine = BASE["app/db.py"]
    head = facts_of(changed(app__db_dot_py=None, app__database_dot_py=engine, app__models_dot_py=BASE["app/models.py"] + "# moved\n"))
    assert new_infrastructure(facts_of(BASE), head) == ()


def test_a_second_engine_beside_the_first_is_new_with_only_the_new_occurrence() -> None:
    second = """\
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        notifications_engine = create_engine("sqlite:///notifications.db")
        NotificationSession = sessionmaker(bind=notifications_engine)
        """
    found = new_infrastructure(facts_of(BASE), facts_of(changed(notifications__db_dot_py=second)))
    assert keys(found) == [
        ("database", "sqlalchemy engine"),
        ("database", "sqlalchemy session factory"),
        ("database", "sqlite"),
    ]
    assert found[0].evidence == (Location("notifications/db.py", 3),)


def test_engines_are_counted_one_definition_at_a_time_so_a_conditional_engine_is_still_one() -> None:
    conditional = BASE["app/db.py"].replace('create_engine("postgresql://db/app")',
                                            "create_engine(A) if REPLICA else create_engine(B)")
    assert new_infrastructure(facts_of(BASE), facts_of(changed(app__db_dot_py=conditional))) == ()


def test_a_second_engine_in_the_same_module_is_new() -> None:
    both = textwrap.dedent(BASE["app/db.py"]) + 'replica = create_engine("postgresql://replica/app")\nReadSession = sessionmaker(bind=replica)\n'
    found = new_infrastructure(facts_of(BASE), facts_of(changed(app__db_dot_py=both)))
    assert keys(found) == [("database", "sqlalchemy engine"), ("database", "sqlalchemy session factory")]


def test_a_moved_engine_plus_one_more_module_with_an_engine_reports_changed_files() -> None:
    engine = BASE["app/db.py"]
    head = facts_of(changed(app__db_dot_py=None, app__database_dot_py=engine, app__reports_dot_py=engine))
    [found] = [f for f in new_infrastructure(facts_of(BASE), head) if f.name == "sqlalchemy engine"]
    assert found.evidence == (Location("app/database.py", 3), Location("app/reports.py", 3))


def test_repinned_and_respelled_dependencies_are_not_new() -> None:
    head = facts_of(changed(requirements_dot_txt="sqlalchemy>=2.1\npyyaml==6.0.1\nRequests==2.32\n"))
    assert new_dependencies(facts_of(BASE), head) == ()
    assert new_infrastructure(facts_of(BASE), head) == ()


def test_new_dependencies_from_manifests_and_production_imports() -> None:
    head = facts_of(
        changed(
            requirements_dot_txt=BASE["requirements.txt"] + "pika==1.3\npsycopg2-binary\n",
            app__img_dot_py="import PIL.Image\nimport yaml\nimport psycopg2\nfrom app import db\nimport os\n",
            tests__test_x_dot_py="import freezegun\n",
        )
    )
    assert new_dependencies(facts_of(BASE), head) == ("pika", "pillow", "psycopg2-binary")


def test_imports_of_the_repositorys_own_packages_are_internal() -> None:
    files = changed(retry__init___dot_py="", retry__core_dot_py="", app__x_dot_py="from retry import core\nimport retry\n")
    files["retry/__init__.py"] = ""
    head = facts_of(files)
    assert "retry" in repo_facts(head).internal
    assert new_dependencies(facts_of(BASE), head) == ()
    assert ("retry", "retry") not in keys(new_infrastructure(facts_of(BASE), head))


def test_internal_names_cover_src_layout_and_nested_packages() -> None:
    snap = facts_of({"src/shop/__init__.py": "", "src/shop/orders/__init__.py": "", "src/shop/orders/api.py": "", "manage.py": "", "scripts/tool.py": ""})
    assert repo_facts(snap).internal >= {"shop", "manage", "src", "scripts", "tool"}
    assert "orders" not in repo_facts(snap).internal


def test_test_only_redis_is_marked_test_only() -> None:
    head = facts_of(changed(tests__conftest_dot_py="import redis\nr = redis.Redis()\n"))
    [found] = new_infrastructure(facts_of(BASE), head)
    assert (found.kind, found.name, found.test_only) == ("cache", "redis", True)
    assert found.evidence == (Location("tests/conftest.py", 1), Location("tests/conftest.py", 2))


def test_redis_moving_from_tests_into_production_is_new_production_infrastructure() -> None:
    base = facts_of(changed(tests__conftest_dot_py="import redis\n"))
    head = facts_of(changed(tests__conftest_dot_py="import redis\n", app__cache_dot_py="import redis\n"))
    [found] = new_infrastructure(base, head)
    assert (found.name, found.test_only, found.evidence) == ("redis", False, (Location("app/cache.py", 1),))


def test_a_new_worker_folder_with_a_dockerfile_is_a_service() -> None:
    head = facts_of(
        changed(
            worker__Dockerfile="FROM python:3.12-slim\nCMD [\"celery\", \"-A\", \"worker\", \"worker\"]\n",
            worker__requirements_dot_txt="celery[redis]==5.3\n",
            worker__tasks_dot_py="from celery import shared_task\n",
        )
    )
    found = {(f.kind, f.name): f for f in new_infrastructure(facts_of(BASE), head)}
    assert found[("service", "worker")].evidence == (Location("worker/Dockerfile", 1), Location("worker/requirements.txt", 1))
    assert found[("container", "python")].evidence == (Location("worker/Dockerfile", 1),)  # a second Dockerfile
    assert ("task_queue", "celery") in found
    assert new_dependencies(facts_of(BASE), head) == ("celery",)


def test_a_new_module_inside_an_existing_folder_is_not_a_service() -> None:
    head = facts_of(changed(app__notifications_dot_py="from app.db import Session\n"))
    assert new_infrastructure(facts_of(BASE), head) == ()


def test_a_new_config_file_and_compose_service() -> None:
    files = changed(notifications__settings_dot_yaml="retries: 5\n")
    files["docker-compose.yml"] = "services:\n  mq:\n    image: rabbitmq:3-management\n"
    found = keys(new_infrastructure(facts_of(BASE), facts_of(files)))
    assert found == [
        ("config", "notifications/settings.yaml"),  # the compose file brings its services, it is not config
        ("message_queue", "rabbitmq"),  # a broker image is its kind, not also a team service
    ]


def test_a_renamed_compose_service_is_not_new_but_a_second_one_is() -> None:
    base = dict(BASE, **{"docker-compose.yml": "services:\n  web:\n    build: .\n"})
    renamed = dict(BASE, **{"docker-compose.yml": "services:\n  api:\n    build: .\n"})
    second = dict(BASE, **{"docker-compose.yml": "services:\n  web:\n    build: .\n  consumer:\n    build: .\n"})
    assert keys(new_infrastructure(facts_of(base), facts_of(renamed))) == []
    assert keys(new_infrastructure(facts_of(base), facts_of(second))) == [("service", "consumer")]


def test_a_new_folder_with_config_beside_its_own_code_is_a_service() -> None:
    head = facts_of(changed(notifications__settings_dot_yaml="retries: 5\n", notifications__api_dot_py="import json\n"))
    services = [f for f in new_infrastructure(facts_of(BASE), head) if f.kind == "service"]
    assert [(f.name, f.evidence) for f in services] == [("notifications", (Location("notifications/settings.yaml", 1),))]


def test_a_new_source_root_or_a_first_commit_is_not_a_service() -> None:
    moved = {f"src/{p}": t for p, t in BASE.items() if p.startswith("app/")} | {"src/setup.py": "from setuptools import setup\nsetup(install_requires=['sqlalchemy'])\n"}
    head = facts_of({p: t for p, t in BASE.items() if not p.startswith("app/")} | moved)
    assert [f for f in new_infrastructure(facts_of(BASE), head) if f.kind == "service"] == []
    first = facts_of({"README.md": "hi\n"})
    assert [f for f in new_infrastructure(first, facts_of(BASE)) if f.kind == "service"] == []


def test_infrastructure_already_in_base_under_another_signal_is_not_new() -> None:
    compose = {"docker-compose.yml": "services:\n  mq:\n    image: rabbitmq:3\n"}
    base = facts_of(changed() | compose)
    head = facts_of(changed(app__bus_dot_py="import pika\n") | compose)
    assert keys(new_infrastructure(base, head)) == []


def test_manifest_declarations_support_code_evidence_but_do_not_decide() -> None:
    pinned_only = facts_of(changed(requirements_dot_txt=BASE["requirements.txt"] + "blinker==1.7\n"))
    assert new_infrastructure(facts_of(BASE), pinned_only) == ()  # a pinned transitive dependency
    assert new_dependencies(facts_of(BASE), pinned_only) == ("blinker",)
    head = facts_of(changed(requirements_dot_txt=BASE["requirements.txt"] + "tenacity\n", app__send_dot_py="import tenacity\n"))
    [found] = new_infrastructure(facts_of(BASE), head)
    assert found.evidence == (Location("app/send.py", 1), Location("requirements.txt", 4))


def test_a_library_declared_for_production_but_used_only_in_tests_is_test_only() -> None:
    head = facts_of(changed(requirements_dot_txt=BASE["requirements.txt"] + "tenacity\n", tests__conftest_dot_py="import tenacity\n"))
    [found] = new_infrastructure(facts_of(BASE), head)
    assert (found.name, found.test_only, found.evidence) == ("tenacity", True, (Location("tests/conftest.py", 1),))


def test_declared_kinds_are_flagged() -> None:
    head = facts_of(changed(app__bus_dot_py="import pika\nimport tenacity\n"))
    found = {f.kind: f for f in new_infrastructure(facts_of(BASE), head, not_used=["message_queue"], used=["retry"])}
    assert (found["message_queue"].declared_unused, found["message_queue"].declared_used) == (True, False)
    assert (found["retry"].declared_unused, found["retry"].declared_used) == (False, True)


def test_docs_are_ignored_and_constraints_are_not_declarations() -> None:
    head = facts_of(
        changed(
            docs__example_dot_py="import pika\n",
            requirements_dot_txt=BASE["requirements.txt"] + "-c constraints.txt\n",
            constraints_dot_txt="urllib3<2\n",
        )
    )
    assert new_infrastructure(facts_of(BASE), head) == ()
    assert new_dependencies(facts_of(BASE), head) == ()


def test_infrastructure_in_use_lists_what_exists() -> None:
    snap = facts_of(changed(tests__test_cache_dot_py="import redis\n"))
    found = {(f.kind, f.name): f for f in infrastructure_in_use(snap)}
    assert set(found) == {
        ("container", "python"),
        ("database", "postgresql"),
        ("database", "sqlalchemy"),
        ("database", "sqlalchemy engine"),
        ("database", "sqlalchemy session factory"),
        ("cache", "redis"),
    }
    assert found[("cache", "redis")].test_only is True
    assert found[("database", "sqlalchemy")].evidence[0] == Location("app/db.py", 1)


def test_findings_are_sorted_and_deterministic() -> None:
    head = facts_of(changed(app__x_dot_py="import tenacity\nimport pika\nimport pybreaker\n"))
    once = new_infrastructure(facts_of(BASE), head)
    assert once == new_infrastructure(facts_of(BASE), head)
    assert keys(once) == sorted(keys(once))


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("tests/test_a.py", "test"),
        ("app/tests/helpers.py", "test"),
        ("conftest.py", "test"),
        ("app/test_views.py", "test"),
        ("app/views_test.py", "test"),
        ("docs/conf.py", "docs"),
        ("app/testing_utils.py", "prod"),
        ("app/contest.py", "prod"),
    ],
)
def test_place(path: str, where: str) -> None:
    assert place(path) == where


def test_the_declared_stack_names_kinds_in_use():
    from archreview.change.infra import kinds_in_stack

    assert kinds_in_stack(["Flask", "PostgreSQL", "redis", "celery", "no-such-thing"]) == (
        "cache", "database", "task_queue", "web_framework")


def test_a_repository_with_an_init_at_its_root_does_not_hang():
    from archreview.core.model import FileFacts, Snapshot

    files = (FileFacts("__init__.py", "python"), FileFacts("pkg/__init__.py", "python"), FileFacts("pkg/a.py", "python"))
    assert repo_facts(Snapshot("x", files)).internal >= {"pkg"}


def test_a_class_around_a_library_the_code_already_used_is_a_wrapper_not_new():
    base = dict(BASE, **{"app/di.py": "import punq\nCONTAINER = punq.Container()\n"})
    wrapper = dict(base, **{"app/ioc.py": ("import punq\nclass Container:\n    def register(self, k, v):\n        pass\n"
                                           "    def resolve(self, k):\n        pass\n")})
    own = dict(BASE, **{"app/ioc.py": wrapper["app/ioc.py"].replace("import punq\n", "")})
    assert keys(new_infrastructure(facts_of(base), facts_of(wrapper))) == []
    assert ("di_container", "container class") in keys(new_infrastructure(facts_of(BASE), facts_of(own)))


def test_a_connection_opened_per_call_in_another_handler_is_not_a_new_one() -> None:
    handler = """\
        import pika
        def on_save(user):
            connection = pika.BlockingConnection(pika.ConnectionParameters(host=HOST))
            connection.channel().basic_publish(exchange="", routing_key="users", body=user)
        """
    handler = textwrap.dedent(handler)
    base = facts_of(changed(app__signals_dot_py=handler))
    head = facts_of(changed(app__signals_dot_py=handler + handler.replace("import pika\n", "").replace("on_save", "on_delete")))
    assert new_infrastructure(base, head) == ()
