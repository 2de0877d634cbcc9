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
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from dlscratch.errors import ShapeError

__all__ = [
    "as_rows",
    "check_dout",
    "check_images",
    "check_pad",
    "check_positive",
    "check_saved",
    "is_int",
    "window_output_hw",
    "window_output_size",
]

Array = NDArray[Any]


def is_int(value: object) -> bool:
    """True for Python and NumPy integers (not for ``bool``)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_positive(name: str, value: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an int >= 1."""
    if not is_int(value) or value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value!r}")


def check_pad(pad: int) -> None:
    """Raise ``ValueError`` unless ``pad`` is an int >= 0."""
    if not is_int(pad) or pad < 0:
        raise ValueError(f"pad: expected an int >= 0, got {pad!r}")


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


def as_rows(where: str, x: Any, D: int, source: str, forms: str) -> Array:
    """``x`` as a 2-D array (N, D): a single sample (D,) becomes (1, D), and (N, ...)
    is flattened per sample (book 7.5).

    Args:
        where: the name the message starts with.
        x: the input.
        D: the numbers each sample must hold.
        source: where D comes from, for the message (``"W is (784, 50)"``).
        forms: the accepted shapes, for the message.

    Raises:
        ShapeError: x is a scalar, or its samples do not hold D numbers.
    """
    xa = np.asarray(x)
    if xa.ndim == 0:
        raise ShapeError(f"{where}: x must be {forms}; got a scalar")
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
