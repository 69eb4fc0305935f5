"""Behaviour under load: items 11 (N+1), 12 (unbounded results), 13 (locks, long transactions).

These shapes pass every test with ten rows and fall over with a million: a loop
that queries per row, a handler that returns a whole table, a row lock on a
broad filter or a transaction left open while a payment provider answers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from archreview.checklist.detectors import _sql
from archreview.checklist.detectors._calls import mentions
from archreview.checklist.rules import finding
from archreview.facts.index import FileContext, FunctionNode, dotted, walk
from archreview.core.model import Finding

_RELATED_METHODS = frozenset({"all", "filter", "count", "exists", "first", "order_by", "exclude", "last",
                              "values", "values_list", "aggregate", "select_related", "prefetch_related"})
_UNBOUNDED_ENDS = frozenset({"all", "filter", "filter_by", "exclude", "order_by", "scalars", "values",
                             "values_list", "objects", "query", "execute"})


def _skip(ctx: FileContext) -> bool:
    return _sql.not_production(ctx)


def _few(it: ast.AST) -> bool:
    """A loop over a literal collection or a constant range: a fixed, small number of queries."""
    if isinstance(it, ast.List | ast.Tuple | ast.Set):
        return True
    return isinstance(it, ast.Call) and dotted(it.func) == "range" and all(isinstance(a, ast.Constant) for a in it.args)


def _memoised(body: Sequence[ast.AST]) -> bool:
    return any(isinstance(n, ast.Name | ast.Attribute) and "cache" in (n.id if isinstance(n, ast.Name) else n.attr)
               .lower() for stmt in body for n in walk(stmt))


def _loop_source(ctx: FileContext, it: ast.AST) -> tuple[ast.AST | None, _sql.Chain, Mapping[str, ast.expr]]:
    """The query a loop iterates over (through one local name), its chain, and the function's names."""
    func = ctx.enclosing_function(it)
    assigned = _sql.assignments(func) if func else {}
    source: ast.AST | None = it
    if isinstance(it, ast.Name):
        value = assigned.get(it.id)
        source = value if value is not None and value.lineno <= it.lineno else None  # not a later reassignment
    if source is None or not _sql.is_query(source):
        return None, [], assigned
    if isinstance(source, ast.Call) and isinstance(source.func, ast.Name) and source.args:
        source = source.args[0]  # list(query)
    return source, _sql.chain(source), assigned


