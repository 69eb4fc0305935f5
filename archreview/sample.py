"""Build the bundled BuildRight sample repository from ``archreview/data/sample``.

The sample is shipped inside the package (so a wheel can build it too) as plain
files (one overlay folder per commit) and a ``history.toml``, not as a git bundle, so it diffs and reviews like any other
source and needs no network. Building it must give the same commit ids on
every machine: authors, dates and messages are fixed, and git runs with no
user or system configuration, no hooks and no templates. Tests, notebooks,
benchmarks and the README all point at the same ids.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock

from archreview.core.errors import ArchReviewError, BadPath, CatalogueError, ToolMissing
from archreview.core.paths import package_path
from archreview.sources import git as gitio

SAMPLE_BASE = "main"
FIT_BRANCH = "feature/notifications-fit"
AI_BRANCH = "feature/notifications-ai"
BRANCHES = (SAMPLE_BASE, FIT_BRANCH, AI_BRANCH)

BUILDER_VERSION = "1"  # bump when the way commits are made changes
MARKER = "archreview-sample.json"  # inside .git: never part of the work tree
INERT_SUFFIX = ".sample"  # stripped on copy: keeps test_*.py and dotfiles inert in data/
_COMMIT_KEYS = {"branch", "step", "author", "date", "message", "from"}


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Commit:
    """One entry of history.toml: an overlay folder committed on a branch."""

    branch: str
    step: str
    author: Author
    date: str  # git's internal format: "<epoch> <+hhmm>"
    message: str
    start: str | None = None  # the branch this one starts from (first commit only)


@dataclass(frozen=True, slots=True)
class History:
    source: Path
    commits: tuple[Commit, ...]


# --- where things are ----------------------------------------------------------


def _checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when it is installed (a wheel)."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "archreview").is_dir() else None


def sample_source() -> Path:
    """The sample's sources: ``data/sample`` inside the package, wherever it is installed."""
    return package_path("data", "sample")


def default_sample_dir() -> Path:
    """``<checkout>/build/sample`` (build/ is ignored by git, so the sample never gets committed);
    installed from a wheel, ``build/sample`` under the current folder."""
    return (_checkout_root() or Path.cwd()) / "build" / "sample"


# --- reading and checking history.toml -------------------------------------------


def load_history(source: Path | None = None) -> History:
    """Parse and validate ``history.toml``; every problem names the entry and says what to fix."""
    source = source or sample_source()
    path = source / "history.toml"
    if not path.is_file():
        raise BadPath("the sample's sources are missing: give a folder with history.toml and steps/, "
                      "or reinstall archreview", path=str(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"not valid TOML: {error}", path=str(path)) from error
    authors = _authors(raw.get("authors"), path)
    entries = raw.get("commits")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("expected at least one [[commits]] table", path=str(path))
    commits = tuple(_commit(i, e, authors, source, path) for i, e in enumerate(entries, 1))
    _check_branches(commits, path)
    return History(source, commits)


def _authors(raw: object, path: Path) -> dict[str, Author]:
    if not isinstance(raw, dict) or not raw:
        raise CatalogueError("expected [authors.<id>] tables with name and email", path=str(path))
    out = {}
    for key, value in raw.items():
        if not (isinstance(value, dict) and isinstance(value.get("name"), str) and isinstance(value.get("email"), str)):
            raise CatalogueError(f"authors.{key}: expected name = \"...\" and email = \"...\"", path=str(path))
        out[key] = Author(value["name"], value["email"])
    return out


def _commit(number: int, entry: object, authors: dict[str, Author], source: Path, path: Path) -> Commit:
    where = f"commits #{number}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a table", path=str(path))
    unknown = sorted(set(entry) - _COMMIT_KEYS)
    missing = sorted({"branch", "step", "author", "date", "message"} - set(entry))
    if unknown or missing:
        raise CatalogueError(f"{where}: unknown keys {unknown}, missing keys {missing}", path=str(path))
    if any(not isinstance(entry[k], str) for k in entry):
        raise CatalogueError(f"{where}: every value must be a string", path=str(path))
    if entry["author"] not in authors:
        raise CatalogueError(f"{where}: author {entry['author']!r} is not under [authors]", path=str(path))
    if not (source / "steps" / entry["step"]).is_dir():
        raise CatalogueError(f"{where}: no folder steps/{entry['step']}", path=str(path))
    return Commit(entry["branch"], entry["step"], authors[entry["author"]], _git_date(entry["date"], where, path),
                  entry["message"].strip() + "\n", entry.get("from"))


