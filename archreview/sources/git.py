"""The only module that runs git: reading any ref of an untrusted repository.

A repository under review may have been written by anyone, including its
``.git/config``. Every call therefore goes through ``_git``: an argument list
(never a shell), full commit ids only (a user's ref is turned into one by
``resolve``, which refuses anything that looks like an option), and command-line
config that switches off everything a repository's config can make git run
(fsmonitor, hooks, external diff, textconv, pager, signature checks, network).
Command-line config outranks every config file, so the repository cannot undo it.
Nothing is ever checked out: contents come from git objects.

Two callers need more than reading, and get it here under the same rules: the
batch mirrors a repository from a URL (``mirror``: https, ssh and file transports
only, no prompts), and the sample builder writes a history of its own (``build``:
no user or system config, so the same history gives the same commit ids anywhere).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

from archreview.core.errors import ArchReviewError, BadRef, ToolMissing
from archreview.core.model import Churn

# Why each is here: fsmonitor and hooks run programs named in the repo config;
# diff.external and the pager too; log.showSignature runs gpg; the protocol and
# ssh settings stop lazy fetches of a partial clone from touching the network;
# quotePath and the encoding make the output we parse independent of the config.
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "diff.external=",
    "core.pager=cat",
    "core.sshCommand=false",
    "protocol.allow=never",
    "log.showSignature=false",
    "gpg.program=false",
    "core.quotePath=true",
    "i18n.logOutputEncoding=UTF-8",
    "diff.noprefix=false",
    "diff.relative=false",
)
# What every diff or log with diffs gets on its command line (the config cannot
# override an option given explicitly).
DIFF_SAFETY = ("--no-ext-diff", "--no-textconv", "--no-color")
# Variables that would point git at another repository or inject config.
_KEPT_GIT_VARS = frozenset({"GIT_EXEC_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"})
_SAFE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "LC_ALL": "C",
    "GIT_NO_REPLACE_OBJECTS": "1",  # read the objects as stored, not as replaced
    "GIT_NO_LAZY_FETCH": "1",
}
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# The transports a batch may fetch over; every other one (ext::, fd::, git://...) stays off.
TRANSPORTS = ("https", "ssh", "file")
_NETWORK_CONFIG = (*(c for c in SAFE_CONFIG if not c.startswith("core.sshCommand=")),
                   *(f"protocol.{scheme}.allow=always" for scheme in TRANSPORTS))
# For a repository archreview writes itself: nothing from the machine changes the commits.
_BUILD_CONFIG = (*SAFE_CONFIG, "init.defaultBranch=main", "commit.gpgsign=false", "tag.gpgsign=false",
                 "core.autocrlf=false", "core.safecrlf=false", "core.fileMode=true", "gc.auto=0",
                 "advice.detachedHead=false", "i18n.commitEncoding=UTF-8")


class GitError(ArchReviewError):
    """git failed on a repository (a corrupt object, an unsupported format...)."""


@dataclass(frozen=True, slots=True)
class CommitInfo:
    id: str
    short_id: str
    author: str
    date: str  # author date, ISO 8601 with offset
    subject: str


@dataclass(frozen=True, slots=True)
class Signature:
    """Who made a commit and when (ISO 8601), for ``build``."""

    name: str
    email: str
    date: str


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str  # exact: non-UTF-8 bytes kept as surrogate escapes
    mode: str  # "100644", "100755", "120000" (symlink), "160000" (submodule)
    blob: str  # object id (a commit id for a submodule)
    size: int  # bytes; 0 for a submodule


# --- running git --------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_VARS}
    env.update(_SAFE_ENV)
    return env


def _argv(repo: Path, args: Iterable[str], config: Sequence[str] = SAFE_CONFIG) -> list[str]:
    where = os.path.abspath(repo)
    argv = ["git", "--no-pager", "--literal-pathspecs", "-C", where]
    for trusted in dict.fromkeys((where, os.path.realpath(where))):  # git compares against the real path
        argv += ["-c", f"safe.directory={trusted}"]
    for item in config:
        argv += ["-c", item]
    return argv + list(args)


def _git(repo: Path, *args: str, check: bool = True, config: Sequence[str] = SAFE_CONFIG,
         env: dict[str, str] | None = None, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git with the safety options; raise GitError with git's first line on failure."""
    try:
        done = subprocess.run(_argv(repo, args, config), capture_output=True, stdin=subprocess.DEVNULL,
                              env=env or _env(), timeout=timeout)
    except FileNotFoundError:
        raise ToolMissing("git is not installed or not on PATH: install git to analyse repositories") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out after {timeout:g} s", path=str(repo)) from None
    if check and done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {_first_line(done.stderr)}", path=str(repo))
    return done


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no message"


