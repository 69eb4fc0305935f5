"""Findings compared with a previous run (``--baseline PREV.json``): new, unchanged, resolved.

Findings are matched by fingerprint (``archreview.core.fingerprint``), so a finding
that only moved is unchanged, and the previous run's findings that are gone are
listed as resolved.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from archreview.core.errors import BadBaseline
from archreview.core.model import Analysis, Resolved

_HOW = "give the JSON document `archreview analyze --json` wrote for the previous run"


def read_baseline(path: str | os.PathLike[str]) -> tuple[Resolved, ...]:
    """The previous run's findings, as (fingerprint, item, path); one-line errors for anything else."""
    try:
        with open(path, encoding="utf-8") as f:
            doc: Any = json.load(f)
    except OSError as exc:
        raise BadBaseline(f"cannot read the baseline: {exc.strerror}; {_HOW}", path=str(path)) from exc
    except (ValueError, RecursionError) as exc:
        raise BadBaseline(f"the baseline is not a JSON document; {_HOW}", path=str(path)) from exc
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise BadBaseline(f"the baseline has no 'findings' list; {_HOW}", path=str(path))
    prior = []
    for f in findings:
        if not (isinstance(f, dict) and isinstance(f.get("fingerprint"), str) and f["fingerprint"]):
            raise BadBaseline("the baseline's findings carry no fingerprint (an older archreview wrote it); "
                              "run `archreview analyze --json` again to make a new baseline", path=str(path))
        prior.append(Resolved(f["fingerprint"], int(f.get("item") or 0), str(f.get("path") or "")))
    return tuple(prior)


def compare(analysis: Analysis, prior: tuple[Resolved, ...]) -> Analysis:
    """Each finding marked ``new`` or ``unchanged``; the prior findings no longer found listed as resolved."""
    before = {p.fingerprint for p in prior}
    now = {f.fingerprint for f in analysis.findings}
    findings = tuple(dataclasses.replace(f, baseline="unchanged" if f.fingerprint in before else "new")
                     for f in analysis.findings)
    resolved = tuple(sorted({p for p in prior if p.fingerprint not in now}))
    return dataclasses.replace(analysis, findings=findings, resolved=resolved)
