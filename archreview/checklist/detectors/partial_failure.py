"""Items 1-4: what happens when a peer is slow, fails, or fails half-way.

Each detector looks for the shape that loses work or waits forever when the
network misbehaves: a call with no timeout, a retry that repeats a charge,
an ``except`` that hides the failure, two writes that cannot fail together.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from archreview.checklist.detectors._calls import (
    CLIENT_METHODS,
    attr,
    body_calls,
    body_nodes,
    client_names,
    effect,
    has_splat,
    http_call,
    is_commit,
    is_courtesy,
    is_none,
    is_orm_write,
    is_signal_send,
    is_ui_reply,
    kwarg,
    mentions,
    mentions_idempotency,
    receiver,
    uses_django,
)
from archreview.checklist.detectors._paths import same_path
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted
from archreview.core.model import Finding, HelperEffect
from archreview.core.vocab import CalleeKind

# --- item 1: timeouts ---------------------------------------------------------

_POSITIONAL_TIMEOUT = {"urllib.request.urlopen": 2, "smtplib.SMTP": 3, "smtplib.SMTP_SSL": 3, "socket.create_connection": 1}
_NET_MODULES = frozenset({"requests", "httpx", "urllib", "urllib3", "aiohttp", "smtplib", "socket"})


def missing_timeouts(ctx: FileContext) -> Iterator[Finding]:
    """Outbound calls that can wait forever: no timeout on the call or on its client."""
    if ctx.is_test or ctx.imported_roots.isdisjoint(_NET_MODULES):
        return
    clients = client_names(ctx)
    for call in ctx.calls():
        if kwarg(call, "timeout") is not None and not is_none(kwarg(call, "timeout")) or _open_stream(call):
            continue
        direct = http_call(ctx, call)
        if direct:
            yield from _direct_call(ctx, call, *direct)
        elif receiver(call) in clients and attr(call) in CLIENT_METHODS:
            yield from _client_call(ctx, call, *clients[receiver(call)])
        elif ctx.qualified(call) in _POSITIONAL_TIMEOUT:
            yield from _socket_call(ctx, call)


def _open_stream(call: ast.Call) -> bool:
    """``client.stream("GET", url, timeout=None)``: a long-lived subscription (server-sent events, an
    invoice or log stream) read in a loop, where no timeout is the design, not an omission.
    Only the explicit ``timeout=None`` counts; a stream that merely forgets one is still found."""
    streaming = attr(call) == "stream" or any(k.arg == "stream" and isinstance(k.value, ast.Constant)
                                              and k.value.value is True for k in call.keywords)
    return streaming and is_none(kwarg(call, "timeout"))


def _direct_call(ctx: FileContext, call: ast.Call, lib: str, verb: str) -> Iterator[Finding]:
    name = dotted(call.func)
    if is_none(kwarg(call, "timeout")):
        yield finding(ctx, "timeout.missing", call, "none", call=name)
    elif lib == "httpx" or has_splat(call) or len(call.args) > _POSITIONAL_TIMEOUT.get(ctx.qualified(call), 99):
        return  # httpx defaults to 5 s; **kwargs may carry one
    elif lib == "aiohttp":
        yield finding(ctx, "timeout.missing", call, "aiohttp", call=name)
    else:
        yield finding(ctx, "timeout.missing", call, call=name)


def _client_call(ctx: FileContext, call: ast.Call, lib: str, timed: bool) -> Iterator[Finding]:
    name = dotted(call.func)
    if is_none(kwarg(call, "timeout")):
        yield finding(ctx, "timeout.missing", call, "none", call=name)
    elif timed or has_splat(call) or lib == "httpx":
        return
    elif lib == "aiohttp":
        yield finding(ctx, "timeout.client_default", call, "aiohttp", call=name)
    else:
        yield finding(ctx, "timeout.client_default", call, call=name, lib=lib)


def _socket_call(ctx: FileContext, call: ast.Call) -> Iterator[Finding]:
    name = ctx.qualified(call)
    if has_splat(call) or len(call.args) > _POSITIONAL_TIMEOUT[name]:
        return
    yield finding(ctx, "timeout.missing", call, "socket", call=name)


# --- item 2: retries without idempotency -----------------------------------------

_RETRY_DECORATORS = ("tenacity.retry", "retrying.retry", "backoff.on_exception", "backoff.on_predicate", "retry.retry")
_RETRY_NAME = re.compile(r"attempt|retr|tries", re.I)


def retried_side_effects(ctx: FileContext) -> Iterator[Finding]:
    """Charges, sends, publishes and POSTs inside a retry, with no idempotency key in sight."""
    if ctx.is_test or not mentions(ctx, "retr", "attempt", "tries", "sleep", "backoff"):  # every retry shape names one
        return
    clients = client_names(ctx)
    seen: set[int] = set()
    for scope, how, calls in _retry_scopes(ctx):
        if mentions_idempotency(ctx.enclosing_function(scope) or scope) or mentions_idempotency(scope):
            continue
        for call in calls:
            desc = effect(ctx, call, clients, retried=True)
            if desc and call.lineno not in seen:
                seen.add(call.lineno)
                yield finding(ctx, "retry.non_idempotent", call, "publish" if "publish" in desc else "", effect=desc,
                              how=how)
    yield from _urllib3_retry_post(ctx)


def _retry_scopes(ctx: FileContext) -> Iterator[tuple[ast.AST, str, list[ast.Call]]]:
    self_retry = {id(ctx.enclosing_function(c)) for c in ctx.calls_named("retry") if receiver(c) == "self"}
    for func in ctx.functions():
        how = _retry_decorator(ctx, func, id(func) in self_retry)
        if how:
            yield func, how, body_calls(func)
    for loop in ctx.nodes(ast.For, ast.AsyncFor, ast.While):
        how = _retry_loop(ctx, loop)
        if how:
            yield loop, how, body_calls(loop)


def _retry_decorator(ctx: FileContext, func: FunctionNode, calls_self_retry: bool) -> str:
    for dec in func.decorator_list:
        name = ctx.qualified(dec)
        if name in _RETRY_DECORATORS:
            return f"@{dotted(dec.func if isinstance(dec, ast.Call) else dec)}"
        if isinstance(dec, ast.Call) and kwarg(dec, "autoretry_for") is not None:
            return "Celery autoretry_for"
    return "Celery self.retry()" if calls_self_retry else ""


def _retry_loop(ctx: FileContext, loop: ast.For | ast.AsyncFor | ast.While) -> str:
    if isinstance(loop, ast.For | ast.AsyncFor) and ctx.qualified(loop.iter).startswith(("tenacity.Retrying", "tenacity.AsyncRetrying")):
        return "a tenacity Retrying loop"
    inner = list(body_nodes(loop))
    tries = [n for n in inner if isinstance(n, ast.Try)]
    if not tries:
        return ""
    head = loop.target if isinstance(loop, ast.For | ast.AsyncFor) else loop.test
    named = any(_RETRY_NAME.search(n.id) for n in ast.walk(head) if isinstance(n, ast.Name))
    sleeps = any(attr(c) == "sleep" for t in tries for h in t.handlers for c in ast.walk(h) if isinstance(c, ast.Call))
    return "a hand-written retry loop" if named or sleeps else ""


def _urllib3_retry_post(ctx: FileContext) -> Iterator[Finding]:
    if "Retry" not in ctx.text:
        return
    for call in ctx.calls():
        if not ctx.qualified(call).endswith("urllib3.util.retry.Retry") and ctx.qualified(call) not in {"urllib3.Retry", "urllib3.util.Retry"}:
            continue
        methods = kwarg(call, "allowed_methods") or kwarg(call, "method_whitelist")
        posts = methods is not None and (
            (isinstance(methods, ast.Constant) and methods.value in (None, False))
            or any(isinstance(n, ast.Constant) and str(n.value).upper() == "POST" for n in ast.walk(methods))
        )
        if posts:
            yield finding(ctx, "retry.non_idempotent", call, "urllib3")




# --- item 3: swallowed errors -----------------------------------------------------

_BROAD = frozenset({"Exception", "BaseException"})
# Narrow exceptions that mean an outside system failed; dropping them with a bare
# pass/continue is still a swallowed failure. (Returning a value from them is
# usually a deliberate answer, e.g. ``except OSError: return False``.)
_CRITICAL = re.compile(
    r"(Request|Connection|Timeout|HTTP|SQL|Integrity|Operational|Database|SMTP|Stripe|Card|Payment|API|"
    r"Broker|Kafka|Redis|AMQP|Amqp|Celery|Socket|Client|Transport|Network)\w*(Error|Exception)$|^(Timeout|ConnectTimeout|ReadTimeout)$"
)
_SILENT = frozenset({"passes", "skips the item", "logged at debug/info"})
_CLEANUP = frozenset({"__del__", "__exit__", "__aexit__", "close", "aclose", "cleanup", "shutdown", "teardown", "dispose"})
_LOW_LOG = frozenset({"debug", "info", "print"})


def swallowed_errors(ctx: FileContext) -> Iterator[Finding]:
    """``except`` blocks that drop the error: pass, continue, return None, a debug log."""
    if ctx.is_test:
        return
    for node in ctx.nodes(ast.Try, ast.TryStar):
        func = ctx.enclosing_function(node)
        if func is not None and func.name in _CLEANUP or all(isinstance(s, ast.Import | ast.ImportFrom) for s in node.body):
            continue
        for handler in node.handlers:
            found = _swallow(ctx, node, handler)
            if found:
                yield found
    yield from _suppressed(ctx)


def _swallow(ctx: FileContext, try_node: ast.Try | ast.TryStar, handler: ast.ExceptHandler) -> Finding | None:
    caught = _caught(handler)
    broad = not caught or bool(set(caught) & _BROAD)
    critical = [c for c in caught if _CRITICAL.search(c)]
    if not broad and not critical or any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
        return None
    found = [_stmt_kind(s) for s in handler.body if not _is_docstring(s)]
    kinds = [k for k in found if k is not None]
    if not found or len(kinds) < len(found) or not broad and not set(kinds) <= _SILENT:
        return None
    what = _first_call(try_node)
    if _documented(ctx, handler) or _PARSES.search(what) or _best_effort(ctx, try_node):
        return None
    label = "bare except" if not caught else f"except {', '.join(caught)}"
    action = " + ".join(dict.fromkeys(kinds))
    scale = (1 if broad else 0.7) - (0.12 if "logged at debug/info" in kinds else 0) - (0.24 if "returns a default" in kinds else 0)
    return finding(ctx, "except.swallowed", handler, scale=scale, caught=label, what=what, action=action)


# A failed parse has a well-defined answer (the fallback value): not a lost failure.
_PARSES = re.compile(r"^(json\.loads?|yaml\.safe_load|int|float|Decimal|decimal\.Decimal|UUID|uuid\.UUID|"
                     r"ast\.literal_eval|\w*\.?(strptime|fromisoformat|parse\w*|loads|decode\w*|b64decode|"
                     r"unquote|urlparse)|str|bool|Fraction|datetime\.\w+)\(", re.I)
_BEST_EFFORT = re.compile(r"never (raise|fail)|best[- ]effort|must not (raise|fail|break)|do(es)? not (raise|fail)",
                          re.I)


def _documented(ctx: FileContext, handler: ast.ExceptHandler) -> bool:
    """The author wrote why the error is dropped: a comment on or inside the handler."""
    end = handler.end_lineno or handler.lineno
    return any("#" in line and not line.lstrip().startswith(("#!", "# type:", "# noqa", "# pragma"))
               and _comment(line) for line in ctx.lines[handler.lineno - 1:end])


def _comment(line: str) -> bool:
    text = line.split("#", 1)[1].strip().lower()
    return bool(text) and not text.startswith(("noqa", "type:", "pragma", "nosec", "pylint", "fmt:"))


def _best_effort(ctx: FileContext, try_node: ast.Try | ast.TryStar) -> bool:
    """The enclosing function documents that it never raises (a metrics emitter, a notifier)."""
    func = ctx.enclosing_function(try_node)
    doc = ast.get_docstring(func) if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) else None
    return bool(doc and _BEST_EFFORT.search(doc))


def _caught(handler: ast.ExceptHandler) -> list[str]:
    if handler.type is None:
        return []
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [dotted(t).rsplit(".", 1)[-1] or "?" for t in types]


def _stmt_kind(stmt: ast.stmt) -> str | None:
    """How a handler statement treats the error; None when it does real handling."""
    if isinstance(stmt, ast.Pass) or isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return "passes"
    if isinstance(stmt, ast.Continue | ast.Break):
        return "skips the item" if isinstance(stmt, ast.Continue) else "breaks out"
    if isinstance(stmt, ast.Return):
        if stmt.value is None or is_none(stmt.value):
            return "returns None"
        empty = isinstance(stmt.value, ast.List | ast.Dict | ast.Tuple | ast.Set) and not getattr(stmt.value, "elts", getattr(stmt.value, "keys", [1]))
        if empty or isinstance(stmt.value, ast.Constant) and stmt.value.value in (False, "", 0):
            return "returns a default"
        return None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and attr(stmt.value) in _LOW_LOG:
        return "logged at debug/info"
    return None


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _first_call(try_node: ast.Try | ast.TryStar) -> str:
    for stmt in try_node.body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and dotted(n.func):
                return f"{dotted(n.func)}(...)"
    return "this block"


def _suppressed(ctx: FileContext) -> Iterator[Finding]:
    for item in ctx.nodes(ast.withitem):
        call = item.context_expr
        if isinstance(call, ast.Call) and ctx.qualified(call) == "contextlib.suppress":
            if any(dotted(a).rsplit(".", 1)[-1] in _BROAD for a in call.args):
                yield finding(ctx, "except.swallowed", call, "suppress")


# --- item 4: dual writes ----------------------------------------------------------

_TX_BLOCKS = ("transaction.atomic", "session.begin", "engine.begin", ".begin", "atomic")
_COMPENSATE = re.compile(r"rollback|delete|refund|cancel|compensat|revert|void|undo", re.I)


def dual_writes(ctx: FileContext) -> Iterator[Finding]:
    """A commit and an external effect in one function, with no outbox between them."""
    if ctx.is_test or not mentions(ctx, "commit(", "save(", "objects.", "atomic", "begin("):
        return
    clients = client_names(ctx)
    outbox = mentions(ctx, "outbox")
    for func, effects in _effects_by_function(ctx, clients).items():
        commits = _commit_lines(ctx, func) if not (outbox and _mentions_outbox(func)) else []
        own = {id(c) for c in body_calls(func)} if commits else set()  # not inside a lambda (on_commit) or nested def
        units = _units(ctx, func) if commits else frozenset()
        for call, desc in effects:
            if id(call) in own and not _compensated(ctx, call) and not _same_database(ctx, call, desc, units):
                on_path = [line for line, at in commits if same_path(func, *sorted((at, call.lineno)))]
                yield from _order_finding(ctx, call, desc, on_path)


# --- item 4 across modules: helpers that commit by themselves ---------------------------------
# zou's models commit in their own methods (``TimeSpent.create(...)``, ``time_spent.update(...)`` run
# ``db.session.commit()`` in ``BaseMixin``), and services commit in functions other modules call
# (``files_service.create_preview_file_raw``). A per-file detector sees no commit before the event that
# follows such a call. Per file, ``AcrossModules`` records the effects that follow a call which may commit
# (``helper_effects``) and the functions and model methods that do commit (``self_commits``); the
# repository stage (``archreview.checklist.across.selfcommit``) reads the callee and reports the dual write
# (held12, tuned after looking).
_PORT_BY_NAME = "publish through the messaging port"
_HELPERS_KEPT = 5  # the nearest calls before an effect that may commit: the repository stage takes the nearest that does
_NOT_HELPERS = frozenset({"get", "get_by", "get_all", "get_all_by", "query", "filter", "filter_by", "first", "all",
                          "serialize", "present", "to_dict", "dict", "json", "count", "exists", "one", "one_or_none"})


def self_commits(ctx: FileContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(module-level functions, methods of a models module's classes) of one file that commit in their own body
    (see above), each name once."""
    if ctx.is_test or "commit(" not in ctx.text:
        return (), ()
    models = "models" in ctx.path.replace("\\", "/").removesuffix(".py").split("/")
    funcs: list[str] = []
    methods: list[str] = []
    for func in ctx.functions():
        if not any(is_commit(c) for c in body_calls(func)):
            continue
        owner = next((c for c in ctx.tree.body if isinstance(c, ast.ClassDef) and func in c.body), None)
        if func in ctx.tree.body:
            funcs.append(func.name)
        elif owner is not None and models:
            methods.append(func.name)
    return tuple(dict.fromkeys(funcs)), tuple(dict.fromkeys(methods))