def _row_attribute(node: ast.AST, var: set[str]) -> bool:
    """``row.items``: an attribute of the loop variable, not a foreign-key column."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in var \
        and not node.attr.endswith("_id")


def _lazy_load(body: Iterable[ast.AST], var: set[str]) -> ast.AST | None:
    """``row.customer.name`` / ``row.items.all()`` / ``for i in row.items``: a relation loaded per row."""
    funcs = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                funcs.add(id(node.func))
            elif isinstance(node, ast.For | ast.comprehension) and _row_attribute(node.iter, var):
                return node.iter
            if isinstance(node, ast.Call) and dotted(node.func) == "len" and node.args \
                    and _row_attribute(node.args[0], var):
                return node.args[0]
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                    and isinstance(node.value.value, ast.Name) and node.value.value.id in var \
                    and not node.value.attr.endswith("_id"):
                if id(node) not in funcs or node.attr in _RELATED_METHODS:
                    return node
    return None


def _loops(ctx: FileContext) -> Iterator[tuple[ast.AST, Sequence[ast.AST], ast.AST, set[str]]]:
    """(anchor, body, iterable, loop variables) for every for-loop and comprehension."""
    for loop in ctx.nodes(ast.For, ast.AsyncFor):
        yield loop, loop.body, loop.iter, _sql.loop_names(loop)
    for comp in ctx.nodes(ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
        gen = comp.generators[0]
        body = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
        yield comp, body + [c for g in comp.generators[1:] for c in g.ifs] + gen.ifs, gen.iter, _sql.loop_names(gen)


_SCHEMA_ITERABLES = re.compile(r"(^|[._])(sorted_tables|tables|partitions|fkeys|foreign_keys|constraints|indexes|"
                               r"extensions|schemas|sequences|materialized_views)$")
_DDL_CONSTRUCTS = frozenset({"DropTable", "CreateTable", "DropConstraint", "AddConstraint", "CreateIndex", "DropIndex",
                             "DDL", "CreateSchema", "DropSchema", "DropSequence", "CreateSequence"})
_DDL_WORDS = re.compile(r"^\s*(CREATE|DROP|ALTER|TRUNCATE|VACUUM|ANALYZE|REFRESH|GRANT|REVOKE|COMMENT|ATTACH|DETACH)\b",
                        re.I)
_HTTP_KEYWORDS = frozenset({"params", "headers", "json", "data", "timeout", "auth", "verify", "allow_redirects"})


def _ddl(call: ast.Call) -> bool:
    """A schema statement (one per table or partition by nature), not a data query."""
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Call):
        if dotted(first.func).rsplit(".", 1)[-1] in _DDL_CONSTRUCTS:
            return True
        first = first.args[0] if dotted(first.func).endswith("text") and first.args else first
    texts = [first.value] if isinstance(first, ast.Constant) and isinstance(first.value, str) else \
        [str(v.value) for v in first.values[:1] if isinstance(v, ast.Constant)] if isinstance(first, ast.JoinedStr) else []
    return any(_DDL_WORDS.match(t) for t in texts)


def _http_shaped(call: ast.Call) -> bool:
    """``session.get(url, params=...)`` on an HTTP client, not ``session.get(Model, id)``."""
    return any(k.arg in _HTTP_KEYWORDS for k in call.keywords)


def n_plus_one(ctx: FileContext) -> Iterator[Finding]:
    """Item 11: a query per row of another query, or a relation lazily loaded per row."""
    if _skip(ctx):
        return
    # a loop reading a cache names it; an ASCII file's names are as written, so one naming none holds none
    caching = not ctx.text.isascii() or mentions(ctx, "cache")
    for _anchor, body, it, var in _loops(ctx):
        if _few(it) or caching and _memoised(body):
            continue
        source, ch, assigned = _loop_source(ctx, it)
        label = ".".join(n for n in _sql.names(ch) if n != "[]") or dotted(it)
        if _SCHEMA_ITERABLES.search(dotted(it).lower()):
            continue  # one statement per table, partition or constraint: DDL, not N+1
        inner = next((c for stmt in body for c, _ in _sql.query_calls(stmt)
                      if not (c.args and isinstance(c.args[0], ast.Name) and c.args[0].id in var)
                      and not _ddl(c) and not _http_shaped(c)), None)
        if inner is not None and (source is not None or _sql.mentions(inner, var)):
            what = f"rows of {label}" if source is not None else f"each item of {dotted(it) or 'the loop'}"
            yield finding(ctx, "n_plus_one.query_in_loop", inner, "" if source is not None else "items",
                          query=dotted(inner.func), what=what)
        elif source is not None and not _sql.eager(ch, assigned) and not {"values", "values_list"} & set(_sql.names(ch)):
            lazy = _lazy_load(body, var)
            if lazy is not None:
                yield finding(ctx, "n_plus_one.lazy_load", lazy, attribute=dotted(lazy), rows=label)


# --- item 12 ---------------------------------------------------------------------


_BOUNDING_WRAPPERS = re.compile(r"aginat|Table$|configure$")
_ONE_ROW = re.compile(r"get_object_or_404$|^len$|\.count$|\.exists$|\.first$|\.last$")
_NOT_RESPONSES = frozenset({"get_queryset", "get_object", "get_form", "get_form_kwargs", "get_extra_context"})


def _effective_chain(node: ast.expr, assigned: Mapping[str, ast.expr], depth: int = 0) -> tuple[_sql.Chain, ast.expr]:
    """The chain of ``node`` prefixed by the chain its first local name was assigned from, and where it starts."""
    ch = _sql.chain(node)
    if ch and depth < 4 and ch[0][1] is None and ch[0][0] in assigned and not _sql.query_root(ch):
        inner, origin = _effective_chain(assigned[ch[0][0]], assigned, depth + 1)
        return inner + ch[1:], origin
    return ch, node


_SQL_BOUNDED = re.compile(r"\b(LIMIT|TOP|FETCH\s+FIRST|GROUP\s+BY)\b", re.IGNORECASE)


def _unbounded(ch: _sql.Chain, assigned: Mapping[str, ast.AST]) -> bool:
    """Rows with no limit: not sliced or limited, not keyed (``id IN ids``), no LIMIT/GROUP BY in its SQL."""
    if not ch or not _sql.query_root(ch) or ch[-1][0] not in _UNBOUNDED_ENDS or _sql.bounded(ch, assigned):
        return False
    if _keyed(ch):
        return False
    return not any(_SQL_BOUNDED.search(text) for text in _sql_strings(ch, assigned))


def _sql_strings(ch: _sql.Chain, assigned: Mapping[str, ast.AST]) -> Iterator[str]:
    """String literals in the chain's call arguments, through one local name (``text(sql)``)."""
    for _, node in ch:
        for arg in node.args if isinstance(node, ast.Call) else ():
            names = [assigned[n.id] for n in ast.walk(arg) if isinstance(n, ast.Name) and n.id in assigned]
            for sub in (n for part in (arg, *names) for n in ast.walk(part)):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield sub.value