def _text(data: bytes) -> str:
    """Names and messages as git stored them; undecodable bytes kept as surrogates."""
    return data.decode("utf-8", "surrogateescape")


# --- refs and commits ---------------------------------------------------------


def is_git_repo(path: Path) -> bool:
    """True for the top of a work tree, a bare repository or a .git folder.

    A subfolder of a work tree is not one: listing it as a repo would list the
    whole tree around it, so it is read as a plain folder instead.
    """
    if not os.path.isdir(path):
        return False
    done = _git(Path(path), "rev-parse", "--is-bare-repository", "--is-inside-git-dir", "--show-cdup", check=False)
    if done.returncode != 0:
        return False
    lines = done.stdout.decode("utf-8", "replace").split("\n")
    return lines[0] == "true" or lines[1] == "true" or (len(lines) > 2 and lines[2] == "")


def resolve(repo: Path, ref: str) -> str:
    """The full commit id a user's ref names; the only place a ref is parsed.

    NUL or a newline would break the protocols that follow, and "--x" reads as
    an option: those are refused outright. A real branch or tag named "-foo" is
    resolved by its full name (``refs/heads/-foo``), so it never reaches git as
    an argument of its own; any other name starting with "-" is refused.
    """
    if not ref or ref.startswith("--") or "\0" in ref or "\n" in ref or "\r" in ref:
        raise BadRef(f"refusing ref {ref!r} for {repo}: use a branch, tag or commit id")
    if ref.startswith("-"):
        return _dashed(repo, ref)
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    commit = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not _OID.fullmatch(commit):
        reason = _first_line(done.stderr) if done.stderr.strip() else "no such commit"
        raise BadRef(f"unknown ref {ref!r} in {repo}: {reason}; use a branch, tag or commit id")
    return commit


def _dashed(repo: Path, ref: str) -> str:
    """A branch or tag whose name starts with "-", by its full ref name only."""
    for full in (f"refs/heads/{ref}", f"refs/tags/{ref}"):
        done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{full}^{{commit}}", check=False)
        commit = done.stdout.decode("ascii", "replace").strip()
        if done.returncode == 0 and _OID.fullmatch(commit):
            return commit
    raise BadRef(f"refusing ref {ref!r} for {repo}: no branch or tag has that name, and a name starting with '-' "
                 "is read as an option; use a branch, tag or commit id")


def _commit(repo: Path, commit: str) -> str:
    """A full id passes as is; anything else goes through ``resolve``'s checks."""
    return commit if _OID.fullmatch(commit) else resolve(repo, commit)


def describe_commit(repo: Path, commit: str) -> CommitInfo:
    commit = _commit(repo, commit)
    out = _git(repo, "log", "-1", "--no-walk", "--format=%H%x00%h%x00%an%x00%aI%x00%s", commit, "--").stdout
    fields = out.decode("utf-8", "replace").rstrip("\n").split("\0")
    if len(fields) != 5:
        raise GitError(f"cannot read commit {commit}", path=str(repo))
    return CommitInfo(*fields)


