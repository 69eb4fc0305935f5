"""Pick real base..head pairs by a rule fixed before any result is seen (issue 11, third set).

For each repository (a bare mirror under /work/.mirror), on first-parent history, merges left out,
commits whose diff changes more than 2000 lines left out (too large to label by hand):

* ``infra``: the 2 most recent commits that touch a manifest, compose file or Dockerfile
  (requirements*.txt, pyproject.toml, setup.py, setup.cfg, Pipfile, *compose*.y*ml, Dockerfile*)
  and whose added lines match a KEYWORD no removed line of the diff matches (a version bump
  removes what it adds: the rule's first draft picked bumps, revised after seeing only titles);
* ``code``: 1 commit changing only ``*.py`` files, drawn with ``random.Random(11)`` from the 300
  most recent such commits.

* ``first`` (added second, before any run, when the first two rules gave one pair that adds
  anything in 18): the 2 most recent commits whose added lines import one of FIRST (a module
  the parent commit's Python files import nowhere).

Each pair is ``commit^..commit``. Labels are written by reading the diff before archreview runs.

    python bench/infra_pairs_select.py OWNER/NAME ...
    python bench/infra_pairs_select.py --fourth OWNER/NAME ...

``--fourth`` (issue 11, fourth set; fixed before any of its pairs was scored): per repository the
most recent commit that first imports a FIRST4 module (FIRST plus later infrastructure libraries;
diffs up to 1500 changed lines) or, when the repository has none, the most recent ``infra`` commit
of the rule above; and 1 code-only commit drawn with ``random.Random(4)`` from the 300 most recent.
Held back: with the repositories sorted by name, the first/infra pair of every even-numbered one
and the code pair of every odd-numbered one (half of each repository's pairs, half of each rule's).
Third, ``env``: the most recent commit whose added non-test Python lines read an environment variable
no Python file of the parent names (diffs up to 1500 lines), held back for odd-numbered repositories.
Revised twice before any run. After seeing only the titles of the first draft's picks: it had no
fallback (4 repositories gave no first-import commit) and held back by a seeded coin per repository,
which held back 12 of 22 pairs, 10 of them code-only. After reading the diffs of the picks (to label
them): 20 of 28 added nothing, too few to measure recall per kind, so the ``env`` rule was added.

    python bench/infra_pairs_select.py --fifth OWNER/NAME ...

``--fifth`` (issue 11, fifth set, every pair held back; fixed before any pair was picked, labelled or
scored): per repository, with the repositories sorted by name, the most recent commit that first
imports a FIRST5 module (FIRST4 plus ``temporalio`` and ``valkey``; diffs up to 1000 changed lines) or,
when there is none, the most recent ``infra`` commit of the third set's rule; 1 code-only commit (up to
600 changed lines) drawn with ``random.Random(5)`` from the 300 most recent; and, for odd-numbered
repositories only (to keep the set small enough to label by hand in one sitting), the ``env`` commit of
the fourth set's rule (diffs up to 1000 lines).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

KEYWORDS = re.compile(r"celery|redis|rabbitmq|amqp|kafka|sentry|opentelemetry|structlog|prometheus|elasticsearch|"
                      r"dramatiq|\brq\b|kombu|boto3|minio|postgres|mysql|mongo|memcache|apscheduler|grpc|nats|"
                      r"huey|image:", re.I)
MANIFEST = re.compile(r"(^|/)(requirements[^/]*\.txt|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|[^/]*compose[^/]*\.ya?ml|"
                      r"Dockerfile[^/]*)$")


FIRST = ("celery", "redis", "kombu", "pika", "aio_pika", "kafka", "aiokafka", "confluent_kafka", "sentry_sdk",
         "opentelemetry", "structlog", "prometheus_client", "elasticsearch", "opensearchpy", "dramatiq", "rq", "boto3",
         "minio", "apscheduler", "grpc", "nats", "huey", "saq", "taskiq", "pymongo", "motor", "asyncpg", "psycopg",
         "psycopg2", "aioredis", "pymemcache", "statsd", "ldap", "django_redis", "flask_caching", "aiocache")


FIRST4 = FIRST + ("faststream", "logfire", "pydantic_settings", "clickhouse_connect", "influxdb_client", "arq",
                  "meilisearch", "typesense", "django_celery_beat", "django_rq", "ddtrace", "newrelic", "datadog",
                  "botocore", "google.cloud", "azure.storage", "aioboto3", "redis_om", "pulsar", "channels_redis",
                  "ldap3")


def firsts(gitdir: Path, limit: int = 2, modules: tuple[str, ...] = FIRST, max_lines: int = 2000) -> list[tuple[str, str]]:
    """The most recent commits whose added lines import a FIRST module the parent's Python files never import."""
    out = []
    names = "|".join(re.escape(m) for m in modules)
    pattern = r"^\s*(import|from)\s+(" + names + r")\b"
    import_line = re.compile(r"^\+\s*(?:import|from)\s+(" + names + r")\b", re.M)
    for line in git(gitdir, "log", "--first-parent", "--no-merges", "--format=%H %s", "-G", pattern, "HEAD", "--", "*.py").splitlines():
        commit, _, title = line.partition(" ")
        stat = [row.split("\t") for row in git(gitdir, "diff", "--numstat", f"{commit}^", commit).splitlines()]
        if not stat or sum(int(a) + int(d) for a, d, _ in stat if a.isdigit() and d.isdigit()) > max_lines:
            continue
        added = set(import_line.findall(git(gitdir, "diff", f"{commit}^", commit, "--", "*.py")))
        old = git(gitdir, "grep", "-h", "-E", r"^\s*(import|from)\s+(" + "|".join(sorted(added)) + r")\b", f"{commit}^", "--", "*.py") \
            if added else ""
        if any(not re.search(rf"^\s*(import|from)\s+{re.escape(m)}\b", old, re.M) for m in added):
            out.append((commit, title))
        if len(out) == limit:
            break
    return out


