"""An exclusive lock on a file beside the thing it guards, which leaves no file behind.

``flock`` is released by the kernel the moment its holder dies, so a writer
killed with ``kill -9`` never blocks the next one. filelock's ``FileLock`` uses
it too but keeps its ``NAME.lock`` file for ever (one beside every clone and
every decisions file), and its ``SoftFileLock``, which removes its marker, has
to guess whether a holder is dead. This removes the file on release, which is
safe only with one check: after taking the lock, the holder makes sure the path
still names the file it locked (a waiter may have opened it just before the
previous holder removed it) and starts again if not. A file left by a killed
holder is taken and removed by the next one.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def exclusive(path: str | os.PathLike[str], *, timeout: float = -1.0, poll: float = 0.005) -> Iterator[None]:
    """Hold the lock at ``path`` (negative ``timeout``: wait for ever); ``TimeoutError`` when it stays taken.

    The lock file is never followed through a symlink: one there fails with ``OSError``.
    """
    deadline = None if timeout < 0 else time.monotonic() + timeout
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        try:
            _take(fd, deadline, poll, path)
        except BaseException:
            os.close(fd)
            raise
        if _still_named(fd, path):
            break
        os.close(fd)  # the holder before us removed this file: lock the one the path names now
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)  # releases the flock, after the name is gone


def _take(fd: int, deadline: float | None, poll: float, path: str | os.PathLike[str]) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"the lock {os.fspath(path)} is held by another process") from None
            time.sleep(poll)


def _still_named(fd: int, path: str | os.PathLike[str]) -> bool:
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
