"""Python 2 files read for what the change analysis needs: imports and the calls and classes around them.

A file that is not valid Python 3 (``print "x"``, ``except E, e:``, ``raise E, "msg"``) has no tree, so
neither its imports nor its infrastructure were seen: cobbler 627fe7a's MongoDB serializer (2014) imports
pymongo in a Python 2 module, apache/allura c01c95e reads a new ini key in one. :func:`repaired` rewrites
the Python 2 statement forms into their Python 3 equivalents, line for line, and leaves out (as ``pass``
or a blank line) each statement that still does not parse, until the file parses or too many were left
out. Line numbers are kept, so evidence points at the real lines. Nothing is executed or imported.
"""

from __future__ import annotations

import ast
import re
import warnings

MAX_REPAIRS = 100  # statements rewritten or left out one at a time, each a parse of the whole file
# Every repair re-parses the whole file, so the number allowed shrinks with its size: a 1 MB file (the
# largest read) gets 8 parses, not 100, and a hostile repository of such files costs no more than 8x a read.
MAX_REPAIR_CHARS = 8_000_000

_EXCEPT = re.compile(r"^(\s*except\s+)(.+?)\s*,\s*([A-Za-z_]\w*)\s*:(.*)$")
_PRINT = re.compile(r"^(\s*)print(?:\s+(?![\s=(\[.,)])(.*?)|\s*)(\s*#.*)?$")
_PRINT_TO = re.compile(r"^>>\s*([^,]+),\s*(.*)$")
_RAISE = re.compile(r"^(\s*raise\s+)([\w.]+)\s*,\s*(.+?)\s*$")
_EXEC = re.compile(r"^(\s*)exec\s+(?![\s=(])(.*?)(?:\s+in\s+(.*))?$")
_PY2_FORM = re.compile(r"^\s*(raise\s+[\w.]+\s*,|print\s+[^\s(=]|exec\s+[^\s(=]|except\s.*,\s*\w+\s*:)|`|<>|\bur[\"']")
_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)(?![\w.])")
_LONG = re.compile(r"(?<![\w.])(\d+)[lL](?!\w)")


def _py3(line: str) -> str:
    """The Python 3 form of one Python 2 statement line (the line itself when it has none)."""
    m = _EXCEPT.match(line)
    if m:
        return f"{m.group(1)}{m.group(2)} as {m.group(3)}:{m.group(4)}"
    m = _PRINT.match(line)
    if m and not line.rstrip().endswith(("\\", ",\\")):
        args, comment = (m.group(2) or "").rstrip(), m.group(3) or ""
        to = _PRINT_TO.match(args)
        if to:
            args = f"{to.group(2)}, file={to.group(1).strip()}"
        return f"{m.group(1)}print({args}){comment}"
    m = _RAISE.match(line)
    if m and not m.group(3).endswith("\\"):
        return f"{m.group(1)}{m.group(2)}({m.group(3)})"
    m = _EXEC.match(line)
    if m:
        where = f", {m.group(3)}" if m.group(3) else ""
        return f"{m.group(1)}exec({m.group(2)}{where})"
    return _LONG.sub(r"\1", _OCTAL.sub(r"0o\1", line.replace("<>", "!=")))


def _parse(lines: list[str]) -> ast.Module | SyntaxError:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("\n".join(lines))
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):  # null bytes, a tree too deep: not a Python 2 question
        return SyntaxError("unreadable")


def repaired(text: str) -> tuple[ast.Module, str, int] | None:
    """(tree, the text it was parsed from, statements left out) for a file that is not valid Python 3 but
    reads as Python 2: at least one Python 2 statement form, and at most ``MAX_REPAIRS`` statements to rewrite or
    leave out one at a time (fewer for a large file: ``MAX_REPAIR_CHARS`` parsed in all); None otherwise (a Jinja
    template, a truncated file)."""
    lines = text.split("\n")
    fixed = [_py3(line) if ("print" in line or "except" in line or "raise" in line or "exec" in line) else line
             for line in lines]
    left_out, python2 = 0, fixed != lines
    tried: dict[int, int] = {}  # line index -> attempts on it: rewrite, pass, blank
    for _ in range(min(MAX_REPAIRS, max(1, MAX_REPAIR_CHARS // max(1, len(text))))):
        tree = _parse(fixed)
        if isinstance(tree, ast.Module):  # a file with no Python 2 form in it (a template) is not read so
            return (tree, "\n".join(fixed), left_out) if python2 else None
        where = (tree.lineno or 0) - 1
        if not 0 <= where < len(fixed) or tree.msg == "unreadable":
            return None
        attempt = tried.get(where, 0)
        tried[where] = attempt + 1
        line = fixed[where]
        indent = line[: len(line) - len(line.lstrip())]
        python2 = python2 or bool(_PY2_FORM.search(line))
        if attempt == 0 and _py3(line) != line:
            fixed[where], python2 = _py3(line), True
        elif not python2:  # no Python 2 form so far: a template or a broken file, not worth a parse per line
            return None
        elif attempt <= 1 and line.strip() and line.strip() != "pass":
            fixed[where], left_out = indent + "pass", left_out + 1
        elif attempt <= 2 and line.strip():
            fixed[where] = ""
        else:  # the error is reported here but caused above (an unclosed bracket): leave out the line before
            before = next((i for i in range(where - 1, -1, -1) if fixed[i].strip()), None)
            if before is None or tried.get(before, 0) > 3:
                return None
            tried[before] = 4
            fixed[before], left_out = "", left_out + 1
    return None