def helper_effects(ctx: FileContext) -> tuple[HelperEffect, ...]:
    """Effects that no commit of their own function precedes, after calls that may commit by themselves."""
    if ctx.is_test or not mentions(ctx, "emit", "publish", "send", "delay", "apply_async", "enqueue", "notify", "mail",
                                   "post", "produce", "charge", "message"):
        return ()
    clients = client_names(ctx)
    outbox = mentions(ctx, "outbox")
    out: list[HelperEffect] = []
    for func, effects in _effects_by_function(ctx, clients).items():
        if outbox and _mentions_outbox(func):
            continue
        commits = _commit_lines(ctx, func)
        own = {id(c) for c in body_calls(func)}
        units = _units(ctx, func)
        models = _model_locals(ctx, func)
        for call, desc in effects:
            if desc.startswith(_PORT_BY_NAME) or id(call) not in own or _compensated(ctx, call) \
                    or _same_database(ctx, call, desc, units):
                continue  # a port known by its name only (``message_text.strip()``) is too weak a guess here
            if any(at < call.lineno and same_path(func, at, call.lineno) for _, at in commits):
                continue  # the function's own commit comes first: ``dual_writes`` reports it
            snippet = ctx.snippet(call.lineno)
            helpers = [h for h in sorted(body_calls(func), key=lambda c: -c.lineno) if h.lineno < call.lineno]
            taken = 0
            for helper in helpers:
                callee = _callee(ctx, helper, models) if taken < _HELPERS_KEPT else None
                if callee and same_path(func, helper.lineno, call.lineno):
                    taken += 1
                    out.append(HelperEffect(call.lineno, helper.lineno, *callee, dotted(helper.func), desc, func.name,
                                            snippet))
    return tuple(out)


