"""Scale and cost: items 17 (in-process state), 18 (paid fan-out), 19 (no observability).

Code that keeps uploads, sessions or schedules inside one process works until the
second instance starts; a loop that calls a paid API per row works until the
table grows; a payment path that only ``print``s works until the first incident.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping

from archreview.checklist.detectors import _sql
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted
from archreview.core.model import Finding

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PATHISH = re.compile(r"path|dir|folder|upload|media|/|filename|MEDIA|UPLOAD")
_WORKER_PATHS = ("worker", "scheduler", "cron", "jobs", "tasks", "management/commands", "clock", "scripts/")
_STATE_WORDS = ("session", "cache", "store", "token", "rate", "limit", "attempt", "cart", "otp", "login",
                "visits", "seen", "memo", "lock", "online", "presence", "connected")
_CONTAINERS = frozenset({"dict", "defaultdict", "OrderedDict", "Counter", "set", "list", "TTLCache", "LRUCache",
                         "cachetools.TTLCache", "cachetools.LRUCache", "collections.defaultdict",
                         "collections.OrderedDict", "collections.Counter"})
_CACHE_WORDS = ("cache", "memo")
_MUTATORS = frozenset({"setdefault", "update", "pop", "add", "append", "__setitem__", "clear", "popitem",
                       "discard", "remove", "extend", "insert"})
_LOCAL_CACHES = ("SimpleCache", "simple", "FileSystemCache", "filesystem", "LocMemCache", "FileBasedCache")
_PER_USER = ("user", "account", "customer", "session", "token", "request", "tenant")
_SCHEDULERS = frozenset({"BackgroundScheduler", "AsyncIOScheduler", "GeventScheduler", "TornadoScheduler",
                         "threading.Timer", "Timer"})
_UPLOAD_NAMES = frozenset({"file", "f", "upload", "uploaded", "uploaded_file", "image", "avatar", "photo",
                           "attachment", "document", "picture", "fileobj"})


def _worker_module(ctx: FileContext) -> bool:
    return any(w in ctx.path.lower() for w in _WORKER_PATHS)


def _upload_source(value: ast.AST | None) -> bool:
    return value is not None and any(dotted(n).startswith("request.files") or dotted(n) == "request.FILES"
                                     for n in ast.walk(value) if isinstance(n, ast.Attribute))


def _assigned_at(ctx: FileContext, node: ast.AST) -> Mapping[str, ast.AST]:
    func = ctx.enclosing_function(node)
    return _sql.assignments(func) if func else {}


def local_uploads(ctx: FileContext) -> Iterator[Finding]:
    """Item 17: an uploaded file saved to this instance's disk."""
    if _sql.not_production(ctx):
        return
    for call in ctx.calls_named("save"):
        if not isinstance(call.func, ast.Attribute) or not call.args:
            continue
        recv = call.func.value
        strong = _upload_source(recv) or isinstance(recv, ast.Name) and _upload_source(
            _assigned_at(ctx, call).get(recv.id))
        if not strong and not (isinstance(recv, ast.Name) and recv.id in _UPLOAD_NAMES):
            continue
        target = ast.get_source_segment(ctx.text, call.args[0]) or ""
        if (strong or _PATHISH.search(target)) and "tmp" not in target.lower() and "temp" not in target.lower():
            yield finding(ctx, "state.local_upload", call, target=target[:60])


def _module_containers(ctx: FileContext) -> dict[str, ast.Assign | ast.AnnAssign]:
    out = {}
    for node in ctx.tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            value = node.value
            container = isinstance(value, ast.Dict | ast.Set | ast.List) or isinstance(value, ast.Call) and \
                dotted(value.func) in _CONTAINERS
            words = [w for w in re.split(r"_+", _CAMEL.sub("_", target.id).lower()) if w] \
                if isinstance(target, ast.Name) else []
            # A per-process cache (``_jobs_cache = TTLCache(...)``) costs a miss on another instance,
            # not a wrong answer: only state whose loss or split changes behaviour counts (sessions,
            # dedupe sets, locks, rate limits).
            if container and isinstance(target, ast.Name) and any(w.startswith(_STATE_WORDS) for w in words) \
                    and not any(w.startswith(_CACHE_WORDS) for w in words):
                out[target.id] = node
    return out


