"""MNIST: find, download, verify, cache and load the four files (book ch. 3.6.1).

:func:`load_mnist` is the book's ``dataset/mnist.py`` function with the same arguments
and results, made safe:

* **Where the files come from**, in this order: the ``data_dir`` argument, the
  environment variable ``DLSCRATCH_DATA_DIR``, or the folder ``mnist`` in dlscratch's
  cache directory (``platformdirs.user_cache_dir("dlscratch")``, or
  ``$DLSCRATCH_CACHE_DIR``). A folder may hold the files gzip-compressed
  (``train-images-idx3-ubyte.gz`` ...) or uncompressed (the same names without ``.gz``).
  Only the cache folder is ever downloaded into; a folder named explicitly must hold the
  files, else :class:`~dlscratch.errors.DataNotFoundError` says which are missing.
* **Download** from several mirrors in turn (:data:`MNIST_MIRRORS`), with pooch and its
  progress bar; pooch writes each file atomically.
* **Verification**: every file's IDX header (magic number, dtype, counts, 28x28) and
  payload size, and the MD5 of its decompressed content against the canonical
  checksums (:data:`MNIST_MD5`), so that a truncated, corrupted or wrong file raises
  :class:`~dlscratch.errors.DataError` instead of training on garbage.
* **Fast reloads**: once verified, the parsed arrays are stored as ``.npy`` files
  (never pickles) under ``<cache>/mnist-npy/``, each with a small manifest beside it
  (``train_img.json`` ...) holding the source file's path, size, mtime and inode and
  the SHA-256 of the array's content. A reload checks the source with ``stat``, reads
  the ``.npy`` files and hashes their content (20-35 ms for all four on two cores),
  which must be the original's: a cache file changed in any way, or a damaged
  manifest, is ignored and rebuilt from the verified source files, with a
  :class:`MnistCacheWarning` that says so. Processes loading at once write identical
  files, each atomically, so the cache stays complete. Set ``DLSCRATCH_NO_CACHE=1``
  (or pass ``cache=False``) to turn this off. An unwritable cache folder is skipped
  silently.

Environment variables: ``DLSCRATCH_DATA_DIR`` (folder holding the files),
``DLSCRATCH_CACHE_DIR`` (replaces the user cache directory), ``DLSCRATCH_NO_CACHE``
(``1`` disables the ``.npy`` cache).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import logging
import os
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from math import prod
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, Final, Literal, TypeAlias

import numpy as np
import platformdirs
import pooch
from numpy.lib import format as npformat
from numpy.typing import NDArray

from dlscratch.datasets.idx import GZIP_MAGIC, parse_idx_header, read_idx
from dlscratch.errors import DataError, DataNotFoundError
from dlscratch.files import atomic_write

__all__ = [
    "ENV_CACHE_DIR",
    "ENV_DATA_DIR",
    "ENV_NO_CACHE",
    "IMAGE_MAGIC",
    "LABEL_MAGIC",
    "MNIST_FILES",
    "MNIST_GZ_MD5",
    "MNIST_MD5",
    "MNIST_MIRRORS",
    "MNIST_SHAPES",
    "DataSource",
    "MnistCacheWarning",
    "MnistFileInfo",
    "MnistInfo",
    "cache_root",
    "download_mnist",
    "load_mnist",
    "mnist_info",
    "read_mnist_file",
    "resolve_data_dir",
]

PathLike: TypeAlias = str | os.PathLike[str]
DataSource: TypeAlias = Literal["argument", "DLSCRATCH_DATA_DIR", "cache"]
"""Where :func:`resolve_data_dir` found the folder."""

ENV_DATA_DIR: Final = "DLSCRATCH_DATA_DIR"
ENV_CACHE_DIR: Final = "DLSCRATCH_CACHE_DIR"
ENV_NO_CACHE: Final = "DLSCRATCH_NO_CACHE"

MNIST_FILES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "train_img": "train-images-idx3-ubyte.gz",
        "train_label": "train-labels-idx1-ubyte.gz",
        "test_img": "t10k-images-idx3-ubyte.gz",
        "test_label": "t10k-labels-idx1-ubyte.gz",
    }
)
"""Book key (``key_file`` in ``dataset/mnist.py``) -> file name as distributed (gzip).
A folder may also hold the uncompressed file, the same name without ``.gz``."""

MNIST_MD5: Final[Mapping[str, str]] = MappingProxyType(
    {
        "train_img": "6bbc9ace898e44ae57da46a324031adb",
        "train_label": "a25bea736e30d166cdddb491f175f624",
        "test_img": "2646ac647ad5339dbf082846283269ea",
        "test_label": "27ae3e4e09519cfbb04c329615203637",
    }
)
"""MD5 of each file's *decompressed* content: the canonical checksums of the originals.
This is what is verified, whatever gzip wrapper (or none) the file came in."""

MNIST_GZ_MD5: Final[Mapping[str, str]] = MappingProxyType(
    {
        "train_img": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train_label": "d53e105ee54ea40749a09fcbcd1e9432",
        "test_img": "9fb629c4189551a2d022fa330f9573f3",
        "test_label": "ec29112dd5afa0611ce80d1b7f02629c",
    }
)
"""MD5 of the ``.gz`` files on the public mirrors (for reference; not needed to verify)."""

MNIST_SHAPES: Final[Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {
        "train_img": (60000, 28, 28),
        "train_label": (60000,),
        "test_img": (10000, 28, 28),
        "test_label": (10000,),
    }
)
"""Shape each file's header must declare (all four hold unsigned bytes)."""

