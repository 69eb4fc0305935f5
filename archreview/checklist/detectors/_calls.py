"""Predicates on calls shared by the items 1-10 detectors.

What counts as "an HTTP call", "a commit", "a publish" or "an operation that
charges, sends or publishes" is decided here once, so the timeout, retry,
dual-write and transaction detectors agree with each other.
"""

from __future__ import annotations

import ast
import re
from archreview.facts.index import FileContext, dotted, preorder

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
WRITE_VERBS = frozenset({"post", "put", "patch", "delete"})
HTTP_LIBS = ("requests", "httpx", "urllib3", "aiohttp")
# Constructors of clients whose calls can carry a default timeout.
CLIENT_TYPES = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "urllib3.PoolManager": "urllib3",
    "urllib3.HTTPConnectionPool": "urllib3",
    "urllib3.HTTPSConnectionPool": "urllib3",
}
ASYNC_CLIENT_TYPES = frozenset({"httpx.AsyncClient", "aiohttp.ClientSession"})
CLIENT_METHODS = HTTP_VERBS | {"urlopen", "send", "stream"}
PUBLISH_ATTRS = frozenset(
    {"publish", "basic_publish", "produce", "send_task", "delay", "apply_async", "send_message",
     "send_messages", "put_record", "put_events", "enqueue", "emit_event"}
)  # fmt: skip
MAIL_ATTRS = frozenset({"send_mail", "send_mass_mail", "sendmail", "send_email", "mail_admins"})
# Replies to the user who clicked, in the chat UI (Slack Bolt/Web API): a modal, an ephemeral message, an
# acknowledgement. They tell one person what happened; no other system acts on them, so a lost one loses no state.
UI_REPLY_ATTRS = frozenset({"views_open", "views_update", "views_push", "chat_postEphemeral", "respond", "ack"})
_UI_REPLY_WORDS = re.compile(r"(^|_)(modal|ephemeral)(_|$)", re.I)  # send_success_modal, send_ephemeral_message
# Courtesy messages: a request to rate or give feedback, a reminder or prompt to a person. They ask for
# something optional; a lost one leaves no system out of step with the database.
_COURTESY_WORDS = re.compile(r"(^|_)(rating|feedback|survey|reminders?|prompts?|nudge)(_|$)", re.I)
# A call "does something outside" when its name starts with one of these verbs
# (send_receipt, charge_card, publish), or pairs a doing verb with a money noun
# (process_payment, create_charge, stripe.Refund.create).
_EFFECT_VERBS = frozenset(
    {"charge", "capture", "refund", "transfer", "pay", "payout", "withdraw", "debit", "send", "sendmail",
     "publish", "produce", "notify", "email", "mail", "sms", "enqueue", "ship", "emit", "submit"}
)  # fmt: skip
_DOING_VERBS = frozenset({"create", "make", "process", "execute", "submit", "issue", "place", "confirm", "capture", "do"})
_MONEY_NOUNS = frozenset({"charge", "payment", "refund", "transfer", "payout", "invoice", "paymentintent"})
_QUIET_RECEIVERS = ("log", "logger", "logging", "print", "warnings", "self.assert")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
IDEMPOTENCY = re.compile(r"idempoten|dedup|de_dup|request_id|requestid", re.I)


def mentions(ctx: FileContext, *words: str) -> bool:
    """Does the file's text contain any of ``words`` (lower case)? A cheap gate before walking functions."""
    lower = getattr(ctx.tree, "_archreview_lower", None)
    if lower is None:
        lower = ctx.tree._archreview_lower = ctx.text.lower()  # type: ignore[attr-defined]
    return any(w in lower for w in words)


def attr(call: ast.Call) -> str:
    """The called name's last part: ``commit`` for ``db.session.commit()``."""
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def receiver(call: ast.Call) -> str:
    """The dotted receiver of a method call: ``db.session`` for ``db.session.commit()``."""
    return dotted(call.func.value) if isinstance(call.func, ast.Attribute) else ""


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def has_splat(call: ast.Call) -> bool:
    """``**kwargs`` may carry anything (a timeout, a key): treat as unknown."""
    return any(k.arg is None for k in call.keywords)


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def body_nodes(func: ast.AST) -> list[ast.AST]:
    """Nodes of a function (or loop) body, not descending into nested functions, lambdas or classes.

    Several detectors ask for the same function's nodes; the list is kept on
    the node itself so each function body is walked once per file, not once
    per question.
    """
    cached = getattr(func, "_archreview_body", None)
    if cached is not None:
        return cached
    out = preorder(getattr(func, "body", []), _OPAQUE)
    func._archreview_body = out  # type: ignore[attr-defined]
    return out