def git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True, errors="replace").stdout


_ENV_READ = r"""(getenv|environ|env|config)(\.[a-z_]+)?(\(|\[)\s*["'][A-Z][A-Z0-9_]{2,}["']"""


def env_reads(gitdir: Path, limit: int = 1, max_lines: int = 1500) -> list[tuple[str, str]]:
    """The most recent commits whose added non-test Python lines read an environment variable (``os.getenv("X")``,
    ``os.environ["X"]``, ``env("X")``, ``env.bool("X")``, ``config("X")``) no Python file of the parent names."""
    out, reads = [], re.compile(r"^\+.*" + _ENV_READ, re.M)
    name = re.compile(r"""(?:\(|\[)\s*["']([A-Z][A-Z0-9_]{2,})["']""")
    for line in git(gitdir, "log", "--first-parent", "--no-merges", "--format=%H %s", "-G", _ENV_READ, "HEAD", "--", "*.py").splitlines():
        commit, _, title = line.partition(" ")
        stat = [row.split("\t") for row in git(gitdir, "diff", "--numstat", f"{commit}^", commit).splitlines()]
        if not stat or sum(int(a) + int(d) for a, d, _ in stat if a.isdigit() and d.isdigit()) > max_lines:
            continue
        paths = [p for _, _, p in stat if p.endswith(".py") and "test" not in p.lower()]
        added = {n for m in reads.finditer(git(gitdir, "diff", f"{commit}^", commit, "--", *paths) if paths else "")
                 for n in name.findall(m.group(0))}
        if any(not git(gitdir, "grep", "-l", "-w", "-F", n, f"{commit}^", "--", "*.py").strip() for n in sorted(added)):
            out.append((commit, title))
            if len(out) == limit:
                break
    return out


def _gitdir(repo: str, mirror: Path) -> Path:
    gitdir = mirror / repo.replace("/", "+") / "repo"
    return gitdir / ".git" if (gitdir / ".git").is_dir() else gitdir


def _code_only(gitdir: Path, max_lines: int, limit: int = 300) -> list[tuple[str, str]]:
    """The ``limit`` most recent first-parent commits changing only ``*.py`` files (up to ``max_lines`` lines)."""
    code = []
    for line in git(gitdir, "log", "--first-parent", "--no-merges", "--format=%H %s", "-n", "3000", "HEAD").splitlines():
        commit, _, title = line.partition(" ")
        stat = [row.split("\t") for row in git(gitdir, "diff", "--numstat", f"{commit}^", commit).splitlines()]
        if stat and sum(int(a) + int(d) for a, d, _ in stat if a.isdigit() and d.isdigit()) <= max_lines \
                and all(p.endswith(".py") for _, _, p in stat):
            code.append((commit, title))
            if len(code) == limit:
                break
    return code


