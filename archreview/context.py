"""The architecture context: what the team declares about its system.

The seed's template (system type, stack, directory structure, patterns used and
NOT used, scale, example implementation), read from every place a repository may
already say it, highest priority first:

1. a ``--context FILE`` given by the user (``archreview.toml``-shaped, or a
   pyproject with ``[tool.archreview]``);
2. ``archreview.toml``;
3. ``[tool.archreview]`` in ``pyproject.toml``;
4. import-linter ``layers`` contracts (``.importlinter``, ``setup.cfg``,
   ``[tool.importlinter]``): layers listed higher first, each may import those below;
5. tach (``tach.toml``): ``[[modules]]`` with ``depends_on``, or ``layers``;
6. ``ARCHITECTURE.md`` (or ``docs/ARCHITECTURE.md``) in the seed's template.

Each field comes from the highest source that declares it (patterns key by key).
archreview's own files are validated strictly, with the file and line of the
offending key; other tools' files are read leniently (they are that tool's to
validate, and a review should not stop because tach changed its format).
"""

from __future__ import annotations

import configparser
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archreview.errors import BadContext

try:  # the infrastructure catalogue owns the kinds vocabulary
    from archreview.catalogue import KINDS as _CATALOGUE_KINDS
except ImportError:  # until catalogue.py lands: DESIGN.md's list
    _CATALOGUE_KINDS = None

KINDS: tuple[str, ...] = tuple(_CATALOGUE_KINDS) if _CATALOGUE_KINDS else (
    "message_queue", "task_queue", "pubsub", "event_bus", "event_sourcing", "database", "cache",
    "search", "object_storage", "di_container", "retry", "circuit_breaker", "web_framework", "rpc",
    "scheduler", "observability", "container", "service", "config",
)
PATTERN_KEYS = ("data_access", "error_handling", "dependency_injection", "logging", "testing")
FIELDS = ("system", "stack", "layers", "patterns", "patterns_not_used", "scale", "examples")
CONTEXT_FILES: tuple[str, ...] = (
    "archreview.toml", "pyproject.toml", ".importlinter", "setup.cfg", "tach.toml",
    "ARCHITECTURE.md", "docs/ARCHITECTURE.md",
)


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    paths: tuple[str, ...]  # repo-relative folders or files ("src/app/services")
    may_import: tuple[str, ...]  # names of the other layers this one may import


@dataclass(frozen=True, slots=True)
class Scale:
    users: int | None = None
    requests_per_day: int | None = None
    data_volume: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    system: str | None
    stack: tuple[str, ...]
    layers: tuple[Layer, ...]  # in declaration order (higher layers first where known)
    patterns: tuple[tuple[str, str], ...]  # (one of PATTERN_KEYS, text), sorted by key
    patterns_not_used: tuple[str, ...]  # kinds, sorted
    scale: Scale
    examples: tuple[str, ...]
    sources: tuple[str, ...]  # files that contributed, highest priority first

    def pattern(self, key: str) -> str | None:
        return dict(self.patterns).get(key)


Partial = dict[str, Any]  # the fields one source declares, plus "source"


# --- entry point -----------------------------------------------------------------


def load_context(texts: Mapping[str, str], explicit: tuple[str, str] | None = None) -> Context | None:
    """The merged context of a repository, or None when it declares nothing.

    ``texts``: repo-relative path -> text, for those of ``CONTEXT_FILES`` that
    exist. Raises ``BadContext`` (file, line, what is expected) for an invalid
    archreview context.
    """
    partials: list[Partial] = []
    if explicit is not None:
        partials.append(_archreview_file(explicit[0], explicit[1]))
    if "archreview.toml" in texts:
        partials.append(_archreview_file("archreview.toml", texts["archreview.toml"]))
    pyproject = _lenient_toml(texts.get("pyproject.toml"))
    if "archreview" in pyproject.get("tool", {}) or "[tool.archreview" in texts.get("pyproject.toml", ""):
        partials.append(_archreview_file("pyproject.toml", texts["pyproject.toml"]))
    partials.append(_import_linter(texts, pyproject))
    partials.append(_tach(texts.get("tach.toml")))
    for path in ("ARCHITECTURE.md", "docs/ARCHITECTURE.md"):
        if path in texts:
            partials.append(_markdown(path, texts[path]))
            break
    return _merge([p for p in partials if len(p) > 1])