_OPAQUE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def body_assigns(func: ast.AST) -> list[ast.Assign]:
    """The ``x = ...`` statements of ``body_nodes``, in its order (kept on the node like it)."""
    cached = getattr(func, "_archreview_assigns", None)
    if cached is None:
        cached = func._archreview_assigns = [n for n in body_nodes(func) if isinstance(n, ast.Assign)]  # type: ignore[attr-defined]
    return cached


def body_calls(func: ast.AST) -> list[ast.Call]:
    cached = getattr(func, "_archreview_calls", None)
    if cached is None:
        cached = sorted((n for n in body_nodes(func) if isinstance(n, ast.Call)), key=lambda c: (c.lineno, c.col_offset))
        func._archreview_calls = cached  # type: ignore[attr-defined]
    return cached


# Telemetry and in-process signals: repeating or losing them changes no business state.
# Product analytics and lineage too (PostHog, Segment-style ``track_event``, OpenLineage): Plane's ``track_event.delay``,
# Onyx's ``capture_and_sync_with_alternate_posthog``, Feast's ``_emit_openlineage_apply`` (held4-held5, tuned after looking).
_TELEMETRY = re.compile(r"(^|[._])(metrics?|statsd|stats|sentry|sentry_sdk|prometheus|datadog|newrelic|tracer|"
                        r"telemetry|capture_(exception|message)|actstream_action|progress|heartbeat|"
                        r"posthog|mixpanel|amplitude|openlineage|track_events?)($|[._])", re.I)
# blinker/Django signals: ``certificate_issued.send(...)``, ``post_save.send(...)`` run receivers in process
_SIGNAL = re.compile(r"(^|[._])(signals?|\w+_(signal|issued|created|updated|deleted|saved|changed)|(pre|post)_\w+)$",
                     re.I)


def is_quiet_receiver(call: ast.Call) -> bool:
    name = dotted(call.func).lower()
    if name.startswith(_QUIET_RECEIVERS) or ".log" in name or _TELEMETRY.search(dotted(call.func)):
        return True
    if _SIGNAL_METHOD.match(attr(call)):
        return True  # ``self.send_created_signal(users)``: a method named for the in-process signal it sends
    # ``sender=`` is the signal API's own keyword (Django, blinker): ``consumption_finished.send(sender=cls)``
    return attr(call) in {"send", "send_robust", "send_async"} and (
        bool(_SIGNAL.search(receiver(call))) or any(k.arg == "sender" for k in call.keywords))


# A function named for the signal it sends (jumpserver's ``send_auth_signal``, ``send_m2m_changed_signal``,
# ``send_created_signal``: each calls a Django ``Signal.send``; held6, tuned after looking).
_SIGNAL_METHOD = re.compile(r"(send|fire|emit|dispatch|trigger)_(\w+_)?signals?$", re.I)


def is_commit(call: ast.Call) -> bool:
    """``session.commit()`` / ``conn.commit()`` / ``transaction.commit()``."""
    return attr(call) == "commit" and not call.args and "git" not in receiver(call).lower()


# A manager's writes (``X.objects.create()``); with a bare ``save()``, the called names ``is_orm_write`` knows
_MANAGER_WRITES = frozenset({"create", "bulk_create", "update", "get_or_create", "update_or_create"})
ORM_WRITES = _MANAGER_WRITES | {"save"}


def is_orm_write(ctx: FileContext, call: ast.Call) -> bool:
    """A Django-style write that persists at once: ``obj.save()``, ``X.objects.create()``."""
    name = attr(call)
    if name == "save" and not call.args and uses_django(ctx):
        # ``form.save(commit=False)`` builds the instance and writes nothing (WebODM app/views/app.py, held12)
        return not any(k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                       for k in call.keywords)
    if name == "save_m2m" and not call.args and uses_django(ctx):
        return True  # a ModelForm's many-to-many rows, written after ``form.save(commit=False)`` and the instance's save
    recv = receiver(call)
    if ".objects" in f".{recv}" and name in _MANAGER_WRITES:
        return True
    return name == "update" and ".objects." in f".{recv}."


