"""Blocking calls in coroutines that sync code runs, each on an event loop of its own.

``async.blocking_call`` claims that the event loop, and every request it serves, waits. That holds where
a loop is shared: an ASGI or aiohttp server, a bot, a consumer that spawns tasks. A Celery worker that
calls ``async_to_sync(update_commit_from_provider_info)(...)`` runs that coroutine on a loop made for the
call: nothing else is on it, so a blocking call there blocks only the task that was blocking anyway
(codecov/worker, held12: 12 findings, all labelled false; tuned after looking).

Per file, ``declares`` records the evidence (``loop_declares``):

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
import dataclasses
import re
from collections.abc import Iterable, Sequence

from archreview.checklist.placement import COMMAND_SCALE, role
from archreview.core.model import FileFacts, Finding
from archreview.facts.index import FileContext
from archreview.sources.roles import role_of

BRIDGE = "async-bridge"  # declares key: the line of an ``async_to_sync`` call
SHARED_LOOP = "shared-loop"  # declares key: "line\twhat" of a framework import or a loop started or fed
SIDE_BY_SIDE = "side-by-side"  # declares key: "line\twhat" of coroutines run side by side in this file
RULE = "async.blocking_call"

_FRAMEWORKS = re.compile(r"^(fastapi|starlette|aiohttp|sanic|quart|tornado|channels|discord|aiogram|telegram|"
                         r"uvicorn|hypercorn|daphne|websockets|faust|aiokafka|litestar|grpc\.aio|socketio|"
                         r"nio|slack_bolt\.async_app|redbot)(\.|$)")
_STARTS = frozenset({"asyncio.run", "asyncio.ensure_future", "asyncio.create_task", "asyncio.TaskGroup",
                     "anyio.run", "trio.run"})
_STARTS_ATTRS = frozenset({"run_until_complete", "run_forever", "create_task", "ensure_future", "start_server"})
_SIDE_BY_SIDE = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed", "anyio.create_task_group"})


def loop_declares(ctx: FileContext) -> tuple[tuple[str, str], ...]:
    """The evidence one Python file gives about who runs its coroutines (see the module's docstring)."""
    text = ctx.text
    if "async" not in text and "asyncio" not in text and not any(_FRAMEWORKS.match(v) for v in ctx.aliases.values()):
        return ()
    out: list[tuple[str, str]] = []
    for name, full in sorted(ctx.aliases.items()):
        if _FRAMEWORKS.match(full):
            out.append((SHARED_LOOP, f"0\timports {full}"))
            break
    for call in ctx.calls():
        name = ctx.qualified(call)
        last = name.rsplit(".", 1)[-1]
        if name == "asgiref.sync.async_to_sync":
            out.append((BRIDGE, str(call.lineno)))
        elif name in _STARTS or last in _STARTS_ATTRS and "." in name:
            out.append((SHARED_LOOP, f"{call.lineno}\t{name}"))
        elif name in _SIDE_BY_SIDE:
            out.append((SIDE_BY_SIDE, f"{call.lineno}\t{name}"))
    return tuple(dict.fromkeys(out))


def place_own_loop(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """Blocking-call findings in a repository whose coroutines run only through ``async_to_sync``, scaled
    down with a note (a finding placed already keeps its one scaling)."""
    found = list(findings)
    if not any(f.rule == RULE for f in found):
        return found
    production = [ff for ff in files if role_of(ff.path) != "test" and role(ff.path) == "production"]
    bridge = next((f"{ff.path}:{v}" for ff in production for k, v in ff.declares if k == BRIDGE), "")
    if not bridge or any(k == SHARED_LOOP for ff in production for k, _ in ff.declares):
        return found
    crowded = {ff.path for ff in files if any(k == SIDE_BY_SIDE for k, _ in ff.declares)}
    note = (f" (no module here serves requests on an event loop: coroutines run through async_to_sync "
            f"(e.g. {bridge}), each on a loop of its own, so this blocks only its own task)")
    out = []
    for f in found:
        if f.rule == RULE and f.placement == "production" and f.path not in crowded:
            f = dataclasses.replace(f, confidence=round(f.confidence * COMMAND_SCALE, 2), message=f.message + note,
                                    placement="own_loop")
        out.append(f)
    return out
