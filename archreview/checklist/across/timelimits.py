"""Celery tasks that run under a time limit: a stalled call ends with the task, not a held worker.

A request with no timeout holds its worker until the process is killed. Inside a Celery task that runs
under a time limit, Celery is that killer: the soft limit raises ``SoftTimeLimitExceeded`` in the task,
the hard limit replaces the worker's child process. The call still has no timeout of its own (the task
fails instead of the call), but no worker is held for good, which is what item 1's timeout rules claim.
IntelOwl (held11) showed the shape: 127 findings in analyzers its ``run_plugin`` task runs under a
per-plugin soft limit and an app-wide ``task_time_limit=1800`` (tuned after looking at held11).

Two placements, both lowering a finding under the report's floor with a note rather than dropping it:

- exact: the call sits in the body of a Celery task (``@app.task``, ``@shared_task``...) whose decorator
  sets ``time_limit``/``soft_time_limit``, or any task when the repository sets an app-wide limit
  (``task_time_limit``, ``task_soft_time_limit``, ``CELERY_TASK_TIME_LIMIT``, ``CELERYD_TASK_TIME_LIMIT``...);
- partial: with an app-wide limit, the call sits in a plugin module: a production module that no
  other module imports (or that only such modules import), in a folder of several of them, loaded by
  name at run time. What loads it cannot be seen, so the note asks the reviewer to confirm that no web
  request or worker control command (which run outside any task limit) calls it too.

Per file, ``FileFacts`` records the facts (``celery_facts``); the repository stage places
(``place_time_limited``), as ``archreview.checklist.across.reach`` does for modules nothing reaches.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from archreview.checklist.placement import lowered, role
from archreview.checklist.across.reach import discovered
from archreview.core.model import CeleryTask, FileFacts, Finding, RepoFacts, TaskTimeLimit
from archreview.facts.index import FileContext, dotted
from archreview.sources.roles import role_of

RULES = frozenset({"timeout.missing", "timeout.client_default"})
TAIL = ": a stalled call ends the task, not the worker)"

_SETTINGS = frozenset({"task_time_limit", "task_soft_time_limit", "celery_task_time_limit",
                       "celery_task_soft_time_limit", "celeryd_task_time_limit", "celeryd_task_soft_time_limit"})
_TASK_LIMITS = ("time_limit", "soft_time_limit")
_TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task"})


def celery_facts(ctx: FileContext) -> tuple[tuple[TaskTimeLimit, ...], tuple[CeleryTask, ...]]:
    """The app-wide task time limits a Python file sets and the Celery tasks it defines."""
    text = ctx.text
    if "task" not in text and "TASK" not in text:
        return (), ()
    limits = tuple(TaskTimeLimit(line, limit) for line, limit in _app_limits(ctx)) \
        if "time_limit" in text or "TIME_LIMIT" in text else ()
    tasks = []
    for func in ctx.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
        for dec in func.decorator_list:
            name = dotted(dec.func if isinstance(dec, ast.Call) else dec).rsplit(".", 1)[-1]
            if name in _TASK_DECORATORS:
                limit = ", ".join(f"{k.arg}={ast.unparse(k.value)}" for k in getattr(dec, "keywords", ())
                                  if k.arg in _TASK_LIMITS and _set(k.value))
                tasks.append(CeleryTask(func.name, func.lineno, func.end_lineno or func.lineno, limit))
                break
    return limits, tuple(tasks)


def _set(value: ast.expr) -> bool:
    """A limit that limits: not ``None``, ``0`` or ``False``."""
    return not (isinstance(value, ast.Constant) and not value.value)


def _app_limits(ctx: FileContext) -> Iterator[tuple[int, str]]:
    """``CELERY_TASK_TIME_LIMIT = 600``, ``app.conf.task_time_limit = 600``, ``app.conf.update(task_time_limit=600)``,
    ``Celery(..., task_soft_time_limit=60)``, a config dict's ``"task_time_limit": 600``."""
    for node in ctx.nodes(ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
            if name.lower() in _SETTINGS and node.value is not None and _set(node.value):
                yield node.lineno, f"{name}={ast.unparse(node.value)}"
    for call in ctx.keyword_calls:
        for k in call.keywords:
            if k.arg and k.arg.lower() in _SETTINGS and _set(k.value):
                yield k.value.lineno, f"{k.arg}={ast.unparse(k.value)}"
    for d in ctx.nodes(ast.Dict):
        for key, value in zip(d.keys, d.values):
            if isinstance(key, ast.Constant) and str(key.value).lower() in _SETTINGS and _set(value):
                yield key.lineno, f"{key.value!s}={ast.unparse(value)}"


def place_time_limited(findings: Iterable[Finding], files: Sequence[FileFacts], facts: RepoFacts) -> list[Finding]:
    """Timeout findings inside time-limited Celery tasks (exact) or, under an app-wide limit, in plugin
    modules (partial), scaled down like an operator command's with a note. A finding placed already (a
    developer script, an operator command, a module nothing reaches: ``Finding.placement``) keeps its one
    scaling."""
    found = list(findings)
    if not any(f.rule in RULES for f in found):
        return found
    app = next((f"{ff.path}:{t.line} {t.setting}" for ff in files for t in ff.task_time_limits), "")
    tasks = {ff.path: [t for t in ff.celery_tasks if t.limit or app] for ff in files if ff.celery_tasks}
    plugins = plugin_modules(facts) if app else frozenset()
    out = []
    for f in found:
        note = ""
        if f.rule in RULES and f.placement == "production":
            task = next((t for t in tasks.get(f.path, ()) if t.first <= f.line <= t.last), None)
            if task is not None:
                note = f" (inside Celery task {task.name}, run under {task.limit or f'the app-wide {app}'}{TAIL}"
            elif f.path in plugins:
                note = (f" (in a plugin module nothing imports, loaded by name; every Celery task here runs under "
                        f"{app}: if only tasks run it{TAIL[:-1]}; confirm no web request or worker control command "
                        f"calls it)")
        if note:
            f = lowered(f, note, "time_limited")
        out.append(f)
    return out


def plugin_modules(facts: RepoFacts) -> frozenset[str]:
    """Paths of production Python modules no module outside their own kind imports, in folders of two or
    more of them: plugins a registry loads by name (IntelOwl's analyzers, connectors and ingestors). A
    module only such modules import (a plugin subclassing another) is one too; test modules' imports do
    not count; modules frameworks find by their file name (``data/reach.toml``: views, middleware, urls,
    admin...) are never plugins here, as a web request may run them."""
    web = discovered().names
    python = {m.name: m for m in facts.modules if m.language == "python" and m.path.endswith(".py")}
    counted = frozenset(name for name, m in python.items() if role_of(m.path) != "test")
    importers = {name: by & counted for name, by in facts.importers.items()}
    candidates = {name for name, m in python.items() if role(m.path) == "production"
                  and m.path.rpartition("/")[2].removesuffix(".py") not in web}
    plugins = {name for name in candidates if not importers.get(name)}
    grew = True
    while grew:
        more = {name for name in candidates - plugins if importers.get(name) and importers[name] <= plugins}
        plugins |= more
        grew = bool(more)
    folders: dict[str, int] = defaultdict(int)
    for name in plugins:
        folders[python[name].path.rpartition("/")[0]] += 1
    return frozenset(python[n].path for n in plugins if folders[python[n].path.rpartition("/")[0]] >= 2)
