"""Where a file names a Python module without importing it: dotted names and paths in strings and commands.

Code reaches a module by importing it; frameworks and deployments also reach it by name. Django's
settings list ``"shop.middleware.Audit"``, Celery's ``-A shop.worker``, gunicorn's ``shop.web:app``,
an entry point ``shop.cli:main``, ``importlib.import_module("shop.plugins.s3")``, a Dockerfile's
``CMD python shop/jobs/sync.py``. This module collects such mentions per file (a pure function of
its text), so a repository-level step can tell a module that nothing imports or starts
(``archreview.checklist.across.reach``).

A mention is one of:
- a dotted name, optionally with ``:attribute`` (``shop.web:app``): the module it names, or one it lies inside;
- a dotted prefix ending in ``.`` (``"shop.plugins."`` before a formatted name): every module under it;
- a path ending in ``.py`` (``shop/jobs/sync.py``);
- a bare name after ``-A``/``--app``/``-m`` (``celery -A worker``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from archreview.facts.index import FileContext, dotted

_NAME = r"[A-Za-z_]\w*"
# dotted names (two parts or more), with an optional ":attribute" as gunicorn and entry points write it;
# or one name with ":attribute" (``main:app``)
_DOTTED = re.compile(rf"(?<![\w./-])({_NAME}(?:\.{_NAME})+(?::{_NAME}(?:\.{_NAME})*)?|{_NAME}:{_NAME})(?![\w/-])")
_PATH = re.compile(r"(?<![\w.-])(/?(?:[\w.-]+/)*[A-Za-z_]\w*\.py)(?![\w/])")
_OPTION = re.compile(rf"(?:^|\s)(?:-A|--app|-m|--module)(?:\s+|=)({_NAME}(?:\.{_NAME})*(?::{_NAME})?)")
# a whole string that is a mention: a dotted name (with ":attribute"), a prefix completed at run time
# ("shop.plugins." + name, "shop.plugins.%s", "shop.plugins.{}"), or a path to a .py file
_WHOLE = re.compile(rf"^(/?(?:[\w.-]+/)*{_NAME}\.py$|{_NAME}(?:\.{_NAME})*\.(?=%|\{{|$)"
                    rf"|{_NAME}(?:\.{_NAME})+(?::{_NAME}(?:\.{_NAME})*)?|{_NAME}:{_NAME})")
# words of a command line that starts Python code (substrings: a regex search over every string costs more)
_COMMAND = (" -A", " -m ", "--app", "--module", ".py", "gunicorn", "uvicorn", "celery", "daphne", "hypercorn",
            "uwsgi", "dramatiq", "huey", "rq worker")
# Text files that start or configure code: deployment, process managers, build and tool configuration.
TEXT_LANGUAGES = frozenset({"dockerfile", "compose", "procfile", "supervisord", "makefile", "shell", "toml",
                            "ini", "conf", "yaml", "dotenv"})
_LIMIT = 2_000_000  # characters of a text file read for mentions: a data dump names no module worth finding
# Calls that load every module of a folder by scanning it (the folder's modules are all reached): pkgutil's,
# or a listing of files (glob, os.walk...) in a file that also imports by a computed name (Flexget's plugins).
_SCANS = frozenset({"iter_modules", "walk_packages"})
_LISTINGS = frozenset({"glob", "rglob", "iglob", "walk", "listdir", "iterdir", "scandir"})
_LOADS = frozenset({"import_module", "__import__", "spec_from_file_location", "load_source", "import_string"})
DYNAMIC = "<scan>"  # the mention a file makes when it loads the modules of its own folder by scanning it


def text_mentions(text: str) -> tuple[str, ...]:
    """The mentions in a configuration or deployment file (any text: Dockerfile, compose, TOML, INI...)."""
    return tuple(sorted(_tokens(text[:_LIMIT])))


def python_mentions(ctx: FileContext) -> tuple[str, ...]:
    """The mentions in a Python file's string literals (and ``DYNAMIC`` when it scans its own folder).

    A string without spaces is a mention only as a whole (``"shop.sync.Audit"``, ``"shop.plugins."``); a
    string with spaces is read for tokens only when it looks like a command (``-A``, ``-m``, ``x:app``, a
    ``.py`` path): sentences, log and SQL text name no module (and reading them all costs a sixth of a parse).
    """
    found: set[str] = set()
    for node in ctx.strings:
        value = node.value
        if not 2 < len(value) < 1_000 or "." not in value and ":" not in value:
            continue
        if " " not in value:
            whole = _WHOLE.match(value)
            if whole:
                found.add(whole.group(1))
        elif any(word in value for word in _COMMAND):
            found.update(_tokens(value))
    if _scans_its_folder(ctx):
        found.add(DYNAMIC)
    return tuple(sorted(found))


def _scans_its_folder(ctx: FileContext) -> bool:
    text = ctx.text
    if "iter_modules" not in text and "walk_packages" not in text and not any(w in text for w in _LOADS):
        return False
    called = {dotted(call.func).rpartition(".")[2] for call in ctx.calls()}
    return not called.isdisjoint(_SCANS) or (not called.isdisjoint(_LISTINGS) and not called.isdisjoint(_LOADS))


def _tokens(text: str) -> Iterable[str]:
    if "." not in text and ":" not in text and "-" not in text:
        return ()
    out = {m.group(1) for m in _DOTTED.finditer(text)}
    out.update(m.group(1) for m in _OPTION.finditer(text))
    if ".py" in text:
        out.update(m.group(1) for m in _PATH.finditer(text))
    return out
