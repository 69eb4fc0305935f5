"""Per-file evidence of infrastructure: ``Signal`` values matched against the catalogue.

``python_signals`` looks at one parsed Python file: imports, calls, class
definitions, decorators, hand-written retry loops, settings assignments and the
URLs/backends in its string constants. It walks the tree once and looks each
node up in the catalogue's dicts, because it runs on every file of large
repositories. ``file_signals`` reads the other files that describe infrastructure:
compose files, Dockerfiles, Procfiles, supervisor/systemd units, scripts and config
files. Neither executes or imports anything; a file that cannot be read as
expected gives the signals found so far.
"""

from __future__ import annotations

import ast
import bisect
import functools
import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import cast

import yaml

from archreview.change.catalogue import Catalogue, Entry, load_catalogue
from archreview.facts.index import MAX_CHAIN, FileContext, walk
from archreview.facts.distributions import canonical, distribution_of
from archreview.facts.manifests import yaml_value
from archreview.core.model import Requirement, Signal
from archreview.core.vocab import Kind

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{1,30})://")
_GROWS = (ast.Pow, ast.LShift, ast.Mult)


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain (calls on the way are looked through)."""
    parts: list[str] = []
    for _ in range(MAX_CHAIN):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            break
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _rooted(node: ast.AST) -> bool | None:
    """Does the Name/Attribute chain (calls looked through) start at a plain name? None for a chain
    near ``MAX_CHAIN`` links, where ``_dotted`` and the index's ``dotted`` may stop at different links.

    Where it is a bool, ``_dotted(node)`` is the index's ``dotted(node)`` when it is True and "" when
    it is False, and the file's import aliases are the index's (``*`` aside, never a name's head):
    so the qualified name is the one the index keeps on the node."""
    for _ in range(MAX_CHAIN - 2):
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return isinstance(node, ast.Name)
    return None


class _Scan:
    """What the file's one indexed walk (``FileContext``) holds, for lookups afterwards."""

    def __init__(self, tree: ast.Module, ctx: FileContext | None = None) -> None:
        ctx = ctx if ctx is not None else FileContext("", tree, "")
        self.ctx = ctx
        self.imports: list[tuple[str, int]] = []  # (dotted candidate, line)
        self.aliases: dict[str, str] = {}
        for node in ctx.nodes(ast.Import, ast.ImportFrom):
            self._import(node)
        self.calls: list[ast.Call] = ctx.calls()
        self.classes: list[ast.ClassDef] = ctx.nodes(ast.ClassDef)
        self.decorators = [d for n in ctx.nodes(*_FUNCS) for d in n.decorator_list]
        bare = {id(n.value) for n in ctx.bucket(ast.Expr)}  # docstrings and bare literals say nothing
        self.strings = [n for n in ctx.strings if len(n.value) < 300 and id(n) not in bare]
        self.tree = tree
        self._qualified: dict[int, str] = {}  # by id(): the nodes live as long as the scan
        self._written: dict[int, str] = {}

    @functools.cached_property
    def upper_reads(self) -> list[ast.Attribute]:
        """``X.NAME`` read (not assigned) with an upper-case ``NAME``, in source order: the attributes every
        ``settings_reads`` entry and the settings modules' names ask about, picked out once."""
        load, upper_case, capitals = ast.Load, _ENV_NAME.match, _CAPITALS  # the first letter turns most names away
        return [a for a in self.ctx.bucket(ast.Attribute)
                if a.attr[0] in capitals and isinstance(a.ctx, load) and upper_case(a.attr)]

    def written(self, node: ast.AST) -> str:
        """``_dotted(node)``, kept per node: each ``settings_reads`` entry asks about the same receivers."""
        found = self._written.get(id(node))
        if found is None:
            found = self._written[id(node)] = _dotted(node)
        return found

    @functools.cached_property
    def given_to(self) -> dict[int, str]:
        """String constant (by id) -> the name it is given to: ``broker_url = "redis://.."``,
        ``Celery(broker="redis://..")``, ``{"BROKER_URL": "redis://.."}``; only for URL strings."""
        out: dict[int, str] = {}
        # lines holding a URL string: a value whose lines hold none has none inside, and is not walked
        urls = sorted({n.lineno for n in self.ctx.strings if "://" in n.value})
        if not urls:
            return out

        def mark(value: ast.expr | None, name: str) -> None:
            if value is None or not name:
                return
            first = bisect.bisect_left(urls, value.lineno)
            if first == len(urls) or urls[first] > (value.end_lineno or value.lineno):
                return
            for n in walk(value):
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and "://" in n.value:
                    out.setdefault(id(n), name)

        # the innermost name wins: keywords and dict keys before the assignment around them
        for node in [*self.ctx.nodes(ast.keyword, ast.Dict), *self.ctx.nodes(ast.Assign, ast.AnnAssign)]:
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    mark(v, k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else "")
            elif isinstance(node, ast.keyword):
                mark(node.value, node.arg or "")
            else:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    mark(node.value, _dotted(target).rsplit(".", 1)[-1])
        return out

    @functools.cached_property
    def constants(self) -> dict[str, str]:
        """Module-level ``NAME = "text"`` constants (a constant that names an environment variable)."""
        out = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                out.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
        return out

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for a in node.names:
                self.imports.append((a.name, node.lineno))
                top = a.name.split(".")[0]
                self.aliases[a.asname or top] = a.name if a.asname else top
        elif node.module and not node.level:
            for a in node.names:
                full = node.module if a.name == "*" else f"{node.module}.{a.name}"
                self.imports.append((full, node.lineno))
                self.aliases[a.asname or a.name] = full

    def loop_of(self, call: ast.Call) -> ast.AST | None:
        """The innermost loop around ``call`` in the same function, if any."""
        func = self.ctx.enclosing_function(call)
        best = None
        for loop in self.ctx.nodes(*_LOOPS):
            if loop.lineno <= call.lineno <= (loop.end_lineno or loop.lineno) and self.ctx.enclosing_function(loop) is func:
                if best is None or loop.lineno >= best.lineno:
                    best = loop
        return best

    def qualified(self, node: ast.AST) -> str:
        """The dotted name with import aliases expanded; kept per node (calls are asked about twice)."""
        found = self._qualified.get(id(node))
        if found is None:
            rooted = _rooted(node)
            if rooted is not None:  # the index's name, kept on the node for the detectors and style too
                found = self._qualified[id(node)] = self.ctx.qualified(node) if rooted else ""
                return found
            name = _dotted(node)
            head, _, rest = name.partition(".")
            full = self.aliases.get(head)
            found = self._qualified[id(node)] = f"{full}.{rest}" if full and rest else (full or name)
        return found

    @functools.cached_property
    def call_names(self) -> list[str]:
        """``qualified(call.func)`` of each of ``calls``, in that order (every call is asked about twice).

        The same reading in one pass over each chain: where it ends at a plain name, the index's
        qualified name, kept on the node as ``FileContext.qualified`` keeps it; "" where it ends
        elsewhere; near the link limit, ``qualified`` itself."""
        aliases, known = self.ctx.aliases, self._qualified
        attribute, call_type, name_type = ast.Attribute, ast.Call, ast.Name
        out: list[str] = []
        for call in self.calls:
            func = call.func
            found = known.get(id(func))
            if found is None:
                parts: list[str] = []
                node: ast.AST = func
                for _ in range(MAX_CHAIN - 2):  # as _rooted
                    kind = type(node)
                    if kind is attribute:
                        parts.append(node.attr)  # type: ignore[attr-defined]
                        node = node.value  # type: ignore[attr-defined]
                    elif kind is call_type:
                        node = node.func  # type: ignore[attr-defined]
                    else:
                        break
                else:
                    out.append(self.qualified(func))
                    continue
                if type(node) is name_type:
                    parts.append(node.id)
                    dotted = ".".join(reversed(parts))
                    head, _, rest = dotted.partition(".")
                    full = aliases.get(head)
                    found = f"{full}.{rest}" if full and rest else (full or dotted)
                    # kept as FileContext.qualified keeps them (it names a called call by what that call calls)
                    (func.func if type(func) is call_type else func)._archreview_dotted = dotted  # type: ignore[attr-defined]
                    func._archreview_qualified = found  # type: ignore[attr-defined]
                else:
                    found = ""
                known[id(func)] = found
            out.append(found)
        return out

    def imported(self) -> set[str]:
        """Every dotted prefix of every imported name."""
        out: set[str] = set()
        for name, _ in self.imports:
            parts = name.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return out


def _longest(table: dict[str, Entry], dotted: str) -> Entry | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        hit = table.get(".".join(parts[:end]))
        if hit:
            return hit
    return None


def python_signals(path: str, tree: ast.Module, text: str, catalogue: Catalogue | None = None,
                   ctx: FileContext | None = None) -> tuple[Signal, ...]:
    """Infrastructure evidence in one parsed Python file, sorted by (line, kind, name).

    ``ctx`` reuses the tree already indexed for the detectors (one walk per file).
    """
    cat = catalogue or load_catalogue()
    scan = _Scan(tree, ctx)
    imported = scan.imported()
    found = [Signal(e.kind, e.name, 1, "pattern", path) for pattern, e in cat.paths if pattern.search(path)]
    for name, line in scan.imports:
        entry = _longest(cat.imports, name)
        if entry:
            found.append(Signal(entry.kind, entry.name, line, "import", name))
        role = _longest(cat.role_imports, name)
        if role:  # `from taskiq_redis import ListQueueBroker`: the code gives Redis the broker's role
            found += [Signal(cast(Kind, kind), tech, line, "role", f"{role.kind}:{role.name} {name}")  # kinds checked on load
                      for kind, tech in sorted(m.split(":", 1) for m in role.match)]
    found += _call_signals(scan, cat, imported)
    found += _class_signals(scan, cat)
    found += _decorator_signals(scan, cat, imported)
    found += _settings_signals(tree, cat)
    engines = _engine_urls(scan, cat)
    quiet: set[str] = set()  # strings that said nothing: a file repeats its keys and field names
    for node in scan.strings:
        value = str(node.value)
        if value in quiet:
            continue
        signals = _string_signals(value, node.lineno, cat, "settings")
        if not signals:
            quiet.add(value)
        elif id(node) in engines:  # the URL configures what the code opens: the engine, not a name
            found += [Signal(s.kind, s.name, s.line, "settings", f"{engines[id(node)]}({s.detail.removesuffix('://')})")
                      if "://" in s.detail else s for s in signals]
        else:  # given_to is read only for a string that says something (most files have none)
            found += _roles(signals, scan.given_to.get(id(node), ""), cat)
    found += _config_keys(scan, cat, path, text)
    for entry in cat.settings_reads:
        found += _settings_reads(scan, entry, path, cat.regexes)
    return _unique(found)


def _engine_urls(scan: _Scan, cat: Catalogue) -> dict[int, str]:
    """URL strings (by id) among the arguments of a call that makes them what the code opens
    (catalogue ``url_calls``: ``env.db(default="postgres:///app")``) -> the qualified callee."""
    out: dict[int, str] = {}
    if not cat.url_calls or not any(isinstance(n.value, str) and "://" in n.value for n in scan.strings):
        return out
    for call in scan.calls:
        name = scan.qualified(call.func)
        if any(pattern.search(name) for pattern, _ in cat.url_calls):
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                out.update((id(n), name) for n in walk(arg)
                           if isinstance(n, ast.Constant) and isinstance(n.value, str) and "://" in n.value)
    return out


def _unique(signals: list[Signal]) -> tuple[Signal, ...]:
    seen: dict[tuple[str, str, int, str], Signal] = {}
    for s in signals:
        seen.setdefault((s.kind, s.name, s.line, f"{s.via}:{s.detail}" if s.via in KEY_VIAS else ""), s)
    return tuple(sorted(seen.values(), key=lambda s: (s.line, s.kind, s.name, s.via, s.detail)))


# How a file names a config key: read by name ("key": an environment variable, an ini option, a settings-class
# field; "setting": read from the settings by name; "setting_attr": ``settings.X``) or defined in a settings
# module ("defines"; "exposes" when the settings load from outside). Keys are facts about configuration,
# never infrastructure evidence.
# "settings_class", "settings_subclass" and "settings_field" (tab-separated details) are a settings class, a
# subclass of a settings-named class of another module and that subclass's fields, which
# ``archreview.change.infra`` resolves across the snapshot's files.
KEY_VIAS = frozenset({"key", "setting", "setting_attr", "defines", "exposes", "settings_class", "settings_subclass",
                      "settings_field", "module_attr", "shell_key", "image_env"})


def _roles(signals: list[Signal], given_to: str, cat: Catalogue) -> list[Signal]:
    """A value given to a name that says its role may play that role: ``broker_url = "redis://.."``
    is marked (via ``role``, detail ``task_queue:broker <url>``); the change analysis makes it the
    task queue's broker when the repository has a task queue, and leaves it a cache otherwise."""
    if not given_to:
        return signals
    out = []
    for s in signals:
        role = next((e for plays, keys, e in cat.roles if (s.kind, s.name) in plays and keys.search(given_to)), None)
        out.append(Signal(s.kind, s.name, s.line, "role", f"{role.kind}:{role.name} {s.detail}") if role else s)
    return out


_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # what an _ENV_NAME starts with


def _config_keys(scan: _Scan, cat: Catalogue, path: str = "", text: str = "") -> list[Signal]:
    """Config keys the file defines: environment variables read through os.getenv/environ and helpers
    (``env("X")``, a constant naming the variable) and fields of settings classes (env_prefix honoured)."""
    out: list[Signal] = []
    if cat.env_reads:
        reads: dict[str, Entry | None] = {}  # by name: a file calls the same few names many times
        named: list[tuple[ast.AST, ast.AST, Entry]] = []  # reads of the variable a name holds: a helper's parameter?
        prefilter = cat.env_reads_any.search if cat.env_reads_any is not None else None
        for call, name in zip(scan.calls, scan.call_names):
            entry = reads[name] if name in reads else reads.setdefault(
                name, None if prefilter is not None and not prefilter(name)
                else next((e for pattern, e in cat.env_reads if pattern.search(name)), None))
            key = _env_name(call.args[0], scan) if entry and call.args else ""
            if entry and key and key not in entry.not_keys:
                out.append(Signal(entry.kind, entry.name, call.lineno, "key", key))
            elif entry and call.args and isinstance(call.args[0], ast.Name):
                named.append((call, call.args[0], entry))
        for sub in scan.ctx.nodes(ast.Subscript):
            entry = cat.env_subscripts.get(scan.qualified(sub.value))
            key = _env_name(sub.slice, scan) if entry else ""
            if entry and key and key not in entry.not_keys:
                out.append(Signal(entry.kind, entry.name, sub.lineno, "key", key))
            elif entry and isinstance(sub.slice, ast.Name):
                named.append((sub, sub.slice, entry))
        out += _helper_keys(scan, named) if named else []
    for entry in cat.settings_classes:
        out += _settings_fields(scan, entry, cat.regexes)
    for entry in cat.ini_reads:
        out += _ini_keys(scan, entry)
    for entry in cat.file_reads:
        out += _file_keys(scan, entry, path, text, cat.regexes)
    return out


_FILE_KEY = re.compile(r"^[A-Za-z_][\w.-]*$")


def _file_keys(scan: _Scan, entry: Entry, path: str, text: str, regexes: dict[str, re.Pattern[str]]) -> list[Signal]:
    """Keys of a loaded config file read by literal key (catalogue ``file_reads``): ``config["sentry"]["dsn"]`` reads
    ``sentry.dsn``, ``config["metrics.enabled"]`` reads ``metrics.enabled``, ``ConfigObj(p).get("LANG")`` reads
    ``LANG``. The object is a loader's result (or an instance of a config class) under a config-like name, a part
    of one (``sentry = config.get("sentry", {})``), or a config-like name a settings module imports (by a star
    import too) and never assigns; the longest literal chain on each use is the key."""
    names, classes = [regexes[k] for k in entry.keys], [regexes[c] for c in entry.class_names]
    loaders = set(entry.match)

    def loads(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        callee = scan.qualified(node.func)
        return callee in loaders or any(c.search(callee.rsplit(".", 1)[-1]) for c in classes)

    def chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
        parts: list[str] = []
        while True:
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                    and isinstance(node.slice.value, str) and _FILE_KEY.match(node.slice.value):
                parts.append(node.slice.value)
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                    and 1 <= len(node.args) <= 2 and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and _FILE_KEY.match(node.args[0].value) \
                    and not (len(node.args) == 2 and isinstance(node.args[1], ast.Constant)
                             and isinstance(node.args[1].value, str)):  # `get("core", "url")`: configparser's
                parts.append(node.args[0].value)
                node = node.func.value
            else:
                return node, parts[::-1]

    loaded = any(c in loaders for c in scan.call_names)
    # every config-like name holds "conf" or "cfg": most files hold neither, and their names are not read
    every = scan.ctx.bucket(ast.Name) if "onf" in text or "ONF" in text or "fg" in text or "FG" in text else []
    configs = {i for i in {n.id for n in every} if any(k.match(i) for k in names)}  # each identifier matched once
    named = [n for n in every if n.id in configs] if configs else []
    if not named and not loaded:
        return []
    objects: dict[str, str] = {}  # name -> the key it holds ("" for the whole file)
    if any(regexes[m].search(path) for m in entry.modules):  # a settings module reads what it imports
        assigned = {n.id for n in named if not isinstance(n.ctx, ast.Load)} | {
            a.arg for f in scan.ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef) for a in ast.walk(f.args)
            if isinstance(a, ast.arg)}
        objects.update((n.id, "") for n in named if n.id not in assigned)
    for assign in sorted(scan.ctx.nodes(ast.Assign), key=lambda n: n.lineno):
        target = assign.targets[0] if len(assign.targets) == 1 else None
        if not isinstance(target, ast.Name) or not any(k.match(target.id) for k in names):
            continue
        root, parts = chain(assign.value)
        if loads(root) and not parts:
            objects[target.id] = ""
        elif parts and (loads(root) or (isinstance(root, ast.Name) and root.id in objects)):
            held = objects.get(root.id, "") if isinstance(root, ast.Name) else ""
            objects[target.id] = ".".join([held, *parts] if held else parts)
    if not objects and not loaded:
        return []
    best: dict[int, tuple[int, str]] = {}  # id(root) -> (line, the longest key read through it)
    written: set[int] = set()
    for node in [*scan.ctx.nodes(ast.Subscript), *scan.calls]:
        root, parts = chain(node)
        if not parts:
            continue
        if isinstance(root, ast.Name) and root.id in objects:
            held = objects[root.id]
        elif loads(root):
            held = ""
        else:
            continue
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            written.add(id(root))  # `config["x"] = 1`: set here, not read
            continue
        key = ".".join([held, *parts] if held else parts)
        if len(key) > len(best.get(id(root), (0, ""))[1]):
            best[id(root)] = (node.lineno, key)
    return [Signal(entry.kind, entry.name, line, "key", key) for root, (line, key) in best.items() if root not in written]


def _helper_keys(scan: _Scan, reads: list[tuple[ast.AST, ast.AST, Entry]]) -> list[Signal]:
    """Environment variables read through the file's own helper functions (peeringdb 508b877:
    ``set_option("AWS_MEDIA_BUCKET_NAME", "")`` in its settings, ``set_option(name, value)`` calling
    ``_set_option(name, ...)``, which reads ``os.environ.get(name)``): a module-level function that reads the
    environment variable one of its parameters names (``reads``: each read with the node naming the variable),
    directly or by handing that parameter to another such function, makes each call with an upper-case name
    there a key."""
    top = {id(f): f for f in scan.tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def position(node: ast.AST, within: ast.AST | None) -> tuple[str, int]:
        func = top.get(id(within)) if within is not None else None
        if func is None or not isinstance(node, ast.Name):
            return "", -1
        names = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
        return (func.name, names.index(node.id)) if node.id in names else ("", -1)

    helpers: dict[str, tuple[int, Entry]] = {}  # function name -> (the parameter naming the variable, its reader)
    for read, named, entry in reads:
        name, at = position(named, scan.ctx.enclosing_function(read))
        if at >= 0:
            helpers.setdefault(name, (at, entry))
    grew = bool(helpers)
    while grew:  # helpers of helpers: set_option -> _set_option -> os.environ.get
        grew = False
        for call in scan.calls:
            called = helpers.get(call.func.id) if isinstance(call.func, ast.Name) else None
            if called is None or len(call.args) <= called[0]:
                continue
            name, at = position(call.args[called[0]], scan.ctx.enclosing_function(call))
            if at >= 0 and name not in helpers:
                helpers[name], grew = (at, called[1]), True
    out = []
    for call in scan.calls if helpers else ():
        called = helpers.get(call.func.id) if isinstance(call.func, ast.Name) else None
        key = _env_name(call.args[called[0]], scan) if called is not None and called[0] < len(call.args) else ""
        if key and called is not None and key not in called[1].not_keys:
            out.append(Signal(called[1].kind, called[1].name, call.lineno, "key", key))
    return out


def _settings_reads(scan: _Scan, entry: Entry, path: str, regexes: dict[str, re.Pattern[str]]) -> list[Signal]:
    """Keys read from the settings (``via="setting"``: ``settings.get("X")``, ``app.config["X"]``,
    ``getattr(settings, "X")``; ``via="setting_attr"``: ``settings.X``) and, in a settings module, the
    keys it defines (``via="defines"``: module-level upper-case names, and those of config classes;
    ``via="exposes"`` when the module imports a library of ``when_imported`` that loads every setting
    from outside, Dynaconf). ``app.config["X"]`` read back in a file that sets it is the code's own."""
    objects = [regexes[p] for p in entry.match]
    keys = [regexes[p] for p in entry.keys]
    out: list[Signal] = []
    seen: dict[str, bool] = {}  # by the chain as written: a file reads the same few receivers many times

    handed = _handed_settings(scan, entry.params) if entry.params else {}

    def settings(node: ast.AST) -> bool:
        if handed and isinstance(node, ast.Name) and node.id in handed.get(id(scan.ctx.enclosing_function(node)), ()):
            return True
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return False
        written = scan.written(node)
        if written not in seen:
            name = scan.qualified(node)
            seen[written] = bool(name) and any(p.search(name) for p in objects)
        return seen[written]

    def key_of(node: ast.AST) -> str:
        if not keys:
            return _env_name(node, scan)
        value = node.value if isinstance(node, ast.Constant) else None
        return value if isinstance(value, str) and any(k.match(value) for k in keys) else ""

    for call in scan.ctx.calls_named("get", "getattr"):
        func, args = call.func, call.args
        if isinstance(func, ast.Attribute) and func.attr == "get" and args and settings(func.value):
            key = key_of(args[0])
        elif isinstance(func, ast.Name) and func.id == "getattr" and len(args) >= 2 and settings(args[0]):
            key = key_of(args[1])
        else:
            continue
        if key:
            out.append(Signal(entry.kind, entry.name, call.lineno, "setting", key))
    subscripts = [(sub, key_of(sub.slice)) for sub in scan.ctx.nodes(ast.Subscript) if settings(sub.value)]
    own = {key for sub, key in subscripts if not isinstance(sub.ctx, ast.Load)}  # app.config["X"] = ...: set here
    out += [Signal(entry.kind, entry.name, sub.lineno, "setting", key) for sub, key in subscripts
            if key and isinstance(sub.ctx, ast.Load) and key not in own]
    for attr in scan.upper_reads:
        if settings(attr.value):
            out.append(Signal(entry.kind, entry.name, attr.lineno, "setting_attr", attr.attr))
    if entry.modules:
        out += _module_attributes(scan, entry)
    if any(regexes[p].search(path) for p in entry.modules):
        # settings a library loads from the environment and files (Dynaconf), or the module updates itself
        # with from outside (pgadmin4's config.py: locals().update(evaluate_and_patch_config(locals()))), are
        # the operator's to set
        via = "exposes" if any(m in scan.imported() for m in entry.when_imported) or _loads_overrides(scan) \
            else "defines"
        classes = [regexes[n] for n in entry.class_names]
        body = [*scan.tree.body, *(n for c in scan.tree.body if isinstance(c, ast.ClassDef)
                                   and any(p.search(c.name) for p in classes) for n in c.body)]
        for node in body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            out += [Signal(entry.kind, entry.name, node.lineno, via, t.id)
                    for t in targets if isinstance(t, ast.Name) and _ENV_NAME.match(t.id)]
    return out


def _loads_overrides(scan: _Scan) -> bool:
    """A settings module that updates its own names from outside: ``locals().update(...)``/``globals().update``,
    or ``from config_local import *`` inside ``try`` (an override file the operator may add)."""
    for call in scan.ctx.calls_named("update"):
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id in ("locals", "globals", "vars"):
            return True
    for node in scan.ctx.nodes(ast.Try):
        for inner in node.body:
            if isinstance(inner, ast.ImportFrom) and any(a.name == "*" for a in inner.names):
                return True
    return False


_SETTINGS_MODULE = re.compile(r"^(config|settings|conf|\w+_settings|settings_\w+|\w+_config)$")


def _module_attributes(scan: _Scan, entry: Entry) -> list[Signal]:
    """``config.GLOBALLY_DELIVERABLE`` with ``import config`` (pgadmin4 ae76ea3): an upper-case name read from an
    imported module named like settings (via ``module_attr``, detail "module<TAB>NAME"); the change analysis makes
    it a key when that module is one of the repository's settings modules that load their values from outside."""
    modules = {alias: module for alias, module in scan.aliases.items()
               if _SETTINGS_MODULE.match(module.rsplit(".", 1)[-1])}
    if not modules:
        return []
    return [Signal(entry.kind, entry.name, attr.lineno, "module_attr", f"{modules[attr.value.id]}\t{attr.attr}")
            for attr in scan.upper_reads if isinstance(attr.value, ast.Name) and attr.value.id in modules]


def _handed_settings(scan: _Scan, params: tuple[str, ...]) -> dict[int, frozenset[str]]:
    """Functions (by id) that take one of ``params`` -> their parameters: ``app_conf`` in ``def make_app(
    global_conf, **app_conf)`` (a PasteDeploy app factory: the settings of the app's ini file are handed in)."""
    out: dict[int, frozenset[str]] = {}
    text = scan.ctx.text  # the text the tree was parsed from ("" when not given); an ASCII file's names are as written
    if text and text.isascii() and not any(p in text for p in params):
        return out  # no function here takes one (most files): no function's parameters are gathered
    for func in scan.ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
        a = func.args
        given = frozenset(p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x)])
        if not given.isdisjoint(params):
            out[id(func)] = given
    return out