IMAGE_MAGIC: Final = 2051
"""IDX magic number of the image files: unsigned bytes, 3 dimensions."""
LABEL_MAGIC: Final = 2049
"""IDX magic number of the label files: unsigned bytes, 1 dimension."""

MNIST_MIRRORS: Final[tuple[str, ...]] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
"""Base URLs tried in order; each serves the four ``.gz`` files under their usual names."""

_NPY_FORMAT: Final = 2
"""Format of the cache's manifests (1, a single ``manifest.json`` for the four arrays,
is no longer read: concurrent loads lost its entries)."""
_MAX_MANIFEST_BYTES: Final = 64 * 2**10
_HASH_CHUNK: Final = 4 * 2**20

_ARRAY_SHA256: Final[Mapping[str, str]] = MappingProxyType(
    {
        "train_img": "9392cab3716c75b3afe192ead12906889a291a8726cd5461da63dc6e5d2dcf48",
        "train_label": "d8f0ea535e00440a80b92872138bf2e997be6d4c71a39f51f3d361837ebb02c2",
        "test_img": "b738281273dec1446d210f8428208aecfbddf560f32156c95e9f1dc0d27c4795",
        "test_label": "a762eedf8ad8b912aeb6664176b7d1e572c873c581c57ccaf9a3882dbe881035",
    }
)
"""Content hash (see :func:`_digests`) of each original array, as parsed from the verified
files: a cached array must have it, so that neither a damaged ``.npy`` file nor an edited
manifest can change what :func:`load_mnist` returns."""


def _raw_name(key: str) -> str:
    return MNIST_FILES[key].removesuffix(".gz")


def _file_names_text() -> str:
    return ", ".join(MNIST_FILES.values())


def _supply_hint() -> str:
    return (
        f"To use local copies, put the four files ({_file_names_text()}; gzip-compressed or "
        f"not) in one folder and set the environment variable {ENV_DATA_DIR} to it, or pass "
        "data_dir=FOLDER to load_mnist (CLI: --data-dir FOLDER)."
    )


# --------------------------------------------------------------------------- locations


