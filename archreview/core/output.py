"""Writing the files a run produces, safely.

Two rules hold for every file archreview writes:

- nothing is written through a symbolic link inside the analysed tree (a
  committed ``archreview.toml -> ../../elsewhere`` must not redirect a write);
- a place that cannot be written (a file where a folder is expected, a
  read-only folder) is one ``OutputError`` naming it, never a traceback.
"""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path

from archreview.core.errors import OutputError


def link_below(path: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> Path | None:
    """The first symbolic link on the way from ``root`` down to ``path``, if ``path`` lies below ``root``.

    ``path`` itself is checked too. Links above ``root`` (``/tmp`` on macOS) and
    outside it are the user's own and do not count.
    """
    if root is None:
        return None
    spelled = Path(os.path.abspath(path))
    real = Path(os.path.realpath(spelled.parent)) / spelled.name
    for target, base in ((spelled, Path(os.path.abspath(root))), (real, Path(os.path.realpath(root)))):
        try:
            parts = target.relative_to(base).parts
        except ValueError:
            continue
        current = base
        for part in parts:
            current = current / part
            if current.is_symlink():
                return current
    return None


def refuse_links(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """``path`` (absolute), or ``OutputError`` when writing it would go through a symbolic link."""
    link = link_below(path, root)
    if link is not None:
        raise OutputError(f"{link} is a symbolic link; archreview does not write through links "
                          f"- remove it or choose another output path")
    return Path(os.path.abspath(path))


def cannot_write(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write {os.fspath(path)}: {reason}; choose a writable path")


def make_folder(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """``path`` as a folder that exists, or ``OutputError`` saying why it cannot be one."""
    folder = refuse_links(path, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        raise OutputError(f"cannot write in {folder}: {blocker} is a file, not a folder; "
                          "choose a writable path") from exc
    except OSError as exc:
        raise cannot_write(folder, exc) from exc
    return folder


def write_bytes(path: str | os.PathLike[str], data: bytes, *, root: str | os.PathLike[str] | None = None,
                exclusive: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + rename), never through a link.

    ``exclusive``: fail when ``path`` exists. The rename replaces the directory
    entry, so even a link created after the check is replaced, not followed.
    """
    target = refuse_links(path, root)
    if not exclusive and target.exists() and not target.is_file() and not target.is_dir():
        # `--json /dev/null`, a FIFO: written into, never replaced (a rename turned /dev/null into a file)
        try:
            with open(target, "wb") as out:
                out.write(data)
        except OSError as exc:
            raise cannot_write(target, exc) from exc
        return target
    make_folder(target.parent, root)
    if exclusive and os.path.lexists(target):
        raise OutputError(f"{target} already exists")
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(tmp)
        raise cannot_write(target, exc) from exc
    return target


def write_text(path: str | os.PathLike[str], text: str, *, root: str | os.PathLike[str] | None = None,
               exclusive: bool = False) -> Path:
    return write_bytes(path, text.encode("utf-8"), root=root, exclusive=exclusive)
