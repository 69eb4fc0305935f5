"""What a repository already declares about its layers and patterns, read leniently.

import-linter ``layers`` contracts, tach modules and layers, and an
``ARCHITECTURE.md`` written in the seed's template ("We do NOT use: ...", the
directory list, the scale line). These files belong to other tools or to
people, so nothing here raises: what cannot be read is left out, and
``archreview.context.load`` merges what was found under the team's own
``archreview.toml``.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from archreview.core.model import Layer

Partial = dict[str, Any]  # the fields one source declares, plus "source"


def lenient_toml(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: nested too deeply to mean anything
        return {}


def norm_path(path: str) -> str:
    path = path.strip().replace("\\", "/")
    while path.startswith(("./", "/")):
        path = path[2:] if path.startswith("./") else path[1:]
    return path.rstrip("/")


# --- import-linter ----------------------------------------------------------------


def import_linter_layers(texts: Mapping[str, str], pyproject: dict[str, Any]) -> Partial:
    """Layers from every import-linter ``layers`` contract (INI or TOML)."""
    for path in (".importlinter", "setup.cfg"):
        if path in texts:
            contracts = _ini_contracts(texts[path])
            if contracts:
                return _layers_partial(path, contracts)
    listed = pyproject.get("tool", {}).get("importlinter", {}).get("contracts", [])
    if isinstance(listed, list):
        found = [(c.get("layers"), c.get("containers")) for c in listed
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


def tach_layers(text: str | None) -> Partial:
    data = lenient_toml(text)
    modules = [m for m in data.get("modules", []) if isinstance(m, dict)]
    if not modules:
        return {"source": "tach.toml"}
    roots = [r for r in data.get("source_roots", ["."]) if isinstance(r, str)] or ["."]
    layer_names = [n for n in data.get("layers", []) if isinstance(n, str)]
    if layer_names and any("layer" in m for m in modules):
        layers = _tach_named_layers(layer_names, modules, roots)
    else:
        layers = _tach_modules(modules, roots)
    return {"source": "tach.toml", "layers": layers} if layers else {"source": "tach.toml"}


def _tach_paths(module: dict[str, Any], roots: list[str]) -> tuple[str, ...]:
    names = module.get("paths") or [module.get("path")]
    return tuple(dict.fromkeys(
        (n.replace(".", "/") if r in (".", "") else f"{norm_path(r)}/{n.replace('.', '/')}")
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


def _tach_named_layers(names: list[str], modules: list[dict[str, Any]], roots: list[str]) -> tuple[Layer, ...]:
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
# Every pattern here reads repository text: no two adjacent parts may match the same
# characters without a bound, or a long line backtracks for minutes (a 20 KB line of
# digits took 116 s). Closing ``#``s of a heading are stripped in Python, not by a lazy group.
_NOT_USED_PATTERNS = tuple((re.compile(p), k) for p, k in _NOT_USED_SYNONYMS)
_ANY_NOT_USED = re.compile("|".join(f"(?:{p})" for p, _ in _NOT_USED_SYNONYMS))
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_DIR_ITEM = re.compile(r"^\s*[-*+]\s+`?/?([\w.-]+(?:/[\w.-]+)*)/`?\s*(?:[—–:-]+\s*(.*))?$")
_PATTERN_ITEM = re.compile(r"^\s*[-*+]\s+\**([A-Za-z][A-Za-z /-]{1,60}?)\**[ \t]{0,20}:\s*(.+)$")
_PATTERN_NAMES = {"data access": "data_access", "error handling": "error_handling", "errors": "error_handling",
                  "dependency injection": "dependency_injection", "di": "dependency_injection",
                  "logging": "logging", "testing": "testing", "tests": "testing"}
_SYSTEMS = re.compile(r"\b(modular monolith|monolith|micro-?services|serverless|event-driven)", re.IGNORECASE)


def kinds_of_phrase(phrase: str) -> tuple[str, ...]:
    """Kinds named by a free-text "we do NOT use" phrase ("message queues or event buses")."""
    found = []
    for part in re.split(r",|;|\band\b|\bor\b|\bnor\b|/(?!sub)", phrase.lower()):
        if not _ANY_NOT_USED.search(part):  # one search for most parts: a hostile line splits into thousands
            continue
        kind = next((k for pattern, k in _NOT_USED_PATTERNS if pattern.search(part)), None)
        if kind and kind not in found:
            found.append(kind)
    return tuple(found)


def markdown_context(path: str, text: str) -> Partial:
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
        heading = None if fenced else _heading(line)
        if heading is not None:
            sections.append((heading.lower(), []))
        else:
            sections[-1][1].append(line)
    return sections


def _heading(line: str) -> str | None:
    found = _HEADING.match(line)
    return found.group(1).rstrip().rstrip("#").rstrip() if found else None


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
        if found and _heading(line) is None:
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
    # bounded, and starting only where a number starts (see _HEADING): a run of digits is tried once
    number = r"(?<![\d,_])(\d[\d,_]{0,20}(?:\.\d{1,6})?)[ \t]{0,5}(k|m|thousand|million)?\b"
    users = re.search(number + r"\s{1,5}(?:\w{1,30}\s{1,5})?users", text, re.IGNORECASE)
    if users:
        out["users"] = _count(users.group(1), users.group(2))
    requests = re.search(number + r"\s{1,5}(?:requests?|req)\s{0,5}(?:per|/|a|each)\s{0,5}day", text, re.IGNORECASE)
    if requests:
        out["requests_per_day"] = _count(requests.group(1), requests.group(2))
    volume = re.search(r"(?<![\d,.])(\d[\d,.]{0,20}[ \t]{0,5}(?:[KMGTP]i?B|[kmgt]b|bytes|rows|records))\b", text)
    if volume:
        out["data_volume"] = volume.group(1)
    return out


def _count(digits: str, unit: str | None) -> int:
    scale = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}.get((unit or "").lower(), 1)
    return int(float(digits.replace(",", "").replace("_", "")) * scale)


def _md_directories(text: str) -> tuple[Layer, ...]:
    """``- `/src/services/` — Business logic`` items: where layers are, with no import rules."""
    dirs = [m.group(1) for m in map(_DIR_ITEM.match, text.splitlines()) if m]
    dirs = list(dict.fromkeys(norm_path(d) for d in dirs if d))
    names = [d.rsplit("/", 1)[-1] for d in dirs]
    if len(set(names)) != len(names):
        names = dirs
    return tuple(Layer(n, (d,), tuple(o for o in names if o != n)) for n, d in zip(names, dirs))


def _md_examples(lines: list[str]) -> tuple[str, ...]:
    paths = []
    for line in lines:
        for found in re.findall(r"(?:^(?://|#)\s*|`)([\w./-]{1,300}/[\w.-]{1,100}\.\w{1,10})`?", line):
            paths.append(norm_path(found))
    return tuple(dict.fromkeys(paths))
