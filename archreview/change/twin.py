"""The boring twin of each new piece of infrastructure.

For a broker, a second engine or a DI container a change brings, a reviewer asks two
questions before anything else: how does this codebase *already* do that job, and
what would go away if the new piece were taken out? This module answers both from
the facts already computed, without new parsing:

* **precedent**: where base (the codebase before the change) does the same job,
  with ``path:line``: infrastructure of the same job already in use (an existing
  task queue or scheduler, the existing engine or session factory, a cache), and
  the plain-code way of doing it (threads or a pool for background work,
  ``functools.lru_cache`` for a cache, the composition root that wires objects by
  hand: ``create_app``, ``main``...). The jobs are data (``JOBS``), not branches.
* **removal**: the distributions the change adds for it, the compose services and
  Dockerfile or Procfile lines that run it, the config keys the change starts reading
  for it (named after it or its job), and the checklist items it opens
  (``opens``: filled by the checklist floor, which knows the rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from archreview.change.catalogue import load_catalogue
from archreview.change.infra import infrastructure_in_use, place
from archreview.core.model import Evidence, FileFacts, FitAnswer, InfraFinding, RepoFacts, Snapshot, Twin
from archreview.core.vocab import KIND_LABELS
from archreview.facts.distributions import distribution_of
from archreview.facts.manifests import is_manifest
from archreview.facts.treesitter import ECOSYSTEM_OF
from archreview.sources.roles import role_of

MAX_PRECEDENTS = 3


@dataclass(frozen=True, slots=True)
class Job:
    """One job several kinds of infrastructure do, and the plain-code ways of doing it."""

    name: str  # "background work"
    kinds: frozenset[str]  # infrastructure kinds that do it
    modules: tuple[tuple[str, str], ...] = ()  # (imported module or module.name, how the code does it)
    functions: tuple[str, ...] = ()  # regexes on top-level function names (a composition root)
    config: tuple[str, ...] = ()  # words of config keys that belong to this job (BROKER, CACHE...)


JOBS: tuple[Job, ...] = (
    Job("background work", frozenset({"task_queue", "message_queue", "scheduler"}),
        modules=(("threading", "a thread"), ("concurrent.futures", "a thread or process pool"),
                 ("multiprocessing", "worker processes"), ("sched", "the standard scheduler"),
                 ("fastapi.BackgroundTasks", "FastAPI background tasks"),
                 ("starlette.background", "Starlette background tasks")),
        config=("BROKER", "AMQP", "QUEUE", "CELERY", "WORKER", "KAFKA", "RABBITMQ")),
    Job("telling other parts what happened", frozenset({"event_bus", "pubsub"}),
        modules=(("django.dispatch", "Django signals"), ("blinker", "blinker signals")),
        config=("BROKER", "PUBSUB", "CHANNEL", "TOPIC")),
    Job("data storage", frozenset({"database", "search", "object_storage", "event_sourcing"}),
        config=("DATABASE", "DB", "DSN", "POSTGRES", "MYSQL", "MONGO", "BUCKET", "ELASTIC", "ELASTICSEARCH", "SEARCH")),
    Job("caching", frozenset({"cache"}),
        modules=(("functools.lru_cache", "functools.lru_cache"), ("functools.cache", "functools.cache"),
                 ("django.core.cache", "Django's cache framework"), ("cachetools", "cachetools")),
        config=("CACHE", "REDIS", "MEMCACHE", "MEMCACHED")),
    Job("wiring objects together", frozenset({"di_container"}),
        modules=(("fastapi.Depends", "FastAPI's Depends"),),
        functions=(r"^(create|make|build|setup|get)_(app|application|api|container|services)$", r"^main$",
                   r"^(bootstrap|wire|wire_\w+|compose_\w+|configure)$")),
    Job("handling failed calls", frozenset({"retry", "circuit_breaker"}),
        modules=(("urllib3.util.retry", "urllib3's Retry"), ("urllib3.Retry", "urllib3's Retry"),
                 ("requests.adapters", "a requests adapter with max_retries")), config=("RETRY", "RETRIES")),
    Job("serving and calling services", frozenset({"web_framework", "rpc"}),
        modules=(("requests", "requests"), ("httpx", "httpx"), ("urllib.request", "urllib")),
        config=("GRPC", "RPC")),
    Job("seeing what runs", frozenset({"observability"}),
        modules=(("logging", "the standard logging"), ("structlog", "structlog")),
        config=("OTEL", "SENTRY", "TRACING", "METRICS", "PROMETHEUS")),
    Job("running the code", frozenset({"container", "service"})),
)
_DEPLOYED = {"compose": "compose", "dockerfile": "Dockerfile", "procfile": "Procfile"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{3,}")


def job_of(kind: str) -> Job | None:
    return next((j for j in JOBS if kind in j.kinds), None)


def boring_twins(base: Snapshot, head: Snapshot, new_infra: Sequence[InfraFinding], new_dependencies: Iterable[str],
                 changed: Iterable[str], *, base_facts: RepoFacts | None = None) -> tuple[Twin, ...]:
    """One twin per new piece of infrastructure that production code uses (test-only ones cost nothing)."""
    shipped = [n for n in new_infra if not n.test_only and n.kind != "config"]
    if not shipped:
        return ()
    in_use = [n for n in infrastructure_in_use(base, facts=base_facts) if not n.test_only]
    added = frozenset(new_dependencies)
    changed = frozenset(changed)
    keys_before = {s.detail.upper() for f in base.files for s in f.signals if s.via == "key"}
    files = {f.path: f for f in head.files}
    return tuple(Twin(n.kind, n.name, _precedent(n, base, in_use), _packages(n, files, added), _deployed(n, files),
                      _config_keys(n, head, changed, keys_before)) for n in shipped)


# --- precedent ---------------------------------------------------------------------------


def _precedent(n: InfraFinding, base: Snapshot, in_use: Sequence[InfraFinding]) -> tuple[Evidence, ...]:
    job = job_of(n.kind)
    if job is None:
        return ()
    code = {f.path for f in base.files if _is_code(f)}
    counted = load_catalogue().counted
    ranked: list[tuple[tuple[bool, ...], Evidence]] = []
    for other in in_use:  # infrastructure base already uses for the same job
        if other.kind not in job.kinds:  # the same kind too: the engine beside a new engine
            continue
        # where the production code (or its compose file, its Dockerfile) does it: a manifest line or a
        # test is not how the codebase does the job
        places = [loc for loc in other.evidence if place(loc.path) == "prod" and not is_manifest(loc.path)]
        if not places:
            continue
        first = min(places, key=lambda loc: (role_of(loc.path) == "migration", loc.path not in code, loc.path,
                                             loc.line or 0))
        # an instance in application code (the engine, the session factory, the client) of the same kind first
        rank = (other.kind != n.kind, role_of(first.path) == "migration", (other.kind, other.name) not in counted,
                first.path not in code)
        ranked.append((rank, Evidence(first.path, first.line, f"{job.name}: the existing {other.name} ({KIND_LABELS.get(other.kind, other.kind)})")))
    out = [e for _, e in sorted(ranked, key=lambda r: r[0])]
    production = [f for f in base.files if place(f.path) == "prod"]
    out += _code_ways(job, production)
    return tuple(_unique(out)[:MAX_PRECEDENTS])


def _is_code(f: FileFacts) -> bool:
    return f.language == "python" or f.language in ECOSYSTEM_OF


def _code_ways(job: Job, files: Sequence[FileFacts]) -> list[Evidence]:
    found: list[Evidence] = []
    for f in files:
        for imp in f.imports:
            for wanted, how in job.modules:
                if _imports(imp.module, imp.names, wanted):
                    found.append(Evidence(f.path, imp.line, f"{job.name}: done with {how}"))
        for fn in f.functions:
            if not fn.is_method and any(re.match(p, fn.name) for p in job.functions):
                found.append(Evidence(f.path, fn.line, f"{job.name}: by hand, in {fn.name}()"))
    return sorted(found, key=lambda e: (e.path, e.line or 0))


def _imports(module: str, names: tuple[str, ...], wanted: str) -> bool:
    """``import threading``, ``from concurrent.futures import ...``, ``from functools import lru_cache``."""
    if module == wanted or module.startswith(wanted + "."):
        return True
    parent, _, name = wanted.rpartition(".")
    return bool(parent) and module == parent and name in names


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    """One precedent per way of doing the job (the first place it appears)."""
    seen: set[str] = set()
    out = []
    for e in evidence:
        if e.text not in seen:
            seen.add(e.text)
            out.append(e)
    return out


# --- what removing it removes ------------------------------------------------------------


def _packages(n: InfraFinding, files: dict[str, FileFacts], added: frozenset[str]) -> tuple[str, ...]:
    """Distributions the change adds that the piece's own evidence declares or imports."""
    names: set[str] = set()
    for loc in n.evidence:
        f = files.get(loc.path)
        if f is None:
            continue
        names.update(r.name for r in f.requirements if r.line == loc.line)
        names.update(distribution_of(i.module.split(".")[0]) for i in f.imports if i.line == loc.line and i.module)
    return tuple(sorted(name for name in names if name in added))


