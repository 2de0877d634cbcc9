"""Writing files safely: the one atomic writer every module uses.

A file written in place and interrupted (a crash, a full disk, Ctrl-C) is left
half-written, and a half-written model or cache file is worse than none. So every file
dlscratch writes (models, checkpoints, figures, the MNIST ``.npy`` cache) goes through
:func:`atomic_write`: the content goes to a temporary file in the same folder, is
flushed to disk, and only then renamed over the target.

A writer killed outright (``kill -9``, a power cut) cannot remove its temporary file, so
:func:`atomic_write` removes the stale ones of a target each time it writes that target
again (:func:`remove_stale_temp_files`).

This module uses the standard library only, so the lowest modules (``datasets``) and the
highest (``io``, ``plotting``) can all import it.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["STALE_TEMP_SECONDS", "atomic_write", "remove_stale_temp_files", "temp_prefix"]

STALE_TEMP_SECONDS = 600.0
"""A temporary file untouched for this long (10 minutes) has lost its writer."""

# This machine, in temporary names: a process id means something only on its host.
_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
_OURS = re.compile(r"\.(\d+)-([0-9a-f]{8})\.[^.]+\.tmp$")


def temp_prefix(target: str | os.PathLike[str]) -> str:
    """The start of the temporary names of ``target``: ``.NAME.PID-HOST.``, then
    ``tempfile``'s random letters and ``.tmp``."""
    return f".{Path(target).name}.{os.getpid()}-{_HOST}."


def _writer_is_gone(name: str) -> bool:
    """True if ``name`` is a temporary name of this machine whose process has ended."""
    m = _OURS.search(name)
    if m is None or m.group(2) != _HOST:
        return False
    pid = int(m.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False  # alive (another user's), or not a process id we can ask about
    return False


def remove_stale_temp_files(
    target: str | os.PathLike[str], max_age: float = STALE_TEMP_SECONDS
) -> list[Path]:
    """Remove the temporary files that interrupted writes of ``target`` left behind.

    Those are ``.NAME.*.tmp`` files beside ``target`` (``NAME`` its file name) that
    either name a process of this machine that no longer runs, or have not been
    modified for ``max_age`` seconds (older dlscratch versions did not put the process
    in the name). A write in progress keeps its file: its process runs, and its file is
    fresh. Files that cannot be removed are left alone.

    Returns:
        The files removed.
    """
    target = Path(target)
    removed: list[Path] = []
    try:
        candidates = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return removed
    now = time.time()
    for tmp in candidates:
        try:
            st = tmp.lstat()
            if not (
                _writer_is_gone(tmp.name)
                or (tmp.is_file() and not tmp.is_symlink() and now - st.st_mtime > max_age)
            ):
                continue
            tmp.unlink()
        except OSError:
            continue
        removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the glob characters ``*?[`` escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write a file atomically: ``write(fh)`` fills a temp file, renamed over ``path``.

    The temporary file is in the same folder as ``path`` (a rename across filesystems
    is not atomic), flushed and fsync'ed before the rename, and removed if anything
    fails, so ``path`` holds either its old content or the complete new one. The new
    file gets the usual mode of a new file (``0o666`` less the umask), not the
    owner-only mode of temporary files. Missing parent folders are created. Stale
    temporary files of earlier, killed writes of ``path`` are removed first (see
    :func:`remove_stale_temp_files`).

    Args:
        path: the file to write.
        write: called once with the temporary file, open for binary writing.

    Raises:
        OSError: the folder or file cannot be created or written (nothing is left
            behind but any folders created).
        Whatever ``write`` raises, after the temporary file is removed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # mkstemp makes the file owner-only (0600); give it the usual mode of a new file.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
