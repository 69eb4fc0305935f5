"""Facts about one Python file from one parse: imports, structure and radon metrics.

The tree is parsed once by the caller and walked once (``FileContext``).
radon's metrics are computed from that index with radon's own rules and
formulas: cyclomatic complexity and Halstead give radon's numbers exactly
(checked on all of Django and CPython's standard library), the maintainability
index comes from ``radon.metrics.mi_compute``. radon's visitors are not run
because each walks the whole tree again in Python, and ``radon.raw.analyze`` is
not used because it re-tokenises line by line (about five times a full tokenize
pass, PERF_NOTES.md) while MI needs only its SLOC and comment counts.
"""

from __future__ import annotations

import ast
import bisect
import math
from collections.abc import Callable, Iterator

from radon.metrics import mi_compute

from archreview.facts.index import FileContext, dotted, nesting, under
from archreview.core.model import ClassInfo, FunctionMetric, Halstead, RawImport, RawMetrics

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_ABSTRACT_BASES = {"ABC", "abc.ABC", "Protocol", "typing.Protocol", "typing_extensions.Protocol"}


def iter_statements(tree: ast.Module, enter: Callable[[ast.stmt], bool] | None = None
                    ) -> Iterator[tuple[ast.stmt, bool, bool]]:
    """Every statement with (inside a function, inside ``if TYPE_CHECKING``); with ``enter``, only
    the blocks of the statements it accepts are entered.

    Walks statement bodies only, never expressions: about five times cheaper
    than ``ast.walk`` and enough for imports, classes and functions.
    """
    stack: list[tuple[ast.stmt, bool, bool]] = [(s, False, False) for s in reversed(tree.body)]
    while stack:
        stmt, local, checking = stack.pop()
        yield stmt, local, checking
        if type(stmt) not in _WITH_BLOCKS or (enter is not None and not enter(stmt)):  # most hold no block
            continue
        inner_local = local or isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(stmt, name, None)
            if not block:
                continue
            inner_checking = checking or (name == "body" and _is_type_checking(stmt))
            for child in reversed(block):
                if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    stack.extend((s, inner_local, inner_checking) for s in reversed(child.body))
                else:
                    stack.append((child, inner_local, inner_checking))


# Statement types with statement blocks, and those with decorators or clause headers, read from
# the ast module itself (iter_statements and logical_lines look no further for any other statement).
_STATEMENTS = [t for t in vars(ast).values() if isinstance(t, type) and issubclass(t, ast.stmt)]
_WITH_BLOCKS = frozenset(t for t in _STATEMENTS
                         if {"body", "orelse", "finalbody", "handlers", "cases"} & set(t._fields))
_WITH_HEADERS = frozenset(t for t in _STATEMENTS
                          if {"decorator_list", "handlers", "orelse", "finalbody"} & set(t._fields))


def logical_lines(stmt: ast.stmt) -> int:
    """radon's LLOC for one statement's own lines: itself, decorators, and clause headers.

    ``else:``/``except:``/``finally:`` lines count as in radon; an ``elif`` is an
    ``If`` statement in ``orelse`` and counts as itself. radon also counts a line
    whose colon is not last (``if x: y``, but also a dict literal) as two; that
    token heuristic is not reproduced, so LLOC and MI differ slightly from radon's.
    """
    if type(stmt) not in _WITH_HEADERS:  # no decorators, handlers, else or finally: its own line
        return 1
    count = 1 + len(getattr(stmt, "decorator_list", ()))
    count += len(getattr(stmt, "handlers", ()))
    orelse = getattr(stmt, "orelse", None)
    if orelse and not (isinstance(stmt, ast.If) and len(orelse) == 1 and isinstance(orelse[0], ast.If)
                       and orelse[0].col_offset == stmt.col_offset):
        count += 1
    if getattr(stmt, "finalbody", None):
        count += 1
    return count


