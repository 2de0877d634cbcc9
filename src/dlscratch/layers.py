"""Layers with a forward and a backward pass (book chapters 5-7).

Each layer is a small object: ``forward`` computes the output and keeps what the
backward pass needs; ``backward(dout)`` takes dL/d(output) and returns dL/d(input),
storing parameter gradients (``dW``, ``db``, ``dgamma``, ``dbeta``) on the layer. The
two passes sit next to each other, with the formula and its derivative in the docstring.

Interface shared by every single-input layer, so networks can call them generically:

- ``forward(x, train_flg=True)``: ``train_flg`` matters only to ``Dropout`` and
  ``BatchNormalization``; the others accept and ignore it, so the book's
  ``layer.forward(x)`` still works.
- ``backward(dout)`` returns ``dx`` with the shape of ``x``. It never writes into
  ``dout`` (the book's ``Relu`` does, a known trap), and ``forward`` never writes into
  ``x``.
- ``backward_params(dout)`` (``Affine`` and ``Convolution`` only) stores the parameter
  gradients as ``backward`` does but computes no ``dx``. A network calls it, instead of
  ``backward``, on its first layer, whose input is the data: nothing needs that dx.
- Parameter layers keep the very arrays they were given (``self.W``, ``self.b``,
  ``self.gamma``, ``self.beta``) and read them at call time, so an optimizer updating
  them in place, or a network rebinding them, is seen at once.

dtypes: layers compute in the dtype of their inputs and parameters (float32 stays
float32; NumPy's promotion rules apply when they are mixed). Python scalars never
upcast.

Also here: ``im2col`` / ``col2im`` (book 7.4.3), which turn convolution into one matrix
product, and ``conv_output_size``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.functions import class_labels, sigmoid

# The book's `from common.X import *` also hands the script `np` (its modules have no
# __all__), and some of its scripts use np without importing it: export it too.
__all__ = [
    "AddLayer",
    "Affine",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "MulLayer",
    "Pooling",
    "Relu",
    "Sigmoid",
    "SoftmaxWithLoss",
    "col2im",
    "conv_output_size",
    "im2col",
    "np",
]

Array = NDArray[Any]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _saved(value: Any, layer: object, what: str = "forward") -> Any:
    """``value`` if it is set; otherwise say that ``forward`` must run first."""
    if value is None:
        raise RuntimeError(
            f"{type(layer).__name__}.backward: call {what} first (nothing saved to "
            "backpropagate through)"
        )
    return value


def _check_dout(layer: object, dout: Array, shape: tuple[int, ...]) -> None:
    if dout.shape != shape:
        raise ShapeError(
            f"{type(layer).__name__}.backward: dout must have the shape of the forward "
            f"output, {shape}; got {dout.shape}"
        )


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_positive(name: str, value: int) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value!r}")


def _check_pad(pad: int) -> None:
    if not _is_int(pad) or pad < 0:
        raise ValueError(f"pad: expected an int >= 0, got {pad!r}")


def _out_size(size: int, filter_size: int, stride: int, pad: int) -> int | None:
    """(size + 2 pad - filter_size) / stride + 1, or None when not a whole number >= 1."""
    span = size + 2 * pad - filter_size
    if span < 0 or span % stride:
        return None
    return span // stride + 1


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """Output length of a convolution or pooling along one axis (book 7.2.4, eq. 7.1).

    OH = (H + 2 * pad - FH) / stride + 1

    Args:
        input_size: H (or W), in pixels.
        filter_size: FH (or FW).
        stride: step between windows, >= 1.
        pad: zeros added on each side, >= 0.

    Returns:
        OH as an int. Book example: H = 4, FH = 3, pad 1, stride 1 gives 4.

    Raises:
        ShapeError: if OH is not a whole number >= 1 (the filter does not tile the
            padded input exactly). The book's code rounds down silently instead.
        ValueError: if stride < 1, pad < 0 or filter_size < 1.
    """
    _check_positive("filter_size", filter_size)
    _check_positive("stride", stride)
    _check_pad(pad)
    out = _out_size(input_size, filter_size, stride, pad)
    if out is None:
        raise ShapeError(
            f"conv_output_size: (input_size + 2*pad - filter_size) / stride + 1 = "
            f"({input_size} + 2*{pad} - {filter_size}) / {stride} + 1 = "
            f"{(input_size + 2 * pad - filter_size) / stride + 1:g} is not a whole "
            "number >= 1; change the filter size, stride or pad"
        )
    return out


def _output_hw(
    where: str, H: int, W: int, filter_h: int, filter_w: int, stride: int, pad: int
) -> tuple[int, int]:
    """(OH, OW) of a sliding window, with an error naming every quantity involved."""
    _check_positive("filter_h", filter_h)
    _check_positive("filter_w", filter_w)
    _check_positive("stride", stride)
    _check_pad(pad)
    out_h = _out_size(H, filter_h, stride, pad)
    out_w = _out_size(W, filter_w, stride, pad)
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


def _pad_hw(x: Array, pad: int, fill: Any = 0) -> Array:
    """``x`` (N, C, H, W) with ``pad`` pixels of ``fill`` around H and W (x if pad == 0)."""
    if pad == 0:
        return x
    N, C, H, W = x.shape
    out = np.full((N, C, H + 2 * pad, W + 2 * pad), fill, dtype=x.dtype)
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out


def _as_rows(where: str, xa: Array, D: int, source: str, forms: str) -> Array:
    """``xa`` as (N, D): a single sample (D,) becomes (1, D), and (N, ...) is flattened
    per sample (book 7.5), with an error naming ``source`` (where D comes from)."""
    if xa.ndim == 0:
        raise ShapeError(f"{where}: x must be {forms}; got a scalar")
    x2 = xa.reshape(1, -1) if xa.ndim == 1 else xa.reshape(xa.shape[0], -1)
    if x2.shape[1] != D:
        raise ShapeError(
            f"{where}: each sample of x must hold D={D} numbers ({source}); "
            f"got x of shape {xa.shape}, i.e. {x2.shape[1]} per sample"
        )
    return x2


def _check_4d(where: str, x: Array, channels: int | None = None) -> None:
    if x.ndim != 4:
        raise ShapeError(
            f"{where}: x must be 4-D (N, C, H, W); got {x.ndim}-D shape {x.shape}"
            + (" (add a batch axis with x[None])" if x.ndim == 3 else "")
        )
    if channels is not None and x.shape[1] != channels:
        raise ShapeError(
            f"{where}: x must have C={channels} channels (the filters' second axis); "
            f"got shape {x.shape} with {x.shape[1]}"
        )


# --------------------------------------------------------------------------------------
# 5.4 simple layers
# --------------------------------------------------------------------------------------
class MulLayer:
    """Multiplication node z = x * y (book 5.4.1).

    Backward: dz/dx = y and dz/dy = x, so ``backward(dout)`` returns
    ``(dout * y, dout * x)``: the inputs are swapped. Works with Python numbers or
    arrays (broadcasting as NumPy does, with no reduction in backward).

    Book example (buying apples): 2 apples at 100 with tax 1.1 cost 220; with
    dprice = 1, dapple = 2.2, dapple_num = 110, dtax = 200.
    """

    def __init__(self) -> None:
        self.x: Any = None
        self.y: Any = None

    def forward(self, x: Any, y: Any) -> Any:
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        _saved(self.x, self)
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    """Addition node z = x + y (book 5.4.2).

    Backward: dz/dx = dz/dy = 1, so ``backward(dout)`` passes ``dout`` on to both
    inputs, as two new objects (``dout * 1``), never ``dout`` itself.
    """

    def forward(self, x: Any, y: Any) -> Any:
        return x + y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return dout * 1, dout * 1


# --------------------------------------------------------------------------------------
# 5.5 activation layers
# --------------------------------------------------------------------------------------
class Relu:
    """ReLU y = max(0, x) (book 5.5.1, eq. 5.7).

    Derivative: dy/dx = 1 where x > 0, else 0 (eq. 5.8), so
    ``dx = dout`` where x > 0 and 0 elsewhere.

    Shapes: any; dx has the shape and dtype of ``dout``. ``self.mask`` is the book's
    boolean array, True where x <= 0.

    Unlike the book's code, backward returns a new array instead of writing zeros into
    ``dout`` (which may be another layer's stored array). It is computed as
    ``dout * ~mask`` (masked writes are ~10x slower), so a NaN or inf in ``dout`` where
    x <= 0 gives NaN there rather than 0.
    """

    def __init__(self) -> None:
        self.mask: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        self.mask = xa <= 0
        return np.maximum(xa, 0)

    def backward(self, dout: Array) -> Array:
        mask = _saved(self.mask, self)
        dout = np.asarray(dout)
        _check_dout(self, dout, mask.shape)
        return dout * ~mask  # a new array; ~10x faster than np.where(mask, 0, dout)


class Sigmoid:
    """Sigmoid y = 1 / (1 + exp(-x)) (book 5.5.2, eq. 5.9).

    Derivative: dy/dx = y (1 - y) (eq. 5.12), so ``dx = dout * y * (1 - y)``, using
    the output ``self.out`` kept by forward.

    Shapes: any; the output keeps a float input's dtype (see
    :func:`dlscratch.functions.sigmoid`, which never overflows).
    """

    def __init__(self) -> None:
        self.out: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: Array) -> Array:
        out = _saved(self.out, self)
        dout = np.asarray(dout)
        _check_dout(self, dout, out.shape)
        return dout * (1.0 - out) * out


# --------------------------------------------------------------------------------------
# 5.6 Affine and Softmax-with-Loss
# --------------------------------------------------------------------------------------
class Affine:
    """Fully connected layer y = x W + b (book 5.6.1-5.6.2).

    Derivatives (eq. 5.13): dx = dout W^T, dW = x^T dout, db = sum of dout over the
    batch.

    Args:
        W: weights, shape (D, M). Kept by reference as ``self.W``.
        b: bias, shape (M,). Kept by reference as ``self.b``.

    ``forward(x)`` accepts x of shape (N, D), a single sample (D,), or any (N, ...)
    whose trailing axes hold D numbers in all, e.g. images (N, C, H, W) (book 7.5:
    flattened to (N, D) for the product). The output is (N, M), or (M,) for a single
    sample. ``backward(dout)`` returns dx in the original shape of x and stores
    ``self.dW`` (D, M) and ``self.db`` (M,); ``backward_params(dout)`` stores only
    those two (for a network's first layer). dtype: that of ``x @ W`` (float32 when
    both are float32).

    Raises:
        ShapeError: if x does not hold D numbers per sample, or dout has the wrong
            shape.
    """

    def __init__(self, W: Array, b: Array) -> None:
        if np.ndim(W) != 2:
            raise ShapeError(f"Affine: W must be 2-D (D, M); got shape {np.shape(W)}")
        if np.shape(b) != (np.shape(W)[1],):
            raise ShapeError(
                f"Affine: b must have shape ({np.shape(W)[1]},) to match W {np.shape(W)}; "
                f"got {np.shape(b)}"
            )
        self.W = W
        self.b = b
        self.x: Array | None = None  # the input as (N, D)
        self.original_x_shape: tuple[int, ...] | None = None
        self.dW: Array | None = None
        self.db: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        D = self.W.shape[0]
        x2 = _as_rows("Affine", xa, D, f"W is {self.W.shape}", f"(N, {D}), ({D},) or (N, ...)")
        self.original_x_shape = xa.shape
        self.x = x2
        out = x2 @ self.W
        out += self.b
        return out[0] if xa.ndim == 1 else out

    def backward(self, dout: Array) -> Array:
        dout2 = self._param_grads(dout)
        dx = dout2 @ self.W.T
        return dx.reshape(_saved(self.original_x_shape, self))

    def backward_params(self, dout: Array) -> None:
        """Store ``self.dW`` and ``self.db`` as :meth:`backward` does, without dx (one
        of the step's three largest products): for a network's first layer."""
        self._param_grads(dout)

    def _param_grads(self, dout: Array) -> Array:
        """Store dW and db; return dout as (N, M)."""
        x2 = _saved(self.x, self)
        shape = _saved(self.original_x_shape, self)
        dout = np.asarray(dout)
        M = self.W.shape[1]
        _check_dout(self, dout, (M,) if len(shape) == 1 else (shape[0], M))
        dout2 = dout.reshape(x2.shape[0], M)
        self.dW = x2.T @ dout2
        self.db = dout2.sum(axis=0)
        return dout2


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error (book 5.6.3, appendix A).

    Forward: y = softmax(x), L = -1/N sum_n log y[n, t_n], with log y computed as
    (x - max x) - log sum exp(x - max x) so it never takes log(0). The book's
    ``cross_entropy_error`` adds 1e-7 inside the log instead; that changes L by about
    1e-7 / y and makes it disagree with the exact backward below, so a numerical
    gradient check of the book's pair is only good to about 1e-8. Ours is exact.
    Backward: dL/dx = (y - t_onehot) / N, times ``dout`` (1 by default): the
    clean result that makes this pair the usual choice (fig. 5-30).

    ``forward(x, t)``: x is (N, K) scores, or (K,) for a single un-batched sample;
    t is class labels (N,) / () or one-hot (N, K) / (K,). Returns the mean loss as a
    Python float (``self.loss``); keeps ``self.y`` (softmax output) and ``self.t`` as
    the book does. ``backward(dout=1)`` returns dx of the shape and dtype of x.
    With one-hot ``t`` the true class is its argmax, as in the loss.

    Raises:
        ShapeError: if x is not 1-D or 2-D, or t fits neither form (see
            :func:`dlscratch.functions.cross_entropy_error`).
    """

    def __init__(self) -> None:
        self.loss: float | None = None
        self.y: Array | None = None
        self.t: Array | None = None
        self._labels: NDArray[np.intp] = np.empty(0, dtype=np.intp)

    def forward(self, x: ArrayLike, t: ArrayLike) -> float:
        xa = np.asarray(x)
        if xa.ndim not in (1, 2):
            raise ShapeError(
                f"SoftmaxWithLoss: x must be (N, K) or a single sample (K,); got shape {xa.shape}"
            )
        self.t = np.asarray(t)
        k = xa.shape[-1]
        x2 = xa.reshape(-1, k)
        t2 = self.t.reshape(x2.shape) if self.t.size == x2.size else self.t.reshape(-1)
        labels = self._labels = class_labels(t2, x2)
        shifted = x2 - x2.max(axis=1, keepdims=True)  # <= 0, so exp never overflows
        e = np.exp(shifted)
        z = e.sum(axis=1, keepdims=True)
        e /= z
        self.y = e.reshape(xa.shape)
        n = x2.shape[0]
        # -log y_true = log z - shifted_true: both terms >= 0, so their sums never cancel
        self.loss = float(np.log(z).sum() - shifted[np.arange(n), labels].sum()) / n
        return self.loss

    def backward(self, dout: float = 1.0) -> Array:
        y = _saved(self.y, self)
        labels = self._labels
        dx = y.reshape(-1, y.shape[-1]).copy()  # (N, K), a new array of y's dtype
        n = dx.shape[0]
        dx[np.arange(n), labels] -= 1
        dx *= float(dout) / n
        return dx.reshape(y.shape)


# --------------------------------------------------------------------------------------
# 6.4.3 Dropout
# --------------------------------------------------------------------------------------
class Dropout:
    """Dropout as the book implements it (book 6.4.3; Srivastava et al. 2014).

    Training (``train_flg=True``): mask = U(0, 1) > dropout_ratio, drawn afresh on each
    call, and y = x * mask. Each unit is kept with probability 1 - dropout_ratio;
    dx = dout * mask.

    Testing (``train_flg=False``): y = x * (1 - dropout_ratio) and
    dx = dout * (1 - dropout_ratio). Like the book, this scales at test time; it is
    not "inverted dropout" (which scales by 1 / (1 - ratio) during training instead).

    Args:
        dropout_ratio: probability of dropping a unit, in [0, 1).
        seed: an int seed, a ``numpy.random.Generator`` (used as is, shared), or None
            (fresh entropy). The same seed gives the same masks.
        rng: another name for a Generator; give ``seed`` or ``rng``, not both.

    Shapes: any; the output has the shape and dtype of x. The mask (``self.mask``,
    boolean) is drawn in float32 for float32 input, which costs half the float64 draw.

    Raises:
        ValueError: for a ratio outside [0, 1), or both ``seed`` and ``rng``.
    """

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        seed: int | np.random.Generator | None = None,
        *,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not 0.0 <= dropout_ratio < 1.0:
            raise ValueError(f"dropout_ratio: expected a number in [0, 1), got {dropout_ratio}")
        if seed is not None and rng is not None:
            raise ValueError("Dropout: give seed or rng, not both")
        self.dropout_ratio = float(dropout_ratio)
        self.rng = np.random.default_rng(rng if rng is not None else seed)
        self.mask: Array | None = None
        self.train_flg: bool | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        self.train_flg = bool(train_flg)
        if not train_flg:
            self.mask = None
            return xa * (1.0 - self.dropout_ratio)
        dtype = np.float32 if xa.dtype == np.float32 else np.float64
        self.mask = self.rng.random(xa.shape, dtype=dtype) > self.dropout_ratio
        return xa * self.mask

    def backward(self, dout: Array) -> Array:
        _saved(self.train_flg, self)
        dout = np.asarray(dout)
        if self.mask is None:  # last forward was in test mode
            return dout * (1.0 - self.dropout_ratio)
        _check_dout(self, dout, self.mask.shape)
        return dout * self.mask


# --------------------------------------------------------------------------------------
# 6.3 Batch normalization
# --------------------------------------------------------------------------------------
class BatchNormalization:
    """Batch normalization (book 6.3; Ioffe & Szegedy 2015), as in the book's code.

    Training: over the batch axis, mu = mean(x), var = mean((x - mu)^2) (biased),
    xn = (x - mu) / sqrt(var + eps), y = gamma * xn + beta, with eps = 10e-7 (= 1e-6)
    as in the book's code (eq. 6.7 writes a small epsilon). The running statistics
    are updated as running = momentum * running + (1 - momentum) * batch value.
    Testing (``train_flg=False``): mu and var are the running statistics.

    Backward (training), through the book's computational graph with
    xc = x - mu and std = sqrt(var + eps):
    dbeta = sum dout, dgamma = sum(xn * dout), dxn = gamma * dout,
    dxc = dxn / std + (2 / N) xc * dvar with dvar = -0.5 sum(dxn * xc) / std^3,
    dx = dxc - mean(dxc). In test mode mu and var are constants: dx = dxn / std.

    Args:
        gamma: scale, (D,) (any shape with D elements; kept by reference).
        beta: shift, like gamma.
        momentum: weight of the old running statistics.
        running_mean, running_var: (D,) starting statistics; zeros of the input's
            dtype when None (the book's choice: testing before any training step
            divides by sqrt(eps)).

    Input: (N, D), a single sample (D,), or (N, C, H, W), which is reshaped to
    (N, C*H*W) as the book does: every pixel of every channel is normalized on its
    own, so D = C*H*W (not per-channel "spatial" batch norm). Output, dx: shape and
    dtype of x. ``self.dgamma`` / ``self.dbeta`` have the shapes of gamma / beta.

    Raises:
        ShapeError: if the input does not have D numbers per sample.
    """

    eps = 10e-7

    def __init__(
        self,
        gamma: Array,
        beta: Array,
        momentum: float = 0.9,
        running_mean: Array | None = None,
        running_var: Array | None = None,
    ) -> None:
        if np.size(beta) != np.size(gamma):
            raise ShapeError(
                f"BatchNormalization: beta must have gamma's {np.size(gamma)} elements; "
                f"got shape {np.shape(beta)}"
            )
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.input_shape: tuple[int, ...] | None = None
        self.train_flg: bool | None = None
        self.batch_size: int | None = None
        self.xc: Array | None = None
        self.xn: Array | None = None
        self.std: Array | None = None
        self.dgamma: Array | None = None
        self.dbeta: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        D = np.size(self.gamma)
        x2 = _as_rows("BatchNormalization", xa, D, "gamma's size", f"(N, {D}) or (N, C, H, W)")
        self.input_shape = xa.shape
        self.train_flg = bool(train_flg)
        if self.running_mean is None:
            self.running_mean = np.zeros(D, dtype=x2.dtype)
        if self.running_var is None:
            self.running_var = np.zeros(D, dtype=x2.dtype)

        if train_flg:
            mu = x2.mean(axis=0)
            xc = x2 - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + self.eps)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            xc = x2 - self.running_mean.reshape(-1)
            std = np.sqrt(self.running_var.reshape(-1) + self.eps)
        xn = xc / std
        self.batch_size, self.xc, self.xn, self.std = x2.shape[0], xc, xn, std

        out = self.gamma.reshape(-1) * xn + self.beta.reshape(-1)
        return out.reshape(xa.shape)

    def backward(self, dout: Array) -> Array:
        shape = _saved(self.input_shape, self)
        xc, xn, std = _saved(self.xc, self), _saved(self.xn, self), _saved(self.std, self)
        n = _saved(self.batch_size, self)
        dout = np.asarray(dout)
        _check_dout(self, dout, shape)
        dout2 = dout.reshape(xn.shape)

        self.dbeta = dout2.sum(axis=0).reshape(np.shape(self.beta))
        self.dgamma = np.sum(xn * dout2, axis=0).reshape(np.shape(self.gamma))
        dxn = self.gamma.reshape(-1) * dout2
        dxc = dxn / std
        if self.train_flg:  # mu and var depend on x too
            dstd = -np.sum((dxn * xc) / (std * std), axis=0)
            dvar = 0.5 * dstd / std
            dxc += (2.0 / n) * xc * dvar
            dmu = np.sum(dxc, axis=0)
            dxc -= dmu / n
        return dxc.reshape(shape)


