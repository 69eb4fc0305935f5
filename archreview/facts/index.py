"""What every checklist detector gets: one parsed file, indexed once.

Detectors are plain functions ``(FileContext) -> Iterable[Finding]`` that make
their findings through the rule registry (``archreview.checklist.rules.finding``). They must
not walk the whole tree themselves: ``FileContext`` walks it once and buckets
the nodes by type (a second full walk per detector would multiply the cost of
analysing a Django-sized repository), and knows each node's enclosing function.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar, cast, overload

from archreview.core.redact import redact
from archreview.core.vocab import Role
from archreview.sources.roles import role_of

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_A = TypeVar("_A", bound=ast.AST)
_B = TypeVar("_B", bound=ast.AST)
_C = TypeVar("_C", bound=ast.AST)
_D = TypeVar("_D", bound=ast.AST)

# Links of a call/attribute chain a name walk follows. Every call in a chain
# asks for its own name, so an unbounded walk is quadratic: a 5.8 KB line
# ``x = f()()()...`` took 7 s. Real chains (query builders) stay far below.
MAX_CHAIN = 64


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, ``a.b().c`` -> ``a.b.c``, else ("" past ``MAX_CHAIN`` links).

    Kept on the node: the detectors ask for the same call's name many times over.
    """
    found: str | None = getattr(node, "_archreview_dotted", None)
    if found is None:
        found = node._archreview_dotted = _dotted(node)  # type: ignore[attr-defined]
    return found


def _dotted(node: ast.AST) -> str:
    parts: list[str] = []
    for _ in range(MAX_CHAIN):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return ".".join(reversed(parts)) if parts else ""
    return ""


_S = TypeVar("_S", bound=ast.stmt)


class StrConstant(ast.Constant):
    """How the checker sees an ``ast.Constant`` known to hold a ``str`` (``FileContext.strings``); never built."""
    value: str


@dataclass(frozen=True, slots=True)
class Nesting(Generic[_S]):
    """Which block (function or class) holds each line, and each block's parent block."""
    owners: list[_S | None]
    parents: dict[int, _S | None]

    def owner(self, line: int, node: ast.AST | None = None) -> _S | None:
        """The innermost block holding ``line``; a block asking about itself gets its parent."""
        found = self.owners[line] if 0 < line < len(self.owners) else None
        if found is not None and found is node:
            return self.parents.get(id(node))
        return found


def nesting(blocks: Sequence[_S], last_line: int) -> Nesting[_S]:
    """One sweep over the blocks in source order with a stack of the open ones.

    Blocks nest (a statement's lines hold those of the statements inside it), so each block
    paints its own lines, outer before inner, by slice assignment: the innermost block is the
    last to paint a line. Linear in lines plus blocks' lines at C speed (a loop per line in
    Python was 2% of the per-file stage); searching all blocks for a parent would be quadratic
    on a file of 50,000 one-line functions.
    """
    size = last_line + 2
    owners: list[_S | None] = [None] * size
    parents: dict[int, _S | None] = {}
    stack: list[_S] = []
    for block in sorted(blocks, key=lambda b: (b.lineno, -(b.end_lineno or b.lineno))):
        start = block.lineno
        while stack and (stack[-1].end_lineno or stack[-1].lineno) < start:
            stack.pop()
        parents[id(block)] = stack[-1] if stack else None
        stack.append(block)
        stop = min((block.end_lineno or start) + 1, size)
        if 0 < start < stop:
            owners[start:stop] = [block] * (stop - start)
    return Nesting(owners, parents)


def walk(tree: ast.AST) -> list[ast.AST]:
    """Every node under ``tree``, in exactly ``ast.walk``'s order, at about twice its speed.

    ``ast.walk`` runs two generators per node (``iter_child_nodes`` over
    ``iter_fields``); on a Django-sized repository that alone costs half a parse.
    """
    return under([tree])


