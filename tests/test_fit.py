"""The five-question fit test on small in-memory monoliths and two versions of one feature.

The base codebase follows the seed's BuildRight: repositories over one shared
SQLAlchemy session, services with constructor injection raising the
codebase's own exceptions, the standard logger, requests for HTTP. One change
adds notifications the same way; the other brings its own engine, raw SQL,
return-None errors, camelCase, loguru, httpx, a utils module and a broker.
"""

from __future__ import annotations

import ast
import dataclasses
import textwrap

import pytest
from radon.visitors import ComplexityVisitor

from archreview.facts import python as pyfacts
from archreview.context.load import Context, Layer, Scale
from archreview.change.fit import fit_test
from archreview.core.model import Evidence, FileFacts, InfraFinding, Location, Signal, Snapshot
from archreview.repo.facts import repo_facts
from archreview.facts.style import style_facts


def facts(path: str, text: str) -> FileFacts:
    """The lead's per-file worker when it is importable, else the same steps by hand."""
    text = textwrap.dedent(text).lstrip("\n")
    try:
        from archreview.analysis.perfile import analyse_file
    except ImportError:
        analyse_file = None
    if analyse_file is not None:
        return analyse_file(path, "python", text.encode())
    tree = ast.parse(text)
    nodes = list(ast.walk(tree))
    funcs = {n.lineno: n for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    imports = [i for stmt, local, checking in pyfacts.iter_statements(tree)
               if isinstance(stmt, (ast.Import, ast.ImportFrom)) for i in pyfacts.imports_of(stmt, local, checking)]
    return FileFacts(
        path, "python", lines=len(text.splitlines()), imports=tuple(imports),
        functions=pyfacts.function_metrics(ComplexityVisitor.from_ast(tree), funcs),
        classes=tuple(pyfacts.class_info(n) for n in nodes if isinstance(n, ast.ClassDef)),
        style=style_facts(tree, text),
    )


BASE = {
    "app/__init__.py": "",
    "app/db.py": '''
        """The one shared database session for the whole application."""
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        engine = create_engine("postgresql://localhost/buildright")
        SessionLocal = sessionmaker(bind=engine)
    ''',
    "app/errors.py": '''
        class AppError(Exception):
            """Base of every error the application raises on purpose."""


        class NotFoundError(AppError):
            def __init__(self, what, key):
                super().__init__(f"{what} {key} not found")


        class ConflictError(AppError):
            pass
    ''',
    "app/utils.py": '''
        def slugify(text):
            """Lower-case words joined by dashes."""
            return "-".join(text.lower().split())
    ''',
    "app/repositories/__init__.py": "",
    "app/repositories/users.py": '''
        from app.errors import NotFoundError
        from app.models import User


        class UserRepository:
            def __init__(self, session):
                self.session = session

            def find_by_id(self, user_id):
                """The user, or NotFoundError."""
                user = self.session.get(User, user_id)
                if user is None:
                    raise NotFoundError("User", user_id)
                return user

            def add(self, user):
                """Stage a new user in the shared session."""
                self.session.add(user)
                return user
    ''',
    "app/repositories/tasks.py": '''
        from app.errors import NotFoundError
        from app.models import Task


        class TaskRepository:
            def __init__(self, session):
                self.session = session

            def find_by_id(self, task_id):
                """The task, or NotFoundError."""
                task = self.session.get(Task, task_id)
                if task is None:
                    raise NotFoundError("Task", task_id)
                return task

            def for_user(self, user_id):
                """Tasks assigned to one user."""
                return self.session.query(Task).filter_by(user_id=user_id).all()
    ''',
    "app/models.py": '''
        class User:
            """A person who uses BuildRight."""


        class Task:
            """A unit of work assigned to a user."""
    ''',
    "app/services/__init__.py": "",
    "app/services/users.py": '''
        import logging

        from app.errors import ConflictError
        from app.repositories.users import UserRepository

        log = logging.getLogger(__name__)


        class UserService:
            def __init__(self, users: UserRepository):
                self.users = users

            def rename(self, user_id, new_name):
                """Rename a user; names are unique."""
                user = self.users.find_by_id(user_id)
                if user.name == new_name:
                    raise ConflictError("same name")
                user.name = new_name
                log.info("renamed user %s", user_id)
                return user
    ''',
    "app/services/email.py": '''
        import logging

        import requests

        log = logging.getLogger(__name__)


        class EmailService:
            def __init__(self, users, base_url):
                self.users = users
                self.base_url = base_url

            def send(self, user_id, message):
                """Send one e-mail, with a single retry like the rest of BuildRight."""
                user = self.users.find_by_id(user_id)
                try:
                    requests.post(self.base_url, json={"to": user.email, "body": message}, timeout=5)
                except requests.RequestException:
                    log.warning("retrying e-mail to %s", user_id)
                    requests.post(self.base_url, json={"to": user.email, "body": message}, timeout=5)
    ''',
    "app/controllers/__init__.py": "",
    "app/controllers/users.py": '''
        from app.services.users import UserService


        def rename_user(service: UserService, user_id, body):
            """PUT /users/<id>/name"""
            return service.rename(user_id, body["name"])
    ''',
    "tests/test_users.py": '''
        def test_rename():
            print("a test may print")
            assert True
    ''',
}

FITTING_CHANGE = {
    "app/repositories/notifications.py": '''
        from app.errors import NotFoundError
        from app.models import Notification


        class NotificationRepository:
            def __init__(self, session):
                self.session = session

            def find_by_id(self, notification_id):
                """The notification, or NotFoundError."""
                found = self.session.get(Notification, notification_id)
                if found is None:
                    raise NotFoundError("Notification", notification_id)
                return found

            def for_user(self, user_id):
                """Notifications of one user, newest first."""
                return self.session.query(Notification).filter_by(user_id=user_id).all()
    ''',
    "app/services/notifications.py": '''
        import logging

        from app.errors import NotFoundError
        from app.repositories.notifications import NotificationRepository

        log = logging.getLogger(__name__)


        class NotificationService:
            def __init__(self, notifications: NotificationRepository, email):
                self.notifications = notifications
                self.email = email

            def mark_as_read(self, notification_id, user_id):
                """Mark one of the user's notifications as read."""
                notification = self.notifications.find_by_id(notification_id)
                if notification.user_id != user_id:
                    raise NotFoundError("Notification", notification_id)
                notification.read = True
                log.info("notification %s read", notification_id)
    ''',
    "tests/test_notifications.py": "def test_it():\n    assert True\n",
}

DRIFTING_CHANGE = {
    "notification_service/__init__.py": "",
    "notification_service/database.py": '''
        from sqlalchemy import create_engine

        notificationEngine = create_engine("postgresql://localhost/notifications", pool_size=20)


        def saveNotification(userId, messageText):
            with notificationEngine.connect() as connection:
                connection.execute("INSERT INTO notifications (user_id, body) VALUES (%s, %s)", (userId, messageText))


        def loadNotifications(userId):
            try:
                with notificationEngine.connect() as connection:
                    return connection.execute("SELECT id, body FROM notifications WHERE user_id = %s", userId)
            except Exception:
                return None
    ''',
    "notification_service/service.py": '''
        import httpx
        from loguru import logger

        from notification_service.database import loadNotifications, saveNotification


        class NotificationError(Exception):
            pass


        def sendNotification(userId, messageText, webhookUrl):
            try:
                saveNotification(userId, messageText)
                httpx.post(webhookUrl, json={"user": userId, "text": messageText})
            except httpx.HTTPError:
                logger.exception("delivery failed")
                return False
            return True


        def markAsRead(notificationId, userId):
            rowsFound = loadNotifications(userId)
            if rowsFound is None:
                raise NotificationError(notificationId)
            return rowsFound
    ''',
    "notification_service/utils.py": '''
        def buildPayload(userId, messageText):
            return {"user": userId, "text": messageText}
    ''',
    "app/controllers/notifications.py": '''
        from app.repositories.users import UserRepository


        def list_notifications(users: UserRepository, user_id):
            """GET /notifications"""
            return users.find_by_id(user_id)
    ''',
}

LAYERS = Context(
    "monolith", ("python",),
    (Layer("controllers", ("app/controllers",), ("services", "models")),
     Layer("services", ("app/services",), ("repositories", "models")),
     Layer("repositories", ("app/repositories",), ("models",)),
     Layer("models", ("app/models.py",), ())),
    (("data_access", "repositories over one shared SQLAlchemy session"),
     ("error_handling", "custom exceptions derived from AppError")),
    ("message_queue", "event_bus"), Scale(50), (), ("archreview.toml",))

BROKER = InfraFinding("message_queue", "pika", (Location("notification_service/bus.py", 3),), declared_unused=True)
COMPOSE = InfraFinding("container", "rabbitmq service", (Location("docker-compose.yml", 12),))
RETRY = InfraFinding("retry", "tenacity", (Location("notification_service/service.py", 2),))


def snapshot(files: dict[str, str], ref: str) -> Snapshot:
    return Snapshot(ref, tuple(facts(p, t) for p, t in sorted(files.items())))


def run(change: dict[str, str], new_infra=(), context=LAYERS, base_files=BASE):
    base = snapshot(base_files, "base")
    head = snapshot({**base_files, **change}, "head")
    facts = repo_facts(head, context)
    return fit_test(base, head, tuple(change), facts, new_infra, context)


def test_a_change_that_follows_the_patterns_fits_on_all_five() -> None:
    answers = run(FITTING_CHANGE)
    assert [a.question for a in answers] == [1, 2, 3, 4, 5]
    assert [(a.verdict, a.evidence) for a in answers] == [("fits", ())] * 5, answers
    assert "orm-session" in answers[0].summary and "repository" in answers[0].summary
    assert "threshold" in answers[4].summary


def test_a_change_with_its_own_everything_drifts_with_evidence() -> None:
    answers = run(DRIFTING_CHANGE, (BROKER, COMPOSE, RETRY))
    assert [a.verdict for a in answers] == ["drifts"] * 5, answers
    q1, q2, q3, q4, q5 = (set(a.evidence) for a in answers)
    assert {
        Evidence("notification_service/database.py", 3,
                 "opens its own database engine/connection beside the shared one at app/db.py:5"),
        Evidence("notification_service/database.py", 8, "uses raw-sql; the codebase uses orm-session"),
    } <= q1
    assert Evidence("notification_service/database.py", 16,
                    "returns None from an except block; the codebase raises exceptions") in q2
    assert any((e.path, e.line) == ("notification_service/service.py", 7) and e.text.startswith(
        "NotificationError derives from Exception, not from the codebase's base exception AppError (app/errors.py:1)")
        for e in q2)
    assert Evidence("notification_service/service.py", 17,
                    "returns an error code from an except block; the codebase raises exceptions") in q2
    assert {
        Evidence("notification_service/service.py", 1, "imports httpx for HTTP client; the codebase uses requests"),
        Evidence("notification_service/service.py", 2, "imports loguru for logging; the codebase uses logging"),
        Evidence("notification_service/utils.py", 1, "a new utils module; the codebase already has app/utils.py"),
    } <= q3
    assert any((e.path, e.line) == ("app/controllers/notifications.py", 1)
               and e.text.startswith("layer 'controllers' imports layer 'repositories'") for e in q3)
    assert q4 == {Evidence("notification_service/bus.py", 3, "adds message queue (pika)"),
                  Evidence("docker-compose.yml", 12, "adds container image (rabbitmq service)")}
    assert "code-level patterns only: retry" in answers[3].summary
    assert any("camelCase" in e.text for e in q5)
    assert "naming" not in answers[4].summary or "camelCase names" in answers[4].summary


def test_only_what_the_change_introduces_counts() -> None:
    """A modified file that already used raw SQL in base does not drift for keeping it."""
    legacy = {**BASE, "app/reports.py": 'def totals(cursor):\n    """Report."""\n'
                                          '    cursor.execute("SELECT count(*) FROM tasks WHERE done")\n'}
    change = {"app/reports.py": legacy["app/reports.py"] + '\n\ndef more(cursor):\n    """More."""\n    return 1\n'}
    answers = run(change, base_files=legacy)
    assert answers[0].verdict == "fits", answers[0]


def test_queries_outside_a_repository_drift_when_the_codebase_uses_repositories() -> None:
    change = {"app/services/reports.py": '''
        from app.models import Task


        class ReportService:
            def __init__(self, session):
                self.session = session

            def open_tasks(self):
                """Open tasks straight from the session."""
                return self.session.query(Task).all()
    '''}
    q1 = run(change)[0]
    assert q1.verdict == "drifts"
    assert q1.evidence == (Evidence("app/services/reports.py", 10, "orm-session outside a repository class; "
                                    "the codebase reaches data through repositories"),)


def test_declared_infrastructure_is_not_a_drift() -> None:
    cache = InfraFinding("cache", "redis", (Location("app/cache.py", 1),), declared_used=True)
    q4 = run(FITTING_CHANGE, (cache,))[3]
    assert q4.verdict == "fits" and "already part of the declared architecture: cache" in q4.summary


def test_test_only_infrastructure_is_not_a_drift() -> None:
    fake = dataclasses.replace(BROKER, test_only=True)
    assert run(FITTING_CHANGE, (fake,))[3].verdict == "fits"


def test_no_changed_files_is_not_applicable_with_a_reason() -> None:
    base = snapshot(BASE, "b")
    facts = repo_facts(base, LAYERS)
    answers = fit_test(base, base, (), facts, (), LAYERS)
    assert {a.verdict for a in answers} == {"not_applicable"}
    assert all("modifies no file" in a.summary for a in answers)


def test_a_change_to_tests_only_leaves_only_the_infrastructure_question() -> None:
    answers = run({"tests/test_more.py": "def test_x():\n    assert 1\n"}, (BROKER,))
    assert [a.verdict for a in answers] == ["not_applicable"] * 3 + ["drifts", "not_applicable"]


def test_without_a_base_or_context_nothing_can_be_answered() -> None:
    head = snapshot(BASE, "h")
    facts = repo_facts(head, None)
    answers = fit_test(None, head, (), facts, (), None)
    assert [a.verdict for a in answers] == ["not_applicable"] * 5


def test_without_a_base_the_context_is_the_yardstick() -> None:
    head_files = {**BASE, **DRIFTING_CHANGE}
    head = snapshot(head_files, "h")
    rabbit = Signal("message_queue", "pika", 3, "import")
    head = Snapshot("h", tuple(dataclasses.replace(f, signals=(rabbit,)) if f.path == "notification_service/service.py"
                               else f for f in head.files))
    facts = repo_facts(head, LAYERS)
    q1, q2, q3, q4, q5 = fit_test(None, head, (), facts, (), LAYERS)
    assert q1.verdict == "drifts" and any("raw-sql" in e.text for e in q1.evidence)
    assert any("own database engine" in e.text for e in q1.evidence)  # two engines: neither is "the shared one"
    assert q2.verdict == "drifts" and any((e.path, e.line) == ("notification_service/database.py", 16)
                                          for e in q2.evidence)
    assert q3.verdict == "drifts" and (q3.evidence[0].path, q3.evidence[0].line) == ("app/controllers/notifications.py", 1)
    assert q4.evidence == (Evidence("notification_service/service.py", 3,
                                    "uses message_queue (pika), which the context says is not used"),)
    assert q5.verdict == "not_applicable"


def test_without_a_base_a_clean_codebase_fits_its_context() -> None:
    head = snapshot(BASE, "h")
    facts = repo_facts(head, LAYERS)
    answers = fit_test(None, head, (), facts, (), LAYERS)
    assert [a.verdict for a in answers] == ["fits", "fits", "fits", "fits", "not_applicable"], answers


def test_size_distance_uses_the_codebase_percentile() -> None:
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(30))
    change = {"app/services/big.py": f'def decide(x):\n    """Long."""\n{branches}\n    return -1\n'}
    q5 = run(change)[4]
    assert q5.verdict == "drifts"
    assert any((e.path, e.line) == ("app/services/big.py", 1) and e.text.startswith("decide: function length 63")
               for e in q5.evidence)
    assert any((e.path, e.line) == ("app/services/big.py", 1) and e.text.startswith("decide: cyclomatic complexity 31")
               for e in q5.evidence)
    assert "90th percentile" in q5.summary