def _merge(partials: list[Partial]) -> Context | None:
    """Field by field, the first (highest-priority) source that declares it wins."""
    if not partials:
        return None

    def first(key: str, default: Any) -> Any:
        return next((p[key] for p in partials if key in p), default)

    patterns: dict[str, str] = {}
    scale: dict[str, Any] = {}
    for p in reversed(partials):  # lower priority first, overwritten by higher
        patterns.update(p.get("patterns", {}))
        scale.update(p.get("scale", {}))
    layers = first("layers", None)
    if layers is None:  # an ARCHITECTURE.md directory list names layers but sets no rules
        layers = first("directories", ())
    return Context(
        system=first("system", None),
        stack=tuple(first("stack", ())),
        layers=tuple(layers),
        patterns=tuple(sorted(patterns.items())),
        patterns_not_used=tuple(sorted(set(first("patterns_not_used", ())))),
        scale=Scale(**scale),
        examples=tuple(first("examples", ())),
        sources=tuple(dict.fromkeys(p["source"] for p in partials)),
    )


# --- archreview.toml / [tool.archreview] -------------------------------------------


def _archreview_file(path: str, text: str) -> Partial:
    data = _strict_toml(path, text)
    prefix: tuple[str | int, ...] = ()
    if "tool" in data:
        if not isinstance(data["tool"], dict) or "archreview" not in data["tool"]:
            raise BadContext("no [tool.archreview] table; put the context there or use an archreview.toml",
                             path=path, line=_Locator(text).line(("tool",)))
        data, prefix = data["tool"]["archreview"], ("tool", "archreview")
    if not isinstance(data, dict):
        raise BadContext("[tool.archreview] must be a table", path=path, line=_Locator(text).line(prefix))
    return _validate(data, path, _Locator(text, prefix))


