"""Argument checks shared by the layers and networks: one place, one wording.

dlscratch validates at the public boundary, once (as scikit-learn validates in ``fit``):
a network's ``predict`` / ``loss`` / ``gradient`` check the data they are given, and
the layers a network calls do not re-check it on every step. A layer used on its own
(as the book's chapters 5-7 do) checks its input with one call to a function from this
module, so that its ``forward`` and ``backward`` read as the formula.

Every function raises an exception from :mod:`dlscratch.errors` whose message names
the argument, what was expected and what was given:

- :func:`check_positive`, :func:`check_pad`: hyper-parameters (``ValueError``).
- :func:`window_output_hw`: the output size of a sliding window (``ShapeError``).
- :func:`check_images`, :func:`as_rows`: the input of a layer (``ShapeError``).
- :func:`check_saved`, :func:`check_dout`: what ``backward`` needs (``RuntimeError``
  when ``forward`` has not run, ``ShapeError`` for a ``dout`` of the wrong shape).
- :func:`as_real_array`: any array argument of a public function: refuses None,
  strings, objects, ragged lists and non-numeric dtypes (``DTypeError`` /
  ``ShapeError``) instead of letting NumPy turn them into NaN or its own message.
- :func:`check_real`, :func:`check_size`, :func:`check_seed`, :func:`check_mapping`,
  :func:`check_has`: numbers, sizes, seeds, dicts and duck-typed objects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dlscratch.errors import DTypeError, ShapeError

__all__ = [
    "as_real_array",
    "as_rows",
    "check_dout",
    "check_has",
    "check_images",
    "check_mapping",
    "check_pad",
    "check_pool_pad",
    "check_positive",
    "check_real",
    "check_saved",
    "check_seed",
    "check_size",
    "is_int",
    "is_real_number",
    "pool_pad_value",
    "window_output_hw",
    "window_output_size",
]

Array = NDArray[Any]

MAX_SIZE = 2**31 - 1
"""The largest size, stride or pad the checks accept: larger ones cannot be an array
axis that fits in memory anyway, and NumPy would answer with an overflow message."""


def is_int(value: object) -> bool:
    """True for Python and NumPy integers (not for ``bool``)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real_number(value: object) -> bool:
    """True for Python and NumPy integers and floats (not for ``bool`` or arrays)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_positive(name: str, value: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an int >= 1."""
    if not is_int(value) or not 1 <= value <= MAX_SIZE:
        raise ValueError(f"{name}: expected an int >= 1, got {value!r}")


def describe(value: Any) -> str:
    """A short description of ``value`` for a message: ``None``, ``'abc' (str)``,
    ``an array of dtype <U1 and shape (2,)``."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text if value is None else f"{text} ({type(value).__name__})"


def as_real_array(name: str, x: Any, kinds: str = "biuf") -> Array:
    """``x`` as a NumPy array of real numbers (no copy for an array).

    Accepts arrays, NumPy and Python numbers and (nested, rectangular) lists of them.
    ``kinds`` lists the accepted ``dtype.kind`` codes: by default booleans, integers
    and floats (``"f"``: floats only; ``"iu"``: integers only).

    Raises:
        DTypeError: None, a string, a dict, any other object, or an array of another
            kind (complex, strings, objects, datetimes): NumPy would make NaN of None,
            or fail later with a message of its own.
        ShapeError: a ragged list such as ``[1, [2, 3]]``.
    """
    if isinstance(x, np.ndarray):
        a = x
    else:
        if x is None or isinstance(x, (str, bytes, Mapping, set)):
            raise DTypeError(f"{name}: expected an array of real numbers, got {describe(x)}")
        try:
            a = np.asarray(x)
        except (ValueError, TypeError):
            raise ShapeError(
                f"{name}: expected a rectangular array of real numbers, got a ragged "
                f"{type(x).__name__}: {describe(x)}"
            ) from None
    if a.dtype.kind not in kinds:
        wanted = {"f": "floating-point", "iu": "integer"}.get(kinds, "real-valued")
        raise DTypeError(
            f"{name}: expected a {wanted} array, got "
            + (describe(x) if not isinstance(x, np.ndarray) else f"dtype {a.dtype}")
        )
    return a


def check_real(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_inclusive: bool = True,
) -> float:
    """``value`` as a Python float, checked to be a finite real number in range.

    Raises:
        TypeError: not a real number (None, a string, a bool, an array of size > 1).
        ValueError: NaN, infinite, or outside [low, high] ((low, high] when
            ``low_inclusive`` is False).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not is_real_number(value):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    v = float(value)
    above = v >= low if low_inclusive else v > low
    if not (math.isfinite(v) and above and v <= high):
        lo = "[" if low_inclusive else "("
        raise ValueError(
            f"{name}: expected a finite number in {lo}{low:g}, {high:g}], got {value!r}"
        )
    return v