def _ini_keys(scan: _Scan, entry: Entry) -> list[Signal]:
    """configparser-style keys, ``section.option``: calls of a reader method with both as string constants,
    on a receiver the file shows to be a parser (made by a constructor here, or one of its calls uses a
    method or keyword a dict has not); ``settings.get("a", "b")`` on a dict reads no key."""
    reads: list[tuple[str, ast.Call]] = []
    parsers: set[str] = set()
    for call in scan.ctx.calls_named(*dict.fromkeys(entry.methods)):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        receiver = _dotted(func.value)
        if receiver and len(call.args) >= 2 and all(_ini_name(a) for a in call.args[:2]):
            reads.append((receiver, call))
            if func.attr != entry.methods[0] or any(k.arg in entry.args for k in call.keywords):
                parsers.add(receiver)
    if not reads:
        return []
    for node in scan.ctx.nodes(ast.Assign):
        if isinstance(node.value, ast.Call) and scan.qualified(node.value.func) in entry.match:
            parsers.update(_dotted(t) for t in node.targets)
    return [Signal(entry.kind, entry.name, call.lineno, "key", f"{_ini_name(call.args[0])}.{_ini_name(call.args[1])}")
            for receiver, call in reads if receiver in parsers]


_INI_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _ini_name(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) and _INI_NAME.match(node.value) else ""