def pick_fourth(repos: list[str], mirror: Path = Path("/work/.mirror")) -> list[tuple[str, str, str, str, bool]]:
    """The fourth set's rule: (repo, why, commit, title, held), one first-import (or infra) and one code-only per repository."""
    out = []
    for index, repo in enumerate(sorted(repos)):
        gitdir = _gitdir(repo, mirror)
        first = [(repo, "first", c, t) for c, t in firsts(gitdir, 1, FIRST4, 1500)] \
            or [row for row in pick(repo, mirror) if row[1] == "infra"][:1]
        code = _code_only(gitdir, 1500)
        out += [(*row, index % 2 == 0) for row in first]
        out += [(repo, "code", *random.Random(4).choice(code), index % 2 == 1)] if code else []
        out += [(repo, "env", c, t, index % 2 == 1) for c, t in env_reads(gitdir)]
    return out


FIRST5 = FIRST4 + ("temporalio", "valkey")


def pick_fifth(repos: list[str], mirror: Path = Path("/work/.mirror")) -> list[tuple[str, str, str, str]]:
    """The fifth set's rule: (repo, why, commit, title); every pair is held back."""
    out = []
    for index, repo in enumerate(sorted(repos)):
        gitdir = _gitdir(repo, mirror)
        out += [(repo, "first", c, t) for c, t in firsts(gitdir, 1, FIRST5, 1000)] \
            or [row for row in pick(repo, mirror) if row[1] == "infra"][:1]
        code = _code_only(gitdir, 600)
        out += [(repo, "code", *random.Random(5).choice(code))] if code else []
        out += [(repo, "env", c, t) for c, t in env_reads(gitdir, 1, 1000)] if index % 2 == 1 else []
    return out


def pick(repo: str, mirror: Path = Path("/work/.mirror")) -> list[tuple[str, str, str, str]]:
    gitdir = _gitdir(repo, mirror)
    infra, code = [], []
    for line in git(gitdir, "log", "--first-parent", "--no-merges", "--format=%H %s", "-n", "3000", "HEAD").splitlines():
        commit, _, title = line.partition(" ")
        stat = [row.split("\t") for row in git(gitdir, "diff", "--numstat", f"{commit}^", commit).splitlines()]
        if not stat or sum(int(a) + int(d) for a, d, _ in stat if a.isdigit() and d.isdigit()) > 2000:
            continue
        paths = [p for _, _, p in stat]
        if len(infra) < 2 and any(MANIFEST.search(p) for p in paths):
            diff = git(gitdir, "diff", f"{commit}^", commit).splitlines()
            removed = {m.lower() for x in diff if x.startswith("-") for m in KEYWORDS.findall(x)}
            if any(m.lower() not in removed for x in diff if x.startswith("+") for m in KEYWORDS.findall(x)):
                infra.append((commit, title))
        if len(code) < 300 and all(p.endswith(".py") for p in paths):
            code.append((commit, title))
        if len(infra) == 2 and len(code) == 300:
            break
    drawn = random.Random(11).choice(code) if code else None
    return [(repo, "infra", c, t) for c, t in infra] + ([(repo, "code", *drawn)] if drawn else []) \
        + [(repo, "first", c, t) for c, t in firsts(gitdir)]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fifth"]:
        for repo, why, commit, title in pick_fifth(sys.argv[2:]):
            print(f"{repo}\t{why}\t{commit}\t{title[:80]}", flush=True)
    elif sys.argv[1:2] == ["--fourth"]:
        for repo, why, commit, title, held in pick_fourth(sys.argv[2:]):
            print(f"{repo}\t{why}\t{commit}\t{'held' if held else 'tuned'}\t{title[:80]}")
    else:
        for name in sys.argv[1:]:
            for repo, why, commit, title in pick(name):
                print(f"{repo}\t{why}\t{commit}\t{title[:80]}")
