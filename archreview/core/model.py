"""Value objects shared by every stage of the analysis.

Data flows one way: sources -> per-file facts (``FileFacts``, computed in worker
processes and cached by content) -> repository facts -> one ``Analysis``.
Everything here is a frozen dataclass holding tuples, so values pickle across
processes, hash, and compare; dicts appear only at the JSON boundary
(``archreview.report.jsondoc``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from archreview.core.vocab import CalleeKind, FitVerdict, ImportCategory, Kind, LoopRole, Placement, ViolationRule


@dataclass(frozen=True, slots=True, order=True)
class Location:
    path: str
    line: int | None = None


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """A file that belongs to the repository but is not analysed, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True, order=True)
class FileError:
    """A problem met while analysing one file. Recorded, never raised."""

    path: str
    message: str


# --- per-file facts (pure functions of path + content) -----------------------


@dataclass(frozen=True, slots=True)
class RawImport:
    """One imported name as written in the source, before resolution.

    ``module`` is the dotted name after ``from``/``import`` (empty for
    ``from . import x``); ``level`` the number of leading dots; ``names`` the
    names after ``import`` in a from-import (``("*",)`` for a star import).
    """

    module: str
    line: int
    level: int = 0
    names: tuple[str, ...] = ()
    type_checking: bool = False
    local: bool = False  # inside a function or method body


@dataclass(frozen=True, slots=True)
class FunctionMetric:
    """A function or method with radon's cyclomatic complexity."""

    name: str  # "func", "Class.method"
    line: int
    end_line: int
    cc: int
    is_method: bool = False
    is_async: bool = False
    has_docstring: bool = False
    args: int = 0


@dataclass(frozen=True, slots=True)
class ClassInfo:
    name: str
    line: int
    bases: tuple[str, ...] = ()  # dotted names as written: "abc.ABC", "Base"
    methods: tuple[str, ...] = ()
    abstract: bool = False  # has an abstractmethod or derives from ABC/Protocol
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Halstead:
    volume: float
    difficulty: float
    effort: float
    bugs: float


@dataclass(frozen=True, slots=True)
class RawMetrics:
    """Line counts in radon's vocabulary (computed from the one parse)."""

    loc: int
    lloc: int
    sloc: int
    comments: int
    multi: int
    blank: int


@dataclass(frozen=True, slots=True)
class Requirement:
    """A third-party distribution declared in a manifest (requirements, pyproject...)."""

    name: str  # canonical distribution name (PEP 503 normalised)
    line: int
    spec: str = ""  # version spec as written, for display only
    section: str = ""  # "main", "dev", "test", an extra's name...
    ecosystem: str = "pypi"  # "npm", "nuget", "maven", "go": where the name is looked up


@dataclass(frozen=True, slots=True)
class Signal:
    """Evidence, in one file, that some piece of infrastructure is used.

    ``kind`` is one of ``archreview.core.vocab.KINDS``; ``name`` identifies the
    thing ("rabbitmq", "sqlalchemy engine"); ``via`` says where the evidence
    comes from ("import", "manifest", "compose", "dockerfile", "procfile",
    "settings", "pattern", "config").
    """

    kind: Kind
    name: str
    line: int
    via: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """Evidence under one checklist item (1-22)."""

    item: int
    path: str
    line: int
    message: str
    confidence: float
    snippet: str = ""
    rule: str = ""  # the detector's id, e.g. "timeout.missing"
    new: bool | None = None  # in a line the change added; None without a base
    fingerprint: str = ""  # stable identity across runs (archreview.core.fingerprint)
    baseline: str | None = None  # "new" or "unchanged" against --baseline PREV.json; None without one
    placement: Placement = "production"  # where the checklist placed it (scaled once, said in the message)
    # the bare name of the function a call-based finding is about (a dual write's ``send_badge_notification(...)``),
    # for the repository stage to follow across modules (archreview.checklist.across.wrappers); internal: not a JSON key
    callee: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Resolved:
    """A finding of the previous run (``--baseline``) that is no longer found."""

    fingerprint: str
    item: int
    path: str