def _written_in_function(ctx: FileContext, names: set[str]) -> set[str]:
    written = set()
    for node in ctx.nodes(ast.Subscript):
        if isinstance(node.ctx, ast.Store | ast.Del) and isinstance(node.value, ast.Name) and node.value.id in names:
            written.add(node.value.id)
    for call in ctx.calls_named(*_MUTATORS):
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id in names and ctx.enclosing_function(call) is not None:
            written.add(f.value.id)
    return written


def in_memory_state(ctx: FileContext) -> Iterator[Finding]:
    """Item 17: sessions, caches and counters kept in this process's memory."""
    if _sql.not_production(ctx):
        return
    stores = _module_containers(ctx)
    for name in sorted(_written_in_function(ctx, set(stores)), key=lambda n: stores[n].lineno):
        yield finding(ctx, "state.module_store", stores[name], name=name, what=name.lower().replace("_", " "))
    for name, value in _cache_settings(ctx):
        if isinstance(value, ast.Constant) and str(value.value).rsplit(".", 1)[-1] in _LOCAL_CACHES:
            yield finding(ctx, "state.local_cache", value, backend=value.value)
    for call in ctx.calls_named("SimpleCache", ""):  # "": named by dotted()
        if dotted(call.func).rsplit(".", 1)[-1] == "SimpleCache":
            yield finding(ctx, "state.local_cache", call, backend="SimpleCache")
    yield from _per_user_lru(ctx)


def _cache_settings(ctx: FileContext) -> Iterator[tuple[str, ast.AST]]:
    """Values given to ``CACHE_TYPE`` / a cache ``BACKEND``, as dict entries, keywords or assignments."""
    for node in ctx.nodes(ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value in {"CACHE_TYPE", "BACKEND"}:
                yield key.value, value
    for assign in ctx.nodes(ast.Assign):
        target = assign.targets[0]
        name = target.slice.value if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
            else dotted(target)
        if str(name).endswith("CACHE_TYPE"):
            yield str(name), assign.value


# ``get_phabricator_client(api_key)`` (bugbug): one client per credential, not a user's data
_CLIENT_FACTORY = re.compile(r"(client|connection|conn|engine|pool|transport|api)$", re.I)


def _per_user_lru(ctx: FileContext) -> Iterator[Finding]:
    for func in ctx.functions():
        decos = [n.rsplit(".", 1)[-1] for n in _sql.decorator_names(func)]
        params = [a.arg.lower() for a in func.args.args]
        deco = next((d for d, n in zip(func.decorator_list, decos) if n in {"lru_cache", "cache"}), None)
        if deco is not None and not _CLIENT_FACTORY.search(func.name) and any(
                p.startswith(_PER_USER) or p.endswith("_id") for p in params if p not in {"self", "cls"}):
            yield finding(ctx, "state.per_user_lru_cache", deco, func=func.name)


def in_process_schedulers(ctx: FileContext) -> Iterator[Finding]:
    """Item 17: a scheduler started inside the web process runs once per instance."""
    if _sql.not_production(ctx) or _worker_module(ctx):
        return
    for call in ctx.calls():
        name = ctx.qualified(call)
        if name.rsplit(".", 1)[-1] in _SCHEDULERS or name == "threading.Timer" or name.startswith("schedule.every"):
            yield finding(ctx, "state.in_process_scheduler", call, call=dotted(call.func))


# --- item 18 ---------------------------------------------------------------------------

_PAID_MODULES = ("openai.", "anthropic.", "stripe.", "twilio.", "sendgrid.", "mailchimp", "googlemaps.",
                 "vonage.", "plivo.", "mailgun")
_PAID_CLIENTS = frozenset({"openai.OpenAI", "openai.AsyncOpenAI", "anthropic.Anthropic", "anthropic.AsyncAnthropic",
                           "twilio.rest.Client", "sendgrid.SendGridAPIClient", "googlemaps.Client", "OpenAI",
                           "Anthropic"})
_PAID_AWS = frozenset({"ses", "sesv2", "sns", "pinpoint", "comprehend", "rekognition", "textract", "translate",
                       "bedrock-runtime", "polly"})
_PAID_TAILS = ("chat.completions.create", "completions.create", "embeddings.create", "images.generate",
               "messages.create", "responses.create", "calls.create")
_MAIL = frozenset({"send_mail", "django.core.mail.send_mail", "mail.send", "send_email", "send_message"})


def _clients(ctx: FileContext) -> dict[str, str]:
    """Local names bound to a paid-API client (``sns = boto3.client("sns")``)."""
    out = {}
    for node in ctx.nodes(ast.Assign):
        if isinstance(node.value, ast.Call) and len(node.targets) == 1:
            name = ctx.qualified(node.value)
            first = node.value.args[0] if node.value.args else None
            aws = str(first.value) if name in {"boto3.client", "boto3.resource"} \
                and isinstance(first, ast.Constant) and first.value in _PAID_AWS else None
            if aws or name in _PAID_CLIENTS:
                out[dotted(node.targets[0])] = aws or name
    return out


def _paid(ctx: FileContext, call: ast.Call, clients: dict[str, str], over_query: bool) -> str:
    name = ctx.qualified(call)
    recv = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else ""
    if name.startswith(_PAID_MODULES) and (name.endswith(_PAID_TAILS) or name.rsplit(".", 1)[-1] in
                                           {"create", "send", "capture", "publish", "modify"}):
        return name
    if recv.split(".")[0] in clients or recv in clients or name.endswith(_PAID_TAILS) and "client" in name.lower():
        return name
    if over_query and (name in _MAIL or name.startswith(("requests.post", "httpx.post", "requests.get"))):
        return name
    return ""


_SQL_LIMIT = re.compile(r"\b(LIMIT|TOP|FETCH\s+FIRST)\b", re.IGNORECASE)


def _capped(it: ast.AST, assigned: Mapping[str, ast.AST]) -> bool:
    if isinstance(it, ast.List | ast.Tuple | ast.Set | ast.Constant):
        return True
    if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and _SQL_LIMIT.search(n.value) for n in ast.walk(it)):
        return True  # rows from SQL that carries its own LIMIT
    if isinstance(it, ast.Call) and dotted(it.func) in {"range", "islice", "itertools.islice", "enumerate", "zip"}:
        return dotted(it.func) != "enumerate" and all(isinstance(a, ast.Constant | ast.Name) for a in it.args) \
            or dotted(it.func) == "enumerate" and _capped(it.args[0], assigned)
    return _sql.bounded(_sql.chain(it), assigned)


