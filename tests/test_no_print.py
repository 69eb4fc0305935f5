"""Library code does not print (issue 9): messages go through logging, and only the CLI edge
writes to the terminal. Checked on the source itself, so a new ``print()`` anywhere below the
edge fails here, whoever adds it."""

from __future__ import annotations

import ast
from pathlib import Path

import archreview

PACKAGE = Path(archreview.__file__).parent
# The CLI edge: the one module that turns results and errors into terminal output.
EDGE = {PACKAGE / "cli.py"}
# Source of the analysed sample repository (package data, never imported), not library code.
NOT_LIBRARY = PACKAGE / "data"


def library_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p not in EDGE and NOT_LIBRARY not in p.parents)


def terminal_writes(path: Path) -> list[int]:
    """Lines of the ``print(...)`` and ``sys.stdout/stderr.write(...)`` calls in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        printing = isinstance(func, ast.Name) and func.id == "print"
        writing = (isinstance(func, ast.Attribute) and func.attr in {"write", "writelines"}
                   and isinstance(func.value, ast.Attribute) and func.value.attr in {"stdout", "stderr"}
                   and isinstance(func.value.value, ast.Name) and func.value.value.id == "sys")
        if printing or writing:
            found.append(node.lineno)
    return sorted(found)


def test_library_modules_do_not_print() -> None:
    modules = library_modules()
    assert len(modules) > 50 and PACKAGE / "lab.py" in modules and PACKAGE / "sample.py" in modules
    assert [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in modules for line in terminal_writes(path)] == []


def test_the_check_sees_a_print(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import sys\n\ndef f(log):\n    print('x')\n    sys.stderr.write('y')\n"
                      "    log.write('z')\n    print\n", encoding="utf-8")
    assert terminal_writes(module) == [4, 5]