def _deployed(n: InfraFinding, files: dict[str, FileFacts]) -> tuple[Evidence, ...]:
    """The compose services, Dockerfile and Procfile lines that run it."""
    out = []
    for loc in n.evidence:
        f = files.get(loc.path)
        for s in f.signals if f is not None else ():
            if s.line == loc.line and s.via in _DEPLOYED and (s.kind, s.name) == (n.kind, n.name):
                out.append(Evidence(loc.path, loc.line, f"{_DEPLOYED[s.via]}: {s.detail}".strip(": ")))
    return tuple(_unique(out))


def _config_keys(n: InfraFinding, head: Snapshot, changed: frozenset[str], before: set[str]) -> tuple[str, ...]:
    """Keys the change starts reading for it: named after it (CELERY_...) or its job (BROKER_URL, DB_HOST).
    Not every key of the files it is used in: a settings module reads the whole system's keys."""
    job = job_of(n.kind)
    words = {w.upper() for w in _WORD.findall(n.name)} | set(job.config if job else ())
    keys = set()
    for f in head.files:
        if f.path not in changed or place(f.path) != "prod":
            continue
        for s in f.signals:
            key = s.detail.upper()
            if s.via != "key" or key in before:
                continue
            if words & set(key.split("_")):
                keys.add(key)
    return tuple(sorted(keys))


