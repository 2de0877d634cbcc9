"""Writing files safely: the one atomic writer every module uses.

A file written in place and interrupted (a crash, a full disk, Ctrl-C) is left
half-written, and a half-written model or cache file is worse than none. So every file
dlscratch writes (models, checkpoints, figures, the MNIST ``.npy`` cache) goes through
:func:`atomic_write`: the content goes to a temporary file in the same folder, is
flushed to disk, and only then renamed over the target.

This module uses the standard library only, so the lowest modules (``datasets``) and the
highest (``io``, ``plotting``) can all import it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Write a file atomically: ``write(fh)`` fills a temp file, renamed over ``path``.

    The temporary file is in the same folder as ``path`` (a rename across filesystems
    is not atomic), flushed and fsync'ed before the rename, and removed if anything
    fails, so ``path`` holds either its old content or the complete new one. The new
    file gets the usual mode of a new file (``0o666`` less the umask), not the
    owner-only mode of temporary files. Missing parent folders are created.

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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