def merge_base(repo: Path, a: str, b: str) -> str | None:
    """The best common ancestor, for reviewing a branch against where it forked."""
    done = _git(repo, "merge-base", _commit(repo, a), _commit(repo, b), check=False)
    found = done.stdout.decode("ascii", "replace").strip()
    return found if done.returncode == 0 and _OID.fullmatch(found) else None


# --- trees and blobs ----------------------------------------------------------


def list_tree(repo: Path, commit: str) -> tuple[TreeEntry, ...]:
    """Every tracked entry of the commit, recursively, sorted by path.

    Sizes come from the blobs; where blobs are absent (a partial or blobless clone, a mirror
    missing objects) the listing is read from the trees alone and sizes are 0 (unknown).
    """
    commit = _commit(repo, commit)
    done = _git(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit, check=False)
    if done.returncode != 0:
        done = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    return tuple(sorted((_tree_entry(item) for item in done.stdout.split(b"\0") if item), key=lambda e: e.path))


def _tree_entry(item: bytes) -> TreeEntry:
    meta, _, name = item.partition(b"\t")
    mode, _kind, blob, *size = meta.decode("ascii").split()
    return TreeEntry(_text(name), mode, blob, int(size[0]) if size and size[0].isdigit() else 0)


def tree_entry(repo: Path, commit: str, path: str) -> TreeEntry | None:
    """The entry at exactly ``path`` in the commit, or None."""
    return tree_entries(repo, commit, [path]).get(path)


def tree_entries(repo: Path, commit: str, paths: Iterable[str]) -> dict[str, TreeEntry]:
    """The entries at exactly these paths in the commit (one ``ls-tree``); paths not there are left out."""
    wanted = {p for p in paths if p and "\0" not in p}
    if not wanted:
        return {}
    out = _git(repo, "ls-tree", "-z", "-l", "--full-tree", _commit(repo, commit), "--", *sorted(wanted)).stdout
    found = (_tree_entry(item) for item in out.split(b"\0") if item)
    return {entry.path: entry for entry in found if entry.path in wanted}


def read_objects(repo: Path, ids: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """Stream object contents in the order asked, from one ``cat-file --batch``.

    A missing object (a shallow or partial clone) yields None rather than
    stopping the stream. A feeder thread writes the ids while this generator
    reads, so neither pipe can fill up and block the other. In a partial clone
    git dies on an object it would have to fetch (fetching is off): the objects
    present are then listed once, and the rest is read from those alone.
    """
    wanted = list(ids)
    for given in wanted:
        if not _OID.fullmatch(given):
            raise ValueError(f"not a full object id: {given!r}")
    done = 0
    for oid, data in _read_stream(repo, wanted):
        if oid is None:  # git died before this object: read what is here, the rest is missing
            present = _present_objects(repo)
            rest = wanted[done:]
            readable = [o for o in rest if o in present]
            contents = dict(_read_stream(repo, readable)) if readable else {}
            for o in rest:
                yield o, contents.get(o)
            return
        done += 1
        yield oid, data


def _present_objects(repo: Path) -> frozenset[str]:
    """Every object stored in the repository (never fetched): ``cat-file --batch-all-objects``."""
    out = _git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").stdout
    return frozenset(out.decode("ascii", "replace").split())


def _read_stream(repo: Path, ids: list[str]) -> Iterator[tuple[str | None, bytes | None]]:
    """(id, content) in order; (None, None) once if git stopped before the end."""
    if not ids:
        return
    try:
        proc = subprocess.Popen(
            _argv(repo, ["cat-file", "--batch", "--buffer"]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), bufsize=1 << 16,
        )
    except FileNotFoundError:
        raise ToolMissing("git is not installed or not on PATH: install git to analyse repositories") from None
    stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
    assert stdin is not None and stdout is not None and stderr is not None  # all three are PIPEs
    feeder = threading.Thread(target=_feed, args=(stdin, ids), daemon=True)
    feeder.start()
    try:
        yield from _read_batch(repo, stdout, stderr, ids)
    finally:
        if proc.poll() is None:
            proc.kill()
        stdout.close()
        stderr.close()
        proc.wait()
        feeder.join()
        try:
            stdin.close()
        except OSError:  # already closed by the feeder, or the pipe broke
            pass


def _feed(stdin: IO[bytes], ids: list[str]) -> None:
    try:
        for oid in ids:
            stdin.write(oid.encode("ascii") + b"\n")
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):  # the reader stopped early
        pass


