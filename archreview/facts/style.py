"""Conventions of one Python file that a newcomer would notice (input to the fit test).

The seed's fit test asks whether new code accesses data, handles errors and logs
the way the rest of the codebase does. ``style_facts`` records, per file, which
styles it shows (with the first line of each, for evidence) so the fit test can
compare the changed files with the codebase's own distribution. It runs once per
file inside the per-file worker, so it reuses the one indexed walk of
``FileContext`` when given one and never walks the tree twice.
"""

from __future__ import annotations

import ast
import builtins
import re

from archreview.facts.index import FileContext, dotted
from archreview.core.model import StyleFacts

BUILTIN_EXCEPTIONS = frozenset(
    n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)
)
_COLUMN = r"(?:[\w.\"*]+(?:\([^)]*\))?(?:\s+as\s+\w+)?)"
_SQL = re.compile(  # statement shapes, so that English ("select a file from the list") does not match
    rf"^\s*(select\s+(?:distinct\s+)?{_COLUMN}(?:\s*,\s*{_COLUMN})*\s+from\s+[\w.\"]+|"
    r"insert\s+into\s+[\w.\"]+\s*(?:\(|values\b|select\b)|update\s+[\w.\"]+\s+set\s+\w+\s*=|"
    r"delete\s+from\s+[\w.\"]+\s*(?:where\b|;|$)|create\s+(?:unique\s+)?(?:table|index)\b|"
    r"alter\s+table\b|drop\s+table\b|with\s+\w+\s+as\s*\()",
    re.IGNORECASE,
)
SQL_STATEMENT = _SQL  # also read by the other languages' style (``archreview.facts.codestyle``)
_ENGINE_CALLS = frozenset({"create_engine", "create_async_engine", "sessionmaker", "async_sessionmaker",
                           "scoped_session"})
_CONNECT_MODULES = frozenset({"sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql.connector",
                              "asyncpg", "aiosqlite", "aiomysql", "aiopg", "cx_Oracle", "oracledb", "pyodbc"})
_CLIENT_CALLS = frozenset({"MongoClient", "AsyncIOMotorClient", "connect", "create_pool"})
_SESSION_METHODS = frozenset({"query", "add", "add_all", "commit", "flush", "execute", "scalars", "scalar",
                              "get", "delete", "merge", "refresh", "rollback"})
_LOG_MODULES = {"logging": "logging", "structlog": "structlog", "loguru": "loguru", "logbook": "logbook"}
_CONTAINER_HINTS = frozenset({"dependency_injector", "injector", "punq", "lagom", "kink", "dishka", "inject"})
_CAMEL = re.compile(r"^_*[a-z][a-z0-9]*[A-Z]")  # not [a-z]+[a-z0-9]*: quadratic on a long identifier
_SNAKE = re.compile(r"^_*[a-z][a-z0-9]*(_[a-z0-9]+)+$|^_*[a-z][a-z0-9]*$")


def style_facts(tree: ast.Module, text: str, ctx: FileContext | None = None) -> StyleFacts:
    """Data-access, error-handling, logging, DI and naming conventions of one file.

    Pass the worker's ``FileContext`` to reuse its single indexed walk.
    """
    ctx = ctx if ctx is not None else FileContext("", tree, text)
    seen: dict[str, int] = {}  # label -> first line
    _imports(ctx, seen)
    _calls(ctx, seen)
    _sql_strings(ctx, seen)
    raises = _raises(ctx, seen)
    customs = _custom_exceptions(ctx, seen)
    none_returns, code_returns = _error_returns(ctx, seen)
    snake, camel = _naming(ctx)
    return StyleFacts(
        data_access=_labels(seen, "data"),
        error_handling=_labels(seen, "error"),
        logging=_labels(seen, "log"),
        raises=raises,
        custom_exceptions=customs,
        returns_none_on_error=none_returns,
        returns_code_on_error=code_returns,
        dependency_injection=_labels(seen, "di"),
        snake_names=snake,
        camel_names=camel,
        lines=tuple(sorted((label, line) for label, line in seen.items())),
    )


def _note(seen: dict[str, int], label: str, line: int) -> None:
    if label not in seen or line < seen[label]:
        seen[label] = line


def _labels(seen: dict[str, int], family: str) -> tuple[str, ...]:
    return tuple(sorted(label.split(":", 1)[1] for label in seen if label.startswith(family + ":")))


def _imports(ctx: FileContext, seen: dict[str, int]) -> None:
    for node in ctx.nodes(ast.Import, ast.ImportFrom):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for name in names:
            top = name.split(".", 1)[0]
            if top in _LOG_MODULES:
                _note(seen, "log:" + _LOG_MODULES[top], node.lineno)
            if top in _CONTAINER_HINTS:
                _note(seen, "di:container", node.lineno)


