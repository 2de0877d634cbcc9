"""Numerical differentiation, gradient descent and gradient checking (book ch. 4-5).

:func:`gradient_check` compares backpropagation with numerical derivatives for a whole
network (book 5.7.3) or for a single layer (:func:`layer_gradient_check`).

Numerical derivatives use the central difference (f(x+h) - f(x-h)) / 2h with the book's
h = 1e-4 (book 4.3.1). That step only makes sense in float64: in float32 (about 7
significant digits) x + 1e-4 rounds away most of the step, so a float32 ``x`` gives a
coarse estimate (errors around 1e-2 relative are normal). The networks'
``numerical_gradient`` methods therefore swap float64 copies of their parameters in.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import DTypeError, PrecisionWarning
from dlscratch.validation import as_real_array, check_has, check_real, check_size

__all__ = [
    "GradientCheckRow",
    "gradient_check",
    "gradient_descent",
    "gradient_descent_path",
    "layer_gradient_check",
    "numerical_diff",
    "numerical_gradient",
]

H = 1e-4  # the book's step; see the module docstring for why float64 matters


def numerical_diff(f: Callable[[float], float], x: float, h: float = H) -> float:
    """Central-difference derivative (f(x + h) - f(x - h)) / (2h) (book 4.3.1-4.3.2).

    Args:
        f: a function of one real number.
        x: where to differentiate.
        h: the step (the book's 1e-4).

    Returns:
        The estimate as a Python float. For f(x) = 0.01x^2 + 0.1x it gives
        0.1999999999990898 at 5 and 0.2999999999986347 at 10 (exact: 0.2 and 0.3).
        The truncation error is O(h^2) and the rounding error about eps*|f|/h.

    Raises:
        TypeError: ``f`` is not callable, or ``x`` / ``h`` is not a real number.
        ValueError: ``x`` is not finite, or ``h`` is not a finite number > 0.
    """
    _check_f(f)
    x = check_real("x", x)
    h = _check_h(h)
    return float((f(x + h) - f(x - h)) / (2 * h))


def _check_f(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f: expected a function, got {f!r:.60} ({type(f).__name__})")


def _check_h(h: Any) -> float:
    return check_real("h", h, 0.0, low_inclusive=False)


def _indices(shape: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    return np.ndindex(*shape)


def numerical_gradient(
    f: Callable[[NDArray[Any]], Any], x: NDArray[Any], h: float = H
) -> NDArray[Any]:
    """Gradient of a scalar function ``f`` at ``x`` by central differences (book 4.4).

    Like the book's function, this perturbs ``x`` **in place**, one element at a time,
    and calls ``f(x)``. So ``f`` may ignore its argument and read ``x`` through a
    network that holds it: ``f = lambda w: net.loss(x, t)`` with
    ``numerical_gradient(f, net.W)`` gives dL/dW (book 4.4.2). ``x`` is restored
    after each element, and also when ``f`` raises.

    Unlike the book's chapter-4 version, any number of dimensions works.

    Args:
        f: maps an array shaped like ``x`` to a scalar (float or 0-d/size-1 array).
        x: floating-point array of any shape; float64 gives accurate results, float32
            only a coarse estimate (see the module docstring), with a warning.
        h: the step.

    Returns:
        Array of the shape and dtype of ``x``. For f = x0^2 + x1^2: [6, 8] at (3, 4).

    Raises:
        DTypeError: if ``x`` is not a floating-point NumPy array. An integer array
            cannot hold x + h: the book's code silently truncates and returns
            [25000, 35000] instead of [6, 8] at (3, 4).
        TypeError: ``f`` is not callable.
        ValueError: ``h`` is not a finite number > 0.

    Warns:
        PrecisionWarning: ``x`` is float32 or float16, where h = 1e-4 is too coarse a
            step (x + h keeps only a few of its digits): the estimate can be off in the
            third digit. Work in float64 (``dtype=np.float64``, the default of every
            network) for a meaningful result.
    """
    _check_f(f)
    h = _check_h(h)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        given = type(x).__name__ if not isinstance(x, np.ndarray) else f"dtype {x.dtype}"
        raise DTypeError(
            "numerical_gradient: x must be a floating-point NumPy array, perturbed in "
            f"place; got {given}. Pass floats, e.g. np.array([3.0, 4.0]) or "
            "x.astype(np.float64)"
        )
    if x.dtype.itemsize < 8:
        warnings.warn(
            f"numerical_gradient: x is {x.dtype}, where the step h = {h:g} is too coarse "
            "(x + h keeps only a few digits); expect errors in the third digit. Use float64 "
            "arrays (networks: dtype=np.float64, the default)",
            PrecisionWarning,
            stacklevel=2,
        )
    grad = np.zeros_like(x)
    for idx in _indices(x.shape):
        original = x[idx]
        try:
            x[idx] = original + h
            f_plus = float(np.asarray(f(x)).item())
            x[idx] = original - h
            f_minus = float(np.asarray(f(x)).item())
        finally:
            x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_descent(
    f: Callable[[NDArray[Any]], Any],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
) -> NDArray[np.float64]:
    """Gradient descent x <- x - lr * grad f(x) with numerical gradients (book 4.4.1, eq. 4.7).

    Args:
        f: scalar function of a float64 array.
        init_x: starting point (any shape). Unlike the book's code, it is copied and
            never modified.
        lr: learning rate eta.
        step_num: number of updates.

    Returns:
        The final point, float64, of the shape of ``init_x``, as the book's text
        returns it. From (-3, 4) on x0^2 + x1^2: lr 0.1 reaches about
        (-6.1e-10, 8.1e-10); lr 10 diverges to about (-2.6e13, -1.3e12); lr 1e-10
        barely moves. :func:`gradient_descent_path` also returns the points visited.

    Raises:
        ValueError: if ``step_num`` is negative or ``lr`` is not finite.
        DTypeError: ``init_x`` is not an array of real numbers.
    """
    return gradient_descent_path(f, init_x, lr, step_num)[0]


def gradient_descent_path(
    f: Callable[[NDArray[Any]], Any],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`gradient_descent` that also returns the path (book fig. 4-10).

    The book's ``ch04/gradient_method.py`` returns the same pair.

    Returns:
        ``(x, history)``: the final point (float64, shape of ``init_x``) and the points
        before each update, float64 ``(step_num, *init_x.shape)``.

    Raises:
        ValueError: if ``step_num`` is negative or ``lr`` is not finite.
        DTypeError: ``init_x`` is not an array of real numbers.
    """
    _check_f(f)
    step_num = check_size("step_num", step_num, 0)
    lr = check_real("lr", lr)
    x = np.array(as_real_array("init_x", init_x), dtype=np.float64)
    history = np.empty((step_num, *x.shape), dtype=np.float64)
    for i in range(step_num):
        history[i] = x
        x -= lr * numerical_gradient(f, x)
    return x, history


@dataclass(frozen=True)
class GradientCheckRow:
    """Backprop vs numerical gradient of one parameter (see :func:`gradient_check`)."""

    name: str
    shape: tuple[int, ...]
    mean_abs_diff: float
    max_abs_diff: float
    max_rel_diff: float


def _rows(grads_bp: dict[str, Any], grads_num: dict[str, Any]) -> list[GradientCheckRow]:
    rows = []
    for name, num in grads_num.items():
        g1 = np.asarray(grads_bp[name], dtype=np.float64)
        g2 = np.asarray(num, dtype=np.float64)
        diff = np.abs(g1 - g2)
        rel = diff / np.maximum(np.abs(g1) + np.abs(g2), 1e-8)
        rows.append(
            GradientCheckRow(
                name=name,
                shape=tuple(g1.shape),
                mean_abs_diff=float(diff.mean()) if diff.size else 0.0,
                max_abs_diff=float(diff.max()) if diff.size else 0.0,
                max_rel_diff=float(rel.max()) if rel.size else 0.0,
            )
        )
    return rows


def gradient_check(
    network: Any, x: ArrayLike, t: ArrayLike | None = None, *, dout: ArrayLike | None = None
) -> list[GradientCheckRow]:
    """Compare backprop with numerical gradients, for a network or a single layer.

    Book 5.7.3 ("gradient check"). For each parameter the absolute differences
    |g_bp - g_num| are averaged and maximised; the relative difference is
    |g_bp - g_num| / max(|g_bp| + |g_num|, 1e-8), maximised.

    - A network (an object with ``gradient``): ``network.gradient(x, t)`` against
      ``network.numerical_gradient(x, t)``, one row per parameter.
    - A layer (an object with ``forward`` and ``backward``, no ``gradient``): see
      :func:`layer_gradient_check`; ``t`` is not used, ``dout`` may be given.

    Args:
        network: the network or layer.
        x: input batch.
        t: labels or one-hot targets (networks only).
        dout: the upstream gradient for a layer (see :func:`layer_gradient_check`).

    Returns:
        One :class:`GradientCheckRow` per parameter, in ``params`` order (for a layer:
        ``x`` first, then its parameters). For a correct backprop in float64, mean
        differences are around 1e-10 or below.

    Raises:
        TypeError: a network without ``t``, or neither a network nor a layer.
    """
    if not hasattr(network, "gradient") and hasattr(network, "backward"):
        return layer_gradient_check(network, x, dout)
    if t is None:
        raise TypeError("gradient_check: a network needs the targets t")
    check_has("network", network, "gradient", "numerical_gradient")
    xa, ta = as_real_array("x", x), as_real_array("t", t)
    # Networks with dropout: both passes must draw the same masks.
    get_state = getattr(network, "random_state", None)
    state = get_state() if get_state is not None else None
    grad_bp = {k: np.array(v) for k, v in network.gradient(xa, ta).items()}
    if state is not None:
        network.set_random_state(state)
    grad_num = network.numerical_gradient(xa, ta)
    return _rows(grad_bp, {name: grad_num[name] for name in network.params})


# (parameter, its gradient) attribute pairs a layer may have
LAYER_PARAMS = (("W", "dW"), ("b", "db"), ("gamma", "dgamma"), ("beta", "dbeta"))


def layer_gradient_check(
    layer: Any, x: ArrayLike, dout: ArrayLike | None = None, seed: int = 0
) -> list[GradientCheckRow]:
    """Compare a layer's ``backward`` with numerical derivatives (book 5.7.3, per layer).

    With a fixed upstream gradient r (``dout``), L(x, params) = sum(forward(x) * r) has
    dL/dx = backward(r), and dL/dW = the ``dW`` that backward stores (likewise ``db``,
    ``dgamma``, ``dbeta``). This computes both sides: ``backward(r)`` once, and
    :func:`numerical_gradient` of L for x and for each parameter array the layer has
    (``W``, ``b``, ``gamma``, ``beta``; a Python-number bias is left out). Everything
    is evaluated in float64: x and the parameters are swapped for float64 copies
    during the check and put back afterwards, with any batch-norm running statistics.

    Args:
        layer: an object with ``forward(x)`` and ``backward(dout)`` whose forward gives
            the same output for the same input (not Dropout, which draws a new mask).
        x: the input; its values should be away from kinks (ReLU at 0, ties in max
            pooling), where the derivative jumps.
        dout: r, of the output's shape; None draws standard normal values (``seed``).
        seed: the seed of that draw.

    Returns:
        Rows (:class:`GradientCheckRow`) named ``x`` and then each parameter.

    Raises:
        ShapeError: from the layer, if x or dout does not fit it.
        TypeError: ``layer`` has no ``forward`` / ``backward``.
        DTypeError: ``x`` or ``dout`` is not an array of real numbers.
    """
    check_has("layer", layer, "forward", "backward")
    x64 = np.array(as_real_array("x", x), dtype=np.float64)
    if dout is not None:
        dout = as_real_array("dout", dout)
    names = [
        (p, g)
        for p, g in LAYER_PARAMS
        if isinstance(getattr(layer, p, None), np.ndarray) and hasattr(layer, g)
    ]
    saved = {p: getattr(layer, p) for p, _ in names}
    stats = {a: getattr(layer, a) for a in ("running_mean", "running_var") if hasattr(layer, a)}
    try:
        for p, _ in names:
            setattr(layer, p, np.array(saved[p], dtype=np.float64))
        out = np.asarray(layer.forward(x64))
        r = (
            np.random.default_rng(seed).standard_normal(out.shape)
            if dout is None
            else np.asarray(dout, dtype=np.float64)
        )
        grads_bp = {"x": np.array(layer.backward(r.copy()))}
        for p, g in names:
            grads_bp[p] = np.array(getattr(layer, g))

        def loss(_: NDArray[Any]) -> float:
            return float(np.sum(layer.forward(x64) * r))

        grads_num = {"x": numerical_gradient(loss, x64)}
        for p, _ in names:
            grads_num[p] = numerical_gradient(loss, getattr(layer, p))
    finally:
        for p, value in saved.items():
            setattr(layer, p, value)
        for a, value in stats.items():
            setattr(layer, a, value)
    return _rows(grads_bp, grads_num)
