"""Reader for the IDX file format, in which the MNIST database is distributed.

An IDX file is a big-endian header followed by a raw, row-major array::

    bytes 0-1   0x00 0x00
    byte  2     dtype code (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64; all big-endian)
    byte  3     number of dimensions, n >= 1
    then        n big-endian uint32 sizes, one per dimension
    then        the payload: prod(sizes) items of the dtype

So MNIST's image files start with the magic number 2051 (``0x00000803``: unsigned bytes,
3 dimensions: count, rows, cols) and its label files with 2049 (``0x00000801``: unsigned
bytes, 1 dimension: count).

Source: Y. LeCun, C. Cortes, C. J. C. Burges, *The MNIST database of handwritten digits*
(the file-format section); the book (ch. 3.6.1, ``dataset/mnist.py``) reads the same
files with ``np.frombuffer(f.read(), np.uint8, offset=16)`` and checks nothing.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np
from numpy.typing import NDArray

from dlscratch.errors import DataError

__all__ = [
    "GZIP_MAGIC",
    "IDX_DTYPES",
    "IdxHeader",
    "decompress_if_gzip",
    "parse_idx_header",
    "read_idx",
]

BytesLike: TypeAlias = bytes | bytearray | memoryview
"""Raw bytes, as accepted by :func:`read_idx` and :func:`parse_idx_header`."""

GZIP_MAGIC: Final = b"\x1f\x8b"
"""The first two bytes of every gzip stream (an IDX file starts with ``00 00``)."""

IDX_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
"""IDX dtype code -> NumPy dtype of the payload as stored (big-endian)."""


@dataclass(frozen=True)
class IdxHeader:
    """The parsed header of an IDX file.

    Attributes:
        magic: the first four bytes as a big-endian integer (2051 for MNIST images,
            2049 for MNIST labels).
        dtype_code: byte 2 of the magic number (0x08 for unsigned bytes).
        shape: the dimension sizes, e.g. ``(10000, 28, 28)``.
        header_size: bytes before the payload, ``4 + 4 * len(shape)``.
    """

    magic: int
    dtype_code: int
    shape: tuple[int, ...]
    header_size: int

    @property
    def dtype(self) -> np.dtype[Any]:
        """NumPy dtype of the payload as stored (big-endian); KeyError for unknown codes."""
        return IDX_DTYPES[self.dtype_code]

    @property
    def payload_size(self) -> int:
        """Number of payload bytes the header announces: ``prod(shape) * itemsize``."""
        return prod(self.shape) * self.dtype.itemsize


def _describe(name: str | None) -> str:
    return f"IDX file {name}" if name else "IDX data"


def decompress_if_gzip(data: BytesLike, *, name: str | None = None) -> bytes | BytesLike:
    """Return ``data`` decompressed if it is a gzip stream, else ``data`` unchanged.

    Args:
        data: raw bytes, gzip-compressed or not (detected by the magic bytes ``1f 8b``).
        name: file name used in error messages.

    Raises:
        DataError: the data look like gzip but are corrupt or truncated.
    """
    if bytes(data[:2]) != GZIP_MAGIC:
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{_describe(name)} is a corrupt or truncated gzip stream "
            f"({type(exc).__name__}: {exc}). Delete it and get a fresh copy."
        ) from exc


def parse_idx_header(data: BytesLike, *, name: str | None = None) -> IdxHeader:
    """Parse and check the header of (uncompressed) IDX data.

    Args:
        data: the bytes of an IDX file, at least its header.
        name: file name used in error messages.

    Returns:
        The :class:`IdxHeader`.

    Raises:
        DataError: shorter than a header, a magic number that does not start with two
            zero bytes, an unknown dtype code, or zero dimensions.
    """
    what = _describe(name)
    if len(data) < 4:
        raise DataError(
            f"{what} is {len(data)} bytes long; expected at least a 4-byte IDX magic number."
            " The file is truncated or not an IDX file: delete it and get a fresh copy."
        )
    head = bytes(data[:4])
    magic = int.from_bytes(head, "big")
    if head[:2] != b"\x00\x00":
        hint = " (it looks gzip-compressed twice)" if head[:2] == GZIP_MAGIC else ""
        raise DataError(
            f"{what} has magic number {magic} (0x{magic:08X}); expected an IDX magic number "
            f"0x0000TTNN (e.g. 2051 for images, 2049 for labels){hint}. This is not an IDX "
            "file: delete it and get a fresh copy."
        )
    dtype_code, ndim = head[2], head[3]
    if dtype_code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in IDX_DTYPES.items())
        raise DataError(
            f"{what} has magic number {magic} (0x{magic:08X}) with dtype code "
            f"0x{dtype_code:02X}; expected one of {known}. The file is corrupt or not an "
            "IDX file: delete it and get a fresh copy."
        )
    if ndim == 0:
        raise DataError(
            f"{what} has magic number {magic} (0x{magic:08X}) declaring 0 dimensions; "
            "expected at least 1. The file is corrupt: delete it and get a fresh copy."
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{what} is {len(data)} bytes long; its magic number declares {ndim} dimensions, "
            f"so the header alone needs {header_size} bytes. The file is truncated: delete "
            "it and get a fresh copy."
        )
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    shape = tuple(int(d) for d in dims)
    return IdxHeader(magic=magic, dtype_code=dtype_code, shape=shape, header_size=header_size)


def read_idx(
    source: str | os.PathLike[str] | BytesLike, *, name: str | None = None
) -> NDArray[Any]:
    """Read an IDX file (gzip-compressed or raw) into a NumPy array.

    Args:
        source: a file path, or the file's bytes. Gzip compression is detected from the
            content (magic bytes ``1f 8b``), not from the file name.
        name: name for error messages (default: the path, if ``source`` is one).

    Returns:
        A writable array that owns its memory, of the shape the header declares
        (``(N, 28, 28)`` for MNIST images, ``(N,)`` for labels) and the payload's dtype in
        native byte order (``uint8`` for code 0x08; ``int8``, ``int16``, ``int32``,
        ``float32`` or ``float64`` for the other codes).

    Raises:
        FileNotFoundError: ``source`` is a path that does not exist.
        DataError: corrupt gzip, bad magic number or dtype code, or a payload whose size
            differs from what the header declares (truncated file or trailing bytes).
            The message names the file and what was expected and found.

    Source: the IDX format of the MNIST database (see the module docstring); the book's
    ``dataset/mnist.py`` (ch. 3.6.1) does the same read without any check.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name if name is not None else str(path)
        raw: BytesLike = path.read_bytes()
    else:
        raw = source
    data = decompress_if_gzip(raw, name=name)
    header = parse_idx_header(data, name=name)
    found = len(data) - header.header_size
    expected = header.payload_size
    if found != expected:
        what = _describe(name)
        problem = "truncated" if found < expected else f"followed by {found - expected} extra bytes"
        raise DataError(
            f"{what} (magic {header.magic}, shape {header.shape}, {header.dtype.name}) needs "
            f"{expected} payload bytes after its {header.header_size}-byte header; found "
            f"{found}: the file is {problem}. Delete it and get a fresh copy."
        )
    array = np.frombuffer(
        data, dtype=header.dtype, count=prod(header.shape), offset=header.header_size
    )
    # Copy: native byte order, writable, and independent of the caller's buffer.
    return array.astype(header.dtype.newbyteorder("="), copy=True).reshape(header.shape)