def _read_batch(repo: Path, stdout: IO[bytes], stderr: IO[bytes], ids: list[str]) -> Iterator[tuple[str | None, bytes | None]]:
    for oid in ids:
        header = stdout.readline()
        if not header:
            yield None, None  # git stopped (it would have had to fetch this object): the caller reads around it
            return
        parts = header.split()
        if len(parts) == 2 and parts[1] == b"missing":
            yield oid, None
            continue
        size = int(parts[2])
        data = stdout.read(size)
        stdout.read(1)  # the newline after each object
        yield oid, data


def read_blobs(repo: Path, blobs: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """Like ``read_objects`` but a missing object is an error."""
    for oid, data in read_objects(repo, blobs):
        if data is None:
            raise GitError(f"object {oid} is missing from the repository", path=str(repo))
        yield oid, data


# --- history ------------------------------------------------------------------


def commit_time(repo: Path, commit: str) -> int:
    out = _git(repo, "log", "-1", "--no-walk", "--format=%ct", _commit(repo, commit), "--").stdout
    return int(out.strip() or 0)


def churn(repo: Path, commit: str, *, days: int = 365, max_commits: int = 2000) -> tuple[Churn, ...]:
    """Commits, added and deleted lines per path over a window ending at ``commit``.

    The window is measured back from the commit's own date, not from today, so
    the same commit always gives the same figures. Merges are left out (their
    changes are counted in the commits they merge); binary files ("-") count
    as a commit with no lines.
    """
    commit = _commit(repo, commit)
    since = datetime.fromtimestamp(commit_time(repo, commit), timezone.utc) - timedelta(days=days)
    out = _git(
        repo, "log", "--numstat", "-z", "--no-renames", "--no-merges", *DIFF_SAFETY,
        "--format=%x01%H", f"--max-count={max_commits}", f"--since={since:%Y-%m-%d %H:%M:%S +0000}", commit, "--",
        env=_diffing_env(),
    ).stdout
    return _parse_numstat(out)


# ``--numstat`` inflates both sides of every changed file of every commit into fresh buffers. glibc's malloc
# gives a buffer over its mmap threshold (128 KB at first) back to the kernel when it is freed, and the
# kernel zeroes the pages again for the next one: typeorm's year of history took 100,000 page faults, a
# tenth of the log's CPU. With these thresholds the buffers stay in git's heap (the output is the same;
# other C libraries ignore the variable, and one the caller set is kept).
_HEAP_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"


def _diffing_env() -> dict[str, str]:
    env = _env()
    env.setdefault("GLIBC_TUNABLES", _HEAP_TUNABLES)
    return env


def churn_commits(repo: Path, commit: str, *, days: int = 365, max_commits: int = 2000) -> tuple[Churn, ...]:
    """``churn`` from trees alone: commits per path, no line counts (``--name-only`` reads no file
    contents, so history whose old blobs are missing — a partial clone, a damaged mirror — still counts)."""
    commit = _commit(repo, commit)
    since = datetime.fromtimestamp(commit_time(repo, commit), timezone.utc) - timedelta(days=days)
    out = _git(
        repo, "log", "--name-only", "-z", "--no-renames", "--no-merges", *DIFF_SAFETY,
        "--format=%x01%H", f"--max-count={max_commits}", f"--since={since:%Y-%m-%d %H:%M:%S +0000}", commit, "--",
    ).stdout
    counts: dict[str, int] = {}
    for token in out.split(b"\0"):
        name = token.lstrip(b"\n")
        if name and not name.startswith(b"\x01"):
            counts[_text(name)] = counts.get(_text(name), 0) + 1
    return tuple(Churn(path, n, 0, 0) for path, n in sorted(counts.items()))


def _parse_numstat(out: bytes) -> tuple[Churn, ...]:
    totals: dict[str, list[int]] = {}
    for token in out.split(b"\0"):
        token = token.lstrip(b"\n")
        if not token or token.startswith(b"\x01"):
            continue
        added, deleted, name = token.split(b"\t", 2)
        row = totals.setdefault(_text(name), [0, 0, 0])
        row[0] += 1
        row[1] += int(added) if added.isdigit() else 0
        row[2] += int(deleted) if deleted.isdigit() else 0
    return tuple(Churn(path, *row) for path, row in sorted(totals.items()))


# --- changes between two commits -----------------------------------------------


def changed_paths(repo: Path, base: str, head: str) -> tuple[str, ...]:
    """Paths that ``head`` adds, modifies, or renames/copies to, sorted."""
    return tuple(sorted({new for status, _, new in _raw_diff(repo, base, head) if status != "D"}))


def _raw_diff(repo: Path, base: str, head: str) -> list[tuple[str, str, str]]:
    """(status letter, old path, new path) per changed file, names exact (-z)."""
    out = _git(repo, "diff", "--raw", "-z", "-M", "--no-abbrev", *DIFF_SAFETY, "--submodule=short",
               _commit(repo, base), _commit(repo, head), "--").stdout
    tokens = out.split(b"\0")
    changes, i = [], 0
    while i < len(tokens) and tokens[i].startswith(b":"):
        status = tokens[i].split()[-1].decode("ascii")[:1]
        if status in "RC":
            changes.append((status, _text(tokens[i + 1]), _text(tokens[i + 2])))
            i += 3
        else:
            changes.append((status, _text(tokens[i + 1]), _text(tokens[i + 1])))
            i += 2
    return changes


def changed_paths_from_trees(repo: Path, base: str, head: str) -> tuple[str, ...]:
    """``changed_paths`` by comparing the two trees' blob ids: no file content is read, so it works
    when a blob of either side is missing (renames are then an add and a delete)."""
    before = {e.path: (e.mode, e.blob) for e in list_tree(repo, base)}
    return tuple(sorted(e.path for e in list_tree(repo, head) if before.get(e.path) != (e.mode, e.blob)))


def changed_lines_by_path(repo: Path, base: str, head: str, paths: Iterable[str]) -> dict[str, frozenset[int]]:
    """``changed_lines`` one path at a time: a path whose diff cannot be read (a blob is missing)
    counts every line of its head version as changed, or none when that is missing too."""
    blobs = {e.path: e.blob for e in list_tree(repo, head)}
    out: dict[str, frozenset[int]] = {}
    unread = []
    for path in paths:
        done = _git(repo, "diff", "-U0", "--inter-hunk-context=0", "--no-renames", *DIFF_SAFETY, "--submodule=short",
                    "--src-prefix=a/", "--dst-prefix=b/", _commit(repo, base), _commit(repo, head), "--", path,
                    check=False)
        if done.returncode == 0:
            out[path] = frozenset(n for p, n in _added_lines(done.stdout) if p == path)
        else:
            unread.append(path)
    wanted = [blobs[p] for p in unread if p in blobs]
    contents = dict(read_objects(repo, wanted)) if wanted else {}
    for path in unread:
        data = contents.get(blobs.get(path, ""))
        out[path] = frozenset(range(1, data.count(b"\n") + 2)) if data else frozenset()
    return dict(sorted(out.items()))


def changed_lines(repo: Path, base: str, head: str) -> dict[str, frozenset[int]]:
    """Line numbers (in head) of lines head adds or modifies, per changed path.

    Every path of ``changed_paths`` is a key; a pure rename or a binary file
    has an empty set. Renames are followed, so an edited moved file shows only
    its edits, not every line as new.
    """
    lines: dict[str, set[int]] = {path: set() for path in changed_paths(repo, base, head)}
    out = _git(repo, "diff", "-U0", "--inter-hunk-context=0", "-M", *DIFF_SAFETY, "--submodule=short",
               "--src-prefix=a/", "--dst-prefix=b/", _commit(repo, base), _commit(repo, head), "--").stdout
    for path, number in _added_lines(out):
        lines.setdefault(path, set()).add(number)
    return {path: frozenset(numbers) for path, numbers in sorted(lines.items())}


_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _added_lines(patch: bytes) -> Iterator[tuple[str, int]]:
    """(path, line) for each "+" line of a unified diff; paths from "+++ b/...". """
    path, number, in_hunk = None, 0, False
    for line in patch.split(b"\n"):
        if in_hunk and line[:1] in (b"+", b"-", b" ", b"\\", b""):
            if line.startswith(b"+") and path is not None:
                yield path, number
            number += line[:1] in (b"+", b" ")
            continue
        in_hunk = False
        if line.startswith(b"+++ "):
            path = _patch_path(line[4:])
        elif line.startswith(b"@@ "):
            match = _HUNK.match(line)
            number, in_hunk = (int(match.group(1)), True) if match else (0, False)
        elif line.startswith(b"diff --git "):
            path = None


def _patch_path(name: bytes) -> str | None:
    """The path of a "+++" line: C-quoted when odd, else followed by a tab if it has a space."""
    if name == b"/dev/null":
        return None
    if name.startswith(b'"'):
        name = c_unquote(name)
    else:
        name = name.rstrip(b"\t")
    return _text(name[2:]) if name.startswith(b"b/") else _text(name)


_ESCAPES = {ord(k): v for k, v in {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}.items()}


def c_unquote(quoted: bytes) -> bytes:
    """Undo git's C-style quoting of a path: ``"a\\tb\\303\\251"`` -> raw bytes."""
    body, out, i = quoted[1:quoted.rindex(b'"')], bytearray(), 0
    while i < len(body):
        byte = body[i]
        if byte != 0x5C:  # backslash
            out.append(byte)
            i += 1
        elif body[i + 1:i + 2].isdigit():
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        else:
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out)


