"""Static detectors for the checklist's failure modes.

The registry is a plain tuple of functions per category module; each takes a
``FileContext`` and yields ``Finding`` values. Repository-level items (20-22)
are computed from the change analysis in ``archreview.detectors.repo``.
"""

from __future__ import annotations

import ast

from archreview.detectors.base import FileContext
from archreview.model import Finding

FILE_DETECTORS: tuple = ()  # filled in by the category modules as they land


def file_findings(path: str, tree: ast.Module, text: str) -> tuple[Finding, ...]:
    """Run every file detector on one parsed Python file."""
    ctx = FileContext(path, tree, text)
    found: list[Finding] = []
    for detector in FILE_DETECTORS:
        found.extend(detector(ctx))
    return tuple(sorted(found, key=lambda f: (f.line, f.item, f.rule)))