def _effects_by_function(ctx: FileContext, clients: dict[str, tuple[str, bool]]) -> dict[FunctionNode, list[tuple[ast.Call, str]]]:
    """The calls with an outside effect, by the function they are in (in the order of the file's calls).

    Kept on the file's context for its clients (``dual_writes`` and ``helper_effects`` both ask; do not mutate)."""
    kept = getattr(ctx, "_archreview_effects", None)
    if kept is not None and kept[0] is clients:
        return kept[1]
    by_func: dict[FunctionNode, list[tuple[ast.Call, str]]] = {}
    for call in ctx.calls():  # start from the effects: most functions have none, and are never walked
        desc = effect(ctx, call, clients)
        func = ctx.enclosing_function(call) if desc and not is_commit(call) else None
        if not desc or func is None or receiver(call) == func.name or is_ui_reply(call) or is_courtesy(call):
            continue  # no effect, a recursive call, a reply to the clicking user, a rating request
        by_func.setdefault(func, []).append((call, desc))
    ctx._archreview_effects = (clients, by_func)  # type: ignore[attr-defined]
    return by_func


def _callee(ctx: FileContext, call: ast.Call, models: set[str]) -> tuple[CalleeKind, str] | None:
    """How the repository stage finds what ``call`` runs: ``("func", "pkg.mod.name")`` for a function imported
    from another module, ``("method", name)`` for a method of a model class or of a row one returned; None
    otherwise."""
    name = attr(call) or dotted(call.func)
    if not name or name in _NOT_HELPERS or is_commit(call):
        return None
    recv = receiver(call)
    qualified = ctx.qualified(call)
    if isinstance(call.func, ast.Name) and qualified != name and "." in qualified:
        return "func", qualified  # ``from app.services.files import create_preview`` then ``create_preview(...)``
    if recv and "." not in recv and recv in ctx.aliases:
        full = ctx.aliases[recv]
        if _model_import(full):
            return "method", name  # ``TimeSpent.create(...)``, TimeSpent imported from a models module
        return ("func", f"{full}.{name}") if "." in qualified else None  # ``files_service.create_preview_file_raw(...)``
    if recv in models:
        return "method", name  # ``time_spent.update(...)`` on a row ``TimeSpent.get_by(...)`` returned
    return None