def _env_name(node: ast.AST, scan: _Scan) -> str:
    value = node.value if isinstance(node, ast.Constant) else scan.constants.get(node.id) if isinstance(node, ast.Name) else None
    return value if isinstance(value, str) and _ENV_NAME.match(value) else ""


def _settings_fields(scan: _Scan, entry: Entry, regexes: dict[str, re.Pattern[str]]) -> list[Signal]:
    """Fields of settings classes: pydantic(-settings) subclasses, their local subclasses, and
    dataclass-style classes named like settings. The key is the alias, else env_prefix + field name."""
    bases, names = set(entry.match), [regexes[n] for n in entry.class_names]
    prefixes: dict[str, str] = {}  # local settings class -> its env_prefix
    waiting: set[str] = set()  # local classes whose settings base is in another module
    out = []
    for cls in scan.classes:
        qualified = [scan.qualified(b) for b in cls.bases]
        local = [prefixes[q] for q in qualified if q in prefixes and q not in waiting]
        decorated = {scan.qualified(d.func if isinstance(d, ast.Call) else d) for d in cls.decorator_list}
        settings = bool(set(qualified) & bases) or bool(local) or (
            bool(decorated & set(entry.decorators)) and any(n.search(cls.name) for n in names))
        # a subclass of a settings-named class of another module (prefect's `class ExperimentsSettings(
        # PrefectBaseSettings)`, the base in prefect/settings/base.py): its fields are keys once the change
        # analysis finds that class to be a settings class in the snapshot (via "settings_class")
        elsewhere = "" if settings or entry.fields else next(
            (q.rsplit(".", 1)[-1] for q in qualified
             if q in waiting or (q and any(n.search(q.rsplit(".", 1)[-1]) for n in names))), "")
        if not settings and not elsewhere:
            continue
        prefix = _env_prefix(cls) or _decorator_prefix(cls, scan, entry) or next((p for p in local if p), "")
        prefixes[cls.name] = prefix
        if elsewhere:  # "?": a config built by the project's own call, whose env_prefix cannot be read
            waiting.add(cls.name)
            own = prefix or ("?" if _opaque_config(cls) else "")
            out.append(Signal(entry.kind, entry.name, cls.lineno, "settings_subclass", f"{cls.name}\t{elsewhere}\t{own}"))
        elif not entry.fields:
            out.append(Signal(entry.kind, entry.name, cls.lineno, "settings_class", f"{cls.name}\t{prefix}"))
        for node in cls.body:
            field_name, value = _field(node, scan, entry)
            if not field_name or field_name in ("model_config", "Config") or field_name.startswith("_"):
                continue
            alias = _alias(value)
            if elsewhere:
                out.append(Signal(entry.kind, entry.name, node.lineno, "settings_field", f"{cls.name}\t{field_name}\t{alias}"))
            else:
                out.append(Signal(entry.kind, entry.name, node.lineno, "key", (alias or prefix + field_name).upper()))
    return out


