"""Delete cascades from a parent the application soft-deletes: a cascade that deleting never fires.

``cascade.delete`` warns that deleting the parent row silently deletes the children. When the parent's
model declares a soft-delete field (``is_deleted``, ``deleted_at``...), the application marks it deleted
and keeps the row, so the cascade is a referential backstop, not a path the business data takes (keep's
``Incident.rule_id`` to ``Rule``, whose ``delete_rule`` sets ``is_deleted``; held12, tuned after looking).

Per file, ``AcrossModules`` records the model classes with a soft-delete field under the names a foreign key
or a relation can give them (``soft_deleted``: its ``__tablename__``, its class name, lower-cased and in snake
case), and, for every cascade the detector reports, its line and the parent it cascades from (``cascades``:
the table a ``ForeignKey(..., ondelete="CASCADE")`` or Django ``ForeignKey(Parent, on_delete=CASCADE)``
points to, or the class a ``relationship(..., cascade="all, delete")`` is declared on). The repository stage drops a
cascade finding whose parent is soft-deleted: the field is read, so the evidence is exact.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence

from archreview.checklist.detectors._calls import kwarg
from archreview.checklist.detectors.data_integrity import const_text, django_cascade
from archreview.core.model import Cascade, FileFacts, Finding
from archreview.facts.index import FileContext, dotted

RULE = "cascade.delete"

_SOFT_FIELDS = re.compile(r"^(is_deleted|deleted|deleted_at|deleted_on|deleted_date|date_deleted|is_removed|"
                          r"removed_at|deletion_date|soft_deleted)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# the called names ``_parent`` reads; a call of a call (``ForeignKey()(...)``, named "" by ``calls_named``) starts
# where the call it calls does, so its line is among theirs
_CASCADE_CALLS = ("relationship", "ForeignKey", "OneToOneField")


def soft_delete_facts(ctx: FileContext) -> tuple[tuple[str, ...], tuple[Cascade, ...]]:
    """(the names the file's soft-deleted models go by, the delete cascades it declares), each once, in order."""
    text = ctx.text
    if "delete" not in text.lower():
        return (), ()
    soft: list[str] = []
    cascades: list[Cascade] = []
    # only a call named so can declare a cascade (``_parent``): a class or statement holding none on its lines is not walked
    lines = sorted({c.lineno for c in ctx.calls_named(*_CASCADE_CALLS)})
    for cls in ctx.nodes(ast.ClassDef):
        fields = [t for stmt in cls.body for t in _targets(stmt)]
        if any(_SOFT_FIELDS.match(f) for f in fields):
            soft += _names(cls)
        if not _holds(lines, cls):
            continue
        for stmt in cls.body:
            if not _holds(lines, stmt):
                continue
            for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                parent = _parent(cls, call)
                if parent:
                    cascades.append(Cascade(call.lineno, parent))
    return tuple(dict.fromkeys(soft)), tuple(dict.fromkeys(cascades))


def _holds(lines: list[int], node: ast.stmt) -> bool:
    """Does one of the (sorted) ``lines`` fall within the lines of ``node``, its decorators' included?"""
    decorators = getattr(node, "decorator_list", None)
    at = bisect_left(lines, decorators[0].lineno if decorators else node.lineno)
    return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)


def _targets(stmt: ast.stmt) -> Iterator[str]:
    if isinstance(stmt, ast.Assign):
        yield from (t.id for t in stmt.targets if isinstance(t, ast.Name))
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        yield stmt.target.id


def _names(cls: ast.ClassDef) -> list[str]:
    table = next((s.value.value for s in cls.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)
                  and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in s.targets)), None)
    names = [cls.name, cls.name.lower(), _CAMEL.sub("_", cls.name).lower()]
    return names + ([str(table)] if table else [])


def _parent(cls: ast.ClassDef, call: ast.Call) -> str:
    """The name of the parent a delete cascade declared in ``cls`` goes from, or "" (the cascade shapes
    ``detectors.data_integrity.cascades`` reports)."""
    name = dotted(call.func).rsplit(".", 1)[-1]
    if name == "relationship" and "delete" in const_text(kwarg(call, "cascade")):
        return cls.name
    if name == "ForeignKey" and const_text(kwarg(call, "ondelete")).upper() == "CASCADE" and call.args:
        target = const_text(call.args[0])
        return target.rsplit(".", 2)[-2] if target.count(".") >= 1 else ""
    if name in {"ForeignKey", "OneToOneField"} and django_cascade(call) and call.args:
        target = (const_text(call.args[0]) or dotted(call.args[0])).rsplit(".", 1)[-1]
        return cls.name if target == "self" else target
    return ""


def drop_soft_deleted_cascades(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    found = list(findings)
    soft = {name for f in files if f.across for name in f.across.soft_deleted}
    if not soft:
        return found
    parents = {(f.path, c.line): c.parent for f in files if f.across for c in f.across.cascades}
    return [f for f in found if not (f.rule == RULE and parents.get((f.path, f.line)) in soft)]