def _model_import(full: str) -> bool:
    parts = full.split(".")
    return "models" in parts[:-1] and parts[-1][:1].isupper()


def _model_locals(ctx: FileContext, func: FunctionNode) -> set[str]:
    """Local names bound to a row a model class returned: ``x = TimeSpent.get_by(...)`` / ``TimeSpent.create(...)``."""
    out = set()
    for node in body_nodes(func):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            recv = receiver(node.value)
            if recv and "." not in recv and _model_import(ctx.aliases.get(recv, "")):
                out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return out


def _order_finding(ctx: FileContext, call: ast.Call, desc: str, commits: list[int]) -> Iterator[Finding]:
    before = [c for c in commits if c < call.lineno]
    after = [c for c in commits if c >= call.lineno]  # a transaction block ending on the call commits after it
    # a call to a plain name is followed to its definition in the repository stage (archreview.checklist.across.wrappers)
    callee = call.func.id if isinstance(call.func, ast.Name) and desc == f"call to {call.func.id}" else ""
    if before:
        yield replace(finding(ctx, "dual_write.commit_then_publish", call, effect=desc, commit=before[-1]), callee=callee)
    elif after:
        yield replace(finding(ctx, "dual_write.publish_then_commit", call, effect=desc, commit=after[0]), callee=callee)


