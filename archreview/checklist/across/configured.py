"""Modules a configuration file names by function: a registry loads them, whatever their ``__main__`` says.

A production module that ends in ``if __name__ == "__main__":`` is placed as an operator command
(``placement.place``, per file): someone runs it by hand. Electricity Maps' parsers all end so, as a
developer's harness ("never used by the backend, but handy for testing"), while the scheduled fetcher
loads them by the names its zone configuration gives (``production: CEB.fetch_production`` in
``config/zones/LK.yaml``), so their calls run in production (held12: 24 timeout findings labelled true
sat under the report's floor; tuned after looking).

Per file, ``AcrossModules.harness`` records, for a module run by hand that registers no command-line command,
the names of its top-level functions (``harness_functions``). The repository stage (``place_named_modules``)
takes such a module back to production when a configuration file (YAML, JSON, TOML, INI) names one of
its functions as ``<module>.<function>``, by its file name or any dotted spelling of its path: the
findings get their confidence back and lose the operator-command note. Configuration under a folder
named retired, archived, deprecated, legacy or disabled names nothing that runs, and a module in such a
folder is not the one a live name means (``parsers/archived/SE.py`` beside ``parsers/SE.py``).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterable, Sequence

from archreview.checklist.detectors import command_spans, run_by_hand
from archreview.checklist.placement import COMMAND_NOTE, COMMAND_SCALE
from archreview.core.model import FileFacts, Finding
from archreview.facts.index import FileContext
from archreview.sources.roles import role_of

_CONFIG = frozenset({"yaml", "json", "toml", "ini", "conf"})
_RETIRED = re.compile(r"(^|/)(retired|archived?|deprecated|legacy|disabled|old)[^/]*/", re.I)


def harness_functions(ctx: FileContext) -> tuple[str, ...]:
    """The top-level functions of a module run by hand that registers no command (none for any other)."""
    if not run_by_hand(ctx) or command_spans(ctx):
        return ()
    return tuple(n.name for n in ctx.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def place_named_modules(findings: Iterable[Finding], files: Sequence[FileFacts]) -> list[Finding]:
    """Operator-command findings of modules a configuration names by function, back in production."""
    found = list(findings)
    harnesses = {ff.path: set(ff.across.harness) for ff in files if ff.across and ff.across.harness}
    if not harnesses or not any(f.placement == "command" and f.path in harnesses for f in found):
        return found
    named: set[str] = set()  # "<spelling>.<function>" as configuration files write them
    for ff in files:
        if ff.language in _CONFIG and role_of(ff.path) != "test" and not _RETIRED.search(ff.path):
            named.update(m for m in ff.mentions if ":" not in m and not m.endswith("."))
    live = {path for path, funcs in harnesses.items() if not _RETIRED.search(path)
            and any(f"{s}.{fn}" in named for s in _spellings(path) for fn in funcs)}
    out = []
    for f in found:
        if f.path in live and f.placement == "command" and f.message.endswith(COMMAND_NOTE):
            f = dataclasses.replace(f, confidence=min(0.99, round(f.confidence / COMMAND_SCALE, 2)),
                                    message=f.message.removesuffix(COMMAND_NOTE), placement="production")
        out.append(f)
    return out


def _spellings(path: str) -> set[str]:
    """The file name and every dotted suffix of the path (``parsers/CEB.py``: ``CEB``, ``parsers.CEB``)."""
    parts = path.removesuffix(".py").split("/")
    return {".".join(parts[i:]) for i in range(len(parts))}
