"""Where a finding sits, and what that does to it.

The same shape means different things in different places: a request without a
timeout in a request handler is a production hang; in a developer script a human
watches, it is not. A destructive migration a change adds is its main risk; the
same migration, applied two years ago, is history. This module ranks findings by
their place (lower confidence and a word of explanation), so the client report and
``--fail-on`` lead with production paths.

The path rules here are the checklist's reading of a file's role; they give way to
the shared file-role classifier (production, test, migration, script, generated,
vendored) when that lands in ``archreview.core``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from archreview.core.model import Finding

# Developer and maintainer tooling: scripts, docs, examples, release and set-up helpers.
_DEV = re.compile(
    r"(^|/)(dev|devtools|scripts?|tools|bin|extras|docs?|examples?|contrib|benchmarks?|hack|utils/dev|docker)/"
    r"|(^|/)(setup|noxfile|fabfile|tasks|conftest|release[_a-z]*|manage_dev|healthcheck)\.py$"
)
# Commands an operator runs (some run from cron too): Django management commands, CLI modules.
_COMMAND = re.compile(r"(^|/)management/|(^|/)cli/|(^|/)(cli|commands|manage)\.py$")
_MIGRATION = re.compile(r"(^|/)(migrations|alembic/versions|versions)/[^/]+\.py$|(^|/)migrations?/")
_DEV_SETTINGS = re.compile(r"(^|/)settings/(ci|test|tests|testing|local|local_dev|dev|development)\.py$|"
                           r"(^|/)(settings_(ci|test|dev|local)|local_settings|dev_settings|test_settings)\.py$")

DEV_NOTE = " (in a developer script or tool, not a production path)"
COMMAND_NOTE = " (in an operator command: confirm whether it runs in production, e.g. from cron)"
# Measured on bench/realcode: findings in developer tooling were almost never production risks, and
# in operator commands about one in three; both fall under the report's floor and stay leads.
DEV_SCALE, COMMAND_SCALE = 0.4, 0.5


def is_migration(path: str) -> bool:
    return bool(_MIGRATION.search(path)) and "alembic/env.py" not in path


def role(path: str) -> str:
    """"migration", "dev", "command", "dev-settings" or "production" (tests never reach the detectors)."""
    if is_migration(path):
        return "migration"
    if _DEV_SETTINGS.search(path):
        return "dev-settings"
    if _DEV.search(path):
        return "dev"
    if _COMMAND.search(path):
        return "command"
    return "production"


def place(findings: Iterable[Finding]) -> list[Finding]:
    """Findings of one file ranked by where they sit (per-file, before any change is known)."""
    out = []
    for f in findings:
        where = role(f.path)
        if where in ("dev", "dev-settings"):
            f = dataclasses.replace(f, confidence=round(f.confidence * DEV_SCALE, 2), message=f.message + DEV_NOTE)
        elif where == "command":
            f = dataclasses.replace(f, confidence=round(f.confidence * COMMAND_SCALE, 2),
                                    message=f.message + COMMAND_NOTE)
        out.append(f)
    return out


def history(findings: Iterable[Finding], has_base: bool) -> list[Finding]:
    """In a whole-repository review, findings in migrations are history, not risks: drop them.

    In a change review a migration the change adds or edits is the risk itself, so they stay
    (and are new exactly when their lines changed).
    """
    return list(findings) if has_base else [f for f in findings if not is_migration(f.path)]