def logical_lines_of(ctx: FileContext) -> int:
    """radon's LLOC of the whole file: ``logical_lines`` summed over every statement, read from the
    index's buckets (a statement without decorators, handlers, else or finally counts one)."""
    return ctx.count(*_STATEMENTS) - ctx.count(*_WITH_HEADERS) + sum(map(logical_lines, ctx.in_any_order(*_WITH_HEADERS)))


def imports_in(tree: ast.Module, ctx: FileContext) -> list[RawImport]:
    """``imports_of`` each import statement, in ``iter_statements`` order with its flags; blocks whose
    lines hold no import statement (the index knows their lines) are not entered."""
    starts = sorted({n.lineno for n in ctx.in_any_order(ast.Import, ast.ImportFrom)})
    if not starts:
        return []

    def holds_one(stmt: ast.stmt) -> bool:
        first = bisect.bisect_left(starts, stmt.lineno)
        return first < len(starts) and starts[first] <= (stmt.end_lineno or stmt.lineno)

    return [i for stmt, local, checking in iter_statements(tree, holds_one) if type(stmt) in _IMPORTS
            for i in imports_of(stmt, local, checking)]


_IMPORTS = (ast.Import, ast.ImportFrom)


def docstring_spans(ctx: FileContext) -> list[tuple[int, int]]:
    """(first, last) line of each bare string statement (docstrings and string "comments"), in no order."""
    return [(s.lineno, s.end_lineno or s.lineno) for s in ctx.in_any_order(ast.Expr)
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)]


def _is_type_checking(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If):
        return False
    test = stmt.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(stmt: ast.stmt, local: bool, checking: bool) -> list[RawImport]:
    if isinstance(stmt, ast.Import):
        return [RawImport(a.name, stmt.lineno, 0, (), checking, local) for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom):
        names = tuple(a.name for a in stmt.names)
        return [RawImport(stmt.module or "", stmt.lineno, stmt.level or 0, names, checking, local)]
    return []


def class_info(node: ast.ClassDef) -> ClassInfo:
    bases = tuple(dotted(b) for b in node.bases)
    methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    abstract = any(b in _ABSTRACT_BASES for b in bases) or any(
        "abstractmethod" in dotted(d) for m in methods for d in m.decorator_list
    ) or any(isinstance(k.value, ast.Name) and k.value.id == "ABCMeta" for k in node.keywords)
    decorators = tuple(dotted(d) for d in node.decorator_list)
    return ClassInfo(node.name, node.lineno, bases, tuple(m.name for m in methods), abstract, decorators)


_DECISIONS = (ast.If, ast.IfExp, ast.Try, ast.BoolOp, ast.Match, ast.For, ast.While, ast.AsyncFor,
              ast.comprehension, ast.Assert)
Block = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def complexity_of(ctx: FileContext) -> tuple[tuple[FunctionMetric, ...], int]:
    """radon's cyclomatic complexity per function and method, and the file total MI uses.

    Same numbers as ``radon.visitors.ComplexityVisitor`` (checked equal on every
    file of Django and of CPython's standard library): a block's complexity is 1
    plus its decision points outside nested functions and classes; decorators,
    signatures, class bases and the inside of ``assert`` are not looked at; listed
    are module-level functions and the methods of module-level classes; the
    total adds class-level decisions and methods but no closures or inner
    classes. radon walks the tree in Python per block; this reads the decision
    nodes the shared index holds and assigns each to its block by line.
    """
    blocks: list[Block] = ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    lost = _unvisited(ctx, blocks)
    nested = nesting(blocks, len(ctx.lines))
    children: dict[int, list[Block]] = {}
    for b in blocks:
        children.setdefault(id(nested.parents[id(b)]), []).append(b)
    decisions: dict[int, int] = {}
    for node in ctx.in_any_order(*_DECISIONS):  # summed per block: the order does not matter
        if id(node) not in lost:
            key = id(nested.owner(_decision_line(node)))
            decisions[key] = decisions.get(key, 0) + _weight(node)

    def inner(block: Block) -> int:
        return decisions.get(id(block), 0)

    functions: list[FunctionMetric] = []
    total = 1 + decisions.get(id(None), 0)
    for block in children.get(id(None), ()):
        if isinstance(block, ast.ClassDef):
            total += inner(block)
            for method in (m for m in children.get(id(block), ()) if not isinstance(m, ast.ClassDef)):
                functions.append(_metric(method, f"{block.name}.{method.name}", 1 + inner(method), True))
                total += 1 + inner(method)
        else:
            functions.append(_metric(block, block.name, 1 + inner(block), False))
            total += inner(block)
    return tuple(sorted(functions, key=lambda f: (f.line, f.name))), total


