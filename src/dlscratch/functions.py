"""Activation functions, softmax and losses (book chapters 3 and 4).

Every function accepts a Python scalar, a list, or an array of any shape, and returns a
NumPy array (0-d for scalar input) of a floating dtype: the input's own float dtype
(float32 stays float32), or float64 for integer and Python inputs. ``step_function``
is the exception and returns integers 0/1 as the book's figures show.

Anything that is not real numbers (None, a string, an object, a complex, string or
object array) raises :class:`~dlscratch.errors.DTypeError` naming the argument; NumPy
alone would turn ``None`` into NaN (``sigmoid(None)`` was ``nan``). A ragged list
raises :class:`~dlscratch.errors.ShapeError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.validation import as_real_array, check_real

FloatArray = NDArray[np.floating[Any]]

# The book's `from common.X import *` also hands the script `np` (its modules have no
# __all__), and some of its scripts use np without importing it: export it too.
__all__ = [
    "class_labels",
    "cross_entropy_error",
    "identity_function",
    "mean_squared_error",
    "np",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_loss",
    "step_function",
    "sum_squared_error",
    "sum_squares_error",
]


def _as_float(x: ArrayLike, name: str = "x") -> FloatArray:
    """``x`` as an array, keeping float32/float64 and promoting the rest to float64.

    Raises ``DTypeError`` for None, strings, objects and complex / string / object
    arrays (NumPy would turn None into NaN), ``ShapeError`` for ragged lists."""
    a = as_real_array(name, x)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return a


def step_function(x: ArrayLike) -> NDArray[np.int64]:
    """Step function h(x) = 1 if x > 0 else 0 (book 3.2.2, eq. 3.3).

    Args:
        x: scalar or array of any shape.

    Returns:
        int64 array of 0s and 1s with the shape of ``x``. Its derivative is 0 everywhere
        except at 0, where it is undefined: that is why learning cannot use it (4.2.5).

    The book's code ends with ``astype(np.int)``, which NumPy 1.24 removed; this one
    does not.
    """
    return (as_real_array("x", x) > 0).astype(np.int64)


def sigmoid(x: ArrayLike) -> FloatArray:
    """Logistic sigmoid h(x) = 1 / (1 + exp(-x)) (book 3.2.4, eq. 3.6).

    Derivative: h'(x) = h(x) (1 - h(x)) (book 5.5.2); see :func:`sigmoid_grad`.

    Args:
        x: scalar or array of any shape.

    Returns:
        Array of the shape of ``x``, values in [0, 1], float dtype as described in the
        module docstring.

    Unlike the book's ``1 / (1 + np.exp(-x))``, no overflow warning is raised for large
    negative ``x``: ``exp`` is only ever evaluated at non-positive arguments.
    """
    a = _as_float(x)
    # exp(-|x|) is in (0, 1], so nothing overflows; both branches equal the logistic.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


def sigmoid_grad(x: ArrayLike) -> FloatArray:
    """Derivative of :func:`sigmoid`: s(x) (1 - s(x)) (book 5.5.2, eq. 5.12).

    Returns an array of the shape of ``x``, dtype as :func:`sigmoid` (float32 stays
    float32), values in [0, 0.25].
    """
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x: ArrayLike) -> FloatArray:
    """Rectified linear unit h(x) = max(0, x) (book 3.2.7, eq. 3.7).

    Derivative: 1 where x > 0, else 0 (book 5.5.1); see :func:`relu_grad`.

    Returns:
        A new array of the shape of ``x`` (float dtype as in the module docstring).
    """
    return np.maximum(0, _as_float(x))


def relu_grad(x: ArrayLike) -> FloatArray:
    """Derivative of :func:`relu`: 1.0 where x > 0, else 0.0 (book 5.5.1).

    Returns a new array of the shape of ``x`` in its float dtype (0 at x = 0, by
    convention). Never a view of ``x``: the book's trap of writing into it is avoided.
    """
    a = _as_float(x)
    return (a > 0).astype(a.dtype)


def identity_function(x: ArrayLike) -> FloatArray:
    """Identity output activation sigma(x) = x, used for regression (book 3.5).

    Returns ``x`` as a float array (the same object when it already is one).
    """
    return _as_float(x)


def softmax(x: ArrayLike) -> FloatArray:
    """Softmax along the last axis: y_k = exp(a_k - max a) / sum_i exp(a_i - max a).

    Book 3.5.1-3.5.2 (eq. 3.10 and 3.11). Subtracting the maximum leaves the result
    unchanged and keeps ``exp`` from overflowing, so ``softmax([1010, 1000, 990])``
    gives ``[9.99954600e-01, 4.53978686e-05, 2.06106005e-09]`` rather than NaN.

    Args:
        x: scores, shape ``(K,)`` for one sample or ``(..., K)`` for a batch.

    Returns:
        Probabilities with the shape of ``x``, each row summing to 1 along the last axis.
    """
    a = _as_float(x)
    if a.ndim == 0:
        return np.ones_like(a)
    if a.shape[-1] == 0:
        raise ShapeError(f"x: expected at least one score along the last axis, got shape {a.shape}")
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def class_labels(t: NDArray[Any], y: FloatArray) -> NDArray[np.intp]:
    """Class indices from targets ``t`` for outputs ``y`` of shape ``(..., K)``.

    ``t`` is one-hot (the shape of ``y``; its arg-max is taken) or integer labels of
    shape ``y.shape[:-1]``, the two forms the book's ``cross_entropy_error`` accepts
    (book 4.2.4); labels as a column ``(N, 1)`` are accepted too.

    Returns:
        intp array of shape ``y.shape[:-1]``.

    Raises:
        ShapeError: ``t`` fits neither form, or a label is outside [0, K-1].
        DTypeError: ``t`` or ``y`` is not an array of real numbers.
    """
    t = as_real_array("t", t)
    y = as_real_array("y", y)
    if y.ndim == 0 or y.shape[-1] == 0:
        raise ShapeError(f"y: expected outputs of shape (..., K) with K >= 1, got shape {y.shape}")
    if t.dtype.kind in "iu" and t.shape == y.shape[:-1]:
        labels = t.astype(np.intp)  # the common case: integer labels (a copy, always)
    else:
        labels = _labels_from(t, y)
    # Seen as unsigned, a negative label is huge, so one max() checks both ends.
    if labels.size and labels.view(np.uintp).max() >= y.shape[-1]:
        raise ShapeError(
            f"t: class labels must lie in [0, {y.shape[-1] - 1}]; "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _labels_from(t: NDArray[Any], y: FloatArray) -> NDArray[np.intp]:
    """:func:`class_labels` for one-hot rows, labels as a column, or float labels."""
    if t.size == y.size and t.shape[-1:] == y.shape[-1:] and y.ndim == t.ndim:
        return np.asarray(t.argmax(axis=-1), dtype=np.intp)
    if t.ndim == y.ndim and t.shape[-1:] == (1,) and t.shape[:-1] == y.shape[:-1]:
        t = t[..., 0]  # labels as a column, (N, 1): the book's ch. 7 gradient check does so
    if t.dtype.kind not in "iu":
        if not np.all(np.mod(t, 1) == 0):
            raise ShapeError(
                f"t: expected one-hot labels of shape {y.shape} or integer class labels "
                f"of shape {y.shape[:-1]}; got shape {t.shape} with non-integer values"
            )
    labels = t.astype(np.intp)  # a copy: the caller's array stays its own
    if labels.shape != y.shape[:-1]:
        raise ShapeError(
            f"t: expected one-hot labels of shape {y.shape} or class labels of shape "
            f"{y.shape[:-1]}; got shape {t.shape}"
        )
    return labels


def sum_squares_error(y: ArrayLike, t: ArrayLike) -> float:
    """Sum of squares error E = 1/2 * sum_k (y_k - t_k)^2 (book 4.2.1, eq. 4.1).

    Args:
        y: network outputs, ``(K,)`` or a batch ``(N, K)``.
        t: targets: one-hot of the same shape as ``y``, or class labels ``()``/``(N,)``
            (converted to one-hot).

    Returns:
        The error as a Python float: the sum over one sample, or for a batch the sum
        over the batch divided by N (the mean per-sample error, like
        :func:`cross_entropy_error`). The book only shows the single-sample case.
        Derivative: dE/dy = y - t.

    Raises:
        ShapeError: if ``t`` fits neither form.
    """
    ya = _as_float(y, "y")
    ta = as_real_array("t", t)
    if ta.shape != ya.shape:
        labels = class_labels(ta, ya)
        ta = np.eye(ya.shape[-1], dtype=ya.dtype)[labels]
    sse = 0.5 * np.sum((ya - ta) ** 2)
    n = ya.shape[0] if ya.ndim == 2 else 1
    return float(sse / n)


mean_squared_error = sum_squares_error
"""The name of :func:`sum_squares_error` in the Japanese edition's text and code: the
same function, 1/2 * sum_k (y_k - t_k)^2."""

sum_squared_error = sum_squares_error
"""The name of :func:`sum_squares_error` in the Korean edition's ``common/functions.py``."""