def test_migrations_and_scripts_in_a_change_are_not_compared_with_the_codebase() -> None:
    """Raw SQL in a migration or print in a script is their way; only production code is held to the codebase's."""
    change = {"app/migrations/0002_backfill.py": 'def forward(cursor):\n    """Backfill."""\n'
                                                 '    cursor.execute("UPDATE tasks SET done = 0")\n',
              "scripts/report.py": 'def main():\n    """Print."""\n    print("done")\n'}
    answers = run(change)
    assert [a.verdict for a in answers] == ["not_applicable"] * 3 + ["fits", "not_applicable"], answers
    assert "no production source in an analysed language" in answers[0].summary


def test_an_engine_moved_to_another_module_is_not_a_second_one() -> None:
    moved = {k: v for k, v in BASE.items() if k != "app/db.py"}
    moved["app/database/__init__.py"] = BASE["app/db.py"]
    base = snapshot(BASE, "b")
    head = snapshot(moved, "h")
    facts = repo_facts(head, LAYERS)
    q1 = fit_test(base, head, ("app/db.py", "app/database/__init__.py"), facts, (), LAYERS)[0]
    assert q1.verdict == "fits", q1


def test_a_first_engine_in_a_codebase_without_one_drifts() -> None:
    no_engine = {k: v for k, v in BASE.items() if k != "app/db.py"}
    change = {"app/db.py": BASE["app/db.py"]}
    q1 = run(change, base_files=no_engine)[0]
    assert q1.evidence == (Evidence("app/db.py", 5, "opens its own database engine/connection; the codebase had none"),)


