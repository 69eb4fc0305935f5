"""Items 5-7: code that is right for one request and wrong for two at once.

Read-modify-write of a loaded row, module-level state written from handlers,
and blocking calls that stall an event loop all pass every single-user test;
they only fail under concurrent load, which is why they are looked for here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from archreview.checklist.detectors._calls import attr, body_calls, body_nodes, is_commit, is_orm_write, receiver, sync_client_names
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted
from archreview.core.model import Finding

# --- item 5: read-modify-write --------------------------------------------------

_ROW_ENDS = frozenset({"first", "one", "one_or_none", "scalar_one", "scalar_one_or_none", "get_or_404", "first_or_404", "first_or_none"})
_ROW_SOURCES = ("query", "objects", "session", "db", "repo", "repository")
_LOCKS = frozenset({"with_for_update", "select_for_update"})


def read_modify_write(ctx: FileContext) -> Iterator[Finding]:
    """``row = load(id); row.field -= n; commit`` with no lock and no atomic update."""
    if ctx.is_test:
        return
    candidates = {  # functions that change an attribute arithmetically; most functions never do
        id(f): f
        for n in ctx.nodes(ast.AugAssign, ast.Assign)
        if (isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Attribute)) or (isinstance(n, ast.Assign) and isinstance(n.value, ast.BinOp))
        if (f := ctx.enclosing_function(n)) is not None
    }
    for func in candidates.values():
        rows = _loaded_rows(ctx, func)
        if not rows:
            continue
        writes = [c.lineno for c in body_calls(func) if is_commit(c) or is_orm_write(ctx, c) or attr(c) in {"flush", "save"}]
        for node, var, field in _modifications(func, rows):
            if rows[var] < node.lineno:
                durable = any(w >= node.lineno for w in writes)
                yield finding(ctx, "race.read_modify_write", node, "" if durable else "unsaved", var=var, field=field)


_COUNTER_FIELD = re.compile(r"balance|credit|count|quota|stock|inventory|limit|sent|remaining|points|amount|qty|"
                            r"quantity|seats|used|usage|available|tokens|total|budget|allowance", re.I)
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def check_then_update(ctx: FileContext) -> Iterator[Finding]:
    """``if used >= limit: refuse; row.used = used + 1; save()``: a balance or counter checked, then
    written back from the checked value, with no row lock or atomic update between. Two requests both
    pass the check (an overdraft, a quota exceeded)."""
    if ctx.is_test:
        return
    # Only functions assigning a counter-like attribute can report; most files have none, and the
    # regex over the whole text is slow (22 words, any case), so it runs only when they do.
    candidates = {
        id(f) for n in ctx.nodes(ast.AugAssign, ast.Assign)
        if isinstance(t := n.target if isinstance(n, ast.AugAssign) else n.targets[0] if len(n.targets) == 1 else None,
                      ast.Attribute) and _COUNTER_FIELD.search(t.attr) and (f := ctx.enclosing_function(n)) is not None
    }
    if not candidates or not _COUNTER_FIELD.search(ctx.text):
        return
    functions = [f for f in ctx.functions() if id(f) in candidates]
    reported = {node.lineno for func in functions for node, var, _ in _modifications(func, _loaded_rows(ctx, func))}
    for func in functions:
        nodes = body_nodes(func)
        if _atomically(ctx, func, nodes):
            continue
        calls = body_calls(func)
        writes = [c.lineno for c in calls if is_commit(c) or is_orm_write(ctx, c) or attr(c) in {"flush", "save"}]
        if not writes:
            continue
        # what persists a written attribute: a save of that very object, or a session commit/flush
        saved = {(receiver(c), c.lineno) for c in calls if attr(c) == "save"}
        flushed = [c.lineno for c in calls if is_commit(c) or attr(c) == "flush"]
        checked = _checked_values(func, nodes)
        for node in nodes:
            if not isinstance(node, ast.AugAssign | ast.Assign):
                continue
            target = node.target if isinstance(node, ast.AugAssign) else node.targets[0] if len(node.targets) == 1 else None
            if not isinstance(target, ast.Attribute) or not _COUNTER_FIELD.search(target.attr) \
                    or node.lineno in reported or not any(w >= node.lineno for w in writes):
                continue
            owner = dotted(target.value)
            if not any(r == owner and line >= node.lineno for r, line in saved) \
                    and not any(line >= node.lineno for line in flushed):
                continue  # an in-memory counter (a result object, a DTO): nothing writes it back
            value_names = {dotted(n) for n in ast.walk(node.value) if isinstance(n, ast.Name | ast.Attribute)}
            if isinstance(node, ast.AugAssign):
                value_names.add(dotted(target))
            hit = next((c for c in checked if c[0] in value_names and c[1] < node.lineno), None)
            if hit:
                yield finding(ctx, "race.check_then_update", node, target=dotted(target), checked=hit[0], at=hit[1])


def _checked_values(func: FunctionNode, nodes: list[ast.AST]) -> list[tuple[str, int]]:
    """(name, line) of values compared with <, <=, >, >= in an if: ``if used >= limit``."""
    out = []
    for node in nodes:
        if isinstance(node, ast.If):
            for cmp in ast.walk(node.test):
                if isinstance(cmp, ast.Compare) and any(isinstance(op, _ORDERING) for op in cmp.ops):
                    for side in (cmp.left, *cmp.comparators):
                        name = dotted(side)
                        if name:
                            out.append((name, node.lineno))
    return out


def _atomically(ctx: FileContext, func: FunctionNode, nodes: list[ast.AST]) -> bool:
    """A row lock, an F() expression or a conditional UPDATE in the function: the write is guarded."""
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr in _LOCKS:
            return True
        if isinstance(node, ast.keyword) and node.arg == "with_for_update":
            return True
        if isinstance(node, ast.Call) and (dotted(node.func).rsplit(".", 1)[-1] in {"F", "Greatest", "Least"}
                                           or attr(node) in {"update", "increment", "decr", "incr", "incrby"}):
            return True
    return False


def _loaded_rows(ctx: FileContext, func: ast.AST) -> dict[str, int]:
    """Variables assigned a single row loaded from the database without a lock -> line."""
    rows: dict[str, int] = {}
    for node in body_nodes(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(value, ast.Call) and _is_row_load(ctx, value) and not _locked(value):
                rows.setdefault(node.targets[0].id, node.lineno)
    return rows


def _is_row_load(ctx: FileContext, call: ast.Call) -> bool:
    if ctx.qualified(call).endswith("get_object_or_404"):
        return True
    name = attr(call)
    chain = dotted(call.func).lower()
    if name in _ROW_ENDS:
        return any(s in chain for s in _ROW_SOURCES) or ".filter" in chain or "select" in chain
    if name != "get":
        return False
    model_first = len(call.args) == 2 and isinstance(call.args[0], ast.Name) and call.args[0].id[:1].isupper()
    return model_first or any(f".{s}" in f".{chain}" for s in ("query", "objects", "session"))  # session.get(Model, id)


def _locked(call: ast.Call) -> bool:
    for n in ast.walk(call):
        if isinstance(n, ast.Attribute) and n.attr in _LOCKS or isinstance(n, ast.keyword) and n.arg == "with_for_update":
            return True
    return False


def _modifications(func: ast.AST, rows: dict[str, int]) -> Iterator[tuple[ast.stmt, str, str]]:
    for node in body_nodes(func):
        if isinstance(node, ast.AugAssign) and (row := _row_attr(node.target, rows)):
            yield node, row[0], row[1]
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and (row := _row_attr(node.targets[0], rows)):
            name, field = row
            reads_self = any(
                isinstance(n, ast.Attribute) and n.attr == field and isinstance(n.value, ast.Name) and n.value.id == name
                for n in ast.walk(node.value)
            )
            if reads_self and isinstance(node.value, ast.BinOp):
                yield node, name, field


def _row_attr(target: ast.AST, rows: dict[str, int]) -> tuple[str, str] | None:
    """(row variable, field) for ``row.field`` when ``row`` is one of ``rows``."""
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in rows:
        return target.value.id, target.attr
    return None


# --- item 6: module-level mutable state ---------------------------------------------

_MUTABLE_CALLS = frozenset({"dict", "list", "set", "collections.defaultdict", "collections.OrderedDict", "collections.Counter", "collections.deque", "defaultdict", "OrderedDict", "Counter", "deque"})
_MUTATORS = frozenset({"append", "extend", "add", "update", "pop", "popitem", "setdefault", "clear", "remove", "insert", "discard", "appendleft", "popleft", "__setitem__"})
_SKIP_NAMES = frozenset({"__all__", "__slots__", "urlpatterns", "app_name"})
_HANDLER_DECORATORS = re.compile(r"route|get|post|put|patch|delete|websocket|api_view|action|task|receiver|on_event|middleware|view")
_HANDLER_PATHS = re.compile(r"(^|/)(views?|handlers?|routes?|api|endpoints?|tasks?|consumers?|workers?)(\.py$|/)")


def module_state(ctx: FileContext) -> Iterator[Finding]:
    """Module-level dicts/lists/sets (or ``global`` variables) written from functions."""
    if ctx.is_test:
        return
    state = _module_state(ctx)
    if not state:
        return
    writers: dict[str, list[tuple[FunctionNode, int]]] = {}
    for node, name in _writes(ctx, state):
        func = ctx.enclosing_function(node)
        if func is not None and not _shadowed(func, name) and not _registers(func) and not _under_lock(func, node) \
                and not _initialises(ctx, func, node, name):
            writers.setdefault(name, []).append((func, node.lineno))
    for name, found in sorted(writers.items(), key=lambda kv: state[kv[0]][0]):
        line, kind = state[name]
        funcs = ", ".join(dict.fromkeys(f"{f.name}() line {ln}" for f, ln in found))
        handler = any(_is_handler(ctx, f) for f, _ in found)
        yield finding(ctx, "state.module_mutable", line, "" if handler else "not_handler", kind=kind, name=name,
                      writers=funcs)


def _module_state(ctx: FileContext) -> dict[str, tuple[int, str]]:
    """Module-level names -> (line, kind) for mutable containers and any plain variable."""
    out: dict[str, tuple[int, str]] = {}
    for stmt in ctx.tree.body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else getattr(stmt, "target", None)
        value = getattr(stmt, "value", None)
        if not isinstance(stmt, ast.Assign | ast.AnnAssign) or not isinstance(target, ast.Name) or value is None:
            continue
        if target.id in _SKIP_NAMES:
            continue
        kind = _container_kind(ctx, value)
        out[target.id] = (stmt.lineno, kind or "variable")
    return out


def _container_kind(ctx: FileContext, value: ast.expr) -> str:
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(value, ast.List | ast.ListComp):
        return "list"
    if isinstance(value, ast.Set | ast.SetComp):
        return "set"
    if isinstance(value, ast.Call) and ctx.qualified(value) in _MUTABLE_CALLS:
        return ctx.qualified(value).rsplit(".", 1)[-1]
    return ""


def _writes(ctx: FileContext, state: dict[str, tuple[int, str]]) -> Iterator[tuple[ast.stmt | ast.expr, str]]:
    containers = {n for n, (_, k) in state.items() if k != "variable"}
    for sub in ctx.nodes(ast.Subscript):
        if isinstance(sub.ctx, ast.Store | ast.Del) and isinstance(sub.value, ast.Name) and sub.value.id in containers:
            yield sub, sub.value.id
    for call in ctx.calls_named(*_MUTATORS):
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            if call.func.value.id in containers:
                yield call, call.func.value.id
    for glob in ctx.nodes(ast.Global):
        func = ctx.enclosing_function(glob)
        for node in body_nodes(func) if func else ():
            target: ast.expr
            if isinstance(node, ast.AugAssign):
                target = node.target
            elif isinstance(node, ast.Assign):
                target = node.targets[0]
            else:
                continue
            if isinstance(target, ast.Name) and target.id in glob.names and target.id in state:
                yield node, target.id


def _shadowed(func: FunctionNode, name: str) -> bool:
    """The function has its own local of that name (an argument or a plain assignment)."""
    if any(a.arg == name for a in [*func.args.args, *func.args.kwonlyargs, *func.args.posonlyargs]):
        return True
    declared_global = any(isinstance(n, ast.Global | ast.Nonlocal) and name in n.names for n in body_nodes(func))
    assigned = any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in body_nodes(func))
    return assigned and not declared_global


def _registers(func: FunctionNode) -> bool:
    """A registration decorator (stores its argument and returns it) runs at import time, not per request."""
    params = {a.arg for a in func.args.args}
    returned = [n.value.id for n in body_nodes(func) if isinstance(n, ast.Return) and isinstance(n.value, ast.Name)]
    return func.name.startswith("register") or any(name in params for name in returned)


_SETUP = re.compile(r"^_*(init|setup|set_up|configure|mount|load|start|bootstrap|install|register)", re.I)


_THREAD_UNSAFE = frozenset({"pika.BlockingConnection", "sqlite3.connect", "pymysql.connect", "MySQLdb.connect",
                            "smtplib.SMTP", "smtplib.SMTP_SSL", "socket.socket", "ftplib.FTP", "imaplib.IMAP4",
                            "imaplib.IMAP4_SSL", "paramiko.SSHClient"})


def _initialises(ctx: FileContext, func: FunctionNode, node: ast.AST, name: str) -> bool:
    """A write that happens once, not per request: set-up code, a lazy singleton, a memo filled per key.

    ``def configure(): global _conf; _conf = ...`` runs at start-up; ``if _client is None:
    _client = make()`` builds one client and reuses it; ``if key not in _CACHE: _CACHE[key] = ...``
    fills a memo whose entries never change once written.
    """
    if _SETUP.search(func.name):
        return True
    value = node.value if isinstance(node, ast.Assign | ast.AugAssign) else None
    if isinstance(value, ast.Call) and ctx.qualified(value) in _THREAD_UNSAFE:
        return False  # one connection that is not thread-safe, shared by every thread: still a race
    for test in _guards(func, node):
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        if name not in names:
            continue
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):  # if not _client:
            return True
        if isinstance(test, ast.Compare) and any(isinstance(op, ast.Is | ast.NotIn | ast.Eq) for op in test.ops) and (
                any(isinstance(c, ast.Constant) and c.value is None for c in test.comparators)
                or any(isinstance(op, ast.NotIn) for op in test.ops)):  # if _client is None: / if key not in CACHE:
            return True
    return False


def _guards(func: FunctionNode, node: ast.AST) -> Iterator[ast.expr]:
    """The tests of the ifs that enclose ``node`` in ``func``."""
    line = getattr(node, "lineno", 0)
    for n in body_nodes(func):
        if isinstance(n, ast.If) and n.body and n.body[0].lineno <= line <= (n.body[-1].end_lineno or 0):
            yield n.test


def _under_lock(func: FunctionNode, node: ast.stmt | ast.expr) -> bool:
    for w in body_nodes(func):
        if isinstance(w, ast.With | ast.AsyncWith) and w.lineno <= node.lineno <= (w.end_lineno or 0):
            if any("lock" in dotted(i.context_expr).lower() for i in w.items):
                return True
    return False


def _is_handler(ctx: FileContext, func: FunctionNode) -> bool:
    decorated = any(_HANDLER_DECORATORS.search(dotted(d).rsplit(".", 1)[-1].lower()) for d in func.decorator_list)
    return decorated or bool(_HANDLER_PATHS.search(ctx.path))


# --- item 7: blocking calls in async code ---------------------------------------------

_BLOCKING = frozenset(
    {"time.sleep", "urllib.request.urlopen", "subprocess.run", "subprocess.call", "subprocess.check_call",
     "subprocess.check_output", "os.system", "smtplib.SMTP", "smtplib.SMTP_SSL", "psycopg2.connect",
     "sqlite3.connect", "pymysql.connect", "MySQLdb.connect", "socket.create_connection", "urllib3.request"}
)  # fmt: skip
_SYNC_HTTP = ("requests.", "httpx.")
# Password hashes are slow on purpose (~100 ms of CPU each): inside async def they stall the loop.
_CPU_HASHES = frozenset({"hashlib.scrypt", "hashlib.pbkdf2_hmac", "bcrypt.hashpw", "bcrypt.checkpw", "bcrypt.kdf",
                         "argon2.PasswordHasher.hash", "argon2.PasswordHasher.verify", "passlib.hash.bcrypt.hash",
                         "werkzeug.security.generate_password_hash", "werkzeug.security.check_password_hash",
                         "django.contrib.auth.hashers.make_password", "django.contrib.auth.hashers.check_password"})
_CPU_HASH_PREFIXES = ("passlib.", "argon2.", "bcrypt.")
_CPU_HASH_VERBS = frozenset({"hash", "verify", "hashpw", "checkpw", "encrypt", "identify_and_verify"})
_HTTPX_FUNCS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
_SYNC_DB_ATTRS = frozenset({"query", "commit", "execute", "fetchall", "fetchone", "flush", "refresh", "scalars", "scalar"})
_DB_RECEIVERS = re.compile(r"session|(^|\.)db($|\.)|cursor|(^|\.)conn(ection)?($|\.)", re.I)


def blocking_in_async(ctx: FileContext) -> Iterator[Finding]:
    """Blocking I/O or sleeps inside ``async def`` that stall the whole event loop."""
    if ctx.is_test:
        return
    sync_clients = sync_client_names(ctx) | _password_hashers(ctx)
    for func in ctx.nodes(ast.AsyncFunctionDef):
        if _fixture(ctx, func):
            continue
        awaited = {id(n.value) for n in body_nodes(func) if isinstance(n, ast.Await)}
        for call in body_calls(func):
            if id(call) in awaited:
                continue
            what = _blocking(ctx, call, sync_clients)
            if what:
                name, variant = what
                yield finding(ctx, "async.blocking_call", call, variant, call=name, func=func.name)


def _fixture(ctx: FileContext, func: ast.AsyncFunctionDef) -> bool:
    """A pytest fixture: test set-up wherever it is shipped (Red-DiscordBot's ``redbot/pytest/`` plugin, held12)."""
    return any(ctx.qualified(d).startswith(("pytest.fixture", "pytest_asyncio.fixture")) for d in func.decorator_list)


def _blocking(ctx: FileContext, call: ast.Call, sync_clients: set[str]) -> tuple[str, str] | None:
    """(what blocks, the rule variant) for a call that blocks the event loop, else None."""
    name = ctx.qualified(call)
    shown = dotted(call.func) or name
    if name in _BLOCKING:
        return shown, ""
    if name.startswith(_SYNC_HTTP) and name.count(".") == 1 and name.split(".")[1] in _HTTPX_FUNCS:
        return shown, ""
    if name in _CPU_HASHES or name.startswith(_CPU_HASH_PREFIXES) and attr(call) in _CPU_HASH_VERBS:
        return f"{shown} (a deliberately slow password hash)", "cpu"
    if receiver(call) in sync_clients and attr(call) in _CPU_HASH_VERBS - _HTTPX_FUNCS:
        return f"{shown} (a deliberately slow password hash)", "cpu"
    if receiver(call) in sync_clients and attr(call) in _HTTPX_FUNCS | {"send"}:
        return f"{shown} (a blocking HTTP client)", "client"
    if attr(call) in _SYNC_DB_ATTRS and _DB_RECEIVERS.search(receiver(call)):
        return f"{shown} (a synchronous database call, not awaited)", "database"
    if attr(call) in {"read", "readlines"} and isinstance(call.func, ast.Attribute) \
            and isinstance(call.func.value, ast.Call) and dotted(call.func.value.func) == "open":
        if "open" not in ctx.aliases:
            return "open(...).read()", "file"
    return None


def _password_hashers(ctx: FileContext) -> set[str]:
    """Names bound to a password hasher: ``pwd_context = CryptContext(...)``, ``ph = PasswordHasher()``."""
    out = set()
    for node in ctx.nodes(ast.Assign):
        if isinstance(node.value, ast.Call) and ctx.qualified(node.value).startswith(("passlib.", "argon2.")):
            out |= {dotted(t) for t in node.targets if dotted(t)}
    return out


DETECTORS = (read_modify_write, check_then_update, module_state, blocking_in_async)
