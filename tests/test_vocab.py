"""One definition of each vocabulary, and value objects typed with them."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing

import archreview
from archreview.core import vocab


def _modules():
    for info in pkgutil.walk_packages(archreview.__path__, "archreview."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def test_the_worst_first_order_holds_every_status_once() -> None:
    assert sorted(vocab.VERDICT_ORDER) == sorted(vocab.STATUSES)
    assert len(set(vocab.VERDICT_ORDER)) == len(vocab.STATUSES) == 5
    assert vocab.VERDICT_ORDER[0] == "fail" and vocab.STATUSES[0] == "unreviewed"


def test_severity_rank_follows_the_severities() -> None:
    assert [vocab.SEVERITY_RANK[s] for s in vocab.SEVERITIES] == [1, 2, 3, 4]
    assert vocab.SEVERITIES[-1] == "critical"


def test_every_module_uses_the_one_tuple_of_each_vocabulary() -> None:
    """A module that re-exports a vocabulary name holds the very tuple of core.vocab, not a copy."""
    names = [n for n, v in vars(vocab).items() if n.isupper() and isinstance(v, tuple)]
    assert {"KINDS", "STATUSES", "SEVERITIES", "VERDICT_ORDER", "FIT_VERDICTS", "ROLES"} <= set(names)
    checked = 0
    for module in _modules():
        for name in names:
            if name in vars(module):
                assert vars(module)[name] is getattr(vocab, name), f"{module.__name__}.{name} is a second copy"
                checked += 1
    assert checked >= 4  # decisions, checklist.items, workbook.review, report.portfolio...


def test_no_dataclass_field_is_typed_object() -> None:
    seen = 0
    for module in _modules():
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and isinstance(value, type) and value.__module__ == module.__name__:
                hints = typing.get_type_hints(value, vars(module))
                for field in dataclasses.fields(value):
                    hint = hints[field.name]
                    args = typing.get_args(hint)
                    assert hint is not object and object not in args, f"{value.__qualname__}.{field.name}: {hint}"
                    seen += 1
    assert seen > 100
