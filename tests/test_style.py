"""Style facts of single files: a table of snippets and the labels each must show."""

from __future__ import annotations

import ast
import textwrap
import time

import pytest

from archreview.facts.index import FileContext
from archreview.facts.style import style_facts


def facts(src: str):
    src = textwrap.dedent(src)
    return style_facts(ast.parse(src), src)


DATA_ACCESS = [
    ("from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n", ("own-engine",)),
    ("import sqlalchemy as sa\nengine = sa.create_engine(url)\n", ("own-engine",)),
    ("from sqlalchemy.orm import sessionmaker\nSession = sessionmaker()\n", ("own-engine",)),
    ("import sqlite3\nconn = sqlite3.connect('x.db')\n", ("own-engine",)),
    ("import psycopg2\nconn = psycopg2.connect(dsn)\n", ("own-engine",)),
    ("from pymongo import MongoClient\nclient = MongoClient()\n", ("own-engine",)),
    ("def f(session):\n    return session.query(User).all()\n", ("orm-session",)),
    ("def f(db):\n    db.session.add(x)\n    db.session.commit()\n", ("orm-session",)),
    ("class S:\n    def f(self):\n        return self.session.get(User, 1)\n", ("orm-session",)),
    ("def f():\n    return User.objects.filter(active=True)\n", ("django-orm",)),
    ("def f(cursor):\n    cursor.execute(q)\n", ("raw-sql",)),
    ("Q = 'SELECT id, name FROM users WHERE id = %s'\n", ("raw-sql",)),
    ("Q = '''\n  insert into audit (a) values (1)\n'''\n", ("raw-sql",)),
    ("MSG = 'select a file from the list'\n", ()),  # English, not SQL: no FROM clause shape
    ("MSG = 'Update your settings'\n", ()),
    ("class UserRepository:\n    pass\n", ("repository",)),
    ("def f(users: UserRepository):\n    return users.all()\n", ("repository",)),
    ("connect = 1\nx = requests.get(u)\n", ()),
    ("import redis\nr = redis.Redis()\n", ()),
]


@pytest.mark.parametrize(("src", "labels"), DATA_ACCESS)
def test_data_access_labels(src: str, labels: tuple[str, ...]) -> None:
    assert facts(src).data_access == labels


ERRORS = [
    ("raise NotFoundError('x')\n", ("raises-custom",), 1),
    ("raise errors.NotFoundError('x')\n", ("raises-custom",), 1),
    ("raise ValueError('x')\n", ("raises-builtin",), 1),
    ("raise KeyError\n", ("raises-builtin",), 1),
    ("try:\n    f()\nexcept E:\n    raise\n", (), 0),  # a bare re-raise says nothing about style
    ("class AppError(Exception):\n    pass\n", ("defines-exceptions",), 0),
    ("class Gone(AppError):\n    pass\n", ("defines-exceptions",), 0),
    ("def f():\n    return Ok(1)\n", ("result-type",), 0),
]


@pytest.mark.parametrize(("src", "labels", "raises"), ERRORS)
def test_error_handling_labels(src: str, labels: tuple[str, ...], raises: int) -> None:
    got = facts(src)
    assert (got.error_handling, got.raises) == (labels, raises)


RETURNS_ON_ERROR = [
    ("def f():\n    try:\n        g()\n    except E:\n        return None\n", 1, 0),
    ("def f():\n    try:\n        g()\n    except E:\n        log()\n        return\n", 1, 0),
    ("def f():\n    try:\n        g()\n    except E:\n        return False\n", 0, 1),
    ("def f():\n    try:\n        g()\n    except E:\n        return -1\n", 0, 1),
    ("def f():\n    try:\n        g()\n    except E:\n        if x:\n            return None\n        return 'error'\n", 1, 1),
    ("def f():\n    try:\n        g()\n    except E:\n        return fallback()\n", 0, 0),
    ("def f():\n    try:\n        g()\n    except E:\n        def h():\n            return None\n        raise\n", 0, 0),
    ("def f():\n    return None\n", 0, 0),  # not an error path
]


