"""A finding's stable identity, for baselines, SARIF and per-finding decisions.

A fingerprint is a hash of what the finding is about, not of where it happens to
sit today: the rule, the file, the enclosing function, the normalised code of the
enclosing statement and an occurrence index among findings that share all of
those. Lines added or removed elsewhere in the file move a finding without
changing its fingerprint; two different findings never share one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable

from archreview.core.model import Finding
from archreview.core.vocab import KIND_LABELS

# (enclosing function's qualified name or "", normalised code of the enclosing statement)
Place = tuple[str, str]


def normalise(code: str) -> str:
    """Whitespace-insensitive code: re-indenting or re-wrapping a statement keeps its identity."""
    return " ".join(code.split())


def fingerprint(rule: str, path: str, function: str, statement: str, occurrence: int) -> str:
    key = "\0".join((rule, path, function, normalise(statement), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def with_fingerprints(findings: Iterable[Finding], place_of: Callable[[Finding], Place]) -> tuple[Finding, ...]:
    """The findings, each with its fingerprint; ``place_of`` says where a finding sits in the code."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    out = []
    for f in sorted(findings, key=lambda f: (f.path, f.line, f.rule, f.message)):
        function, statement = place_of(f)
        key = (f.rule, f.path, function, normalise(statement))
        out.append(dataclasses.replace(f, fingerprint=fingerprint(*key, seen[key])))
        seen[key] += 1
    return tuple(out)


# Rules whose messages name a kind: they now show its label, and are hashed with the id they showed
# before, so baselines and per-finding decisions made on the earlier wording still match.
_NAMES_A_KIND = ("infra.", "opens.", "fit.q4")
_TO_ID = sorted(((label, kind) for kind, label in KIND_LABELS.items() if label != kind), key=lambda p: -len(p[0]))


def by_message(f: Finding) -> Place:
    """The place of a finding that no code statement holds (repository-level items 20-22)."""
    text = f.message
    if f.rule.startswith(_NAMES_A_KIND):
        for label, kind in _TO_ID:
            text = text.replace(label, kind)
    return "", "".join(c for c in text if not c.isdigit())
