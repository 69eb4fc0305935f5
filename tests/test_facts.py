"""Per-file facts: metrics agree with radon's, broken files become errors, never exceptions."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import requests
from radon.complexity import cc_visit
from radon.metrics import mi_visit
from radon.raw import analyze as radon_raw

from archreview.analysis.perfile import analyse_file

REAL_FILES = sorted(Path(requests.__file__).parent.glob("*.py"))


def test_metrics_follow_radon_on_real_files():
    mi_gaps = []
    for path in REAL_FILES:
        data = path.read_bytes()
        facts = analyse_file(path.name, "python", data)
        source = data.decode("utf-8")
        raw = radon_raw(source)
        assert facts.error is None
        assert (facts.raw.comments, facts.raw.multi, facts.raw.blank) == (raw.comments, raw.multi, raw.blank), path
        assert abs(facts.raw.sloc - raw.sloc) <= max(5, raw.sloc // 20), path
        expected = {(b.lineno, b.complexity) for b in cc_visit(source) if hasattr(b, "is_method")}
        assert {(f.line, f.cc) for f in facts.functions} == expected, path
        mi_gaps.append(abs(facts.mi - mi_visit(source, True)))
    assert len(mi_gaps) >= 10
    assert statistics.median(mi_gaps) < 1.0 and max(mi_gaps) < 6.0


def test_imports_are_marked_local_and_type_checking():
    source = b"import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\ndef f():\n    import json\n"
    facts = analyse_file("m.py", "python", source)
    marks = {i.module or i.names[0]: (i.type_checking, i.local) for i in facts.imports}
    assert marks == {"os": (False, False), "typing": (False, False), "pandas": (True, False), "json": (False, True)}


def test_functions_know_async_docstrings_and_methods():
    source = b'class A:\n    async def run(self, x):\n        """Doc."""\n        if x:\n            return 1\n        return 2\n'
    [fn] = analyse_file("a.py", "python", source).functions
    assert (fn.name, fn.cc, fn.is_method, fn.is_async, fn.has_docstring, fn.args) == ("A.run", 2, True, True, True, 2)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"print 'hello'\n", "not valid Python 3 at line 1"),
        (b"x = 1\x00\n", "not valid Python 3"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "cannot decode"),
        (b"name = '\xe9t\xe9'\n", "cannot decode"),
        (b"(" * 300 + b")" * 300 + b"\n", ""),  # too deeply nested: the parser refuses it
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", ""),
    ],
)
def test_broken_files_become_errors(data, error):
    facts = analyse_file("bad.py", "python", data)
    assert facts.error is not None and error in facts.error
    assert facts.functions == ()


def test_latin1_with_a_declaration_is_decoded_by_it():
    facts = analyse_file("l.py", "python", b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\ndef f():\n    return name\n")
    assert facts.error is None and [f.name for f in facts.functions] == ["f"]


def test_a_huge_one_line_file_is_analysed_without_crashing():
    data = b"x = [" + b"1, " * 200_000 + b"]\n"
    facts = analyse_file("big.py", "python", data)
    assert facts.error is None and facts.lines == 1


def test_halstead_from_the_shared_index_equals_radons():
    import ast

    from radon.metrics import h_visit_ast

    from archreview.facts.index import FileContext
    from archreview.facts.python import halstead_of

    sources = [p.read_text(encoding="utf-8") for p in REAL_FILES]
    sources.append("def f(a=x + 1, *, b: int = -2) -> y | z:\n    @deco(1 + 2)\n    def g(c=3 * 4):\n"
                   "        return c ** 2 and (c or d)\n    return g(a) < b <= 3\nclass K:\n    v = not w\n")
    for source in sources:
        tree = ast.parse(source)
        total = h_visit_ast(tree).total
        ours = halstead_of(FileContext("x.py", tree, source))
        assert (ours.volume, ours.difficulty, ours.effort, ours.bugs) == (
            round(total.volume, 3), round(total.difficulty, 3), round(total.effort, 3), round(total.bugs, 4))


TRICKY = '''
import x
@deco(a if b else c)
def f(p=1 if q else 2) -> int:
    assert a and b or c, "x" if y else "z"
    def closure():
        return 1 if a else 2
    class Inner:
        def m(self):
            return [i for i in y if i if i > 2]
    try:
        pass
    except A:
        pass
    except B:
        pass
    else:
        pass
    match v:
        case 1:
            pass
        case _:
            pass
    return a and b and c
class K(Base if a else Other):
    x = 1 if a else 2
    if flag:
        def maybe(self):
            while a:
                break
            else:
                pass
    class Nested:
        def hidden(self):
            return a or b
    async def run(self):
        async for i in y:
            pass
lambda: a if b else c
if top:
    def conditional():
        return (a or b) if c else d
'''


def test_complexity_from_the_shared_index_equals_radons():
    import ast

    from radon.visitors import ComplexityVisitor

    from archreview.facts.index import FileContext
    from archreview.facts.python import complexity_of

    for source in [TRICKY, *(p.read_text(encoding="utf-8") for p in REAL_FILES)]:
        tree = ast.parse(source)
        radon = ComplexityVisitor.from_ast(tree)
        expected = sorted([(f.lineno, f.complexity) for f in radon.functions]
                          + [(m.lineno, m.complexity) for c in radon.classes for m in c.methods])
        functions, total = complexity_of(FileContext("x.py", tree, source))
        assert sorted((f.line, f.cc) for f in functions) == expected
        assert total == radon.total_complexity