def _calls(ctx: FileContext, seen: dict[str, int]) -> None:
    for call in ctx.calls():
        name = ctx.qualified(call)
        last = name.rsplit(".", 1)[-1]
        receiver = name.rpartition(".")[0]
        line = call.lineno
        if last in _ENGINE_CALLS or (last in _CLIENT_CALLS and receiver in _CONNECT_MODULES) or last in {
                "MongoClient", "AsyncIOMotorClient"}:
            _note(seen, "data:own-engine", line)
        elif last in _SESSION_METHODS and "session" in receiver.rsplit(".", 1)[-1].lower():
            _note(seen, "data:orm-session", line)
        elif ".objects." in f".{name}." and last != "objects":
            _note(seen, "data:django-orm", line)
        elif last in {"execute", "executemany"} and "cursor" in receiver.lower():
            _note(seen, "data:raw-sql", line)
        elif name == "print":
            _note(seen, "log:print", line)
        elif last in {"Ok", "Err", "Success", "Failure"} and not receiver:
            _note(seen, "error:result-type", line)
        elif last in {"resolve", "get_service", "provide"} and "container" in receiver.lower():
            _note(seen, "di:container", line)
    if "Repository" not in ctx.text and ctx.text.isascii():
        return  # no name can end with it (a non-ASCII name may, once Python has normalised it)
    for node in ctx.bucket(ast.Name):
        if node.id.endswith("Repository") and isinstance(node.ctx, ast.Load):
            _note(seen, "data:repository", node.lineno)
            break


def _sql_strings(ctx: FileContext, seen: dict[str, int]) -> None:
    for node in ctx.strings:
        value = node.value
        if 12 <= len(value) and _SQL.match(value):
            _note(seen, "data:raw-sql", node.lineno)
            return


def _raises(ctx: FileContext, seen: dict[str, int]) -> int:
    count = 0
    for node in ctx.nodes(ast.Raise):
        exc = node.exc
        if exc is None:
            continue  # a bare re-raise keeps whatever style the caller has
        count += 1
        name = dotted(exc).rsplit(".", 1)[-1]
        kind = "raises-builtin" if name in BUILTIN_EXCEPTIONS else "raises-custom"
        _note(seen, "error:" + kind, node.lineno)
    return count


def _custom_exceptions(ctx: FileContext, seen: dict[str, int]) -> tuple[str, ...]:
    names = []
    for node in ctx.nodes(ast.ClassDef):
        bases = [dotted(b).rsplit(".", 1)[-1] for b in node.bases]
        if any(b in BUILTIN_EXCEPTIONS or b.endswith(("Error", "Exception")) for b in bases):
            names.append(node.name)
            _note(seen, "error:defines-exceptions", node.lineno)
        if node.name.endswith(("Repository", "Repo")):
            _note(seen, "data:repository", node.lineno)
        _constructor_injection(node, seen)
    return tuple(sorted(names))


def _constructor_injection(node: ast.ClassDef, seen: dict[str, int]) -> None:
    """``__init__(self, repo, ...)`` that stores its arguments on ``self``."""
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and len(stmt.args.args) > 1:
            args = {a.arg for a in stmt.args.args[1:]}
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Name) and inner.value.id in args:
                    _note(seen, "di:constructor", stmt.lineno)
                    return


def _error_returns(ctx: FileContext, seen: dict[str, int]) -> tuple[int, int]:
    """Returns of None/False/error codes inside ``except`` blocks: errors turned into values."""
    nones = codes = 0
    for handler in ctx.nodes(ast.ExceptHandler):
        for ret in _returns_in(handler.body):
            value = ret.value
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                nones += 1
                _note(seen, "error:returns-none", ret.lineno)
            elif isinstance(value, ast.Constant) and isinstance(value.value, (bool, int, str)):
                codes += 1
                _note(seen, "error:returns-code", ret.lineno)
            elif isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant):
                codes += 1
                _note(seen, "error:returns-code", ret.lineno)
    return nones, codes


def _returns_in(body: list[ast.stmt]) -> list[ast.Return]:
    """Return statements in a block, not descending into nested functions or classes."""
    out: list[ast.Return] = []
    stack = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.Return):
            out.append(stmt)
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, name, None) or ())
    return out


def _naming(ctx: FileContext) -> tuple[int, int]:
    """Counts of snake_case and camelCase names the file defines (functions, args, variables)."""
    store = ast.Store
    names = {f.name for f in ctx.in_any_order(ast.FunctionDef, ast.AsyncFunctionDef)}
    names.update([a.arg for a in ctx.bucket(ast.arg)])
    names.update([n.id for n in ctx.bucket(ast.Name) if isinstance(n.ctx, store)])  # the largest bucket
    names.discard("self")
    names.discard("cls")
    camel, snake = _CAMEL.match, _SNAKE.match
    return len([n for n in names if snake(n)]), len([n for n in names if camel(n)])