def under(roots: Sequence[ast.AST | None]) -> list[ast.AST]:
    """The roots that are not None and every node under them, breadth first: for one root,
    ``ast.walk``'s order (the list is its own queue, as ``ast.walk``'s deque is)."""
    node_type = ast.AST
    fields_of = _NODE_FIELDS
    out: list[ast.AST] = [r for r in roots if r is not None]
    put = out.append
    for node in out:  # a list iterator reads the items appended while it runs
        names = fields_of.get(type(node))
        for name in node._fields if names is None else names:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                put(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        put(item)
    return out


def subtree(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))``, same order, kept on the node.

    Several detectors walk the same function body; the first pays for the walk,
    the others copy the list. The node keeps the nodes below it, not itself: a node
    holding a list that holds the node is a reference cycle, which only the cycle
    collector frees (workers leave that collector off while they analyse).
    """
    below: list[ast.AST] | None = getattr(node, "_archreview_walk", None)
    if below is None:
        found = under([node])
        node._archreview_walk = found[1:]  # type: ignore[attr-defined]  # without the node: no reference cycle
        return found
    found = [node]
    found += below
    return found


def preorder(roots: Sequence[ast.AST], opaque: tuple[type[ast.AST], ...] = ()) -> list[ast.AST]:
    """``roots`` and their descendants depth first, in source order (each node before its children,
    children in ``ast.iter_child_nodes`` order); nodes of an ``opaque`` type are listed but not entered.

    The same order as popping ``reversed(list(ast.iter_child_nodes(node)))`` off a stack, about
    three times faster: no generator per node.
    """
    node_type = ast.AST
    fields_of = _NODE_FIELDS
    out: list[ast.AST] = []
    stack = list(reversed(roots))
    pop, push, add = stack.pop, stack.append, out.append
    while stack:
        node = pop()
        add(node)
        if opaque and isinstance(node, opaque):
            continue
        names = fields_of.get(type(node))
        for name in reversed(node._fields if names is None else names):
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                push(value)
            elif isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, node_type):
                        push(item)
    return out


# Fields that never hold a node: identifiers, strings and numbers (a parsed tree's ``name``, ``asname``,
# ``id``, ``attr``...; the same field name holds nodes in some types: ``names`` of an import, ``value``).
# Walks that give ``ast.walk``'s nodes skip them: reading them only to find no node was a third of the reads.
_SCALARS = frozenset({"name", "asname", "id", "attr", "arg", "module", "rest", "kwd_attrs", "tag", "kind",
                      "type_comment", "level", "conversion", "is_async", "simple"})
_SCALARS_OF: dict[type, set[str]] = {ast.Constant: {"value"}, ast.MatchSingleton: {"value"}, ast.Global: {"names"}, ast.Nonlocal: {"names"}}
# The index also leaves out the shared childless singletons of ``ctx`` (Load/Store/Del) and of operators
# (``op``, ``ops``): ``ctx.nodes(ast.Load)`` or ``ctx.nodes(ast.Add)`` is always empty; read ``node.ctx`` or
# ``node.op`` instead (every reader does).
_NOT_CHILDREN = _SCALARS | {"ctx", "op", "ops"}


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of ``kind`` the index walk reads."""
    skip = _NOT_CHILDREN | _SCALARS_OF.get(kind, set())
    return tuple(name for name in getattr(kind, "_fields", ()) if name not in skip)