def paid_fan_out(ctx: FileContext) -> Iterator[Finding]:
    """Item 18: a paid or rate-limited API called once per item of an uncapped collection.

    The call may be direct, or one level down through a function of the same
    file (``for row in rows: geocode(row)`` where ``geocode`` calls the API).
    """
    if _sql.not_production(ctx):
        return
    clients = _clients(ctx)
    # each call read once: a call paying when generic HTTP calls count (over a query) is the only one that may
    # pay when they do not, so _paid(..., False) is asked only about those
    paying = [(c, name) for c in ctx.calls() if (name := _paid(ctx, c, clients, True))]
    helpers = {False: _paying_helpers(ctx, [(c, _paid(ctx, c, clients, False)) for c, _ in paying]),
               True: _paying_helpers(ctx, paying)}
    lines = {c.lineno for c, _ in paying}
    if helpers[True]:  # no paying function in the file: no call invokes one
        lines.update(c.lineno for c in ctx.calls() if _helper(c, helpers[True]))
    if not lines:
        return
    for loop in ctx.nodes(ast.For, ast.AsyncFor):
        if not any(loop.lineno < n <= (loop.end_lineno or loop.lineno) for n in lines):
            continue
        func = ctx.enclosing_function(loop)
        assigned = _sql.assignments(func) if func else {}
        it = assigned.get(loop.iter.id, loop.iter) if isinstance(loop.iter, ast.Name) else loop.iter
        body = ast.Module(body=loop.body, type_ignores=[])
        if _capped(it, assigned) or _capped(loop.iter, assigned) or any("cache" in dotted(n).lower() for n in ast.walk(body)
                                                    if isinstance(n, ast.Attribute | ast.Name)):
            continue
        over_query = _sql.is_query(it)
        for call in sorted((n for n in ast.walk(body) if isinstance(n, ast.Call)), key=lambda c: c.lineno):
            name = _paid(ctx, call, clients, over_query)
            via = "" if name else _helper(call, helpers[over_query])
            if via and func is not None and via == func.name:
                via = ""  # recursion is not fan-out
            if name or via:
                what = name or f"{via}(), which calls {helpers[over_query][via]}(),"
                yield finding(ctx, "fanout.paid_call_in_loop", call, "" if name else "helper", what=what,
                              loop=dotted(loop.iter) or "a loop")
                break


