"""The book's ``common/util.py``: shuffling, curve smoothing and the im2col helpers.

``im2col``, ``col2im`` and ``conv_output_size`` live in :mod:`dlscratch.layers` (ch. 7),
beside the layers that use them, and are here too under the book's module name, so
``from common.util import shuffle_dataset, im2col`` becomes
``from dlscratch.util import shuffle_dataset, im2col``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.layers import col2im, conv_output_size, im2col
from dlscratch.validation import as_real_array, check_seed, check_size

# The book's `from common.X import *` also hands the script `np` (its modules have no
# __all__), and some of its scripts use np without importing it: export it too.
__all__ = [
    "col2im",
    "conv_output_size",
    "im2col",
    "np",
    "shuffle_dataset",
    "smooth_curve",
]

Array = NDArray[Any]


def shuffle_dataset(
    x: ArrayLike, t: ArrayLike, seed: int | np.random.Generator | None = None
) -> tuple[Array, Array]:
    """``x`` and ``t`` in the same random order (book 6.5.1, ``common/util.py``).

    Args:
        x: inputs, batch first ``(N, ...)`` (any number of dimensions).
        t: labels ``(N,)`` or one-hot ``(N, K)``.
        seed: an int seed or a Generator; ``None`` uses NumPy's global generator, as
            the book's ``np.random.permutation`` (so ``np.random.seed`` repeats it).

    Returns:
        ``(x, t)`` shuffled: new arrays of the input dtypes, row i of both from the
        same original sample.

    Raises:
        ShapeError: ``x`` and ``t`` differ in length.
        DTypeError: ``x`` or ``t`` is not an array of real numbers.
        TypeError: ``seed`` is not None, an int >= 0 or a Generator.
    """
    xa, ta = as_real_array("x", x), as_real_array("t", t)
    check_seed("seed", seed)
    if xa.ndim == 0 or ta.ndim == 0 or xa.shape[0] != ta.shape[0]:
        raise ShapeError(
            f"x and t: expected the same number of samples (axis 0), got shapes "
            f"{xa.shape} and {ta.shape}"
        )
    rng: Any = np.random if seed is None else np.random.default_rng(seed)
    order = rng.permutation(xa.shape[0])
    return xa[order], ta[order]


def smooth_curve(x: ArrayLike, window_len: int = 11) -> Array:
    """A smoothed copy of a noisy curve, the book's ``common/util.smooth_curve``.

    Convolves with a normalised Kaiser window (beta 2) of ``window_len`` points after
    reflecting the ends, so the output has the input's length and no edge dip.
    Curves shorter than the window use a window of (odd) length <= len(x); fewer than
    3 points come back unchanged.

    Args:
        x: 1-D values, e.g. losses per iteration.
        window_len: window length in points (odd; an even one is reduced by 1).

    Returns:
        float64 array of the shape of ``x``.

    Raises:
        ShapeError: ``x`` is not 1-D.
        ValueError: ``window_len`` is not an integer >= 1.
        DTypeError: ``x`` is not real numbers.
    """
    a = np.asarray(as_real_array("x", x), dtype=np.float64)
    if a.ndim != 1:
        raise ShapeError(f"x: expected a 1-D curve, got shape {a.shape}")
    n = min(check_size("window_len", window_len), a.size)
    if n % 2 == 0:
        n -= 1
    if n < 3:
        return a.copy()
    s = np.r_[a[n - 1 : 0 : -1], a, a[-1:-n:-1]]
    w = np.kaiser(n, 2)
    y = np.convolve(w / w.sum(), s, mode="valid")
    half = n // 2
    return y[half : half + a.size]
