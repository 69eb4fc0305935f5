"""Hotspots: files that are both complex and often changed.

Complexity alone flags stable legacy code nobody touches; churn alone flags
config files. Their product, each normalised to the repository's maximum,
points at the code where a change is most likely to hurt.
"""

from __future__ import annotations

from collections.abc import Sequence

from archreview.core.model import Churn, FileFacts, Hotspot


def hotspots(files: Sequence[FileFacts], churn: Sequence[Churn], limit: int = 50) -> tuple[Hotspot, ...]:
    commits = {c.path: c.commits for c in churn}
    complexity = {f.path: sum(fn.cc for fn in f.functions) for f in files if f.functions}
    both = [(p, commits[p], cc) for p, cc in complexity.items() if commits.get(p)]
    if not both:
        return ()
    top_churn = max(c for _, c, _ in both)
    top_cc = max(cc for _, _, cc in both)
    ranked = [Hotspot(p, c, cc, round((c / top_churn) * (cc / top_cc), 4)) for p, c, cc in both]
    ranked.sort(key=lambda h: (-h.score, h.path))
    return tuple(ranked[:limit])
