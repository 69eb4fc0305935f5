"""The per-file stage: content in, ``FileFacts`` out. Runs in worker processes.

``analyse_file`` is a pure function of (path, bytes): it never raises for a bad
file (syntax errors, undecodable text, a parser that recurses too deep or runs
out of memory all become ``FileFacts.error``), so one broken file cannot stop a
run. Each Python file is parsed once and the tree shared by every analyser.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import warnings
from collections.abc import Iterable

from archreview.checklist import detectors
from archreview.checklist.across import timelimits
from archreview.checklist.detectors import command_spans, run_by_hand, task_runner
from archreview.checklist.detectors.partial_failure import helper_effects, in_process_senders, self_commits
from archreview.checklist.placement import role
from archreview.checklist.across.atomicrequests import atomic_request_facts
from archreview.checklist.across.columns import orm_attributes
from archreview.checklist.across.ownloop import loop_evidence
from archreview.checklist.across.configured import harness_functions
from archreview.checklist.across.scheduled import scheduled_task_facts
from archreview.checklist.across.softdelete import soft_delete_facts
from archreview.checklist.detectors.code import code_findings, settings_findings
from archreview.change import codesignals
from archreview.change.catalogue import load_catalogue
from archreview.facts import csharp, golang, java, javascript, kotlin, manifests, mentions, packages, treesitter
from archreview.facts import python as pyfacts
from archreview.change import signals
from archreview.facts import codestyle, style
from archreview.facts.index import FileContext
from archreview.facts.legacy import repaired
from archreview.core.fingerprint import with_fingerprints
from archreview.core.model import AcrossModules, FileFacts, HelperEffect
from archreview.facts.fingerprint import python_places
from archreview.core.redact import redact_fields
from archreview.sources.files import LOCKFILES, decode_python
from archreview.checklist.detectors.config import config_findings
from archreview.checklist.placement import place
from archreview.checklist.rules import registry

_LOCKFILES = LOCKFILES | {"packages.lock.json", "composer.lock", "cargo.lock", "gemfile.lock", "go.sum",
                          "gradle.lockfile", "bun.lock"}
CODE_LANGUAGES = {"typescript": javascript, "javascript": javascript, "csharp": csharp, "java": java,
                  "kotlin": kotlin, "go": golang}


def prepare(files: Iterable[tuple[str, str]]) -> None:
    """Load once, in the parent before the workers are forked, what each worker would load on its first
    file: the catalogue and the rules (every worker reads them, and so does the parent after the pool),
    and the tree-sitter grammars and queries of these (path, language) pairs. Each forked worker inherits them."""
    load_catalogue()
    registry()
    for grammar, module in {(treesitter.grammar_of(language, path), CODE_LANGUAGES[language])
                            for path, language in files if language in CODE_LANGUAGES}:
        try:
            treesitter.prepare(grammar, module.SPEC)
        except treesitter.MissingGrammar:  # each file of it becomes an error in the worker
            pass


def analyse_file(path: str, language: str, data: bytes) -> FileFacts:
    """Everything learnt from one file; problems are recorded, never raised.

    Every string in the result is redacted here, before it is cached or shown: a
    secret (or a key-shaped function name) in the file never travels further.
    """
    try:
        if language == "python":
            return redact_fields(_python(path, data))
        return redact_fields(_other(path, language, data))
    except (RecursionError, MemoryError) as exc:
        gc.collect()
        return FileFacts(path, language, error=f"too deeply nested or too large to analyse ({type(exc).__name__})")


def _other(path: str, language: str, data: bytes) -> FileFacts:
    text = data.decode("utf-8", errors="replace")
    reqs = manifests.requirements_of(path, text) if manifests.is_manifest(path) else ()
    declares: tuple[tuple[str, str], ...] = ()
    lock_error = None
    if packages.is_manifest(path):
        more, declares = packages.read(path, text)
        reqs += more
    elif manifests.is_python_lock(path):
        declares = manifests.locked_distributions(text)
    elif packages.is_lockfile(path):
        try:
            declares = packages.read_lock(path, text)
        except packages.UnreadableLockfile as exc:
            lock_error = f"lockfile not read ({exc}); resolved versions are unknown"
    # source code is never a compose file, Dockerfile or config file: only build scripts (.kts) may be manifests
    lockfile = path.rsplit("/", 1)[-1].lower() in _LOCKFILES  # resolved versions: facts come from the manifest
    found = () if language in CODE_LANGUAGES or lockfile else signals.file_signals(path, text)
    named = mentions.text_mentions(text) if language in mentions.TEXT_LANGUAGES and not lockfile else ()
    facts = FileFacts(path, language, lines=text.count("\n") + (not text.endswith("\n") and bool(text)),
                      requirements=reqs, signals=found + codesignals.project_signals(path, declares),
                      declares=declares,
                      mentions=named,
                      findings=() if language in CODE_LANGUAGES or lockfile else
                      tuple(place(config_findings(path, text) + settings_findings(path, text))), error=lock_error)
    if language in CODE_LANGUAGES:
        return _code(facts, data)
    return facts


def _code(facts: FileFacts, data: bytes) -> FileFacts:
    """A TypeScript/JavaScript, C#, Java, Kotlin or Go file: one tree-sitter parse, read by its language module."""
    path, language = facts.path, facts.language
    try:
        code = CODE_LANGUAGES[language].facts(language, path, data.removeprefix(b"\xef\xbb\xbf"))
    except treesitter.MissingGrammar as exc:
        return dataclasses.replace(facts, error=str(exc))
    error = (f"does not parse as {language} (first syntax error at line {code.error_line}); facts are partial"
             if code.error_line else None)
    return dataclasses.replace(
        facts, raw=code.raw, imports=code.imports, functions=code.functions, classes=code.classes,
        signals=tuple(sorted({*facts.signals, *codesignals.code_signals(path, language, code)},
                             key=lambda s: (s.line, s.kind, s.name, s.via))),
        namespace=code.package, error=error,
        findings=code_findings(path, code, data.decode("utf-8", "replace"), language),
        style=codestyle.code_style(language, code),
    )