def _field(node: ast.stmt, scan: _Scan, entry: Entry) -> tuple[str, ast.expr | None]:
    """(name, value) of a settings field: an annotated class attribute, or (for entries with ``fields``)
    an attribute assigned one of those calls (``redis_uri = key(cast=str)``, ``key(key_name="x")`` naming it)."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and "ClassVar" not in _dotted(node.annotation):
        return node.target.id, node.value
    if entry.fields and isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Call) and scan.qualified(node.value.func) in entry.fields:
        named = [k.value.value for k in node.value.keywords
                 if k.arg == "key_name" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)]
        return (named or [node.targets[0].id])[0], node.value
    return "", None


def _opaque_config(cls: ast.ClassDef) -> bool:
    """``model_config = build_config(("experiments",))``: a settings config some other call builds (not a
    ``SettingsConfigDict``/``ConfigDict``/``dict``), so the env_prefix it sets is unknown."""
    for node in cls.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) \
                and any(isinstance(t, ast.Name) and t.id == "model_config"
                        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            callee = _dotted(node.value.func).rsplit(".", 1)[-1]
            return not (callee.endswith("ConfigDict") or callee == "dict")
    return False


def _decorator_prefix(cls: ast.ClassDef, scan: _Scan, entry: Entry) -> str:
    """The keys' prefix a decorator names (``@section("mwdb")``, ``@environ.config(prefix="APP")``), with ``_``."""
    for d in cls.decorator_list:
        if isinstance(d, ast.Call) and scan.qualified(d.func) in entry.prefixes:
            given = [*d.args[:1], *(k.value for k in d.keywords if k.arg == "prefix")]
            value = next((a.value for a in given if isinstance(a, ast.Constant) and isinstance(a.value, str)), "")
            return value + "_" if value and not value.endswith("_") else value
    return ""