def cache_root(cache_dir: PathLike | None = None) -> Path:
    """dlscratch's cache root: downloads go to ``<root>/mnist``, arrays to ``<root>/mnist-npy``.

    Args:
        cache_dir: use this folder; else ``$DLSCRATCH_CACHE_DIR`` if set and non-empty;
            else ``platformdirs.user_cache_dir("dlscratch")`` (e.g. ``~/.cache/dlscratch``).

    Returns:
        The folder (not created).
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_CACHE_DIR, "")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("dlscratch"))


def _resolve(data_dir: PathLike | None, cache_dir: PathLike | None) -> tuple[Path, DataSource]:
    if data_dir is not None:
        return Path(data_dir).expanduser(), "argument"
    env = os.environ.get(ENV_DATA_DIR, "")
    if env:
        return Path(env).expanduser(), "DLSCRATCH_DATA_DIR"
    return cache_root(cache_dir) / "mnist", "cache"


def resolve_data_dir(
    data_dir: PathLike | None = None, *, cache_dir: PathLike | None = None
) -> Path:
    """The folder MNIST is read from: ``data_dir``, else ``$DLSCRATCH_DATA_DIR``, else the cache.

    Args:
        data_dir: a folder given by the caller (wins over everything).
        cache_dir: cache root to use instead of the default (see :func:`cache_root`).

    Returns:
        The folder; it may not exist. :func:`mnist_info` also says which rule chose it.
    """
    return _resolve(data_dir, cache_dir)[0]


def _locate(folder: Path) -> dict[str, Path | None]:
    """Each key -> the ``.gz`` file if present, else the uncompressed one, else None."""
    found: dict[str, Path | None] = {}
    for key, name in MNIST_FILES.items():
        found[key] = None
        for candidate in (folder / name, folder / _raw_name(key)):
            if candidate.is_file():
                found[key] = candidate
                break
    return found


def _missing_error(folder: Path, source: DataSource, missing: Sequence[str]) -> DataNotFoundError:
    names = ", ".join(f"{MNIST_FILES[k]} (or {_raw_name(k)})" for k in missing)
    origin = {
        "argument": "the data_dir argument",
        "DLSCRATCH_DATA_DIR": f"the environment variable {ENV_DATA_DIR}",
        "cache": "the cache",
    }[source]
    if folder.is_dir():
        state = ""
    elif folder.exists():
        state = " (it is not a folder)"
    else:
        state = " (the folder does not exist)"
    return DataNotFoundError(
        f"MNIST files missing in {folder}{state}, the folder named by {origin}: {names}. "
        f"Nothing is downloaded into a folder you name; copy the files there, or unset "
        f"{ENV_DATA_DIR} and omit data_dir / --data-dir to download them into the cache. "
        + _supply_hint()
    )


# --------------------------------------------------------------------------- verification


def _read_decompressed(path: Path, limit: int, fix: str) -> bytes:
    """The file's bytes, gunzipped if gzip; at most ``limit`` bytes are decompressed."""
    with path.open("rb") as f:
        raw = f.read(limit)
        if raw[:2] != GZIP_MAGIC:
            return raw  # uncompressed: at most `limit` bytes are read
        raw += f.read()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            return stream.read(limit)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"MNIST file {path} is a corrupt or truncated gzip stream "
            f"({type(exc).__name__}: {exc}); expected a gzip-compressed IDX file. {fix}"
        ) from exc


def _fix_hint(path: Path, source: DataSource | None) -> str:
    if source == "cache":
        return (
            f"Delete {path} so that it is downloaded again, or set {ENV_DATA_DIR} (or pass "
            "data_dir / --data-dir) to a folder holding good copies."
        )
    return (
        f"Replace {path} with a good copy of the original MNIST file (or delete it and "
        "download it again), or point data_dir / --data-dir / "
        f"{ENV_DATA_DIR} at a folder holding good copies."
    )


def _verify(path: Path, key: str, source: DataSource | None) -> NDArray[np.uint8]:
    fix = _fix_hint(path, source)
    shape = MNIST_SHAPES[key]
    magic = IMAGE_MAGIC if len(shape) == 3 else LABEL_MAGIC
    size = 4 + 4 * len(shape) + prod(shape)
    # Read one byte past the expected size so that trailing data is detected without
    # inflating an arbitrarily large (or malicious) gzip stream.
    data = _read_decompressed(path, size + 1, fix)
    what = f"MNIST file {path} ({key})"
    try:
        header = parse_idx_header(data, name=str(path))
    except DataError as exc:
        raise DataError(f"{exc} {fix}") from exc
    if header.magic != magic or header.shape != shape:
        raise DataError(
            f"{what} has IDX magic number {header.magic} and shape {header.shape}; expected "
            f"magic {magic} (unsigned bytes) and shape {shape}. It is not the right file "
            f"(or is corrupt). {fix}"
        )
    if len(data) > size:
        raise DataError(
            f"{what} has more than the {size} bytes its header declares (trailing data "
            f"after the {prod(shape)}-byte payload). {fix}"
        )
    try:
        array = read_idx(data, name=str(path))
    except DataError as exc:
        raise DataError(f"{exc} {fix}") from exc
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if digest != MNIST_MD5[key]:
        raise DataError(
            f"{what} has a valid IDX header but its decompressed content has MD5 {digest}; "
            f"expected {MNIST_MD5[key]} (the original MNIST file). The file is corrupt or "
            f"modified. {fix}"
        )
    return array


