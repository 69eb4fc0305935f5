"""Static detectors for the checklist's failure modes.

The registry is a plain tuple of functions per category module; each takes a
``FileContext`` and yields ``Finding`` values. Repository-level items (20-22)
are computed from the change analysis in ``archreview.checklist.detectors.repo``.
"""

from __future__ import annotations

import ast

from archreview.checklist.detectors import concurrency, data_integrity, load, partial_failure, scale, security
from archreview.facts.index import FileContext
from archreview.core.model import Finding

FILE_DETECTORS: tuple = (
    *partial_failure.DETECTORS,  # items 1-4
    *concurrency.DETECTORS,  # items 5-7
    *data_integrity.DETECTORS,  # items 8-10
    *load.DETECTORS,  # items 11-13
    *security.DETECTORS,  # items 14-16
    *scale.DETECTORS,  # items 17-19
)


def file_findings(path: str, tree: ast.Module, text: str, ctx: FileContext | None = None) -> tuple[Finding, ...]:
    """Run every file detector on one parsed Python file (``ctx`` reuses an indexed tree)."""
    ctx = ctx or FileContext(path, tree, text)
    found: list[Finding] = []
    for detector in FILE_DETECTORS:
        found.extend(detector(ctx))
    return tuple(sorted(found, key=lambda f: (f.line, f.item, f.rule)))