def _env_prefix(cls: ast.ClassDef) -> str:
    """``class Config: env_prefix = "DB_"`` or ``model_config = SettingsConfigDict(env_prefix="DB_")``."""
    for node in ast.walk(cls):
        if isinstance(node, ast.keyword) and node.arg == "env_prefix" and isinstance(node.value, ast.Constant):
            return str(node.value.value)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in node.targets) \
                and isinstance(node.value, ast.Constant):
            return str(node.value.value)
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and k.value == "env_prefix" and isinstance(v, ast.Constant):
                    return str(v.value)
    return ""


def _alias(value: ast.AST | None) -> str:
    """``Field(..., alias="X")`` / ``validation_alias`` / ``env="X"``."""
    if isinstance(value, ast.Call):
        for k in value.keywords:
            if k.arg in ("alias", "validation_alias", "env") and isinstance(k.value, ast.Constant) \
                    and isinstance(k.value.value, str):
                return k.value.value
    return ""


def _wanted(entry: Entry, imported: set[str]) -> bool:
    return not entry.when_imported or any(m in imported for m in entry.when_imported)


def _first_arg(call: ast.Call) -> str:
    args = [a for a in call.args[:1]] + [k.value for k in call.keywords if k.arg == "service_name"]
    for a in args:
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            return a.value.lower()
    return ""