def read_mnist_file(path: PathLike, key: str) -> NDArray[np.uint8]:
    """Read and fully verify one MNIST file.

    Args:
        path: the file, gzip-compressed or not.
        key: which file it must be: ``"train_img"``, ``"train_label"``, ``"test_img"`` or
            ``"test_label"`` (the keys of :data:`MNIST_FILES`).

    Returns:
        uint8 array, ``(N, 28, 28)`` for images, ``(N,)`` for labels (N = 60000 train,
        10000 test); writable and owned by the caller.

    Raises:
        KeyError: unknown ``key``.
        FileNotFoundError: ``path`` does not exist.
        DataError: corrupt gzip; IDX magic number other than 2051 (images) / 2049
            (labels); counts or image size other than :data:`MNIST_SHAPES`; truncated
            payload or trailing bytes; or decompressed content whose MD5 differs from
            :data:`MNIST_MD5`. The message names the file, what was expected and found,
            and how to fix it.
    """
    if key not in MNIST_FILES:
        raise KeyError(f"unknown MNIST file key {key!r}; expected one of {list(MNIST_FILES)}")
    return _verify(Path(path), key, None)


# --------------------------------------------------------------------------- download


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Hide pooch's INFO log (with known_hash=None it tells users to pin a SHA256)."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


_Verified: TypeAlias = dict[str, tuple[os.stat_result, NDArray[np.uint8]]]


def _download(folder: Path, keys: Sequence[str], mirrors: Sequence[str]) -> _Verified:
    """Fetch each missing file from the first mirror that serves a verified copy.

    Returns the verified arrays with the file's stat at verification, so that the caller
    need not decompress and hash them a second time.
    """
    verified: _Verified = {}
    failures: dict[str, list[str]] = {}
    for key in keys:
        name = MNIST_FILES[key]
        errors: list[str] = []
        for mirror in mirrors:
            url = mirror + name
            try:
                with _quiet_pooch():
                    fetched = Path(
                        pooch.retrieve(
                            url, known_hash=None, fname=name, path=folder, progressbar=True
                        )
                    )
            except (OSError, ValueError) as exc:  # requests' errors are OSErrors
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            try:
                st = fetched.stat()
                verified[key] = (st, _verify(fetched, key, "cache"))
            except DataError as exc:
                fetched.unlink(missing_ok=True)
                errors.append(f"{url}: the downloaded file failed verification: {exc}")
                continue
            break
        else:
            failures[key] = errors
    if failures:
        details = "\n".join(
            f"  {MNIST_FILES[k]}:\n" + "\n".join(f"    {e}" for e in errs)
            for k, errs in failures.items()
        )
        raise DataNotFoundError(
            f"Could not download MNIST into {folder}. Mirrors tried, in order: "
            f"{', '.join(mirrors)}.\n{details}\nIf this machine is offline or the mirrors "
            f"refuse, get the files elsewhere. {_supply_hint()} Or copy them into {folder}."
        )
    return verified


def download_mnist(
    *, cache_dir: PathLike | None = None, mirrors: Sequence[str] = MNIST_MIRRORS
) -> Path:
    """Download the MNIST files missing from the cache folder, verifying each one.

    Files already present are left alone (:func:`load_mnist` verifies them).

    Args:
        cache_dir: cache root (see :func:`cache_root`); files go to ``<root>/mnist``.
        mirrors: base URLs tried in order for each file.

    Returns:
        The folder holding the four files.

    Raises:
        DataNotFoundError: a file could not be fetched from any mirror (or every copy
            failed verification); the message lists each mirror tried and its error, and
            how to supply the files by hand.
    """
    folder = cache_root(cache_dir) / "mnist"
    missing = [k for k, p in _locate(folder).items() if p is None]
    if missing:
        _download(folder, missing, mirrors)
    return folder


# --------------------------------------------------------------------------- npy cache


class MnistCacheWarning(UserWarning):
    """The parsed-array cache of MNIST was damaged; it was ignored and rebuilt.

    :func:`load_mnist` issues it (the library never prints); the message names the
    cache file, what is wrong with it, and the verified source file the arrays were
    rebuilt from. The arrays returned are correct either way.
    """


