"""Model files: our ``.npz`` format, and safe reading of the book's pickled weights.

Our format is a NumPy ``.npz`` archive read with ``allow_pickle=False``: one array per
parameter (``params/W1``...), one per non-trained state array (``buffers/...``, e.g.
batch-norm running means), and ``__meta__``, a JSON string naming the architecture, its
constructor arguments, the package version and anything the trainer adds. Files are
written atomically (:func:`dlscratch.files.atomic_write`, re-exported here): to a
temporary file in the same folder, then renamed over the target, so a crash never leaves
a half-written model.

The book's code saves weights with :mod:`pickle`, and ``pickle.load`` runs whatever code
a file names. :func:`load_book_params` reads such files with an unpickler that admits
only the three globals NumPy arrays need and refuses everything else before it runs.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from dlscratch import __version__
from dlscratch.errors import ModelFileError, UnsafePickleError
from dlscratch.files import atomic_write

if TYPE_CHECKING:
    from dlscratch.networks import Network

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelFile",
    "atomic_write",
    "load_book_params",
    "load_model",
    "load_network",
    "read_model_file",
    "save_model",
    "unpickle_arrays",
    "write_model_file",
]

FORMAT_NAME = "dlscratch-model"
FORMAT_VERSION = 1


def _numpy_global(name: str, *modules: str) -> Callable[[], Any]:
    """Look ``name`` up in the first importable module (NumPy 2 renamed numpy.core to
    numpy._core and warns on the old name, so the new one is tried first)."""

    def get() -> Any:
        for module in modules:
            try:
                return getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
        raise UnsafePickleError(f"this NumPy has no {name} in {', '.join(modules)}")

    return get


_reconstruct = _numpy_global("_reconstruct", "numpy._core.multiarray", "numpy.core.multiarray")
_scalar = _numpy_global("scalar", "numpy._core.multiarray", "numpy.core.multiarray")
# Protocol-5 pickles of arrays rebuild them from a bytes buffer.
_frombuffer = _numpy_global("_frombuffer", "numpy._core.numeric", "numpy.core.numeric")


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    # Protocol-2 pickles spell bytes as _codecs.encode(text, 'latin1'); allow only that.
    if not isinstance(text, str) or encoding != "latin1":
        raise UnsafePickleError("refused: _codecs.encode with unexpected arguments")
    return text.encode("latin1")


# (module, name) as written in a pickle -> the object it may resolve to. Nothing else.
_ALLOWED_GLOBALS: dict[tuple[str, str], Callable[[], Any]] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("collections", "OrderedDict"): lambda: dict,
    ("_codecs", "encode"): lambda: _latin1_bytes,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise UnsafePickleError(
                f"{self._source}: refused to load: the pickle asks for '{module}.{name}', "
                "but only NumPy arrays in dicts, lists and tuples are allowed. Nothing "
                "from the file was run. If you trust the file, convert it yourself; "
                "otherwise delete it."
            )
        found = factory()
        if isinstance(found, type):
            return found  # ndarray, dtype, dict: built-in types refuse setattr
        # A fresh wrapper per call: pickle's BUILD opcode may setattr on what we return,
        # and must never reach NumPy's (or our) module-level functions.
        return lambda *args: found(*args)


def unpickle_arrays(file: IO[bytes], source: str = "") -> Any:
    """Unpickle ``file`` admitting only NumPy arrays in dicts, lists and tuples.

    Any other global the pickle names is refused before anything runs (the reason
    :func:`pickle.load` must never see an untrusted file). Used by
    :func:`load_book_params` and :mod:`dlscratch.safe_pickle`.

    Args:
        file: a binary file open for reading.
        source: the file's name, for error messages (default: ``file.name``).

    Returns:
        What the pickle holds: arrays, dicts, lists, tuples, strings, numbers.

    Raises:
        UnsafePickleError: the pickle names anything else.
        pickle.UnpicklingError, EOFError...: a damaged file, as :func:`pickle.load`.
    """
    return _ArrayOnlyUnpickler(file, source or str(getattr(file, "name", "<pickle>"))).load()


def load_book_params(path: str | os.PathLike[str]) -> dict[str, NDArray[Any]]:
    """Read a pickled dict of NumPy arrays, as the book's code writes, without running code.

    Used for ``sample_weight.pkl`` (book 3.6.2) and the ConvNet ``params.pkl`` files
    (ch. 7-8). The unpickler admits only NumPy's array and dtype reconstructors (and
    plain dicts, lists, tuples, strings and numbers); any other global is refused
    before anything runs. Fortran-ordered arrays (``sample_weight.pkl`` stores its
    weight matrices that way) are returned C-contiguous, so matmuls read them fast.

    Args:
        path: the ``.pkl`` file.

    Returns:
        ``{name: array}``, each array C-contiguous in the file's dtype (float32 for
        ``sample_weight.pkl``, float64 for the ConvNet files).

    Raises:
        UnsafePickleError: the pickle names anything else, or holds object arrays.
        ModelFileError: the file is missing, truncated, not a pickle, or not a dict of
            arrays.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            obj = unpickle_arrays(fh, str(p))
    except UnsafePickleError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{p}: is a folder, not a weight file") from None
    except (
        pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, OSError,
        MemoryError, OverflowError, RecursionError,
    ) as e:  # fmt: skip
        raise ModelFileError(
            f"{p}: not a readable pickle of NumPy arrays ({type(e).__name__}: {e}); "
            "the file may be truncated or of another kind"
        ) from None
    if not isinstance(obj, dict):
        raise ModelFileError(
            f"{p}: expected a pickled dict of arrays (as the book's code saves), "
            f"got a {type(obj).__name__}"
        )
    params: dict[str, NDArray[Any]] = {}
    for key, value in obj.items():
        if not isinstance(value, np.ndarray):
            raise ModelFileError(
                f"{p}: entry {key!r} should be a NumPy array, got {type(value).__name__}"
            )
        if value.dtype.hasobject:
            raise UnsafePickleError(f"{p}: entry {key!r} is an object array; refused")
        params[str(key)] = np.ascontiguousarray(value)
    return params


