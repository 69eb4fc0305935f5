"""Can one run of a function pass line ``a`` and then line ``b``? What the detectors know about paths.

Statement-level and conservative: two lines are on different paths when they sit in sibling
branches of one ``if``/``else``, ``try`` handlers and ``else`` or ``match`` cases, or when the
block holding ``a`` leaves before ``b`` (a ``return`` or ``raise`` in it, or a ``continue`` or
``break`` of a loop whose body holds ``b``). Anything else is assumed to be one path.
"""

from __future__ import annotations

import ast

from archreview.checklist.detectors._calls import body_nodes

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_LEAVES_FUNCTION = (ast.Return, ast.Raise)
_LEAVES_ITERATION = (ast.Continue, ast.Break)


def same_path(func: ast.AST, a: int, b: int) -> bool:
    """Can one run of ``func`` reach line ``b`` after line ``a`` (``a`` before ``b``)?"""
    return not exclusive(func, a, b) and not leaves_before(func, a, b)


def exclusive(func: ast.AST, a: int, b: int) -> bool:
    """Do lines ``a`` and ``b`` sit in sibling branches of one if/else, try handlers/else or match,
    so that no run of the function passes both?"""
    for node in body_nodes(func):
        arms = _arms(node)
        if len(arms) > 1:
            which = [next((i for i, (lo, hi) in enumerate(arms) if lo <= line <= hi), -1) for line in (a, b)]
            if which[0] >= 0 and which[1] >= 0 and which[0] != which[1]:
                return True
    return False


def _arms(node: ast.AST) -> list[tuple[int, int]]:
    """Line spans of the mutually exclusive branches of a statement (none for other nodes)."""
    if isinstance(node, ast.If):
        blocks = [node.body, node.orelse]
    elif isinstance(node, ast.Try | ast.TryStar):
        blocks = [*(h.body for h in node.handlers), node.orelse]  # the try body runs before either
    elif isinstance(node, ast.Match):
        blocks = [c.body for c in node.cases]
    else:
        return []
    return [(b[0].lineno, _end(b[-1])) for b in blocks if b]


def leaves_before(func: ast.AST, a: int, b: int) -> bool:
    """Does every path from line ``a`` leave before line ``b``?

    A block holding ``a`` ends, after it, in a ``return`` or ``raise`` (nothing after it in the
    function runs on that path, short of an enclosing ``try``'s handlers or ``finally``), or in a
    ``continue`` or ``break`` of a loop whose body holds ``b`` after it (the next iteration is
    another row; the code after the loop is still reached, so ``b`` there is not excluded).
    """
    if b <= a:
        return False
    for block, index, loop, guarded in _blocks_holding(func, a):
        for stmt in block[index + 1 :]:
            if stmt.lineno > b:
                break
            if isinstance(stmt, _LEAVES_FUNCTION) and stmt.lineno < b:
                return not _in_handler_or_finally(guarded, b)
            if isinstance(stmt, _LEAVES_ITERATION) and loop is not None and stmt.lineno < b <= _end(loop):
                return True
    return False


def _blocks_holding(func: ast.AST, line: int) -> list[tuple[list[ast.stmt], int, ast.AST | None, list[ast.AST]]]:
    """The statement lists that hold ``line``, innermost first: (block, index of the statement
    holding it, the innermost loop around the block, the ``try`` statements around the block)."""
    out: list[tuple[list[ast.stmt], int, ast.AST | None, list[ast.AST]]] = []
    # depth first with a stack of its own: a closure that calls itself is a reference cycle, which keeps the
    # file's tree alive until the cycle collector runs (tests/test_index_walks.py)
    todo: list[tuple[list[ast.stmt], ast.AST | None, list[ast.AST]]] = [(getattr(func, "body", []), None, [])]
    while todo:
        block, loop, tries = todo.pop()
        for i, stmt in enumerate(block):
            if stmt.lineno <= line <= _end(stmt):
                out.append((block, i, loop, tries))
                if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    inner_loop = stmt if isinstance(stmt, _LOOPS) else loop
                    inner_tries = [*tries, stmt] if isinstance(stmt, ast.Try | ast.TryStar) else tries
                    todo += [(sub, inner_loop if sub is getattr(stmt, "body", None) else loop, inner_tries)
                             for sub in reversed(_sub_blocks(stmt))]
                break
    return out[::-1]


def _sub_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [h.body for h in getattr(stmt, "handlers", [])]
    blocks += [c.body for c in getattr(stmt, "cases", [])]
    return [b for b in blocks if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


def _in_handler_or_finally(tries: list[ast.AST], line: int) -> bool:
    for t in tries:
        spans: list[ast.AST] = [*getattr(t, "handlers", []), *getattr(t, "finalbody", [])]
        if any(s.lineno <= line <= _end(s) for s in spans if isinstance(s, ast.stmt | ast.excepthandler)):
            return True
    return False


def _end(node: ast.AST) -> int:
    end = getattr(node, "end_lineno", None) or getattr(node, "lineno", 0)
    return end if isinstance(end, int) else 0
