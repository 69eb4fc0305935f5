"""What a change brings: new infrastructure and new third-party dependencies.

Works on two analysed ``Snapshot``s (base and head); per-file ``Signal``s and
``Requirement``s are already in their ``FileFacts``. Rules:

* **New** = a (kind, name) head has and base did not, evidence = head locations.
  For signals that stand for one *instance* (an engine, a session factory, a
  container class, a Dockerfile: ``Catalogue.counted`` and kind ``container``)
  the number of files holding one matters instead: an engine moved to another
  module is not new, one more module with its own engine is (evidence: head
  occurrences in changed files). Files, not lines, so ``create_engine(A) if x
  else create_engine(B)`` is still one engine.
* **Manifests support, they do not decide**: a declared distribution that is
  infrastructure (``pika`` in requirements.txt) is added to the evidence of a
  (kind, name) that code, config or containers show; alone (a pinned transitive
  dependency) it is only a new dependency.
* **Test-only**: evidence only in test files (role ``test`` in
  ``archreview.sources.roles``: ``tests/``, ``test_*.py``, ``conftest.py``...) or
  dev/test manifest sections gives ``test_only=True``; it is new only if base had
  it nowhere. Files under ``docs/`` are ignored.
* **Service**: a new folder (absent from base) carrying its own Dockerfile (not
  a base one moved there) or manifest, or config beside Python code of its own,
  is a microservice-style ``service`` named after the folder, when the repository
  already had Python code elsewhere (``src/``, ``lib/`` as a new source root are
  a move, not a service; so is a base folder renamed with its files, whose config
  files are not new either).
* **Names support, code decides**: setting names (``REDIS_URL``, ``SENTRY_DSN``)
  and URLs (``redis://``) count only for a kind that code, a container or a
  deployment shows in the same snapshot (``_established``).
* **Internal names**: the repository's own top-level names (``RepoFacts.internal``,
  computed once per snapshot by ``archreview.repo.facts``: the topmost package or
  module of every Python file, plus every first path component). Imports of those
  are never third-party and never infrastructure, even if a catalogue module has
  the same name.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
import dataclasses
from dataclasses import dataclass, replace

from archreview.change.catalogue import Catalogue, load_catalogue
from archreview.facts.distributions import distribution_of, names_a_distribution, same_as, standard_library
from archreview.facts.manifests import CONSTRAINT, INCLUDE, LOCKED, is_dev_section, is_manifest
from archreview.core.model import FileFacts, InfraFinding, Location, RepoFacts, Requirement, Signal, Snapshot
from archreview.repo.modules import internal_names
from archreview.core.vocab import Kind
from archreview.change.codesignals import package_signals
from archreview.change.signals import KEY_VIAS, STAGE_VIAS, manifest_signals
from archreview.facts.packages import NOT_DECLARED
from archreview.facts.treesitter import ECOSYSTEM_OF
from archreview.sources.files import language_of
from archreview.sources.roles import SCRIPT_NAMES, in_ci, role_of

_SOURCE_ROOTS = {"src", "lib", "source", "python"}


@dataclass(frozen=True, slots=True)
class _Occurrence:
    kind: Kind
    name: str
    path: str
    line: int
    test: bool
    support: bool = False  # a manifest declaration: evidence, never the reason
    deployed: bool = False  # compose/Dockerfile/Procfile/config/manifest: where it runs, not how code uses it
    plays: str = ""  # "cache:redis" when the code gives that technology this occurrence's role
    by_path: bool = False  # the file's name says it (messagebus.py): the file is one instance, not one more
    detail: str = ""  # for counted signals: what this definition is (a call with its arguments, a class)
    named: bool = False  # a setting name or URL: support for what code shows, never the reason (``_established``)


def place(path: str) -> str:
    """``"test"``, ``"docs"`` or ``"prod"``: where a file's evidence counts. Scripts' code and migrations
    are prod (a script may run as a job); a compose file, Dockerfile or config file among the scripts
    (``scripts/``, ``dev/``, ``.devcontainer/``: :func:`archreview.sources.roles.role_of`) is a developer
    or test environment, counted like a test's, and so is everything in a CI folder (``.github/``: the
    code there runs in CI, never beside the product). So is a file other than code in a top-level
    developer-environment folder (``tools/``, ``hack/``, ``devtools/``: awx's ``tools/`` holds the
    docker-compose environment with its Grafana, Loki and OTel collector configs) and a compose file
    named for development (``docker-compose.dev.yml``, ``compose.local.yaml``, ``docker-compose-debug.yml``)."""
    role = role_of(path)
    code = language_of(path) in _CODE_LANGUAGES
    if role == "script" and (not code or in_ci(path)):
        return "test"
    folders = path.lower().split("/")[:-1]
    if role == "production" and not code and ((folders[:1] and folders[0] in _DEV_ENVIRONMENTS
                                               and _DEPLOYMENT_DIRS.isdisjoint(folders))
                                              or _DEV_COMPOSE.match(posixpath.basename(path))):
        return "test"
    return role if role in ("test", "docs") else "prod"


_DEV_ENVIRONMENTS = frozenset({"tools", "hack", "devtools", "dev-tools", "devenv", "dev-env"})
# ... unless a folder under it names a deployment (litestar-fullstack's tools/deploy/railway/*.json, its
# tools/deploy/docker/Dockerfile: how the product is deployed)
_DEPLOYMENT_DIRS = frozenset({"deploy", "deploys", "deployment", "deployments", "k8s", "kubernetes", "helm", "charts",
                              "chart", "production", "prod", "release", "releases", "railway", "terraform"})
_DEV_COMPOSE = re.compile(r"^(docker-)?compose[.-](dev|development|local|debug)([.-][\w.-]+)?\.ya?ml$", re.I)


_CODE_LANGUAGES = frozenset({"python", *ECOSYSTEM_OF})



def _is_python(f: FileFacts) -> bool:
    return f.language == "python" or f.path.endswith(".py")


def _is_code(f: FileFacts) -> bool:
    """Code of an analysed language (Python, TypeScript/JavaScript, C#, Java, Kotlin, Go)."""
    return _is_python(f) or f.language in ECOSYSTEM_OF


def _internal(snapshot: Snapshot, facts: RepoFacts | None) -> frozenset[str]:
    """The snapshot's own top-level names: from its repository facts, computed here only when not handed in."""
    return facts.internal if facts is not None else internal_names(snapshot.files)


def _occurrences(snapshot: Snapshot, cat: Catalogue, internal: frozenset[str]) -> list[_Occurrence]:
    libs = {k: v[0] for k, v in _gradle_catalog(snapshot).items() if v}
    targets = _build_targets(snapshot)
    out = []
    for f in snapshot.files:
        where = place(f.path)
        if where == "docs":
            continue
        for s in f.signals:
            if s.via == "stage" and s.detail in targets:  # a stage a build targets: one more image
                out.append(_Occurrence(s.kind, s.name, f.path, s.line, where == "test", deployed=True,
                                       detail=f"stage {s.detail}"))
            if s.via in KEY_VIAS or s.via in STAGE_VIAS \
                    or (s.via == "import" and _is_python(f) and s.detail.split(".")[0] in internal):
                continue
            out.append(_Occurrence(s.kind, s.name, f.path, s.line, where == "test", deployed=s.via in _DEPLOYED,
                                   plays=s.detail.split(" ", 1)[0] if s.via == "role" else "",
                                   by_path=s.via == "pattern" and s.detail == f.path, detail=s.detail,
                                   named=_named(s, cat)))
        declared = [r for r in f.requirements if r.section not in (INCLUDE, CONSTRAINT) and r.ecosystem == "pypi"]
        others = [dataclasses.replace(r, name=libs.get(r.name, r.name)) for r in f.requirements if r.ecosystem != "pypi"]
        locked = [Requirement(name, int(line), section="locked") for key, entry in f.declares if key == LOCKED
                  for name, line in [entry.split("\t", 1)]]  # a Python lock file: installed, maybe by another dependency
        for s in (*manifest_signals([*declared, *locked], cat), *package_signals(tuple(others), cat)):
            out.append(_Occurrence(s.kind, s.name, f.path, s.line, where == "test" or is_dev_section(s.detail), True,
                                   deployed=True, detail=s.detail))
    return _established(_with_roles(out, cat))


def _build_targets(snapshot: Snapshot) -> frozenset[str]:
    """Dockerfile stages a build targets: a production compose service's ``build: {target: ..}``, or a CI step
    that builds and pushes an image (a release pipeline: where the product's images come from)."""
    return frozenset(s.detail for f in snapshot.files if place(f.path) == "prod" or in_ci(f.path)
                     for s in f.signals if s.via == "build_target")


def _named(s: Signal, cat: Catalogue) -> bool:
    """A setting name (``REDIS_URL``, ``SENTRY_DSN``) or a URL (``redis://``): it says what a value is
    for, not that anything uses it. Backend paths, images and commands are not names."""
    return s.via in _NAMING and ("://" in s.detail or s.detail in cat.settings)


_NAMING = {"settings", "config", "dockerfile", "role"}


def _established(occurrences: list[_Occurrence]) -> list[_Occurrence]:
    """Setting names and URLs support a kind, they never decide it: each is kept only when code, a
    container or a deployment in the same snapshot shows that kind (a ``postgres://`` URL beside
    Flask-SQLAlchemy says which database; a ``SENTRY_DSN`` settings field nothing initialises, or a
    ``REDIS_URL`` alias nothing connects to, is not Sentry or Redis in use). A declared distribution
    does not show use either: it is a dependency until code uses it."""
    shown = {o.kind for o in occurrences if not o.named and not o.support}
    return [o for o in occurrences if not o.named or o.kind in shown]


_DEPLOYED = {"compose", "dockerfile", "procfile", "config", "manifest"}


def _with_roles(occurrences: list[_Occurrence], cat: Catalogue) -> list[_Occurrence]:
    """Each technology gets the role its code gives it.

    A value handed to a broker setting (``broker_url = "redis://.."``, ``Celery(broker=..)``) is
    the broker of the task queue the code uses (the one in the same file, else the repository's),
    kind ``task_queue``. A technology the code uses only in such a role (Redis only as Celery's
    broker) plays that role wherever it is deployed too (the compose ``redis`` service, the
    ``redis`` requirement); one the code also uses directly keeps its own kind there. Without a
    task queue in the repository nothing changes.
    """
    placeholders = {(e.kind, e.name) for _, _, e in cat.roles}
    real = [o for o in occurrences if o.kind == "task_queue" and not o.support and not o.plays]
    queues, in_file = sorted({o.name for o in real}), {o.path: o.name for o in sorted(real, key=lambda o: o.name)}
    if not queues:
        return occurrences
    roles: dict[tuple[Kind, str], set[tuple[Kind, str]]] = defaultdict(set)
    out = []
    for o in occurrences:
        role = tuple(o.plays.split(":", 1))
        if o.plays and role in placeholders:
            queue = in_file.get(o.path) or queues[0]
            roles[(o.kind, o.name)].add((role[0], queue))
            o = replace(o, kind=role[0], name=queue)
        out.append(o)
    direct = {(o.kind, o.name) for o in out if not o.deployed and not o.plays and not o.named}
    return [replace(o, kind=k, name=n) for o in out
            for k, n in (sorted(roles[(o.kind, o.name)]) if o.deployed and (o.kind, o.name) in roles
                         and (o.kind, o.name) not in direct else [(o.kind, o.name)])]


def _grouped(occurrences: Iterable[_Occurrence]) -> dict[tuple[Kind, str], list[_Occurrence]]:
    groups: dict[tuple[Kind, str], list[_Occurrence]] = defaultdict(list)
    for o in occurrences:
        groups[(o.kind, o.name)].append(o)
    return groups


def _locations(occurrences: Iterable[_Occurrence]) -> tuple[Location, ...]:
    return tuple(sorted({Location(o.path, o.line) for o in occurrences}, key=lambda loc: (loc.path, loc.line or 0)))


def changed_paths(base: Snapshot, head: Snapshot) -> frozenset[str]:
    """Head files that are new or whose facts differ from base's file at the same path."""
    before = {f.path: f for f in base.files}
    return frozenset(f.path for f in head.files if before.get(f.path) != f)


def new_infrastructure(
    base: Snapshot | None, head: Snapshot, *, not_used: Collection[str] = (), used: Collection[str] = (),
    base_facts: RepoFacts | None = None, head_facts: RepoFacts | None = None,
) -> tuple[InfraFinding, ...]:
    """Infrastructure head brings that base did not have, sorted by (kind, name).

    Without a base nothing is new (a whole-repository review): use
    :func:`infrastructure_in_use` to show what exists.
    """
    if base is None:
        return ()
    cat = load_catalogue()
    before = _grouped(_occurrences(base, cat, _internal(base, base_facts)))
    changed = changed_paths(base, head)
    wrappers = {w for w in _wrappers(base, head) if w[2].endswith(".py")}  # a C# DbContext subclass is an instance
    internal = _internal(head, head_facts)
    folders = _renamed_folders(base, head)  # a folder renamed with its files: a move, its config not new
    after = _grouped([*(o for o in _occurrences(head, cat, internal) if (o.kind, o.name, o.path) not in wrappers),
                      *_service_folders(base, head, cat, folders)])
    renamed = _renamed_services(base, head) | _packaging_only(base, head)
    moved = _moved_config_files(base, head) | _in_renamed_folders(base, head, folders) | _chart_files(head)
    new_keys = _new_keys(base, head)
    findings = [*_new_config_keys(new_keys, changed, not_used, used)]
    setting_names: set[tuple[Kind, str]] = set()
    stores = {cat.stores[k] for k, occ in before.items() if k in cat.stores and any(not o.test and not o.support for o in occ)}
    for key, occurrences in after.items():
        if (key[0] == "service" and key[1] in renamed) or (key[0] == "config" and key[1] in moved):
            continue
        if cat.stores.get(key) in stores:  # another client of a store base already spoke to (catalogue ``stores``)
            continue
        deciding = [o for o in occurrences if not o.support]
        # brought for production by another dependency: a new lock entry no manifest declares (one declared
        # for production but imported only by tests is a test library in the wrong section: test-only)
        installed = any(o.support and not o.test and o.detail == "locked" and o.path in changed for o in occurrences) \
            and not any(o.support and o.detail != "locked" for o in occurrences)
        evidence, test_only = _what_is_new(key, deciding, before.get(key, []), changed, cat, new_keys, installed)
        if evidence:
            support = [o for o in occurrences if o.support and o.test == test_only and o.path in changed]
            findings.append(_finding(key, evidence + _locations(support), test_only, not_used, used))
            setting_names |= {key} if all(o.named and "://" not in o.detail for o in deciding) else set()
    return tuple(sorted(_folded(findings, setting_names), key=lambda f: (f.kind, f.name)))


def _folded(findings: list[InfraFinding], setting_names: set[tuple[Kind, str]]) -> list[InfraFinding]:
    """A finding only setting names decide (``DATABASE_URL`` read as "database url") is the setting of a
    new finding of its kind that code decides, when there is one: its evidence joins that one's, so
    HackSoftware 0c70075 reports PostgreSQL, not PostgreSQL and "database url"."""
    decided = {(f.kind, f.test_only): f for f in findings if (f.kind, f.name) not in setting_names}
    out = {(f.kind, f.name, f.test_only): f for f in findings if (f.kind, f.name) not in setting_names
           or (f.kind, f.test_only) not in decided}
    for f in findings:
        host = decided.get((f.kind, f.test_only)) if (f.kind, f.name) in setting_names else None
        if host is not None:
            key = (host.kind, host.name, host.test_only)
            joined = sorted({*out[key].evidence, *f.evidence}, key=lambda loc: (loc.path, loc.line or 0))
            out[key] = replace(out[key], evidence=tuple(joined))
    return list(out.values())


def _wrappers(base: Snapshot, head: Snapshot) -> set[tuple[Kind, str, str]]:
    """(kind, name, path) of classes built around a library of the same kind that base already used:
    a ``Container`` class over the punq container the code had is a wrapper, not a new DI container."""
    known = {(s.kind, s.name) for f in base.files for s in f.signals if s.via == "import"}
    out = set()
    for f in head.files:
        kinds = {s.kind for s in f.signals if s.via == "import" and (s.kind, s.name) in known}
        out |= {(s.kind, s.name, f.path) for s in f.signals
                if s.via == "pattern" and s.detail.startswith("class ") and s.kind in kinds}
    return out


def _renamed_services(base: Snapshot, head: Snapshot) -> frozenset[str]:
    """Compose services that are an old one under a new name: built from the same context or
    image as a base service whose name is gone from head (``web`` renamed ``api``)."""
    def services(snapshot: Snapshot) -> dict[str, str]:
        return {s.name: s.detail for f in snapshot.files for s in f.signals if s.kind == "service" and s.via == "compose"}

    before, after = services(base), services(head)
    gone = {source for name, source in before.items() if name not in after}
    return frozenset(name for name, source in after.items() if name not in before and source in gone)


def _packaging_only(base: Snapshot, head: Snapshot) -> frozenset[str]:
    """Debian binary packages of head that are not one more deployable: all of them when base shipped no
    package (the product packaged, not a component added) or when one of base's is gone (renamed). One more
    ``Package:`` beside the ones base shipped is a new deployable (privacyidea 47e59e7: the Apache auth
    module as privacyidea-apache-client beside the PAM and RADIUS packages)."""
    def packages(snapshot: Snapshot) -> set[str]:
        return {s.name for f in snapshot.files if place(f.path) == "prod" for s in f.signals if s.via == "debian"}

    before, after = packages(base), packages(head)
    return frozenset(after - before) if not before or before - after else frozenset()


def _what_is_new(key: tuple[Kind, str], head_occ: list[_Occurrence], base_occ: list[_Occurrence],
                 changed: frozenset[str], cat: Catalogue,
                 new_keys: Collection[str] = (), installed: bool = False) -> tuple[tuple[Location, ...], bool]:
    prod = [o for o in head_occ if not o.test]
    base_prod = [o for o in base_occ if not o.test and not o.support]
    base_installed = any(not o.test for o in base_occ if o.support)
    base_occ = [o for o in base_occ if not o.support]
    if not head_occ:
        return (), False
    if not prod and installed and not base_occ and not base_installed:
        # base had it nowhere; another dependency the change brings installs it for production (a new lock
        # entry) and only tests import it: the product runs it through that dependency (flagsmith-common
        # starts OpenTelemetry; the conftest imports it to start it first), so it is new in production
        return _locations(head_occ), False
    if not prod:  # test-only in head: new only if base had it nowhere
        return (() if base_occ else _locations(head_occ)), True
    if not base_prod:
        return _locations(prod), False
    counted = key in cat.counted or key[0] == "container"
    if counted and key[0] != "container" and not any(_defined(o) for o in base_prod) \
            and not any(key[1].split()[0].upper() in k for k in new_keys):
        # the technology was there (a backend setting, a compose service, another library's client) but no
        # client was opened in code: head's clients open that one unless they open more than one thing,
        # or the change brings a setting naming the technology (REDIS_RATE_LIMIT_URL: a second instance)
        opened = {o.detail.lstrip("@") for o in prod if _defined(o) and not _migration(o.path)}
        if len(opened) > 1:
            return _locations(o for o in prod if _defined(o) and o.path in changed and not _migration(o.path)), False
        return (), False
    if counted:
        before, after = _instances(base_prod, key), _instances(prod, key)
        if len(after) > len(before):
            return _locations(o for o in prod if o.path in changed and not _migration(o.path)
                              and _instance(o, key) not in before), False
    return (), False


def _defined(o: _Occurrence) -> bool:
    """A client, engine or factory opened in code (a counted call with what it opens), not a deployment,
    a setting or a declaration."""
    return not o.deployed and not o.support and not o.named and not o.plays \
        and (not o.path.endswith(".py") or ("(" in o.detail and not o.detail.startswith("class ")))  # other languages: every code definition


def _instance(o: _Occurrence, key: tuple[str, str]) -> tuple[str, str]:
    """What one definition is. A module- or class-level engine by its module and what it opens, so a
    second one beside it is new and a moved one is not; one opened inside a function on each call
    (``@``) by what it opens alone, so another handler opening the same connection is not new;
    a Dockerfile by its path."""
    if key[0] == "container":
        return (o.path, o.detail if o.detail.startswith("stage ") else "")  # a Dockerfile, or a stage a build targets
    if o.by_path or not o.detail:
        return (o.path, "")
    return ("" if o.detail.startswith("@") else o.path, o.detail)


def _instances(occurrences: Iterable[_Occurrence], key: tuple[str, str]) -> set[tuple[str, str]]:
    """One definition each (an engine, a session factory, a container class), migration runners left out:
    a second engine beside the first is one more, an engine moved to another module is not."""
    occurrences = [o for o in occurrences if not _migration(o.path)]
    defined = {o.path for o in occurrences if not o.by_path}
    return {_instance(o, key) for o in occurrences if not (o.by_path and o.path in defined)}


def _migration(path: str) -> bool:
    return any(p in ("migrations", "alembic", "migration") for p in path.split("/")[:-1])


def _moved_config_files(base: Snapshot, head: Snapshot) -> frozenset[str]:
    """Head config files that are a base one renamed or moved (see :func:`_moved`)."""
    def files(snapshot: Snapshot) -> set[str]:
        return {s.name for f in snapshot.files for s in f.signals if s.kind == "config" and s.via == "config"}

    return _moved(files(base), files(head))


def _chart_files(head: Snapshot) -> frozenset[str]:
    """Files of a Helm chart (the folder holding a ``Chart.yaml``, and everything under it): how the product is
    deployed on Kubernetes, templates and values of the deployment, not config files the product reads (jertel/
    elastalert2 7c1cff4: ``chart/elastalert2`` deploys the same service)."""
    charts = [f.path.removesuffix("Chart.yaml") for f in head.files if posixpath.basename(f.path) == "Chart.yaml"]
    return frozenset(p for p in _paths(head) for c in charts if p.startswith(c)) if charts else frozenset()


def _paths(snapshot: Snapshot) -> list[str]:
    return [*(f.path for f in snapshot.files), *(s.path for s in snapshot.skipped)]


def _renamed_folders(base: Snapshot, head: Snapshot) -> dict[str, str]:
    """Head folders that are a base folder renamed or moved, -> that base folder: the base folder is gone
    from head, and at least half of its files (two or more) are in the new one under the same relative
    paths (orchest 3ea8a80: ``orchest/webserver`` renamed ``orchest/orchest-webserver`` with its Dockerfile,
    uwsgi.ini and JSON resources). Only the topmost new and topmost gone folders are compared."""
    before, after = _paths(base), _paths(head)
    old_dirs = {d for p in before for d in _folders(p)}
    new_dirs = {d for p in after for d in _folders(p)}

    def topmost(paths: list[str], known: set[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for p in paths:
            folder = next((d for d in _folders(p) if d not in known), None)
            if folder:
                out[folder].add(p[len(folder) + 1:])
        return out

    gone, new = topmost(before, new_dirs), topmost(after, old_dirs)
    out = {}
    for folder, files in new.items():
        best = max(gone.items(), key=lambda g: (len(g[1] & files), g[0]), default=None)
        if best and len(best[1] & files) >= max(2, len(best[1]) / 2):
            out[folder] = best[0]
    return out


def _in_renamed_folders(base: Snapshot, head: Snapshot, renamed: dict[str, str]) -> frozenset[str]:
    """Head paths that are a base file carried along with its renamed folder (``renamed``: :func:`_renamed_folders`)."""
    if not renamed:
        return frozenset()
    before = set(_paths(base))
    return frozenset(p for p in _paths(head) for new, old in renamed.items()
                     if p.startswith(new + "/") and f"{old}/{p[len(new) + 1:]}" in before)


def _moved_dockerfiles(base: Snapshot, head: Snapshot) -> frozenset[str]:
    """Head Dockerfiles that are a base one moved (``Dockerfile`` -> ``docker/Dockerfile``): the same
    image built from another place, not a new deployable; a new ``Dockerfile.worker`` beside it is one."""
    def files(snapshot: Snapshot) -> set[str]:
        return {f.path for f in snapshot.files if any(s.kind == "container" and s.via == "dockerfile" for s in f.signals)}

    return _moved(files(base), files(head))


def _moved(before: set[str], after: set[str]) -> frozenset[str]:
    """Paths of ``after`` that are one of ``before`` renamed or moved: the same file name as one gone,
    or the only one that appeared where only one with the same extension disappeared."""
    gone, new = before - after, after - before
    names = {posixpath.basename(p) for p in gone}
    moved = {p for p in new if posixpath.basename(p) in names}
    rest_gone, rest_new = [p for p in gone if posixpath.basename(p) not in {posixpath.basename(m) for m in moved}], \
        [p for p in new if p not in moved]
    for ext in {posixpath.splitext(p)[1] for p in rest_new}:
        g = [p for p in rest_gone if posixpath.splitext(p)[1] == ext]
        n = [p for p in rest_new if posixpath.splitext(p)[1] == ext]
        if len(g) == len(n) == 1:
            moved.add(n[0])
    return frozenset(moved)


MAX_KEYS_NAMED = 8


@dataclass(frozen=True, slots=True)
class _Keys:
    """Config keys one snapshot names, by how (each key upper-cased -> where)."""

    env: dict[str, list[Location]]  # read by name: environment variables, ini options, settings-class fields
    settings: dict[str, list[Location]]  # read from the settings by name (``settings.get("X")``, ``app.config["X"]``)
    attributes: dict[str, list[Location]]  # ``settings.X``
    defined: dict[str, list[Location]]  # module-level names of settings modules
    exposed: dict[str, list[Location]]  # the same, of settings modules that load from outside (Dynaconf)


_KEY_GROUPS = {"key": "env", "setting": "settings", "setting_attr": "attributes", "defines": "defined",
               "exposes": "exposed"}


_TASK_FILES = SCRIPT_NAMES - {"manage.py"}  # build and task files: the environment they read is the developer's


def _keys(snapshot: Snapshot, *, production: bool) -> _Keys:
    """Config keys by how they are read; with ``production``, not those of tests, developer environments or
    build and task files (ckan 7beec0e's Python 2 fabfile.py reading PIP_DOWNLOAD_CACHE while it deploys)."""
    groups: dict[str, dict[str, list[Location]]] = {g: defaultdict(list) for g in _KEY_GROUPS.values()}
    for f in snapshot.files:
        if place(f.path) == "docs" or (production and (place(f.path) == "test"
                                                       or posixpath.basename(f.path).lower() in _TASK_FILES)):
            continue
        for s in f.signals:
            if s.via in _KEY_GROUPS:
                groups[_KEY_GROUPS[s.via]][s.detail.upper()].append(Location(f.path, s.line))
    for key, location in _inherited_fields(snapshot, production=production):
        groups["env"][key].append(location)
    image = {s.detail.upper() for f in snapshot.files for s in f.signals if s.via == "image_env"}
    for f in snapshot.files:  # an entrypoint's variables, less those the image sets itself (a Dockerfile ENV/ARG)
        if place(f.path) != "docs" and not (production and place(f.path) == "test"):
            for s in f.signals:
                if s.via == "shell_key" and s.detail.upper() not in image:
                    groups["env"][s.detail.upper()].append(Location(f.path, s.line))
    for key, location in _module_attributes(snapshot, production=production):
        groups["settings"][key].append(location)
    return _Keys(**groups)


def _module_attributes(snapshot: Snapshot, *, production: bool) -> list[tuple[str, Location]]:
    """``config.X`` read from an imported module (``module_attr``) that is one of the snapshot's settings modules
    loading their values from outside (``exposes``, matched by the module's dotted name ending its path): a setting
    the operator may set, defined in that module or not (pgadmin4 ae76ea3 reads ``config.GLOBALLY_DELIVERABLE``
    before web/config.py defines it)."""
    reads = [(f.path, s) for f in snapshot.files for s in f.signals if s.via == "module_attr"
             and place(f.path) != "docs" and not (production and place(f.path) == "test")]
    if not reads:
        return []
    exposing = {f.path.removesuffix(".py") for f in snapshot.files if any(s.via == "exposes" for s in f.signals)}
    out = []
    for path, s in reads:
        module, key = s.detail.split("\t", 1)
        suffix = module.replace(".", "/")
        if any(p == suffix or p.endswith("/" + suffix) for p in exposing):
            out.append((key.upper(), Location(path, s.line)))
    return out


def _inherited_fields(snapshot: Snapshot, *, production: bool) -> list[tuple[str, Location]]:
    """Fields of settings classes whose settings base is in another module (prefect d6a4842:
    ``ExperimentsSettings(PrefectBaseSettings)`` gains ``telemetry_enabled``, the base a pydantic-settings
    class of ``prefect/settings/base.py``): a subclass (``settings_subclass``) of a class the snapshot shows to
    be a settings class (``settings_class``, or such a subclass in turn) has its fields read as keys, the
    env_prefix its own or its base's. Classes are matched by name."""
    known: dict[str, str] = {}  # settings class name -> env_prefix
    pending: dict[str, list[tuple[str, str]]] = defaultdict(list)  # class -> (base name, own prefix)
    fields: list[tuple[str, str, str, Location]] = []
    for f in snapshot.files:
        if place(f.path) == "docs":
            continue
        for s in f.signals:
            if s.via == "settings_class":
                name, prefix = s.detail.split("\t", 1)
                known.setdefault(name, prefix)
            elif s.via == "settings_subclass":
                name, base, prefix = s.detail.split("\t", 2)
                pending[name].append((base, prefix))
            elif s.via == "settings_field" and not (production and place(f.path) == "test"):
                name, field, alias = s.detail.split("\t", 2)
                fields.append((name, field, alias, Location(f.path, s.line)))
    if not fields:
        return []
    grew = True
    while grew:  # subclasses of subclasses, in any order of files
        grew = False
        for name, parents in pending.items():
            parent = next(((b, p) for b, p in parents if b in known), None)
            if name not in known and parent:
                base, own = parent
                known[name], grew = "" if own == "?" else own or known[base], True
    return [((alias or known[name] + field).upper(), location) for name, field, alias, location in fields if name in known]


def _new_keys(base: Snapshot, head: Snapshot) -> dict[str, list[Location]]:
    """Config keys head's production code reads that base named nowhere, with every head location (reads,
    and the definitions in settings modules of the keys read from the settings).

    An environment variable (or ini option, settings field) is new unless base read that key somehow; a key
    read from the settings (by name, or as ``settings.X`` when a head settings module that loads from outside,
    Dynaconf, defines X) is new unless
    base read it or defined it too: a base setting the change starts reading is one the operator already had,
    and ``settings.MEDIA_ROOT`` that no settings module defines is the framework's own."""
    before, after = _keys(base, production=False), _keys(head, production=True)
    read_before = {*before.env, *before.settings, *before.attributes}
    out: dict[str, list[Location]] = defaultdict(list)
    for key, locations in after.env.items():
        if key not in read_before:
            out[key] += locations
    read = {**after.settings, **{k: v for k, v in after.attributes.items() if k in after.exposed}}
    for key in read:
        if key not in read_before and key not in before.defined and key not in before.exposed:
            out[key] += [*after.settings.get(key, []), *after.attributes.get(key, []),
                         *after.defined.get(key, []), *after.exposed.get(key, [])]
    return dict(out)


def _new_config_keys(new_keys: dict[str, list[Location]], changed: frozenset[str], not_used: Collection[str],
                     used: Collection[str]) -> list[InfraFinding]:
    """New config keys (:func:`_new_keys`), once per change, with their locations in changed files. The
    finding's name lists the keys."""
    new = {k: [loc for loc in locs if loc.path in changed] for k, locs in new_keys.items()}
    new = {k: locs for k, locs in new.items() if locs}
    if not new:
        return []
    keys = sorted(new)
    named = ", ".join(keys[:MAX_KEYS_NAMED]) + (f" and {len(keys) - MAX_KEYS_NAMED} more" if len(keys) > MAX_KEYS_NAMED else "")
    evidence = tuple(sorted({loc for locs in new.values() for loc in locs}, key=lambda loc: (loc.path, loc.line or 0)))
    return [_finding(("config", f"config keys: {named}"), evidence, False, not_used, used)]


def _finding(key: tuple[Kind, str], evidence: tuple[Location, ...], test_only: bool, not_used: Collection[str],
             used: Collection[str]) -> InfraFinding:
    kind, name = key
    return InfraFinding(kind, name, evidence, test_only, kind in not_used, kind in used)


def _folders(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _service_folders(base: Snapshot, head: Snapshot, cat: Catalogue, renamed: dict[str, str]) -> list[_Occurrence]:
    """Folders absent from base that carry their own Dockerfile, manifest, or config beside code. Config
    beside code does not make a service of a sub-package of a package base had (``treeherder/extract/``
    with its JSON extract definitions is one more module of ``treeherder``, not a deployable); nor does a base
    folder renamed with its files (``renamed``: :func:`_renamed_folders`)."""
    existing = {d for path in _paths(base) for d in _folders(path)}
    packages = {f.path.rsplit("/", 1)[0] for f in base.files if f.path.endswith("/__init__.py")}
    head_packages = {f.path.rsplit("/", 1)[0] for f in head.files if f.path.endswith("/__init__.py")}
    moved = _moved_dockerfiles(base, head)
    entries = _moved({f.path for f in base.files if _entry_point(f)}, {f.path for f in head.files if _entry_point(f)})
    by_folder: dict[str, list[FileFacts]] = defaultdict(list)
    for f in head.files:
        new = next((d for d in _folders(f.path) if d not in existing), None)
        if new and place(f.path) == "prod" and new.rsplit("/", 1)[-1] not in _SOURCE_ROOTS:
            by_folder[new].append(f)
    out = []
    for folder, files in by_folder.items():
        if folder in renamed:
            continue
        has_code = any(_is_code(f) for f in files)
        sub_package = folder in head_packages and posixpath.dirname(folder) in packages
        if not any(_is_code(f) and not f.path.startswith(folder + "/") for f in base.files):
            continue  # a first commit or a whole-repo move: not a service dropped into a system
        for f in files:
            container = [s.line for s in f.signals if s.kind == "container" and f.path not in moved]
            config = has_code and not sub_package and any(s.kind == "config" and s.via == "config" for s in f.signals)
            if container or is_manifest(f.path) or config or _deployable(f) or (_entry_point(f) and f.path not in entries):
                out.append(_Occurrence("service", folder, f.path, (container or [1])[0], False))
    return out


_ENTRY_POINTS = frozenset({"manage.py", "wsgi.py", "asgi.py"})


def _entry_point(f: FileFacts) -> bool:
    """A Python web process's own entry point: Django's ``manage.py``, a WSGI or ASGI application module.
    In a new folder it makes a deployable of its own (doccano 2ae62d5: a Django project beside the
    Tornado server); one moved from another folder (the same name gone from base) does not."""
    return _is_python(f) and posixpath.basename(f.path) in _ENTRY_POINTS


def _deployable(f: FileFacts) -> bool:
    """Built and run on its own: an Nx application, a .NET web/worker/exe project, a Go ``package main``."""
    return any(key == "deployable" for key, _ in f.declares) or (f.language == "go" and f.namespace == "main")


def infrastructure_in_use(snapshot: Snapshot, *, max_evidence: int = 20,
                          facts: RepoFacts | None = None) -> tuple[InfraFinding, ...]:
    """Everything the snapshot already uses (config files left out), for whole-repo reviews and ``init``.

    Evidence is capped at ``max_evidence`` locations per finding, production first.
    """
    findings = []
    every = [o for o in _occurrences(snapshot, load_catalogue(), _internal(snapshot, facts)) if o.detail != "locked"]
    for (kind, name), occurrences in _grouped(every).items():  # a lock entry alone is a dependency's dependency
        if kind == "config":
            continue
        prod = [o for o in occurrences if not o.test]
        evidence = (_locations(prod) + _locations(o for o in occurrences if o.test and o not in prod))[:max_evidence]
        findings.append(InfraFinding(kind, name, evidence, test_only=not prod))
    return tuple(sorted(findings, key=lambda f: (f.kind, f.name)))


# --- dependencies ----------------------------------------------------------------------


def declared_distributions(snapshot: Snapshot) -> frozenset[str]:
    """Canonical names declared in manifests (files only reached through ``-c`` are constraints, not declarations)."""
    constraints = {r.name for f in snapshot.files for r in f.requirements if r.section == CONSTRAINT}
    includes = {r.name for f in snapshot.files for r in f.requirements if r.section == INCLUDE}
    return frozenset(
        r.name
        for f in snapshot.files
        if place(f.path) != "docs" and (f.path not in constraints or f.path in includes)
        for r in f.requirements
        if r.section not in (INCLUDE, CONSTRAINT) and r.ecosystem == "pypi"
    )


def imported_distributions(snapshot: Snapshot, *, production_only: bool,
                           internal: frozenset[str] | None = None) -> frozenset[str]:
    """Distributions of third-party imports: not stdlib, not relative, not the repo's own modules."""
    internal = internal if internal is not None else internal_names(snapshot.files)
    siblings = _siblings(snapshot)
    python2 = {posixpath.dirname(f.path) for f in snapshot.files if "read as Python 2" in (f.error or "")}
    out = set()
    for f in snapshot.files:
        if not _is_python(f) or place(f.path) == "docs" or (production_only and place(f.path) == "test"):
            continue
        if production_only and posixpath.basename(f.path).lower() in _TASK_FILES:
            continue  # setup.py's setuptools, a fabfile's fabric: the tools that build and deploy, not the product's
        folder = posixpath.dirname(f.path)
        local = siblings if folder in python2 else ()  # a folder of Python 2 modules: implicit relative imports
        for imp in f.imports:
            top = imp.module.split(".")[0]
            if (imp.level == 0 and top and top not in standard_library() and top not in internal
                    and (folder, top) not in local and names_a_distribution(imp.module)):
                out.add(distribution_of(imp.module))
    return frozenset(out)


def _siblings(snapshot: Snapshot) -> frozenset[tuple[str, str]]:
    """(folder, name) of every Python module and package: in a folder holding Python 2 modules (one or more read as
    Python 2), ``import analyzer_pipeline`` beside
    ``analyzer_pipeline.py`` is the folder's own module (an implicit relative import: LibreTime a6a64a2's
    airtime_analyzer), not a distribution."""
    out = set()
    for f in snapshot.files:
        if _is_python(f):
            folder, name = posixpath.split(f.path)
            if name == "__init__.py":
                out.add(posixpath.split(folder))
            out.add((folder, name.removesuffix(".py")))
    return frozenset(out)


_AFFIXES = (("django-", ""), ("flask-", ""), ("python-", ""), ("py-", ""), ("", "-python"), ("", "-py"))


def _declared_under_another_name(name: str, declared: Collection[str]) -> bool:
    """An import whose distribution is not in the table, declared under the framework's or language's prefix
    (freelawproject/courtlistener a05baf7: ``cursor_pagination`` comes from ``django-cursor-pagination``)."""
    return any(f"{pre}{name}{suf}" in declared for pre, suf in _AFFIXES)


def new_dependencies(base: Snapshot | None, head: Snapshot, *, base_facts: RepoFacts | None = None,
                     head_facts: RepoFacts | None = None) -> tuple[str, ...]:
    """Distributions head declares, or imports in production code, that base neither declared nor imported.

    Compared through :func:`archreview.facts.distributions.same_as`, so a re-pin, a
    respelling (``PyYAML``/``pyyaml``) or a binary variant is not new. Without a
    base nothing is new. Packages of the other ecosystems (npm, NuGet, Maven,
    Go) come from :func:`declared_packages`, compared by (ecosystem, name).
    """
    if base is None:
        return ()
    had = {same_as(n) for n in declared_distributions(base)
           | imported_distributions(base, production_only=False, internal=_internal(base, base_facts))}
    declared = declared_distributions(head)
    known = had | {same_as(n) for n in declared}
    imported = {n for n in imported_distributions(head, production_only=True, internal=_internal(head, head_facts))
                if same_as(n) not in known and not _declared_under_another_name(n, known)}
    python = {n for n in declared | imported if same_as(n) not in had}
    before = declared_packages(base)
    others = {name for key, name in declared_packages(head).items() if key not in before}
    return tuple(sorted(python | others))


def _gradle_catalog(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """``libs.<accessor>`` -> Maven coordinates, from every version catalog (bundles expanded)."""
    libraries = {k: v for f in snapshot.files for key, e in f.declares if key == "gradle-library"
                 for k, v in [e.split("\t", 1)]}
    out: dict[str, tuple[str, ...]] = {f"libs.{k}": (v,) for k, v in libraries.items()}
    for f in snapshot.files:
        for key, e in f.declares:
            if key == "gradle-bundle":
                bundle, member = e.split("\t", 1)
                if member in libraries:
                    out[f"libs.bundles.{bundle}"] = (*out.get(f"libs.bundles.{bundle}", ()), libraries[member])
    return out


def declared_packages(snapshot: Snapshot) -> dict[tuple[str, str], str]:
    """(ecosystem, lower-cased name) -> name of the npm, NuGet, Maven and Go packages the code depends on.

    Declared in a manifest section that is a dependency (not a managed version,
    a parent POM, an SDK or a catalog entry nobody uses), with Gradle ``libs.*``
    references resolved through the version catalog; the repository's own
    packages (workspace names, its Maven artifacts, go.mod module paths) are
    not dependencies. A Go module only ``// indirect`` in go.mod is counted
    once production code imports it: the marker does not hide a direct use.
    """
    catalog = _gradle_catalog(snapshot)
    own = {v.lower() for f in snapshot.files for k, v in f.declares if k in ("npm-name", "maven-artifact", "go-module")}
    out: dict[tuple[str, str], str] = {}
    go_required: set[str] = set()
    for f in snapshot.files:
        if place(f.path) == "docs":
            continue
        for r in f.requirements:
            if r.ecosystem == "pypi":
                continue
            if r.ecosystem == "go":
                go_required.add(r.name)
            if r.section in NOT_DECLARED:
                continue
            for name in catalog.get(r.name, (r.name,)) if r.name.startswith("libs.") else (r.name,):
                if not name.startswith("libs.") and name.lower() not in own:
                    out.setdefault((r.ecosystem, name.lower()), name)
    for f in snapshot.files:
        if f.language != "go" or place(f.path) != "prod":
            continue
        for imp in f.imports:
            module = next((m for m in sorted(go_required, key=len, reverse=True)
                           if imp.module == m or imp.module.startswith(m + "/")), None)
            if module and module.lower() not in own:
                out.setdefault(("go", module.lower()), module)
    return out


def kinds_in_stack(stack: Collection[str], catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """Kinds the declared stack already uses: "postgresql" is a database, "celery" a task queue.

    Each word is looked up as an import name, then as a container image, so a
    context that says ``stack = ["flask", "redis"]`` makes a new redis client
    expected rather than surprising.
    """
    cat = catalogue or load_catalogue()
    kinds: set[str] = set()
    for word in (w.strip().lower() for w in stack):
        entry = cat.imports.get(word) or next((e for pattern, e in cat.images if pattern.search(word)), None)
        if entry is not None:
            kinds.add(entry.kind)
    return tuple(sorted(kinds))
