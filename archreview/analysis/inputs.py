"""What one analysis depends on, resolved before any source file is read.

The refs become commit ids, the context files are read at head (one ``ls-tree``
and one ``cat-file`` for all of them) and validated, and from these comes the
key of the whole result in the cache. All of it is cheap and imports nothing
heavy, so a re-run of an unchanged analysis finds its cached result (or its
finished JSON document) without loading the analysers, networkx or the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archreview.analysis.cache import FactsCache, default_folder, entry_key
from archreview.context.load import CONTEXT_FILES, load_context
from archreview.core.errors import BadContext, BadPath, BadRef
from archreview.core.model import Analysis, Context, RepoRef
from archreview.sources import files as sources
from archreview.sources import git as gitio


@dataclass(frozen=True, slots=True)
class Inputs:
    """A repository at resolved refs, its context, and the options that change the result."""

    root: Path
    ref: RepoRef
    texts: tuple[tuple[str, str], ...]  # (path, text) of the context files found at head
    explicit: tuple[str, str] | None  # (path, text) of --context
    context: Context | None
    depth: int | None
    churn_days: int

    def key(self, kind: str = "analysis") -> str | None:
        """The cache key of the whole result, or of something made from it (``kind``, e.g. ``"json"``).

        Only for git: a commit id names the content, while a plain folder's content is only
        known by reading every file (its files are still cached one by one).
        """
        if not self.ref.is_git:
            return None
        whole = entry_key("analysis", self.ref, self.texts, self.explicit, self.depth, self.churn_days)
        return whole if kind == "analysis" else entry_key(kind, whole)


def resolve_inputs(path: str | os.PathLike, base: str | None = None, head: str | None = None, *,
                   context_file: str | os.PathLike | None = None, depth: int | None = None,
                   churn_days: int = 365) -> Inputs:
    """Check the path and refs, read and validate the context; raises the user errors of a bad input."""
    root = check_path(path)
    is_git, base_id, head_id = resolve_refs(root, base, head)
    explicit = read_context_file(context_file)
    texts = sources.read_texts(root, head_id, CONTEXT_FILES)
    context = load_context(texts, explicit)
    ref = RepoRef(str(root), base_id, head_id, base, head or ("HEAD" if is_git else None), is_git)
    return Inputs(root, ref, tuple(sorted(texts.items())), explicit, context, depth, churn_days)


def cached_analysis(inputs: Inputs) -> Analysis | None:
    """The whole analysis of these inputs if the cache holds it (signed by this cache), else None."""
    key = inputs.key()
    if key is None:
        return None
    cache = FactsCache(default_folder())
    try:
        found = cache.get_value(key)
    finally:
        cache.close()
    return found if isinstance(found, Analysis) else None


def check_path(path: str | os.PathLike) -> Path:
    root = Path(path)
    if not root.exists():
        raise BadPath(f"no such folder: {root}; give the path of a repository or source folder")
    if not root.is_dir():
        raise BadPath(f"not a folder: {root}; give the repository's top folder, not a file")
    if not os.access(root, os.R_OK | os.X_OK):
        raise BadPath(f"cannot read folder {root}: permission denied")
    return root.resolve()


def resolve_refs(root: Path, base: str | None, head: str | None) -> tuple[bool, str | None, str | None]:
    """(is git, base commit id, head commit id); refs are resolved once, only ids are used after."""
    is_git = gitio.is_git_repo(root)
    if not is_git:
        if base or head:
            raise BadRef(f"{root} is not a git repository, so --base/--head cannot be used; drop them to review the folder")
        return False, None, None
    head_id = gitio.resolve(root, head or "HEAD")
    return True, gitio.resolve(root, base) if base else None, head_id


def read_context_file(context_file: str | os.PathLike | None) -> tuple[str, str] | None:
    """(path, text) of a --context file given by the user."""
    if context_file is None:
        return None
    try:
        return str(context_file), Path(context_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadContext(f"cannot read the context file: {exc}; give an archreview.toml", path=str(context_file)) from exc