def check_size(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as a Python int in [minimum, 2**31 - 1] (a whole float such as 50.0 is
    accepted, as JSON files and the book's arithmetic produce them).

    Raises:
        ValueError: not a whole number in that range (including NaN, inf, bool, None).
    """
    ok = is_real_number(value)
    if ok and not (math.isfinite(value) and value == int(value) and value >= minimum):
        ok = False
    if not ok:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {describe(value)}")
    if value > MAX_SIZE:
        raise ValueError(f"{name}: expected an integer <= {MAX_SIZE}, got {value!r}")
    return int(value)


def check_seed(name: str, seed: Any) -> None:
    """Raise ``TypeError`` unless ``seed`` is None, an int >= 0 or a ``numpy.random.Generator``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if not is_int(seed) or seed < 0:
        raise TypeError(
            f"{name}: expected None, an int >= 0 or a numpy.random.Generator, got {describe(seed)}"
        )


def check_mapping(name: str, value: Any) -> Mapping[Any, Any]:
    """Raise ``TypeError`` unless ``value`` is a dict-like mapping (name -> array)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: expected a dict of name -> array, got {describe(value)}")
    return value


def check_has(name: str, value: Any, *methods: str) -> None:
    """Raise ``TypeError`` unless ``value`` has every method in ``methods`` (duck typing:
    a network needs ``predict``, a layer ``forward`` and ``backward``...)."""
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(
            f"{name}: expected an object with {', '.join(m + '()' for m in methods)}, "
            f"got {describe(value)} (no {', '.join(missing)})"
        )


def check_pad(pad: int) -> None:
    """Raise ``ValueError`` unless ``pad`` is an int >= 0."""
    if not is_int(pad) or not 0 <= pad <= MAX_SIZE:
        raise ValueError(f"pad: expected an int >= 0, got {pad!r}")


def check_pool_pad(pool_h: int, pool_w: int, pad: int) -> None:
    """Raise ``ValueError`` unless 0 <= pad < pool_h and pad < pool_w: a larger pad
    makes windows that hold padding only, whose maximum is the pad value (-inf)."""
    check_pad(pad)
    if pad >= pool_h or pad >= pool_w:
        raise ValueError(
            f"pad: expected less than the pool size {pool_h}x{pool_w} (else some windows "
            f"hold padding only and output -inf), got {pad}"
        )


def pool_pad_value(x: Array) -> Any:
    """The value max pooling pads ``x`` with: the lowest of its dtype (-inf for floats,
    False for booleans), so that padding never wins a window.

    Raises:
        DTypeError: x is not real-valued (complex, strings, objects).
    """
    kind = x.dtype.kind
    if kind == "f":
        return -np.inf
    if kind in "iu":
        return np.iinfo(x.dtype).min
    if kind == "b":
        return False
    raise DTypeError(f"Pooling: x must be a real-valued array, got dtype {x.dtype}")


def window_output_size(size: int, filter_size: int, stride: int, pad: int) -> int | None:
    """(size + 2 pad - filter_size) / stride + 1, or None when not a whole number >= 1."""
    span = size + 2 * pad - filter_size
    if span < 0 or span % stride:
        return None
    return span // stride + 1


def window_output_hw(
    where: str, H: int, W: int, filter_h: int, filter_w: int, stride: int, pad: int
) -> tuple[int, int]:
    """(OH, OW) of a sliding window (book eq. 7.1), checked.

    Raises:
        ValueError: a filter size or stride < 1, or pad < 0.
        ShapeError: OH or OW is not a whole number >= 1; the message names every
            quantity involved.
    """
    check_positive("filter_h", filter_h)
    check_positive("filter_w", filter_w)
    check_positive("stride", stride)
    check_pad(pad)
    out_h = window_output_size(H, filter_h, stride, pad)
    out_w = window_output_size(W, filter_w, stride, pad)
    if out_h is None or out_w is None:
        bad = "H" if out_h is None else "W"
        size, fsize = (H, filter_h) if out_h is None else (W, filter_w)
        raise ShapeError(
            f"{where}: input H={H}, W={W} with a {filter_h}x{filter_w} filter, "
            f"stride={stride}, pad={pad}: output {bad} = ({size} + 2*{pad} - {fsize}) / "
            f"{stride} + 1 = {(size + 2 * pad - fsize) / stride + 1:g} is not a whole "
            "number >= 1; change the filter size, stride or pad"
        )
    return out_h, out_w


def check_images(where: str, x: Any, channels: int | None = None) -> Array:
    """``x`` as an array, checked to be a batch of images (N, C, H, W).

    Args:
        where: the name the message starts with (``"Convolution"``).
        x: the input.
        channels: the number of channels C it must have (None: any).

    Raises:
        ShapeError: x is not 4-D (a 3-D x is told to add a batch axis), or has
            another number of channels.
    """
    xa = np.asarray(x)
    if xa.ndim != 4:
        raise ShapeError(
            f"{where}: x must be 4-D (N, C, H, W); got {xa.ndim}-D shape {xa.shape}"
            + (" (add a batch axis with x[None])" if xa.ndim == 3 else "")
        )
    if channels is not None and xa.shape[1] != channels:
        raise ShapeError(
            f"{where}: x must have C={channels} channels (the filters' second axis); "
            f"got shape {xa.shape} with {xa.shape[1]}"
        )
    return xa


def as_rows(where: str, x: Any, D: int, source: str) -> Array:
    """``x`` as a 2-D array (N, D): a single sample (D,) becomes (1, D), and (N, ...)
    is flattened per sample (book 7.5).

    Args:
        where: the name the message starts with.
        x: the input.
        D: the numbers each sample must hold.
        source: where D comes from, for the message (``"the rows of W"``); a plain
            string, so that nothing is formatted unless there is an error.

    Raises:
        ShapeError: x is a scalar, or its samples do not hold D numbers.
    """
    xa = np.asarray(x)
    if xa.ndim == 0:
        raise ShapeError(f"{where}: x must be (N, {D}), ({D},) or (N, ...); got a scalar")
    x2 = xa.reshape(1, -1) if xa.ndim == 1 else xa.reshape(xa.shape[0], -1)
    if x2.shape[1] != D:
        raise ShapeError(
            f"{where}: each sample of x must hold D={D} numbers ({source}); "
            f"got x of shape {xa.shape}, i.e. {x2.shape[1]} per sample"
        )
    return x2


def check_saved(layer: object, *names: str, what: str = "forward") -> None:
    """Raise ``RuntimeError`` if any of ``layer``'s attributes ``names`` is still None,
    i.e. ``backward`` is called before ``forward`` saved what it needs."""
    for name in names:
        if getattr(layer, name) is None:
            raise RuntimeError(
                f"{type(layer).__name__}.backward: call {what} first (nothing saved to "
                "backpropagate through)"
            )


def check_dout(layer: object, dout: Any, shape: tuple[int, ...]) -> Array:
    """``dout`` as an array, checked to have ``shape``, the shape of the forward output.

    Raises:
        ShapeError: it has another shape.
    """
    d = np.asarray(dout)
    if d.shape != shape:
        raise ShapeError(
            f"{type(layer).__name__}.backward: dout must have the shape of the forward "
            f"output, {shape}; got {d.shape}"
        )
    return d