@dataclass(frozen=True, slots=True)
class StyleFacts:
    """What a newcomer would notice about a file's conventions (fit test)."""

    data_access: tuple[str, ...] = ()  # e.g. "orm-session", "raw-sql", "own-engine"
    error_handling: tuple[str, ...] = ()  # e.g. "raises-custom", "returns-none"
    logging: tuple[str, ...] = ()  # e.g. "logging", "structlog", "print"
    raises: int = 0
    custom_exceptions: tuple[str, ...] = ()
    returns_none_on_error: int = 0
    returns_code_on_error: int = 0  # False / -1 / "error" returned from an except block
    dependency_injection: tuple[str, ...] = ()  # "constructor", "container"
    snake_names: int = 0  # names the file defines (functions, arguments, variables)
    camel_names: int = 0
    lines: tuple[tuple[str, int], ...] = ()  # ("data:raw-sql", first line) for every label above
    # (kind, case, count, first name, its line) per kind of name ("function", "method", "type", "variable") and
    # case ("camel", "pascal", "snake", "upper", "word", "other"): each language's naming conventions (fit test)
    naming: tuple[tuple[str, str, int, str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class CeleryTask:
    """A Celery task function a Python file defines (``@shared_task``, ``@app.task``...), its lines, and the
    time limit its decorator sets (``soft_time_limit=300``; "" for none of its own)."""

    name: str
    first: int
    last: int
    limit: str = ""


@dataclass(frozen=True, slots=True)
class TaskTimeLimit:
    """An app-wide Celery task time limit a Python file sets: ``task_time_limit=1800`` at its line."""

    line: int
    setting: str  # "task_time_limit=1800", as written


@dataclass(frozen=True, slots=True)
class LoopEvidence:
    """What a Python file shows about who runs its coroutines (archreview.checklist.across.ownloop): an ``async_to_sync``
    call (``bridge``), an async framework imported or a loop started or fed (``shared``: ``asyncio.run``; line 0
    for an import, which holds for the whole file), coroutines run side by side (``side_by_side``:
    ``asyncio.gather``)."""

    role: LoopRole
    line: int
    what: str = ""  # "imports fastapi", "asyncio.gather"; "" for a bridge


@dataclass(frozen=True, slots=True)
class Cascade:
    """A delete cascade a model declares, at its line, from the parent it cascades from (a table or class name
    as the declaration gives it: ``"rule"`` of ``ForeignKey("rule.id", ondelete="CASCADE")``)."""

    line: int
    parent: str


@dataclass(frozen=True, slots=True)
class HelperEffect:
    """An effect (a publish, a send...) that no commit of its own function precedes, after a call that may commit by
    itself (archreview.checklist.across.selfcommit): the repository stage reads the callee and reports the dual write
    when its body commits."""

    line: int  # the effect's
    helper_line: int
    callee_kind: CalleeKind
    callee: str  # "app.services.files.create_preview" (func) or "create" (a model's method)
    written: str  # the helper as the call writes it: "files_service.create_preview_file_raw"
    effect: str  # "emit event ..."
    function: str  # the function both are in
    snippet: str


@dataclass(frozen=True, slots=True)
class AcrossModules:
    """What one Python file tells the repository stage, which reads every file's facts together and settles
    what a per-file detector cannot see (archreview.checklist's wrappers, columns, ownloop, softdelete, registry,
    selfcommit, atomicrequests and scheduled). ``FileFacts.across`` is None for a file that tells it nothing."""

    in_process_senders: tuple[str, ...] = ()  # module-level functions whose only outside-looking act is a signal
    columns: tuple[str, ...] = ()  # attributes model classes declare as columns
    relations: tuple[str, ...] = ()  # ... and as relations (either side: backref, related_name...)
    loop: tuple[LoopEvidence, ...] = ()
    soft_deleted: tuple[str, ...] = ()  # the names a model with a soft-delete field goes by (table, class)
    cascades: tuple[Cascade, ...] = ()
    harness: tuple[str, ...] = ()  # top-level functions of a module run by hand that registers no command
    commits_funcs: tuple[str, ...] = ()  # module-level functions whose own body commits
    commits_methods: tuple[str, ...] = ()  # methods of a models module's classes whose own body commits
    helper_effects: tuple[HelperEffect, ...] = ()
    atomic_requests: tuple[int, ...] = ()  # lines of a DATABASES entry turning Django's ATOMIC_REQUESTS on
    request_spans: tuple[tuple[int, int], ...] = ()  # (first, last) line of functions handling a request
    scheduled_tasks: tuple[str, ...] = ()  # tasks a schedule entry names (Celery beat), as written
    sent_tasks: tuple[tuple[int, str], ...] = ()  # (line, task as written) of send_task calls with no arguments


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything learnt from one file. Depends only on its path and content."""

    path: str
    language: str
    lines: int = 0
    raw: RawMetrics | None = None
    imports: tuple[RawImport, ...] = ()
    functions: tuple[FunctionMetric, ...] = ()
    classes: tuple[ClassInfo, ...] = ()
    mi: float | None = None
    halstead: Halstead | None = None
    requirements: tuple[Requirement, ...] = ()
    signals: tuple[Signal, ...] = ()
    findings: tuple[Finding, ...] = ()
    style: StyleFacts | None = None
    error: str | None = None  # why the file could not be analysed fully
    namespace: str = ""  # Java/Kotlin package, C# namespace, Go package clause
    declares: tuple[tuple[str, str], ...] = ()  # what a build file says about the code: ("go-module", path)...
    # dotted module names and .py paths the file names in strings or commands, outside import statements
    # (settings, entry points, Dockerfile CMD...): archreview.facts.mentions
    mentions: tuple[str, ...] = ()
    # what bounds a Celery task's run (archreview.checklist.across.timelimits): its app-wide limits and its tasks
    task_time_limits: tuple[TaskTimeLimit, ...] = ()
    celery_tasks: tuple[CeleryTask, ...] = ()
    across: AcrossModules | None = None  # what the repository stage reads across modules


# --- what the team declares (archreview.context.load) ---------------------------------


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    paths: tuple[str, ...]  # repo-relative folders or files ("src/app/services")
    may_import: tuple[str, ...]  # names of the other layers this one may import


@dataclass(frozen=True, slots=True)
class Scale:
    users: int | None = None
    requests_per_day: int | None = None
    data_volume: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    system: str | None
    stack: tuple[str, ...]
    layers: tuple[Layer, ...]  # in declaration order (higher layers first where known)
    patterns: tuple[tuple[str, str], ...]  # (one of PATTERN_KEYS, text), sorted by key
    patterns_not_used: tuple[str, ...]  # kinds, sorted
    scale: Scale
    examples: tuple[str, ...]
    sources: tuple[str, ...]  # files that contributed, highest priority first

    def pattern(self, key: str) -> str | None:
        return dict(self.patterns).get(key)


# --- repository facts ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Import:
    """A resolved import edge from one module."""

    target: str  # absolute dotted module name
    line: int
    category: ImportCategory
    distribution: str | None = None  # for third-party: the distribution name
    type_checking: bool = False
    local: bool = False


@dataclass(frozen=True, slots=True)
class Module:
    name: str
    path: str
    loc: int
    imports: tuple[Import, ...] = ()
    is_package: bool = False
    language: str = "python"


@dataclass(frozen=True, slots=True)
class Violation:
    """An import that breaks a declared layer rule, or a cycle the change creates."""

    rule: ViolationRule
    importer: str
    imported: str
    path: str
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class RepoFacts:
    """What one snapshot says as a whole, computed once per snapshot (``archreview.repo.facts``)
    and handed to infrastructure detection, the fit test and the detectors."""

    modules: tuple[Module, ...]  # every named module, its imports resolved and categorised
    internal: frozenset[str]  # the repository's own top-level import names: never third-party
    violations: tuple[Violation, ...] = ()  # imports that break the layers of the context it was computed with
    # internal module -> the other modules that import it (tests too), by name: who imports whom, for the
    # checklist's placements (archreview.checklist.across.reach, archreview.checklist.across.timelimits)
    importers: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ProjectLink:
    """One .NET project's use of another: ``using`` directives in the source project's files that name a
    namespace the target project declares, and whether the source's .csproj references it (a
    ``ProjectReference``, directly or through the projects it references)."""

    source: str  # project name (AssemblyName, else the .csproj file name)
    target: str
    usings: int  # 0: referenced but no using names the target's namespaces
    referenced: bool


@dataclass(frozen=True, slots=True)
class Coupling:
    package: str
    afferent: int  # packages that depend on this one
    efferent: int  # packages this one depends on
    instability: float  # efferent / (afferent + efferent)


@dataclass(frozen=True, slots=True)
class Graph:
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    cycles: tuple[tuple[str, ...], ...]  # each an example path, first node repeated at the end
    packages: tuple[str, ...] = ()
    package_edges: tuple[tuple[str, str, int], ...] = ()  # (from, to, import count)
    coupling: tuple[Coupling, ...] = ()
    violations: tuple[Violation, ...] = ()
    depth: int = 1
    projects: tuple[ProjectLink, ...] = ()  # .NET: project -> project, from `using` and ProjectReference
    project_coupling: tuple[Coupling, ...] = ()  # afferent/efferent coupling per .NET project


@dataclass(frozen=True, slots=True)
class Churn:
    path: str
    commits: int
    added: int
    deleted: int


@dataclass(frozen=True, slots=True)
class Hotspot:
    path: str
    churn: int  # commits touching the file in the window
    complexity: int  # sum of cyclomatic complexity
    score: float  # normalised churn x complexity, 0..1


@dataclass(frozen=True, slots=True)
class RepoRef:
    path: str
    base: str | None  # full commit id when git
    head: str | None
    base_name: str | None = None  # the ref as the user wrote it
    head_name: str | None = None
    is_git: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The files of the repository at one ref, analysed."""

    ref: str | None
    files: tuple[FileFacts, ...]
    skipped: tuple[Skipped, ...] = ()
    errors: tuple[FileError, ...] = ()


@dataclass(frozen=True, slots=True)
class InfraFinding:
    kind: Kind
    name: str
    evidence: tuple[Location, ...]
    test_only: bool = False
    declared_unused: bool = False  # the context says "we do NOT use" this kind
    declared_used: bool = False  # the context says this kind is part of the system


@dataclass(frozen=True, slots=True)
class Evidence:
    """A place in the code and what it shows there.

    Kept as a value all the way to the edges: the JSON document writes the three
    fields, the report renders ``path:line — text``; nothing parses it back.
    """

    path: str
    line: int | None  # None: the file as a whole
    text: str

    @property
    def key(self) -> tuple[str, int, str]:
        """Sort by path, then line as a number, then text."""
        return self.path, self.line or 0, self.text


@dataclass(frozen=True, slots=True)
class FitAnswer:
    question: int  # 1-5
    verdict: FitVerdict
    summary: str
    evidence: tuple[Evidence, ...] = ()
    omitted: int = 0  # evidence left out beyond the cap


@dataclass(frozen=True, slots=True)
class Twin:
    """The boring twin of one new piece of infrastructure (``archreview.change.twin``): how the codebase
    already does the same job, and what removing the piece would remove."""

    kind: Kind
    name: str
    precedent: tuple[Evidence, ...] = ()  # the codebase's own way of doing the job, at its lines
    packages: tuple[str, ...] = ()  # distributions the change adds for it
    services: tuple[Evidence, ...] = ()  # compose services, Dockerfile and Procfile lines that run it
    config_keys: tuple[str, ...] = ()  # config keys the change starts reading for it
    opens: tuple[int, ...] = ()  # checklist items it opens


@dataclass(frozen=True, slots=True)
class LockChanges:
    """What a change does to the npm lockfiles (package-lock.json, yarn.lock, pnpm-lock.yaml): the versions
    its new direct dependencies resolve to, and what moves only in the lockfile (transitive packages)."""

    lockfiles: tuple[str, ...] = ()  # head's npm lockfiles that were read
    resolved: tuple[tuple[str, str], ...] = ()  # (new direct dependency, resolved versions; "" when no lockfile has it)
    added: tuple[tuple[str, str], ...] = ()  # (package, versions) the lockfile alone brings: no package.json declares it
    removed: tuple[tuple[str, str], ...] = ()
    changed: tuple[tuple[str, str, str], ...] = ()  # (package, base versions, head versions), transitive packages
    direct_changed: tuple[tuple[str, str, str], ...] = ()  # declared before and after, resolved to other versions


@dataclass(frozen=True, slots=True)
class Analysis:
    repo: RepoRef
    head: Snapshot
    base: Snapshot | None
    modules: tuple[Module, ...]
    graph: Graph
    churn: tuple[Churn, ...] = ()
    hotspots: tuple[Hotspot, ...] = ()
    new_infrastructure: tuple[InfraFinding, ...] = ()
    new_dependencies: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    fit_test: tuple[FitAnswer, ...] = ()
    changed_files: tuple[str, ...] = ()
    errors: tuple[FileError, ...] = ()
    context: Context | None = field(default=None, compare=False)
    resolved: tuple[Resolved, ...] | None = None  # with --baseline: what the previous run found and this one not
    twins: tuple[Twin, ...] = ()  # per new piece of infrastructure in production: precedent and removal
    lockfile: LockChanges | None = None  # with a base and an npm lockfile on either side


def _pickled_by_fields(*classes: type) -> None:
    """Pickle these values as (class, field values).

    A slotted dataclass pickles through ``dataclasses``' generic ``__getstate__``,
    which looks its fields up again for every object: on a 3,000-file repository
    writing the per-file facts to the cache took longer than parsing the files.
    """
    for cls in classes:
        values = attrgetter(*(f.name for f in dataclasses.fields(cls)))  # every class here has two fields or more

        def reduce(self: object, _cls: type = cls, _values: attrgetter[object] = values) -> tuple[object, ...]:
            return _cls, _values(self)  # a tuple, read in C: no generator per object

        cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]


_pickled_by_fields(Location, Skipped, FileError, RawImport, FunctionMetric, ClassInfo, Halstead, RawMetrics,
                   Requirement, Signal, Finding, StyleFacts, CeleryTask, TaskTimeLimit, LoopEvidence, Cascade,
                   HelperEffect, AcrossModules, FileFacts, Import, Module)