# --- in the fit test ---------------------------------------------------------------------


def removal(t: Twin) -> str:
    """What taking the piece out would take with it, beyond its own code."""
    parts = []
    if t.packages:
        parts.append(f"packages {', '.join(t.packages)}")
    if t.services:
        parts.append("; ".join(f"{e.text} ({e.path}:{e.line})" for e in t.services))
    if t.config_keys:
        parts.append(f"config keys {', '.join(t.config_keys)}")
    if t.opens:
        parts.append(f"the checklist items it opens ({', '.join(map(str, t.opens))})")
    return "; ".join(parts) if parts else "only its own code"


def describe_removal(t: Twin) -> str:
    return f"removing {t.name} ({KIND_LABELS.get(t.kind, t.kind)}) removes {removal(t)}"


def with_twins(fit: tuple[FitAnswer, ...], twins: Sequence[Twin], new_infra: Sequence[InfraFinding]
               ) -> tuple[FitAnswer, ...]:
    """Question 4 with each twin right after the line that says the change adds the piece: what removing it
    would take with it (at the piece's first line) and the codebase's own way of doing the job (at its lines)."""
    if not twins:
        return fit
    at = {(n.kind, n.name): min(n.evidence, key=lambda loc: (loc.path, loc.line or 0)) for n in new_infra if n.evidence}

    def lines(t: Twin) -> list[Evidence]:
        where = at.get((t.kind, t.name))
        out = [Evidence(where.path, where.line, describe_removal(t))] if where is not None else []
        out += [Evidence(p.path, p.line, f"boring twin of {t.name}: {p.text}") for p in t.precedent]
        if not t.precedent and where is not None:
            out.append(Evidence(where.path, where.line, f"boring twin of {t.name}: the codebase has no way of doing "
                                                        f"this job yet"))
        return out

    def answer(a: FitAnswer) -> FitAnswer:
        pending = list(twins)
        evidence: list[Evidence] = []
        for e in a.evidence:
            evidence.append(e)
            for t in [t for t in pending if e.text.startswith(f"adds {KIND_LABELS.get(t.kind, t.kind)} ({t.name}")]:
                evidence += lines(t)
                pending.remove(t)
        for t in pending:  # code-level pieces (a DI container, a retry library) have no "adds" line of their own
            evidence += lines(t)
        return replace(a, evidence=tuple(evidence))

    return tuple(answer(a) if a.question == 4 else a for a in fit)
