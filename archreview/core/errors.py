"""One exception type per kind of user error.

Each carries the place it is about and says what to do; the CLI turns any of
them into one line on stderr and exit status 2. Problems in one analysed file
are never raised: they become ``model.FileError`` values.
"""

from __future__ import annotations

from typing import Any


class ArchReviewError(Exception):
    """Base of every error a user can cause and fix."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"

    def __reduce__(self) -> tuple[Any, ...]:  # keep path/line when pickled across processes
        return (_rebuild, (type(self), self.message, self.path, self.line))


def _rebuild(cls: type[ArchReviewError], message: str, path: str | None, line: int | None) -> ArchReviewError:
    return cls(message, path=path, line=line)


class BadPath(ArchReviewError):
    """The repository path is missing, unreadable or not a folder."""


class BadRef(ArchReviewError):
    """A git ref that does not resolve to a commit, or that looks like an option."""


class BadContext(ArchReviewError):
    """An architecture context (archreview.toml, pyproject, ARCHITECTURE.md) that is invalid."""


class BadBatchFile(ArchReviewError):
    """A batch file with a wrong key, type or value."""


class DecisionsFileError(ArchReviewError):
    """A decisions file that is corrupt or written by a newer version: it is kept, never overwritten."""


class CatalogueError(ArchReviewError):
    """A packaged catalogue (checklist, infrastructure signals) that fails validation."""


class ToolMissing(ArchReviewError):
    """A program archreview needs (git, a Jupyter kernel) is not installed."""


class BadBaseline(ArchReviewError):
    """A ``--baseline`` file that is not a JSON document ``archreview analyze --json`` wrote."""


class OutputError(ArchReviewError):
    """An output that cannot be written where asked: unwritable, or reached through a symbolic link."""


class BadLedger(ArchReviewError):
    """A batch output folder's portfolio ledger (``ledger.sqlite``) that is damaged or not a ledger."""