# --------------------------------------------------------------------------------------
# 7.4 im2col, convolution and pooling
# --------------------------------------------------------------------------------------
def _window_offsets(
    filter_h: int, filter_w: int, out_h: int, out_w: int, stride: int
) -> list[tuple[int, int, slice, slice]]:
    """For each offset (p, q) within a window, row-major: p, q and the slices of the
    padded image that offset reads at every output position, (rows, cols)."""
    return [
        (
            p,
            q,
            slice(p, p + stride * (out_h - 1) + 1, stride),
            slice(q, q + stride * (out_w - 1) + 1, stride),
        )
        for p in range(filter_h)
        for q in range(filter_w)
    ]


def _im2col_t(x: Array, filter_h: int, filter_w: int, stride: int, pad: int) -> Array:
    """The transpose of :func:`im2col`, (C*FH*FW, N*OH*OW), as a C-contiguous array.

    Rows are ordered (c, fh, fw), columns (n, oh, ow). Built as the book builds col,
    with one copy per filter offset (fh, fw), but from the images laid out channels
    first (C, N, H, W): each offset's block col[c, fh, fw] is then one contiguous
    (N, OH, OW) slab, so the copies stream through memory, and the convolution's
    product W (FN, C*FH*FW) @ col gives its output with the filters first (FN, N*OH*OW)
    without a scattered transpose (about 3x faster than building the book's row
    order, for DeepConvNet's 3x3 layers on 16-64 channels).
    """
    N, C, H, W = x.shape
    out_h, out_w = _output_hw("im2col", H, W, filter_h, filter_w, stride, pad)
    if pad:
        img = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
        img[:, :, pad : pad + H, pad : pad + W] = x.transpose(1, 0, 2, 3)
    else:
        img = x.transpose(1, 0, 2, 3)  # a view: the copies below read it in place
    col = np.empty((C, filter_h, filter_w, N, out_h, out_w), dtype=x.dtype)
    for p, q, rows, cols in _window_offsets(filter_h, filter_w, out_h, out_w, stride):
        col[:, p, q] = img[:, :, rows, cols]
    return col.reshape(C * filter_h * filter_w, N * out_h * out_w)


