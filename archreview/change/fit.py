"""The seed's five-question fit test, answered with evidence from the code.

Each question compares the change (the production source files it adds or
modifies, in every analysed language: tests, migrations, scripts and docs excluded, by
``archreview.sources.roles``) with the rest of the codebase in the same languages (head's
unchanged files, or base when the change touches everything): a TypeScript change is held to
the TypeScript around it and to TypeScript's naming conventions, not to the Python API beside it, because "fits" means "like the code around it",
not "like a textbook". Only what the change *introduces* counts: a label a
modified file already had in base is the codebase's, not the change's.
Without a base (a whole-repository review) the declared context is the only
yardstick; questions it cannot answer are ``not_applicable`` with the reason.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from archreview.context.load import Context
from archreview.core.model import (Evidence, FileFacts, FitAnswer, FunctionMetric, InfraFinding, Module, RepoFacts,
                                   Snapshot, StyleFacts)
from archreview.core.vocab import KIND_LABELS
from archreview.facts.codestyle import CONVENTIONS, name_case
from archreview.facts.style import BUILTIN_EXCEPTIONS
from archreview.repo.coverage import CODE, LABELS
from archreview.sources.roles import is_production

ACCESS = ("orm-session", "django-orm", "raw-sql", "own-engine")
# kinds that need something deployed or operated: removing the feature would mean removing them
INFRA_KINDS = frozenset({"database", "message_queue", "task_queue", "pubsub", "cache", "search", "object_storage",
                         "container", "service", "config", "scheduler", "rpc", "observability", "web_framework"})
# one job, several libraries: a second one for the same job is a parallel library
JOBS: tuple[tuple[str, frozenset[str]], ...] = (
    ("HTTP client", frozenset({"requests", "httpx", "aiohttp", "urllib3", "pycurl", "treq", "http.client",
                               "axios", "node-fetch", "got", "superagent", "undici", "ky", "restsharp", "refit", "flurl",
                               "com.squareup.okhttp3", "com.squareup.retrofit2", "io.ktor.client", "feign",
                               "github.com/go-resty/resty"})),
    ("logging", frozenset({"logging", "structlog", "loguru", "logbook", "winston", "pino", "bunyan", "log4js",
                           "serilog", "nlog", "log4net", "org.slf4j", "org.apache.logging.log4j", "mu.kotlinlogging",
                           "go.uber.org/zap", "github.com/sirupsen/logrus", "github.com/rs/zerolog"})),
    ("ORM", frozenset({"sqlalchemy", "sqlmodel", "django", "peewee", "pony", "tortoise", "mongoengine", "ormar",
                       "typeorm", "@prisma/client", "sequelize", "drizzle-orm", "@mikro-orm/core", "objection",
                       "microsoft.entityframeworkcore", "dapper", "nhibernate", "org.hibernate", "org.jetbrains.exposed",
                       "gorm.io/gorm", "entgo.io/ent", "github.com/jmoiron/sqlx"})),
    ("database driver", frozenset({"psycopg2", "psycopg", "asyncpg", "pymysql", "mysqldb", "sqlite3", "aiosqlite",
                                   "pg", "mysql2", "better-sqlite3", "npgsql", "github.com/lib/pq",
                                   "github.com/jackc/pgx", "github.com/go-sql-driver/mysql"})),
    ("validation", frozenset({"pydantic", "marshmallow", "attrs", "cerberus", "voluptuous", "joi", "yup", "zod",
                              "class-validator", "fluentvalidation", "github.com/go-playground/validator"})),
    ("retry", frozenset({"tenacity", "backoff", "retrying", "stamina", "async-retry", "p-retry", "cockatiel", "polly",
                         "io.github.resilience4j", "org.springframework.retry", "github.com/avast/retry-go",
                         "github.com/cenkalti/backoff"})),
    ("task queue", frozenset({"celery", "rq", "dramatiq", "huey", "arq"})),
    ("scheduler", frozenset({"apscheduler", "schedule", "crontab"})),
    ("JSON", frozenset({"json", "orjson", "ujson", "simplejson", "rapidjson"})),
    ("dates", frozenset({"datetime", "arrow", "pendulum", "dateutil", "moment", "dayjs", "date-fns", "luxon"})),
    ("CLI", frozenset({"argparse", "click", "typer", "fire", "docopt"})),
)
UTILITY_STEMS = frozenset({"utils", "util", "helpers", "helper", "common", "tools", "misc"})
SIZE_PERCENTILE = 90  # changed code's median above the codebase's 90th percentile drifts
SHARE_GAP = 0.5  # async / docstring / method shares further apart than 50 points drift
NAMING_GAP = 0.3  # camelCase share 30 points above the codebase's drifts (Python)
OFF_NAMES = 0.2  # a fifth or more of the change's names off its language's and codebase's conventions drifts
RARE_CASE = 0.1  # a case under a tenth of the codebase's names of that kind is not the codebase's
MIN_NAMES = 8  # fewer names of a kind than this in the codebase: the language's conventions alone decide
# exception bases of the other languages (Python's are its builtins)
CODE_EXCEPTIONS = frozenset({"Error", "Exception", "Throwable", "RuntimeException", "ApplicationException",
                             "SystemException", "IllegalStateException", "IllegalArgumentException",
                             "InvalidOperationException", "ArgumentException", "TypeError", "RangeError"})
CASES = {"camel": "camelCase", "pascal": "PascalCase", "snake": "snake_case", "upper": "UPPER_CASE",
         "word": "lower-case word", "other": "mixed case"}
MIN_REFERENCE = 5  # fewer reference functions than this: no distribution to compare with
MIN_SHARE = 3  # fewer functions added than this: a share (async, docstrings, methods) says nothing
MAX_EVIDENCE = 20
QUESTIONS = (
    "same data-access pattern", "same error-handling approach", "imports from the right places",
    "removable without infrastructure change", "style a newcomer would not notice",
)


@dataclass(frozen=True, slots=True)
class _View:
    """The change and the codebase around it."""

    new: tuple[FileFacts, ...]  # changed production source files in head (every analysed language)
    rest: tuple[FileFacts, ...]  # the codebase to compare with
    before: dict[str, FileFacts]  # base version of each changed file, when it existed
    had_engine: bool = False  # base opened a database engine somewhere (so one in the change may be a move)


def fit_test(base: Snapshot | None, head: Snapshot, changed: Collection[str], facts: RepoFacts,
             new_infra: Sequence[InfraFinding], context: Context | None,
             changed_lines: Mapping[str, frozenset[int]] | None = None) -> tuple[FitAnswer, ...]:
    """Five ``FitAnswer``s, question 1 to 5; ``facts`` are head's, with layer violations against ``context``;
    ``changed_lines`` (path -> lines the diff added or modified), when known, keeps question 3's layer
    violations to the imports the change wrote."""
    if base is None:
        return _whole_repo(head, facts, context)
    if not changed:
        return tuple(_na(q, "the change modifies no file") for q in range(1, 6))
    view = _view(base, head, changed)
    q4 = _q4_infrastructure(new_infra, _routing(view))
    if not view.new:
        reason = ("the change touches no production source in an analysed language (tests, migrations and scripts "
                  "are left out)")
        return (_na(1, reason), _na(2, reason), _na(3, reason), q4, _na(5, reason))
    if not view.rest:
        reason = "no unchanged source in the change's languages to compare with"
        return (_na(1, reason), _na(2, reason), _q3_imports(view, facts, context, changed_lines), q4, _na(5, reason))
    return (_q1_data_access(view, context, new_infra), _q2_errors(view), _q3_imports(view, facts, context, changed_lines), q4,
            _q5_style(view))


def _view(base: Snapshot, head: Snapshot, changed: Collection[str]) -> _View:
    changed = set(changed)
    source = _production(head)
    new = tuple(f for f in source if f.path in changed)
    families = {_family(f.language) for f in new}
    rest = tuple(f for f in source if f.path not in changed and _family(f.language) in families)
    if not rest:
        rest = tuple(f for f in _production(base) if _family(f.language) in families)
    before = {f.path: f for f in base.files if f.path in changed}
    had_engine = any("own-engine" in _style(f).data_access for f in base.files)
    return _View(new, rest, before, had_engine)


def _production(snapshot: Snapshot) -> tuple[FileFacts, ...]:
    """The snapshot's production source files that parsed, in every analysed language."""
    return tuple(f for f in snapshot.files if f.language in CODE and f.error is None and is_production(f.path)
                 and not _BUILD_OR_GENERATED.search(f.path))