def uses_django(ctx: FileContext) -> bool:
    """Django (or a project's own ``models`` module): where a bare ``.save()`` is a database write."""
    return any(v.startswith(("django", "rest_framework")) or ".models." in f".{v}" for v in ctx.aliases.values())


def http_call(ctx: FileContext, call: ast.Call) -> tuple[str, str] | None:
    """(library, verb) for a module-level HTTP function such as ``requests.post``.

    The name must come from an import: ``requests = RequestSession(max_retries=3)`` (Flexget's own
    session, which sets a default timeout) or a parameter named ``requests`` is not the library.
    """
    if dotted(call.func).split(".")[0] not in ctx.aliases:
        return None
    name = ctx.qualified(call)
    lib, _, verb = name.rpartition(".")
    if lib in HTTP_LIBS and verb in HTTP_VERBS | {"stream"}:
        return lib, verb
    if name in {"urllib.request.urlopen", "urllib3.request"}:
        return name.split(".")[0], "urlopen"
    return None


def http_verb(ctx: FileContext, call: ast.Call, clients: dict[str, tuple[str, bool]]) -> str | None:
    """The HTTP verb of a call on a library function or a known client, else None."""
    direct = http_call(ctx, call)
    if direct:
        verb = direct[1]
    elif receiver(call) in clients and attr(call) in CLIENT_METHODS:
        verb = attr(call)
    else:
        return None
    if verb in {"request", "urlopen"} and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value).lower()
    return verb


def client_names(ctx: FileContext) -> dict[str, tuple[str, bool]]:
    """Names bound to HTTP clients in this file -> (library, created with a timeout).

    Covers ``s = requests.Session()``, ``self.http = httpx.Client(...)`` and
    ``with aiohttp.ClientSession() as s``. A session given a default timeout
    afterwards (``s.request = partial(s.request, timeout=5)``) counts as timed.
    """
    cached = getattr(ctx.tree, "_archreview_clients", None)
    if cached is not None:
        return cached
    found: dict[str, tuple[str, bool]] = {}
    if not any(lib in ctx.aliases.get(lib, "") or lib in ctx.text for lib in ("requests", "httpx", "aiohttp", "urllib3")):
        ctx.tree._archreview_clients = found  # type: ignore[attr-defined]
        return found
    for node in ctx.nodes(ast.Assign, ast.AnnAssign, ast.withitem):
        value = _made(node.context_expr if isinstance(node, ast.withitem) else node.value)
        targets = [node.optional_vars] if isinstance(node, ast.withitem) else getattr(node, "targets", [getattr(node, "target", None)])
        lib = CLIENT_TYPES.get(ctx.qualified(value)) if isinstance(value, ast.Call) else None
        if lib and isinstance(value, ast.Call):
            timed = kwarg(value, "timeout") is not None or has_splat(value)
            for t in targets:
                if t is not None and dotted(t):
                    found[dotted(t)] = (lib, timed)
    ctx.tree._archreview_clients = _defaulted_later(ctx, found)  # type: ignore[attr-defined]
    return ctx.tree._archreview_clients  # type: ignore[attr-defined]