def _decision_line(node: ast.AST) -> int:
    """A decision's line; a comprehension has none of its own, its target's is used."""
    if isinstance(node, ast.comprehension):
        return node.target.lineno
    assert isinstance(node, ast.stmt | ast.expr), node  # every other _DECISIONS type is one
    return node.lineno


def _unvisited(ctx: FileContext, blocks: list[Block]) -> set[int]:
    """Nodes radon's complexity visitor never reaches: decorators, signatures, bases, assert bodies.

    Only the decisions an expression can hold (``_INLINE_DECISIONS``; no statement sits inside one) are
    looked up in it, so only the parts whose lines hold one of those are walked (sympy's test files
    assert large expressions: walking every assert was 3% of its per-file stage)."""
    inline = ctx.in_any_order(*_INLINE_DECISIONS)
    if not inline:
        return set()
    parts: list[ast.AST | None] = []
    for b in blocks:
        parts += b.decorator_list
        parts += [*b.bases, *(k.value for k in b.keywords)] if isinstance(b, ast.ClassDef) else [b.args, b.returns]
    parts += [p for a in ctx.bucket(ast.Assert) for p in (a.test, a.msg)]
    return {id(n) for n in under(_holding(parts, sorted({_decision_line(n) for n in inline})))}


_INLINE_DECISIONS = (ast.IfExp, ast.BoolOp, ast.comprehension)


def _holding(parts: list[ast.AST | None], lines: list[int]) -> list[ast.AST | None]:
    """The parts whose lines hold one of ``lines`` (sorted), and those with no position (``arguments``):
    an expression's nodes lie within its lines."""
    out: list[ast.AST | None] = []
    for part in parts:
        start = getattr(part, "lineno", None)
        if start is None:
            out.append(part)
            continue
        first = bisect.bisect_left(lines, start)
        if first < len(lines) and lines[first] <= (getattr(part, "end_lineno", None) or start):
            out.append(part)
    return out


def _weight(node: ast.AST) -> int:
    if isinstance(node, ast.Try):
        return len(node.handlers) + bool(node.orelse)
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.If | ast.IfExp | ast.Assert):
        return 1
    if isinstance(node, ast.Match):
        wildcard = any(getattr(case.pattern, "pattern", False) is None for case in node.cases)
        return max(0, len(node.cases) - wildcard)
    if isinstance(node, ast.For | ast.While | ast.AsyncFor):
        return bool(node.orelse) + 1
    if isinstance(node, ast.comprehension):
        return len(node.ifs) + 1  # a comprehension's for and its ifs
    return 0


def _metric(node: FunctionNode, name: str, cc: int, is_method: bool) -> FunctionMetric:
    return FunctionMetric(
        name=name, line=node.lineno, end_line=node.end_lineno or node.lineno, cc=cc, is_method=is_method,
        is_async=isinstance(node, ast.AsyncFunctionDef),
        has_docstring=ast.get_docstring(node, clean=False) is not None,
        args=len(node.args.args) + len(node.args.kwonlyargs),
    )


