"""Where a finding sits in a Python file: its enclosing function and statement.

The code of a compound statement (``def``, ``if``, ``with``...) is its header only,
so an edit inside its body does not change the identity of a finding on the header.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from archreview.core.fingerprint import Place
from archreview.core.model import Finding

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def python_places(tree: ast.Module, lines: list[str]) -> Callable[[Finding], Place]:
    """A ``place_of`` function for the findings of one parsed file (one walk, made on first use)."""
    spans: list[tuple[int, int, int, str]] = []  # (first line, last line, header end, qualified scope)

    def place_of(f: Finding) -> Place:
        if not spans:
            _walk(tree.body, "", spans)
        containing = [s for s in spans if s[0] <= f.line <= s[1]]
        if not containing:
            text = lines[f.line - 1] if 1 <= f.line <= len(lines) else f.snippet
            return "", text
        first, _, header_end, scope = max(containing, key=lambda s: (s[0], -s[1]))
        return scope, "\n".join(lines[first - 1 : header_end])

    return place_of


def _walk(body: list[ast.stmt], scope: str, spans: list[tuple[int, int, int, str]]) -> None:
    """Each statement's span, header and scope, in source order (a module function: a closure that
    calls itself is a reference cycle, left for the cycle collector)."""
    for stmt in body:
        inner = (f"{scope}.{stmt.name}" if scope else stmt.name) if isinstance(stmt, _SCOPES) else scope
        blocks: list[list[ast.stmt]] = [getattr(stmt, f, []) for f in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(stmt, "handlers", [])]
        blocks += [c.body for c in getattr(stmt, "cases", [])]
        starts = [b[0].lineno for b in blocks if b]
        starts += [h.lineno for h in getattr(stmt, "handlers", [])]
        first_child = min(starts, default=0)
        end = stmt.end_lineno or stmt.lineno
        header_end = first_child - 1 if first_child > stmt.lineno else (stmt.lineno if starts else end)
        spans.append((stmt.lineno, end, header_end, scope))
        for handler in getattr(stmt, "handlers", []):
            inside = handler.body[0].lineno if handler.body else handler.lineno + 1
            spans.append((handler.lineno, handler.end_lineno or handler.lineno, max(handler.lineno, inside - 1),
                          inner))
        for block in blocks:
            _walk(block, inner, spans)


def line_places(lines: list[str]) -> Callable[[Finding], Place]:
    """For files without a syntax tree: the finding's own line."""
    return lambda f: ("", lines[f.line - 1] if 1 <= f.line <= len(lines) else f.snippet)