def _call_signals(scan: _Scan, cat: Catalogue, imported: set[str]) -> list[Signal]:
    out = []
    for call, name in zip(scan.calls, scan.call_names):
        entries = cat.calls.get(name, ())
        if isinstance(call.func, ast.Attribute):
            entries += cat.calls.get("*." + call.func.attr, ())
        for e in entries:
            if _wanted(e, imported) and (not e.args or _first_arg(call) in e.args):
                # what this one connects to; "@" marks one opened inside a function, on each call
                detail = f"{'@' if scan.ctx.enclosing_function(call) else ''}{name}({_arguments(call)})" if e.counted \
                    else name
                out.append(Signal(e.kind, e.name, call.lineno, "pattern", detail))
        sleep = cat.sleeps.get(name)
        loop = scan.loop_of(call) if sleep else None
        if sleep and loop is not None and _grows(call, loop):
            out.append(Signal(sleep.kind, sleep.name, call.lineno, "pattern", f"{name} in a loop"))
    return out


def _arguments(call: ast.Call) -> str:
    """The call's arguments as written, spaces dropped: the same engine opened twice reads the same."""
    try:
        return ",".join(ast.unparse(a) for a in [*call.args, *call.keywords]).replace(" ", "")[:200]
    except (ValueError, AttributeError, RecursionError):  # an unusual tree: count it by its line instead
        return str(call.lineno)


def _grows(call: ast.Call, loop: ast.AST) -> bool:
    """Whether a sleep's delay grows per iteration: ``2 ** n``, ``1 << n``, ``d *= 2``, ``base * attempt``."""
    arg_nodes = [n for a in call.args for n in ast.walk(a)]
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.LShift)) for n in arg_nodes):
        return True
    names = {n.id for n in arg_nodes if isinstance(n, ast.Name)}
    if not names:
        return False
    counters = _names(loop.target) if isinstance(loop, (ast.For, ast.AsyncFor)) else set()
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult) and _names(n) & counters for n in arg_nodes):
        return True
    return any(
        isinstance(n, ast.AugAssign) and isinstance(n.op, _GROWS) and isinstance(n.target, ast.Name) and n.target.id in names
        for n in ast.walk(loop)
    )


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _class_signals(scan: _Scan, cat: Catalogue) -> list[Signal]:
    out = []
    for cls in scan.classes:
        methods = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        bases = {scan.qualified(b) for b in cls.bases}
        for pattern, e in cat.classes:
            if not pattern.search(cls.name):
                continue
            if e.bases and not bases & set(e.bases):
                continue
            if len(methods & set(e.methods)) < e.min_methods:
                continue
            out.append(Signal(e.kind, e.name, cls.lineno, "pattern", f"class {cls.name}"))
    return out


def _decorator_signals(scan: _Scan, cat: Catalogue, imported: set[str]) -> list[Signal]:
    out = []
    for dec in scan.decorators:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = scan.qualified(target)
        entries = cat.decorators.get(name, ())
        if isinstance(target, ast.Attribute):
            entries += cat.decorators.get("*." + target.attr, ())
        for e in entries:
            if _wanted(e, imported):
                out.append(Signal(e.kind, e.name, dec.lineno, "pattern", f"@{name}"))
    return out


def _settings_signals(tree: ast.Module, cat: Catalogue) -> list[Signal]:
    """Module-level ``DATABASES = ...`` / ``app.conf.broker_url = ...`` assignments, and the same names
    as attributes or fields of a config class (Flask ``class Config``, a pydantic settings class)."""
    out = []
    body = [*tree.body, *(n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body)]
    for node in body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            key = t.id if isinstance(t, ast.Name) else (t.attr if isinstance(t, ast.Attribute) else "")
            entry = cat.settings.get(key)
            if entry:
                out.append(Signal(entry.kind, entry.name, node.lineno, "settings", key))
    return out


def _string_signals(value: str, line: int, cat: Catalogue, via: str) -> list[Signal]:
    """URL schemes (``amqp://``), backend paths (``django_redis.cache``) and setting names in one string."""
    out = []
    if "://" in value:
        for m in _URL.finditer(value):
            entry = cat.urls.get(m.group(1).lower())
            if entry:
                out.append(Signal(entry.kind, entry.name, line, via, m.group(0)))
    if " " not in value:
        pattern, backends = cat.backends
        found = pattern.search(value)
        if found and found.lastgroup:
            entry = backends[int(found.lastgroup[1:])]
            out.append(Signal(entry.kind, entry.name, line, via, value))
    entry = cat.settings.get(value)
    if entry:
        out.append(Signal(entry.kind, entry.name, line, via, value))
    return out


# --- other files ---------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{\{.*?\}\}")
_TEMPLATE_LINE = re.compile(r"^\s*\{%.*?%\}\s*$", re.M)
_COMPOSE = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$", re.I)
_DOCKERFILE = re.compile(r"^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.(dockerfile|containerfile)$", re.I)
_PROCFILE = re.compile(r"^Procfile(\.[\w-]+)?$")
_IMAGE_LINE = re.compile(r"^\s*(?:-\s*)?image:\s*[\"']?([^\s\"'#]+)")  # not \s*-?\s*: quadratic on blanks
_INSTALL = re.compile(r"\b(apt-get|apt|apk|yum|dnf|microdnf|pip3?|uv\s+pip|conda|mamba)\s+(install|add)\s+([^;&|]*)")