def raw_metrics(lines: list[str], docstring_spans: list[tuple[int, int]], string_lines: set[int], lloc: int) -> RawMetrics:
    """radon-style line counts from the parse instead of a tokenizer pass.

    ``docstring_spans``: lines of bare string statements (one-line ones count as
    comment lines, longer ones as radon's "multi"); ``string_lines``: lines
    strictly inside any multi-line string, where a ``#`` is text, not a comment.
    """
    in_doc: set[int] = set()
    one_line: set[int] = set()
    for start, end in docstring_spans:
        if end > start:
            in_doc.update(range(start, end + 1))
        else:
            one_line.add(start)
    blank = multi = single = comments = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            blank += 1
        elif number in in_doc:
            multi += 1
        elif number in string_lines:
            continue  # counted as source below
        elif stripped.startswith("#"):
            single += 1
            comments += 1
        elif number in one_line:
            single += 1
        elif "#" in stripped and _has_inline_comment(stripped):
            comments += 1
    loc = len(lines)
    sloc = loc - blank - multi - single
    return RawMetrics(loc=loc, lloc=lloc, sloc=sloc, comments=comments, multi=multi, blank=blank)


def _has_inline_comment(line: str) -> bool:
    quote = ""
    escaped = False
    for ch in line:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return True
    return False


def maintainability(volume: float, complexity: int, raw: RawMetrics) -> float:
    """radon's MI with multi-line strings counted as comments (radon's ``-m`` default)."""
    comments = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0
    return round(float(mi_compute(volume, complexity, raw.lloc, comments)), 2)


Operation = ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.AugAssign | ast.Compare
_OPERATIONS: tuple[type[Operation], ...] = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.AugAssign, ast.Compare)
_OPERAND_FIELD = {ast.Name: "id", ast.Attribute: "attr", ast.Constant: "value"}


def halstead_of(ctx: FileContext) -> Halstead:
    """radon's file-level Halstead metrics, from the file's one indexed walk.

    Same counting as ``radon.metrics.h_visit_ast``: operators are the
    operations' operator classes; operands are names, attributes and constants
    by value (any other expression counts as a distinct operand), distinct per
    innermost function name; a function's decorators, arguments and return
    annotation are not looked at. radon's visitor walks the whole tree in
    Python; this reads only the operation nodes the shared index already holds.
    """
    skipped = {id(n) for n in under([part for f in ctx.functions() for part in (*f.decorator_list, f.args, f.returns)])}
    operators: set[str] = set()
    operands: set[tuple[str | None, object]] = set()
    n_operators = n_operands = 0
    nodes: list[Operation] = ctx.in_any_order(*_OPERATIONS)  # counted and gathered in sets: the order does not matter
    enclosing, field_of = ctx.enclosing_function, _OPERAND_FIELD.get
    for node in nodes:
        if id(node) in skipped:
            continue
        ops, values = _operation(node)
        owner = enclosing(node)
        where = owner.name if owner is not None else None
        n_operators += len(ops)
        n_operands += len(values)
        for op in ops:  # loops, not generators: most operations have one operator and two operands
            operators.add(type(op).__name__)
        for v in values:
            operands.add((where, getattr(v, field_of(type(v), ""), v)))
    return _halstead(len(operators), len(operands), n_operators, n_operands)


def _operation(node: Operation) -> tuple[list[ast.AST], list[ast.AST]]:
    if isinstance(node, ast.BinOp):
        return [node.op], [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.op], [node.operand]
    if isinstance(node, ast.BoolOp):
        return [node.op], list(node.values)
    if isinstance(node, ast.AugAssign):
        return [node.op], [node.target, node.value]
    return list(node.ops), [*node.comparators, node.left]  # Compare


def _halstead(h1: int, h2: int, n1: int, n2: int) -> Halstead:
    h, n = h1 + h2, n1 + n2
    volume = n * math.log2(h) if h else 0.0
    difficulty = (h1 * n2) / (2 * h2) if h2 else 0.0
    return Halstead(round(volume, 3), round(difficulty, 3), round(difficulty * volume, 3), round(volume / 3000, 4))
