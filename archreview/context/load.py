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

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from archreview.core.vocab import KINDS
from archreview.context.declared import (  # noqa: F401  (kinds_of_phrase is part of the public API)
    Partial, import_linter_layers, kinds_of_phrase, lenient_toml, markdown_context, norm_path, tach_layers)
from archreview.core.errors import BadContext
from archreview.core.model import Context as Context, Layer as Layer, Scale  # Context: what load_context returns

PATTERN_KEYS = ("data_access", "error_handling", "dependency_injection", "logging", "testing")
FIELDS = ("system", "stack", "layers", "patterns", "patterns_not_used", "scale", "examples")
CONTEXT_FILES: tuple[str, ...] = (
    "archreview.toml", "pyproject.toml", ".importlinter", "setup.cfg", "tach.toml",
    "ARCHITECTURE.md", "docs/ARCHITECTURE.md",
)

class _Fail(Protocol):
    """Builds the BadContext for one key: the message, and where in the table it is."""

    def __call__(self, message: str, *where: str | int, value: str | None = None) -> BadContext: ...


# [ \t], not \s: with MULTILINE a \s* at every line start runs over all the blank lines after it
_ARCHREVIEW_HEADER = re.compile(r"^[ \t]*\[+[ \t]*tool\.archreview\b", re.MULTILINE)


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
    pyproject = lenient_toml(texts.get("pyproject.toml"))
    if "archreview" in pyproject.get("tool", {}) or (not pyproject and _ARCHREVIEW_HEADER.search(
            texts.get("pyproject.toml", ""))):  # a broken pyproject that meant to declare a context
        partials.append(_archreview_file("pyproject.toml", texts["pyproject.toml"]))
    partials.append(import_linter_layers(texts, pyproject))
    partials.append(tach_layers(texts.get("tach.toml")))
    for path in ("ARCHITECTURE.md", "docs/ARCHITECTURE.md"):
        if path in texts:
            partials.append(markdown_context(path, texts[path]))
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
    except RecursionError:
        raise BadContext("not usable TOML: nested too deeply; flatten it", path=path) from None


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


def _str(value: Any, fail: _Fail, *where: str | int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{_dotted(where)}: expected a non-empty string, got {_show(value)}", *where)
    return value.strip()


def _strings(value: Any, fail: _Fail, *where: str | int) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail(f"{_dotted(where)}: expected a list of strings, got {_show(value)}", *where)
    return tuple(_str(v, fail, *where) for v in value)


def _check_system(value: Any, fail: _Fail) -> str:
    return _str(value, fail, "system")


def _check_stack(value: Any, fail: _Fail) -> tuple[str, ...]:
    return _strings(value, fail, "stack")


def _check_examples(value: Any, fail: _Fail) -> tuple[str, ...]:
    return tuple(norm_path(p) for p in _strings(value, fail, "examples"))


def _check_patterns(value: Any, fail: _Fail) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail(f"patterns: expected a table of {', '.join(PATTERN_KEYS)}, got {_show(value)}", "patterns")
    for key in value:
        if key not in PATTERN_KEYS:
            raise fail(f"patterns: unknown key '{key}'; use one of {', '.join(PATTERN_KEYS)}", "patterns", key)
    return {k: _str(v, fail, "patterns", k) for k, v in value.items()}


def _check_not_used(value: Any, fail: _Fail) -> tuple[str, ...]:
    kinds = _strings(value, fail, "patterns_not_used")
    for kind in kinds:
        if kind not in KINDS:
            hint = difflib.get_close_matches(kind, KINDS, n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise fail(f"patterns_not_used: unknown kind '{kind}'{also}; use one of {', '.join(KINDS)}",
                       "patterns_not_used", value=kind)
    return kinds


def _check_scale(value: Any, fail: _Fail) -> dict[str, Any]:
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


def _check_layers(value: Any, fail: _Fail) -> tuple[Layer, ...]:
    if not isinstance(value, list):
        raise fail("layers: expected an array of tables ([[layers]] with name, paths, may_import), "
                   f"got {_show(value)}", "layers")
    return tuple(_check_layer(i, item, fail) for i, item in enumerate(value))


def _check_layer(i: int, item: Any, fail: _Fail) -> Layer:
    if not isinstance(item, dict):
        raise fail(f"layers[{i}]: expected a table with name, paths, may_import, got {_show(item)}", "layers", i)
    for key in item:
        if key not in ("name", "paths", "may_import"):
            raise fail(f"layers[{i}]: unknown key '{key}'; use name, paths, may_import", "layers", i, key)
    if "name" not in item:
        raise fail(f"layers[{i}]: missing 'name'", "layers", i)
    name = _str(item["name"], fail, "layers", i, "name")
    paths = tuple(norm_path(p) for p in _strings(item.get("paths", []), fail, "layers", i, "paths"))
    if not paths or not all(paths):
        raise fail(f"layer '{name}' has no paths; give the folders it covers, e.g. paths = [\"src/{name}\"]",
                   "layers", i, "paths" if "paths" in item else "name")
    may = _strings(item.get("may_import", []), fail, "layers", i, "may_import")
    return Layer(name, paths, may)


def _check_layer_names(layers: tuple[Layer, ...], fail: _Fail) -> None:
    names = [layer.name for layer in layers]
    for i, layer in enumerate(layers):
        if names.index(layer.name) != i:
            raise fail(f"layer '{layer.name}' is declared twice", "layers", i, "name")
        for other in layer.may_import:
            if other not in names:
                raise fail(f"layer '{layer.name}': may_import names unknown layer '{other}'; "
                           f"declared layers are {', '.join(names)}", "layers", i, "may_import", value=other)


_CHECKS: dict[str, Callable[[Any, _Fail], Any]] = {
    "system": _check_system, "stack": _check_stack, "examples": _check_examples,
    "patterns": _check_patterns, "patterns_not_used": _check_not_used,
    "scale": _check_scale, "layers": _check_layers,
}


def _dotted(where: tuple[str | int, ...]) -> str:
    return "".join(f"[{w}]" if isinstance(w, int) else (f".{w}" if i else w) for i, w in enumerate(where))


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _key_of(line: str, pattern: re.Pattern[str]) -> str | None:
    """The key of a ``key = value`` line, or None."""
    head, equals, _ = line.partition("=")
    key = head.strip()
    return key if equals and pattern.fullmatch(key) else None


class _Locator:
    """Lines of keys in a TOML text (tomllib gives values, not places).

    Each header and key line gets a position such as ``("layers", 2, "paths")``
    (array-of-tables counted); a lookup falls back to the nearest enclosing
    header or key, then to the line holding the offending value.
    """

    # no lazy group beside a \s*: on a long line of spaces that backtracks in cubic time
    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]\s](?:[^\]]*[^\]\s])?)\s*\]\]?")
    _KEY = re.compile(r"[A-Za-z0-9_\-\"'. ]+")  # the whole key, once stripped (_key_of)

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
            elif (key := _key_of(line, self._KEY)) is not None:
                self.entries.append((number, (*current, *(_unquote(k) for k in key.split(".")))))

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