def _commit_lines(ctx: FileContext, func: FunctionNode) -> list[tuple[int, int]]:
    """Where this function's writes become durable (commits, ORM saves, ends of transaction blocks):
    (line it takes effect, line of the statement that does it).

    Inside a transaction (an ``atomic``-decorated function, a ``with transaction.atomic()`` block)
    an ORM save or a nested block is not durable yet: only the end of the outermost one commits.
    """
    spans: list[tuple[int, int]] = []  # (first, last) line of each transaction scope
    if any(ctx.qualified(dec).endswith("transaction.atomic") for dec in getattr(func, "decorator_list", [])):
        spans.append((func.lineno, func.end_lineno or func.lineno))
    for node in body_nodes(func):
        if isinstance(node, ast.With | ast.AsyncWith) and any(_is_tx(ctx, i.context_expr) for i in node.items):
            spans.append((node.lineno, node.end_lineno or node.lineno))

    def inside(lo: int, hi: int) -> bool:  # within another transaction scope than (lo, hi) itself
        return any(a <= lo and hi <= b and (a, b) != (lo, hi) for a, b in spans)

    lines = [(c.lineno, c.lineno) for c in body_calls(func)
             if is_commit(c) or is_orm_write(ctx, c) and not inside(c.lineno, c.lineno)]
    lines += [(hi, lo) for lo, hi in spans if not inside(lo, hi)]
    return sorted(set(lines))


