"""The JSON document of DESIGN.md's contract: the one place dicts are built.

Every list is sorted by a stable key so two runs diff cleanly, and every
string that comes from the analysed code (messages, snippets, evidence) goes
through ``redact`` so a secret found in the code never leaves in the output.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TextIO

from archreview import __version__
from archreview.core.model import Analysis
from archreview.core.redact import redact
from archreview.repo import coverage
from archreview.checklist.rules import in_report


def document(analysis: Analysis) -> dict[str, Any]:
    a = analysis
    return {
        "archreview": __version__,
        "repo": {"path": a.repo.path, "base": a.repo.base, "head": a.repo.head,
                 "base_ref": a.repo.base_name, "head_ref": a.repo.head_name, "git": a.repo.is_git},
        "files": {
            "analysed": len(a.head.files),
            "languages": _languages(a),
            "skipped": [{"path": s.path, "reason": s.reason} for s in a.head.skipped],
            "manifests_not_read": [{"path": p, "ecosystem": e} for p, e in coverage.unread_manifests(a.head.files)],
        },
        "modules": [
            {"name": m.name, "path": m.path, "loc": m.loc, "language": m.language, "imports": [_import(i) for i in m.imports]}
            for m in a.modules
        ],
        "graph": _graph(a),
        "complexity": _complexity(a),
        "new_infrastructure": [
            {"kind": n.kind, "name": n.name, "evidence": [{"path": e.path, "line": e.line} for e in n.evidence],
             "test_only": n.test_only, "declared_not_used": n.declared_unused, "declared_used": n.declared_used}
            for n in a.new_infrastructure
        ],
        "new_dependencies": list(a.new_dependencies),
        "findings": [
            {"item": f.item, "path": f.path, "line": f.line, "message": redact(f.message), "confidence": f.confidence,
             "snippet": redact(f.snippet), "rule": f.rule, "new": f.new, "fingerprint": f.fingerprint,
             "baseline": f.baseline,
             "shown": "report" if in_report(f) else "lead"}
            for f in a.findings
        ],
        "resolved": None if a.resolved is None else [
            {"fingerprint": r.fingerprint, "item": r.item, "path": r.path} for r in a.resolved
        ],
        "fit_test": [
            {"question": q.question, "verdict": q.verdict, "summary": redact(q.summary),
             "evidence": [{"path": e.path, "line": e.line, "text": redact(e.text)} for e in q.evidence],
             "omitted": q.omitted}
            for q in a.fit_test
        ],
        "changed_files": list(a.changed_files),
        "errors": [{"path": e.path, "message": e.message} for e in a.errors],
    }


def _languages(a: Analysis) -> dict[str, dict[str, Any]]:
    return {name: {"files": n, "analysed": analysed} for name, (n, analysed) in coverage.languages(a.head.files).items()}


def _import(i) -> dict[str, Any]:
    out = {"module": i.target, "line": i.line, "category": i.category}
    if i.distribution:
        out["distribution"] = i.distribution
    if i.type_checking:
        out["type_checking"] = True
    if i.local:
        out["local"] = True
    return out


def _graph(a: Analysis) -> dict[str, Any]:
    g = a.graph
    return {
        "nodes": list(g.nodes),
        "edges": [list(e) for e in g.edges],
        "cycles": [list(c) for c in g.cycles],
        "violations": [dataclasses.asdict(v) for v in g.violations],
        "depth": g.depth,
        "packages": list(g.packages),
        "package_edges": [list(e) for e in g.package_edges],
        "coupling": [dataclasses.asdict(c) for c in g.coupling],
    }


def _complexity(a: Analysis) -> dict[str, Any]:
    functions, files = [], []
    for f in a.head.files:
        functions += [{"path": f.path, "name": fn.name, "line": fn.line, "cc": fn.cc} for fn in f.functions]
        if f.raw is not None:
            files.append({"path": f.path, "mi": f.mi, "loc": f.raw.loc, "sloc": f.raw.sloc, "lloc": f.raw.lloc,
                          "comments": f.raw.comments, "multi": f.raw.multi, "blank": f.raw.blank,
                          "halstead": dataclasses.asdict(f.halstead) if f.halstead else None})
    return {
        "functions": functions,
        "files": files,
        "churn": [dataclasses.asdict(c) for c in a.churn],
        "hotspots": [dataclasses.asdict(h) for h in a.hotspots],
    }


def write(analysis: Analysis, out: TextIO) -> None:
    # One compact string: only json.dumps without indent takes the C encoder (json.dump to a
    # file always runs the pure-Python one); ASCII because file names may hold undecodable bytes.
    out.write(json.dumps(document(analysis), separators=(",", ":")))
    out.write("\n")
