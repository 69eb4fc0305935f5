"""The typed vocabularies every floor shares.

Each vocabulary is a ``Literal`` type (for mypy and the reader) and the tuple of
its values in display order (for validation and tables), derived from the type so
the two cannot drift. Nothing else in the package spells these lists out.
"""

from __future__ import annotations

from typing import Literal, get_args

# What a change can bring (DESIGN.md's contract: extend, never rename).
Kind = Literal[
    "message_queue", "task_queue", "pubsub", "event_bus", "event_sourcing", "database",
    "cache", "search", "object_storage", "di_container", "retry", "circuit_breaker",
    "web_framework", "rpc", "scheduler", "observability", "container", "service", "config",
]  # fmt: skip
KINDS: tuple[Kind, ...] = get_args(Kind)
# What a client reads for each kind (the JSON keeps the ids).
KIND_LABELS: dict[str, str] = {
    "message_queue": "message queue", "task_queue": "task queue", "pubsub": "publish/subscribe",
    "event_bus": "event bus", "event_sourcing": "event sourcing", "database": "database", "cache": "cache",
    "search": "search engine", "object_storage": "object storage", "di_container": "dependency-injection container",
    "retry": "retry policy", "circuit_breaker": "circuit breaker", "web_framework": "web framework",
    "rpc": "RPC framework", "scheduler": "scheduler", "observability": "observability stack",
    "container": "container image", "service": "deployable service", "config": "configuration file",
}

# The reviewer's verdict on a checklist item (DESIGN.md: not reviewed / pass / concern / fail / n.a.),
# in the order the widgets offer them.
Status = Literal["unreviewed", "pass", "concern", "fail", "na"]
STATUSES: tuple[Status, ...] = get_args(Status)
# The same verdicts worst first, for summaries and tables.
VerdictOrder = Literal["fail", "concern", "pass", "na", "unreviewed"]
VERDICT_ORDER: tuple[Status, ...] = get_args(VerdictOrder)
# What a client reads for each verdict.
STATUS_LABELS: dict[Status, str] = {"unreviewed": "not reviewed", "pass": "pass", "concern": "concern",
                                    "fail": "fail", "na": "not applicable"}

# The reviewer's call on one finding (by its fingerprint): "open" counts as evidence; the other two
# dismiss it (shown marked in the report, not counted in the headline or the top risks).
FindingStatus = Literal["open", "false_positive", "accepted"]
FINDING_STATUSES: tuple[FindingStatus, ...] = get_args(FindingStatus)
FINDING_LABELS: dict[FindingStatus, str] = {"open": "open", "false_positive": "false positive",
                                            "accepted": "accepted"}

# How much an item matters, lowest first; RANK gives 1 for "low" up to 4 for "critical".
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(SEVERITIES, start=1)}

# The fit test's answer to one of its five questions.
FitVerdict = Literal["fits", "drifts", "not_applicable"]
FIT_VERDICTS: tuple[FitVerdict, ...] = get_args(FitVerdict)

# What a file is for (archreview.sources.roles.role_of): only production code serves traffic.
Role = Literal["production", "test", "migration", "script", "docs", "generated", "vendored"]
ROLES: tuple[Role, ...] = get_args(Role)

# Where the checklist placed a finding off the production request path, each scaling its confidence down
# once and saying so in its message: a developer script or tool (archreview.checklist.placement), an
# operator command (the same), a module nothing in the repository imports or starts (archreview.checklist.
# reach), a call a Celery task's time limit bounds (archreview.checklist.across.timelimits). "production" is a
# finding left where its detector found it. Internal: not a JSON key.
Placement = Literal["production", "dev", "command", "unreached", "time_limited", "own_loop"]
PLACEMENTS: tuple[Placement, ...] = get_args(Placement)

# Where an import leads (archreview.repo.modules).
ImportCategory = Literal["internal", "stdlib", "third_party"]
IMPORT_CATEGORIES: tuple[ImportCategory, ...] = get_args(ImportCategory)

# Why an import is reported against the architecture: it breaks a declared layer, or closes a cycle.
ViolationRule = Literal["layer", "cycle"]
VIOLATION_RULES: tuple[ViolationRule, ...] = get_args(ViolationRule)

# Where a dependency's name is looked up: the package registries of the analysed languages.
Ecosystem = Literal["pypi", "npm", "nuget", "maven", "go"]
ECOSYSTEMS: tuple[Ecosystem, ...] = get_args(Ecosystem)

# What a Python file shows about who runs its coroutines (archreview.checklist.across.ownloop): an ``async_to_sync``
# bridge, a loop that serves others (an async framework imported, a loop started or fed), coroutines run
# side by side. Internal: not a JSON key.
LoopRole = Literal["bridge", "shared", "side_by_side"]
LOOP_ROLES: tuple[LoopRole, ...] = get_args(LoopRole)

# How the repository stage finds what a helper call runs (archreview.checklist.across.selfcommit): a module-level
# function by its dotted name, or a model method by its name. Internal: not a JSON key.
CalleeKind = Literal["func", "method"]
CALLEE_KINDS: tuple[CalleeKind, ...] = get_args(CalleeKind)
