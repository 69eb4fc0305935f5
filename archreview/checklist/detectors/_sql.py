"""Shared predicates for items 11-19: what is a query, a handler, a request value.

Detectors for load, security and scale ask the same questions of the AST ("is
this call a database query?", "is this function a web handler?", "does this
value come from the request?"); answering them once here keeps every detector
short and makes the answers consistent across items.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from archreview.facts.index import MAX_CHAIN, FileContext, FunctionNode, dotted, subtree

Chain = list[tuple[str, ast.AST | None]]

QUERY_TERMINALS = frozenset(
    {"all", "first", "one", "one_or_none", "scalar", "scalars", "get", "get_or_404", "first_or_404",
     "filter", "filter_by", "exclude", "count", "exists", "values", "values_list", "paginate",
     "fetchall", "fetchone", "fetchmany", "order_by", "where", "join", "options", "get_or_create",
     "select_related", "prefetch_related", "with_for_update", "select_for_update", "in_bulk", "aggregate"}
)
EAGER = frozenset({"selectinload", "joinedload", "subqueryload", "select_related", "prefetch_related",
                   "contains_eager", "immediateload"})
BOUNDING = frozenset({"limit", "paginate", "first", "one", "one_or_none", "scalar_one", "scalar_one_or_none",
                      "get", "get_or_404", "first_or_404",
                      "scalar", "count", "exists", "fetchone", "fetchmany", "aggregate", "in_bulk", "latest",
                      "earliest", "get_or_create", "slice", "offset_limit"})
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket"})
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "list", "retrieve", "create", "update",
                           "partial_update", "destroy", "get_queryset", "get_object", "form_valid"})
_TASK_DECORATORS = frozenset({"shared_task", "task", "actor", "job", "periodic_task", "db_task"})
_NON_PARAMS = frozenset({"self", "cls", "request", "db", "session", "current_user", "user", "args", "kwargs",
                         "response", "background_tasks"})


def chain(node: ast.AST) -> Chain:
    """``Order.query.filter_by(x=1).all()`` -> [(Order), (query), (filter_by, call), (all, call)]."""
    parts: Chain = []
    for _ in range(MAX_CHAIN):
        if isinstance(node, ast.Call):
            call, node = node, node.func
            if isinstance(node, ast.Attribute):
                parts.append((node.attr, call))
                node = node.value
            elif isinstance(node, ast.Name):
                parts.append((node.id, call))
                break
            else:
                break
        elif isinstance(node, ast.Attribute):
            parts.append((node.attr, None))
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append((node.id, None))
            break
        elif isinstance(node, ast.Subscript):
            parts.append(("[]", node))
            node = node.value
        elif isinstance(node, ast.Await):
            node = node.value  # (await session.execute(stmt)).scalar_one()
        else:
            break
    return parts[::-1]


def names(ch: Chain) -> list[str]:
    return [n for n, _ in ch]


def _dbish(name: str) -> bool:
    low = name.lower()
    return low in {"db", "conn", "connection", "cursor", "engine"} or "session" in low


def not_production(ctx: FileContext) -> bool:
    """Tests, test helpers and migrations: code that never serves production traffic."""
    path = "/" + ctx.path.lower()
    stem = path.rsplit("/", 1)[-1].removesuffix(".py")
    return ctx.role in ("test", "migration") or "/fixtures/" in path \
        or stem.endswith(("_test", "_testing", "_tests")) or stem.startswith("testing")


_CACHED_LOOKUPS = frozenset({"get_for_model", "get_for_models", "get_for_id", "clear_cache"})


def query_root(ch: Chain) -> str:
    """Which data-access style a chain uses ("flask-sqlalchemy", "django", "session", "cursor"), or ""."""
    ns = names(ch)
    for i, (name, node) in enumerate(ch):
        prev = ns[i - 1] if i else ""
        if name == "query" and node is None and prev[:1].isupper():
            return "flask-sqlalchemy"
        if name == "objects" and node is None and prev[:1].isupper():
            return "django"
        if name in _CACHED_LOOKUPS:
            return ""  # Django's ContentType manager answers these from its cache
        if name in {"query", "execute", "scalars", "scalar", "get", "exec", "exec_driver_sql"} and node is not None \
                and i and _dbish(prev) and (name != "get" or "session" in prev.lower() or prev == "db"):
            return "cursor" if prev.lower() == "cursor" else "session"
        if name == "raw" and node is not None and i > 1 and ns[i - 1] == "objects":
            return "django"
    return ""


def outer_calls(root: ast.AST) -> list[ast.Call]:
    """Calls under ``root`` that are not themselves part of a longer method chain."""
    calls = [n for n in subtree(root) if isinstance(n, ast.Call)]
    inner: set[int] = set()
    for call in calls:
        node: ast.AST = call.func
        for _ in range(MAX_CHAIN):
            if not isinstance(node, ast.Attribute | ast.Call | ast.Subscript | ast.Await):
                break
            node = node.func if isinstance(node, ast.Call) else node.value
            if isinstance(node, ast.Call):
                inner.add(id(node))
    return sorted((c for c in calls if id(c) not in inner), key=lambda c: (c.lineno, c.col_offset))


def query_calls(root: ast.AST) -> Iterator[tuple[ast.Call, Chain]]:
    """Every outermost call under ``root`` that reads the database."""
    for call in outer_calls(root):
        ch = chain(call)
        if query_root(ch):
            yield call, ch


def is_query(node: ast.AST | None) -> bool:
    """Is this expression (possibly sliced or wrapped in ``list()``) a query?"""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"list", "sorted"} \
            and node.args:
        node = node.args[0]
    return node is not None and bool(query_root(chain(node)))


def chain_calls(ch: Chain, assigned: Mapping[str, ast.AST] | None = None, depth: int = 0) -> list[ast.Call]:
    """Calls inside the arguments of a chain (``select(...).limit(5)`` in ``execute``), following local names."""
    out: list[ast.Call] = []
    for _, node in ch:
        if not isinstance(node, ast.Call):
            continue
        for arg in (*node.args, *(k.value for k in node.keywords)):
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Call):
                    out.append(sub)
                elif isinstance(sub, ast.Name) and assigned and depth < 2 and sub.id in assigned:
                    inner = chain(assigned[sub.id])
                    out += [n for _, n in inner if isinstance(n, ast.Call)] + chain_calls(inner, assigned, depth + 1)
    return out


_SQL_LIMIT = ("limit ", "fetch first", "top ", "limit\n")


def bounded(ch: Chain, assigned: Mapping[str, ast.AST] | None = None) -> bool:
    """Does the chain cap its rows (``limit``, a slice, ``first``, ``paginate``, SQL ``LIMIT``...)?"""
    for name, node in ch:
        if name in BOUNDING:
            return True
        if name == "[]" and isinstance(node, ast.Subscript):
            sl = node.slice
            if not isinstance(sl, ast.Slice) or sl.upper is not None:
                return True
    for call in chain_calls(ch, assigned):
        last = dotted(call.func).rsplit(".", 1)[-1]
        if last in {"limit", "paginate", "fetch", "slice"}:
            return True
        if any(isinstance(a, ast.Constant) and isinstance(a.value, str) and
               any(w in a.value.lower() for w in _SQL_LIMIT) for a in call.args):
            return True
    return False


def eager(ch: Chain, assigned: Mapping[str, ast.AST] | None = None) -> bool:
    """Does the query load relations up front (``selectinload``, ``select_related``...)?"""
    calls = [n for _, n in ch if isinstance(n, ast.Call)] + chain_calls(ch, assigned)
    return any(dotted(c.func).rsplit(".", 1)[-1] in EAGER for c in calls)


# --- functions: handlers, tasks ---------------------------------------------------


def decorator_names(func: FunctionNode) -> list[str]:
    return [dotted(d) for d in func.decorator_list]


def is_route(func: FunctionNode) -> bool:
    """Flask/FastAPI/Starlette/DRF route decorators."""
    for dec in func.decorator_list:
        name = dotted(dec)
        last = name.rsplit(".", 1)[-1]
        if last in {"api_view", "action"}:
            return True
        if "." in name and last in _ROUTE_METHODS and isinstance(dec, ast.Call):
            first = dec.args[0] if dec.args else None
            if last == "route" or (isinstance(first, ast.Constant) and str(first.value).startswith("/")):
                return True
    return False


def is_handler(ctx: FileContext, func: FunctionNode) -> bool:
    """A web entry point: decorated route, Django view (``request`` first), class-view method."""
    if is_route(func):
        return True
    params = [a.arg for a in func.args.args]
    if params[:1] == ["request"]:
        return True
    return params[:2] == ["self", "request"] and func.name in _VIEW_METHODS


def is_task(func: FunctionNode) -> bool:
    """Celery/RQ/Dramatiq/Huey task."""
    return any(n.rsplit(".", 1)[-1] in _TASK_DECORATORS for n in decorator_names(func))


def handler_of(ctx: FileContext, node: ast.AST) -> FunctionNode | None:
    """The handler function enclosing ``node`` (walking out of nested helpers), if any."""
    func = ctx.enclosing_function(node)
    while func is not None:
        if is_handler(ctx, func):
            return func
        func = ctx.enclosing_function(func)
    return None


def id_params(func: FunctionNode) -> set[str]:
    """Parameters that carry an identifier chosen by the caller (route or query-string ids)."""
    out = set()
    args = func.args.args + func.args.kwonlyargs
    defaults = dict(zip([a.arg for a in func.args.args][::-1], func.args.defaults[::-1]))
    for a in args:
        default = defaults.get(a.arg)
        if isinstance(default, ast.Call) and dotted(default.func).endswith("Depends"):
            continue
        low = a.arg.lower()
        if low not in _NON_PARAMS and (low in {"id", "pk", "slug", "uuid"} or low.endswith(("_id", "_pk", "_uuid"))):
            out.add(a.arg)
    return out


def from_request(node: ast.AST) -> bool:
    """Does the expression read ``request.args/GET/POST/json/form/data`` or ``self.kwargs``?"""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute | ast.Call | ast.Subscript):
            name = dotted(sub)
            if name.startswith(("request.", "self.kwargs", "kwargs")) and not name.startswith("request.user"):
                return True
    return False


def source_of(ctx: FileContext, node: ast.stmt | ast.expr) -> str:
    """The lines of ``node`` (cheaper than ``ast.get_source_segment``, which re-splits the file)."""
    return "\n".join(ctx.lines[node.lineno - 1: node.end_lineno or node.lineno])


def assignments(func: ast.AST) -> dict[str, ast.expr]:
    """Local name -> the last value assigned to it in ``func`` (simple ``x = ...`` only).

    Kept on the node: several detectors ask about the same function. Callers must not mutate it. (Not an
    ``lru_cache``: that kept the last 128 functions, and so their files' trees, alive from file to file,
    and a worker's full collection after each large file re-scanned them: 0.7 s of Django's per-file CPU.)
    """
    found: dict[str, ast.expr] | None = getattr(func, "_archreview_assigned", None)
    if found is not None:
        return found
    out: dict[str, ast.expr] = {}
    for node in subtree(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = node.value
    func._archreview_assigned = out  # type: ignore[attr-defined]
    return out


def loops(func: FunctionNode) -> Iterator[ast.For | ast.AsyncFor]:
    for node in ast.walk(func):
        if isinstance(node, ast.For | ast.AsyncFor):
            yield node


def loop_names(loop: ast.For | ast.AsyncFor | ast.comprehension) -> set[str]:
    return {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}


def mentions(node: ast.AST, wanted: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in wanted for n in ast.walk(node))


# --- calls that leave the process ----------------------------------------------------

_NETWORK_PREFIXES = ("requests.", "httpx.", "urllib.request.urlopen", "urllib3.", "aiohttp.", "stripe.",
                     "smtplib.SMTP", "boto3.", "openai.", "twilio.", "sendgrid.", "paypalrestsdk.", "braintree.")
_NETWORK_EXACT = frozenset({"time.sleep", "urlopen", "django.core.mail.send_mail", "send_mail", "socket.create_connection"})
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "request", "head"})


def is_network(ctx: FileContext, call: ast.Call) -> bool:
    """An HTTP/SDK/SMTP call or a sleep: something that can take seconds and holds what it was given."""
    name = ctx.qualified(call)
    if name in _NETWORK_EXACT or name.startswith(_NETWORK_PREFIXES):
        return True
    head, _, verb = name.rpartition(".")
    return verb in _HTTP_VERBS and head.rsplit(".", 1)[-1] in {"http", "http_client", "httpx_client", "api"}
