"""Plain-data encoding of the model's dataclasses, for the on-disk cache.

JSON-shaped values (lists, dicts, str, numbers) rather than pickle: a cache
entry is data read back into typed values and checked on the way, so a corrupt
or foreign entry fails to decode (``ValueError``) instead of running anything.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, get_args, get_origin

from archreview import model


def encode(value: Any) -> Any:
    """A dataclass tree -> lists/dicts/scalars (field order, no names for tuples)."""
    if dataclasses.is_dataclass(value):
        return [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    return value


def decode(cls: type, data: Any) -> Any:
    """The inverse of ``encode`` for a model dataclass; ValueError when the shape is wrong."""
    try:
        return _decode(cls, data)
    except (TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"cannot decode {cls.__name__}: {exc}") from exc


@cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls, vars(model))
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _decode(tp: Any, data: Any) -> Any:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        fields = _hints(tp)
        if not isinstance(data, list) or len(data) != len(fields):
            raise ValueError(f"{tp.__name__}: expected {len(fields)} fields")
        return tp(*(_decode(t, v) for (_, t), v in zip(fields, data)))
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(data, list):
            raise ValueError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(t, v) for t, v in zip(args, data, strict=True))
    if origin in (types.UnionType, typing.Union):
        if data is None and type(None) in get_args(tp):
            return None
        kinds = [a for a in get_args(tp) if a is not type(None)]
        return _decode(kinds[0], data)
    if tp is float and isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    if tp in (str, int, bool) and type(data) is tp:
        return data
    if tp is object:
        return data
    raise ValueError(f"expected {tp}, got {type(data).__name__}")