# Build scripts (Gradle's snake_case properties, bundler settings) and code tools write (EF Core migrations
# and snapshots, designer files) are not the codebase's style; roles keep them as production for the rest.
_BUILD_OR_GENERATED = re.compile(
    r"(\.gradle\.kts$|(^|/)buildSrc/|(^|/)[\w.-]+\.config\.[cm]?[jt]s$|(^|/)(gulpfile|gruntfile)\.[jt]s$|"
    r"\.designer\.cs$|\.g\.(i\.)?cs$|(^|/)\d{14}_\w+\.cs$|ModelSnapshot\.cs$)", re.IGNORECASE)


def _family(language: str) -> str:
    """Languages held to one another's code: TypeScript with JavaScript, Java with Kotlin."""
    return {"javascript": "typescript", "kotlin": "java"}.get(language, language)


def _na(question: int, reason: str) -> FitAnswer:
    return FitAnswer(question, "not_applicable", f"Not applicable: {reason}.")


def _answer(question: int, evidence: list[Evidence], fits: str, drifts: str) -> FitAnswer:
    ordered = _capped(evidence)
    return FitAnswer(question, "drifts" if evidence else "fits", drifts if evidence else fits, *ordered)


def _capped(evidence: Iterable[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    """Distinct evidence by path, then line number, at most MAX_EVIDENCE, and how many were left out."""
    ordered = sorted(set(evidence), key=lambda e: e.key)
    return tuple(ordered[:MAX_EVIDENCE]), max(0, len(ordered) - MAX_EVIDENCE)


def _style(f: FileFacts | None) -> StyleFacts:
    return f.style if f is not None and f.style is not None else StyleFacts()


def _labels(style: StyleFacts) -> set[str]:
    return {*style.data_access, *style.error_handling, *style.logging}


def _introduced(view: _View, f: FileFacts) -> set[str]:
    """Labels the change brought into this file (all of them for a new file)."""
    return _labels(_style(f)) - _labels(_style(view.before.get(f.path)))


def _at(f: FileFacts, label: str, family: str, text: str) -> Evidence:
    """Evidence at the first line where ``f`` shows ``label`` (the whole file when unknown)."""
    return Evidence(f.path, dict(_style(f).lines).get(f"{family}:{label}") or None, text)


def _place(path: str, line: int | None) -> str:
    """``path:line`` for a place named inside an evidence text."""
    return f"{path}:{line}" if line else path


def _where(files: Iterable[FileFacts], label: str, family: str) -> str:
    first = next((_at(f, label, family, "") for f in sorted(files, key=lambda f: f.path)
                  if label in _labels(_style(f))), None)
    return _place(first.path, first.line) if first else ""


def _tally(counter: Counter[str]) -> str:
    return ", ".join(f"{k} in {n} file{'s' if n > 1 else ''}" for k, n in counter.most_common()) or "none"


# --- 1. data access ------------------------------------------------------------------


# engines, session factories and connections: one more of these is one more data source
DATA_SOURCES = frozenset({"sqlalchemy engine", "sqlalchemy session factory", "postgresql connection", "mysql connection",
                          "mongodb client", "sqlite connection"})


def _routing(view: _View) -> str:
    """Where the change routes sessions between engines (a ``get_bind`` override: read/write routing)."""
    return next((f"{f.path}:{c.line}" for f in view.new for c in f.classes if "get_bind" in c.methods), "")


def _new_sources(new_infra: Sequence[InfraFinding], routing: str) -> list[Evidence]:
    """Evidence for the data sources a change adds beside the codebase's (a read replica and its routing)."""
    via = f", with read/write routing at {routing} (a read replica)" if routing else ""
    return [_first(f, f"adds a {f.name} beside the codebase's{via}: one more database to run and keep in sync")
            for f in new_infra if f.kind == "database" and f.name in DATA_SOURCES and not f.test_only]


def _q1_data_access(view: _View, context: Context | None, new_infra: Sequence[InfraFinding] = ()) -> FitAnswer:
    sources = _new_sources(new_infra, _routing(view))
    access = [f for f in view.rest if set(_style(f).data_access) & set(ACCESS)]
    counts = Counter(label for f in access for label in _style(f).data_access)
    declared = context.pattern("data_access") if context else None
    if not access and not declared and not sources:
        return _na(1, "the rest of the codebase does no data access to compare with, and the context "
                      "declares no data-access pattern")
    repo_share = sum("repository" in _style(f).data_access for f in access) / len(access) if access else 0.0
    expected = set(counts) if access else _declared_labels(declared or "")
    evidence: list[Evidence] = list(sources) if view.had_engine else []
    for f in view.new:
        evidence += _access_drift(f, _introduced(view, f), expected, repo_share >= 0.5, access, view.had_engine)
    usual = _tally(counts) if access else f"declared: {declared}"
    return _answer(1, evidence,
                   f"The change accesses data the way the codebase does ({usual}).",
                   f"The change accesses data differently from the codebase ({usual}).")


def _access_drift(f: FileFacts, introduced: set[str], expected: set[str], repositories: bool,
                  access: list[FileFacts], had_engine: bool) -> list[Evidence]:
    """Evidence for one changed file; an engine that replaces base's (a move) is not a drift."""
    labels = set(_style(f).data_access)
    out = []
    for label in sorted(introduced & set(ACCESS)):
        if label == "own-engine":
            shared = _where(access, "own-engine", "data")
            if shared:
                out.append(_at(f, label, "data",
                               f"opens its own database engine/connection beside the shared one at {shared}"))
            elif not had_engine:
                out.append(_at(f, label, "data", "opens its own database engine/connection; the codebase had none"))
        elif label not in expected:
            usual = ", ".join(sorted(expected - {"repository", "own-engine"})) or "repositories"
            out.append(_at(f, label, "data", f"uses {label}; the codebase uses {usual}"))
        if repositories and "repository" not in labels and label != "own-engine":
            out.append(_at(f, label, "data", f"{label} outside a repository class; "
                           "the codebase reaches data through repositories"))
    if "repository" in introduced and expected and "repository" not in expected and access:
        out.append(_at(f, "repository", "data", "adds a repository layer the codebase does not use"))
    return out


def _declared_labels(text: str) -> set[str]:
    """Style labels a declared data-access pattern allows ("repository over a shared SQLAlchemy session")."""
    text = text.lower()
    found = {"repository"} if "repositor" in text else set()
    if any(w in text for w in ("orm", "sqlalchemy", "session", "sqlmodel", "dbcontext")):
        found.add("orm-session")
    if "django" in text:
        found.add("django-orm")
    if "sql" in text and ("raw" in text or "cursor" in text or "queries" in text):
        found.add("raw-sql")
    return found


# --- 2. error handling ---------------------------------------------------------------


def _q2_errors(view: _View) -> FitAnswer:
    styles = [_style(f) for f in view.rest]
    raises = sum(s.raises for s in styles)
    returns = sum(s.returns_none_on_error + s.returns_code_on_error for s in styles)
    hierarchy = _hierarchy(view.rest)
    evidence: list[Evidence] = []
    for f in view.new:
        introduced = _introduced(view, f)
        python = f.language == "python"
        for label in ("returns-none", "returns-code"):
            if label in introduced and raises > 0 and returns <= raises * 0.25:
                what = ("None" if python else "null") if label == "returns-none" else "an error code"
                evidence.append(_at(f, label, "error", f"returns {what} from {'an except' if python else 'a catch'} "
                                    f"block; the codebase {'raises' if python else 'throws'} exceptions"))
        for label in ("raises-custom", "raises-builtin"):
            if label in introduced and returns > 0 and raises <= returns * 0.25:
                evidence.append(_at(f, label, "error", "raises; the codebase returns None or error codes" if python
                                    else "throws; the codebase returns null or error codes"))
        if "result-type" in introduced and not any("result-type" in s.error_handling for s in styles):
            evidence.append(_at(f, "result-type", "error", "returns Result values the codebase does not use"))
        evidence += _exception_drift(view, f, hierarchy)
    raise_, none, block = (("raise", "None", "except") if any(f.language == "python" for f in view.new)
                           else ("throw", "null", "catch"))
    usual = (f"the rest of the codebase has {raises} {raise_} statement{'s' if raises != 1 else ''} and "
             f"{returns} return{'s' if returns != 1 else ''} of {none} or an error code from {block} blocks")
    return _answer(2, evidence, f"The change handles errors as the codebase does ({usual}; "
                                "a style drifts when the codebase's ratio is at least 4 to 1 the other way).",
                   f"The change handles errors differently from the codebase ({usual}).")


def _hierarchy(files: Sequence[FileFacts]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Custom exception classes of the codebase -> (where defined, base names)."""
    return {name: (f"{f.path}:{c.line}", tuple(b.rsplit(".", 1)[-1] for b in c.bases))
            for f in files for name in _style(f).custom_exceptions for c in f.classes if c.name == name}


def _exception_drift(view: _View, f: FileFacts,
                     hierarchy: dict[str, tuple[str, tuple[str, ...]]]) -> list[Evidence]:
    """A new exception class that duplicates one, or bypasses the codebase's own base exception."""
    roots = sorted({b for _, bases in hierarchy.values() for b in bases if b in hierarchy})
    before = set(_style(view.before.get(f.path)).custom_exceptions)
    out = []
    for c in f.classes:
        if c.name not in _style(f).custom_exceptions or c.name in before:
            continue
        bases = [b.rsplit(".", 1)[-1] for b in c.bases]
        if c.name in hierarchy:
            out.append(Evidence(f.path, c.line,
                                f"defines {c.name} again; the codebase has it at {hierarchy[c.name][0]}"))
        elif roots and bases and all(b in BUILTIN_EXCEPTIONS or b in CODE_EXCEPTIONS for b in bases):
            out.append(Evidence(f.path, c.line, f"{c.name} derives from {', '.join(bases)}, not from the "
                                f"codebase's base exception {' / '.join(roots[:3])} ({hierarchy[roots[0]][0]})"))
    return out


# --- 3. imports ----------------------------------------------------------------------


def _q3_imports(view: _View, facts: RepoFacts, context: Context | None,
                changed_lines: Mapping[str, frozenset[int]] | None) -> FitAnswer:
    paths = {f.path for f in view.new}
    # an import a changed file already had is the codebase's, not the change's: only new files and changed lines
    evidence = [Evidence(v.path, v.line, v.message) for v in facts.violations if v.path in paths and (
        changed_lines is None or v.path not in view.before or v.line in changed_lines.get(v.path, frozenset()))]
    evidence += _parallel_libraries(view, facts.modules)
    evidence += _duplicate_utilities(view)
    evidence += _print_instead_of_logger(view)
    layers = f"{len(context.layers)} declared layers" if context and context.layers else "no declared layers"
    return _answer(3, evidence,
                   f"The change imports from the places the codebase uses ({layers}; no second library for a job "
                   "already done, no duplicate utility module).",
                   "The change imports from places the codebase does not use.")


def _libraries(module: Module) -> dict[str, int]:
    """Library -> first line, for every non-internal import (``urllib3`` and ``http.client`` kept whole)."""
    out: dict[str, int] = {}
    for imp in module.imports:
        if imp.category == "internal":
            continue
        top = imp.target.split(".", 1)[0].lower()
        name = "http.client" if imp.target.startswith("http.client") else (imp.distribution or top).lower()
        for key in {name, top}:
            out.setdefault(key, imp.line)
    return out


def _parallel_libraries(view: _View, modules: Sequence[Module]) -> list[Evidence]:
    by_path = {m.path: m for m in modules}
    used = {lib for f in view.rest if f.path in by_path for lib in _libraries(by_path[f.path])}
    out = []
    for f in view.new:
        if f.path not in by_path:
            continue
        old = view.before[f.path].imports if f.path in view.before else ()
        had = {i.module.split(".", 1)[0].lower() for i in old}
        for lib, line in sorted(_libraries(by_path[f.path]).items()):
            if lib in had or lib in used:
                continue
            for job, members in JOBS:
                existing = sorted(u for u in used if _member(u, members))
                if _member(lib, members) and existing:
                    out.append(Evidence(f.path, line,
                                        f"imports {lib} for {job}; the codebase uses {', '.join(existing)}"))
    return out


def _member(lib: str, members: frozenset[str]) -> bool:
    """``lib`` is one of ``members``, or a package under one (a Java group, a Go module's package)."""
    return lib in members or any(lib.startswith(m + "." if "." in m and "/" not in m else m + "/")
                                 for m in members if "." in m or "/" in m)


def _duplicate_utilities(view: _View) -> list[Evidence]:
    existing = sorted(f.path for f in view.rest if _stem(f.path) in UTILITY_STEMS)
    if not existing:
        return []
    return [Evidence(f.path, 1, f"a new {_stem(f.path)} module; the codebase already has {', '.join(existing[:3])}")
            for f in view.new if f.path not in view.before and _stem(f.path) in UTILITY_STEMS]


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return (path.rsplit("/", 2)[-2] if name == "__init__.py" and "/" in path else name).removesuffix(".py")


def _print_instead_of_logger(view: _View) -> list[Evidence]:
    loggers = Counter(label for f in view.rest for label in _style(f).logging if label != "print")
    printers = sum("print" in _style(f).logging for f in view.rest)
    if not loggers or printers > sum(loggers.values()) * 0.25:
        return []
    usual = loggers.most_common(1)[0][0]
    return [_at(f, "print", "log", f"prints instead of using the codebase's logger ({usual})")
            for f in view.new if "print" in _introduced(view, f) and not set(_style(f).logging) - {"print"}]


# --- 4. infrastructure ---------------------------------------------------------------


def _kind_label(kind: str) -> str:
    """A kind as a client reads it (the JSON keeps the id in its kind fields)."""
    return KIND_LABELS.get(kind, kind)


def _q4_infrastructure(new_infra: Sequence[InfraFinding], routing: str = "") -> FitAnswer:
    production = [f for f in new_infra if not f.test_only]
    infra = [f for f in production if f.kind in INFRA_KINDS and not f.declared_used]
    code_level = sorted({_kind_label(f.kind) for f in production if f.kind not in INFRA_KINDS})
    declared = sorted({_kind_label(f.kind) for f in production if f.kind in INFRA_KINDS and f.declared_used})
    replica = f", a read replica routed at {routing}" if routing else ""
    evidence = [_first(f, f"adds {_kind_label(f.kind)} ({f.name}{replica if f.name in DATA_SOURCES else ''})") for f in infra]
    notes = []
    if code_level:
        notes.append(f"code-level patterns only: {', '.join(code_level)}")
    if declared:
        notes.append(f"already part of the declared architecture: {', '.join(declared)}")
    extra = f" ({'; '.join(notes)})" if notes else ""
    kinds = ", ".join(sorted({_kind_label(f.kind) for f in infra}))
    return _answer(4, evidence, f"The change could be removed without changing infrastructure{extra}.",
                   f"Removing the change would also mean removing infrastructure: {kinds}{extra}.")


def _first(finding: InfraFinding, text: str) -> Evidence:
    """Evidence at the finding's first location (there is always one: a finding is made from its evidence)."""
    first = min(finding.evidence, key=lambda loc: (loc.path, loc.line or 0))
    return Evidence(first.path, first.line, text)


# --- 5. style distance -----------------------------------------------------------------


def _new_functions(view: _View, f: FileFacts) -> list[FunctionMetric]:
    """Functions the change added or altered (same name, size and cc as in base: untouched)."""
    before = view.before[f.path].functions if f.path in view.before else ()
    old = {(m.name, m.cc, m.end_line - m.line) for m in before}
    return [m for m in f.functions if (m.name, m.cc, m.end_line - m.line) not in old]


def _q5_style(view: _View) -> FitAnswer:
    ref = [m for f in view.rest for m in f.functions]
    new = [(f, m) for f in view.new for m in _new_functions(view, f)]
    # a function the change only edits keeps its old size and traits: they are the codebase's, not the change's
    old = {(f.path, m.name): m for f in view.new if f.path in view.before for m in view.before[f.path].functions}
    added = [(f, m) for f, m in new if (f.path, m.name) not in old]
    measures: list[tuple[str, bool, str]] = []
    evidence: list[Evidence] = []
    if len(ref) >= MIN_REFERENCE and new:
        sizes: tuple[tuple[str, Callable[[FunctionMetric], int]], ...] = (
            ("function length", lambda m: m.end_line - m.line + 1), ("cyclomatic complexity", lambda m: m.cc))
        for name, value in sizes:
            limit = _percentile([value(m) for m in ref], SIZE_PERCENTILE)
            grown = [(f, m) for f, m in new if (f.path, m.name) not in old or value(old[f.path, m.name]) <= limit]
            measures.append(_size_measure(name, value, limit, grown, evidence))
        for name, test in (("async", lambda m: m.is_async), ("docstrings", lambda m: m.has_docstring),
                           ("methods (class-heavy)", lambda m: m.is_method)):
            measures.append(_share_measure(name, test, ref, added, evidence))
    measures.append(_naming_measure(view, evidence))
    measures.append(_conventions_measure(view, evidence))
    measures = [m for m in measures if m[2]]
    if not measures:
        return _na(5, "too little code on either side to compare styles")
    off = [m for m in measures if m[1]]
    detail = "; ".join(text for _, drifted, text in (off or measures))
    thresholds = (f"thresholds: median above the codebase's {SIZE_PERCENTILE}th percentile, shares "
                  f"{int(SHARE_GAP * 100)} points apart, camelCase {int(NAMING_GAP * 100)} points above in Python, "
                  f"{int(OFF_NAMES * 100)}% of names off the language's and codebase's conventions elsewhere")
    return FitAnswer(5, "drifts" if off else "fits",
                     f"{len(off)} of {len(measures)} style measures differ from the codebase ({detail}; {thresholds}).",
                     *_capped(evidence))


def _size_measure(name: str, value: Callable[[FunctionMetric], int], limit: float,
                  new: list[tuple[FileFacts, FunctionMetric]], evidence: list[Evidence]) -> tuple[str, bool, str]:
    """The functions the change wrote or grew past ``limit`` (one already past it before is not the change's)."""
    if not new:
        return name, False, ""
    median = statistics.median(value(m) for _, m in new)
    drifted = median > limit
    if drifted:
        f, worst = max(new, key=lambda fm: value(fm[1]))
        evidence.append(Evidence(f.path, worst.line, f"{worst.name}: {name} {value(worst)} "
                                 f"(codebase {SIZE_PERCENTILE}th percentile {limit:g})"))
    return name, drifted, f"{name}: median {median:g} vs codebase p{SIZE_PERCENTILE} {limit:g}"


def _share_measure(name: str, test: Callable[[FunctionMetric], bool], ref: list[FunctionMetric],
                   new: list[tuple[FileFacts, FunctionMetric]], evidence: list[Evidence]) -> tuple[str, bool, str]:
    if len(new) < MIN_SHARE:
        return name, False, ""
    ref_share = sum(bool(test(m)) for m in ref) / len(ref)
    new_share = sum(bool(test(m)) for _, m in new) / len(new)
    drifted = abs(new_share - ref_share) > SHARE_GAP
    if drifted:
        f, m = next(((f, m) for f, m in new if bool(test(m)) == (new_share > ref_share)), new[0])
        evidence.append(Evidence(f.path, m.line, f"{m.name}: {name} {new_share:.0%} of the change vs {ref_share:.0%}"))
    return name, drifted, f"{name} {new_share:.0%} vs {ref_share:.0%}"


def _naming_measure(view: _View, evidence: list[Evidence]) -> tuple[str, bool, str]:
    def share(files: Iterable[FileFacts]) -> tuple[float, int]:
        camel = sum(_style(f).camel_names for f in files)
        total = camel + sum(_style(f).snake_names for f in files)
        return (camel / total if total else 0.0), total

    ref_share, ref_total = share(view.rest)
    new_share, new_total = share(view.new)
    if not ref_total or not new_total:
        return "naming", False, ""
    drifted = new_share - ref_share > NAMING_GAP
    if drifted:
        f = max(view.new, key=lambda f: _style(f).camel_names)
        camel = next((m for m in f.functions if any(c.isupper() for c in m.name.rsplit(".", 1)[-1])), None)
        line, what = (camel.line, camel.name) if camel else (1, f"{_style(f).camel_names} names")
        evidence.append(Evidence(f.path, line, f"{what}: camelCase {new_share:.0%} of the change's names "
                                 f"vs {ref_share:.0%}"))
    return "naming", drifted, f"camelCase names {new_share:.0%} vs {ref_share:.0%}"


def _conventions_measure(view: _View, evidence: list[Evidence]) -> tuple[str, bool, str]:
    """Names the change adds that neither its language's conventions nor its codebase use (not Python: see above).

    A case is usual for a kind of name (function, method, type, variable) when the language's style guide
    allows it (camelCase methods in Java, PascalCase ones in C#...) or a tenth or more of the codebase's names
    of that kind use it; anything else would be noticed by a newcomer."""
    reference: dict[str, Counter[tuple[str, str]]] = {}
    for f in view.rest:
        for kind, case, n, _, _ in _style(f).naming:
            reference.setdefault(_family(f.language), Counter())[(kind, case)] += n
    total = off = 0
    for f in view.new:
        rules = CONVENTIONS.get(f.language)
        if f.language == "python" or rules is None:
            continue
        ref = reference.get(_family(f.language), Counter())
        had = {(k, c): n for k, c, n, _, _ in _style(view.before.get(f.path)).naming}
        for kind, case, n, name, line in _style(f).naming:
            added = n - had.get((kind, case), 0)
            if added <= 0:
                continue
            total += added
            of_kind = sum(v for (k, _), v in ref.items() if k == kind)
            if case in rules.get(kind, frozenset()) or (of_kind >= MIN_NAMES and ref[(kind, case)] >= RARE_CASE * of_kind):
                continue
            off += added
            name, line = _new_name(view, f, kind, case) or (name, line)
            usual = [c for c, v in Counter({c: v for (k, c), v in ref.items() if k == kind}).most_common(2)]
            codebase = ", ".join(CASES[c] for c in usual) or "none yet"
            evidence.append(Evidence(f.path, line, f"{name}: {CASES[case]} {kind} name"
                                     f"{f' ({added} such names)' if added > 1 else ''}; {LABELS[f.language]} "
                                     f"{kind}s are {' or '.join(CASES[c] for c in sorted(rules.get(kind, ())) if c != 'word')}"
                                     f" (the codebase's: {codebase})"))
    if not total:
        return "naming conventions", False, ""
    drifted = off / total >= OFF_NAMES
    return "naming conventions", drifted, f"{off} of {total} new names off their language's conventions"


def _new_name(view: _View, f: FileFacts, kind: str, case: str) -> tuple[str, int] | None:
    """A function or method of this case that the change added (the file's first such name may be an old one)."""
    if kind not in ("function", "method"):
        return None
    for m in _new_functions(view, f):
        own = m.name.rsplit(".", 1)[-1]
        if m.is_method == (kind == "method") and name_case(own) == case:
            return own, m.line
    return None


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- whole repository, no base ------------------------------------------------------------


def _whole_repo(head: Snapshot, facts: RepoFacts, context: Context | None) -> tuple[FitAnswer, ...]:
    """No change to compare: each question against what the context declares, if it does."""
    if context is None:
        reason = "no base to compare with and no declared architecture context"
        return tuple(_na(q, reason) for q in range(1, 6))
    view = _View(_production(head), (), {})
    return (_declared_access(view, context), _declared_errors(view, context), _declared_layers(facts, context),
            _declared_infra(head, context), _na(5, "no change to compare with the codebase's style"))


def _declared_access(view: _View, context: Context) -> FitAnswer:
    declared = context.pattern("data_access")
    expected = _declared_labels(declared or "")
    if not expected:
        return _na(1, "no base to compare with and the context declares no recognisable data-access pattern")
    engines = [f for f in view.new if "own-engine" in _style(f).data_access]  # the first is the shared one
    evidence = []
    for f in view.new:
        labels = set(_style(f).data_access) - ({"own-engine"} if engines and f is engines[0] else set())
        evidence += _access_drift(f, labels, expected, "repository" in expected, engines[:1], True)
    return _answer(1, evidence, f"The code accesses data as declared ({declared}).",
                   f"Some code accesses data otherwise than declared ({declared}).")


def _declared_errors(view: _View, context: Context) -> FitAnswer:
    declared = (context.pattern("error_handling") or "").lower()
    if "exception" not in declared and "raise" not in declared:
        return _na(2, "no base to compare with and the context declares no exception-based error handling")
    evidence = [_at(f, label, "error", f"returns {'None' if label == 'returns-none' else 'an error code'} "
                "from an except block; the context declares exceptions")
                for f in view.new for label in ("returns-none", "returns-code") if label in _style(f).error_handling]
    return _answer(2, evidence, "The code handles errors as declared (exceptions).",
                   "Some code turns errors into return values although the context declares exceptions.")


def _declared_layers(facts: RepoFacts, context: Context) -> FitAnswer:
    if not context.layers:
        return _na(3, "no base to compare with and the context declares no layers")
    evidence = [Evidence(v.path, v.line, v.message) for v in facts.violations if is_production(v.path)]
    return _answer(3, evidence, f"Imports respect the {len(context.layers)} declared layers.",
                   f"Imports cross the {len(context.layers)} declared layers.")


def _declared_infra(head: Snapshot, context: Context) -> FitAnswer:
    if not context.patterns_not_used:
        return _na(4, "no base to compare with and the context lists no patterns it does not use")
    banned = set(context.patterns_not_used) & INFRA_KINDS
    evidence = [Evidence(f.path, s.line, f"uses {s.kind} ({s.name}), which the context says is not used")
                for f in head.files if is_production(f.path) for s in f.signals if s.kind in banned]
    return _answer(4, evidence, "No infrastructure the context rules out is in use.",
                   "Infrastructure the context rules out is in use.")