def _cache_enabled(cache: bool | None) -> bool:
    if cache is not None:
        return cache
    flag = os.environ.get(ENV_NO_CACHE, "").strip().lower()
    return flag in ("", "0", "false", "no", "off")


def _npy_dir(folder: Path, cache_dir: PathLike | None) -> Path:
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return cache_root(cache_dir) / "mnist-npy" / key


def _stamp(st: os.stat_result) -> dict[str, int]:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}


def _digests(arrays: Sequence[NDArray[np.uint8]]) -> list[str]:
    """Content hash of each array: SHA-256 over the SHA-256 digests of its 4 MiB chunks.

    Hashing chunks lets threads share the work (hashlib releases the GIL), which halves
    the cost of checking the 55 MB of MNIST on two cores (about 18 ms instead of 33 ms);
    the result does not depend on the number of threads.
    """
    views = [np.ascontiguousarray(a).reshape(-1).data.cast("B") for a in arrays]
    owners = [n for n, v in enumerate(views) for _ in range(0, len(v), _HASH_CHUNK)]
    chunks = [v[i : i + _HASH_CHUNK] for v in views for i in range(0, len(v), _HASH_CHUNK)]

    def sha256(chunk: memoryview) -> bytes:
        return hashlib.sha256(chunk).digest()

    workers = min(len(chunks), os.cpu_count() or 1, 8)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            digests = list(pool.map(sha256, chunks))
    else:
        digests = [sha256(c) for c in chunks]
    totals = [hashlib.sha256() for _ in views]
    for owner, digest in zip(owners, digests, strict=True):
        totals[owner].update(digest)
    return [t.hexdigest() for t in totals]


def _manifest_path(npy_dir: Path, key: str) -> Path:
    return npy_dir / f"{key}.json"


def _new_entry(key: str, path: Path, st: os.stat_result, digest: str) -> dict[str, Any]:
    return {
        "format": _NPY_FORMAT,
        "key": key,
        "source": str(path.resolve()),
        "source_stat": _stamp(st),
        "md5": MNIST_MD5[key],
        "sha256": digest,
    }


def _read_entry(npy_dir: Path, key: str) -> tuple[dict[str, Any] | None, str | None]:
    """The manifest of one cached array: ``(entry, None)``; ``(None, None)`` if there is
    none; ``(None, why)`` if it is damaged (unreadable, too big, too deep, not ours)."""
    try:
        with _manifest_path(npy_dir, key).open("rb") as f:
            raw = f.read(_MAX_MANIFEST_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):  # no cache (or no cache folder) yet
        return None, None
    except OSError as exc:
        return None, f"cannot be read ({type(exc).__name__}: {exc})"
    if len(raw) > _MAX_MANIFEST_BYTES:
        return None, f"is larger than {_MAX_MANIFEST_BYTES} bytes"
    try:
        entry = json.loads(raw)
    except RecursionError:
        return None, "nests too deeply to be read"
    except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError, huge integers
        return None, f"is not valid JSON ({exc})"
    if not isinstance(entry, dict) or entry.get("format") != _NPY_FORMAT:
        return None, f"is not a format-{_NPY_FORMAT} manifest of the MNIST cache"
    if entry.get("key") != key or entry.get("md5") != MNIST_MD5[key]:
        return None, f"does not describe the original MNIST {key}"
    if entry.get("sha256") != _ARRAY_SHA256[key]:
        return None, f"records a SHA-256 other than that of the original MNIST {key}"
    return entry, None


def _read_npy(path: Path, key: str) -> tuple[NDArray[np.uint8] | None, str | None]:
    """A cached array, or ``(None, why)``. Its header is checked before anything is
    allocated, so a damaged file cannot make us allocate more than MNIST's size."""
    shape = MNIST_SHAPES[key]
    try:
        with path.open("rb") as f:
            version = npformat.read_magic(f)
            if version == (1, 0):
                header = npformat.read_array_header_1_0(f)
            else:
                header = npformat.read_array_header_2_0(f)
            if header != (shape, False, np.dtype(np.uint8)):
                return None, f"holds {header[0]} {header[2]}; expected {shape} uint8"
            array = np.empty(shape, dtype=np.uint8)
            got = f.readinto(array.reshape(-1).data)
            if got != array.nbytes:
                return None, f"is truncated: {got} bytes of data; expected {array.nbytes}"
            if f.read(1):
                return None, f"has data after the {array.nbytes} bytes its header declares"
    except FileNotFoundError:
        return None, "is missing"
    except (OSError, ValueError) as exc:  # ValueError: not an .npy file, bad header
        return None, f"cannot be read as an .npy file ({type(exc).__name__}: {exc})"
    return array, None


