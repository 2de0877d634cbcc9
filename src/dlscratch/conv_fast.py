"""The convolution and pooling layers the ConvNets train with (book 7.4, laid out for speed).

:class:`FastConvolution` and :class:`FastPooling` compute what
:class:`dlscratch.layers.Convolution` and :class:`dlscratch.layers.Pooling` compute,
the same numbers up to rounding, with the same attributes where it matters (``W``,
``b``, ``stride``, ``pad``, ``dW``, ``db``, ``col``, ``arg_max``). Read those first:
they are the book's page. This module arranges the same math so that NumPy's copies
stream through memory:

- im2col is built transposed, channels first: ``col_t`` (C*FH*FW, N*OH*OW), one
  contiguous (N, OH, OW) slab per channel and filter offset, so the product
  ``W.reshape(FN, -1) @ col_t`` gives the output filters first, (FN, N*OH*OW),
  without a scattered transpose.
- backward adds dx one filter offset at a time (dcol for offset (p, q) is
  ``W[:, :, p, q].T @ dY^T``) instead of holding all of dcol, which is FH*FW times
  the size of the input.
- ``backward_params`` gives dW and db without dx, for a network's first layer, whose
  input is the data.
- pooling compares one strided view of the batch per window offset (four for 2x2)
  instead of copying every window with im2col.

:class:`dlscratch.networks.SimpleConvNet` and :class:`dlscratch.networks.DeepConvNet`
use these layers. Like every layer a network calls, they trust their input: the
network's ``predict`` / ``loss`` / ``gradient`` have checked it (see
:mod:`dlscratch.validation`); the constructors check their arguments. Used alone,
give them what the network would: x (N, C, H, W) with the filters' C, and for
``backward`` a ``dout`` of the forward output's shape, after a ``forward``.
benchmarks/README.md measures what this layout gains.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.layers import Pooling
from dlscratch.validation import (
    as_real_array,
    check_images,
    check_pad,
    check_positive,
    pool_pad_value,
    window_output_hw,
)

__all__ = ["FastConvolution", "FastPooling", "im2col_t"]

Array = NDArray[Any]


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


def im2col_t(x: Array, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> Array:
    """The transpose of :func:`dlscratch.layers.im2col`: (C*FH*FW, N*OH*OW), C-contiguous.

    Rows are ordered (c, fh, fw), columns (n, oh, ow). Built as the book builds col,
    with one copy per filter offset (fh, fw), but from the images laid out channels
    first (C, N, H, W), so that each offset's block ``col_t[c, fh, fw]`` is one
    contiguous (N, OH, OW) slab.

    Raises:
        ShapeError: the sizes do not tile (see :func:`dlscratch.layers.conv_output_size`).
    """
    x = check_images("im2col_t", x)
    N, C, H, W = x.shape
    out_h, out_w = window_output_hw("im2col", H, W, filter_h, filter_w, stride, pad)
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


class FastConvolution:
    """:class:`dlscratch.layers.Convolution` with col built transposed (see the module).

    Forward: Y^T = Wc col^T + b, with Wc = W.reshape(FN, -1) and col^T = ``col_t``;
    returned as C-contiguous (N, FN, OH, OW). Backward, with dY^T (FN, N*OH*OW) from
    dout: db = row sums of dY^T; dW = dY^T col (reshaped to (FN, C, FH, FW));
    dx = col2im(dcol) with dcol^T = Wc^T dY^T, added one filter offset at a time.

    Args:
        W: filters (FN, C, FH, FW), kept by reference as ``self.W``.
        b: biases (FN,), kept as ``self.b``, or one number for every filter.
        stride: step of the filter, >= 1.
        pad: zeros added around each image, >= 0.

    ``forward(x)``: x (N, C, H, W) -> (N, FN, OH, OW), dtype that of W @ col.
    ``backward(dout)`` returns dx (N, C, H, W) and stores ``self.dW``, ``self.db``;
    ``backward_params(dout)`` stores only those two. ``self.col`` is the book's col
    (a transposed view of ``self.col_t``, no copy).

    Raises:
        ShapeError: W not 4-D or b not (FN,) (in the constructor); sizes that do not
            tile (in forward).
        ValueError: stride < 1 or pad < 0.
    """

    def __init__(self, W: Array, b: ArrayLike, stride: int = 1, pad: int = 0) -> None:
        W, b = as_real_array("W", W), as_real_array("b", b)
        if np.ndim(W) != 4:
            raise ShapeError(
                f"FastConvolution: W must be 4-D (FN, C, FH, FW); got shape {np.shape(W)}"
            )
        if np.shape(b) not in ((), (np.shape(W)[0],)):
            raise ShapeError(
                f"FastConvolution: b must have shape ({np.shape(W)[0]},) to match W "
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
        self.col_t: Any = None  # im2col(x).T, (C*FH*FW, N*OH*OW)
        self.dW: Array | None = None
        self.db: Array | None = None

    @property
    def col(self) -> Array | None:
        """The book's ``col``, im2col of the last input: (N*OH*OW, C*FH*FW)."""
        return None if self.col_t is None else self.col_t.T

    def forward(self, x: Array, train_flg: bool = True) -> Array:
        FN, C, FH, FW = self.W.shape
        x = check_images("Convolution", x, C)
        N, _, H, W = x.shape
        out_h, out_w = window_output_hw("Convolution", H, W, FH, FW, self.stride, self.pad)
        # Saved at once, so that the last step's col_t is freed before out is allocated.
        self.x, self.col_t = x, im2col_t(x, FH, FW, self.stride, self.pad)
        out = np.matmul(self.W.reshape(FN, -1), self.col_t)  # (FN, N*OH*OW)
        out += np.reshape(self.b, (-1, 1))  # (FN, 1), or (1, 1) for a scalar b
        return np.ascontiguousarray(out.reshape(FN, N, out_h, out_w).transpose(1, 0, 2, 3))

    def backward_params(self, dout: Array) -> None:
        """Store ``self.dW`` and ``self.db`` as :meth:`backward` does, without dx: for
        a network's first layer, whose input is the data."""
        self._param_grads(dout)

    def _param_grads(self, dout: Array) -> Array:
        """Store dW and db; return dY^T (FN, N*OH*OW)."""
        FN = self.W.shape[0]
        dY_t = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(FN, -1)
        self.db = dY_t.sum(axis=1)
        self.dW = np.matmul(dY_t, self.col_t.T).reshape(self.W.shape)
        return dY_t

    def backward(self, dout: Array) -> Array:
        dY_t = self._param_grads(dout)
        N, C, H, W = self.x.shape
        _, _, FH, FW = self.W.shape
        out_h, out_w = dout.shape[2:]
        dtype = np.result_type(self.W, dY_t)  # what dcol = W^T dY^T would be
        img = np.zeros((C, N, H + 2 * self.pad, W + 2 * self.pad), dtype=dtype)
        block = np.empty((C, N * out_h * out_w), dtype=dtype)
        for p, q, rows, cols in _window_offsets(FH, FW, out_h, out_w, self.stride):
            np.matmul(self.W[:, :, p, q].T, dY_t, out=block)  # dcol^T of offset (p, q)
            img[:, :, rows, cols] += block.reshape(C, N, out_h, out_w)
        return _unpad_to_nchw(img, self.pad)