def _strict_toml(path: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else text.count("\n") + 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BadContext(f"not valid TOML: {message}", path=path, line=line) from None


def _lenient_toml(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _validate(table: dict[str, Any], path: str, loc: _Locator) -> Partial:
    """Check every key and type of an archreview table; the message says what is expected."""

    def fail(message: str, *where: str | int, value: str | None = None) -> BadContext:
        return BadContext(message, path=path, line=loc.line(where, value))

    out: Partial = {"source": path}
    for key, value in table.items():
        if key not in FIELDS:
            hint = difflib.get_close_matches(key, FIELDS, n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise fail(f"unknown key '{key}'{also}; expected one of {', '.join(FIELDS)}", key)
        out[key] = _CHECKS[key](value, fail)
    if "layers" in out:
        _check_layer_names(out["layers"], fail)
    return out


def _str(value: Any, fail, *where: str | int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{_dotted(where)}: expected a non-empty string, got {_show(value)}", *where)
    return value.strip()


def _strings(value: Any, fail, *where: str | int) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail(f"{_dotted(where)}: expected a list of strings, got {_show(value)}", *where)
    return tuple(_str(v, fail, *where) for v in value)


def _check_system(value: Any, fail) -> str:
    return _str(value, fail, "system")


def _check_stack(value: Any, fail) -> tuple[str, ...]:
    return _strings(value, fail, "stack")


def _check_examples(value: Any, fail) -> tuple[str, ...]:
    return tuple(_norm_path(p) for p in _strings(value, fail, "examples"))


def _check_patterns(value: Any, fail) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail(f"patterns: expected a table of {', '.join(PATTERN_KEYS)}, got {_show(value)}", "patterns")
    for key in value:
        if key not in PATTERN_KEYS:
            raise fail(f"patterns: unknown key '{key}'; use one of {', '.join(PATTERN_KEYS)}", "patterns", key)
    return {k: _str(v, fail, "patterns", k) for k, v in value.items()}


def _check_not_used(value: Any, fail) -> tuple[str, ...]:
    kinds = _strings(value, fail, "patterns_not_used")
    for kind in kinds:
        if kind not in KINDS:
            hint = difflib.get_close_matches(kind, KINDS, n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise fail(f"patterns_not_used: unknown kind '{kind}'{also}; use one of {', '.join(KINDS)}",
                       "patterns_not_used", value=kind)
    return kinds


def _check_scale(value: Any, fail) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"scale: expected a table with users, requests_per_day, data_volume, got {_show(value)}",
                   "scale")
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key in ("users", "requests_per_day"):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise fail(f"scale.{key}: expected a whole number of 0 or more, got {_show(v)}", "scale", key)
            out[key] = v
        elif key == "data_volume":
            out[key] = _str(v, fail, "scale", key)
        else:
            raise fail(f"scale: unknown key '{key}'; use users, requests_per_day or data_volume", "scale", key)
    return out


def _check_layers(value: Any, fail) -> tuple[Layer, ...]:
    if not isinstance(value, list):
        raise fail("layers: expected an array of tables ([[layers]] with name, paths, may_import), "
                   f"got {_show(value)}", "layers")
    return tuple(_check_layer(i, item, fail) for i, item in enumerate(value))


def _check_layer(i: int, item: Any, fail) -> Layer:
    if not isinstance(item, dict):
        raise fail(f"layers[{i}]: expected a table with name, paths, may_import, got {_show(item)}", "layers", i)
    for key in item:
        if key not in ("name", "paths", "may_import"):
            raise fail(f"layers[{i}]: unknown key '{key}'; use name, paths, may_import", "layers", i, key)
    if "name" not in item:
        raise fail(f"layers[{i}]: missing 'name'", "layers", i)
    name = _str(item["name"], fail, "layers", i, "name")
    paths = tuple(_norm_path(p) for p in _strings(item.get("paths", []), fail, "layers", i, "paths"))
    if not paths or not all(paths):
        raise fail(f"layer '{name}' has no paths; give the folders it covers, e.g. paths = [\"src/{name}\"]",
                   "layers", i, "paths" if "paths" in item else "name")
    may = _strings(item.get("may_import", []), fail, "layers", i, "may_import")
    return Layer(name, paths, may)


def _check_layer_names(layers: tuple[Layer, ...], fail) -> None:
    names = [layer.name for layer in layers]
    for i, layer in enumerate(layers):
        if names.index(layer.name) != i:
            raise fail(f"layer '{layer.name}' is declared twice", "layers", i, "name")
        for other in layer.may_import:
            if other not in names:
                raise fail(f"layer '{layer.name}': may_import names unknown layer '{other}'; "
                           f"declared layers are {', '.join(names)}", "layers", i, "may_import", value=other)


_CHECKS = {
    "system": _check_system, "stack": _check_stack, "examples": _check_examples,
    "patterns": _check_patterns, "patterns_not_used": _check_not_used,
    "scale": _check_scale, "layers": _check_layers,
}


def _dotted(where: tuple[str | int, ...]) -> str:
    return "".join(f"[{w}]" if isinstance(w, int) else (f".{w}" if i else w) for i, w in enumerate(where))


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _norm_path(path: str) -> str:
    path = path.strip().replace("\\", "/")
    while path.startswith(("./", "/")):
        path = path[2:] if path.startswith("./") else path[1:]
    return path.rstrip("/")


class _Locator:
    """Lines of keys in a TOML text (tomllib gives values, not places).

    Each header and key line gets a position such as ``("layers", 2, "paths")``
    (array-of-tables counted); a lookup falls back to the nearest enclosing
    header or key, then to the line holding the offending value.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")

    def __init__(self, text: str, prefix: tuple[str | int, ...] = ()) -> None:
        self.prefix = prefix
        self.lines = text.splitlines()
        self.entries: list[tuple[int, tuple[str | int, ...]]] = []
        counts: dict[tuple[str, ...], int] = {}
        current: tuple[str | int, ...] = ()
        for number, line in enumerate(self.lines, 1):
            if header := self._HEADER.match(line):
                names = tuple(_unquote(n) for n in header.group(2).split("."))
                if header.group(1) == "[[":
                    counts[names] = counts.get(names, -1) + 1
                    current = (*names, counts[names])
                else:
                    current = names
                self.entries.append((number, current))
            elif key := self._KEY.match(line):
                self.entries.append((number, (*current, *(_unquote(k) for k in key.group(1).split(".")))))

    def line(self, where: tuple[str | int, ...], value: str | None = None) -> int | None:
        target = (*self.prefix, *where)
        for size in range(len(target), 0, -1):
            for number, position in self.entries:
                if position == target[:size]:
                    return self._value_line(number, value) if value else number
        return None

    def _value_line(self, start: int, value: str) -> int:
        quoted = re.compile(rf"""["']{re.escape(value)}["']""")
        for number in range(start, len(self.lines) + 1):
            if number > start and self._HEADER.match(self.lines[number - 1]):
                break
            if quoted.search(self.lines[number - 1]):
                return number
        return start


def _unquote(name: str) -> str:
    return name.strip().strip("\"'")


# --- import-linter ----------------------------------------------------------------


def _import_linter(texts: Mapping[str, str], pyproject: dict[str, Any]) -> Partial:
    """Layers from every import-linter ``layers`` contract (INI or TOML)."""
    for path in (".importlinter", "setup.cfg"):
        if path in texts:
            contracts = _ini_contracts(texts[path])
            if contracts:
                return _layers_partial(path, contracts)
    contracts = pyproject.get("tool", {}).get("importlinter", {}).get("contracts", [])
    if isinstance(contracts, list):
        found = [(c.get("layers"), c.get("containers")) for c in contracts
                 if isinstance(c, dict) and c.get("type") == "layers"]
        if found:
            return _layers_partial("pyproject.toml", found)
    return {"source": "import-linter"}


def _ini_contracts(text: str) -> list[tuple[Any, Any]]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    return [(s.get("layers"), s.get("containers")) for name, s in parser.items()
            if name.startswith("importlinter:contract:") and s.get("type", "").strip() == "layers"]


def _layers_partial(path: str, contracts: list[tuple[Any, Any]]) -> Partial:
    layers: dict[str, Layer] = {}
    for spec, containers in contracts:
        for layer in _contract_layers(_lines(spec), _lines(containers) or [""]):
            layers.setdefault(layer.name, layer)
    return {"source": path, "layers": tuple(layers.values())} if layers else {"source": path}


def _lines(value: Any) -> list[str]:
    """An INI multi-line value or a TOML list, as clean non-empty strings."""
    items = value.splitlines() if isinstance(value, str) else (value if isinstance(value, list) else [])
    return [str(i).split("#", 1)[0].strip() for i in items if str(i).split("#", 1)[0].strip()]


def _contract_layers(spec: list[str], containers: list[str]) -> list[Layer]:
    """Higher layers first; ``a | b`` independent siblings, ``a : b`` siblings that may import each other."""
    groups = []
    for line in spec:
        sep = "|" if "|" in line else ":"
        names = [n.strip().strip("()").strip() for n in line.split(sep)]
        groups.append(([n for n in names if n], sep == ":" and len(names) > 1))
    out = []
    for container in containers:
        full = [[f"{container}.{n}" if container else n for n in names] for names, _ in groups]
        for i, (names, open_siblings) in enumerate(groups):
            below = [n for lower in full[i + 1:] for n in lower]
            for name in full[i]:
                siblings = [n for n in full[i] if n != name] if open_siblings else []
                out.append(Layer(name, (name.replace(".", "/"),), tuple(siblings + below)))
    return out


# --- tach --------------------------------------------------------------------------


def _tach(text: str | None) -> Partial:
    data = _lenient_toml(text)
    modules = [m for m in data.get("modules", []) if isinstance(m, dict)]
    if not modules:
        return {"source": "tach.toml"}
    roots = [r for r in data.get("source_roots", ["."]) if isinstance(r, str)] or ["."]
    layer_names = [n for n in data.get("layers", []) if isinstance(n, str)]
    if layer_names and any("layer" in m for m in modules):
        layers = _tach_layers(layer_names, modules, roots)
    else:
        layers = _tach_modules(modules, roots)
    return {"source": "tach.toml", "layers": layers} if layers else {"source": "tach.toml"}


def _tach_paths(module: dict[str, Any], roots: list[str]) -> tuple[str, ...]:
    names = module.get("paths") or [module.get("path")]
    return tuple(dict.fromkeys(
        (n.replace(".", "/") if r in (".", "") else f"{_norm_path(r)}/{n.replace('.', '/')}")
        for n in names if isinstance(n, str) and n != "<root>" for r in roots))


def _tach_modules(modules: list[dict[str, Any]], roots: list[str]) -> tuple[Layer, ...]:
    """One layer per tach module; no ``depends_on`` means unchecked (may import anything)."""
    named = {str(m.get("path") or (m.get("paths") or [""])[0]): m for m in modules}
    named = {k: m for k, m in named.items() if k and k != "<root>" and _tach_paths(m, roots)}
    utilities = [k for k, m in named.items() if m.get("utility")]
    layers = []
    for name, module in named.items():
        if "depends_on" not in module:
            may = [k for k in named if k != name]
        else:
            deps = [d.get("path") if isinstance(d, dict) else d for d in module.get("depends_on") or []]
            may = [d for d in deps if d in named and d != name] + [u for u in utilities if u != name]
        layers.append(Layer(name, _tach_paths(module, roots), tuple(dict.fromkeys(may))))
    return tuple(layers)


def _tach_layers(names: list[str], modules: list[dict[str, Any]], roots: list[str]) -> tuple[Layer, ...]:
    """tach ``layers`` (higher first): each may import the layers below it."""
    paths = {n: tuple(p for m in modules if m.get("layer") == n for p in _tach_paths(m, roots)) for n in names}
    kept = [n for n in names if paths[n]]
    return tuple(Layer(n, paths[n], tuple(kept[i + 1:])) for i, n in enumerate(kept))


# --- ARCHITECTURE.md in the seed's template ------------------------------------------

_NOT_USED_SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"circuit[- ]?breakers?", "circuit_breaker"),
    (r"\bdi\b|dependency[- ]injection|service[- ]locators?|ioc\b|inversion of control", "di_container"),
    (r"task[- ]?queues?|background (jobs?|workers?)|job queues?|celery|\brq\b", "task_queue"),
    (r"event[- ]?sourc|event[- ]stores?|cqrs", "event_sourcing"),
    (r"(event|message)[- ]?bus(es|ses)?|event[- ]driven", "event_bus"),
    (r"pub[/ -]?sub|publish[/ -]subscribe", "pubsub"),
    (r"message[- ]?(queue|broker)s?|\bqueues?\b|\bbrokers?\b|rabbitmq|kafka|amqp", "message_queue"),
    (r"databases?|\bdbs?\b|nosql|data ?stores?", "database"),
    (r"cach(e|es|ing)\b|memcache", "cache"),
    (r"search (engines?|index(es)?)|elasticsearch|opensearch|solr", "search"),
    (r"object[- ]storage|blob[- ]storage|\bs3\b|minio", "object_storage"),
    (r"retr(y|ies)|backoff", "retry"),
    (r"web[- ]frameworks?", "web_framework"),
    (r"\brpc\b|grpc|thrift", "rpc"),
    (r"schedulers?|\bcron\b", "scheduler"),
    (r"observability|tracing|opentelemetry", "observability"),
    (r"docker|containers?\b|kubernetes|\bk8s\b", "container"),
    (r"micro-?services?|separate services|services? per", "service"),
    (r"config(uration)?[- ]files?|separate config", "config"),
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_DIR_ITEM = re.compile(r"^\s*[-*+]\s+`?/?([\w.-]+(?:/[\w.-]+)*)/`?\s*(?:[—–:-]+\s*(.*))?$")
_PATTERN_ITEM = re.compile(r"^\s*[-*+]\s+\**([A-Za-z][A-Za-z /-]+?)\**\s*:\s*(.+)$")
_PATTERN_NAMES = {"data access": "data_access", "error handling": "error_handling", "errors": "error_handling",
                  "dependency injection": "dependency_injection", "di": "dependency_injection",
                  "logging": "logging", "testing": "testing", "tests": "testing"}
_SYSTEMS = re.compile(r"\b(modular monolith|monolith|micro-?services|serverless|event-driven)", re.IGNORECASE)


def kinds_of_phrase(phrase: str) -> tuple[str, ...]:
    """Kinds named by a free-text "we do NOT use" phrase ("message queues or event buses")."""
    found = []
    for part in re.split(r",|;|\band\b|\bor\b|\bnor\b|/(?!sub)", phrase.lower()):
        kind = next((k for pattern, k in _NOT_USED_SYNONYMS if re.search(pattern, part)), None)
        if kind and kind not in found:
            found.append(kind)
    return tuple(found)


def _markdown(path: str, text: str) -> Partial:
    sections = _sections(text)
    out: Partial = {"source": path}
    system = _md_system(sections, text)
    if system:
        out["system"] = system
    stack = [s.strip(" .`*") for line in _body(sections, "tech stack") for s in re.split(r",|;", line.lstrip("-*+ "))]
    if [s for s in stack if s]:
        out["stack"] = tuple(s for s in stack if s)
    not_used = _md_not_used(sections, text)
    if not_used:
        out["patterns_not_used"] = not_used
    patterns = _md_patterns(sections)
    if patterns:
        out["patterns"] = patterns
    scale = _md_scale(" ".join(_body(sections, "scale")) or text)
    if scale:
        out["scale"] = scale
    dirs = _md_directories(text)
    if dirs:
        out["directories"] = dirs
    examples = _md_examples(_body(sections, "example"))
    if examples:
        out["examples"] = examples
    return out


def _sections(text: str) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    fenced = False
    for line in text.splitlines():
        fenced ^= line.lstrip().startswith(("```", "~~~"))
        heading = None if fenced else _HEADING.match(line)
        if heading:
            sections.append((heading.group(1).lower(), []))
        else:
            sections[-1][1].append(line)
    return sections


def _body(sections: list[tuple[str, list[str]]], title: str) -> list[str]:
    """Non-empty, non-placeholder lines of the first section whose title contains ``title``."""
    for heading, lines in sections:
        if title in heading and ("not" in title or "not" not in heading):
            return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("[")]
    return []


def _md_system(sections: list[tuple[str, list[str]]], text: str) -> str | None:
    declared = _body(sections, "system type")
    if declared:
        return re.split(r":|—|–| - |\. |\(", declared[0].strip(" -*`"))[0].strip(" .")
    found = _SYSTEMS.search(text)
    return found.group(1).lower().replace("-", "") if found else None


def _md_not_used(sections: list[tuple[str, list[str]]], text: str) -> tuple[str, ...]:
    phrases = list(_body(sections, "do not use"))
    lines = text.splitlines()
    for i, line in enumerate(lines):
        found = re.search(r"\b(?:we\s+)?do\s+not\s+use\s*:?\s*(.*)", line, re.IGNORECASE)
        if found and not _HEADING.match(line):
            phrases.append(found.group(1))
            for more in lines[i + 1:]:  # a sentence wrapped onto the next lines
                if not more.strip() or more.lstrip().startswith(("-", "*", "#")) or phrases[-1].rstrip().endswith("."):
                    break
                phrases[-1] += " " + more.strip()
    kinds = [k for phrase in phrases for k in kinds_of_phrase(phrase.lstrip("-*+ "))]
    return tuple(sorted(set(kinds)))


def _md_patterns(sections: list[tuple[str, list[str]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _body(sections, "patterns we use"):
        item = _PATTERN_ITEM.match(line)
        if item and item.group(1).strip().lower() in _PATTERN_NAMES and not item.group(2).startswith("["):
            out.setdefault(_PATTERN_NAMES[item.group(1).strip().lower()], item.group(2).strip())
    return out


def _md_scale(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    number = r"(\d[\d,_]*(?:\.\d+)?)\s*(k|m|thousand|million)?\b"
    users = re.search(number + r"\s+(?:\w+\s+)?users", text, re.IGNORECASE)
    if users:
        out["users"] = _count(users.group(1), users.group(2))
    requests = re.search(number + r"\s+(?:requests?|req)\s*(?:per|/|a|each)\s*day", text, re.IGNORECASE)
    if requests:
        out["requests_per_day"] = _count(requests.group(1), requests.group(2))
    volume = re.search(r"(\d[\d,.]*\s*(?:[KMGTP]i?B|[kmgt]b|bytes|rows|records))\b", text)
    if volume:
        out["data_volume"] = volume.group(1)
    return out


def _count(digits: str, unit: str | None) -> int:
    scale = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}.get((unit or "").lower(), 1)
    return int(float(digits.replace(",", "").replace("_", "")) * scale)


def _md_directories(text: str) -> tuple[Layer, ...]:
    """``- `/src/services/` — Business logic`` items: where layers are, with no import rules."""
    dirs = [m.group(1) for m in map(_DIR_ITEM.match, text.splitlines()) if m]
    dirs = list(dict.fromkeys(_norm_path(d) for d in dirs if d))
    names = [d.rsplit("/", 1)[-1] for d in dirs]
    if len(set(names)) != len(names):
        names = dirs
    return tuple(Layer(n, (d,), tuple(o for o in names if o != n)) for n, d in zip(names, dirs))


def _md_examples(lines: list[str]) -> tuple[str, ...]:
    paths = []
    for line in lines:
        for found in re.findall(r"(?:^(?://|#)\s*|`)([\w./-]+/[\w.-]+\.\w+)`?", line):
            paths.append(_norm_path(found))
    return tuple(dict.fromkeys(paths))