class ModelFile:
    """The content of a model file: metadata plus named arrays.

    Attributes:
        meta: the JSON metadata (``architecture``, ``config``, ``dlscratch_version``,
            ``format``, ``format_version`` and optional extras such as ``training``).
        params: trained parameters, e.g. ``{'W1': ..., 'b1': ...}``.
        buffers: other state arrays (e.g. batch-norm running means), possibly empty.
        extra_arrays: anything else stored (checkpoints keep optimizer state here).
    """

    def __init__(
        self,
        meta: dict[str, Any],
        params: dict[str, NDArray[Any]],
        buffers: dict[str, NDArray[Any]] | None = None,
        extra_arrays: dict[str, NDArray[Any]] | None = None,
    ) -> None:
        self.meta = meta
        self.params = params
        self.buffers = buffers or {}
        self.extra_arrays = extra_arrays or {}

    @property
    def architecture(self) -> str:
        """The network's class name, e.g. ``'TwoLayerNet'``."""
        return str(self.meta["architecture"])

    @property
    def config(self) -> dict[str, Any]:
        """The constructor arguments stored with the model (a copy)."""
        return dict(self.meta.get("config", {}))


def write_model_file(
    path: str | os.PathLike[str],
    architecture: str,
    config: Mapping[str, Any],
    params: Mapping[str, NDArray[Any]],
    buffers: Mapping[str, NDArray[Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
    extra_arrays: Mapping[str, NDArray[Any]] | None = None,
    add_suffix: bool = True,
) -> Path:
    """Save arrays and metadata as an ``.npz`` model file, atomically.

    Args:
        path: target file; ``.npz`` is appended if missing (as ``np.savez`` would),
            unless ``add_suffix`` is False.
        architecture: network class name, e.g. ``'TwoLayerNet'``.
        config: JSON-serialisable constructor arguments.
        params: trained parameters.
        buffers: other state arrays.
        extra: more JSON-serialisable metadata (training summary...).
        extra_arrays: more arrays, stored under ``extra/``.
        add_suffix: append ``.npz`` to a name without it.

    Returns:
        The path written.

    Raises:
        TypeError: ``config`` or ``extra`` is not JSON-serialisable.
    """
    target = Path(path)
    if add_suffix and target.suffix != ".npz":
        target = target.with_name(target.name + ".npz")
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "architecture": architecture,
        "config": dict(config),
        "dlscratch_version": __version__,
        **(dict(extra) if extra else {}),
    }
    arrays: dict[str, Any] = {"__meta__": np.array(json.dumps(meta))}
    arrays.update({f"params/{k}": np.asarray(v) for k, v in params.items()})
    arrays.update({f"buffers/{k}": np.asarray(v) for k, v in (buffers or {}).items()})
    arrays.update({f"extra/{k}": np.asarray(v) for k, v in (extra_arrays or {}).items()})
    atomic_write(target, lambda fh: np.savez(fh, **arrays))
    return target


def read_model_file(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file written by :func:`write_model_file` (never unpickles).

    Args:
        path: the ``.npz`` file.

    Returns:
        A :class:`ModelFile` with the metadata and the arrays in their stored dtypes.

    Raises:
        ModelFileError: missing file, not an npz, no or bad metadata, or a format
            version newer than this dlscratch understands.
    """
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: no such model file")
    try:
        with np.load(p, allow_pickle=False) as data:
            files = {name: data[name] for name in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise ModelFileError(
            f"{p}: not a dlscratch model file (.npz): {type(e).__name__}: {e}"
        ) from None
    if "__meta__" not in files:
        raise ModelFileError(
            f"{p}: no '__meta__' entry; this .npz was not written by dlscratch "
            "(for the book's .pkl weights use `dlscratch convert`)"
        )
    try:
        meta = json.loads(str(files.pop("__meta__")))
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{p}: metadata is not valid JSON: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{p}: metadata does not describe a {FORMAT_NAME} file")
    version = meta.get("format_version", 0)
    if not isinstance(version, int):
        raise ModelFileError(f"{p}: format_version should be an integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{p}: format version {meta.get('format_version')} is newer than this "
            f"dlscratch ({__version__}) reads (<= {FORMAT_VERSION}); upgrade dlscratch"
        )
    if "architecture" not in meta:
        raise ModelFileError(f"{p}: metadata names no architecture")
    params = {k.removeprefix("params/"): v for k, v in files.items() if k.startswith("params/")}
    buffers = {k.removeprefix("buffers/"): v for k, v in files.items() if k.startswith("buffers/")}
    extra = {k.removeprefix("extra/"): v for k, v in files.items() if k.startswith("extra/")}
    return ModelFile(meta, params, buffers, extra)


def save_model(
    network: Network, path: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> Path:
    """Save a network (architecture, config, parameters, buffers) as an ``.npz`` file.

    Atomic (see :func:`atomic_write`). ``extra`` adds JSON metadata, e.g. a training
    summary. Returns the path written (``.npz`` appended if missing).
    """
    return write_model_file(
        path,
        network.architecture,
        network.get_config(),
        network.params,
        network.buffers(),
        {"dtype": str(network.dtype), **(dict(extra) if extra else {})},
    )


def load_model(path: str | os.PathLike[str], dtype: DTypeLike | None = None) -> Network:
    """Rebuild a network saved by :func:`save_model` (or a trainer's checkpoint).

    Args:
        path: the ``.npz`` file.
        dtype: convert to this dtype; ``None`` keeps the stored one.

    Raises:
        ModelFileError: unreadable file, unknown architecture, or parameters that do
            not fit the stored configuration.
    """
    from dlscratch.networks import NETWORKS

    mf = read_model_file(path)
    cls = NETWORKS.get(mf.architecture)
    if cls is None:
        raise ModelFileError(
            f"{path}: unknown architecture {mf.architecture!r}; this dlscratch knows "
            f"{sorted(NETWORKS)}"
        )
    stored = next(iter(mf.params.values())).dtype if mf.params else np.dtype(np.float32)
    dt = np.dtype(dtype) if dtype is not None else stored
    try:
        net = cls.from_config(mf.config, dtype=dt)
    except (TypeError, ValueError, KeyError) as e:
        raise ModelFileError(f"{path}: cannot rebuild {mf.architecture}: {e}") from None
    net.load_params(mf.params)
    if mf.buffers:
        net.load_buffers({k: v.astype(dt) for k, v in mf.buffers.items()})
    return net


def load_network(
    path: str | os.PathLike[str],
    architecture: str = "ThreeLayerNet",
    dtype: DTypeLike | None = None,
) -> Network:
    """A network from either our ``.npz`` model file or one of the book's ``.pkl`` files.

    A ``.pkl`` file holds bare parameters, so ``architecture`` says which network they
    belong to (the chapter-3 ``ThreeLayerNet`` for ``sample_weight.pkl``); they are
    converted to ``dtype`` (float64 by default, as everywhere in the Python API; the
    CLI asks for float32). A ``.npz`` names its own architecture,
    and ``architecture`` is ignored for it.

    Raises:
        ModelFileError, UnsafePickleError: see :func:`load_model` and
            :func:`load_book_params`.
    """
    from dlscratch.networks import NETWORKS

    p = Path(path)
    if p.suffix == ".npz":
        return load_model(p, dtype=dtype)
    cls = NETWORKS.get(architecture)
    if cls is None:
        raise ModelFileError(f"unknown architecture {architecture!r}; known: {sorted(NETWORKS)}")
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.float64)
    return cls.from_book_params(load_book_params(p), dtype=dt)