def file_signals(path: str, text: str, catalogue: Catalogue | None = None) -> tuple[Signal, ...]:
    """Infrastructure evidence in one non-Python file (``()`` for files of no interest)."""
    cat = catalogue or load_catalogue()
    name = posixpath.basename(path)
    found: list[Signal] = []
    if _COMPOSE.match(name):
        found += _compose(text, cat)
    elif _DOCKERFILE.search(name):
        found += _dockerfile(text, cat)
    elif _PROCFILE.match(name) or name.endswith((".sh", ".service")) or "supervisor" in path.lower() \
            or (text.startswith("#!") and "." not in name):  # an extensionless script: its shebang says so
        found += _process_lines(text, cat, "procfile")
    if _ENTRYPOINT.search(name) and (name.endswith(".sh") or text.startswith("#!")) and "." not in name.removesuffix(".sh"):
        found += _shell_env_reads(text)
    if name == "control" and any(p.startswith("debian") for p in path.lower().split("/")[:-1]):
        found += _debian_packages(text)
    program = name.endswith((".conf", ".ini")) and "[program:" in text  # a supervisor program: a process, not config
    if is_config(path, cat, any_place=True):
        found += _config_lines(text, cat, yaml_images=name.endswith((".yml", ".yaml")) and not _COMPOSE.match(name))
        if name.endswith((".yml", ".yaml")) and "!" in text:
            found += _yaml_env_tags(text)
        if name.endswith((".yml", ".yaml")) and "build-push-action" in text:  # a CI step building an image
            found += [Signal("container", m.group(1), text.count("\n", 0, m.start()) + 1, "build_target",
                             m.group(1).lower()) for m in _BUILD_TARGET.finditer(text)]
        if program:
            found += _process_lines(text, cat, "procfile")
    if is_config(path, cat) and not program and not _COMPOSE.match(name):  # compose files bring services, not config
        found.append(Signal("config", path, 1, "config", name))
    return _unique(found)


