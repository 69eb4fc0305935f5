"""Text as a person sees it.

File names are kept as git gives them (undecodable bytes as surrogate escapes,
so ``git show`` finds the file again). Anything shown - a chart label, an HTML
fragment, a terminal line - gets them as U+FFFD replacement characters instead,
since fonts, JSON messages and UTF-8 files cannot carry a lone surrogate.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any, Callable, TypeVar

T = TypeVar("T")
_SURROGATE = re.compile("[\ud800-\udfff]")


def displayable(text: str) -> str:
    """``text`` with every undecodable byte (a surrogate escape) shown as U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
        "utf-8", "surrogatepass").decode("utf-8", "replace")


def map_strings(value: T, fn: Callable[[str], str], keep: frozenset[str] = frozenset()) -> T:
    """``value`` with ``fn`` applied to every string inside it (dataclasses, tuples, lists, sets, dicts);
    parts that do not change are shared, not copied; dataclass fields named in ``keep`` are left alone.

    It runs over every fact of every file (redaction), so plain strings and numbers are told apart by
    their exact type before any call (most of the values are numbers and short strings), and each
    dataclass's field names are looked up once per class."""
    kind: type = type(value)
    if kind is str:
        return fn(value)  # type: ignore[arg-type, return-value]  # T is str here
    if kind in _ATOMS:
        return value
    return _mapped(value, kind, fn, keep)  # type: ignore[no-any-return]


def _mapped(value: Any, kind: type, fn: Callable[[str], str], keep: frozenset[str]) -> Any:
    """``map_strings`` of a value that is neither a plain string nor an atom."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, (tuple, list, frozenset, set)):
        items = []
        changed = False
        for item in value:
            item_kind = type(item)
            new = fn(item) if item_kind is str else item if item_kind in _ATOMS else _mapped(item, item_kind, fn, keep)
            changed = changed or new is not item
            items.append(new)
        return kind(items) if changed else value
    if isinstance(value, dict):
        pairs = [(map_strings(k, fn, keep), map_strings(v, fn, keep)) for k, v in value.items()]
        same = all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items()))
        return value if same else kind(pairs)
    names = _field_names(kind)
    if not names:
        return value
    changes = {}
    for name in names:
        if name in keep:
            continue
        old = getattr(value, name)
        old_kind = type(old)
        if old_kind is str:
            new = fn(old)
        elif old_kind in _ATOMS:
            continue
        else:
            new = _mapped(old, old_kind, fn, keep)
        if new is not old:
            changes[name] = new
    return dataclasses.replace(value, **changes) if changes else value


_ATOMS = frozenset({int, float, bool, type(None), bytes})


@functools.lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (``()`` for any other type), once per class."""
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else ()