def _try_write(target: Path, write: Callable[[BinaryIO], object]) -> bool:
    """:func:`dlscratch.files.atomic_write`, returning False on any OSError: the cache is
    an optimisation, and an unwritable cache folder is skipped silently."""
    try:
        atomic_write(target, write)
    except OSError:
        return False
    return True


def _save_npy(npy_dir: Path, key: str, array: NDArray[np.uint8]) -> bool:
    target = npy_dir / f"{key}.npy"
    return _try_write(target, lambda f: np.save(f, array, allow_pickle=False))


def _save_cached(
    npy_dir: Path, key: str, array: NDArray[np.uint8], path: Path, st: os.stat_result
) -> None:
    """Write the array, then its manifest (each atomically; any failure is skipped).

    Processes that load MNIST at once all write the same bytes here (the same verified
    array, the same source and stamp, a hash of the content rather than the stat of
    the file written), so whichever rename comes last leaves a consistent pair: no
    lock is needed, and no entry can be lost.
    """
    if not _save_npy(npy_dir, key, array):
        return
    text = json.dumps(_new_entry(key, path, st, _digests([array])[0]), indent=1)
    _try_write(_manifest_path(npy_dir, key), lambda f: f.write(text.encode("utf-8")))


def _probe_cache(
    npy_dir: Path, key: str, path: Path, st: os.stat_result
) -> tuple[NDArray[np.uint8] | None, str | None]:
    """The cached array for ``path`` (content not yet hashed), or ``(None, why)``:
    ``why`` is None when there is nothing to use and nothing wrong (no cache yet, or a
    cache made from another version of the source file), else what is damaged."""
    entry, problem = _read_entry(npy_dir, key)
    if entry is None:
        return None, problem and f"{_manifest_path(npy_dir, key)} {problem}"
    if entry.get("source") != str(path.resolve()) or entry.get("source_stat") != _stamp(st):
        return None, None  # the source file was replaced or changed: not an error
    npy = npy_dir / f"{key}.npy"
    array, problem = _read_npy(npy, key)
    return array, problem and f"{npy} {problem}"


def _load_verified(
    paths: Mapping[str, Path],
    source: DataSource,
    npy_dir: Path | None,
    preverified: _Verified | None = None,
) -> tuple[dict[str, NDArray[np.uint8]], list[str]]:
    """The four verified arrays (from the cache where it is intact), and a sentence for
    each damaged cache file that was ignored and rebuilt."""
    stats = {key: path.stat() for key, path in paths.items()}  # before reading anything
    arrays: dict[str, NDArray[np.uint8]] = {}
    problems: dict[str, str] = {}
    if npy_dir is not None:
        for key, path in paths.items():
            cached, problem = _probe_cache(npy_dir, key, path, stats[key])
            if cached is not None:
                arrays[key] = cached
            elif problem is not None:
                problems[key] = problem
        hashed = list(arrays)
        for key, digest in zip(hashed, _digests([arrays[k] for k in hashed]), strict=True):
            if digest != _ARRAY_SHA256[key]:
                problems[key] = (
                    f"{npy_dir / f'{key}.npy'} does not match its SHA-256 (it was changed "
                    "after it was written)"
                )
                del arrays[key]
    for key, path in paths.items():
        if key in arrays:
            continue
        st = stats[key]
        fresh = (preverified or {}).get(key)
        if fresh is not None and _stamp(fresh[0]) == _stamp(st):
            arrays[key] = fresh[1]
        else:
            arrays[key] = _verify(path, key, source)
        if npy_dir is not None:
            _save_cached(npy_dir, key, arrays[key], path, st)
    notes = [
        f"MNIST cache: {why}; it was ignored and rebuilt from the verified file {paths[key]}"
        for key, why in problems.items()
    ]
    return {key: arrays[key] for key in MNIST_FILES}, notes


# --------------------------------------------------------------------------- load


