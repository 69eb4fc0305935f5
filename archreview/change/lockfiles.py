"""What a change does to the npm lockfiles: resolved versions, direct dependencies against transitive ones.

A package.json says what the code asks for (``^5.4.0``); the lockfile says what
is installed (``5.4.2``) and everything that comes with it. A reviewer needs
both apart: a new *direct* dependency is a decision of the change, while a
package that appears only in the lockfile is a transitive one, brought by a
dependency (or a lockfile refresh), and is read differently.

Pure: reads the ``npm-locked`` entries the per-file stage took from each
lockfile (``archreview.facts.packages.read_lock``) and the declared packages.
"""

from __future__ import annotations

from collections import defaultdict

from archreview.change.infra import declared_packages
from archreview.core.model import LockChanges, Snapshot
from archreview.facts.packages import is_lockfile


def locked(snapshot: Snapshot) -> dict[str, frozenset[str]]:
    """Package -> every version an npm lockfile of the snapshot resolves it to."""
    out: dict[str, set[str]] = defaultdict(set)
    for f in snapshot.files:
        for key, entry in f.declares:
            if key == "npm-locked":
                name, _, version = entry.partition("\t")
                out[name].add(version)
    return {k: frozenset(v) for k, v in out.items()}


def _direct(snapshot: Snapshot) -> set[str]:
    return {name for (ecosystem, _), name in declared_packages(snapshot).items() if ecosystem == "npm"}


def _versions(found: frozenset[str]) -> str:
    return ", ".join(sorted(found))


def lock_changes(base: Snapshot, head: Snapshot) -> LockChanges | None:
    """The change's effect on the lockfiles, or None when neither side has an npm lockfile."""
    files = tuple(sorted(f.path for f in head.files if is_lockfile(f.path) and f.error is None))
    if not files and not any(is_lockfile(f.path) for f in base.files):
        return None
    before, after = locked(base), locked(head)
    direct_before, direct_after = _direct(base), _direct(head)
    direct = direct_before | direct_after
    new_direct = sorted(direct_after - direct_before)
    resolved = tuple((name, _versions(after.get(name, frozenset()))) for name in new_direct)
    added = tuple((n, _versions(v)) for n, v in sorted(after.items()) if n not in before and n not in direct)
    removed = tuple((n, _versions(v)) for n, v in sorted(before.items()) if n not in after and n not in direct)
    moved = [(n, _versions(before[n]), _versions(v)) for n, v in sorted(after.items()) if n in before and before[n] != v]
    return LockChanges(files, resolved, added, removed,
                       tuple(m for m in moved if m[0] not in direct),
                       tuple(m for m in moved if m[0] in direct_before & direct_after))
