"""The shared walks the detectors use instead of ``ast.walk`` give exactly the nodes, in exactly
the order, of the walks they replaced (issue 9: findings must not change when the detectors get
faster). Checked on real code: archreview's own sources."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import archreview
from archreview.analysis.perfile import analyse_file
from archreview.checklist.detectors._calls import attr, body_nodes
from archreview.facts.index import FileContext, dotted, preorder, subtree, under, walk

SOURCES = sorted(Path(archreview.__file__).parent.rglob("*.py"))[:60]
OPAQUE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def stack_order(roots: list[ast.AST]) -> list[ast.AST]:
    """The walk ``body_nodes`` did before: a stack of ``ast.iter_child_nodes``."""
    out: list[ast.AST] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, OPAQUE):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return out


def trees() -> list[ast.Module]:
    return [ast.parse(p.read_text(encoding="utf-8")) for p in SOURCES]


def test_walk_and_subtree_keep_ast_walk_order() -> None:
    checked = 0
    for tree in trees():
        assert list(map(id, walk(tree))) == list(map(id, ast.walk(tree)))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.If | ast.Call):
                assert [id(n) for n in subtree(node)] == [id(n) for n in ast.walk(node)]
                assert subtree(node) == subtree(node)  # kept (the second detector does not walk again), equal
                checked += 1
    assert checked > 1000


def test_body_nodes_keep_the_stack_order_and_stop_at_nested_definitions() -> None:
    checked = 0
    for tree in trees():
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef | ast.For):
                assert [id(n) for n in body_nodes(func)] == [id(n) for n in stack_order(func.body)]
                checked += 1
    assert checked > 200
    nested = ast.parse("def f():\n    x = 1\n    def g():\n        y = 2\n    k = lambda: z\n").body[0]
    names = [n.id for n in preorder(nested.body, OPAQUE) if isinstance(n, ast.Name)]
    assert names == ["x", "k"]  # not y (inside g) nor z (inside the lambda)


def test_kept_names_match_a_fresh_reading() -> None:
    tree = ast.parse("import requests as r\nr.get(u).json()\nx.y.z()\n")
    ctx = FileContext("m.py", tree, "")
    calls = ctx.calls()
    first = [ctx.qualified(c) for c in calls]
    assert first == [ctx.qualified(c) for c in calls] == ["requests.get.json", "x.y.z", "requests.get"]  # ast.walk order
    assert [dotted(c.func) for c in calls] == ["r.get.json", "x.y.z", "r.get"]


SINGLETONS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def test_index_buckets_keep_ast_walk_order_without_the_shared_singletons() -> None:
    """FileContext's own walk (written out for speed) buckets every node ``ast.walk`` gives, in its order,
    except Load/Store/Del and the operators, which no reader asks for by type (they are read as ``node.ctx``)."""
    checked = 0
    for tree in trees():
        expected: dict[type, list[int]] = {}
        for node in ast.walk(tree):
            if not isinstance(node, SINGLETONS):
                expected.setdefault(type(node), []).append(id(node))
        ctx = FileContext("m.py", tree, "")
        assert {kind: [id(n) for n in ctx.nodes(kind)] for kind in expected} == expected
        assert ctx.nodes(ast.Load) == [] and ctx.nodes(ast.Add) == []
        checked += sum(map(len, expected.values()))
    assert checked > 50_000


def test_calls_named_and_strings_are_the_loops_they_replace() -> None:
    """``calls_named`` gives what a loop over every call testing ``attr(call)`` gave, in the same order (several
    names at once included, and "" for calls of anything but a name); ``strings`` what a loop over the constants
    testing for ``str`` gave."""
    checked = 0
    for tree in trees():
        ctx = FileContext("m.py", tree, "")
        calls = ctx.calls()
        names = sorted({attr(c) for c in calls})
        for name in names:
            assert [id(c) for c in ctx.calls_named(name)] == [id(c) for c in calls if attr(c) == name]
        for some in (names[::2], names[1::3], tuple({"", *names[:4]}), ("commit", "save", "no_such_name")):
            assert [id(c) for c in ctx.calls_named(*some)] == [id(c) for c in calls if attr(c) in some]
        assert [id(s) for s in ctx.strings] == [id(n) for n in ctx.nodes(ast.Constant) if isinstance(n.value, str)]
        checked += len(calls)
    assert checked > 5_000
    odd = FileContext("m.py", ast.parse("f()()\nx[0]()\na.b.commit()\ncommit(1)\n"), "")
    assert [ast.unparse(c) for c in odd.calls_named("commit")] == ["a.b.commit()", "commit(1)"]
    assert [ast.unparse(c) for c in odd.calls_named("")] == ["f()()", "x[0]()"]


def test_under_gives_every_node_below_the_roots() -> None:
    for tree in trees()[:20]:
        funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        parts = [p for f in funcs for p in (*f.decorator_list, f.args, f.returns)]
        assert sorted(map(id, under(parts))) == sorted(id(n) for p in parts if p is not None for n in ast.walk(p))


def test_analysing_python_files_leaves_no_reference_cycle() -> None:
    """A worker frees each file's tree by reference counting as soon as the file is done. A cycle
    (a node keeping a list that holds the node, a closure that calls itself) kept whole subtrees
    alive until the cycle collector ran: sympy's files in one process peaked at 234 MiB, 134 without."""
    files = [(p.relative_to(Path(archreview.__file__).parent).as_posix(), p.read_bytes()) for p in SOURCES]
    analyse_file(files[0][0], "python", files[0][1])  # what a module makes once, on first use
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        facts = [analyse_file(path, "python", data) for path, data in files]
        assert sum(len(f.findings) + len(f.functions) for f in facts) > 100  # real work was done
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
