"""Modules nothing reaches: production-looking Python files that nothing imports, names or discovers.

A request without a timeout in a module no code imports and no deployment starts is not on a
production request path until someone shows it runs. Once the module graph exists (a
repository-level fact), a per-file finding in such a module (an orphan) is placed like one in an
operator command: confidence scaled down and a note asking the reviewer to confirm it runs.

A module is reached, and its findings left alone, when any of these holds:

- another module of the repository imports it (``import``, ``from pkg import module``, relative
  imports, a star import of its package; test modules count too), matched on every spelling of its
  path, so a folder without ``__init__.py`` inside a package does not hide the import;
- a file of the repository names it or a dotted path inside it (``archreview.facts.mentions``):
  a string in Python code (Django settings, ``import_module("x.y")``, Celery's ``include``), an entry
  point, a Dockerfile, compose file, Procfile, supervisord or uwsgi file, a shell script, a path to
  the file by its name (``/letsencrypt.py``); a dotted prefix the code completes at run time
  (``"shop.plugins." + name``) reaches every module under it, a file that scans its folder
  (``pkgutil.iter_modules``, or a file listing beside ``import_module``) every module beside and
  below it, and two modules of a folder named as wholes (a settings list of plugins) the whole folder;
- frameworks or tools find it by name (``data/reach.toml``: Django app modules, ``__init__``,
  ``wsgi``, ``tasks``, ``templatetags/``...);
- it is not a production file (tests, scripts, migrations and commands are placed already).

The rules err towards "reached": a wrongly kept finding costs nothing, a wrongly lowered one hides a
risk from the client report. Modules mentioned only by their own file do not count as mentioned.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from archreview.checklist.placement import lowered, role
from archreview.core.model import FileFacts, Finding, Module, RepoFacts
from archreview.facts.mentions import DYNAMIC
from archreview.repo.modules import absolute

UNREACHED_NOTE = " (in a module nothing in the repository imports or starts: confirm it runs in production)"


@dataclass(frozen=True, slots=True)
class Discovered:
    """File and folder names frameworks load without an import (``data/reach.toml``)."""

    names: frozenset[str]
    folders: frozenset[str]

    def covers(self, path: str) -> bool:
        *folders, name = path.split("/")
        return name.removesuffix(".py") in self.names or any(f in self.folders for f in folders)


@cache
def discovered() -> Discovered:
    data = tomllib.loads(resources.files("archreview").joinpath("data/reach.toml").read_text("utf-8"))
    return Discovered(frozenset(data["names"]), frozenset(data["folders"]))


def unreached(files: Sequence[FileFacts], facts: RepoFacts, found: Discovered | None = None) -> frozenset[str]:
    """Paths of production Python modules that nothing imports, names or discovers."""
    found = found or discovered()
    modules = facts.modules
    candidates = [m for m in modules if m.language == "python" and m.path.endswith(".py") and not found.covers(m.path)
                  and role(m.path) == "production"]
    if not candidates:
        return frozenset()
    written = _imported_names(files, modules)
    mentions = _Mentions(files)
    plugins = _plugin_folders(modules, mentions)
    orphans = frozenset(m.path for m in candidates if m.name not in facts.importers
                        and not any(_others(written.get(name), m.path) for name in _spellings(m, star=True))
                        and m.path.rpartition("/")[0] not in plugins and not mentions.reach(m))
    # Only where the repository's own imports reach most of its modules do the few they miss stand out: in a
    # collection of scripts, a two-module service or a library of independent modules, imports say nothing.
    # (On the labelled corpus every repository with an orphan had 71% or more of these modules reached.)
    return orphans if len(orphans) * 2 <= len(candidates) else frozenset()


def _plugin_folders(modules: Sequence[Module], mentions: _Mentions) -> set[str]:
    """Folders holding two modules or more that another file names as a whole, as strings (Redash's query
    runners listed in its settings, Celery's ``include``): the folder's other modules are plugins too,
    enabled the same way from outside the repository (an environment variable, a deployment's settings).
    A dotted path into a module (Django's ``"api.middleware.Audit"``) names a class, not a plugin."""
    named = Counter(m.path.rpartition("/")[0] for m in modules if m.language == "python"
                    and any(_others(mentions.exact.get(name), m.path) for name in _spellings(m)))
    return {folder for folder, n in named.items() if n >= 2}


def _imported_names(files: Sequence[FileFacts], modules: Sequence[Module]) -> dict[str, set[str]]:
    """Every absolute name an import statement may mean -> the files that write it.

    The module graph resolves an import to one module; a package folder without ``__init__.py``
    inside a regular package (``plane/app/views/issue/``) leaves ``from .issue.base import X`` resolved
    to ``plane.app.views`` there. Here the written names are kept as they are, and matched against
    every spelling of a module's path (``_spellings``).
    """
    named = {m.path: (m.name, m.is_package) for m in modules if m.language == "python"}
    out: dict[str, set[str]] = {}
    for f in files:
        if f.path not in named or not f.imports:
            continue
        for raw in f.imports:
            names = absolute(raw, *named[f.path])
            if "*" in raw.names and names:  # ``from pkg.views import *`` loads the submodules its __all__ lists
                names = [*names, names[-1] + ".*"]
            for name in names:
                out.setdefault(name, set()).add(f.path)
    return out


def _spellings(module: Module, star: bool = False) -> set[str]:
    """The module's canonical name and the dotted suffixes of its path of two parts or more
    (``apps/api/plane/app/views/issue/base.py``: ``plane.app.views.issue.base``, ``issue.base``...);
    with ``star``, each with its last part as ``*`` too (its package's star import)."""
    parts = module.path.removesuffix(".py").split("/")
    names = {module.name} | {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return names | {n.rpartition(".")[0] + ".*" for n in names if "." in n} if star else names


class _Mentions:
    """Every mention of the repository, indexed for the question "does anything name this module?"."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self.names: dict[str, set[str]] = {}  # dotted window of a mention -> paths of the files mentioning it
        self.prefixes: dict[str, set[str]] = {}  # dotted window of a prefix mention ("shop.plugins.") -> paths
        # a mentioned .py file's name -> the files mentioning it: by name alone, as a Dockerfile copies
        # ``core/nginx/letsencrypt.py`` to ``/letsencrypt.py`` and a script starts it there
        self.paths: dict[str, set[str]] = {}
        self.exact: dict[str, set[str]] = {}  # a mention as written -> paths (a module named as a whole: a plugin)
        self.scanned: list[str] = []  # folders (with a trailing "/") whose modules a file loads by scanning
        for f in files:
            for mention in f.mentions:
                if mention == DYNAMIC:
                    self.scanned.append(f.path.rpartition("/")[0] + "/" if "/" in f.path else "")
                elif mention.endswith(".py") and ("/" in mention or mention.count(".") == 1):
                    self.paths.setdefault(mention.rsplit("/", 1)[-1], set()).add(f.path)
                elif mention.endswith("."):
                    for window in _windows(mention[:-1]):
                        self.prefixes.setdefault(window, set()).add(f.path)
                else:
                    for window in _windows(mention.split(":", 1)[0]):
                        self.names.setdefault(window, set()).add(f.path)
                    if ":" not in mention:
                        self.exact.setdefault(mention, set()).add(f.path)

    def reach(self, module: Module) -> bool:
        path = module.path
        if any(path.startswith(folder) for folder in self.scanned):
            return True
        spellings = _spellings(module)
        if any(_others(self.names.get(name), path) for name in spellings):
            return True
        if self.prefixes and any(_others(self.prefixes.get(".".join(parts[:j])), path)
                                 for parts in (name.split(".") for name in spellings) for j in range(1, len(parts))):
            return True
        return _others(self.paths.get(path.rsplit("/", 1)[-1]), path)


def _windows(name: str) -> Iterable[str]:
    """Every run of consecutive parts of a dotted name: a mention of ``src.shop.orders.Order`` names
    ``shop.orders`` (the module's canonical spelling) as well."""
    parts = name.split(".")
    return {".".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def _others(files: set[str] | None, path: str) -> bool:
    return files is not None and (len(files) > 1 or path not in files)


def place_unreached(findings: Iterable[Finding], paths: frozenset[str]) -> list[Finding]:
    """Per-file findings in an unreached module, scaled down like an operator command's and said so.

    Findings already placed (a developer script, an operator command: ``Finding.placement``) keep their
    place: one scaling is enough.
    """
    out = []
    for f in findings:
        if f.path in paths and f.placement == "production":
            f = lowered(f, UNREACHED_NOTE, "unreached")
        out.append(f)
    return out