def _paying_helpers(ctx: FileContext, paying: list[tuple[ast.Call, str]]) -> dict[str, str]:
    """Functions of this file that call a paid API themselves: name -> the API call, from the file's
    (call, paid API or "") pairs in source order (generic HTTP calls among them or not)."""
    out: dict[str, str] = {}
    for call, name in paying:
        func = ctx.enclosing_function(call) if name else None
        if func is not None:
            out.setdefault(func.name, name)
    return out


def _helper(call: ast.Call, helpers: dict[str, str]) -> str:
    """The name of a same-file paying function this call invokes (``helper(x)`` or ``self.helper(x)``)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name if name in helpers else ""


# --- item 19 ------------------------------------------------------------------------------

_CRITICAL = ("pay", "charge", "checkout", "order", "refund", "invoice", "billing", "subscri", "transfer",
             "withdraw", "purchase", "webhook", "payout")
_LOG_CALLS = ("logger.", "log.", "logging.", "structlog", "sentry_sdk.", "_logger.", "LOG.", "self.logger.",
              "self.log.", "current_app.logger.", "app.logger.", "statsd.", "metrics.")


def _critical(ctx: FileContext, func: FunctionNode, scheduled: set[str]) -> float:
    """How surely ``func`` is a critical production path: a task, a scheduled job or a money
    handler (0.75), another handler that writes (0.6: POST/PUT/PATCH/DELETE), else 0 (an
    about page that prints is not a critical path)."""
    if _sql.is_task(func) or func.name in scheduled:
        return 0.75
    if not _sql.is_handler(ctx, func):
        return 0.0
    route = " ".join(str(a.value) for d in func.decorator_list if isinstance(d, ast.Call)
                     for a in d.args if isinstance(a, ast.Constant))
    if any(w in (func.name + " " + route).lower() for w in _CRITICAL):
        return 0.75
    return 0.6 if _writes(func) else 0.0


def _writes(func: FunctionNode) -> bool:
    """A handler declared for a state-changing method (``methods=["POST"]``, ``@require_POST``, ``@router.post``)."""
    for d in func.decorator_list:
        name = dotted(d).lower()
        if name.endswith(("require_post", ".post", ".put", ".patch", ".delete")):
            return True
        methods = [k.value for k in getattr(d, "keywords", ()) if k.arg == "methods"]
        if any(isinstance(c, ast.Constant) and str(c.value).upper() in {"POST", "PUT", "PATCH", "DELETE"}
               for m in methods for c in ast.walk(m)):
            return True
    return False


def _scheduled(ctx: FileContext) -> set[str]:
    """Functions this file hands to a scheduler: ``@sched.scheduled_job(...)`` or ``sched.add_job(func, ...)``."""
    names = {f.name for f in ctx.functions() for d in f.decorator_list
             if dotted(d).endswith(("scheduled_job", "periodic_task", ".cron", ".interval"))}
    for call in ctx.calls():
        if dotted(call.func).endswith("add_job") and call.args and isinstance(call.args[0], ast.Name | ast.Attribute):
            names.add(dotted(call.args[0]).rsplit(".", 1)[-1])
    return names


def print_on_critical_path(ctx: FileContext) -> Iterator[Finding]:
    """Item 19: a request handler, background task or scheduled job that reports with print() only."""
    if _sql.not_production(ctx):
        return
    scheduled = _scheduled(ctx)
    for func in ctx.functions():
        confidence = _critical(ctx, func, scheduled)
        if not confidence:
            continue
        calls = [c for c in ast.walk(func) if isinstance(c, ast.Call)]
        if any(dotted(c.func).startswith(_LOG_CALLS) for c in calls):
            continue
        prints = sorted((c for c in calls if dotted(c.func) == "print"), key=lambda c: c.lineno)
        if prints:
            kind = "task" if _sql.is_task(func) else "job" if func.name in scheduled else "handler"
            yield finding(ctx, "observability.print_only", prints[0], scale=confidence / 0.75, kind=kind,
                          func=func.name)


DETECTORS: tuple = (local_uploads, in_memory_state, in_process_schedulers, paid_fan_out, print_on_critical_path)

