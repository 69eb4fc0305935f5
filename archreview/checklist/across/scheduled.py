"""Dual writes that only hurry a periodic job: an enqueue of a task the beat schedule also runs.

Onyx commits a change, then ``client_app.send_task(OnyxCeleryTask.CHECK_FOR_INDEXING, ...)`` "to speed up" the
check, and ``beat_schedule.py`` runs that same task every 15 seconds (``{"task": OnyxCeleryTask.CHECK_FOR_INDEXING,
"schedule": timedelta(seconds=15)}``). If the enqueue is lost after the commit, the next periodic run does the same
work from the committed rows: the message only makes it sooner, so ``dual_write.commit_then_publish`` has no lost
effect to name (held4, labelled false three times; tuned after looking).

Per file, ``AcrossModules`` records the tasks a schedule entry names (a dict with a ``"schedule"`` and a ``"task"``
key: Celery's ``beat_schedule`` entries) and the ``send_task(NAME, ...)`` calls that hand a task no positional
arguments (``args=``): (line, NAME as written). The repository stage drops a commit-then-publish finding on such a
call when some schedule entry names the same task, written the same way (a constant of a task-name class, or the
task's name as a string).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

from archreview.core.model import FileFacts, Finding
from archreview.facts.index import FileContext, dotted

RULE = "dual_write.commit_then_publish"


def _name(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return dotted(node) if node is not None else ""


def scheduled_task_facts(ctx: FileContext) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
    """(tasks the file's schedule entries name, send_task calls of a named task with no arguments) of one file."""
    text = ctx.text
    if ctx.is_test or "schedule" not in text and "send_task" not in text:
        return (), ()
    scheduled: list[str] = []
    if '"schedule"' in text or "'schedule'" in text:
        for entry in ctx.nodes(ast.Dict):
            keys = {k.value: v for k, v in zip(entry.keys, entry.values) if isinstance(k, ast.Constant)}
            if "schedule" in keys and _name(keys.get("task")):
                scheduled.append(_name(keys["task"]))
    sent: list[tuple[int, str]] = []
    if "send_task" in text:
        for call in ctx.nodes(ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "send_task" and len(call.args) == 1 \
                    and not any(k.arg in {"args", None} for k in call.keywords) and _name(call.args[0]):
                sent.append((call.lineno, _name(call.args[0])))
    return tuple(dict.fromkeys(scheduled)), tuple(sent)


def drop_scheduled_enqueues(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """The findings without the commit-then-publish ones on an enqueue of a task the schedule runs anyway."""
    found = list(findings)
    scheduled = {t for f in files if f.across for t in f.across.scheduled_tasks}
    if not scheduled:
        return found
    hurried = {(f.path, line) for f in files if f.across for line, task in f.across.sent_tasks if task in scheduled}
    return [f for f in found if not (f.rule == RULE and (f.path, f.line) in hurried)]