def test_evidence_is_ordered_by_path_then_line_number() -> None:
    found = [InfraFinding("service", f"s{n}", (Location("docker-compose.yml", n),)) for n in (16, 2, 3)]
    q4 = run(FITTING_CHANGE, found)[3]
    assert [(e.path, e.line) for e in q4.evidence] == [
        ("docker-compose.yml", 2), ("docker-compose.yml", 3), ("docker-compose.yml", 16)]


def test_evidence_beyond_the_cap_is_counted_not_kept() -> None:
    found = [InfraFinding("service", f"s{n}", (Location("docker-compose.yml", n),)) for n in range(1, 26)]
    q4 = run(FITTING_CHANGE, found)[3]
    assert (len(q4.evidence), q4.omitted) == (20, 5)
    assert q4.evidence[-1] == Evidence("docker-compose.yml", 20, "adds deployable service (s20)")


def test_editing_a_function_that_was_already_long_is_not_the_changes_drift() -> None:
    """healthchecks hc/api/views.py `_update`, redash `execute_query` (bench/realcode/repo_rules.py): a change
    that edits a few lines of an old, long function, or adds one helper, says nothing about size or shares."""
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(30))
    old = f"def decide(x):\n{branches}\n    return -1\n"
    base_files = {**BASE, "app/services/big.py": old}
    edited = run({"app/services/big.py": old.replace("return -1", "return -2")}, base_files=base_files)[4]
    assert not any(e.path == "app/services/big.py" for e in edited.evidence), edited
    grown = run({"app/services/big.py": old + 'def helper(y):\n    """One helper."""\n    return y\n'},
                base_files=base_files)[4]
    assert not any("of the change vs" in e.text for e in grown.evidence), grown  # one function is no share
    # a function the change itself wrote long is still its drift
    fresh = run({"app/services/new.py": old.replace("decide", "choose")})[4]
    assert any(e.text.startswith("choose: function length") for e in fresh.evidence), fresh
