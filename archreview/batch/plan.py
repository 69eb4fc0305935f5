"""The batch file: which repositories to review, read and checked before anything runs.

A batch file is YAML with ``defaults:`` and ``repos:``. It is validated node by
node (``yaml.compose`` keeps the line of every key) so a typo fails at once with
the entry, the key and the line, instead of surfacing as one failed review
among forty. Relative paths are read from the batch file's folder, so a batch
file and its repositories can move together. Git URLs are cloned later, by
whoever runs the entry (a local worker or a Dask worker), with ``materialise``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from archreview.core.locks import exclusive
from archreview.core.errors import BadBatchFile, BadPath
from archreview.sources import git as gitio

DEFAULT_KEYS = ("base", "head", "context", "client", "reviewer", "decisions", "timeout", "baseline")
ENTRY_KEYS = ("path", "name", *DEFAULT_KEYS)
_PATH_KEYS = ("context", "decisions", "baseline")
_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)")  # git@github.com:owner/repo.git
_SCHEMES = gitio.TRANSPORTS
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80
RESERVED = ("index.html", "summary.csv", "summary.ipynb")  # what the batch writes beside the folders


@dataclass(frozen=True, slots=True)
class Entry:
    """One review to run. ``path`` is absolute, or a git URL still to clone."""

    name: str  # the output folder's name: unique in the batch, safe on any filesystem
    path: str
    line: int  # where the entry starts in the batch file
    base: str | None = None
    head: str | None = None
    context: str | None = None
    decisions: str | None = None
    client: str = ""
    reviewer: str = ""
    timeout: int | None = None  # seconds; None: the batch's --timeout
    baseline: str | None = None  # a previous run's JSON, or a previous batch's output folder; None: --baseline

    @property
    def is_url(self) -> bool:
        return is_url(self.path)


@dataclass(frozen=True, slots=True)
class Batch:
    file: str
    entries: tuple[Entry, ...]


def is_url(path: str) -> bool:
    return bool(_URL.match(path) or _SCP.match(path))


def load_batch(file: str | os.PathLike) -> Batch:
    """Read and validate a batch file; any problem raises ``BadBatchFile`` with its line."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadBatchFile(f"cannot read the batch file: {exc}", path=str(file)) from exc
    return parse_batch(text, str(file), Path(file).absolute().parent)