# What leaves the database whatever it is handed: an HTTP write, an e-mail, a messaging port, a Celery task.
_OUTSIDE = ("HTTP ", "e-mail", "publish through the messaging port")
_TASK_QUEUE = frozenset({"delay", "apply_async", "send_task"})
# Verbs that record an event rather than deliver it: handed the session, they add it to the transaction (an event
# log, an outbox, a database queue). Delivery verbs (send, mail, notify, charge) look things up with the session
# they are handed and then go out: Dispatch's send_incident_closed_notification(incident, db_session) posts to Slack.
_RECORDING_VERBS = frozenset({"emit", "publish", "enqueue", "produce"})
_FIRST_WORD = re.compile(r"[A-Z]?[a-z]+")


def _units(ctx: FileContext, func: FunctionNode) -> frozenset[str]:
    """The sessions, connections and units of work this function commits on: the receivers of its
    commits and of the transaction blocks it opens (``session`` for ``await session.commit()``,
    ``self._uow`` for ``async with self._uow.begin()``)."""
    names = {receiver(c) for c in body_calls(func) if is_commit(c)}
    for node in body_nodes(func):
        if isinstance(node, ast.With | ast.AsyncWith):
            names.update(receiver(i.context_expr) for i in node.items
                         if isinstance(i.context_expr, ast.Call) and _is_tx(ctx, i.context_expr))
    return frozenset(n for n in names if n and n != "transaction")