def cross_entropy_error(y: ArrayLike, t: ArrayLike, delta: float = 1e-7) -> float:
    """Cross-entropy error E = -1/N sum_n sum_k t_nk log(y_nk + delta) (book 4.2.2-4.2.4).

    Natural log; ``delta`` keeps log(0) = -inf away. With ``t`` one-hot only the
    probability of the true class matters, so labels are used directly (book 4.2.4).

    Unlike the book's code, each sample's term -log(y + delta) is clamped at 0: for a
    perfect prediction (y = 1 at the true class) the book returns -log(1 + 1e-7) =
    -1e-7, a negative cross-entropy, which cannot be. The clamp changes nothing for
    y <= 1 - delta, so every value the book prints comes out the same.

    Args:
        y: probabilities (e.g. softmax output), ``(K,)`` for one sample or ``(N, K)``.
        t: one-hot targets of the shape of ``y``, or class labels ``()`` / ``(N,)``.
        delta: added inside the log (the book's 1e-7).

    Returns:
        Mean error per sample, a Python float. Book values with t one-hot at class 2:
        y = [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0] gives 0.510825457.

    Raises:
        ShapeError: if ``t`` fits neither form or a label is out of range.
        ValueError: ``delta`` is not a finite number >= 0, or the probability of a true
            class lies outside [0, 1].
        DTypeError: ``y`` or ``t`` is not an array of real numbers.

    Derivative (paired with softmax): dE/da = (y - t) / N, see ``SoftmaxWithLoss``.
    """
    delta = check_real("delta", delta, 0.0, 1.0)
    ya = _as_float(y, "y")
    ta = as_real_array("t", t)
    if ya.ndim == 1:
        ya = ya.reshape(1, -1)
        if ta.size == ya.size:
            ta = ta.reshape(1, -1)
        elif ta.size == 1:
            ta = ta.reshape(1)
    if ya.ndim != 2:
        raise ShapeError(f"y: expected probabilities (K,) or (N, K), got shape {np.shape(y)}")
    labels = class_labels(ta, ya)
    n = ya.shape[0]
    if n == 0:
        raise ShapeError(f"y: expected at least one sample, got shape {ya.shape}")
    picked = ya[np.arange(n), labels]
    if np.any(picked < 0) or np.any(picked > 1 + 1e-6):
        raise ValueError(
            "y: expected probabilities in [0, 1] (e.g. softmax output); the true classes "
            f"have values from {picked.min():g} to {picked.max():g}"
        )
    return float(np.sum(np.maximum(-np.log(picked + delta), 0.0)) / n)


def softmax_loss(x: ArrayLike, t: ArrayLike) -> float:
    """Cross-entropy of softmax(x) against ``t``: the book's ``common/functions.py``.

    Args:
        x: scores before softmax, ``(K,)`` or ``(N, K)``.
        t: one-hot targets shaped like ``x``, or class labels ``()`` / ``(N,)``.

    Returns:
        ``cross_entropy_error(softmax(x), t)``, the mean per sample, a Python float.
        Its gradient with respect to ``x`` is (softmax(x) - t) / N (book 5.6.3).

    Raises:
        ShapeError: as :func:`cross_entropy_error`.
    """
    return cross_entropy_error(softmax(x), t)