class FastPooling(Pooling):
    """:class:`dlscratch.layers.Pooling` by strided views (see the module).

    Forward: out = the elementwise maximum of the pool_h*pool_w views
    ``xp[:, :, p::stride, q::stride]`` (xp: x padded with the dtype's lowest value);
    ``self.arg_max`` (N, C, OH, OW) is the first offset, row-major, holding the
    maximum, counted as the number of views before it that do not (ties and NaNs as
    ``np.argmax``: the first one). Backward: dout goes where ``arg_max`` points;
    overlapping windows add up.

    Args:
        pool_h, pool_w: window size.
        stride: step between windows; None (default) means the pool size (square
            pools only).
        pad: padding around each image.

    ``forward(x)``: x (N, C, H, W) -> (N, C, OH, OW) of x's dtype. ``backward(dout)``
    returns dx of the shape of x and the dtype of dout.

    Raises:
        ValueError: for stride None with a non-square pool, or bad sizes.
        ShapeError: sizes that do not tile (in forward).
    """

    # The constructor (its checks and attributes) is Pooling's.

    def forward(self, x: ArrayLike, train_flg: bool = True) -> Array:
        x = check_images("Pooling", x)
        H, W = x.shape[2:]
        p = self.pad
        out_h, out_w = window_output_hw("Pooling", H, W, self.pool_h, self.pool_w, self.stride, p)
        lowest = pool_pad_value(x)  # also refuses complex, string and object arrays
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=lowest) if p else x
        offsets = _window_offsets(self.pool_h, self.pool_w, out_h, out_w, self.stride)
        views = [xp[:, :, rows, cols] for _, _, rows, cols in offsets]
        out = views[0].copy()
        for view in views[1:]:
            np.maximum(out, view, out=out)
        # arg_max = the number of views before the first that holds the maximum: count
        # them while "not found yet" holds. np.maximum gives NaN to a window holding one,
        # and NaN != NaN: there, like np.argmax, stop at the first NaN.
        nan_windows = x.dtype.kind == "f" and bool(np.isnan(out).any())

        def not_max(view: Array) -> Array:
            differs = view != out
            return differs & ~np.isnan(view) if nan_windows else differs

        searching = not_max(views[0])
        arg_max = searching.astype(np.min_scalar_type(len(views) - 1))
        for view in views[1:-1]:
            searching &= not_max(view)
            arg_max += searching
        self.x, self.arg_max = x, arg_max
        return out

    def backward(self, dout: Array) -> Array:
        N, C, H, W = self.x.shape
        arg_max = self.arg_max
        p = self.pad
        shape = (N, C, H + 2 * p, W + 2 * p)
        # With stride == pool size the windows tile xp: each pixel is written once.
        tiles = self.stride == self.pool_h == self.pool_w
        dxp = np.empty(shape, dtype=dout.dtype) if tiles else np.zeros(shape, dtype=dout.dtype)
        out_h, out_w = arg_max.shape[2:]
        offsets = _window_offsets(self.pool_h, self.pool_w, out_h, out_w, self.stride)
        for k, (_, _, rows, cols) in enumerate(offsets):
            if tiles:
                np.multiply(dout, arg_max == k, out=dxp[:, :, rows, cols])
            else:
                dxp[:, :, rows, cols] += dout * (arg_max == k)
        return dxp[:, :, p : p + H, p : p + W] if p else dxp