def _python(path: str, data: bytes) -> FileFacts:
    try:
        text = decode_python(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        error = f"cannot decode: {exc}"
        return _unknown_codec(path, data, error) if "unknown encoding" in str(exc) else \
            FileFacts(path, "python", lines=data.count(b"\n"), error=error)
    lines = text.splitlines()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in analysed code are not ours
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        error = f"not valid Python 3{where}: {getattr(exc, 'msg', exc)}"
        return _python2(path, text, len(lines), error)
    return _python_tree(path, text, lines, tree)


def _unknown_codec(path: str, data: bytes, error: str) -> FileFacts:
    """A file whose coding cookie names a codec this interpreter lacks (mautrix-telegram's ``# -*- coding:
    future_fstrings -*-``, a source codec a package registers on install, whose input is UTF-8): read as UTF-8 for
    its imports, manifest and infrastructure signals only, as a Python 2 file is; the error stays on the facts."""
    try:
        text = data.decode("utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return FileFacts(path, "python", lines=data.count(b"\n"), error=error)
    return _partial(path, text, text.count("\n"), tree, text, f"{error}; read as UTF-8 for imports and infrastructure only")


def _partial(path: str, text: str, lines: int, tree: ast.Module, source: str, error: str) -> FileFacts:
    """Imports, manifest and infrastructure signals of a file read another way than it declares."""
    ctx = FileContext(path, tree, source)
    return FileFacts(
        path=path, language="python", lines=lines, imports=tuple(pyfacts.imports_in(tree, ctx)),
        requirements=manifests.requirements_of(path, text) if manifests.is_manifest(path) else (),
        signals=signals.python_signals(path, tree, source, ctx=ctx), error=error,
    )


def _python2(path: str, text: str, lines: int, error: str) -> FileFacts:
    """A file that is not valid Python 3, read as Python 2 (:mod:`archreview.facts.legacy`) for its imports,
    manifest and infrastructure signals only, so a change that brings a database in a Python 2 module still
    shows it; no metrics, findings or style are taken from a repaired tree. The error stays on the facts."""
    legacy = repaired(text)
    if legacy is None:
        return FileFacts(path, "python", lines=lines, error=error)
    tree, fixed, left_out = legacy
    return _partial(path, text, lines, tree, fixed, f"{error}; read as Python 2 for imports and infrastructure only"
                    + (f" ({left_out} statement(s) left out)" if left_out else ""))


def _python_tree(path: str, text: str, lines: list[str], tree: ast.Module) -> FileFacts:
    ctx = FileContext(path, tree, text)
    ctx.lines = lines  # the split already made: the index would split the text again
    # statements from the index's buckets; only the blocks holding imports are walked (for their flags)
    imports = pyfacts.imports_in(tree, ctx)
    classes = [pyfacts.class_info(c) for c in ctx.in_any_order(ast.ClassDef)]  # sorted by line below
    string_lines = _inside_strings(ctx)
    raw = pyfacts.raw_metrics(lines, pyfacts.docstring_spans(ctx), string_lines, pyfacts.logical_lines_of(ctx))
    functions, total_cc = pyfacts.complexity_of(ctx)
    halstead = pyfacts.halstead_of(ctx)
    limits, tasks = timelimits.celery_facts(ctx)
    return FileFacts(
        path=path,
        language="python",
        lines=len(lines),
        raw=raw,
        imports=tuple(imports),
        functions=functions,
        classes=tuple(sorted(classes, key=lambda c: c.line)),
        mi=pyfacts.maintainability(halstead.volume, total_cc, raw),
        halstead=halstead,
        requirements=manifests.requirements_of(path, text) if manifests.is_manifest(path) else (),
        signals=signals.python_signals(path, tree, text, ctx=ctx),
        findings=with_fingerprints(detectors.file_findings(path, tree, text, ctx), python_places(tree, lines)),
        style=style.style_facts(tree, text, ctx),
        mentions=mentions.python_mentions(ctx),
        task_time_limits=limits,
        celery_tasks=tasks,
        across=_across(ctx),
    )


_NOTHING_ACROSS = AcrossModules()


def _across(ctx: FileContext) -> AcrossModules | None:
    """What the file tells the repository stage (``checklist``'s wrappers, columns, ownloop, softdelete, registry and
    selfcommit), or None when it tells nothing (most files: the cache then keeps no record)."""
    columns, relations = orm_attributes(ctx)
    soft_deleted, cascades = soft_delete_facts(ctx)
    commits_funcs, commits_methods = self_commits(ctx)
    atomic_requests, request_spans = atomic_request_facts(ctx)
    scheduled_tasks, sent_tasks = scheduled_task_facts(ctx)
    across = AcrossModules(in_process_senders=in_process_senders(ctx), columns=columns, relations=relations,
                           loop=loop_evidence(ctx), soft_deleted=soft_deleted, cascades=cascades,
                           harness=harness_functions(ctx), commits_funcs=commits_funcs,
                           commits_methods=commits_methods, helper_effects=_helper_effects(ctx),
                           atomic_requests=atomic_requests, request_spans=request_spans,
                           scheduled_tasks=scheduled_tasks, sent_tasks=sent_tasks)
    return None if across == _NOTHING_ACROSS else across


def _helper_effects(ctx: FileContext) -> tuple[HelperEffect, ...]:
    """The effects after calls that may commit by themselves (``checklist.across.selfcommit``), only where a
    finding would sit in production (not a script, an operator command or a tool)."""
    if role(ctx.path) != "production" or run_by_hand(ctx) or task_runner(ctx):
        return ()
    spans = command_spans(ctx)
    return tuple(e for e in helper_effects(ctx) if not any(a <= e.line <= b for a, b in spans))


def _inside_strings(ctx: FileContext) -> set[int]:
    """Lines strictly after the first line of a multi-line string literal."""
    inside: set[int] = set()
    for node in ctx.in_any_order(ast.Constant, ast.JoinedStr):  # a set of lines: the order does not matter
        end = getattr(node, "end_lineno", None)
        if end and end > node.lineno and (isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes))):
            inside.update(range(node.lineno + 1, end + 1))
    return inside