# --- getting a repository (batch) and writing one (the sample) --------------------------------


def mirror(url: str, target: Path, *, timeout: float | None = None) -> None:
    """A bare mirror of ``url`` at ``target``: cloned the first time, fetched again after.

    Only ``TRANSPORTS`` are allowed, git never prompts (a private repository
    without credentials fails instead of waiting), and the URL comes after
    ``--`` so it is never read as an option.
    """
    env = {**_env(), "GIT_ASKPASS": "true", "SSH_ASKPASS": "true",  # the user's own ssh set-up still applies
           **{k: v for k, v in os.environ.items() if k in ("GIT_SSH", "GIT_SSH_COMMAND")}}
    if (target / "HEAD").exists():
        _git(target, "fetch", "--quiet", "--prune", "origin", config=_NETWORK_CONFIG, env=env, timeout=timeout)
    else:
        _git(target.parent, "clone", "--quiet", "--mirror", "--", url, str(target), config=_NETWORK_CONFIG, env=env,
             timeout=timeout)


def build(repo: Path, *args: str, author: Signature | None = None) -> subprocess.CompletedProcess[bytes]:
    """git on a repository archreview writes itself; the caller reads the return code.

    No global or system config is read and the settings that could change a
    commit id (default branch, signing, line endings) are fixed, so the sample
    has the same commit ids on every machine.
    """
    env = {**_env(), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if author is not None:
        env.update(GIT_AUTHOR_NAME=author.name, GIT_AUTHOR_EMAIL=author.email, GIT_AUTHOR_DATE=author.date,
                   GIT_COMMITTER_NAME=author.name, GIT_COMMITTER_EMAIL=author.email, GIT_COMMITTER_DATE=author.date)
    return _git(repo, *args, check=False, config=_BUILD_CONFIG, env=env)