_ENTRYPOINT = re.compile(r"entrypoint", re.I)
_SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*[A-Z0-9])(?=[}:#%/?+=-])|\$([A-Z][A-Z0-9_]*[A-Z0-9])\b")
_SHELL_SET = re.compile(r"^\s*(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Z][A-Z0-9_]*)\+?=", re.M)
_SHELL_LOOP = re.compile(r"\b(?:for|read(?:\s+-\w+)*)\s+([A-Z][A-Z0-9_]*)\b")
_SHELL_OWN = frozenset({"HOME", "PATH", "PWD", "OLDPWD", "USER", "UID", "EUID", "PPID", "HOSTNAME", "SHELL", "TERM",
                        "LANG", "IFS", "RANDOM", "SECONDS", "LINENO", "OPTARG", "OPTIND", "BASH_SOURCE", "BASH_VERSION",
                        "FUNCNAME", "PIPESTATUS", "LOGNAME", "TMPDIR", "HOSTTYPE", "OSTYPE", "SHLVL"})


def _shell_env_reads(text: str) -> list[Signal]:
    """Environment variables a container's entrypoint script reads and never sets itself (pgadmin4 ae76ea3:
    ``${PGADMIN_CONFIG_GLOBALLY_DELIVERABLE}`` in pkg/docker/entrypoint.sh): keys the operator passes to the
    container (via ``shell_key``; the change analysis leaves out those a Dockerfile sets with ``ENV``/``ARG``,
    the image's own: ihatemoney acb2799's ``PORT``). The shell's own variables are not keys."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    body = "\n".join(lines)
    own = {m.group(1) for m in _SHELL_SET.finditer(body)} | {m.group(1) for m in _SHELL_LOOP.finditer(body)} | _SHELL_OWN
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#") or "$" not in line:
            continue
        for m in _SHELL_READ.finditer(line):
            key = m.group(1) or m.group(2)
            if key not in own:
                out.append(Signal("config", "config keys", number, "shell_key", key))
    return out


# `!ENV 'RABBITMQ_DEFAULT_USER'`, `!REQUIRED_ENV "BOT_TOKEN"`, `!env_var X`: a YAML tag the app's loader resolves
# from the environment (python-discord/bot 3f5433c registers both on yaml.SafeLoader)
_YAML_ENV_TAG = re.compile(r"!(?i:(?:\w+_)?env(?:_?var)?)[ \t]+[\"']?([A-Z][A-Z0-9_]*[A-Z0-9])\b")


def _yaml_env_tags(text: str) -> list[Signal]:
    """Environment variables a YAML config file reads through an environment tag: keys (via ``key``)."""
    return [Signal("config", "config keys", number, "key", m.group(1))
            for number, line in enumerate(text.splitlines(), 1) if "!" in line and not line.lstrip().startswith("#")
            for m in _YAML_ENV_TAG.finditer(line)]


_DEBIAN_PACKAGE = re.compile(r"^Package:[ \t]*([a-z0-9][a-z0-9+.-]+)[ \t]*$", re.M)


def _debian_packages(text: str) -> list[Signal]:
    """Each binary package of a Debian ``control`` file: a unit the project ships and installs on its own
    (kind ``service``, via ``debian``, named after the package)."""
    return [Signal("service", m.group(1), text.count("\n", 0, m.start()) + 1, "debian", f"Package: {m.group(1)}")
            for m in _DEBIAN_PACKAGE.finditer(text)]


def is_config(path: str, catalogue: Catalogue | None = None, *, any_place: bool = False) -> bool:
    """A configuration file by name; unless ``any_place``, not under tests/docs or tooling files."""
    rule = (catalogue or load_catalogue()).config
    parts = path.lower().split("/")
    name = parts[-1]
    by_name = name.endswith(rule.extensions) or name in rule.names or name.startswith(rule.name_prefixes)
    if not by_name or any_place:
        return by_name
    if name in rule.exclude_names or any(p in rule.exclude_dirs for p in parts[:-1]):
        return False
    return not name.startswith("test_")


def image_name(image: str) -> str:
    """``docker.io/bitnami/rabbitmq:3-management@sha256:..`` -> ``rabbitmq``."""
    last = image.split("@")[0].rstrip("/").rsplit("/", 1)[-1]
    return last.split(":")[0].lower()


def _image_signals(image: str, line: int, cat: Catalogue, via: str) -> list[Signal]:
    short, full = image_name(image), image.split("@")[0].rsplit(":", 1)[0].lower()
    return [
        Signal(e.kind, e.name, line, via, image)
        for pattern, e in cat.images
        if pattern.search(short) or pattern.search(full)
    ]


def _process_signals(command: str, line: int, cat: Catalogue, via: str) -> list[Signal]:
    return [Signal(e.kind, e.name, line, via, command.strip()[:200]) for pattern, e in cat.processes if pattern.search(command)]


def _process_lines(text: str, cat: Catalogue, via: str) -> list[Signal]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith(("#", ";")):
            out += _process_signals(line, number, cat, via)
    return out


def _config_lines(text: str, cat: Catalogue, *, yaml_images: bool) -> list[Signal]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("#", ";", "//")):
            continue
        for token in re.findall(r"[^\s\"',=]+", line) if ("://" in line or "." in line) else ():
            out += _string_signals(token, number, cat, "config")
        key = cat.setting_line.match(line)
        if key:
            entry = cat.settings[key.group(1)]
            out.append(Signal(entry.kind, entry.name, number, "config", key.group(1)))
        image = _IMAGE_LINE.match(line) if yaml_images else None
        if image:
            out += _image_signals(image.group(1), number, cat, "config")
    return out


def _compose(text: str, cat: Catalogue) -> list[Signal]:
    """Each compose service: known infrastructure images by their kind, the team's own services as
    kind ``service``; and what each service's command runs."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        try:  # a template (cookiecutter, copier, Jinja): read it with each placeholder as a plain word
            root = yaml.compose(_TEMPLATE.sub("x", _TEMPLATE_LINE.sub("", text)), Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return _process_lines(text, cat, "compose")
    services = yaml_value(root, "services")
    if services is None and isinstance(root, yaml.MappingNode) and yaml_value(root, "version") is None:
        services = root  # compose v1: services at the top level
    out: list[Signal] = []
    for key, body in services.value if isinstance(services, yaml.MappingNode) else ():
        if not isinstance(body, yaml.MappingNode):
            continue
        image = yaml_value(body, "image")
        image_text = str(image.value) if isinstance(image, yaml.ScalarNode) else ""
        known = _image_signals(image_text, image.start_mark.line + 1, cat, "compose") if image and image_text else []
        if not known:  # a team's own service; a broker or database image is reported under its kind only
            out.append(Signal("service", str(key.value), key.start_mark.line + 1, "compose",
                              image_text or f"build {_build_context(yaml_value(body, 'build'))}"))
        out += known
        build = yaml_value(body, "build")
        target = yaml_value(build, "target") if isinstance(build, yaml.MappingNode) else None
        if isinstance(target, yaml.ScalarNode) and target.value:
            out.append(Signal("container", str(target.value), target.start_mark.line + 1, "build_target",
                              str(target.value).lower()))
        for field in ("command", "entrypoint"):
            node = yaml_value(body, field)
            if isinstance(node, yaml.ScalarNode):
                out += _process_signals(node.value, node.start_mark.line + 1, cat, "compose")
            elif isinstance(node, yaml.SequenceNode):
                words = " ".join(str(n.value) for n in node.value if isinstance(n, yaml.ScalarNode))
                out += _process_signals(words, node.start_mark.line + 1, cat, "compose")
    return out


def _build_context(node: yaml.Node | None) -> str:
    """``build: ./api`` or ``build: {context: ./api}`` -> "./api" (what a service is built from)."""
    if isinstance(node, yaml.MappingNode):
        node = yaml_value(node, "context")
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "."


def _dockerfile(text: str, cat: Catalogue) -> list[Signal]:
    """The final stage's base image (kind ``container``), service images, installs and commands."""
    out: list[Signal] = []
    stages: dict[str, str] = {}
    named: list[tuple[str, str, int]] = []  # (stage, its image, line)
    final: tuple[str, int] | None = None
    for number, line in _instructions(text):
        word, _, rest = line.strip().partition(" ")
        word = word.upper()
        if word == "FROM":
            args = [a for a in rest.split() if not a.startswith("--")]
            if not args:
                continue
            image = stages.get(args[0].lower(), args[0])
            if len(args) >= 3 and args[1].lower() == "as":
                stages[args[2].lower()] = image
                named.append((args[2].lower(), image, number))
            final = (image, number)
            out += _image_signals(image, number, cat, "dockerfile")
        elif word in ("RUN", "CMD", "ENTRYPOINT"):
            out += _process_signals(rest, number, cat, "dockerfile")
            out += _installs(rest, number, cat) if word == "RUN" else []
        elif word in ("ENV", "ARG"):
            out += [Signal(s.kind, s.name, number, "dockerfile", s.detail) for s in _config_lines(rest, cat, yaml_images=False)]
            out += [Signal("config", "config keys", number, "image_env", m.group(1)) for m in _IMAGE_ENV.finditer(rest)]
    if final:
        out.append(Signal("container", image_name(final[0]), final[1], "dockerfile", final[0]))
        # a stage before the last is an image of its own when a build targets it (see ``STAGE_VIAS``)
        out += [Signal("container", image_name(image), number, "stage", stage) for stage, image, number in named
                if number != final[1]]
    return out


# A Dockerfile's named stage other than the last (via "stage", detail the stage) and a build's target (via
# "build_target": a compose service's `build: {target: ..}`, a CI build-push step's `target:`): the change analysis
# counts a stage a build targets as one more image (mediacms 817e16a: the `base` and `full` targets pushed as two
# images where one was). Facts about images, never evidence alone.
STAGE_VIAS = frozenset({"stage", "build_target"})
_BUILD_TARGET = re.compile(r"^\s*target:\s*[\"']?([\w.-]+)[\"']?\s*$", re.M)


_IMAGE_ENV = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)")


def _instructions(text: str) -> Iterator[tuple[int, str]]:
    """(first line, instruction) with ``\\`` continuations joined and comments dropped."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        if (pending + line).strip():
            yield start, pending + line
        pending = ""
    if pending.strip():
        yield start, pending


def _installs(command: str, line: int, cat: Catalogue) -> list[Signal]:
    """Packages a ``RUN`` installs: system packages by name, pip packages by distribution."""
    out = []
    for m in _INSTALL.finditer(command):
        pip = m.group(1).startswith(("pip", "uv"))
        for token in m.group(3).split():
            if token.startswith("-"):
                continue
            if pip:
                entry = _by_distribution(cat).get(canonical(re.split(r"[\[<>=!~;@ ]", token)[0]))
            else:
                entry = cat.packages.get(token.split("=")[0].lower())
            if entry:
                out.append(Signal(entry.kind, entry.name, line, "dockerfile", f"{m.group(1)} install {token}"))
    return out


_DISTS: dict[int, dict[str, Entry]] = {}


def _by_distribution(cat: Catalogue) -> dict[str, Entry]:
    """Distribution name -> import entry (``aio-pika`` -> rabbitmq), built once per catalogue."""
    if id(cat) not in _DISTS:
        table = {}
        for module, entry in sorted(cat.imports.items(), reverse=True):
            dist = distribution_of(module)
            # `urllib3.util.retry` must not make every `urllib3` requirement a retry library
            if "." not in module or dist != distribution_of(module.split(".")[0]):
                table[dist] = entry
        _DISTS[id(cat)] = table
    return _DISTS[id(cat)]


def manifest_signals(requirements: Iterable[Requirement], catalogue: Catalogue | None = None) -> tuple[Signal, ...]:
    """Signals for declared distributions that are infrastructure (``pika`` -> rabbitmq)."""
    table = _by_distribution(catalogue or load_catalogue())
    out = []
    for req in requirements:
        entry = table.get(req.name)
        if entry:
            out.append(Signal(entry.kind, entry.name, req.line, "manifest", req.section))
    return tuple(out)