def _returned_queries(func: FunctionNode) -> Iterator[tuple[ast.expr, _sql.Chain]]:
    """Queries whose rows reach a return statement, directly or through local names."""
    assigned = _sql.assignments(func)
    todo = [r.value for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None]
    seen: set[int] = set()
    while todo:
        expr = todo.pop()
        if id(expr) in seen:
            continue
        seen.add(id(expr))
        # query[:50], and every name the sliced query is built from: ``entities.filter(...)[:2]`` bounds what
        # ``entities`` holds as returned here (Pontoon's get_sibling_entities, held11, tuned after looking)
        sliced = {id(m) for n in ast.walk(expr) if isinstance(n, ast.Subscript) for m in ast.walk(n.value)}
        sliced |= {id(a) for c in ast.walk(expr) if isinstance(c, ast.Call) and _ONE_ROW.search(dotted(c.func))
                   for a in c.args}  # get_object_or_404(qs, pk=...), len(qs)
        sliced |= {id(a) for c in ast.walk(expr) if isinstance(c, ast.Call) and _BOUNDING_WRAPPERS.search(dotted(c.func))
                   for a in c.args}  # Paginator(qs, size): the paginator bounds it
        for call in _sql.outer_calls(expr) if not isinstance(expr, ast.Name) else ():
            if id(call) in sliced:
                continue  # query[:50]
            ch, origin = _effective_chain(call, assigned)
            yield origin, ch
        if any(isinstance(c, ast.Call) and _BOUNDING_WRAPPERS.search(dotted(c.func)) for c in ast.walk(expr)):
            continue  # rows handed to a paginator or a paginated table are bounded by it
        # in the order the names are met (a set's order varies with the hash seed, and which of two queries that
        # reach one line is reported first decides its message and confidence)
        for name in dict.fromkeys(n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and id(n) not in sliced):
            if name in assigned:  # followed unless only counted or sliced here (len(rows), rows[:10])
                todo.append(assigned[name])


def unbounded_results(ctx: FileContext) -> Iterator[Finding]:
    """Item 12: a handler returns every row of a query with no limit or pagination."""
    if _skip(ctx):
        return
    for func in ctx.functions():
        if func.name in _NOT_RESPONSES or not _sql.is_handler(ctx, func):
            continue
        reported: set[int] = set()
        assigned = _sql.assignments(func)
        for node, ch in _returned_queries(func):
            if _unbounded(ch, assigned) and node.lineno not in reported:
                reported.add(node.lineno)
                filtered = any(n in {"filter", "filter_by", "where", "exclude"} for n in _sql.names(ch))
                yield finding(ctx, "unbounded.handler_result", node, "filtered" if filtered else "", func=func.name,
                              query=".".join(_sql.names(ch)[:3]))


# --- item 13 ---------------------------------------------------------------------

_KEY_NAMES = frozenset({"id", "pk", "uuid", "id__in", "pk__in", "id__exact", "pk__exact"})
_LOCKS = frozenset({"with_for_update", "select_for_update"})


def _keyed(ch: _sql.Chain) -> bool:
    """Is the locked query narrowed to rows by primary key?"""
    for name, node in ch:
        if name in {"get", "get_or_404"}:
            return True
        if not isinstance(node, ast.Call) or name not in {"filter", "filter_by", "where"}:
            continue
        if any(k.arg in _KEY_NAMES for k in node.keywords):
            return True
        for arg in node.args:
            for sub in ast.walk(arg):
                target = sub.left if isinstance(sub, ast.Compare) else sub.func.value \
                    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                    and sub.func.attr == "in_" else None
                if isinstance(target, ast.Attribute) and target.attr in _KEY_NAMES:
                    return True
    return False


_EVALUATE = frozenset({"all", "update", "delete", "iterator", "values", "values_list", "count", "exists",
                       "scalars", "in_bulk", "aggregate", "fetchall"})
_NARROW = frozenset({"first", "last", "one", "one_or_none", "scalar_one", "limit", "get", "get_or_404"})


def _filtered_by_relation(ch: _sql.Chain) -> bool:
    """Filtered by a foreign key or an ``__in`` set: usually a deliberate lock of one parent's rows."""
    keys = [k.arg or "" for _, n in ch if isinstance(n, ast.Call) for k in n.keywords]
    return any(k.endswith(("_id", "__in")) for k in keys)


def _evaluated_here(scope: ast.AST) -> set[int]:
    """Expressions whose rows are fetched right here: loop iterables, ``list(...)``, ``execute(...)``
    arguments, and what a local name so used was assigned (``rows = q.select_for_update(); for r in rows``)."""
    fetched: list[ast.AST] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            fetched.append(node.iter)
        elif isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in {
                "list", "len", "execute", "scalars", "scalar", "bool", "sorted", "tuple", "set"}:
            fetched.extend(node.args)
    assigned = _sql.assignments(scope) if not isinstance(scope, ast.Module) else {}
    out = {id(e) for e in fetched}
    out |= {id(assigned[e.id]) for e in fetched if isinstance(e, ast.Name) and e.id in assigned}
    return out