def _same_database(ctx: FileContext, call: ast.Call, desc: str, units: frozenset[str]) -> bool:
    """Does the call write to the database the commit is on, whatever its verb says?

    A call that records an event (emit, publish, enqueue) handed the session or unit of work the function
    commits on (``events.emit(session, "Fleet created", ...)``, ``outbox.publish(session, event)``) adds a
    row to the same transaction; a named effect called on a model class (``Notification.notify(user,
    ...)``) is an ORM classmethod writing a row. Neither leaves the database. An HTTP write, an e-mail,
    a messaging port or a Celery task leaves it whatever it is handed (held3, fixed after looking).
    """
    if desc.startswith(_OUTSIDE) or attr(call) in _TASK_QUEUE:
        return False
    words = _FIRST_WORD.findall(attr(call))
    handed = {dotted(a) for a in (*call.args, *(k.value for k in call.keywords))}
    recording = bool(words) and words[0].lower() in _RECORDING_VERBS and bool(handed & units)
    return recording or desc.startswith("call to ") and _model_class(ctx, receiver(call))


def _model_class(ctx: FileContext, name: str) -> bool:
    """Is ``name`` an ORM model class: defined in this file on a ``...Model`` base, or imported from a
    ``models`` module (``from bookwyrm.models import Notification``, ``from .notification import
    Notification`` in ``bookwyrm/models/move.py``), in a Django codebase?"""
    if not name[:1].isupper() or "." in name or not uses_django(ctx) and "/models/" not in f"/{ctx.path}":
        return False
    for cls in ctx.nodes(ast.ClassDef):
        if cls.name == name:
            return any(dotted(b).rsplit(".", 1)[-1].endswith("Model") for b in cls.bases)
    package = ctx.path.replace("\\", "/").split("/")[:-1]
    for imp in ctx.nodes(ast.ImportFrom):
        if any((a.asname or a.name) == name for a in imp.names):
            parts = (package[:len(package) - imp.level + 1] if imp.level else []) + (imp.module or "").split(".")
            return "models" in parts
    return False


def in_process_senders(ctx: FileContext) -> tuple[str, ...]:
    """Module-level functions whose only outside-looking act is an in-process signal: they send one
    (django-notifications' ``notify.send``), or call another such function of the file, and make no
    other effect. Pontoon's ``send_badge_notification`` renders a text and calls ``send_notification``,
    which calls ``notify.send``: a Notification row in the same database (held11, tuned after looking).
    A call to one from another module is then no dual write (``archreview.checklist.across.wrappers``)."""
    if ".signals" not in ctx.text and "signals import" not in ctx.text:
        return ()
    funcs = {f.name: f for f in ctx.tree.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
    clients = client_names(ctx)
    sends: set[str] = set()
    deps: dict[str, set[str]] = {}
    loud: set[str] = set()
    for name, func in funcs.items():
        for call in body_calls(func):
            if is_signal_send(ctx, call):
                sends.add(name)
            elif effect(ctx, call, clients) is not None:
                callee = dotted(call.func)
                if callee in funcs and callee != name:
                    deps.setdefault(name, set()).add(callee)
                else:
                    loud.add(name)
    quiet = {n for n in funcs if n not in loud and (n in sends or n in deps)}
    changed = True
    while changed:  # a function calling a loud one (or one that reaches no signal) is not quiet
        before = len(quiet)
        quiet = {n for n in quiet if deps.get(n, set()) <= quiet and (n in sends or deps.get(n, set()) & quiet)}
        changed = len(quiet) != before
    return tuple(sorted(quiet))


def _is_tx(ctx: FileContext, expr: ast.AST) -> bool:
    name = ctx.qualified(expr) if isinstance(expr, ast.Call) else ""
    return name.endswith(_TX_BLOCKS) and not name.endswith("nested.begin")


def _compensated(ctx: FileContext, call: ast.Call) -> bool:
    """The effect sits in a try whose handler undoes the write (rollback, delete, refund)."""
    func = ctx.enclosing_function(call)
    for node in body_nodes(func) if func else ():
        if isinstance(node, ast.Try) and node.lineno <= call.lineno <= (node.body[-1].end_lineno or 0):
            names = [dotted(c.func) for h in node.handlers for c in ast.walk(h) if isinstance(c, ast.Call)]
            if any(_COMPENSATE.search(n) for n in names):
                return True
    return False


def _mentions_outbox(func: ast.AST) -> bool:
    for n in ast.walk(func):
        text = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
        if "outbox" in text.lower() or isinstance(n, ast.Constant) and "outbox" in str(n.value).lower():
            return True
    return False


DETECTORS = (missing_timeouts, retried_side_effects, swallowed_errors, dual_writes)
