"""Where a finding sits, and what that does to it.

The same shape means different things in different places: a request without a
timeout in a request handler is a production hang; in a developer script a human
watches, it is not. A destructive migration a change adds is its main risk; the
same migration, applied two years ago, is history. This module ranks findings by
their place (lower confidence and a word of explanation), so the client report and
``--fail-on`` lead with production paths.

The shared file-role classifier (``archreview.sources.roles``) decides first; the
checklist only adds the distinctions it needs on top (operator commands, development
settings, developer folders the shared rules do not list).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from archreview.core.model import Finding
from archreview.core.vocab import Placement
from archreview.sources.roles import role_of

# Developer and maintainer tooling: scripts, docs, examples, release and set-up helpers.
# Folders whose names also name production packages (``bugbug/tools/``, ``django/contrib/``) and
# ``tasks.py`` (invoke's file at the root; a Celery or worker module inside a package) count only
# at the top of the repository.
# Evaluation harnesses and scratch folders (``evaluation/``, ``evals/``, ``playground/``) count at the top
# only (an ML product's ``mlflow/models/evaluation/`` is the product); a spike is never the product.
_DEV = re.compile(
    r"(^|/)(scripts?|bin|docs?|examples?|benchmarks?|spikes?|utils/dev)/"
    r"|^(dev|devtools|tools|extras|contrib|hack|docker|evals?|evaluations?|sandbox|playground)/"
    r"|(^|/)(setup|noxfile|fabfile|conftest|release[_a-z]*|manage_dev|healthcheck)\.py$|^tasks\.py$"
)
# Commands an operator runs (some run from cron too): Django management commands, CLI modules.
_COMMAND = re.compile(r"(^|/)management/|(^|/)cli/|(^|/)(cli|commands|manage)\.py$|(^|/)[a-z0-9_]+_cli\.py$")
_MIGRATION = re.compile(r"(^|/)(migrations|alembic/versions|versions)/[^/]+\.py$|(^|/)migrations?/|(^|/)migrations\.py$")
_DEV_SETTINGS = re.compile(r"(^|/)settings/(ci|test|tests|testing|local|local_dev|dev|development)\.py$|"
                           r"(^|/)(settings_(ci|test|dev|local)|local_settings|dev_settings|test_settings)\.py$")

DEV_NOTE = " (in a developer script or tool, not a production path)"
COMMAND_NOTE = " (in an operator command: confirm whether it runs in production, e.g. from cron)"
# Measured on bench/realcode: findings in developer tooling were almost never production risks, and
# in operator commands about one in three; both fall under the report's floor and stay leads.
DEV_SCALE, COMMAND_SCALE = 0.4, 0.5


def is_migration(path: str) -> bool:
    return role_of(path) == "migration" or bool(_MIGRATION.search(path)) and "alembic/env.py" not in path


def role(path: str) -> str:
    """"migration", "dev", "command", "dev-settings" or "production" (tests never reach the detectors).

    The shared classification (``archreview.sources.roles.role_of``) decides first: its scripts and
    docs are developer tooling here; the checklist adds developer folders it does not know
    (``dev/``, ``tools/``, ``docker/``...), development settings and operator commands.
    """
    shared = role_of(path)
    if shared == "migration" or is_migration(path):
        return "migration"
    if _DEV_SETTINGS.search(path):
        return "dev-settings"
    if shared in ("script", "docs") or _DEV.search(path):
        return "dev"
    if _COMMAND.search(path):
        return "command"
    return "production"


def lowered(f: Finding, note: str, placement: Placement, scale: float = COMMAND_SCALE) -> Finding:
    """``f`` placed off a production path: its confidence scaled once, the reason said at the end of its message."""
    return dataclasses.replace(f, confidence=round(f.confidence * scale, 2), message=f.message + note, placement=placement)


def place(findings: Iterable[Finding], task_runner: bool = False, run_by_hand: bool = False,
          commands: Sequence[tuple[int, int]] = ()) -> list[Finding]:
    """Findings of one file ranked by where they sit (per-file, before any change is known).

    ``task_runner``: the file defines invoke/fabric tasks (``from invoke import task``), a
    developer's set-up file wherever it sits (wger keeps one as ``wger/tasks.py``).
    ``run_by_hand``: the module has an ``if __name__ == "__main__":`` block, so someone runs it as
    a script; in a production folder it is placed as an operator command. Measured on the 35
    labelled repositories (after looking at held6): report-rule findings in such modules were
    right 5 times in 60 (operator scripts, API examples, connectors' manual test harnesses).
    ``commands``: line spans of functions registered as command-line commands (click, typer, a
    Flask app's ``cli``); a finding inside one is placed as an operator command wherever the file sits.
    """
    out = []
    for f in findings:
        where = "dev" if task_runner else role(f.path)
        if where == "production" and (run_by_hand or any(a <= f.line <= b for a, b in commands)):
            where = "command"
        if where in ("dev", "dev-settings"):
            f = lowered(f, DEV_NOTE, "dev", DEV_SCALE)
        elif where == "command":
            f = lowered(f, COMMAND_NOTE, "command")
        out.append(f)
    return out


def history(findings: Iterable[Finding], has_base: bool) -> list[Finding]:
    """In a whole-repository review, findings in migrations are history, not risks: drop them.

    In a change review a migration the change adds or edits is the risk itself, so they stay
    (and are new exactly when their lines changed).
    """
    return list(findings) if has_base else [f for f in findings if not is_migration(f.path)]
