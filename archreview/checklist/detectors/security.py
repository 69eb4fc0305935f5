"""Security beyond the top-10: items 14 (secrets, unsafe settings), 15 (injection), 16 (ownership).

Generated code tends to hard-code the credential that made the demo work, leave
the debug switches on, build SQL with f-strings and fetch any object whose id the
caller sends. Each detector looks for the literal shape of those mistakes.
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from archreview.checklist.detectors import _sql
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted
from archreview.core.model import Finding
from archreview.core.redact import VENDOR_TOKEN, secret_name

_AWS = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# A PEM private key: the header followed by key material. The header alone is text code parses or writes around
# a key it is handed (IntelOwl's yara_scan re-wrapping a user's SSH key, dstack's startswith check, Mailu's DKIM
# normaliser: held11 and earlier sets, tuned after looking), not a key.
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?[A-Za-z0-9+/]{40}", re.S)
_URL_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^\s:/@]{1,200}:([^\s@/{}$%<>]{1,200})@")  # bounded: linear
_SUSPECT = re.compile(r"AKIA|ASIA|PRIVATE KEY|://|sk[-_]|rk_|gh[pousr]_|xox|AIza|SG\.")
_IDENTIFIER = re.compile(r"[a-z]+(?:[_.-][a-z]+)*|[A-Z]+(?:_[A-Z]+)*|(?:[A-Z][a-z]+)+")
# A header name ("X-Api-Key") or a mention/tag handle ("@hackbot"): names, whatever their entropy.
_HANDLE = re.compile(r"[A-Za-z][a-z]*(?:-[A-Za-z][a-z]*)+|[@#][A-Za-z][A-Za-z_-]*")
_PLACEHOLDERS = ("your", "example", "changeme", "change-me", "xxxx", "placeholder", "dummy", "<", "${", "{{",
                 "***")
_DEV_SETTINGS = ("dev", "local", "development", "test", "testing", "ci")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def literal_secret(value: object) -> bool:
    """A string that looks like a real credential, not a placeholder, name or sentence."""
    if not isinstance(value, str) or len(value) < 8 or " " in value or value.isupper() and "_" in value:
        return False
    low = value.lower()
    if low.startswith(("http://", "https://", "/", ".")) or any(p in low for p in _PLACEHOLDERS):
        return False
    if "{" in value and "}" in value or value.startswith("%(") or value.endswith(("_", "-", ":")):
        return False  # a template or a prefix, not a value
    if _IDENTIFIER.fullmatch(value) or _HANDLE.fullmatch(value):
        return False  # "invalid_password", "X-Api-Key", "@hackbot": a code, header name or handle, not a credential
    return _entropy(value) >= 2.5


def _target_name(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)  # app.config["SECRET_KEY"]
    return dotted(node)


def _named_literals(ctx: FileContext) -> Iterator[tuple[str, ast.Constant, ast.stmt | ast.expr]]:
    """(name, value, anchor) for assignments, keyword arguments and dict entries whose value is a literal
    (most values are not: their names are never read)."""
    constant = ast.Constant
    for node in ctx.nodes(ast.Assign, ast.AnnAssign):
        if isinstance(node.value, constant):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                yield _target_name(target), node.value, node
    for call in ctx.calls():
        for kw in call.keywords:
            if kw.arg and isinstance(kw.value, constant):
                yield kw.arg, kw.value, kw.value
        if len(call.args) > 1 and isinstance(call.args[1], constant) \
                and dotted(call.func) in {"os.getenv", "os.environ.get", "getenv", "config", "env"}:
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, call.args[1], call  # a literal fallback is a secret in code
    for mapping in ctx.nodes(ast.Dict):
        for k, value in zip(mapping.keys, mapping.values):
            if isinstance(value, constant) and isinstance(k, ast.Constant) and isinstance(k.value, str):
                yield k.value, value, value


def hardcoded_secrets(ctx: FileContext) -> Iterator[Finding]:
    """Item 14: credentials written into the code."""
    if _sql.not_production(ctx):
        return
    seen: set[int] = set()
    for name, value, anchor in _named_literals(ctx):
        if secret_name(name) and literal_secret(value.value):
            seen.add(anchor.lineno)
            yield finding(ctx, "secret.literal", anchor, name=name)
    for name, default, where in _secret_defaults(ctx):
        if where.lineno not in seen:
            seen.add(where.lineno)
            yield finding(ctx, "secret.default", where, name=name, value=repr(default)[:40])
    docstrings = {id(n.value) for n in ctx.nodes(ast.Expr) if isinstance(n.value, ast.Constant)}
    for node in ctx.strings:
        if len(node.value) < 16 or not _SUSPECT.search(node.value) \
                or node.lineno in seen or id(node) in docstrings:
            continue
        what = ("an AWS access key" if _AWS.search(node.value) else "a private key" if _PEM.search(node.value)
                else "a password inside a URL" if _url_secret(node.value)
                else "a live API token" if VENDOR_TOKEN.search(node.value) else "")
        if what:
            seen.add(node.lineno)
            yield finding(ctx, "secret.pattern", node, what=what)


_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "getenv", "environ.get", "config", "env", "env.str",
                          "env.get_value", "decouple.config", "settings.get"})
_ENV_GETTER_ENDS = tuple({name.rsplit(".", 1)[-1]: None for name in _ENV_GETTERS})  # what calls_named asks for
_KNOWN_DEFAULTS = re.compile(r"^(change[-_ ]?me|change[-_ ]?this|replace[-_ ]?me|secret|password|passw0rd|admin|"
                             r"default|insecure\S*|dev|development|test|dummy|not[-_ ]?a[-_ ]?secret|please[-_ ]change\S*|"
                             r"your[-_]\S+|xxx+|\S*change[-_]?me\S*|django-insecure\S*)$", re.I)


_FLAG_VALUE = re.compile(r"^(|true|false|yes|no|on|off|none|null|\d+)$", re.I)  # a switch, not a secret


def _secret_defaults(ctx: FileContext) -> Iterator[tuple[str, str, ast.stmt | ast.expr]]:
    """(name, value, anchor) for secrets that fall back to a value written in the code: a literal default
    of an environment lookup (``os.getenv("SECRET_KEY", "change-me")``), or a placeholder assigned in a
    settings module (``SECRET_KEY = "changeme"``)."""
    for call in ctx.calls_named(*_ENV_GETTER_ENDS, ""):  # "": named by dotted() below
        if dotted(call.func) not in _ENV_GETTERS or not call.args:
            continue
        key = call.args[0]
        default = call.args[1] if len(call.args) > 1 else kwarg_value(call, "default")
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and secret_name(key.value) \
                and isinstance(default, ast.Constant) and isinstance(default.value, str) \
                and not _FLAG_VALUE.match(default.value.strip()):
            yield key.value, default.value, call
    if _settings_module(ctx):
        for node in ctx.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Constant):
                name = _target_name(node.targets[0])
                value = node.value.value
                if secret_name(name) and isinstance(value, str) and _KNOWN_DEFAULTS.match(value.strip()):
                    yield name, value, node


def kwarg_value(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _url_secret(text: str) -> bool:
    """A password in a URL, unless it is a placeholder or a local development default."""
    m = _URL_PASSWORD.search(text)
    if not m or m.group(1).lower() in {"password", "pass", "secret"} or m.group(1).startswith("*"):
        return False
    return not re.search(r"@(localhost|127\.0\.0\.1)\b", text)


def _settings_module(ctx: FileContext) -> bool:
    parts = ctx.path.lower().removesuffix(".py").split("/")
    name = parts[-1]
    if any(name == d or name.endswith("_" + d) or name.startswith(d + "_") for d in _DEV_SETTINGS):
        return False
    return "settings" in parts or name in {"config", "settings", "production", "prod", "base"}


def _module_true(ctx: FileContext, setting: str) -> bool:
    return any(isinstance(n, ast.Assign) and any(_target_name(t) == setting for t in n.targets) and _is_true(n.value)
               for n in ctx.tree.body)


def _is_true(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_star(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == "*"
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(_is_star(e) for e in node.elts)


# setting name -> the test of a risky value; the rule is setting.<name in lower case>
_SETTING_RISKS = {"DEBUG": _is_true, "ALLOWED_HOSTS": _is_star, "CORS_ALLOW_ALL_ORIGINS": _is_true,
                  "CORS_ORIGIN_ALLOW_ALL": _is_true}


def unsafe_settings(ctx: FileContext) -> Iterator[Finding]:
    """Item 14: debug on, TLS verification off, wildcard hosts and CORS."""
    if _sql.not_production(ctx):
        return
    if _settings_module(ctx):
        for node in ctx.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                name = _target_name(node.targets[0])
                check = _SETTING_RISKS.get(name)
                if check and check(node.value):
                    cors = name.startswith("CORS_")
                    yield finding(ctx, f"setting.{name.lower()}", node,
                                  "" if not cors or _module_true(ctx, "CORS_ALLOW_CREDENTIALS") else "no_credentials")
    yield from _tls_off(ctx)
    for call in ctx.keyword_calls:
        name = dotted(call.func)
        for kw in call.keywords:
            if kw.arg == "verify" and _is_false(kw.value):
                if not _local_target(call):
                    yield finding(ctx, "setting.verify_false", call, call=name)
            elif kw.arg == "debug" and _is_true(kw.value) and name.endswith(".run"):
                yield finding(ctx, "setting.debug_run", call, call=name)
            elif kw.arg in {"origins", "allow_origins"} and _is_star(kw.value):
                # Starlette's CORSMiddleware and flask-cors leave credentials off unless asked: a
                # wildcard without them is the usual set-up of a public or token-authenticated API.
                creds = kwarg_value(call, "allow_credentials") or kwarg_value(call, "supports_credentials")
                if creds is None or not _is_false(creds):
                    yield finding(ctx, "setting.cors_wildcard", call, "" if creds is not None else "no_credentials",
                                  call=name, arg=kw.arg)


_TLS_FLAGS = re.compile(r"^(verify_ssl|ssl_verify|verify_certs?|verify_tls|tls_verify|ssl_cert_verify|"
                        r"check_hostname|verify_certificate)$", re.I)
_LOCAL = re.compile(r"//(localhost|127\.0\.0\.1|\[::1\])\b")


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _local_target(call: ast.Call) -> bool:
    """The call talks to this machine (``https://localhost:8000``): nobody is on the path to intercept."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and _LOCAL.search(n.value)
               for a in call.args for n in ast.walk(a))


