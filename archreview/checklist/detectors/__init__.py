"""Static detectors for the checklist's failure modes.

The registry is a plain tuple of functions per category module; each takes a
``FileContext`` and yields ``Finding`` values. Repository-level items (20-22)
are computed from the change analysis in ``archreview.checklist.detectors.repo``.
"""

from __future__ import annotations

import ast

from archreview.checklist.detectors import concurrency, data_integrity, load, partial_failure, scale, security
from archreview.checklist.placement import place
from archreview.facts.index import FileContext, dotted
from archreview.core.model import Finding

FILE_DETECTORS: tuple = (
    *partial_failure.DETECTORS,  # items 1-4
    *concurrency.DETECTORS,  # items 5-7
    *data_integrity.DETECTORS,  # items 8-10
    *load.DETECTORS,  # items 11-13
    *security.DETECTORS,  # items 14-16
    *scale.DETECTORS,  # items 17-19
)


def file_findings(path: str, tree: ast.Module, text: str, ctx: FileContext | None = None) -> tuple[Finding, ...]:
    """Run every file detector on one parsed Python file (``ctx`` reuses an indexed tree)."""
    ctx = ctx or FileContext(path, tree, text)
    found: list[Finding] = []
    for detector in FILE_DETECTORS:
        found.extend(detector(ctx))
    dead = _unreachable(ctx) if found else []
    live = [f for f in found if not any(a <= f.line <= b for a, b in dead)]
    placed = place(live, task_runner(ctx), run_by_hand(ctx), command_spans(ctx))
    return tuple(sorted(placed, key=lambda f: (f.line, f.item, f.rule)))


_TASK_RUNNERS = ("invoke", "fabric", "fabric2", "paver", "doit")


def task_runner(ctx: FileContext) -> bool:
    """Does the file define developer tasks (``from invoke import task``)? Its name says nothing:
    ``tasks.py`` is as often a Celery module."""
    return not ctx.imported_roots.isdisjoint(_TASK_RUNNERS)


def run_by_hand(ctx: FileContext) -> bool:
    """Does the module end in ``if __name__ == "__main__":`` (at its top level), i.e. is it run as a script?"""
    return any(_is_main_guard(node.test) for node in ctx.tree.body if isinstance(node, ast.If))


_CLI_LIBRARIES = ("click", "asyncclick", "typer", "cloup")


def command_spans(ctx: FileContext) -> list[tuple[int, int]]:
    """Line spans of the functions registered as command-line commands: decorated ``@<x>.command``
    or ``@<x>.group`` (with or without a call) in a file that imports click or typer, or through a
    Flask app's or blueprint's ``cli`` (``@app.cli.command("init-db")``). Other ``.command``
    decorators (a Slack or Discord bot's) are request handlers and stay production."""
    cli_file = not ctx.imported_roots.isdisjoint(_CLI_LIBRARIES)
    spans = []
    for fn in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
        for deco in fn.decorator_list:
            name = dotted(deco.func if isinstance(deco, ast.Call) else deco)
            if name.rsplit(".", 1)[-1] in ("command", "group") and (cli_file or ".cli." in f".{name}"):
                spans.append((fn.lineno, fn.end_lineno or fn.lineno))
                break
    return spans


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


_ENDS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_BLOCK_FIELDS = ("body", "orelse", "finalbody")
# Every node type with a statement block, read from the ast module itself (match_case, TryStar...).
_BLOCKS = tuple(t for t in vars(ast).values()
                if isinstance(t, type) and issubclass(t, ast.AST) and set(_BLOCK_FIELDS) & set(t._fields))


def _unreachable(ctx: FileContext) -> list[tuple[int, int]]:
    """Line ranges of statements that follow a return/raise/continue/break in the same block: never run."""
    out = []
    for node in (n for t in _BLOCKS for n in ctx.nodes(t)):  # the index's buckets: no walk of the tree
        for field in _BLOCK_FIELDS:
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            end = next((i for i, stmt in enumerate(block) if isinstance(stmt, _ENDS)), None)
            if end is not None and end + 1 < len(block):
                out.append((block[end + 1].lineno, block[-1].end_lineno or block[-1].lineno))
    return out
