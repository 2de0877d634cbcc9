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

Hostile files (issue 12): what a file makes us allocate is bounded by what it holds,
plus a small constant, and checked before allocating. A pickle is scanned before it is
unpickled (nesting, memo slots, number of objects), and each array's size is checked
against the bytes the file holds for it; a model file's entries are checked against
the arrays its architecture needs before any is decompressed or a network is built.
Parameters must be finite float32 or float64 numbers. Every refusal is one line
naming the file and what is wrong (:class:`~dlscratch.errors.ModelFileError`, or
:class:`~dlscratch.errors.UnsafePickleError` for a pickle that tries more than arrays).
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import pickle
import pickletools
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

# What a pickle may make us build, checked before it is built (see _scan_pickle).
MAX_PICKLE_NESTING = 64  # a dict of arrays nests about 8 deep
MAX_PICKLE_OPS = 1_000_000  # the book's largest weight file has 457
MAX_PICKLE_CONTAINERS = 200_000  # tuples, lists, dicts, objects: about 12 per array


class _Refused(Exception):
    """Raised inside the unpickler's helpers; turned into UnsafePickleError with the
    file's name by :func:`unpickle_arrays`."""


class _Damaged(Exception):
    """A malformed pickle stream (truncated, bad lengths, unbalanced stack); turned into
    :class:`pickle.UnpicklingError` with the file's name by :func:`unpickle_arrays`."""


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    # Protocol-2 pickles spell bytes as _codecs.encode(text, 'latin1'); allow only that.
    if not isinstance(text, str) or encoding != "latin1":
        raise UnsafePickleError("refused: _codecs.encode with unexpected arguments")
    return text.encode("latin1")


def _check_dtype(dtype: Any) -> np.dtype[Any]:
    """``dtype`` if it is a NumPy dtype NumPy itself could have written: no objects, and
    flags (which a pickle's BUILD state sets) equal to those of the same dtype built
    afresh. A void dtype flagged as holding objects would make NumPy read bytes as
    pointers."""
    if not isinstance(dtype, np.dtype):
        raise _Refused(f"expected a NumPy dtype, got {type(dtype).__name__}")
    try:
        if dtype.names is not None:
            fresh = np.dtype(dtype.descr)
        elif dtype.subdtype is not None:
            fresh = np.dtype(dtype.subdtype)
        else:
            fresh = np.dtype(dtype.str)
    except (TypeError, ValueError) as e:
        raise _Refused(f"dtype {dtype} cannot be rebuilt ({e})") from None
    if fresh.flags != dtype.flags:
        raise _Refused(
            f"dtype {dtype} comes with flags {dtype.flags}, NumPy's own are {fresh.flags} "
            "(a hand-made dtype state)"
        )
    if dtype.hasobject:
        raise _Refused(f"arrays of Python objects (dtype {dtype}) are refused")
    return dtype


def _nbytes(shape: Any, dtype: np.dtype[Any]) -> int:
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in dims):
        raise _Refused(f"array shape {shape!r} is not a tuple of sizes")
    return math.prod(dims) * dtype.itemsize


class _NdarrayToken:
    """Stands for ``numpy.ndarray`` in an unpickled file. NumPy's own pickles only pass
    the class to ``_reconstruct``; calling it (``ndarray(shape, buffer=..., strides=(0,))``)
    would allocate what the shape says, whatever the file holds."""

    __slots__ = ()

    def __call__(self, *args: Any) -> Any:
        raise _Refused(
            "the pickle calls numpy.ndarray(...) itself, which would allocate what its "
            "shape says rather than what the file holds; NumPy's own pickles never do"
        )


_NDARRAY = _NdarrayToken()