def _tls_off(ctx: FileContext) -> Iterator[Finding]:
    """TLS certificate checks turned off other than ``verify=False``: a flag set to False, CERT_NONE,
    an unverified SSL context."""
    for node in ctx.nodes(ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        name = next((_target_name(t) for t in targets if _TLS_FLAGS.match(_target_name(t).rsplit(".", 1)[-1])), "")
        if name and node.value is not None and _is_false(node.value):
            hostname = name.rsplit(".", 1)[-1] == "check_hostname"
            yield finding(ctx, "tls.verify_off", node, "hostname" if hostname else "", what=f"{name} = False")
    for call in ctx.calls():
        name = ctx.qualified(call)
        if name in {"ssl._create_unverified_context", "ssl._create_stdlib_context"}:
            yield finding(ctx, "tls.verify_off", call, what=f"{name}()")
            continue
        for kw in call.keywords:
            if kw.arg and kw.arg != "verify" and _TLS_FLAGS.match(kw.arg) and _is_false(kw.value) \
                    and not _local_target(call):
                yield finding(ctx, "tls.verify_off", call, "hostname" if kw.arg == "check_hostname" else "",
                              what=f"{dotted(call.func)}({kw.arg}=False)")
            elif kw.arg in {"cert_reqs", "verify_mode"} and dotted(kw.value).endswith("CERT_NONE"):
                yield finding(ctx, "tls.verify_off", call, what=f"{dotted(call.func)}({kw.arg}=CERT_NONE)")


# --- item 15 -----------------------------------------------------------------------

_SQL_SINKS = frozenset({"execute", "executemany", "executescript", "text", "raw", "exec_driver_sql", "RawSQL",
                        "read_sql", "read_sql_query", "extra", "mogrify"})
_SHELL = frozenset({"subprocess.run", "subprocess.call", "subprocess.Popen", "subprocess.check_output",
                    "subprocess.check_call", "subprocess.getoutput", "subprocess.getstatusoutput"})
_DESERIALISE = {"pickle.loads": "pickle", "pickle.load": "pickle", "cPickle.loads": "pickle", "dill.loads": "dill",
                "marshal.loads": "marshal", "marshal.load": "marshal", "yaml.unsafe_load": "yaml.unsafe_load",
                "jsonpickle.decode": "jsonpickle", "shelve.open": "shelve"}
_SAFE_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader")
_FRAGMENT = re.compile(r"sql|clause|where|placeholder|place_holder|marks|column|fields|table_name|query|stmt|"
                       r"statement|group_by|order_by|having|joins?\b")
# Methods that return the SQL dialect's own text for a fixed argument (a placeholder, a quoted
# identifier, a timestamp expression): lnbits splices ``{db.timestamp_placeholder("now")}``.
_DIALECT_ATTR = re.compile(r"placeholder|paramstyle|(^|_)(now|current_timestamp)$", re.I)
_DIALECT_CALL = re.compile(r"placeholder|quote|escape|dialect|paramstyle|identifier", re.I)
_SQL_WORDS = re.compile(r"\b(select|insert|update|delete|where|from|values|order by)\b", re.I)


# Identifiers the code itself computes (a model's table name, a quoted identifier) and values that
# cannot carry a quote (integers, dates) are not injection surfaces.
_IDENTIFIER_ATTRS = re.compile(r"(^|\.)(__tablename__|db_table|table_name|tablename|_meta\.\w+|pk|id)$")
_SAFE_CALLS = frozenset({"len", "int", "float", "round", "abs", "quote_name", "quote_ident", "Identifier",
                         "isoformat", "strftime", "date", "timestamp", "hex"})


def _safe_part(node: ast.AST, assigned: Mapping[str, ast.AST], depth: int = 0) -> bool:
    """A formatted value that cannot carry input: a constant, an ALL_CAPS name, a placeholder list,
    an identifier computed in code (``Model.__tablename__``), an integer or a date."""
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr) and any(isinstance(v, ast.Constant) and str(v.value)[-1:] in "dfxe"
                                                    for v in spec.values):
            return True  # {n:d}, {x:.2f}: a number by construction
        return _safe_part(node.value, assigned, depth)
    if isinstance(node, ast.Constant) or isinstance(node, ast.Name) and node.id.isupper():
        return True
    if isinstance(node, ast.Attribute) and (_IDENTIFIER_ATTRS.search(dotted(node)) or _DIALECT_ATTR.search(node.attr)):
        return True  # also {db.timestamp_now}: the dialect's expression for the current time
    if isinstance(node, ast.Name) and node.id in assigned:
        value = assigned[node.id]
        consts = [c.value for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
        if any(c.strip(" ,") in {"?", "%s", ":p"} or c.startswith(":") for c in consts):
            return True
        return depth < 2 and not isinstance(value, ast.Name | ast.Constant) and _safe_part(value, assigned, depth + 1)
    if isinstance(node, ast.Call):
        name = dotted(node.func).rsplit(".", 1)[-1]
        if name == "join" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant):
            texts = [c.value for a in node.args for c in ast.walk(a) if isinstance(c, ast.Constant)
                     and isinstance(c.value, str)]
            return bool(texts) and all(t.strip() in {"?", "%s"} or t.startswith(":") for t in texts)  # ",".join(["?"] * n)
        if _DIALECT_CALL.search(name) and all(isinstance(a, ast.Constant) for a in (*node.args, *(k.value for k in node.keywords))):
            return True  # {db.timestamp_placeholder("now")}: the dialect's own SQL, computed from a constant
        return name in _SAFE_CALLS
    return False


