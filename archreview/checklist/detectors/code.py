"""Checklist evidence in TypeScript/JavaScript, C#, Java, Kotlin and Go files (from their ``CodeFacts``).

Only where the evidence is solid on real code (bench/README.md):

* item 3, ``except.swallowed``: a catch block with nothing in it, not even a
  comment, in production code. Catching everything (JavaScript's untyped catch,
  ``catch (Exception)``) and dropping it is reported at 0.8; one named exception
  type at 0.2 (often a deliberate ``TaskCanceledException``); an empty catch
  inside another catch is left out (a best-effort rollback while the first error
  is rethrown, as typeorm does throughout).
"""

from __future__ import annotations

from archreview.checklist.rules import make
from archreview.core.model import Finding
from archreview.core.redact import redact
from archreview.facts.treesitter import CodeFacts
from archreview.sources.roles import role_of


def code_findings(path: str, code: CodeFacts, text: str) -> tuple[Finding, ...]:
    if role_of(path) != "production":
        return ()
    lines = text.splitlines()
    out = []
    for line, kind in code.empty_catches:
        if kind not in ("all", "typed"):
            continue
        snippet = redact(lines[line - 1].strip()[:200]) if 0 < line <= len(lines) else ""
        out.append(make("except.swallowed", path, line, f"empty_catch_{kind}", snippet=snippet))
    return tuple(out)