def _unpad_to_nchw(img: Array, pad: int) -> Array:
    """Channels-first padded images (C, N, H + 2 pad, W + 2 pad) -> C-contiguous
    (N, C, H, W) without the padding."""
    H, W = img.shape[2] - 2 * pad, img.shape[3] - 2 * pad
    return np.ascontiguousarray(img[:, :, pad : pad + H, pad : pad + W].transpose(1, 0, 2, 3))


def _col2im_t(
    col_t: Array,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int,
    pad: int,
) -> Array:
    """:func:`col2im` of the transpose ``col_t`` (C*FH*FW, N*OH*OW) of a col; returns
    C-contiguous (N, C, H, W). The adjoint of :func:`_im2col_t`: one add per filter
    offset, into images laid out channels first."""
    N, C, H, W = input_shape
    out_h, out_w = _output_hw("col2im", H, W, filter_h, filter_w, stride, pad)
    blocks = col_t.reshape(C, filter_h, filter_w, N, out_h, out_w)
    img = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=col_t.dtype)
    for p, q, rows, cols in _window_offsets(filter_h, filter_w, out_h, out_w, stride):
        img[:, :, rows, cols] += blocks[:, p, q]
    return _unpad_to_nchw(img, pad)


def im2col(
    input_data: ArrayLike, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> Array:
    """Unfold every filter-sized window of a batch of images into a row (book 7.4.3).

    Row r = (n, oh, ow) (in that order, ow fastest) holds the window at output position
    (oh, ow) of image n; its columns are ordered (c, fh, fw), so that
    ``im2col(x, FH, FW) @ W.reshape(FN, -1).T`` is the convolution (cross-correlation)
    with filters W (FN, C, FH, FW).

    Args:
        input_data: (N, C, H, W), any dtype (kept).
        filter_h, filter_w: window size FH, FW.
        stride: step between windows.
        pad: zeros added around H and W.

    Returns:
        A new, writeable array (N*OH*OW, C*FH*FW) of the input's dtype, with
        OH = (H + 2 pad - FH) / stride + 1 and OW likewise. E.g. (1, 3, 7, 7) with
        5x5 filters gives (9, 75); (10, 3, 7, 7) gives (90, 75). It is stored column
        by column (Fortran order): it is the transpose of the array the
        :class:`Convolution` layer builds (see there why); NumPy and BLAS take either
        order, and ``np.ascontiguousarray`` gives the book's row-major layout.

    Raises:
        ShapeError: if input_data is not 4-D, or OH or OW is not a whole number >= 1
            (the book's code silently drops the remainder).

    Like the book's code, it loops over the FH*FW filter offsets, copying one strided
    slab of the whole batch per offset; nothing loops over samples or positions.
    """
    x = np.asarray(input_data)
    _check_4d("im2col", x)
    return _im2col_t(x, filter_h, filter_w, stride, pad).T


def col2im(
    col: ArrayLike,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> Array:
    """Fold rows laid out as :func:`im2col` makes them back onto images (book 7.4.3).

    Each entry is added to the pixel it was copied from, so where windows overlap the
    values are summed: col2im is the adjoint (transpose) of im2col, not its inverse
    (<im2col(x), y> = <x, col2im(y)> for all x, y). That is exactly what backward
    needs: dx = col2im(dcol).

    Args:
        col: (N*OH*OW, C*FH*FW).
        input_shape: (N, C, H, W) of the images im2col was applied to.
        filter_h, filter_w, stride, pad: as given to :func:`im2col`.

    Returns:
        A new C-contiguous (N, C, H, W) array of col's dtype (padding cropped off).

    Raises:
        ShapeError: if the sizes do not tile (see :func:`im2col`) or col has the
            wrong shape.

    Loops over the FH*FW filter offsets (as the book does), adding one strided slab
    per offset; nothing loops over samples or positions.
    """
    c = np.asarray(col)
    N, C, H, W = (int(v) for v in input_shape)
    out_h, out_w = _output_hw("col2im", H, W, filter_h, filter_w, stride, pad)
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if c.shape != expected:
        raise ShapeError(
            f"col2im: col must have shape (N*OH*OW, C*FH*FW) = {expected} for input "
            f"{(N, C, H, W)}, a {filter_h}x{filter_w} filter, stride={stride}, pad={pad}; "
            f"got {c.shape}"
        )
    return _col2im_t(c.T, (N, C, H, W), filter_h, filter_w, stride, pad)


class Convolution:
    """Convolution layer (book 7.2, 7.4.3), computed as im2col + one matrix product.

    Forward (cross-correlation, as in the book and every DL library):
    y[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] * xp[n, c, i*s + p, j*s + q],
    with xp the input zero-padded by ``pad``. In matrix form, with col = im2col(x)
    (N*OH*OW, C*FH*FW) and Wc = W.reshape(FN, -1): Y = col Wc^T + b.

    Backward: dY (N*OH*OW, FN) from dout; db = sum of dY over rows; dW = dY^T col
    (reshaped to (FN, C, FH, FW)); dx = col2im(dY Wc).

    Where we differ from the book's code, on purpose: the layer computes the transposed
    products, Y^T = Wc col^T (+ b) and so on, with col^T (C*FH*FW, N*OH*OW) built
    directly (channels first, see ``_im2col_t``), and backward adds dx one filter
    offset at a time instead of storing all of dcol for col2im. The same numbers up
    to rounding, about 3x faster, because the copies stream through memory.
    ``self.col`` still gives the book's (N*OH*OW, C*FH*FW) col (a read-only property:
    a transposed view of ``self.col_t``, no copy).

    Args:
        W: filters (FN, C, FH, FW), kept by reference as ``self.W``.
        b: biases (FN,), kept as ``self.b``; or one number added to every filter's
            output (the book's ``apply_filter.py`` passes ``b = 0``). ``db`` is (FN,)
            either way.
        stride: step of the filter, >= 1.
        pad: zeros added around each image, >= 0.

    ``forward(x)``: x (N, C, H, W) -> (N, FN, OH, OW), OH = (H + 2 pad - FH) / stride
    + 1, C-contiguous. dtype: that of col @ W (float32 when both are float32).
    ``backward(dout)`` returns dx (N, C, H, W) and stores ``self.dW``, ``self.db``;
    ``backward_params(dout)`` stores only those two (for a network's first layer,
    whose input needs no gradient).

    Raises:
        ShapeError: for W not 4-D, b not (FN,), x not 4-D or with the wrong number of
            channels, or sizes that do not tile (see :func:`conv_output_size`).
    """

    def __init__(self, W: Array, b: ArrayLike, stride: int = 1, pad: int = 0) -> None:
        if np.ndim(W) != 4:
            raise ShapeError(f"Convolution: W must be 4-D (FN, C, FH, FW); got shape {np.shape(W)}")
        if np.shape(b) not in ((), (np.shape(W)[0],)):
            raise ShapeError(
                f"Convolution: b must have shape ({np.shape(W)[0]},) to match W "
                f"{np.shape(W)}, or be one number; got {np.shape(b)}"
            )
        _check_positive("stride", stride)
        _check_pad(pad)
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x: Array | None = None
        self.col_t: Array | None = None  # im2col(x).T, (C*FH*FW, N*OH*OW)
        self.dW: Array | None = None
        self.db: Array | None = None

    @property
    def col(self) -> Array | None:
        """The book's ``col``, im2col of the last input: (N*OH*OW, C*FH*FW)."""
        return None if self.col_t is None else self.col_t.T

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        FN, C, FH, FW = self.W.shape
        _check_4d("Convolution", xa, C)
        N = xa.shape[0]
        out_h, out_w = self._out_hw(xa)
        col_t = _im2col_t(xa, FH, FW, self.stride, self.pad)  # (C*FH*FW, N*OH*OW)
        out = np.matmul(self.W.reshape(FN, -1), col_t)  # (FN, N*OH*OW)
        out += np.reshape(self.b, (-1, 1))  # (FN, 1), or (1, 1) for the book's scalar b
        self.x, self.col_t = xa, col_t
        # (FN, N, OH, OW) -> (N, FN, OH, OW), copied so that the layers that follow
        # stream through C-contiguous memory.
        return np.ascontiguousarray(out.reshape(FN, N, out_h, out_w).transpose(1, 0, 2, 3))

    def backward_params(self, dout: Array) -> None:
        """Store ``self.dW`` and ``self.db`` as :meth:`backward` does, without dx:
        for a network's first layer."""
        self._param_grads(dout)

    def _param_grads(self, dout: Array) -> Array:
        """Store dW and db for ``dout`` (N, FN, OH, OW); return dY^T (FN, N*OH*OW)."""
        x = _saved(self.x, self)
        col_t = _saved(self.col_t, self)
        FN = self.W.shape[0]
        dout = np.asarray(dout)
        _check_dout(self, dout, (x.shape[0], FN, *self._out_hw(x)))
        dY_t = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(FN, -1)
        self.db = dY_t.sum(axis=1)
        self.dW = np.matmul(dY_t, col_t.T).reshape(self.W.shape)
        return dY_t

    def backward(self, dout: Array) -> Array:
        dY_t = self._param_grads(dout)
        x = _saved(self.x, self)
        N, C, H, W = x.shape
        _, _, FH, FW = self.W.shape
        out_h, out_w = self._out_hw(x)
        # dx = col2im(dcol) with dcol^T = Wc^T dY^T, one filter offset at a time: the
        # block of dcol^T for offset (p, q) is W[:, :, p, q]^T dY^T (C, N*OH*OW), added
        # onto the pixels that offset read. Never holding all of dcol (FH*FW times the
        # input's size) keeps the work in cache: 1.5x faster on DeepConvNet's conv2.
        dtype = np.result_type(self.W, dY_t)  # what dcol = W^T dY^T would be
        img = np.zeros((C, N, H + 2 * self.pad, W + 2 * self.pad), dtype=dtype)
        block = np.empty((C, N * out_h * out_w), dtype=dtype)
        for p, q, rows, cols in _window_offsets(FH, FW, out_h, out_w, self.stride):
            np.matmul(self.W[:, :, p, q].T, dY_t, out=block)
            img[:, :, rows, cols] += block.reshape(C, N, out_h, out_w)
        return _unpad_to_nchw(img, self.pad)

    def _out_hw(self, x: Array) -> tuple[int, int]:
        _, _, FH, FW = self.W.shape
        _, _, H, W = x.shape
        return _output_hw("Convolution", H, W, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling (book 7.3, 7.4.4).

    Forward: y[n, c, i, j] = max over the pool_h x pool_w window of xp at
    (i*stride, j*stride), xp being x padded by ``pad`` with the dtype's lowest value
    (-inf for floats, so padding never wins; the book pads with 0). Backward: each
    dout[n, c, i, j] goes to the position of its window's maximum (the first one, in
    row-major order, when tied, as ``np.argmax`` picks; a window holding NaN outputs
    NaN, and its first NaN gets the gradient); the rest of dx is 0. Where windows
    overlap (stride < pool size) the contributions add up.

    Args:
        pool_h, pool_w: window size.
        stride: step between windows. None (default) means the pool size, i.e.
            non-overlapping windows, the usual choice and the one the book's
            SimpleConvNet uses (it passes stride=2 explicitly: the book's ``Pooling``
            class itself defaults to stride=1). For non-square pools give it
            explicitly.
        pad: padding around each image.

    ``forward(x)``: x (N, C, H, W) -> (N, C, OH, OW) of x's dtype, with
    OH = (H + 2 pad - pool_h) / stride + 1. ``backward(dout)`` returns dx of the
    shape of x and the dtype of dout. ``self.arg_max`` (N, C, OH, OW) holds the
    position of each maximum within its window (row-major index).

    Implementation: loops over the pool_h*pool_w window offsets, each a strided view
    of the whole batch (four for 2x2), in place of the book's im2col copy.

    Raises:
        ShapeError: for x not 4-D or sizes that do not tile exactly.
        ValueError: for stride None with a non-square pool, or bad sizes.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int | None = None, pad: int = 0) -> None:
        _check_positive("pool_h", pool_h)
        _check_positive("pool_w", pool_w)
        if stride is None:
            if pool_h != pool_w:
                raise ValueError(
                    f"Pooling: stride=None means stride = pool size, which is ambiguous for "
                    f"a {pool_h}x{pool_w} pool; give stride explicitly"
                )
            stride = pool_h
        _check_positive("stride", stride)
        _check_pad(pad)
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x: Array | None = None
        self.arg_max: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        _check_4d("Pooling", xa)
        H, W = xa.shape[2:]
        out_h, out_w = _output_hw("Pooling", H, W, self.pool_h, self.pool_w, self.stride, self.pad)
        lowest = -np.inf if xa.dtype.kind == "f" else np.iinfo(xa.dtype).min
        xp = _pad_hw(xa, self.pad, lowest)

        # Each window offset (p, q), row-major, is one strided view of the whole batch:
        # the candidates xp[:, :, i*s + p, j*s + q] for every output position (i, j).
        offsets = _window_offsets(self.pool_h, self.pool_w, out_h, out_w, self.stride)
        candidates = [xp[:, :, rows, cols] for _, _, rows, cols in offsets]
        out = candidates[0].copy()
        for candidate in candidates[1:]:
            np.maximum(out, candidate, out=out)
        # arg_max = the first offset holding the maximum = the number of offsets before
        # it that do not: count them while "not found yet" holds (no masked writes).
        # np.maximum gives NaN to a window holding one, and NaN != NaN: there, like
        # np.argmax, stop at the first NaN (checked only when there is a NaN at all).
        nan_windows = xa.dtype.kind == "f" and bool(np.isnan(out).any())

        def not_max(candidate: Array) -> Array:
            differs = candidate != out
            return differs & ~np.isnan(candidate) if nan_windows else differs

        index_type = np.min_scalar_type(len(offsets) - 1)  # uint8 for pools up to 16x16
        searching = not_max(candidates[0])
        arg_max = searching.astype(index_type)
        for candidate in candidates[1:-1]:
            searching &= not_max(candidate)
            arg_max += searching
        self.x, self.arg_max = xa, arg_max
        return out

    def backward(self, dout: Array) -> Array:
        x = _saved(self.x, self)
        arg_max = _saved(self.arg_max, self)
        dout = np.asarray(dout)
        _check_dout(self, dout, arg_max.shape)
        N, C, H, W = x.shape
        p = self.pad
        shape = (N, C, H + 2 * p, W + 2 * p)
        # With stride == pool size the windows tile xp exactly: each pixel is written once.
        tiles = self.stride == self.pool_h == self.pool_w
        dxp = np.empty(shape, dtype=dout.dtype) if tiles else np.zeros(shape, dtype=dout.dtype)
        out_h, out_w = arg_max.shape[2:]
        offsets = _window_offsets(self.pool_h, self.pool_w, out_h, out_w, self.stride)
        for k, (_, _, rows, cols) in enumerate(offsets):
            # dout where offset k was the maximum, else 0
            if tiles:
                np.multiply(dout, arg_max == k, out=dxp[:, :, rows, cols])
            else:
                dxp[:, :, rows, cols] += dout * (arg_max == k)
        return dxp[:, :, p : p + H, p : p + W] if p else dxp