class _PickledArray(np.ndarray):
    """The array ``_reconstruct`` makes: its ``__setstate__`` (pickle's BUILD) checks the
    state, then hands it to NumPy. Turned back into a plain ndarray after loading."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused("an array's pickled state is not NumPy's")
        shape, dtype, _fortran, raw = state[-4:]
        dt = _check_dtype(dtype)
        if not isinstance(raw, (bytes, bytearray)):
            raise _Refused(f"array data should be bytes, got {type(raw).__name__}")
        if _nbytes(shape, dt) != len(raw):
            raise _Refused(
                f"an array of shape {shape} and dtype {dt} needs {_nbytes(shape, dt)} bytes, "
                f"the file holds {len(raw)}"
            )
        super().__setstate__(state)


def _safe_reconstruct(subtype: Any, shape: Any, typecode: Any) -> Any:
    # NumPy's pickles: _reconstruct(ndarray, (0,), b'b'), an empty array BUILD fills.
    if subtype is not _NDARRAY or shape not in ((0,), [0], 0):
        raise _Refused("_reconstruct may only make an empty ndarray, as NumPy's pickles do")
    return _reconstruct()(_PickledArray, (0,), typecode)


def _safe_scalar(dtype: Any, data: Any = None) -> Any:
    dt = _check_dtype(dtype)
    if not isinstance(data, (bytes, bytearray)) or len(data) != dt.itemsize:
        raise _Refused(f"a {dt} scalar needs {dt.itemsize} bytes of data")
    return _scalar()(dt, data)


def _safe_frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> Any:
    dt = _check_dtype(dtype)
    if not isinstance(buf, (bytes, bytearray, pickle.PickleBuffer)):
        raise _Refused(f"array data should be bytes, got {type(buf).__name__}")
    size = memoryview(buf).nbytes
    if _nbytes(shape, dt) != size or order not in ("C", "F"):
        raise _Refused(
            f"an array of shape {shape} and dtype {dt} needs {_nbytes(shape, dt)} bytes, "
            f"the file holds {size}"
        )
    return _frombuffer()(buf, dt, shape, order)


def _safe_dtype(*args: Any) -> np.dtype[Any]:
    # NumPy's pickles: dtype('f8', False, True), then BUILD sets byte order and flags
    # (checked where the dtype is used, by _check_dtype).
    if not args or not isinstance(args[0], str):
        raise _Refused("numpy.dtype called with other arguments than NumPy's pickles use")
    return np.dtype(*args)


# (module, name) as written in a pickle -> the object it may resolve to. Nothing else.
_ALLOWED_GLOBALS: dict[tuple[str, str], Callable[..., Any]] = {
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy.core.multiarray", "scalar"): _safe_scalar,
    ("numpy._core.multiarray", "scalar"): _safe_scalar,
    ("numpy.core.numeric", "_frombuffer"): _safe_frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _safe_frombuffer,
    ("numpy", "dtype"): _safe_dtype,
    ("collections", "OrderedDict"): dict,
    ("_codecs", "encode"): _latin1_bytes,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("numpy", "ndarray"):
            return _NDARRAY
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UnsafePickleError(
                f"{self._source}: refused to load: the pickle asks for '{module}.{name}', "
                "but only NumPy arrays in dicts, lists and tuples are allowed. Nothing "
                "from the file was run. If you trust the file, convert it yourself; "
                "otherwise delete it."
            )
        if found is dict:
            return dict  # a built-in type refuses setattr
        # A fresh wrapper per call: pickle's BUILD opcode may setattr on what we return,
        # and must never reach NumPy's (or our) module-level functions.
        return lambda *args: found(*args)


class _Node:
    """What the scan knows of one object the pickle builds: how deeply it nests, and
    whether it was put into another object yet."""

    __slots__ = ("depth", "inside")

    def __init__(self) -> None:
        self.depth = 0
        self.inside = False


_LEAF = _Node()  # numbers, strings, bytes: never containers, never changed
_MARK = _Node()
_LEAF_OPS = frozenset(
    "INT BININT BININT1 BININT2 LONG LONG1 LONG4 STRING BINSTRING SHORT_BINSTRING "
    "BINBYTES SHORT_BINBYTES BINBYTES8 BYTEARRAY8 NONE NEWTRUE NEWFALSE UNICODE "
    "SHORT_BINUNICODE BINUNICODE BINUNICODE8 FLOAT BINFLOAT EMPTY_TUPLE NEXT_BUFFER".split()
)
_NO_STACK_OPS = frozenset({"PROTO", "FRAME", "READONLY_BUFFER"})
_FIXED_BUILDS = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3, "REDUCE": 2, "NEWOBJ": 2, "NEWOBJ_EX": 3}
_MARK_BUILDS = frozenset({"TUPLE", "LIST", "DICT", "FROZENSET", "OBJ", "INST"})
_FIXED_UPDATES = {"APPEND": 1, "SETITEM": 2, "BUILD": 1}
_MARK_UPDATES = frozenset({"APPENDS", "SETITEMS", "ADDITEMS"})


def _scan_pickle(data: bytes) -> None:
    """Refuse, before anything is built, a pickle that would nest objects more than
    :data:`MAX_PICKLE_NESTING` deep (a 200,000-deep tuple crashes Python when hashed),
    use memo slots it cannot need (``LONG_BINPUT 67108864`` makes the unpickler's memo
    take 1 GB), run more than :data:`MAX_PICKLE_OPS` operations or build more than
    :data:`MAX_PICKLE_CONTAINERS` containers. Lengths that run past the end of the data
    are refused by :func:`pickletools.genops`.

    The scan replays the pickle's stack machine with :class:`_Node` stand-ins; an
    object's depth is 1 + the deepest thing put into it. An object that is changed
    (APPEND, SETITEM, BUILD...) after it was put into another is refused, as is one put
    into itself: a pickler never does either for arrays in dicts, lists and tuples, and
    so nesting is known when an object is put into another, in time linear in the
    file.

    Raises:
        _Refused: any of the above.
        _Damaged: a malformed stream.
    """
    stack: list[_Node] = []
    marks: list[int] = []
    memo: dict[int, _Node] = {}
    containers = 0

    def nest(children: list[_Node], into: _Node) -> None:
        for child in children:
            if child is _MARK:
                raise _Damaged("a MARK where an object should be")
            if child is into:
                raise _Refused("an object that contains itself")
            if child is not _LEAF:
                child.inside = True
            if child.depth + 1 > MAX_PICKLE_NESTING:
                raise _Refused(
                    f"objects nest more than {MAX_PICKLE_NESTING} levels deep; arrays in "
                    "dicts, lists and tuples need a few"
                )
            into.depth = max(into.depth, child.depth + 1)

    def grow(items: list[_Node], name: str) -> None:
        target = top()
        if target is _LEAF:
            raise _Damaged(f"{name} on a number or string")
        if target.inside:
            # A pickler finishes each object before putting it into another; changing
            # one afterwards is how a file makes objects contain themselves.
            raise _Refused(f"{name} changes an object already put into another")
        nest(items, target)

    def pop(n: int) -> list[_Node]:
        if len(stack) - (marks[-1] if marks else 0) < n:
            raise _Damaged("the pickle's stack runs empty")
        taken = stack[len(stack) - n :]
        del stack[len(stack) - n :]
        return taken

    def pop_mark() -> list[_Node]:
        if not marks:
            raise _Damaged("no MARK to pop to")
        start = marks.pop()
        taken = stack[start:]
        del stack[start:]
        return taken

    def new_node(children: list[_Node]) -> _Node:
        nonlocal containers
        containers += 1
        if containers > MAX_PICKLE_CONTAINERS:
            raise _Refused(f"builds more than {MAX_PICKLE_CONTAINERS} containers or objects")
        node = _Node()
        nest(children, node)
        return node

    def top() -> _Node:
        if len(stack) <= (marks[-1] if marks else 0):
            raise _Damaged("the pickle's stack runs empty")
        return stack[-1]

    try:
        ops = pickletools.genops(io.BytesIO(data))
        for count, (op, arg, at) in enumerate(ops):
            pos = at or 0
            if count >= MAX_PICKLE_OPS:
                raise _Refused(f"more than {MAX_PICKLE_OPS} operations")
            name = op.name
            if name in _LEAF_OPS:
                stack.append(_LEAF)
            elif name == "FRAME" and int(arg or 0) > len(data) - pos - 9:
                raise _Damaged(f"a frame of {arg} bytes, but only {len(data) - pos - 9} remain")
            elif name in _NO_STACK_OPS:
                pass
            elif name == "MARK":
                marks.append(len(stack))
            elif name in ("EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET", "GLOBAL"):
                stack.append(new_node([]))
            elif name == "STACK_GLOBAL":
                stack.append(new_node(pop(2)))
            elif name in _FIXED_BUILDS:
                stack.append(new_node(pop(_FIXED_BUILDS[name])))
            elif name in _MARK_BUILDS:
                stack.append(new_node(pop_mark()))
            elif name in _FIXED_UPDATES:
                grow(pop(_FIXED_UPDATES[name]), name)
            elif name in _MARK_UPDATES:
                grow(pop_mark(), name)
            elif name == "POP":
                pop(1)
            elif name == "POP_MARK":
                pop_mark()
            elif name == "DUP":
                stack.append(top())
            elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                index = len(memo) if name == "MEMOIZE" else int(arg or 0)
                if index > count:  # the pickler numbers its memo 0, 1, 2...
                    raise _Refused(
                        f"memo slot {index} at operation {count}: the unpickler would reserve "
                        "memory for that many objects; a pickler numbers them 0, 1, 2..."
                    )
                memo[index] = top()
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                if int(arg or 0) not in memo:
                    raise _Damaged(f"memo slot {arg} is read before it is written")
                stack.append(memo[int(arg or 0)])
            elif name == "STOP":
                if len(stack) != 1 or marks:
                    raise _Damaged("the pickle ends with a malformed stack")
            else:  # PERSID, BINPERSID, EXT1/2/4: never in a file of arrays
                raise _Refused(f"the pickle uses {name}, which files of arrays never do")
    except (ValueError, TypeError) as e:  # genops: truncated data, bad lengths or text
        raise _Damaged(str(e)) from None


def _plain_arrays(obj: Any, done: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """``obj`` with every :class:`_PickledArray` in it (in dicts, lists, tuples) turned
    back into a plain ndarray. Recursion is safe: the scan bounded the depth to
    :data:`MAX_PICKLE_NESTING`; shared objects are visited once."""
    done = {} if done is None else done
    if id(obj) in done:
        return done[id(obj)][1]
    result = obj
    if isinstance(obj, _PickledArray):
        result = obj.view(np.ndarray)
    elif isinstance(obj, tuple):
        result = tuple(_plain_arrays(v, done) for v in obj)
    elif isinstance(obj, list):
        done[id(obj)] = (obj, obj)
        obj[:] = [_plain_arrays(v, done) for v in obj]
    elif isinstance(obj, dict):
        done[id(obj)] = (obj, obj)
        for k in list(obj):
            obj[k] = _plain_arrays(obj[k], done)
    done[id(obj)] = (obj, result)  # keeps obj alive, so its id is not reused
    return result


def unpickle_arrays(file: IO[bytes], source: str = "") -> Any:
    """Unpickle ``file`` admitting only NumPy arrays in dicts, lists and tuples.

    Any other global the pickle names is refused before anything runs (the reason
    :func:`pickle.load` must never see an untrusted file). Before unpickling, the whole
    stream is scanned (:func:`_scan_pickle`), so that what the file makes us build is
    bounded by what it holds: nesting, memo slots, the number of objects; and while
    unpickling, every array's size is checked against the bytes the file holds for it,
    before NumPy allocates it. Used by :func:`load_book_params` and
    :mod:`dlscratch.safe_pickle`.

    Args:
        file: a binary file open for reading (read to its end).
        source: the file's name, for error messages (default: ``file.name``).

    Returns:
        What the pickle holds: arrays, dicts, lists, tuples, strings, numbers.

    Raises:
        UnsafePickleError: the pickle names anything else, holds object arrays or
            hand-made dtypes, nests too deeply, or would make us allocate more than
            it holds.
        pickle.UnpicklingError, EOFError...: a damaged file, as :func:`pickle.load`.
    """
    name = source or str(getattr(file, "name", "<pickle>"))
    data = file.read()
    try:
        _scan_pickle(data)
    except _Refused as e:
        raise UnsafePickleError(f"{name}: refused to load: {e}") from None
    except _Damaged as e:
        raise pickle.UnpicklingError(f"{name}: damaged pickle: {e}") from None
    try:
        obj = _ArrayOnlyUnpickler(io.BytesIO(data), name).load()
    except _Refused as e:
        raise UnsafePickleError(f"{name}: refused to load: {e}") from None
    except SystemError as e:  # NumPy's answer to some hand-made dtype states
        raise pickle.UnpicklingError(f"{name}: damaged array data ({e})") from None
    return _plain_arrays(obj)


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
    if p.exists() and not p.is_dir() and not p.is_file():
        raise ModelFileError(f"{p}: not a regular file (a pipe or a device?); refused")
    try:
        with p.open("rb") as fh:
            obj = unpickle_arrays(fh, str(p))
    except UnsafePickleError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{p}: is a folder, not a weight file") from None
    except Exception as e:  # whatever a damaged file makes NumPy raise
        detail = str(e).removeprefix(f"{p}: ")
        raise ModelFileError(
            f"{p}: not a readable pickle of NumPy arrays ({type(e).__name__}: {detail}); "
            "the file may be truncated or of another kind"
        ) from None
    if not isinstance(obj, dict):
        raise ModelFileError(
            f"{p}: expected a pickled dict of arrays (as the book's code saves), "
            f"got a {type(obj).__name__}"
        )
    params: dict[str, NDArray[Any]] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise ModelFileError(
                f"{p}: parameter names should be strings, got a {type(key).__name__}"
            )
        if not isinstance(value, np.ndarray):
            raise ModelFileError(
                f"{p}: entry {key!r} should be a NumPy array, got {type(value).__name__}"
            )
        if value.dtype.hasobject:
            raise UnsafePickleError(f"{p}: entry {key!r} is an object array; refused")
        _check_parameter(value, f"{p}: parameter {key!r}")
        params[key] = np.ascontiguousarray(value)
    return params


def _check_parameter(value: NDArray[Any], what: str) -> None:
    """Refuse a parameter array a network cannot use: a dtype other than floats (bool,
    integers, complex, datetime64, strings, structured or object dtypes), or NaN or
    infinite values, which load silently and then predict nonsense.

    Args:
        value: the array.
        what: how the message names it, e.g. ``"m.npz: parameter 'W1'"``.

    Raises:
        ModelFileError: naming ``what`` and what is wrong with it.
    """
    dt = value.dtype
    if dt.kind != "f" or dt.itemsize not in (4, 8):
        raise ModelFileError(
            f"{what} has dtype {dt}; parameters are floating-point numbers (float32 or float64)"
        )
    finite = np.isfinite(value)
    if not finite.all():
        where = np.unravel_index(int(np.argmin(finite)), value.shape)
        bad = value[where]
        kind = "NaN" if np.isnan(bad) else "infinite values"
        raise ModelFileError(
            f"{what} holds {kind} (first at index {tuple(int(i) for i in where)}, "
            f"{int(value.size - finite.sum())} of {value.size} values); refused, "
            "a network with them predicts nonsense"
        )


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


# What a model file may make us read, besides the arrays its architecture needs.
MAX_METADATA_BYTES = 16 * 2**20  # a long run's history is a few hundred KB
MAX_METADATA_NESTING = 32
_MAX_ZIP_DIRECTORY = 2**20  # the list of entries; a checkpoint's is a few KB
_NPY_HEADER = 64 * 2**10  # an .npy entry's header, before its data
_EXTRA_SLACK = 16 * 2**20  # a checkpoint's batch order: 8 bytes per training sample


def _describe_start(head: bytes) -> str:
    if not head:
        return "the file is empty"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return f"it starts with the text {head.decode('ascii')!r}"
    return f"it starts with the bytes {head!r}"


def _zip_directory_size(fh: IO[bytes], size: int) -> int:
    """The size the zip's end record gives its central directory (the list of entries
    :class:`zipfile.ZipFile` reads in full), or -1 if there is no end record."""
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return -1
    return int.from_bytes(tail[at + 12 : at + 16], "little")


def _json_depth(value: Any) -> int:
    """How deeply ``value`` (parsed JSON) nests, without recursion."""
    deepest = 0
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_METADATA_NESTING:
                todo.extend(
                    (v, depth + 1) for v in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _npy_header(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo
) -> tuple[tuple[int, ...], np.dtype[Any], int]:
    """``(shape, dtype, header_bytes)`` of an ``.npy`` entry, reading only its header."""
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unknown .npy format version {version}")
        return tuple(shape), dtype, fh.tell()


def _open_model_zip(p: Path) -> tuple[zipfile.ZipFile, int]:
    """The zip archive of ``p`` and the file's size, after checking that it is one and
    what reading its list of entries will cost (:class:`zipfile.ZipFile` reads it whole)."""
    size = p.stat().st_size
    with p.open("rb") as fh:
        head = fh.read(8)
        if head[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ModelFileError(
                f"{p}: not a dlscratch model file: a model file (.npz) is a zip archive, "
                f"but {_describe_start(head)}"
            )
        directory = _zip_directory_size(fh, size)
    if directory > min(_MAX_ZIP_DIRECTORY, size):
        raise ModelFileError(
            f"{p}: damaged model file: its list of entries claims {directory} bytes "
            f"(the file has {size})"
        )
    return zipfile.ZipFile(p), size


def read_model_file(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file written by :func:`write_model_file` (never unpickles).

    A hostile file cannot make this allocate more than it holds (plus a small
    constant): before any entry is decompressed, each entry's declared size is checked
    against what the file holds (stored entries) or what the architecture needs
    (compressed ones); the metadata is read first and checked (JSON without NaN or
    Infinity, nesting at most :data:`MAX_METADATA_NESTING` deep, at most
    :data:`MAX_METADATA_BYTES`); then every array's ``.npy`` header is read and its shape
    compared with what the stored architecture and config imply
    (:func:`dlscratch.networks.registry.expected_arrays`), and its data size with the
    entry's, before its data is read. Parameters and batch-norm buffers must be
    finite floats; running variances must not be negative.

    Args:
        path: the ``.npz`` file.

    Returns:
        A :class:`ModelFile` with the metadata and the arrays in their stored dtypes.

    Raises:
        ModelFileError: missing file, not an npz, no or bad metadata, a format version
            newer than this dlscratch understands, an unknown architecture, arrays that
            do not fit the stored configuration, or parameters that are not finite
            floating-point numbers. One line, naming the file and what is wrong.
    """
    from dlscratch.networks.registry import expected_arrays

    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"{p}: no such model file")
    if not p.is_file():
        kind = "a folder" if p.is_dir() else "not a regular file (a pipe or a device?)"
        raise ModelFileError(f"{p}: {kind}, not a model file")
    try:
        zf, size = _open_model_zip(p)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as e:
        if isinstance(e, ModelFileError):
            raise
        raise ModelFileError(
            f"{p}: not a dlscratch model file (.npz): {type(e).__name__}: {e}"
        ) from None
    with zf:
        try:
            return _read_model_zip(p, zf, size, expected_arrays)
        except ModelFileError:
            raise
        except Exception as e:  # whatever a damaged zip or .npy header makes us raise
            raise ModelFileError(f"{p}: damaged model file ({type(e).__name__}: {e})") from None