def broad_locks(ctx: FileContext) -> Iterator[Finding]:
    """Item 13: ``with_for_update``/``select_for_update`` evaluated without narrowing to keys.

    A queryset that is only built and returned (``lock_objects()`` helpers) is narrowed by its caller, so
    only locks fetched in the same expression count.
    """
    if _skip(ctx):
        return
    scopes = {id(f): f for c in ctx.calls_named(*_LOCKS) if isinstance(c.func, ast.Attribute)
              for f in [ctx.enclosing_function(c) or ctx.tree]}
    for scope in scopes.values():
        evaluated = _evaluated_here(scope)
        assigned = _sql.assignments(scope) if not isinstance(scope, ast.Module) else {}
        for call in _sql.outer_calls(scope):
            ch = _effective_chain(call, assigned)[0]
            ns = _sql.names(ch)
            lock = next((i for i, n in enumerate(ns) if n in _LOCKS), None)
            if lock is None or _keyed(ch) or _NARROW & set(ns) or _sql.bounded(ch):
                continue
            if id(call) in evaluated or _EVALUATE & set(ns[lock + 1:]):
                by_set = _filtered_by_relation(ch)
                yield finding(ctx, "lock.broad_for_update", call, "related_set" if by_set else "", lock=ns[lock])


def _transaction_blocks(ctx: FileContext) -> Iterator[tuple[list[ast.stmt], str]]:
    for node in ctx.nodes(ast.With, ast.AsyncWith):
        for item in node.items:
            name = dotted(item.context_expr)
            if name.endswith(("atomic", ".begin", ".begin_nested")) or name == "begin":
                yield node.body, name
    for func in ctx.functions():
        if any(n.endswith("atomic") for n in _sql.decorator_names(func)):
            yield func.body, "@atomic"


def _walk_now(node: ast.AST) -> Iterator[ast.AST]:
    """Like ``ast.walk`` but skipping code that runs later (lambdas, nested defs: ``on_commit(lambda: ...)``)."""
    todo = [node]
    while todo:
        cur = todo.pop()
        yield cur
        todo.extend(c for c in ast.iter_child_nodes(cur)
                    if not isinstance(c, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))


def _calls_in_order(stmts: Iterable[ast.AST]) -> list[ast.Call]:
    return sorted((n for s in stmts for n in _walk_now(s) if isinstance(n, ast.Call)),
                  key=lambda c: (c.lineno, c.col_offset))


_WRITES = {"flush": 0.75, "execute": 0.7, "update": 0.7, "delete": 0.7, "add": 0.6, "add_all": 0.6}


def _open_transaction(ctx: FileContext, func: FunctionNode) -> Iterator[tuple[ast.Call, float, str]]:
    """A lock or write, then a network call, then ``commit()``: the transaction waits on the network."""
    calls = _calls_in_order(func.body)
    commits = [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "commit"]
    if not commits:
        return
    start = None
    for call in calls:
        attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if start is None and (attr in _LOCKS or (attr in _WRITES and isinstance(call.func, ast.Attribute) and _sql._dbish(dotted(call.func.value).rsplit(".", 1)[-1]))):
            start = (0.85 if attr in _LOCKS else _WRITES[attr], attr)
        elif start and _sql.is_network(ctx, call) and any(c.lineno > call.lineno for c in commits):
            yield call, start[0], start[1]
            return


def long_transactions(ctx: FileContext) -> Iterator[Finding]:
    """Item 13: a network call or sleep while a database transaction is open."""
    if _skip(ctx):
        return
    seen: set[int] = set()
    for body, how in _transaction_blocks(ctx):
        call = next((c for c in _calls_in_order(body) if _sql.is_network(ctx, c)), None)
        if call is not None and call.lineno not in seen:
            seen.add(call.lineno)
            yield finding(ctx, "transaction.network_call", call, call=ctx.qualified(call), how=how)
    committing = {id(f): f for c in ctx.calls_named("commit") if isinstance(c.func, ast.Attribute)
                  for f in [ctx.enclosing_function(c)] if f is not None}
    for func in sorted(committing.values(), key=lambda f: f.lineno):
        for call, conf, why in _open_transaction(ctx, func):
            if call.lineno not in seen:
                seen.add(call.lineno)
                yield finding(ctx, "transaction.network_call", call, "before_commit", scale=conf / 0.85,
                              call=ctx.qualified(call), why=why)


DETECTORS: tuple = (n_plus_one, unbounded_results, broad_locks, long_transactions)

# rule id -> checklist item, checked against archreview/data/checklist.toml when it loads
