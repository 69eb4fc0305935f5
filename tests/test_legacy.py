"""Python 2 files read for their imports: the repair loop's cost is bounded by the file's size."""

from __future__ import annotations

import ast

import pytest

from archreview.facts import legacy

PY2_MODULE = "import pymongo\nimport ConfigParser\n\ntry:\n    db = pymongo.MongoClient()\nexcept Exception, e:\n    print \"no mongo\", e\n"


def test_a_small_python_2_module_is_repaired_line_for_line() -> None:
    tree, fixed, left_out = legacy.repaired(PY2_MODULE)
    assert [n.names[0].name for n in tree.body if isinstance(n, ast.Import)] == ["pymongo", "ConfigParser"]
    assert fixed.split("\n")[5] == "except Exception as e:" and left_out == 0


@pytest.mark.parametrize(("size", "most"), [(50_000, legacy.MAX_REPAIRS), (1_000_000, 8)])
def test_a_large_file_that_never_parses_costs_a_bounded_number_of_parses(size: int, most: int, monkeypatch) -> None:
    # Hostile input: a Python 2 form, then lines that each need leaving out (`$` never parses), up to `size`.
    # Each repair re-parses the whole file; a 1 MB file (the largest read) may not cost 100 parses.
    parses: list[int] = []
    real = legacy._parse

    def counting(lines: list[str]) -> ast.Module | SyntaxError:
        parses.append(1)
        return real(lines)

    monkeypatch.setattr(legacy, "_parse", counting)
    line = "x = $ " + "a" * 60 + "\n"
    text = 'print "start"\n' + line * (size // len(line))
    assert legacy.repaired(text) is None
    assert len(parses) == most