def _read_model_zip(
    p: Path, zf: zipfile.ZipFile, size: int, expected_arrays: Callable[..., Any]
) -> ModelFile:
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy") or name[:-4] in entries:
            what = "a second entry" if name[:-4] in entries else "an entry"
            raise ModelFileError(
                f"{p}: {what} named {name!r}; a model file holds .npy arrays, once each"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(
                f"{p}: entry {name!r} uses compression method {info.compress_type}"
            )
        if info.compress_size > size or info.header_offset + info.compress_size > size:
            raise ModelFileError(
                f"{p}: entry {name!r} claims {info.compress_size} bytes, but the file has {size}"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise ModelFileError(
                f"{p}: entry {name!r} is stored with {info.compress_size} bytes but claims "
                f"{info.file_size}"
            )
        entries[name[:-4]] = info
    if "__meta__" not in entries:
        raise ModelFileError(
            f"{p}: no '__meta__' entry; this .npz was not written by dlscratch "
            "(for the book's .pkl weights use `dlscratch convert`)"
        )

    def budget(name: str, info: zipfile.ZipInfo, limit: int) -> None:
        # Stored entries hold what they claim (checked above); a compressed one may
        # claim anything, and zipfile inflates up to its claim: refuse past the limit.
        if info.file_size > limit:
            raise ModelFileError(
                f"{p}: entry '{name}.npy' holds {info.file_size} bytes uncompressed; "
                f"at most {limit} make sense for it (a zip bomb?)"
            )

    def read(
        name: str, dtype_ok: Callable[[np.dtype[Any]], bool], shape: tuple[int, ...] | None
    ) -> NDArray[Any]:
        info = entries[name]
        got_shape, dtype, header = _npy_header(zf, info)
        if not dtype_ok(dtype):
            raise ModelFileError(
                f"{p}: {_entry_label(name)} has dtype {dtype}; {_DTYPE_WANTED[name.split('/')[0]]}"
            )
        if shape is not None and got_shape != shape:
            raise ModelFileError(
                f"{p}: {_entry_label(name)} should have shape {shape}, got {got_shape}: "
                "the arrays do not fit the stored config"
            )
        nbytes = math.prod(got_shape) * dtype.itemsize
        if header + nbytes != info.file_size:
            raise ModelFileError(
                f"{p}: {_entry_label(name)} declares {nbytes} bytes of data "
                f"({got_shape}, {dtype}), but its entry holds {info.file_size - header}"
            )
        with zf.open(info) as fh:
            return np.lib.format.read_array(fh, allow_pickle=False)

    budget("__meta__", entries["__meta__"], MAX_METADATA_BYTES)
    meta = _parse_meta(p, str(read("__meta__", lambda dt: dt.kind == "U", ())))
    del entries["__meta__"]
    arch = meta["architecture"]
    try:
        want_params, want_buffers = expected_arrays(arch, meta.get("config", {}))
    except ModelFileError as e:
        raise ModelFileError(f"{p}: {e}") from None
    groups: dict[str, dict[str, Any]] = {"params": {}, "buffers": {}, "extra": {}}
    for name in entries:
        group, _, key = name.partition("/")
        if group not in groups or not key:
            raise ModelFileError(f"{p}: unexpected entry '{name}.npy'")
        groups[group][key] = entries[name]
    missing = sorted(set(want_params) - set(groups["params"]))
    unexpected = sorted(set(groups["params"]) - set(want_params))
    unexpected_buffers = sorted(set(groups["buffers"]) - set(want_buffers))
    if missing or unexpected or unexpected_buffers:
        raise ModelFileError(
            f"{p}: the arrays do not fit {arch} {meta.get('config', {})}: "
            + "; ".join(
                f"{label} {names}"
                for label, names in (
                    ("missing parameters", missing),
                    ("unexpected parameters", unexpected),
                    ("unexpected buffers", unexpected_buffers),
                )
                if names
            )
        )
    itemsize = 8
    needed = sum(math.prod(s) * itemsize for s in (*want_params.values(), *want_buffers.values()))
    params: dict[str, NDArray[Any]] = {}
    buffers: dict[str, NDArray[Any]] = {}
    extra: dict[str, NDArray[Any]] = {}
    for key in groups["params"]:
        budget(
            f"params/{key}",
            entries[f"params/{key}"],
            math.prod(want_params[key]) * itemsize + _NPY_HEADER,
        )
        params[key] = read(f"params/{key}", _is_float, want_params[key])
        _check_parameter(params[key], f"{p}: parameter {key!r}")
    for key in groups["buffers"]:
        budget(
            f"buffers/{key}",
            entries[f"buffers/{key}"],
            math.prod(want_buffers[key]) * itemsize + _NPY_HEADER,
        )
        buffers[key] = read(f"buffers/{key}", _is_float, want_buffers[key])
        _check_parameter(buffers[key], f"{p}: buffer {key!r}")
        if key.endswith("running_var") and (buffers[key] < 0).any():
            raise ModelFileError(
                f"{p}: buffer {key!r} holds negative variances (min {buffers[key].min()}); refused"
            )
    for key in groups["extra"]:
        # Checkpoints: the optimizer's arrays (shaped like the parameters) and the
        # batch order (one int per training sample).
        budget(f"extra/{key}", entries[f"extra/{key}"], 2 * needed + _EXTRA_SLACK)
        extra[key] = read(f"extra/{key}", lambda dt: dt.kind in "biuf" and dt.itemsize <= 8, None)
    return ModelFile(meta, params, buffers, extra)


_DTYPE_WANTED = {
    "__meta__": "expected a text (JSON) entry",
    "params": "parameters are floating-point numbers (float32 or float64)",
    "buffers": "buffers are floating-point numbers (float32 or float64)",
    "extra": "extra arrays hold numbers (no objects, strings, dates or records)",
}


def _entry_label(name: str) -> str:
    group, _, key = name.partition("/")
    label = {"params": "parameter", "buffers": "buffer", "extra": "extra array"}.get(group)
    return f"{label} {key!r}" if label else "the metadata"


def _is_float(dt: np.dtype[Any]) -> bool:
    return dt.kind == "f" and dt.itemsize in (4, 8)


def _parse_meta(p: Path, text: str) -> dict[str, Any]:
    try:
        meta = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ModelFileError(f"{p}: metadata nests too deeply to be read") from None
    except ValueError as e:  # json.JSONDecodeError, NaN or Infinity
        raise ModelFileError(f"{p}: metadata is not valid JSON: {e}") from None
    if _json_depth(meta) > MAX_METADATA_NESTING:
        raise ModelFileError(f"{p}: metadata nests more than {MAX_METADATA_NESTING} levels deep")
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
    if not isinstance(meta.get("architecture"), str):
        raise ModelFileError(f"{p}: metadata names no architecture")
    if not isinstance(meta.get("config", {}), dict):
        raise ModelFileError(f"{p}: config should be a JSON object, got {meta['config']!r}")
    return meta


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
    try:  # the arrays' shapes were checked against the config: this allocates no more
        net = cls.from_config(mf.config, dtype=dt)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, ZeroDivisionError) as e:
        detail = str(e).removeprefix(f"{path}: ")
        raise ModelFileError(f"{path}: cannot rebuild {mf.architecture}: {detail}") from None
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
