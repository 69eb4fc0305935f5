"""Dual writes through helpers that commit by themselves, read across modules.

A model whose methods commit (zou's ``BaseMixin.create``/``update``/``delete`` run ``db.session.commit()``)
or a service function that commits (``files_service.create_preview_file_raw``) makes the commit happen in
another module. The per-file detector sees an event after such a call with no commit before it: nothing,
or, when the function commits again later, a publish *before* the commit (held12: zou's
``events.emit("time-spent:new", ...)`` after ``TimeSpent.create(...)``, labelled false as
``publish_then_commit`` because the row was committed already; tuned after looking).

Per file, ``AcrossModules`` records the effects that follow calls which may commit (``helper_effects``: the
nearest such calls on the effect's path, each with how to find its callee) and the functions and model
methods whose own body commits (``commits_funcs``, ``commits_methods``; ``detectors.partial_failure``).
Here, with every file's facts, the nearest callee that does commit makes the effect a
``dual_write.commit_then_publish`` (variant ``helper``, naming the helper and its line), and a
``publish_then_commit`` finding on the same effect is dropped: the callee's body was read, so the
evidence is exact. A function is found through its module's dotted name; a method by its name among the
methods model classes (classes of a ``models`` module or package) define.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from archreview.checklist.rules import make
from archreview.core.fingerprint import with_fingerprints
from archreview.core.model import FileFacts, Finding, HelperEffect, Module

RULE = "dual_write.commit_then_publish"
BEFORE = "dual_write.publish_then_commit"


def helper_dual_writes(findings: Iterable[Finding], files: Sequence[FileFacts], modules: Sequence[Module],
                       changed_lines: dict[str, frozenset[int]] | None = None) -> list[Finding]:
    """The findings with the dual writes that helpers committing by themselves make (``changed_lines``, in a
    change review: each made finding is new when its line changed)."""
    found = list(findings)
    across = [(f.path, f.across) for f in files if f.across]
    candidates = [(path, e) for path, a in across for e in a.helper_effects]
    if not candidates:
        return found
    methods = {name for _, a in across for name in a.commits_methods}
    path_of = {m.name: m.path for m in modules}
    funcs = {(path, name) for path, a in across for name in a.commits_funcs}
    if not methods and not funcs:
        return found
    chosen: dict[tuple[str, int], HelperEffect] = {}  # (path, effect line) -> nearest committing helper
    for path, effect in candidates:
        if _commits(effect, methods, funcs, path_of):
            at = (path, effect.line)
            if at not in chosen or effect.helper_line > chosen[at].helper_line:
                chosen[at] = effect
    if not chosen:
        return found
    reported = {(f.path, f.line) for f in found if f.rule == RULE}
    made = []
    names: dict[tuple[str, int], str] = {}
    for (path, line), e in sorted(chosen.items(), key=lambda item: item[0]):
        if (path, line) in reported:
            continue
        f = make(RULE, path, line, "helper", snippet=e.snippet, effect=e.effect, helper=e.written, commit=e.helper_line)
        if changed_lines is not None:
            f = dataclasses.replace(f, new=line in changed_lines.get(path, frozenset()))
        made.append(f)
        names[(path, line)] = e.function
    kept = [f for f in found if not (f.rule == BEFORE and (f.path, f.line) in chosen)]
    return kept + list(with_fingerprints(made, lambda f: (names[(f.path, f.line)], f.snippet)))


def _commits(effect: HelperEffect, methods: set[str], funcs: set[tuple[str, str]], path_of: dict[str, str]) -> bool:
    """Does the helper before ``effect`` commit in its own body (a model method by its name, a function found
    through its module's dotted name)?"""
    if effect.callee_kind == "method":
        return effect.callee in methods
    module, _, func = effect.callee.rpartition(".")
    path = path_of.get(module) or next((p for n, p in path_of.items() if n.endswith("." + module)), None)
    return path is not None and (path, func) in funcs
