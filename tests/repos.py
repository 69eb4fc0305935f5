"""Build real git repositories for tests, reproducibly.

``make_repo(tmp_path, [{"a.py": "x = 1\\n"}, {"a.py": None, "b.py": "..."}])``
makes one commit per dict on ``main``: a value is the new content (str is
written as UTF-8, bytes as is), ``None`` deletes the path, ``Symlink("target")``
makes a symbolic link. A rename is a delete plus an add in the same commit
(git detects it). Author, committer and dates are fixed (one day apart from
2024-01-01), and no global or system config is read, so commit ids are the
same on every machine.

``branches={"feature": [{...}, ...]}`` adds branches forked from the last
commit of main (or ``Branch(commits, at=index)`` to fork elsewhere).
``config={"core.fsmonitor": "..."}`` is written into the repository's own
config after the commits, as a hostile repository would ship it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Branch:
    commits: Sequence[Mapping[str, object]]
    at: int = -1  # index into main's commits where the branch forks


@dataclass
class Repo:
    path: Path
    commits: list[str] = field(default_factory=list)  # main, oldest first
    branches: dict[str, list[str]] = field(default_factory=dict)  # name -> its own commits
    _count: int = 0

    def git(self, *args: str, input: bytes | None = None) -> str:
        """Run git in the repo with the reproducible environment; return stdout."""
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], input=input, capture_output=True, env=git_env(self._count), check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode("utf-8", "surrogateescape")

    def commit(self, files: Mapping[str, object], message: str | None = None) -> str:
        """Apply ``files`` to the work tree and commit them; return the new id."""
        for name, content in files.items():
            write(self.path, name, content)
        self._count += 1
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message or f"commit {self._count}")
        return self.git("rev-parse", "HEAD").strip()

    def checkout(self, name: str, *, new_at: str | None = None) -> None:
        args = ["checkout", "-q", "-b", name, new_at] if new_at else ["checkout", "-q", name]
        self.git(*args)


EPOCH = datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc)


def git_env(day: int = 0) -> dict[str, str]:
    """The environment of commit number ``day``: fixed identity, dated EPOCH + day days."""
    stamp = (EPOCH + timedelta(days=day)).isoformat()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Ada Reviewer", GIT_AUTHOR_EMAIL="ada@example.com", GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_NAME="Ada Reviewer", GIT_COMMITTER_EMAIL="ada@example.com", GIT_COMMITTER_DATE=stamp,
    )
    return env


def fs_path(root: Path, name: str) -> bytes:
    """The on-disk path of a repo-relative name; non-UTF-8 names arrive as surrogate escapes."""
    return os.path.join(os.fsencode(root), name.encode("utf-8", "surrogateescape"))


def write(root: Path, name: str, content: object) -> None:
    """Create, replace or delete one path under ``root`` (a test work tree or folder)."""
    target = fs_path(root, name)
    if os.path.lexists(target):
        os.remove(target)
    if content is None:
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if isinstance(content, Symlink):
        os.symlink(content.target.encode("utf-8", "surrogateescape"), target)
    else:
        with open(target, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)


def make_repo(
    tmp_path: Path,
    commits: Sequence[Mapping[str, object]],
    *,
    branches: Mapping[str, Sequence[Mapping[str, object]] | Branch] | None = None,
    config: Mapping[str, str] | None = None,
    name: str = "repo",
    bare: bool = False,
) -> Repo:
    """A repository at ``tmp_path / name`` with main's commits, then each branch.

    The work tree is left on main. With ``bare=True`` a bare clone is returned
    instead (same ids), for code that must work without a work tree.
    """
    repo = Repo(tmp_path / name)
    repo.path.mkdir(parents=True)
    repo.git("-c", "init.defaultBranch=main", "init", "-q")
    repo.git("config", "core.autocrlf", "false")
    repo.git("config", "commit.gpgsign", "false")
    for files in commits:
        repo.commits.append(repo.commit(files))
    for branch, spec in (branches or {}).items():
        spec = spec if isinstance(spec, Branch) else Branch(spec)
        repo.checkout(branch, new_at=repo.commits[spec.at])
        repo.branches[branch] = [repo.commit(files) for files in spec.commits]
        repo.checkout("main")
    for key, value in (config or {}).items():
        repo.git("config", key, value)
    return _bare_clone(repo, tmp_path, name) if bare else repo


def _bare_clone(repo: Repo, tmp_path: Path, name: str) -> Repo:
    target = tmp_path / f"{name}.git"
    repo.git("clone", "-q", "--bare", "--no-local", str(repo.path), str(target))
    return Repo(target, list(repo.commits), dict(repo.branches), repo._count)


# A layer the code may not import, declared in archreview.toml: fit.layer_violation, in the client report
# whatever the detectors' precision on real code (it checks the architecture the team declared). The report's
# lifecycle (--fail-on-new, the pull-request comment, dismissals, batch baselines) is tested on it.
LAYERS = {
    "archreview.toml": '[[layers]]\nname = "app"\npaths = ["app"]\nmay_import = []\n\n'
                       '[[layers]]\nname = "web"\npaths = ["web"]\nmay_import = ["app"]\n',
    "web/__init__.py": "",
    **{f"web/{name}.py": "def get(key):\n    return key\n" for name in ("users", "orders", "invoices")},
}

LAYERED = '''"""Reads the web layer, which this layer may not import."""


def fetch_user(uid):
    from web import users
    return users.get(uid)


def fetch_order(oid):
    from web import orders
    return orders.get(oid)
'''
