"""Dual writes through a wrapper another module defines: a call to an in-process sender is no effect.

Per file, ``AcrossModules.in_process_senders`` names the module-level functions whose only outside-looking act is an
in-process signal (``in_process_senders`` in ``detectors.partial_failure``: a django-notifications
``notify.send`` behind a ``send_badge_notification``). A per-file detector sees only the name of a
call to one from another module (``call to send_badge_notification``) and takes its verb for a send;
here, with every file's facts, the callee the detector names (``Finding.callee``) is followed through
the import that brings the name, and a dual-write finding on it is dropped: the callee's body is read,
so the evidence is exact (Pontoon, held11, tuned after looking).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from archreview.core.model import FileFacts, Finding, Module
from archreview.repo.modules import absolute

def drop_in_process_calls(findings: Iterable[Finding], files: Sequence[FileFacts], modules: Sequence[Module]) -> list[Finding]:
    found = list(findings)
    quiet = {(f.path, name) for f in files if f.across for name in f.across.in_process_senders}
    if not quiet:
        return found
    facts = {f.path: f for f in files}
    module_at = {m.path: m for m in modules}
    path_of = {m.name: m.path for m in modules}
    out = []
    for f in found:
        if f.callee and f.rule.startswith("dual_write.") and _quiet(f.callee, f.path, facts, module_at, path_of, quiet):
            continue
        out.append(f)
    return out


def _quiet(name: str, path: str, facts: dict[str, FileFacts], module_at: dict[str, Module],
           path_of: dict[str, str], quiet: set[tuple[str, str]]) -> bool:
    """Is ``name``, as the file at ``path`` calls it, an in-process sender (its own, or imported by name)?"""
    if (path, name) in quiet:
        return True
    here, module = facts.get(path), module_at.get(path)
    if here is None or module is None:
        return False
    for raw in here.imports:
        if name not in raw.names:
            continue
        for candidate in absolute(raw, module.name, module.is_package):
            target = candidate.rsplit(".", 1)[0] if candidate.endswith("." + name) else ""
            if target in path_of and (path_of[target], name) in quiet:
                return True
    return False