def _convert(
    images: NDArray[np.uint8],
    labels: NDArray[np.uint8],
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
) -> tuple[NDArray[Any], NDArray[Any]]:
    n = images.shape[0]
    x: NDArray[Any] = images.reshape(n, 784) if flatten else images.reshape(n, 1, 28, 28)
    if normalize:
        x = x.astype(np.float32)
        x /= np.float32(255.0)
    t: NDArray[Any] = np.eye(10, dtype=np.float32)[labels] if one_hot_label else labels
    return x, t


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    data_dir: PathLike | None = None,
    *,
    cache: bool | None = None,
    cache_dir: PathLike | None = None,
    download: bool = True,
) -> tuple[tuple[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]:
    """Load MNIST as ``(x_train, t_train), (x_test, t_test)``, like the book's ``load_mnist``.

    Args:
        normalize: scale pixels to float32 ``pixel / 255`` in [0, 1]; else keep uint8 0-255.
        flatten: images as ``(N, 784)`` rows; else ``(N, 1, 28, 28)`` (one channel).
        one_hot_label: labels as float32 ``(N, 10)`` one-hot rows (1.0 at the digit,
            0.0 elsewhere; the book uses float64 here); else uint8 ``(N,)`` digits 0-9.
        data_dir: folder holding the four files (gzip or uncompressed); default
            ``$DLSCRATCH_DATA_DIR``, else the cache folder ``<cache root>/mnist``.
        cache: store/reuse the verified arrays as ``.npy`` files in
            ``<cache root>/mnist-npy``; ``None`` (default) means yes unless
            ``$DLSCRATCH_NO_CACHE`` is set to ``1``/``true``/``yes``.
        cache_dir: cache root instead of ``$DLSCRATCH_CACHE_DIR`` /
            ``platformdirs.user_cache_dir("dlscratch")``.
        download: when the cache folder lacks files, download them (default); if False,
            raise DataNotFoundError instead. Folders you name are never downloaded into.

    Returns:
        ``(x_train, t_train), (x_test, t_test)`` with N = 60000 (train) and 10000 (test):
        ``x`` is ``(N, 784)`` or ``(N, 1, 28, 28)``, float32 or uint8; ``t`` is uint8
        ``(N,)`` or float32 ``(N, 10)``. Every array is freshly allocated and writable:
        changing it changes no later result.

    Raises:
        DataNotFoundError: files missing in the folder given by ``data_dir`` /
            ``$DLSCRATCH_DATA_DIR`` (the message names the folder and the files), or the
            download into the cache failed on every mirror.
        DataError: a file is corrupt, truncated, has a wrong header or count, or its
            decompressed MD5 differs from :data:`MNIST_MD5` (files are checked in the
            order of :data:`MNIST_FILES`; the message names the file and the fix).

    Warns:
        MnistCacheWarning: a cached array or its manifest was damaged (content changed,
            unreadable, not ours); it was ignored and rebuilt from the verified source
            file. The message names both files and what was wrong.

    Source: book ch. 3.6.1, ``dataset/mnist.py`` (``load_mnist``).
    """
    folder, source = _resolve(data_dir, cache_dir)
    paths = _locate(folder)
    missing = [k for k, p in paths.items() if p is None]
    preverified: _Verified = {}
    if missing:
        if source != "cache" or not download:
            raise _missing_error(folder, source, missing)
        preverified = _download(folder, missing, MNIST_MIRRORS)
        paths = _locate(folder)
        missing = [k for k, p in paths.items() if p is None]
        if missing:  # pragma: no cover - a download that "succeeded" left no file
            raise _missing_error(folder, source, missing)
    found = {k: p for k, p in paths.items() if p is not None}
    npy_dir = _npy_dir(folder, cache_dir) if _cache_enabled(cache) else None
    raw, notes = _load_verified(found, source, npy_dir, preverified)
    for note in notes:
        warnings.warn(note, MnistCacheWarning, stacklevel=2)
    train = _convert(raw["train_img"], raw["train_label"], normalize, flatten, one_hot_label)
    test = _convert(raw["test_img"], raw["test_label"], normalize, flatten, one_hot_label)
    return train, test


# --------------------------------------------------------------------------- info


@dataclass(frozen=True)
class MnistFileInfo:
    """State of one MNIST file, as reported by :func:`mnist_info`.

    Attributes:
        key: book key (``"train_img"`` ...).
        path: the file found (``.gz`` preferred), or the expected ``.gz`` path if absent.
        present: whether a file (compressed or not) exists.
        verified: whether header, size and decompressed MD5 are all correct.
        records: count declared in its IDX header, or None if absent/unreadable.
        error: why it is not verified (None if verified).
        cache: state of its parsed array in the ``.npy`` cache: ``"valid"`` (its content
            hash matches the original's; the next load reads it), ``"none"`` (nothing
            cached for this file, or a cache made from another copy of it: the next
            load builds it) or ``"damaged"`` (the next load ignores it, rebuilds it
            and warns).
        cache_error: what is damaged (None unless ``cache == "damaged"``).
    """

    key: str
    path: Path
    present: bool
    verified: bool
    records: int | None
    error: str | None
    cache: Literal["valid", "none", "damaged"] = "none"
    cache_error: str | None = None


@dataclass(frozen=True)
class MnistInfo:
    """Where MNIST is read from and the state of its four files (see :func:`mnist_info`).

    Attributes:
        data_dir: the resolved folder.
        source: which rule chose it: ``"argument"``, ``"DLSCRATCH_DATA_DIR"`` or ``"cache"``.
        files: one :class:`MnistFileInfo` per file, in :data:`MNIST_FILES` order.
    """

    data_dir: Path
    source: DataSource
    files: tuple[MnistFileInfo, ...]

    @property
    def ok(self) -> bool:
        """True when all four files are present and verified."""
        return all(f.verified for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (paths as strings)."""
        d = asdict(self)
        d["data_dir"] = str(self.data_dir)
        for f in d["files"]:
            f["path"] = str(f["path"])
        d["ok"] = self.ok
        return d


def _header_records(path: Path) -> int | None:
    """Record count from the IDX header (first 16 decompressed bytes), or None."""
    try:
        with path.open("rb") as f:
            gzipped = f.read(2) == GZIP_MAGIC
            f.seek(0)
            if gzipped:
                with gzip.GzipFile(fileobj=f) as stream:
                    head = stream.read(16)
            else:
                head = f.read(16)
        return parse_idx_header(head).shape[0]
    except (OSError, EOFError, zlib.error, DataError):
        return None


def _cache_state(
    npy_dir: Path | None, key: str, path: Path, st: os.stat_result
) -> tuple[Literal["valid", "none", "damaged"], str | None]:
    if npy_dir is None:
        return "none", None
    array, problem = _probe_cache(npy_dir, key, path, st)
    if array is None:
        return ("none", None) if problem is None else ("damaged", problem)
    if _digests([array])[0] != _ARRAY_SHA256[key]:
        return "damaged", f"{npy_dir / f'{key}.npy'} does not match its SHA-256"
    return "valid", None


def mnist_info(data_dir: PathLike | None = None, *, cache_dir: PathLike | None = None) -> MnistInfo:
    """Describe the MNIST folder and verify its files, without downloading anything.

    Args:
        data_dir: as for :func:`load_mnist` (then ``$DLSCRATCH_DATA_DIR``, then the cache).
        cache_dir: cache root instead of the default (see :func:`cache_root`).

    Returns:
        :class:`MnistInfo`: the folder, where it came from, and per file its path,
        presence, verification, record count and the state of its cached array (whose
        content is hashed). A file whose cached array is valid and was made from it as
        it is now (same path, size, mtime and inode) is not re-read: it was verified
        when the cache was built.

    Raises:
        Nothing for missing or corrupt files, or a damaged cache (they are reported in
        the result).
    """
    folder, source = _resolve(data_dir, cache_dir)
    paths = _locate(folder)
    npy_dir: Path | None = None
    with contextlib.suppress(OSError):
        npy_dir = _npy_dir(folder, cache_dir)
    files: list[MnistFileInfo] = []
    for key, found in paths.items():
        if found is None:
            files.append(
                MnistFileInfo(key, folder / MNIST_FILES[key], False, False, None, "missing")
            )
            continue
        error: str | None = None
        cache: Literal["valid", "none", "damaged"] = "none"
        cache_error: str | None = None
        try:
            cache, cache_error = _cache_state(npy_dir, key, found, found.stat())
            if cache != "valid":
                _verify(found, key, source)
        except (OSError, DataError) as exc:
            error = str(exc)
        files.append(
            MnistFileInfo(
                key, found, True, error is None, _header_records(found), error, cache, cache_error
            )
        )
    return MnistInfo(data_dir=folder, source=source, files=tuple(files))
