"""Hostile inputs that used to take unbounded time or memory (issue 15, "unbounded work").

Each test rebuilds the shape that broke, smaller where the full size would slow
the suite, and bounds the time loosely: the point is linear against quadratic
(minutes before the fix), not a benchmark.
"""

from __future__ import annotations

import ast
import time

from archreview.analysis.perfile import analyse_file
from archreview.facts.index import dotted


def _timed(path: str, data: bytes):
    start = time.perf_counter()
    facts = analyse_file(path, "python", data)
    return facts, time.perf_counter() - start


def test_many_one_line_functions_are_analysed_in_linear_time():
    # The reported file had 50,000 (940 KB, 11 min 51 s); 20,000 took 85 s before the fix.
    data = "".join(f"def f{i:05d}(): pass\n" for i in range(20_000)).encode()
    facts, seconds = _timed("many.py", data)
    assert facts.error is None and len(facts.functions) == 20_000
    assert all(f.cc == 1 and not f.is_method for f in facts.functions)
    assert seconds < 30  # loose: the suite shares two cores; linear is ~1 s alone


def test_many_one_line_classes_and_methods_keep_their_owners():
    data = "".join(f"class C{i}:\n    def m(self): return {i} if self else 0\n" for i in range(3_000)).encode()
    facts, seconds = _timed("classes.py", data)
    assert facts.error is None and len(facts.classes) == 3_000
    assert {f.name for f in facts.functions[:2]} == {"C0.m", "C1.m"} and all(f.cc == 2 for f in facts.functions)
    assert seconds < 30


def test_a_long_call_chain_is_linear():
    # x = f()()()... with 2,900 calls (5.8 KB): about 7 s before the fix (27 s on a loaded machine).
    # 2,700 here: pytest's own stack frames leave the parser less recursion depth than a worker has.
    facts, seconds = _timed("chain.py", ("x = f" + "()" * 2_700 + "\n").encode())
    assert facts.error is None and facts.lines == 1
    assert seconds < 10


def test_real_method_chains_keep_their_names_and_hostile_ones_are_cut():
    real = ast.parse("session.query(User).filter(a).order_by(b).limit(3).all()", mode="eval").body
    assert dotted(real) == "session.query.filter.order_by.limit.all"
    hostile = ast.parse("a" + ".b()" * 500, mode="eval").body
    assert dotted(hostile) == ""