def _pieces(node: ast.AST) -> list[ast.AST]:
    """The operands of a ``+`` chain, or the values given to a ``%`` format."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _pieces(node.left) + _pieces(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        values = node.right
        return list(values.elts if isinstance(values, ast.Tuple) else values.values
                    if isinstance(values, ast.Dict) else [values])
    return [node]


def _quoted(values: list[ast.expr], i: int) -> bool:
    """Is the i-th piece of an f-string spliced inside an SQL string literal ('...{x}...')?"""
    before = values[i - 1] if i else None
    return isinstance(before, ast.Constant) and str(before.value).rstrip("%").endswith("'")


def built_sql(node: ast.AST, assigned: Mapping[str, ast.AST], with_params: bool = False, depth: int = 0) -> bool:
    """Is this SQL text built from strings with non-constant parts?

    With bound parameters passed alongside, splicing in a named SQL fragment (``{where_sql}``) is the
    usual composition pattern, not injection.
    """
    if isinstance(node, ast.Name) and node.id in assigned and depth < 3:
        return built_sql(assigned[node.id], assigned, with_params, depth + 1)
    original = assigned
    if with_params:
        assigned = {**assigned, **{n.id: ast.Constant("?") for n in ast.walk(node)
                                  if isinstance(n, ast.Name) and _FRAGMENT.search(n.id.lower())}}
    if isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        parts = [v for v in node.values if isinstance(v, ast.FormattedValue)]
        if with_params and any(_quoted(node.values, i) for i, v in enumerate(node.values)
                               if isinstance(v, ast.FormattedValue) and not _safe_part(v, original)):
            return bool(_SQL_WORDS.search(text))  # '{query}' inside quotes is a value, whatever its name
        return bool(_SQL_WORDS.search(text)) and not all(_safe_part(p, assigned) for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        texts = [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
        dynamic = [p for p in _pieces(node) if not isinstance(p, ast.Constant)]
        return any(_SQL_WORDS.search(t) for t in texts) and not all(_safe_part(p, assigned) for p in dynamic)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        return bool(_SQL_WORDS.search(node.func.value.value)) and not all(
            _safe_part(a, assigned) for a in (*node.args, *(k.value for k in node.keywords)))
    return False


def _assigned_in(ctx: FileContext, node: ast.AST) -> Mapping[str, ast.AST]:
    func = ctx.enclosing_function(node)
    return _sql.assignments(func) if func else {}


def injection(ctx: FileContext) -> Iterator[Finding]:
    """Item 15: SQL by string building, shell commands, eval/exec, unsafe deserialisation."""
    if _sql.not_production(ctx):
        return
    for call in ctx.calls():
        name = ctx.qualified(call)
        last = name.rsplit(".", 1)[-1]
        first = call.args[0] if call.args else None
        found = _injection(ctx, call, name, last, first)
        if found:
            rule_id, fields = found
            yield finding(ctx, rule_id, call, **fields)


def _injection(ctx: FileContext, call: ast.Call, name: str, last: str, first: ast.AST | None):
    literal = isinstance(first, ast.Constant)
    with_params = len(call.args) > 1 or any(k.arg in {"params", "parameters", "args"} for k in call.keywords)
    if last in _SQL_SINKS and first is not None and built_sql(first, _assigned_in(ctx, call), with_params):
        return "injection.sql", {"sink": last}
    shell = any(k.arg == "shell" and _is_true(k.value) for k in call.keywords)
    if first is not None and not literal and ((name in _SHELL and shell) or name in {"os.system", "os.popen"}):
        return "injection.shell", {"call": name}
    if name in {"eval", "exec"} and first is not None and not literal:
        return "injection.eval", {"call": name}
    if name in _DESERIALISE and first is not None and not literal:
        return "injection.deserialise", {"call": name}
    if name == "yaml.load" and not any(
            k.arg == "Loader" and dotted(k.value).endswith(_SAFE_LOADERS) for k in call.keywords) \
            and not (len(call.args) > 1 and dotted(call.args[1]).endswith(_SAFE_LOADERS)):
        return "injection.yaml_load", {}
    return None


# --- item 16 -----------------------------------------------------------------------

_OWNER_WORDS = ("owner", "user", "account", "tenant", "customer", "created_by", "author", "organization", "org_id")
_DENY_WORDS = ("403", "Forbidden", "PermissionDenied", "permission", "authoriz", "authoris", "can_access",
               "check_access", "has_perm", "is_owner", "ensure_owner", "HTTP_403")
_AUTH_DECORATORS = ("permission_required", "admin_required", "staff_member_required", "user_passes_test",
                    "superuser_required", "roles_required", "roles_accepted", "require_admin")
_AUTH_MARKS = ("login_required", "current_user", "request.user", "get_current_user", "jwt_required",
               "IsAuthenticated", "g.user", "auth_required", "requires_auth")


_FETCHES = frozenset({"get", "get_or_404", "first", "one", "first_or_404", "one_or_none", "scalar_one"})
# What a request carries from the caller: an id taken from these is chosen by the caller, not a scope.
_REQUEST_INPUT = frozenset({"GET", "POST", "data", "query_params", "args", "form", "json", "values", "body",
                            "FILES", "files", "headers", "COOKIES", "cookies", "path_params", "match_info"})


def _tenant_scoped(args: Iterable[ast.AST]) -> bool:
    """The query is filtered by what the server knows about the caller: ``space=request.space``,
    ``Q(team=self.request.team)`` (a tenant, an organisation), not by what the caller sent."""
    for arg in args:
        for n in ast.walk(arg):
            if isinstance(n, ast.Attribute) and n.attr not in _REQUEST_INPUT:
                owner = dotted(n.value)
                if owner in {"request", "self.request"}:
                    return True
    return False


def _fetch_by_id(ctx: FileContext, call: ast.Call, ids: set[str], assigned: Mapping[str, ast.AST]) -> str:
    """The model name if ``call`` loads one object by a caller-chosen id, else ""."""
    ch = _sql.chain(call)
    ns = _sql.names(ch)
    fetch = next((i for i, n in enumerate(ns) if i and n in _FETCHES), None)
    if fetch is not None:  # Invoice.query.get_or_404(i).to_dict(): stop at the fetch
        ch, ns = ch[: fetch + 1], ns[: fetch + 1]
    root = _sql.query_root(ch)
    if dotted(call.func).endswith("get_object_or_404") and call.args:
        model, args = dotted(call.args[0]).split(".")[0], [*call.args[1:], *(k.value for k in call.keywords)]
        if any(isinstance(n, ast.Name | ast.Attribute) and "user" in dotted(n) for n in ast.walk(call.args[0])):
            return ""  # Model.objects.restrict(request.user) / request.user.invoices
    elif root and fetch is not None:
        model = ns[0] if root in {"flask-sqlalchemy", "django"} else dotted(call.args[0]) if call.args else ""
        args = [a for _, n in ch if isinstance(n, ast.Call) for a in (*n.args, *(k.value for k in n.keywords))]
        keys = [k.arg for _, n in ch if isinstance(n, ast.Call) for k in n.keywords]
        if any(k and k.startswith(_OWNER_WORDS) for k in keys):
            return ""  # filtered by owner in the query itself
    else:
        return ""
    for arg in args:
        if any(_OWNER_WORDS[1] in dotted(n) for n in ast.walk(arg) if isinstance(n, ast.Attribute)):
            return ""  # ...filter(Invoice.user_id == current_user.id)
    if _tenant_scoped(args):
        return ""  # ...filter(space=request.space, id=pk): the tenant's objects only
    tainted = any(isinstance(n, ast.Name) and (n.id in ids or n.id in assigned and _sql.from_request(assigned[n.id]))
                  for a in args for n in ast.walk(a)) or any(_sql.from_request(a) for a in args)
    return model.rsplit(".", 1)[-1] if tainted and model[:1].isupper() else ""


def _guarded(ctx: FileContext, func: FunctionNode) -> bool:
    """Does the handler compare an owner field, deny with 403, or require a role?"""
    if any(n.rsplit(".", 1)[-1] in _AUTH_DECORATORS for n in _sql.decorator_names(func)):
        return True
    body = _sql.source_of(ctx, func)
    if any(w in body for w in _DENY_WORDS):
        return True
    for cmp in (n for n in ast.walk(func) if isinstance(n, ast.Compare)):
        sides = [cmp.left, *cmp.comparators]
        if any(isinstance(s, ast.Attribute) and s.attr.startswith(_OWNER_WORDS) for s in sides):
            return True
    return False


_PRINCIPAL = re.compile(r"user|account|auth|principal|current|member|identity|session_owner|viewer|customer", re.I)


def _authenticated(ctx: FileContext, func: FunctionNode) -> bool:
    """The handler knows who calls it: a login decorator, ``request.user``, or (FastAPI) a parameter that
    depends on the current user (``user: User = Depends(current_user)``, ``account: CurrentAccount``)."""
    text = _sql.source_of(ctx, func)
    decorators = " ".join(_sql.decorator_names(func))
    if any(m in text or m in decorators for m in _AUTH_MARKS):
        return True
    args = [*func.args.args, *func.args.kwonlyargs]
    defaults = [*func.args.defaults, *(d for d in func.args.kw_defaults if d is not None)]
    for d in defaults:
        if isinstance(d, ast.Call) and dotted(d.func).rsplit(".", 1)[-1] in {"Depends", "Security"} and d.args \
                and _PRINCIPAL.search(dotted(d.args[0])):
            return True
    for a in args:
        note = ast.unparse(a.annotation) if a.annotation is not None else ""
        if re.search(r"Current\w*|Annotated\[.*(User|Account|Principal)", note) or (
                _PRINCIPAL.search(note) and _PRINCIPAL.search(a.arg)):
            return True
    return False


def missing_ownership(ctx: FileContext) -> Iterator[Finding]:
    """Item 16: an authenticated handler loads an object by the caller's id and never checks whose it is."""
    if _sql.not_production(ctx):
        return
    candidates: dict[int, FunctionNode] = {}
    for call in ctx.calls():  # cheap pre-filter: only handlers that fetch something
        last = call.func.attr if isinstance(call.func, ast.Attribute) else dotted(call.func)
        if last in _FETCHES or last.endswith("get_object_or_404"):
            func = _sql.handler_of(ctx, call)
            if func is not None:
                candidates[id(func)] = func
    for func in sorted(candidates.values(), key=lambda f: f.lineno):
        if not _authenticated(ctx, func) or _guarded(ctx, func):
            continue
        ids, assigned = _sql.id_params(func), _sql.assignments(func)
        for call in _sql.outer_calls(func):
            model = _fetch_by_id(ctx, call, ids, assigned)
            if model:
                yield finding(ctx, "authz.no_owner_check", call, func=func.name, model=model)
                break

DETECTORS: tuple = (hardcoded_secrets, unsafe_settings, injection, missing_ownership)

