"""Dual writes in a request Django runs in one transaction: ``ATOMIC_REQUESTS``.

With ``'ATOMIC_REQUESTS': True`` on a database in ``DATABASES``, Django wraps each view in a transaction and
commits when the view returns. A ``save()`` in the view, or in what it calls as it handles the request (a DRF
serializer's ``create``), is then not a commit, and neither is the end of a ``transaction.atomic()`` block inside
it (a savepoint): a task enqueued after it is sent *before* the commit. ``dual_write.commit_then_publish`` names
the wrong order there (jumpserver's ``OAuthBindMessage(...).publish_async()`` after ``user.save()`` in a view;
openedx/ecommerce's revoke serializer; held6 and held9, labelled false for that reason; tuned after looking).

Per file, ``AcrossModules`` records the lines of a settings dict that turns ``ATOMIC_REQUESTS`` on
(``atomic_requests``), and the line spans of the functions that handle a request and commit nothing explicitly
(``request_spans``): a function with a
``request`` parameter, or a method of a Django or DRF view or serializer class, with no ``commit()`` call and no
``non_atomic_requests`` decorator. The repository stage drops a ``commit_then_publish`` inside such a span when the
settings turn it on. A top-level ``ATOMIC_REQUESTS = True`` is not read by Django (the key belongs in a
``DATABASES`` entry), so it turns nothing on here either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

from archreview.checklist.detectors._calls import body_calls, is_commit
from archreview.core.model import FileFacts, Finding
from archreview.facts.index import FileContext, dotted

RULE = "dual_write.commit_then_publish"

_VIEW_BASES = ("View", "ViewSet", "APIView", "ViewSetMixin", "Serializer")


def atomic_request_facts(ctx: FileContext) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """(lines turning ATOMIC_REQUESTS on, spans of the functions that handle a request) of one file."""
    if ctx.is_test or "django" not in ctx.text and "rest_framework" not in ctx.text and \
            "ATOMIC_REQUESTS" not in ctx.text:
        return (), ()
    on = tuple(_turned_on(ctx)) if "ATOMIC_REQUESTS" in ctx.text else ()
    spans: tuple[tuple[int, int], ...] = ()
    if "save(" in ctx.text or "objects." in ctx.text:
        owners = {id(f): c for c in ctx.nodes(ast.ClassDef) for f in c.body}
        spans = tuple((f.lineno, f.end_lineno or f.lineno) for f in ctx.functions()
                      if _handles_request(f, owners.get(id(f))) and not any(is_commit(c) for c in body_calls(f)))
    return on, spans


def _turned_on(ctx: FileContext) -> list[int]:
    """Lines where a settings dict sets ``'ATOMIC_REQUESTS': True`` or a DATABASES entry is given it."""
    lines = []
    for entry in ctx.nodes(ast.Dict):
        for k, v in zip(entry.keys, entry.values):
            if isinstance(k, ast.Constant) and k.value == "ATOMIC_REQUESTS" and _true(v):
                lines.append(k.lineno)
    for assign in ctx.nodes(ast.Assign):  # DATABASES["default"]["ATOMIC_REQUESTS"] = True
        for t in assign.targets:
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and \
                    t.slice.value == "ATOMIC_REQUESTS" and "DATABASES" in ast.unparse(t.value) and _true(assign.value):
                lines.append(assign.lineno)
    return lines


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _handles_request(func: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None) -> bool:
    if any("non_atomic_requests" in ast.unparse(d) for d in func.decorator_list):
        return False
    if any(a.arg == "request" for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)):
        return True
    if owner is None or any("non_atomic_requests" in ast.unparse(d) for d in owner.decorator_list):
        return False
    return any(dotted(b).rsplit(".", 1)[-1].endswith(_VIEW_BASES) for b in owner.bases)


def drop_atomic_request_dual_writes(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """The findings without the commit-then-publish ones a request's own transaction makes wrong."""
    found = list(findings)
    if not any(f.across and f.across.atomic_requests for f in files):
        return found
    spans = {f.path: f.across.request_spans for f in files if f.across and f.across.request_spans}
    return [f for f in found if not (f.rule == RULE and any(lo <= f.line <= hi for lo, hi in spans.get(f.path, ())))]
