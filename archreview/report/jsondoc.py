"""The JSON document of DESIGN.md's contract: the one place dicts are built.

Every list is sorted by a stable key so two runs diff cleanly, and every
string goes through ``redact`` on the way out (``encode``: one pass over the
whole document, names and paths included, before it is cached or written) so
a secret found in the code never leaves in the output.

The finished document is cached as bytes next to the whole analysis (signed
like every entry), under a key made from the same key. A re-run of the same
refs, context and options reads those bytes back and writes them: it never
loads the analysers, nor unpickles the analysis, nor encodes it again.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

import orjson

from archreview import __version__
from archreview.analysis.cache import FactsCache, default_folder
from archreview.analysis.inputs import Inputs
from archreview.core.heap import few_collections
from archreview.core.redact import redact, redact_tree
from archreview.repo import coverage
from archreview.checklist.rules import in_report

if TYPE_CHECKING:
    from archreview.core.model import Analysis, Twin


def document(analysis: Analysis) -> dict[str, Any]:
    a = analysis
    twins = {(t.kind, t.name): t for t in a.twins}
    return {
        "archreview": __version__,
        "repo": {"path": a.repo.path, "base": a.repo.base, "head": a.repo.head,
                 "base_ref": a.repo.base_name, "head_ref": a.repo.head_name, "git": a.repo.is_git},
        "files": {
            "analysed": len(a.head.files),
            "languages": _languages(a),
            "code_analysed": dict(coverage.code_counts(a.head.files)),
            "code_not_analysed": dict(coverage.code_not_analysed(a.head.files)),
            "coverage": coverage.coverage_line(a.head.files),
            "skipped": [{"path": s.path, "reason": s.reason} for s in a.head.skipped],
            "manifests_not_read": [{"path": p, "ecosystem": e} for p, e in coverage.unread_manifests(a.head.files)],
        },
        "by_language": {
            g.language: {"files": g.files, "analysed": g.analysed, "lines": g.lines, "functions": g.functions,
                         "complexity": {"mean": g.cc_mean, "max": g.cc_max},
                         "findings": g.findings, "findings_in_report": g.shown}
            for g in coverage.breakdown(a.head.files, a.findings, in_report)
        },
        "modules": [
            {"name": m.name, "path": m.path, "loc": m.loc, "language": m.language, "imports": [_import(i) for i in m.imports]}
            for m in a.modules
        ],
        "graph": _graph(a),
        "complexity": _complexity(a),
        "new_infrastructure": [
            {"kind": n.kind, "name": n.name, "evidence": [{"path": e.path, "line": e.line} for e in n.evidence],
             "test_only": n.test_only, "declared_not_used": n.declared_unused, "declared_used": n.declared_used,
             "twin": _twin(twins.get((n.kind, n.name)))}
            for n in a.new_infrastructure
        ],
        "new_dependencies": list(a.new_dependencies),
        "lockfile_changes": _lockfile(a),
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


def _twin(t: Twin | None) -> dict[str, Any] | None:
    """The boring twin: the codebase's own way of doing the job, and what removing the piece removes."""
    if t is None:
        return None
    return {"precedent": [{"path": e.path, "line": e.line, "text": redact(e.text)} for e in t.precedent],
            "removes": {"packages": list(t.packages), "checklist_items": list(t.opens),
                        "services": [{"path": e.path, "line": e.line, "text": redact(e.text)} for e in t.services],
                        "config_keys": list(t.config_keys)}}


def _lockfile(a: Analysis) -> dict[str, Any] | None:
    """npm lockfiles: what the new direct dependencies resolve to, and what moved only in the lockfile."""
    lock = a.lockfile
    if lock is None:
        return None
    return {"lockfiles": list(lock.lockfiles),
            "resolved": [{"package": n, "versions": v} for n, v in lock.resolved],
            "transitive_added": [{"package": n, "versions": v} for n, v in lock.added],
            "transitive_removed": [{"package": n, "versions": v} for n, v in lock.removed],
            "transitive_changed": [{"package": n, "from": a_, "to": b} for n, a_, b in lock.changed],
            "direct_changed": [{"package": n, "from": a_, "to": b} for n, a_, b in lock.direct_changed]}


def _graph(a: Analysis) -> dict[str, Any]:
    g = a.graph
    return {
        "nodes": list(g.nodes),
        "edges": [list(e) for e in g.edges],
        "cycles": [list(c) for c in g.cycles],
        "violations": [_asdict(v) for v in g.violations],
        "depth": g.depth,
        "packages": list(g.packages),
        "package_edges": [list(e) for e in g.package_edges],
        "coupling": [_asdict(c) for c in g.coupling],
        "projects": [_asdict(p) for p in g.projects],
        "project_coupling": [_asdict(c) for c in g.project_coupling],
    }


def _complexity(a: Analysis) -> dict[str, Any]:
    functions, files = [], []
    for f in a.head.files:
        functions += [{"path": f.path, "name": fn.name, "line": fn.line, "cc": fn.cc} for fn in f.functions]
        if f.raw is not None:
            files.append({"path": f.path, "mi": f.mi, "loc": f.raw.loc, "sloc": f.raw.sloc, "lloc": f.raw.lloc,
                          "comments": f.raw.comments, "multi": f.raw.multi, "blank": f.raw.blank,
                          "halstead": _asdict(f.halstead) if f.halstead else None})
    return {
        "functions": functions,
        "files": files,
        "churn": [_asdict(c) for c in a.churn],
        "hotspots": [_asdict(h) for h in a.hotspots],
    }


_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _asdict(value: Any) -> dict[str, Any]:
    """``dataclasses.asdict``, without its deep copy when every field is a plain string, number or None
    (a hotspot, a churn row, Halstead figures: thousands of them in a large repository's document)."""
    kind: type = type(value)
    out = {name: getattr(value, name) for name in _names(kind)}
    return out if all(type(v) in _PLAIN for v in out.values()) else dataclasses.asdict(value)


def encode(analysis: Analysis) -> bytes:
    """The document as one line of UTF-8 JSON and a newline.

    orjson encodes several times faster than the standard library; a file name
    holding undecodable bytes (kept as surrogate escapes, which UTF-8 cannot
    carry) makes it refuse, and those documents are written as ASCII JSON.
    """
    with few_collections():
        doc = redact_tree(document(analysis))  # one redaction pass over every string, keys too
    try:
        return orjson.dumps(doc, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return json.dumps(doc, separators=(",", ":")).encode("ascii") + b"\n"


def write(analysis: Analysis, out: BinaryIO) -> None:
    out.write(encode(analysis))


def cached_document(inputs: Inputs, *, jobs: int | None = None, use_cache: bool = True,
                    progress: Callable[[str, int], Callable[[int], None]] | None = None) -> bytes:
    """The encoded document of the analysis of ``inputs``, read back whole when it was made before."""
    cache = FactsCache(default_folder() if use_cache else None)
    try:
        key = inputs.key("json")
        found = cache.get_value(key) if key else None
        if isinstance(found, bytes):
            return found
        from archreview.analysis.run import analyze_inputs  # the analysers load only when there is work

        data = encode(analyze_inputs(inputs, jobs=jobs, use_cache=use_cache, progress=progress, cache=cache))
        if key:
            cache.put_value(key, data)
        return data
    finally:
        cache.close()
