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
- ``backward_params(dout)`` (``Affine`` here, and
  :class:`dlscratch.conv_fast.FastConvolution`) stores the parameter gradients as
  ``backward`` does but computes no ``dx``. A network calls it, instead of
  ``backward``, on its first layer, whose input is the data: nothing needs that dx.
- Parameter layers keep the very arrays they were given (``self.W``, ``self.b``,
  ``self.gamma``, ``self.beta``) and read them at call time, so an optimizer updating
  them in place, or a network rebinding them, is seen at once.

dtypes: layers compute in the dtype of their inputs and parameters (float32 stays
float32; NumPy's promotion rules apply when they are mixed). Python scalars never
upcast.

Also here: ``im2col`` / ``col2im`` (book 7.4.3), which turn convolution into one matrix
product, and ``conv_output_size``. ``Convolution`` and ``Pooling`` are written as the
book's chapter 7 writes them; the ConvNets train with the same math laid out for speed,
in :mod:`dlscratch.conv_fast`.

Checks: a layer used on its own checks its input and ``dout`` with one call to
:mod:`dlscratch.validation` (same messages everywhere), so that each ``forward`` and
``backward`` reads as the formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.functions import class_labels, sigmoid
from dlscratch.validation import (
    as_real_array,
    as_rows,
    check_dout,
    check_images,
    check_pad,
    check_pool_pad,
    check_positive,
    check_real,
    check_saved,
    check_seed,
    pool_pad_value,
    window_output_hw,
    window_output_size,
)

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
        check_saved(self, "x")
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
    ``dout * ~mask`` rather than by a masked write, so a NaN or inf in ``dout`` where
    x <= 0 gives NaN there rather than 0.
    """

    def __init__(self) -> None:
        self.mask: Any = None  # (array; None until forward)

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        x = np.asarray(x)
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout: Array) -> Array:
        check_saved(self, "mask")
        dout = check_dout(self, dout, self.mask.shape)
        return dout * ~self.mask  # a new array: dout itself is left alone


class Sigmoid:
    """Sigmoid y = 1 / (1 + exp(-x)) (book 5.5.2, eq. 5.9).

    Derivative: dy/dx = y (1 - y) (eq. 5.12), so ``dx = dout * y * (1 - y)``, using
    the output ``self.out`` kept by forward.

    Shapes: any; the output keeps a float input's dtype (see
    :func:`dlscratch.functions.sigmoid`, which never overflows).
    """

    def __init__(self) -> None:
        self.out: Any = None  # (array; None until forward)

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: Array) -> Array:
        check_saved(self, "out")
        dout = check_dout(self, dout, self.out.shape)
        return dout * (1.0 - self.out) * self.out


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
        W, b = as_real_array("W", W), as_real_array("b", b)
        if np.ndim(W) != 2:
            raise ShapeError(f"Affine: W must be 2-D (D, M); got shape {np.shape(W)}")
        if np.shape(b) != (np.shape(W)[1],):
            raise ShapeError(
                f"Affine: b must have shape ({np.shape(W)[1]},) to match W {np.shape(W)}; "
                f"got {np.shape(b)}"
            )
        self.W = W
        self.b = b
        self.x: Any = None  # the input as (N, D) (None until forward)
        self.original_x_shape: Any = None
        self.dW: Array | None = None
        self.db: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        x = np.asarray(x)
        D = self.W.shape[0]
        self.original_x_shape = x.shape
        self.x = as_rows("Affine", x, D, "the rows of W")
        out = self.x @ self.W
        out += self.b
        return out[0] if x.ndim == 1 else out

    def backward(self, dout: Array) -> Array:
        self.backward_params(dout)  # checks dout; stores dW and db
        dx = np.asarray(dout).reshape(self.x.shape[0], -1) @ self.W.T
        return dx.reshape(self.original_x_shape)

    def backward_params(self, dout: Array) -> None:
        """Store ``self.dW`` and ``self.db`` as :meth:`backward` does, without dx:
        for a network's first layer, whose input is the data."""
        check_saved(self, "x")
        N, M = self.x.shape[0], self.W.shape[1]
        dout = check_dout(self, dout, (M,) if len(self.original_x_shape) == 1 else (N, M))
        dout = dout.reshape(N, M)
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)


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
        self.t = np.asarray(t)
        if xa.ndim not in (1, 2):
            raise ShapeError(
                f"SoftmaxWithLoss: x must be (N, K) or a single sample (K,); got shape {xa.shape}"
            )
        scores = xa.reshape(-1, xa.shape[-1])  # a single sample as a batch of one
        # t as one-hot rows if it holds N*K numbers, else as N labels (a scalar for N=1)
        t2 = self.t.reshape(scores.shape) if self.t.size == scores.size else self.t.reshape(-1)
        labels = self._labels = class_labels(t2, scores)
        shifted = scores - scores.max(axis=1, keepdims=True)  # <= 0: exp never overflows
        e = np.exp(shifted)
        z = e.sum(axis=1)
        e /= z[:, None]
        self.y = e.reshape(xa.shape)
        n = scores.shape[0]
        # -log y_true = log z - shifted_true, a sum of two terms >= 0: never log(0)
        self.loss = float((np.log(z) - shifted[np.arange(n), labels]).sum()) / n
        return self.loss

    def backward(self, dout: float = 1.0) -> Array:
        check_saved(self, "y")
        y: Array = self.y  # type: ignore[assignment]
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
    boolean) is drawn in float32 for float32 input.

    Raises:
        ValueError: for a ratio outside [0, 1), or both ``seed`` and ``rng``.
        TypeError: a ratio that is not a number, or a seed that is not None, an int
            >= 0 or a Generator.
    """

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        seed: int | np.random.Generator | None = None,
        *,
        rng: np.random.Generator | None = None,
    ) -> None:
        ratio = check_real("dropout_ratio", dropout_ratio, 0.0, 1.0)
        if ratio == 1.0:
            raise ValueError(f"dropout_ratio: expected a number in [0, 1), got {dropout_ratio}")
        check_seed("seed", seed)
        check_seed("rng", rng)
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
        check_saved(self, "train_flg")
        if self.mask is None:  # last forward was in test mode
            return np.asarray(dout) * (1.0 - self.dropout_ratio)
        dout = check_dout(self, dout, self.mask.shape)
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
        gamma, beta = as_real_array("gamma", gamma), as_real_array("beta", beta)
        momentum = check_real("momentum", momentum, 0.0, 1.0)
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
        # saved by forward for backward (None until then)
        self.input_shape: Any = None
        self.train_flg: bool | None = None
        self.batch_size: Any = None
        self.xc: Any = None
        self.xn: Any = None
        self.std: Any = None
        self.dgamma: Array | None = None
        self.dbeta: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        xa = np.asarray(x)
        D = np.size(self.gamma)
        x2 = as_rows("BatchNormalization", xa, D, "gamma's size")
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
        check_saved(self, "input_shape", "xc", "xn", "std", "batch_size")
        shape, xc, xn, std, n = self.input_shape, self.xc, self.xn, self.std, self.batch_size
        dout2 = check_dout(self, dout, shape).reshape(xn.shape)

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
    check_positive("filter_size", filter_size)
    check_positive("stride", stride)
    check_pad(pad)
    out = window_output_size(input_size, filter_size, stride, pad)
    if out is None:
        raise ShapeError(
            f"conv_output_size: (input_size + 2*pad - filter_size) / stride + 1 = "
            f"({input_size} + 2*{pad} - {filter_size}) / {stride} + 1 = "
            f"{(input_size + 2 * pad - filter_size) / stride + 1:g} is not a whole "
            "number >= 1; change the filter size, stride or pad"
        )
    return out


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
        A new array (N*OH*OW, C*FH*FW) of the input's dtype, with
        OH = (H + 2 pad - FH) / stride + 1 and OW likewise. E.g. (1, 3, 7, 7) with
        5x5 filters gives (9, 75); (10, 3, 7, 7) gives (90, 75).

    Raises:
        ShapeError: if input_data is not 4-D, or OH or OW is not a whole number >= 1
            (the book's code silently drops the remainder).

    As in the book's code, the loop runs over the FH*FW filter offsets (fh, fw), each
    copying one strided slab of the whole batch; nothing loops over samples or positions.
    """
    data = check_images("im2col", input_data)
    N, C, H, W = data.shape
    out_h, out_w = window_output_hw("im2col", H, W, filter_h, filter_w, stride, pad)
    img = np.pad(data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.empty((N, C, filter_h, filter_w, out_h, out_w), dtype=data.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


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
    per offset.
    """
    c = np.asarray(col)
    N, C, H, W = (int(v) for v in input_shape)
    out_h, out_w = window_output_hw("col2im", H, W, filter_h, filter_w, stride, pad)
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if c.shape != expected:
        raise ShapeError(
            f"col2im: col must have shape (N*OH*OW, C*FH*FW) = {expected} for input "
            f"{(N, C, H, W)}, a {filter_h}x{filter_w} filter, stride={stride}, pad={pad}; "
            f"got {c.shape}"
        )
    col6 = c.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=c.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col6[:, :, y, x, :, :]
    return np.ascontiguousarray(img[:, :, pad : H + pad, pad : W + pad])


class Convolution:
    """Convolution layer (book 7.2, 7.4.3): im2col, one matrix product, a reshape.

    Forward (cross-correlation, as in the book and every DL library):
    y[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] * xp[n, c, i*s + p, j*s + q],
    with xp the input zero-padded by ``pad``. In matrix form, with
    col = im2col(x) (N*OH*OW, C*FH*FW) and col_W = W.reshape(FN, -1).T
    (C*FH*FW, FN): out = col @ col_W + b, reshaped to (N, OH, OW, FN) and
    transposed to (N, FN, OH, OW).

    Backward, with dout reshaped to (N*OH*OW, FN): db = sum of dout over rows,
    dW = col^T dout (reshaped to (FN, C, FH, FW)), dcol = dout col_W^T and
    dx = col2im(dcol).

    A plain-loop reference, one output pixel at a time, is ``conv_loops`` in
    tests/test_layers.py; the networks train with
    :class:`dlscratch.conv_fast.FastConvolution`, the same math laid out for speed.

    Args:
        W: filters (FN, C, FH, FW), kept by reference as ``self.W``.
        b: biases (FN,), kept as ``self.b``; or one number added to every filter's
            output (the book's ``apply_filter.py`` passes ``b = 0``). ``db`` is (FN,)
            either way.
        stride: step of the filter, >= 1.
        pad: zeros added around each image, >= 0.

    ``forward(x)``: x (N, C, H, W) -> (N, FN, OH, OW), OH = (H + 2 pad - FH) / stride
    + 1; dtype that of col @ col_W (float32 when both are float32). Keeps ``self.x``,
    ``self.col`` and ``self.col_W`` for backward. ``backward(dout)`` returns dx
    (N, C, H, W) and stores ``self.dW`` and ``self.db``.

    Raises:
        ShapeError: for W not 4-D, b not (FN,), x not 4-D or with the wrong number of
            channels, or sizes that do not tile (see :func:`conv_output_size`).
    """

    def __init__(self, W: Array, b: ArrayLike, stride: int = 1, pad: int = 0) -> None:
        W, b = as_real_array("W", W), as_real_array("b", b)
        if np.ndim(W) != 4:
            raise ShapeError(f"Convolution: W must be 4-D (FN, C, FH, FW); got shape {np.shape(W)}")
        if np.shape(b) not in ((), (np.shape(W)[0],)):
            raise ShapeError(
                f"Convolution: b must have shape ({np.shape(W)[0]},) to match W "
                f"{np.shape(W)}, or be one number; got {np.shape(b)}"
            )
        check_positive("stride", stride)
        check_pad(pad)
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        # saved by forward for backward (arrays; None until then)
        self.x: Any = None
        self.col: Any = None
        self.col_W: Any = None
        self.dW: Array | None = None
        self.db: Array | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        FN, C, FH, FW = self.W.shape
        x = check_images("Convolution", x, C)
        N, _, H, W = x.shape
        out_h, out_w = window_output_hw("Convolution", H, W, FH, FW, self.stride, self.pad)

        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

        self.x, self.col, self.col_W = x, col, col_W
        return out

    def backward(self, dout: Array) -> Array:
        check_saved(self, "x", "col", "col_W")
        FN, C, FH, FW = self.W.shape
        N, _, H, W = self.x.shape
        out_hw = window_output_hw("Convolution", H, W, FH, FW, self.stride, self.pad)
        dout = check_dout(self, dout, (N, FN, *out_hw))

        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling (book 7.3, 7.4.4): im2col, the maximum of each row, a reshape.

    Forward: y[n, c, i, j] = max over the pool_h x pool_w window of xp at
    (i*stride, j*stride), xp being x padded by ``pad`` with the dtype's lowest value
    (-inf for floats, so padding never wins; the book pads with 0). As in the book:
    col = im2col(xp) reshaped so that each row is one window of one channel,
    (N*OH*OW*C, pool_h*pool_w); ``arg_max`` = np.argmax of each row, out = its max.

    Backward: each dout[n, c, i, j] goes to the position of its window's maximum (the
    first one, row-major, when tied, as ``np.argmax`` picks; a window holding NaN
    outputs NaN, and its first NaN gets the gradient); the rest of dx is 0. Where
    windows overlap (stride < pool size) the contributions add up, through col2im.

    A plain-loop reference is ``pool_loops`` in tests/test_layers.py; the networks
    train with :class:`dlscratch.conv_fast.FastPooling`, the same math by strided views.

    Args:
        pool_h, pool_w: window size.
        stride: step between windows. None (default) means the pool size, i.e.
            non-overlapping windows, the usual choice. The book's repository first
            gave its ``Pooling`` class a default of stride=1 and later changed it to
            stride=2, the pool size of every network in the book (whose code passes
            stride=2 explicitly anyway). For non-square pools give it explicitly.
        pad: padding around each image.

    ``forward(x)``: x (N, C, H, W) -> (N, C, OH, OW) of x's dtype, with
    OH = (H + 2 pad - pool_h) / stride + 1. ``backward(dout)`` returns dx of the
    shape of x and the dtype of dout. ``self.arg_max`` (N*OH*OW*C,) is the book's:
    the row-major position of each maximum within its window.

    Raises:
        ShapeError: for x not 4-D or sizes that do not tile exactly.
        ValueError: for stride None with a non-square pool, or bad sizes, or
            ``pad`` >= the pool size (a window would hold padding only, and output
            -inf; the book's code would output 0 there).
        DTypeError: x is not real-valued (bool input is pooled as logical "or").
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int | None = None, pad: int = 0) -> None:
        check_positive("pool_h", pool_h)
        check_positive("pool_w", pool_w)
        if stride is None:
            if pool_h != pool_w:
                raise ValueError(
                    f"Pooling: stride=None means stride = pool size, which is ambiguous for "
                    f"a {pool_h}x{pool_w} pool; give stride explicitly"
                )
            stride = pool_h
        check_positive("stride", stride)
        check_pool_pad(pool_h, pool_w, pad)
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        # saved by forward for backward (arrays; None until then)
        self.x: Any = None
        self.arg_max: Any = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        x = check_images("Pooling", x)
        N, C, H, W = x.shape
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        out_h, out_w = window_output_hw("Pooling", H, W, ph, pw, s, p)
        xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], constant_values=pool_pad_value(x))

        col = im2col(xp, ph, pw, s, 0).reshape(-1, ph * pw)
        arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

        self.x, self.arg_max = x, arg_max
        return out

    def backward(self, dout: Array) -> Array:
        check_saved(self, "x", "arg_max")
        N, C, H, W = self.x.shape
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        dout = check_dout(self, dout, (N, C, *window_output_hw("Pooling", H, W, ph, pw, s, p)))

        dout = dout.transpose(0, 2, 3, 1)
        dmax = np.zeros((dout.size, ph * pw), dtype=dout.dtype)
        dmax[np.arange(dout.size), self.arg_max] = dout.ravel()
        dcol = dmax.reshape(N * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, (N, C, H, W), ph, pw, s, p)