def parse_batch(text: str, file: str, folder: Path) -> Batch:
    """Pure: the batch in ``text``; relative paths resolved against ``folder``."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BadBatchFile(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=file,
                           line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise BadBatchFile("expected a mapping with 'defaults' and 'repos' at the top", path=file,
                           line=_line(root) if root else None)
    top = _mapping(root, "the batch file", ("defaults", "repos"), file)
    defaults = _values(top["defaults"], "defaults", DEFAULT_KEYS, file) if "defaults" in top else {}
    repos = top.get("repos")
    if not isinstance(repos, yaml.SequenceNode) or not repos.value:
        raise BadBatchFile("'repos' must be a non-empty list of mappings, each with a 'path'", path=file,
                           line=_line(repos or root))
    raw = [_entry(node, i, defaults, file, folder) for i, node in enumerate(repos.value, 1)]
    return Batch(file, tuple(_with_unique_names(raw)))


# --- nodes -----------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, where: str, allowed: tuple[str, ...], file: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise BadBatchFile(f"{where} must be a mapping of keys to values", path=file, line=_line(node))
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in allowed:
            raise BadBatchFile(f"{where}: unknown key {name!r}; use {', '.join(allowed)}", path=file, line=_line(key))
        if name in out:
            raise BadBatchFile(f"{where}: key {name!r} given twice", path=file, line=_line(key))
        out[name] = value
    return out


def _values(node: yaml.Node, where: str, allowed: tuple[str, ...], file: str) -> dict[str, object]:
    """Scalars of a mapping checked by type: strings, null, and a positive integer timeout."""
    out: dict[str, object] = {}
    for key, value in _mapping(node, where, allowed, file).items():
        out[key] = _scalar(value, where, key, file)
    return out


def _scalar(node: yaml.Node, where: str, key: str, file: str) -> object:
    if not isinstance(node, yaml.ScalarNode):
        raise BadBatchFile(f"{where}: {key!r} must be a single value, not a list or mapping", path=file,
                           line=_line(node))
    if node.tag == "tag:yaml.org,2002:null":
        if key in ("path", "name"):
            raise BadBatchFile(f"{where}: {key!r} is empty", path=file, line=_line(node))
        return None
    if key == "timeout":
        if node.tag != "tag:yaml.org,2002:int" or int(node.value) <= 0:
            raise BadBatchFile(f"{where}: 'timeout' must be a whole number of seconds above 0, not {node.value!r}",
                               path=file, line=_line(node))
        return int(node.value)
    if node.tag != "tag:yaml.org,2002:str":
        raise BadBatchFile(f"{where}: {key!r} must be text; quote it: {key}: \"{node.value}\"", path=file,
                           line=_line(node))
    if not node.value.strip():
        raise BadBatchFile(f"{where}: {key!r} is empty", path=file, line=_line(node))
    return node.value


def _entry(node: yaml.Node, index: int, defaults: dict[str, object], file: str, folder: Path) -> Entry:
    where = f"repos entry {index}{_named(node)}"
    values = _values(node, where, ENTRY_KEYS, file)
    if "path" not in values:
        raise BadBatchFile(f"{where}: 'path' is missing; give a local folder or a git URL", path=file, line=_line(node))
    merged: dict[str, Any] = {**defaults, **values}  # validated by _values
    path = str(merged["path"])
    scheme = _URL.match(path)
    if scheme and scheme["scheme"].lower() not in _SCHEMES:
        raise BadBatchFile(f"{where}: 'path' uses {scheme['scheme']}://; only https, ssh and file URLs are cloned",
                           path=file, line=_line(node))
    for key in ("path", *_PATH_KEYS):
        if merged.get(key) and not (key == "path" and is_url(path)):
            merged[key] = str((folder / os.path.expanduser(str(merged[key]))).absolute())
    merged["name"] = merged.get("name") or derived_name(path, merged.get("head"))
    return Entry(name=merged["name"], path=merged["path"], line=_line(node), base=merged.get("base"),
                 head=merged.get("head"), context=merged.get("context"), decisions=merged.get("decisions"),
                 client=merged.get("client") or "", reviewer=merged.get("reviewer") or "", timeout=merged.get("timeout"),
                 baseline=merged.get("baseline"))


def _named(node: yaml.Node) -> str:
    """`` (its name)`` for messages about an entry, when it has a plain name."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "name" and isinstance(value, yaml.ScalarNode) and value.value:
                return f" ({value.value})"
    return ""


# --- names -------------------------------------------------------------------------


def sanitise(name: str) -> str:
    """A folder name safe everywhere: letters, digits, dot, dash, underscore; never hidden or empty."""
    clean = _UNSAFE.sub("-", name).strip(".-_")[:_MAX_NAME].strip(".-_")
    return clean or "repo"


def derived_name(path: str, head: str | None) -> str:
    """``<repository folder>`` or ``<repository folder>-<head>`` when no name is given."""
    stem = re.split(r"[/:\\]", path.rstrip("/\\"))[-1].removesuffix(".git") or "repo"
    return f"{stem}-{head}" if head else stem


def _with_unique_names(entries: list[Entry]) -> list[Entry]:
    """Sanitised names, with ``-2``, ``-3``... for repeats (compared without case, as macOS does)."""
    taken: set[str] = set(RESERVED)
    out = []
    for entry in entries:
        base = sanitise(entry.name)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        out.append(replace(entry, name=name))
    return out


# --- getting the repository -------------------------------------------------------------


def clone_folder(url: str, cache_root: Path) -> Path:
    """Where a URL's mirror lives: one folder per URL, named so a person can tell which."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache_root / "clones" / f"{sanitise(derived_name(url, None))}-{digest}"


def lock_path(path: Path) -> str:
    """The lock for cloning into ``path``: removed on release, so none piles up beside the clones."""
    return f"{path}.lock"


def materialise(entry: Entry, cache_root: Path, *, timeout: float | None = None) -> Path:
    """The local folder to review: the path itself, or a bare mirror of the URL (cloned, or fetched again)."""
    if not entry.is_url:
        return Path(entry.path)
    target = clone_folder(entry.path, cache_root)
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(lock_path(target)):
        try:
            gitio.mirror(entry.path, target, timeout=timeout)
        except gitio.GitError as exc:
            raise BadPath(f"cannot get the repository: {exc.message}") from None
    return target
