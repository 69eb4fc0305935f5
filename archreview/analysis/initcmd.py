"""``archreview init``: a first archreview.toml drafted from what the code already does."""

from __future__ import annotations

import os
from pathlib import Path

from archreview.analysis.inputs import check_path
from archreview.analysis.run import analyze
from archreview.change.infra import infrastructure_in_use
from archreview.analysis.draft import draft_context


def draft_for(path: str | os.PathLike) -> tuple[str, Path]:
    """(the drafted TOML text, the default place to write it)."""
    root = check_path(path)
    analysis = analyze(root)
    text = draft_context(analysis.head, analysis.modules, infrastructure_in_use(analysis.head))
    return text, root / "archreview.toml"