@pytest.mark.parametrize(("src", "nones", "codes"), RETURNS_ON_ERROR)
def test_errors_turned_into_return_values(src: str, nones: int, codes: int) -> None:
    got = facts(src)
    assert (got.returns_none_on_error, got.returns_code_on_error) == (nones, codes)


LOGGING = [
    ("import logging\nlog = logging.getLogger(__name__)\n", ("logging",)),
    ("import structlog\n", ("structlog",)),
    ("from loguru import logger\n", ("loguru",)),
    ("print('hi')\n", ("print",)),
    ("import logging.config\nprint(1)\n", ("logging", "print")),
    ("x = 1\n", ()),
]


@pytest.mark.parametrize(("src", "labels"), LOGGING)
def test_logging_labels(src: str, labels: tuple[str, ...]) -> None:
    assert facts(src).logging == labels


def test_constructor_injection_and_containers() -> None:
    injected = facts("class S:\n    def __init__(self, repo, mailer):\n        self.repo = repo\n")
    assert injected.dependency_injection == ("constructor",)
    built = facts("class S:\n    def __init__(self):\n        self.repo = Repo()\n")
    assert built.dependency_injection == ()
    container = facts("from dependency_injector import containers\nsvc = container.resolve(Service)\n")
    assert container.dependency_injection == ("container",)


def test_naming_counts_defined_names_only() -> None:
    got = facts("def sendNotification(userId, message_text):\n    rowsFound = call_other(userId)\n    total = 1\n")
    assert (got.camel_names, got.snake_names) == (3, 2)  # sendNotification userId rowsFound / message_text total


def test_custom_exceptions_and_first_lines() -> None:
    src = '''
        import logging

        class NotificationError(Exception):
            pass

        def f(session):
            try:
                return session.query(A).all()
            except NotificationError:
                return None
            raise NotificationError()
    '''
    got = facts(src)
    assert got.custom_exceptions == ("NotificationError",)
    assert dict(got.lines) == {"log:logging": 2, "error:defines-exceptions": 4, "data:orm-session": 9,
                               "error:returns-none": 11, "error:raises-custom": 12}


def test_reuses_the_workers_file_context() -> None:
    src = "import logging\nraise ValueError()\n"
    tree = ast.parse(src)
    assert style_facts(tree, src, FileContext("a.py", tree, src)) == style_facts(tree, src)


def test_grows_linearly_with_the_file() -> None:
    """One indexed walk: four times the functions cost about four times as much (4-6x measured, a
    quadratic walk would be 16x). A ratio within one process, the two sizes timed in turns and the
    best of five kept, so load does not fail it; speed figures live in bench/."""
    trees = {}
    for n in (1000, 4000):
        body = "".join(f"def f{i}(session, x):\n    if x:\n        return session.query(T).get(x)\n"
                       f"    raise ValueError(x)\n\n" for i in range(n))
        trees[n] = (ast.parse(body), body)
    best = {n: float("inf") for n in trees}
    for _ in range(5):
        for n, (tree, body) in trees.items():
            start = time.perf_counter()
            got = style_facts(tree, body)
            best[n] = min(best[n], time.perf_counter() - start)
            assert got.raises == n and got.data_access == ("orm-session",)
    assert best[4000] < 12 * best[1000], best


@pytest.mark.parametrize(("text", "is_sql"), [
    ("SELECT id, name FROM users WHERE id = %s", True),
    ("select count(*) from tasks", True),
    ("SELECT u.id AS uid, t.title FROM users u JOIN tasks t ON t.user_id = u.id", True),
    ("SELECT * FROM notifications", True),
    ("INSERT INTO notifications (user_id, body) VALUES (%s, %s)", True),
    ("UPDATE tasks SET done = 1 WHERE id = ?", True),
    ("DELETE FROM tasks WHERE id = ?", True),
    ("CREATE TABLE notifications (id integer)", True),
    ("select a file from the list", False),
    ("Update your settings to continue", False),
    ("Delete from the list the ones you want", False),
    ("Insert into the form your name", False),
])
def test_sql_strings_are_recognised_by_statement_shape(text: str, is_sql: bool) -> None:
    assert (facts(f"Q = {text!r}\n").data_access == ("raw-sql",)) is is_sql