def _made(value: ast.expr | None) -> ast.expr | None:
    """The client a value makes when none is handed in: ``session or Session()``, ``s if s else Session()``
    (electricitymaps-contrib's parsers, missed on held12: the default path makes a client with no timeout)."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and isinstance(value.values[-1], ast.Call):
        return value.values[-1]
    if isinstance(value, ast.IfExp):
        return value.orelse if isinstance(value.orelse, ast.Call) else value.body if isinstance(value.body, ast.Call) else value
    return value


def _defaulted_later(ctx: FileContext, found: dict[str, tuple[str, bool]]) -> dict[str, tuple[str, bool]]:
    for node in ctx.nodes(ast.Assign):
        for t in node.targets:
            name = dotted(t)
            base = name.rsplit(".", 1)[0]
            if base in found and ("timeout" in name or _mentions_timeout(node.value)):
                found[base] = (found[base][0], True)
    return found


def _mentions_timeout(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and kwarg(node, "timeout") is not None


def is_ui_reply(call: ast.Call) -> bool:
    """A reply to the clicking user in the chat UI (``client.views_open``, ``respond(...)``, ``send_success_modal``)."""
    a = attr(call)
    return a in UI_REPLY_ATTRS or bool(_UI_REPLY_WORDS.search(a))


def is_courtesy(call: ast.Call) -> bool:
    """A courtesy message to a person, named as one (``send_incident_rating_feedback_message``,
    ``send_incident_closed_information_review_reminder``, ``send_event_update_prompt_reminder``)."""
    return bool(_COURTESY_WORDS.search(attr(call)))


def effect(ctx: FileContext, call: ast.Call, clients: dict[str, tuple[str, bool]], *, retried: bool = False) -> str | None:
    """What external side effect a call has, in words, or None.

    An HTTP write, a publish or enqueue, an e-mail, or a call whose name says
    it charges, pays, sends or notifies. Reads (GET) and logging are not effects;
    with ``retried``, neither are PUT and DELETE, which HTTP defines as idempotent.
    """
    if is_quiet_receiver(call):
        return None
    verb = http_verb(ctx, call, clients)
    name = dotted(call.func)
    if verb:
        unsafe = {"post", "patch"} if retried else WRITE_VERBS  # PUT and DELETE are idempotent: safe to repeat
        return f"HTTP {verb.upper()} ({name})" if verb in unsafe and not _read_by_post(call) else None
    a = attr(call)
    if a in _POOL_METHODS and in_process_pool(ctx, receiver(call)):
        return None  # ``executor.submit(resize_image, ...)``: work handed to a thread pool of this process
    if is_signal_send(ctx, call) or is_socketio_reply(ctx, call):
        return None  # a Django signal (django-notifications' ``notify.send`` writes a Notification row): in-process
    if a == "delay" and is_backoff(ctx, receiver(call)):
        return None  # ``backoff.delay()`` computes how long to sleep: discord.py's ExponentialBackoff
    if a in PUBLISH_ATTRS:
        return f"publish/enqueue ({name})"
    port = messaging_port(ctx, call)
    if port and a not in _PORT_READS:
        return f"publish through the messaging port {port} ({name})"
    if a in MAIL_ATTRS:
        return f"e-mail ({name})"
    return f"call to {name}" if _named_effect(call) else None


# An injected port or adapter that belongs to messaging: any of its methods sends (``self._broker.message(...)``).
_MESSAGING = re.compile(r"broker|message_?bus|event_?bus|(^|_)bus$|publisher|producer|messag|kafka|rabbit|amqp|"
                        r"pubsub|(^|_)(sns|sqs|nats)($|_)|queue_?client", re.I)
# Methods that send nothing whatever the receiver's name: a port's own housekeeping, a model's persistence (Pontoon's
# ``message.save()`` on a Message row) and a mapping's reads (``updates.items()``) (held11, tuned after looking), and
# a row's serialisation (zou's ``chat_message.serialize()``, held12, tuned after looking).
_PORT_READS = frozenset({"close", "connect", "disconnect", "start", "stop", "ping", "health", "is_connected",
                         "declare_queue", "declare_exchange", "subscribe", "consume", "get", "ack", "nack",
                         "save", "delete", "refresh_from_db", "full_clean", "items", "keys", "values", "copy",
                         "serialize", "present", "to_dict", "model_dump", "dict", "json"})
_SIGNAL_SENDS = frozenset({"send", "send_robust"})
# Wrappers whose first argument is the type itself: ``Optional[MessageBroker]`` is a broker, ``dict[str, Message]`` is not
_WRAPPERS = re.compile(r"^(?:typing\.)?(?:Optional|Annotated|Union|Final|ClassVar)\[")


# A pool of this process's own threads or processes (concurrent.futures, multiprocessing): what is submitted to it runs
# here, so ``executor.submit(...)`` sends nothing (WebODM's image resizing after a save, held12, tuned after looking).
_POOL_METHODS = frozenset({"submit", "map", "apply_async", "starmap", "imap", "imap_unordered"})
_POOL_NAME = re.compile(r"^(\w+_)?executor$|^(thread_?|process_?|worker_?)?pool$", re.I)  # not a task ``refresh_pool``
_POOL_TYPES = re.compile(r"(^|\.)(ThreadPoolExecutor|ProcessPoolExecutor|Pool|ThreadPool)$")


# A backoff or retry policy: its ``delay()`` is the next sleep, not Celery's ``task.delay()`` (Red-DiscordBot's
# ``delay = backoff.delay()`` before ``asyncio.sleep(delay)``, held12, tuned after looking).
_BACKOFF_NAME = re.compile(r"backoff|(^|_)(retrier|retry_policy|retry_strategy|jitter)$", re.I)  # not ``retry_failed``


def is_backoff(ctx: FileContext, name: str) -> bool:
    """Is ``name`` a backoff or retry policy: named so, or bound in the file to a ``...Backoff(...)``?"""
    last = name.rsplit(".", 1)[-1].lstrip("_")
    if not last:
        return False
    if _BACKOFF_NAME.search(last):
        return True
    return any(isinstance(n.value, ast.Call) and _BACKOFF_NAME.search(dotted(n.value.func).rsplit(".", 1)[-1])
               and any(dotted(t).rsplit(".", 1)[-1].lstrip("_") == last for t in n.targets) for n in ctx.nodes(ast.Assign))


def in_process_pool(ctx: FileContext, name: str) -> bool:
    """Is ``name`` a thread or process pool: named so (``executor``, ``pool``) or bound in the file to one
    (``with ThreadPoolExecutor(...) as ex``, ``workers = multiprocessing.Pool(4)``)?"""
    last = name.rsplit(".", 1)[-1].lstrip("_")
    if not last:
        return False
    if _POOL_NAME.search(last):
        return True
    for node in ctx.nodes(ast.Assign, ast.withitem):
        value = node.context_expr if isinstance(node, ast.withitem) else node.value
        targets = [node.optional_vars] if isinstance(node, ast.withitem) else node.targets
        if isinstance(value, ast.Call) and _POOL_TYPES.search(ctx.qualified(value) or dotted(value.func)) and \
                any(t is not None and dotted(t).rsplit(".", 1)[-1].lstrip("_") == last for t in targets):
            return True
    return False


def is_signal_send(ctx: FileContext, call: ast.Call) -> bool:
    """``.send``/``.send_robust`` on a name imported from a ``signals`` module, or bound in the file to a
    blinker or Django signal (``watch_check_update = signal('watch_check_update')``): an in-process signal."""
    if attr(call) not in _SIGNAL_SENDS:
        return False
    return ".signals." in f".{ctx.qualified(call)}" or receiver(call) in _signal_names(ctx)


_SIGNAL_TYPES = frozenset({"blinker.signal", "blinker.Signal", "blinker.NamedSignal", "blinker.base.signal",
                           "django.dispatch.Signal", "django.dispatch.dispatcher.Signal"})


def _signal_names(ctx: FileContext) -> frozenset[str]:
    """Names the file binds to a blinker or Django signal (changedetection.io's ``signal('watch_check_update')``,
    a UI refresh sent in process; held5, tuned after looking)."""
    cached = getattr(ctx.tree, "_archreview_signals", None)
    if cached is None:
        cached = frozenset() if "blinker" not in ctx.text and "django.dispatch" not in ctx.text else frozenset(
            dotted(t) for n in ctx.nodes(ast.Assign) if isinstance(n.value, ast.Call)
            and ctx.qualified(n.value) in _SIGNAL_TYPES for t in n.targets if dotted(t))
        ctx.tree._archreview_signals = cached  # type: ignore[attr-defined]
    return cached


# Flask-SocketIO's ``emit``/``send`` inside an event handler answer the client that sent the event, unless told to
# broadcast or to address a room (changedetection.io's ``emit('operation_result', ...)``; held5, tuned after looking).
_SOCKETIO_REPLIES = frozenset({"flask_socketio.emit", "flask_socketio.send"})


def is_socketio_reply(ctx: FileContext, call: ast.Call) -> bool:
    if ctx.qualified(call) not in _SOCKETIO_REPLIES or not isinstance(call.func, ast.Name):
        return False
    return not any(k.arg in {"broadcast", "to", "room", "namespace"} for k in call.keywords)


_CONTAINERS = frozenset({"list", "set", "dict", "deque", "collections.deque", "defaultdict",
                         "collections.defaultdict", "OrderedDict", "collections.OrderedDict"})


def _local_container(ctx: FileContext, call: ast.Call, name: str) -> bool:
    """Is ``name`` bound in the call's function to a list, set or dict it builds (``message_list = []``,
    ``messages_sent_to = set()``)? Appending to it sends nothing: Argus's flash messages, django-helpdesk's
    set of addresses already mailed (held8-held9, tuned after looking)."""
    func = ctx.enclosing_function(call)
    if func is None or "." in name:
        return False
    for node in body_assigns(func):
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            v = node.value
            if isinstance(v, ast.List | ast.Set | ast.Dict | ast.ListComp | ast.SetComp | ast.DictComp):
                return True
            if isinstance(v, ast.Call) and (ctx.qualified(v) in _CONTAINERS or dotted(v.func) in _CONTAINERS):
                return True
    return False


def messaging_port(ctx: FileContext, call: ast.Call) -> str:
    """The receiver if it is a messaging port or adapter: by its name, or by the type it was given as."""
    recv = receiver(call)
    if not recv or recv.split(".")[0] in ctx.aliases:
        return ""  # an imported module (django.contrib.messages, a client library): the library tables decide
    last = recv.rsplit(".", 1)[-1]
    if not _MESSAGING.search(last):
        typed = _outer_type(_annotated_types(ctx).get(last.lstrip("_"), ""))
        if not (typed and _MESSAGING.search(typed)):
            return ""
    # a port by its name or type, unless a local list or set (walked last: most receivers are no port)
    return "" if _local_container(ctx, call, recv) else recv


def _outer_type(typed: str) -> str:
    """The type a name holds, without a container's arguments: ``dict[str, L10nResource[Message]]`` is a ``dict``
    (Pontoon's ``updates``), ``Optional[MessageBroker]`` a ``MessageBroker``."""
    while _WRAPPERS.match(typed):
        typed = typed[typed.index("[") + 1:]
    return typed.split("[", 1)[0]


def _annotated_types(ctx: FileContext) -> dict[str, str]:
    """Parameter and attribute names -> their annotated type, across the file (``broker: MessageBroker``)."""
    cached = getattr(ctx, "_archreview_types", None)
    if cached is None:
        cached = {}
        for func in ctx.functions():
            for a in (*func.args.args, *func.args.kwonlyargs):
                if a.annotation is not None:
                    cached[a.arg.lstrip("_")] = dotted(a.annotation) or ast.unparse(a.annotation)
        for node in ctx.nodes(ast.AnnAssign):
            name = dotted(node.target).rsplit(".", 1)[-1].lstrip("_")
            if name:
                cached[name] = dotted(node.annotation) or ast.unparse(node.annotation)
        ctx._archreview_types = cached  # type: ignore[attr-defined]
    return cached


_READ_POST = re.compile(r"token|oauth|graphql|search|query|lookup|verify|validate", re.I)


def _read_by_post(call: ast.Call) -> bool:
    """POSTs that only read: an OAuth token exchange, a search, a GraphQL query, a verification."""
    target = call.args[0] if call.args else kwarg(call, "url")
    texts = [n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else str(n.value)
             for n in ast.walk(target) if isinstance(n, ast.Name | ast.Attribute | ast.Constant)] if target else []  # fmt: skip
    return any(_READ_POST.search(t) for t in texts)


def _named_effect(call: ast.Call) -> bool:
    parts = [w.lower() for w in _WORD.findall(attr(call))]
    if not parts or attr(call)[:1].isupper():  # SendConfirmationEmail(): building a value, not sending
        return False
    if parts[0] in _EFFECT_VERBS:
        return True
    # create_payment() usually builds a local row; stripe.PaymentIntent.create() calls the provider
    owner = {w.lower() for w in _WORD.findall(receiver(call).rsplit(".", 1)[-1])}
    if parts[0] == "create":
        return bool(owner & _MONEY_NOUNS)
    return parts[0] in _DOING_VERBS and bool((set(parts) | owner) & _MONEY_NOUNS)


def mentions_idempotency(node: ast.AST) -> bool:
    """Any name, keyword, attribute or string in ``node`` naming an idempotency or dedup key."""
    for sub in ast.walk(node):
        text = (
            sub.id if isinstance(sub, ast.Name)
            else sub.attr if isinstance(sub, ast.Attribute)
            else sub.arg if isinstance(sub, ast.keyword | ast.arg) and sub.arg
            else sub.value if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
            else ""
        )  # fmt: skip
        if text and IDEMPOTENCY.search(text):
            return True
    return False


def sync_client_names(ctx: FileContext) -> set[str]:
    """Names bound to blocking HTTP clients (requests.Session, httpx.Client, urllib3 pools)."""
    names: set[str] = set()
    for node in ctx.nodes(ast.Assign, ast.withitem):
        value = node.context_expr if isinstance(node, ast.withitem) else node.value
        targets = [node.optional_vars] if isinstance(node, ast.withitem) else node.targets
        if isinstance(value, ast.Call) and ctx.qualified(value) in CLIENT_TYPES and ctx.qualified(value) not in ASYNC_CLIENT_TYPES:
            names.update(dotted(t) for t in targets if t is not None and dotted(t))
    return names