def _git_date(text: str, where: str, path: Path) -> str:
    try:
        when = datetime.fromisoformat(text)
    except ValueError as error:
        raise CatalogueError(f"{where}: date {text!r} is not ISO 8601", path=str(path)) from error
    offset = when.utcoffset()
    if offset is None:
        raise CatalogueError(f"{where}: date {text!r} needs a UTC offset such as +02:00", path=str(path))
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{int(when.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _check_branches(commits: tuple[Commit, ...], path: Path) -> None:
    if commits[0].branch != SAMPLE_BASE:
        raise CatalogueError(f"commits #1: the first commit must be on {SAMPLE_BASE}, the branch "
                             "the sample leaves checked out", path=str(path))
    known: set[str] = set()
    for number, commit in enumerate(commits, 1):
        if commit.branch not in known:
            if known and commit.start not in known:
                raise CatalogueError(f"commits #{number}: the first commit on {commit.branch} needs "
                                     f"from = one of {sorted(known)}", path=str(path))
            known.add(commit.branch)
        elif commit.start is not None:
            raise CatalogueError(f"commits #{number}: 'from' belongs on a branch's first commit only",
                                 path=str(path))


# --- the fingerprint of the sources ------------------------------------------------


def _step_files(step_dir: Path) -> list[tuple[str, Path]]:
    """(path in the sample repository, file in data/) for one overlay, sorted."""
    found = []
    for file in step_dir.rglob("*"):
        rel = file.relative_to(step_dir).as_posix()
        if not file.is_file() or rel == "DELETE" or "__pycache__" in file.parts or file.suffix == ".pyc":
            continue
        found.append((rel.removesuffix(INERT_SUFFIX), file))
    return sorted(found)


def _content(file: Path) -> bytes:
    """File bytes with CRLF folded to LF: a Windows checkout of data/ builds the same ids."""
    return file.read_bytes().replace(b"\r\n", b"\n")


def history_hash(source: Path | None = None) -> str:
    """sha256 over history.toml, every step file and the builder version."""
    source = source or sample_source()
    digest = hashlib.sha256(f"builder {BUILDER_VERSION}\n".encode())
    files = [source / "history.toml", *sorted(p for p in (source / "steps").rglob("*") if p.is_file())]
    for file in files:
        if "__pycache__" in file.parts or file.suffix == ".pyc":
            continue
        data = _content(file)
        digest.update(f"{file.relative_to(source).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# --- git, with nothing from the machine it runs on ------------------------------------


def _git(repo: Path, *args: str, author: gitio.Signature | None = None) -> str:
    done = gitio.build(repo, *args, author=author)
    if done.returncode != 0:
        raise ArchReviewError(f"git {args[0]} failed while building the sample: "
                              f"{done.stderr.decode('utf-8', 'replace').strip()}", path=str(repo))
    return done.stdout.decode("utf-8", "replace")


def _apply(repo: Path, step_dir: Path) -> None:
    """Copy one overlay over the work tree, then remove the paths its DELETE file lists."""
    for rel, file in _step_files(step_dir):
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_content(file))
    delete_list = step_dir / "DELETE"
    if delete_list.is_file():
        for line in delete_list.read_text(encoding="utf-8").splitlines():
            rel = line.split("#", 1)[0].strip()
            if rel and not (repo / rel).is_file():
                raise CatalogueError(f"DELETE lists {rel}, which the sample does not have", path=str(delete_list))
            if rel:
                (repo / rel).unlink()


def _commit_step(repo: Path, history: History, commit: Commit, current: str | None, made: set[str]) -> None:
    if current is None:
        _git(repo, "symbolic-ref", "HEAD", f"refs/heads/{commit.branch}")
    elif commit.branch not in made:
        _git(repo, "checkout", "-q", "-b", commit.branch, commit.start or current)
    elif commit.branch != current:
        _git(repo, "checkout", "-q", commit.branch)
    _apply(repo, history.source / "steps" / commit.step)
    _git(repo, "add", "--all")
    if gitio.build(repo, "diff", "--cached", "--quiet").returncode == 0:
        raise CatalogueError(f"step {commit.step} changes nothing on {commit.branch}",
                             path=str(history.source / "history.toml"))
    _git(repo, "commit", "-q", "--no-verify", "--cleanup=strip", "-m", commit.message,
         author=gitio.Signature(commit.author.name, commit.author.email, commit.date))
    made.add(commit.branch)


def _heads(repo: Path) -> dict[str, str]:
    out = _git(repo, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    return dict(line.split(" ", 1) for line in out.splitlines())


def _make(work: Path, history: History, fingerprint: str) -> None:
    _git(work, "init", "-q", "--template=")
    current: str | None = None
    made: set[str] = set()
    for commit in history.commits:
        _commit_step(work, history, commit, current, made)
        current = commit.branch
    _git(work, "checkout", "-q", SAMPLE_BASE)
    marker = {"history": fingerprint, "heads": _heads(work)}
    (work / ".git" / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --- public entry points ----------------------------------------------------------------


def _is_previous_build(dest: Path) -> bool:
    return (dest / ".git" / MARKER).is_file()


def _lock(dest: Path) -> FileLock:
    dest.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(dest.parent / f".{dest.name}.lock"))


def _build(dest: Path, source: Path | None) -> Path:
    if shutil.which("git") is None:
        raise ToolMissing("git is not installed; install git to build the sample repository")
    if dest.exists() and not dest.is_dir():
        raise BadPath("is a file; give a folder for the sample repository", path=str(dest))
    if dest.is_dir() and any(dest.iterdir()) and not _is_previous_build(dest):
        raise BadPath("is not empty and is not a sample built by archreview; give a new or empty folder",
                      path=str(dest))
    history = load_history(source)
    work = dest.parent / f".{dest.name}.building-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        _make(work, history, history_hash(history.source))
        if dest.exists():
            shutil.rmtree(dest)
        work.rename(dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def build_sample(dest: Path, source: Path | None = None) -> Path:
    """Build the sample repository at ``dest`` (replacing a previous build) and return its path.

    ``dest`` must be new, empty, or an earlier build: anything else is refused
    so a typo can never wipe a real folder. ``main`` is left checked out.
    """
    dest = Path(dest).absolute()
    with _lock(dest):
        return _build(dest, source)


def is_fresh(dest: Path, source: Path | None = None) -> bool:
    """True when ``dest`` holds a build of the current sources, untouched since."""
    marker_file = Path(dest) / ".git" / MARKER
    try:
        marker = json.loads(marker_file.read_text(encoding="utf-8"))
        if marker.get("history") != history_hash(source) or marker.get("heads") != _heads(Path(dest)):
            return False
        return _git(Path(dest), "status", "--porcelain") == ""
    except (OSError, ValueError, ArchReviewError):
        return False


def ensure_sample(dest: Path | None = None, source: Path | None = None) -> Path:
    """The sample at ``dest`` (default ``build/sample``), built first if missing or stale.

    Safe to call from many processes at once (a batch of reviews): one builds,
    the others wait on the lock and then find it fresh.
    """
    dest = Path(dest or default_sample_dir()).absolute()
    with _lock(dest):
        if not is_fresh(dest, source):
            _build(dest, source)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archreview.sample",
                                     description="Build the BuildRight sample repository (no network needed).")
    parser.add_argument("dest", nargs="?", type=Path, default=None,
                        help=f"folder to build into (default: {default_sample_dir()})")
    args = parser.parse_args(argv)
    _entry_logging()
    try:
        path = build_sample(args.dest or default_sample_dir())
    except ArchReviewError as error:
        _log.error("%s", error)
        return 2
    _log.info("%s", path)
    return 0


_log = logging.getLogger(__name__)


def _entry_logging() -> None:
    """``python -m archreview.sample`` is an entry point, so it shows this module's log: the built
    folder on stdout (scripts read it), an error as one ``archreview: ...`` line on stderr."""
    out = logging.StreamHandler(sys.stdout)
    out.addFilter(lambda record: record.levelno < logging.WARNING)
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.WARNING)
    err.setFormatter(logging.Formatter("archreview: %(message)s"))
    _log.handlers[:] = [out, err]
    _log.setLevel(logging.INFO)
    _log.propagate = False


if __name__ == "__main__":
    sys.exit(main())