def _node_fields(kind: type) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold a node: what ``ast.walk`` finds, without the scalars."""
    skip = _SCALARS | _SCALARS_OF.get(kind, set())
    return tuple(name for name in getattr(kind, "_fields", ()) if name not in skip)


_AST_TYPES = [kind for kind in vars(ast).values() if isinstance(kind, type) and issubclass(kind, ast.AST)]
_CHILD_FIELDS = {kind: _child_fields(kind) for kind in _AST_TYPES}
_NODE_FIELDS = {kind: _node_fields(kind) for kind in _AST_TYPES}


@dataclass
class FileContext:  # not slotted: cached_property needs __dict__
    path: str
    tree: ast.Module
    text: str
    _by_type: dict[type[ast.AST], list[ast.AST]] = field(default_factory=dict, repr=False)
    _merged: dict[tuple[type[ast.AST], ...], tuple[ast.AST, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        """Every node bucketed by type, each bucket in ``ast.walk``'s order (breadth first).

        The walk runs on every file and used to cost 0.4x a parse, so it is written out here: the
        list it appends to is its queue, each type's child fields are looked up once, and the
        fields that never hold a child worth indexing are not read (``_child_fields``).
        """
        buckets: dict[type[ast.AST], list[ast.AST]] = {}
        get = buckets.get
        fields_of = _CHILD_FIELDS
        node_type = ast.AST
        todo: list[ast.AST] = [self.tree]
        put = todo.append
        for node in todo:  # a list iterator reads the items appended while it runs: breadth first
            kind = type(node)
            bucket = get(kind)
            if bucket is None:
                buckets[kind] = [node]
            else:
                bucket.append(node)
            names = fields_of.get(kind)
            if names is None:  # not a node type of the ast module: built by hand
                names = _child_fields(kind)
            for name in names:
                value = getattr(node, name, None)
                if isinstance(value, node_type):
                    put(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, node_type):
                            put(item)
        self._by_type = buckets

    # --- lookup ------------------------------------------------------------
    @overload
    def nodes(self, t1: type[_A], /) -> list[_A]: ...
    @overload
    def nodes(self, t1: type[_A], t2: type[_B], /) -> list[_A | _B]: ...
    @overload
    def nodes(self, t1: type[_A], t2: type[_B], t3: type[_C], /) -> list[_A | _B | _C]: ...
    @overload
    def nodes(self, t1: type[_A], t2: type[_B], t3: type[_C], t4: type[_D], /) -> list[_A | _B | _C | _D]: ...
    @overload
    def nodes(self, *types: type[_A]) -> list[_A]: ...

    def nodes(self, *types: type[ast.AST]) -> list[Any]:
        """Every node of the given types, in source order (typed as those types)."""
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        merged = self._merged.get(types)
        if merged is None:  # sorted once per file: several detectors ask for the same mix
            found = [n for t in types for n in self._by_type.get(t, ())]
            found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
            merged = self._merged[types] = tuple(found)
        return list(merged)

    def in_any_order(self, *types: type[ast.AST]) -> list[Any]:
        """Every node of the given types, bucket after bucket, unsorted: for sets, counts and sums,
        where sorting a mix of types by position (what ``nodes`` does) would be work thrown away."""
        return [n for t in types for n in self._by_type.get(t, ())]

    def count(self, *types: type[ast.AST]) -> int:
        """How many nodes of the given types the file holds."""
        return sum(len(self._by_type.get(t, ())) for t in types)

    def bucket(self, kind: type[_A]) -> list[_A]:
        """Every node of one type, in ``nodes``' order: the shared bucket itself, not a copy (do not mutate it)."""
        return cast(list[_A], self._by_type.get(kind, []))

    def calls(self) -> list[ast.Call]:
        """Every call, in source order: the shared bucket itself (asked for often; do not mutate it)."""
        return cast(list[ast.Call], self._by_type.get(ast.Call, []))  # the ast.Call bucket holds only calls

    def calls_named(self, *names: str) -> list[ast.Call]:
        """The calls whose called name ends in one of ``names`` (distinct), in ``calls()``' order: ``commit`` for
        ``db.session.commit()``, ``f`` for ``f(x)``, and "" for a call of anything else (``f()()``, ``x[0]()``).

        The file's calls are sorted by that name once; a detector that wants a few callees reads only
        those, instead of one more loop over every call of the file."""
        by_name, calls = self._calls_by_name, self.calls()
        if len(names) == 1:
            return [calls[i] for i in by_name.get(names[0], ())]
        return [calls[i] for i in sorted(i for name in names for i in by_name.get(name, ()))]

    @cached_property
    def keyword_calls(self) -> list[ast.Call]:
        """The calls given keyword arguments, in ``calls()``' order (do not mutate): for the readers of keywords."""
        return [call for call in self.calls() if call.keywords]

    @cached_property
    def _calls_by_name(self) -> dict[str, list[int]]:
        """The positions in ``calls()`` of each called name's last part, in order (``calls_named``)."""
        out: dict[str, list[int]] = {}
        attribute, plain = ast.Attribute, ast.Name
        for i, call in enumerate(self.calls()):
            func = call.func
            kind = type(func)  # a parsed tree's nodes are of the ast module's own types, never subclasses
            name = func.attr if kind is attribute else func.id if kind is plain else ""  # type: ignore[attr-defined]
            found = out.get(name)
            if found is None:
                out[name] = [i]
            else:
                found.append(i)
        return out

    @cached_property
    def strings(self) -> list[StrConstant]:
        """The ``str`` constants, in ``nodes(ast.Constant)``' order (do not mutate): picked out of the file's
        constants once for every reader of its strings (signals, mentions, style, the secret and SQL detectors)."""
        return cast(list[StrConstant], [n for n in self.bucket(ast.Constant) if isinstance(n.value, str)])

    def functions(self) -> list[FunctionNode]:
        return self.nodes(ast.FunctionDef, ast.AsyncFunctionDef)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Local name -> imported dotted name (``import requests as r`` gives r -> requests)."""
        out: dict[str, str] = {}
        for node in self.nodes(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for a in node.names:
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif node.module and not node.level:
                for a in node.names:
                    out[a.asname or a.name] = f"{node.module}.{a.name}"
        return out

    @cached_property
    def imported_roots(self) -> frozenset[str]:
        """The top-level packages the file imports (``requests``, ``click``, ``django``...)."""
        return frozenset(v.split(".")[0] for v in self.aliases.values())

    def qualified(self, node: ast.AST) -> str:
        """The dotted name of a call target with import aliases expanded.

        Kept on the node (most detectors ask about every call of the file); on the node rather than
        in a dict by ``id()``, because detectors also ask about nodes they build and drop.
        """
        found: str | None = getattr(node, "_archreview_qualified", None)
        if found is None and isinstance(node, ast.Call):  # a call's name is its callee's, which signals keep
            found = getattr(node.func, "_archreview_qualified", None)
            if found is not None:
                node._archreview_qualified = found  # type: ignore[attr-defined]
        if found is None:
            name = dotted(node.func if isinstance(node, ast.Call) else node)
            head, _, rest = name.partition(".")
            full = self.aliases.get(head)
            found = f"{full}.{rest}" if full and rest else (full or name)
            node._archreview_qualified = found  # type: ignore[attr-defined]
        return found

    @cached_property
    def _nesting(self) -> Nesting[FunctionNode]:
        return nesting(self.functions(), len(self.lines))

    def enclosing_function(self, node: ast.AST) -> FunctionNode | None:
        """The innermost function whose body contains ``node``'s line."""
        return self._nesting.owner(getattr(node, "lineno", 0), node)

    @property
    def role(self) -> Role:
        return role_of(self.path)

    @property
    def is_test(self) -> bool:
        return role_of(self.path) == "test"

    # --- output --------------------------------------------------------------
    def snippet(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return redact(self.lines[line - 1].strip())[:200]  # redacted whole, so no cut leaves half a secret
        return ""

