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
_IMPORT = re.compile(r"^\+\s*(?:import|from)\s+(" + "|".join(FIRST) + r")\b", re.M)


def firsts(gitdir: Path, limit: int = 2) -> list[tuple[str, str]]:
    """The most recent commits whose added lines import a FIRST module the parent's Python files never import."""
    out = []
    pattern = r"^\s*(import|from)\s+(" + "|".join(FIRST) + r")\b"
    for line in git(gitdir, "log", "--first-parent", "--no-merges", "--format=%H %s", "-G", pattern, "HEAD", "--", "*.py").splitlines():
        commit, _, title = line.partition(" ")
        stat = [row.split("\t") for row in git(gitdir, "diff", "--numstat", f"{commit}^", commit).splitlines()]
        if not stat or sum(int(a) + int(d) for a, d, _ in stat if a.isdigit() and d.isdigit()) > 2000:
            continue
        added = set(_IMPORT.findall(git(gitdir, "diff", f"{commit}^", commit, "--", "*.py")))
        old = git(gitdir, "grep", "-h", "-E", r"^\s*(import|from)\s+(" + "|".join(sorted(added)) + r")\b", f"{commit}^", "--", "*.py") \
            if added else ""
        if any(not re.search(rf"^\s*(import|from)\s+{m}\b", old, re.M) for m in added):
            out.append((commit, title))
        if len(out) == limit:
            break
    return out


def git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True, errors="replace").stdout


def pick(repo: str, mirror: Path = Path("/work/.mirror")) -> list[tuple[str, str, str, str]]:
    gitdir = mirror / repo.replace("/", "+") / "repo"
    gitdir = gitdir / ".git" if (gitdir / ".git").is_dir() else gitdir
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
    for name in sys.argv[1:]:
        for repo, why, commit, title in pick(name):
            print(f"{repo}\t{why}\t{commit}\t{title[:80]}")
