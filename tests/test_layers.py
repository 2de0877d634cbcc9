"""Tests for dlscratch.layers: the book's printed values, gradient checks, traps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from dlscratch.conv_fast import FastConvolution, FastPooling
from dlscratch.errors import ShapeError
from dlscratch.gradient import numerical_gradient
from dlscratch.layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    MulLayer,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    col2im,
    conv_output_size,
    im2col,
)

RTOL, ATOL = 1e-5, 1e-6
FEW = settings(max_examples=20, deadline=None)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def check_grads(
    layer: Any,
    x: np.ndarray,
    params: tuple[tuple[str, str], ...] = (),
    seed: int = 1,
) -> None:
    """Backprop vs numerical gradient of L = sum(layer.forward(x) * r), in float64.

    ``params`` lists (attribute, gradient attribute) pairs, e.g. ("W", "dW").
    """
    assert x.dtype == np.float64
    r = rng(seed).standard_normal(np.shape(layer.forward(x)))

    def loss(_: np.ndarray) -> float:
        return float(np.sum(layer.forward(x) * r))

    layer.forward(x)
    dx = layer.backward(r.copy())
    analytic = {name: getattr(layer, grad).copy() for name, grad in params}
    assert dx.shape == x.shape
    assert_allclose(dx, numerical_gradient(loss, x), rtol=RTOL, atol=ATOL)
    for name, _ in params:
        numeric = numerical_gradient(loss, getattr(layer, name))
        assert analytic[name].shape == numeric.shape
        assert_allclose(analytic[name], numeric, rtol=RTOL, atol=ATOL, err_msg=name)


def away_from_zero(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """float64 values in +-[0.1, 1): safe for ReLU's kink with h = 1e-4."""
    g = rng(seed)
    return g.uniform(0.1, 1.0, shape) * g.choice([-1.0, 1.0], shape)


def distinct(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """float64 values 0.01 apart in random order: no ties for max pooling."""
    n = int(np.prod(shape))
    return rng(seed).permutation(n).reshape(shape) * 0.01 - 0.005 * n


# --------------------------------------------------------------------------------------
# 5.4 MulLayer, AddLayer: the book's shopping examples
# --------------------------------------------------------------------------------------
def test_buy_apple() -> None:
    mul_apple, mul_tax = MulLayer(), MulLayer()
    apple_price = mul_apple.forward(100, 2)
    price = mul_tax.forward(apple_price, 1.1)
    assert price == pytest.approx(220)

    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert dapple == pytest.approx(2.2)
    assert dapple_num == pytest.approx(110)
    assert dtax == pytest.approx(200)


def test_buy_apple_orange() -> None:
    mul_apple, mul_orange, mul_tax = MulLayer(), MulLayer(), MulLayer()
    add = AddLayer()
    apple_price = mul_apple.forward(100, 2)
    orange_price = mul_orange.forward(150, 3)
    all_price = add.forward(apple_price, orange_price)
    price = mul_tax.forward(all_price, 1.1)
    assert price == pytest.approx(715)

    dall_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dall_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert (dapple_num, dapple) == (pytest.approx(110), pytest.approx(2.2))
    assert (dorange, dorange_num) == (pytest.approx(3.3), pytest.approx(165))
    assert dtax == pytest.approx(650)


def test_add_layer_backward_returns_new_arrays() -> None:
    dout = np.ones(3)
    dx, dy = AddLayer().backward(dout)
    assert dx is not dout and dy is not dout and dx is not dy
    assert_array_equal(dx, dout)


# --------------------------------------------------------------------------------------
# 5.5 Relu, Sigmoid
# --------------------------------------------------------------------------------------
def test_relu_values_and_mask() -> None:
    relu = Relu()
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    assert_array_equal(relu.forward(x), [[1.0, 0.0], [0.0, 3.0]])
    assert_array_equal(relu.mask, [[False, True], [True, False]])
    assert_array_equal(relu.backward(np.full((2, 2), 5.0)), [[5.0, 0.0], [0.0, 5.0]])


def test_relu_grad() -> None:
    check_grads(Relu(), away_from_zero((4, 5)))


def test_sigmoid_values_and_grad() -> None:
    s = Sigmoid()
    assert_allclose(s.forward(np.array([0.0, 2.0])), [0.5, 0.8807970779778823])
    check_grads(Sigmoid(), rng().standard_normal((3, 4)))


# --------------------------------------------------------------------------------------
# 5.6 Affine
# --------------------------------------------------------------------------------------
def make_affine(d: int, m: int, seed: int = 0) -> Affine:
    g = rng(seed)
    return Affine(g.standard_normal((d, m)), g.standard_normal(m))


def test_affine_values() -> None:
    layer = Affine(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([1.0, 1.0, 1.0]))
    x = np.array([[1.0, 1.0], [0.0, 1.0]])
    assert_array_equal(layer.forward(x), [[6.0, 8.0, 10.0], [5.0, 6.0, 7.0]])
    dx = layer.backward(np.ones((2, 3)))
    assert_array_equal(dx, [[6.0, 15.0], [6.0, 15.0]])
    assert_array_equal(layer.dW, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    assert_array_equal(layer.db, [2.0, 2.0, 2.0])


def test_affine_grad_2d() -> None:
    check_grads(make_affine(4, 3), rng(5).standard_normal((5, 4)), (("W", "dW"), ("b", "db")))


def test_affine_grad_4d_input_restores_shape() -> None:
    x = rng(5).standard_normal((2, 3, 2, 2))
    check_grads(make_affine(12, 4), x, (("W", "dW"), ("b", "db")))


def test_affine_single_sample() -> None:
    layer = make_affine(4, 3)
    x = rng(5).standard_normal(4)
    out = layer.forward(x)
    assert out.shape == (3,)
    assert_allclose(out, layer.forward(x[None])[0])
    check_grads(layer, x, (("W", "dW"), ("b", "db")))


def test_affine_reads_params_at_call_time() -> None:
    layer = make_affine(2, 2)
    x = np.ones((1, 2))
    layer.W[...] = 0.0  # in-place update (an optimizer)
    assert_allclose(layer.forward(x), layer.b[None])
    layer.W = np.eye(2)  # rebinding (a network swapping in new arrays)
    layer.b = np.zeros(2)
    assert_allclose(layer.forward(x), [[1.0, 1.0]])


def test_affine_shape_errors() -> None:
    layer = make_affine(4, 3)
    with pytest.raises(ShapeError, match=r"D=4.*\(5, 5\)"):
        layer.forward(np.ones((5, 5)))
    with pytest.raises(ShapeError, match="b must have shape"):
        Affine(np.ones((4, 3)), np.ones(4))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ShapeError, match=r"dout must have .*\(2, 3\)"):
        layer.backward(np.ones((3, 2)))


def test_backward_before_forward_is_explained() -> None:
    with pytest.raises(RuntimeError, match="call forward first"):
        Relu().backward(np.ones(2))


# --------------------------------------------------------------------------------------
# 5.6.3 SoftmaxWithLoss
# --------------------------------------------------------------------------------------
def test_softmax_with_loss_value_and_backward() -> None:
    x = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, 1.0]])
    t = np.array([2, 0])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    assert isinstance(loss, float)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    # Exact log-softmax: no 1e-7 inside the log (see the class docstring).
    assert_allclose(loss, -np.mean(np.log(y[[0, 1], [2, 0]])), rtol=1e-14)
    assert_allclose(loss, -np.mean(np.log(y[[0, 1], [2, 0]] + 1e-7)), rtol=1e-6)
    assert_allclose(layer.y, y)
    assert_allclose(layer.backward(), (y - np.eye(3)[t]) / 2)
    assert_allclose(layer.backward(2.0), (y - np.eye(3)[t]))


def softmax_loss_grad_check(x: np.ndarray, t: np.ndarray) -> None:
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    assert dx.shape == x.shape
    num = numerical_gradient(lambda _: SoftmaxWithLoss().forward(x, t), x)
    assert_allclose(dx, num, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_grad_batch(one_hot: bool) -> None:
    x = rng().standard_normal((4, 5))
    labels = np.array([0, 3, 4, 3])
    softmax_loss_grad_check(x, np.eye(5)[labels] if one_hot else labels)


@pytest.mark.parametrize("t", [np.array(2), np.array([0.0, 0.0, 1.0, 0.0])])
def test_softmax_with_loss_single_sample(t: np.ndarray) -> None:
    x = rng().standard_normal(4)
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    assert loss == pytest.approx(SoftmaxWithLoss().forward(x[None], np.array([2])))
    dx = layer.backward()
    assert dx.shape == (4,)
    softmax_loss_grad_check(x, t)


# --------------------------------------------------------------------------------------
# 6.4.3 Dropout
# --------------------------------------------------------------------------------------
def test_dropout_train_drops_about_ratio() -> None:
    x = np.ones((200, 100))
    out = Dropout(0.3, seed=0).forward(x, train_flg=True)
    dropped = np.mean(out == 0)
    assert 0.28 < dropped < 0.32
    assert set(np.unique(out)) == {0.0, 1.0}


def test_dropout_same_seed_same_mask() -> None:
    x = rng().standard_normal((10, 20))
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    assert_array_equal(a.forward(x), b.forward(x))
    assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.forward(x), Dropout(0.5, seed=8).forward(x))
    g = np.random.default_rng(3)
    assert_array_equal(Dropout(0.5, rng=g).forward(x), Dropout(0.5, seed=3).forward(x))


def test_dropout_test_mode_scales() -> None:
    x = rng().standard_normal((3, 4))
    layer = Dropout(0.25, seed=0)
    assert_allclose(layer.forward(x, train_flg=False), x * 0.75)
    assert_allclose(layer.backward(np.ones_like(x)), np.full_like(x, 0.75))


def test_dropout_grad_with_fixed_mask() -> None:
    x = rng().standard_normal((4, 6))
    r = rng(1).standard_normal((4, 6))
    layer = Dropout(0.4, seed=11)
    layer.forward(x)
    dx = layer.backward(r)
    # A fresh layer with the same seed draws the same mask on every call.
    num = numerical_gradient(lambda _: np.sum(Dropout(0.4, seed=11).forward(x) * r), x)
    assert_allclose(dx, num, rtol=RTOL, atol=ATOL)
    assert_array_equal(dx, r * layer.mask)


def test_dropout_float32_mask_and_args() -> None:
    x = np.ones((5, 5), dtype=np.float32)
    assert Dropout(0.5, seed=0).forward(x).dtype == np.float32
    with pytest.raises(ValueError, match="dropout_ratio"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="not both"):
        Dropout(0.5, seed=1, rng=np.random.default_rng())


# --------------------------------------------------------------------------------------
# 6.3 BatchNormalization
# --------------------------------------------------------------------------------------
def test_batchnorm_book_value() -> None:
    bn = BatchNormalization(np.ones(2), np.zeros(2))
    out = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]]), train_flg=True)
    expected = [[-1.22474464, -1.22474464], [0.0, 1.22474464], [1.22474464, 0.0]]
    assert_allclose(out, expected, atol=1e-7)


def test_batchnorm_running_stats_and_test_mode() -> None:
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    bn = BatchNormalization(np.array([2.0, 1.0]), np.array([0.5, 0.0]), momentum=0.9)
    bn.forward(x, train_flg=True)
    mean, var = x.mean(axis=0), x.var(axis=0)
    assert_allclose(bn.running_mean, 0.1 * mean)
    assert_allclose(bn.running_var, 0.1 * var)
    out = bn.forward(x, train_flg=False)
    expected = np.array([2.0, 1.0]) * (x - 0.1 * mean) / np.sqrt(0.1 * var + 1e-6) + [0.5, 0]
    assert_allclose(out, expected)
    check_grads(bn_frozen(bn), x, (("gamma", "dgamma"), ("beta", "dbeta")))


def bn_frozen(bn: BatchNormalization) -> Any:
    """``bn`` seen through forward(x) in test mode, for check_grads."""

    class Frozen:
        def __getattr__(self, name: str) -> Any:
            return getattr(bn, name)

        def forward(self, x: np.ndarray) -> np.ndarray:
            return bn.forward(x, train_flg=False)

        def backward(self, dout: np.ndarray) -> np.ndarray:
            return bn.backward(dout)

    return Frozen()


@pytest.mark.parametrize("shape", [(5, 4), (4, 2, 2, 2)])
def test_batchnorm_grad(shape: tuple[int, ...]) -> None:
    d = int(np.prod(shape[1:]))
    g = rng(2)
    bn = BatchNormalization(g.uniform(0.5, 1.5, d), g.standard_normal(d))
    x = g.standard_normal(shape) * 2 + 1
    check_grads(bn, x, (("gamma", "dgamma"), ("beta", "dbeta")))


def test_batchnorm_shape_error() -> None:
    with pytest.raises(ShapeError, match="D=3"):
        BatchNormalization(np.ones(3), np.zeros(3)).forward(np.ones((2, 4)))


# --------------------------------------------------------------------------------------
# 7.4.3 im2col / col2im
# --------------------------------------------------------------------------------------
def im2col_loops(x: np.ndarray, fh: int, fw: int, stride: int, pad: int) -> np.ndarray:
    """Obvious reference: one row per (n, i, j), columns (c, p, q)."""
    n, _, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    rows = [
        xp[k, :, i * stride : i * stride + fh, j * stride : j * stride + fw].ravel()
        for k in range(n)
        for i in range(oh)
        for j in range(ow)
    ]
    return np.array(rows)


def test_im2col_book_shapes() -> None:
    assert im2col(rng().random((1, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (9, 75)
    assert im2col(rng().random((10, 3, 7, 7)), 5, 5, stride=1, pad=0).shape == (90, 75)


@st.composite
def conv_geometry(draw: Any) -> tuple[tuple[int, int, int, int], int, int, int, int]:
    """(x shape, FH, FW, stride, pad) whose output sizes are whole and >= 1."""
    stride = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 2))
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    oh, ow = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = (oh - 1) * stride + fh - 2 * pad, (ow - 1) * stride + fw - 2 * pad
    if h < 1 or w < 1:
        h, w, pad = h + 2 * pad, w + 2 * pad, 0
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (n, c, h, w), fh, fw, stride, pad


@FEW
@given(conv_geometry(), st.integers(0, 2**32 - 1))
def test_im2col_matches_loops_and_col2im_is_adjoint(geom: Any, seed: int) -> None:
    shape, fh, fw, stride, pad = geom
    g = rng(seed)
    x = g.standard_normal(shape)
    col = im2col(x, fh, fw, stride, pad)
    assert_array_equal(col, im2col_loops(x, fh, fw, stride, pad))
    y = g.standard_normal(col.shape)
    back = col2im(y, shape, fh, fw, stride, pad)
    assert back.shape == shape
    assert np.vdot(col, y) == pytest.approx(np.vdot(x, back), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (2, 1), (1, 1)])
def test_col2im_adjoint_fixed(stride: int, pad: int) -> None:
    x = rng(3).standard_normal((2, 3, 7, 7))
    col = im2col(x, 3, 3, stride, pad)
    y = rng(4).standard_normal(col.shape)
    lhs, rhs = np.vdot(col, y), np.vdot(x, col2im(y, x.shape, 3, 3, stride, pad))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_col2im_sums_overlaps_not_inverse() -> None:
    x = np.ones((1, 1, 3, 3))
    back = col2im(im2col(x, 2, 2), x.shape, 2, 2)
    assert_array_equal(back[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_im2col_keeps_dtype_and_copies() -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    col = im2col(x, 1, 1)
    assert col.dtype == np.float32 and col.flags.writeable
    col[0, 0] = 99
    assert x[0, 0, 0, 0] == 0


def test_conv_output_size() -> None:
    assert conv_output_size(4, 3, stride=1, pad=1) == 4
    assert conv_output_size(7, 3, stride=2, pad=1) == 4
    assert conv_output_size(28, 5) == 24
    with pytest.raises(ShapeError, match=r"\(28 \+ 2\*0 - 5\) / 2 \+ 1 = 12.5"):
        conv_output_size(28, 5, stride=2)
    with pytest.raises(ShapeError, match="not a whole"):
        conv_output_size(2, 5)
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(4, 2, stride=0)


def test_im2col_shape_errors_name_everything() -> None:
    x = np.zeros((1, 1, 28, 30))
    with pytest.raises(ShapeError) as info:
        im2col(x, 5, 5, stride=2, pad=0)
    msg = str(info.value)
    for part in ("H=28", "W=30", "5x5", "stride=2", "pad=0", "12.5"):
        assert part in msg
    with pytest.raises(ShapeError, match="4-D"):
        im2col(np.zeros((28, 28)), 5, 5)
    with pytest.raises(ShapeError, match="col must have shape"):
        col2im(np.zeros((3, 3)), (1, 1, 4, 4), 2, 2)


# --------------------------------------------------------------------------------------
# 7.4.3 Convolution
# --------------------------------------------------------------------------------------
BOOK_X = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], dtype=np.float64)
BOOK_F = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], dtype=np.float64)


def test_convolution_book_values() -> None:
    conv = Convolution(BOOK_F[None, None], np.zeros(1))
    assert_array_equal(conv.forward(BOOK_X[None, None])[0, 0], [[15, 16], [6, 15]])
    padded = Convolution(BOOK_F[None, None], np.zeros(1), pad=1)
    expected = [[7, 12, 10, 2], [4, 15, 16, 10], [10, 6, 15, 6], [8, 10, 4, 3]]
    assert_array_equal(padded.forward(BOOK_X[None, None])[0, 0], expected)
    biased = Convolution(BOOK_F[None, None], np.array([3.0]))
    assert_array_equal(biased.forward(BOOK_X[None, None])[0, 0], [[18, 19], [9, 18]])


def conv_loops(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    n, _, h, w = x.shape
    fn, _, fh, fw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    out = np.empty((n, fn, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride : i * stride + fh, j * stride : j * stride + fw]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize(("stride", "pad", "hw"), [(1, 0, 6), (2, 0, 7), (1, 1, 5), (2, 1, 7)])
def test_convolution_grads(stride: int, pad: int, hw: int) -> None:
    g = rng(stride * 10 + pad)
    W, b = g.standard_normal((3, 2, 3, 3)), g.standard_normal(3)
    x = g.standard_normal((2, 2, hw, hw))
    conv = Convolution(W, b, stride=stride, pad=pad)
    assert_allclose(conv.forward(x), conv_loops(x, W, b, stride, pad), atol=1e-12)
    check_grads(conv, x, (("W", "dW"), ("b", "db")))


@FEW
@given(conv_geometry(), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_convolution_matches_loops(geom: Any, fn: int, seed: int) -> None:
    shape, fh, fw, stride, pad = geom
    g = rng(seed)
    W, b = g.standard_normal((fn, shape[1], fh, fw)), g.standard_normal(fn)
    x = g.standard_normal(shape)
    conv = Convolution(W, b, stride, pad)
    out = conv.forward(x)
    assert_allclose(out, conv_loops(x, W, b, stride, pad), atol=1e-12)
    # dx is the adjoint of x -> conv(x) - b: <conv(x) - b, r> = <x, dx(r)>
    r = g.standard_normal(out.shape)
    dx = conv.backward(r)
    lhs = np.vdot(out - b[None, :, None, None], r)
    assert lhs == pytest.approx(np.vdot(x, dx), rel=1e-9, abs=1e-9)


def test_convolution_col_is_the_books_im2col() -> None:
    g = rng(7)
    x = g.standard_normal((2, 3, 6, 6))
    conv = Convolution(g.standard_normal((4, 3, 3, 3)), g.standard_normal(4), stride=1, pad=1)
    assert conv.col is None
    conv.forward(x)
    assert conv.col is not None
    assert_array_equal(conv.col, im2col_loops(x, 3, 3, 1, 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda g: (Affine(g.standard_normal((12, 5)), g.standard_normal(5)), (4, 3, 2, 2)),
        lambda g: (
            FastConvolution(g.standard_normal((4, 3, 3, 3)), g.standard_normal(4), 1, 1),
            (2, 3, 5, 5),
        ),
    ],
    ids=["Affine", "FastConvolution"],
)
def test_backward_params_gives_backwards_parameter_gradients(make: Any) -> None:
    g = rng(3)
    layer, shape = make(g)
    out = layer.forward(g.standard_normal(shape))
    dout = g.standard_normal(out.shape)
    layer.backward(dout)
    dW, db = layer.dW.copy(), layer.db.copy()
    layer.dW = layer.db = None
    layer.backward_params(dout)
    assert_array_equal(layer.dW, dW)
    assert_array_equal(layer.db, db)


def test_convolution_dx_follows_numpy_promotion() -> None:
    g = rng(5)
    conv = Convolution(g.standard_normal((2, 3, 3, 3)), np.zeros(2), pad=1)
    out = conv.forward(g.standard_normal((2, 3, 4, 4)).astype(np.float32))
    # float64 filters with float32 or integer gradients give a float64 dx, as W^T dY would
    for dout in (np.ones(out.shape, np.float32), np.ones(out.shape, np.int64)):
        dx = conv.backward(dout)
        assert dx.dtype == np.float64
        assert_allclose(dx, conv.backward(dout.astype(np.float64)))


def test_convolution_shape_errors() -> None:
    conv = Convolution(np.zeros((30, 1, 5, 5)), np.zeros(30), stride=2)
    with pytest.raises(ShapeError, match=r"H=28.*5x5.*stride=2, pad=0"):
        conv.forward(np.zeros((1, 1, 28, 28)))
    with pytest.raises(ShapeError, match=r"C=1 channels.*\(2, 3, 28, 28\) with 3"):
        conv.forward(np.zeros((2, 3, 28, 28)))
    with pytest.raises(ShapeError, match=r"4-D.*x\[None\]"):
        conv.forward(np.zeros((1, 28, 28)))
    with pytest.raises(ShapeError, match="W must be 4-D"):
        Convolution(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ShapeError, match="b must have shape"):
        Convolution(np.zeros((3, 1, 2, 2)), np.zeros(2))


# --------------------------------------------------------------------------------------
# 7.4.4 Pooling
# --------------------------------------------------------------------------------------
def test_pooling_book_value() -> None:
    x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=np.float64)
    pool = Pooling(2, 2, stride=2)
    assert_array_equal(pool.forward(x[None, None])[0, 0], [[2, 3], [4, 2]])
    dx = pool.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    expected = [[0, 10, 0, 0], [0, 0, 0, 20], [0, 0, 0, 40], [0, 30, 0, 0]]
    assert_array_equal(dx[0, 0], expected)


def test_pooling_default_stride_is_pool_size() -> None:
    assert Pooling(2, 2).stride == 2
    assert Pooling(3, 3).stride == 3
    assert Pooling(2, 2, stride=1).stride == 1
    assert Pooling(2, 2).forward(np.zeros((1, 1, 4, 4))).shape == (1, 1, 2, 2)
    with pytest.raises(ValueError, match="give stride explicitly"):
        Pooling(2, 3)


def test_pooling_ties_route_to_first_maximum() -> None:
    pool = Pooling(2, 2)
    pool.forward(np.zeros((1, 1, 2, 2)))
    assert_array_equal(pool.backward(np.ones((1, 1, 1, 1)))[0, 0], [[1, 0], [0, 0]])


@pytest.mark.parametrize("pool_size", [1, 2])
def test_pooling_nan_window_routes_to_first_nan(pool_size: int) -> None:
    x = np.array([[[[1.0, 2.0], [np.nan, np.nan]]]])
    pool = Pooling(pool_size, pool_size)
    out = pool.forward(x)
    assert np.isnan(out[0, 0, -1, -1]) and np.isnan(out).sum() == (2 if pool_size == 1 else 1)
    dx = pool.backward(np.ones(out.shape))
    if pool_size == 2:  # np.argmax's choice: the first NaN, row-major
        assert_array_equal(dx[0, 0], [[0, 0], [1, 0]])
    else:  # every pixel is its own window and keeps its gradient
        assert_array_equal(dx, np.ones(x.shape))


def test_pooling_pad_never_wins() -> None:
    x = -np.ones((1, 1, 2, 2))
    out = Pooling(2, 2, stride=2, pad=1).forward(x)
    assert_array_equal(out, -np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize(
    ("pool", "stride", "pad", "hw"), [(2, 2, 0, 4), (2, 1, 0, 4), (3, 2, 1, 5), (2, 3, 0, 5)]
)
def test_pooling_grad(pool: int, stride: int, pad: int, hw: int) -> None:
    x = distinct((2, 3, hw, hw))
    check_grads(Pooling(pool, pool, stride=stride, pad=pad), x)


def pool_loops(x: np.ndarray, ph: int, pw: int, stride: int) -> np.ndarray:
    n, c, h, w = x.shape
    oh, ow = (h - ph) // stride + 1, (w - pw) // stride + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out


@FEW
@given(conv_geometry(), st.integers(0, 2**32 - 1))
def test_pooling_matches_loops(geom: Any, seed: int) -> None:
    shape, fh, fw, stride, _ = geom
    fh, fw = min(fh, shape[2]), min(fw, shape[3])
    if (shape[2] - fh) % stride or (shape[3] - fw) % stride:
        stride = 1
    x = rng(seed).standard_normal(shape)
    pool = Pooling(fh, fw, stride=stride)
    assert_array_equal(pool.forward(x), pool_loops(x, fh, fw, stride))


def test_pooling_shape_error() -> None:
    with pytest.raises(ShapeError, match=r"Pooling: input H=5, W=5 with a 2x2 filter"):
        Pooling(2, 2).forward(np.zeros((1, 1, 5, 5)))


# --------------------------------------------------------------------------------------
# traps shared by every layer: dout untouched, x untouched, dtype kept
# --------------------------------------------------------------------------------------
def f32(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32)


LAYERS: dict[str, Callable[[], tuple[Any, np.ndarray]]] = {
    "Relu": lambda: (Relu(), f32(away_from_zero((4, 5)))),
    "Sigmoid": lambda: (Sigmoid(), f32(away_from_zero((4, 5)))),
    "Affine": lambda: (
        Affine(f32(rng().standard_normal((12, 3))), np.zeros(3, np.float32)),
        f32(away_from_zero((2, 3, 2, 2))),
    ),
    "Dropout": lambda: (Dropout(0.5, seed=0), f32(away_from_zero((4, 5)))),
    "BatchNormalization": lambda: (
        BatchNormalization(np.ones(5, np.float32), np.zeros(5, np.float32)),
        f32(away_from_zero((4, 5))),
    ),
    "Convolution": lambda: (
        Convolution(f32(rng().standard_normal((3, 2, 3, 3))), np.zeros(3, np.float32), pad=1),
        f32(away_from_zero((2, 2, 4, 4))),
    ),
    "Pooling": lambda: (Pooling(2, 2), f32(distinct((2, 2, 4, 4)))),
    "FastConvolution": lambda: (
        FastConvolution(f32(rng().standard_normal((3, 2, 3, 3))), np.zeros(3, np.float32), pad=1),
        f32(away_from_zero((2, 2, 4, 4))),
    ),
    "FastPooling": lambda: (FastPooling(2, 2), f32(distinct((2, 2, 4, 4)))),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_backward_leaves_dout_and_forward_leaves_x(name: str) -> None:
    layer, x = LAYERS[name]()
    x_before = x.copy()
    out = layer.forward(x)
    assert_array_equal(x, x_before)
    dout = rng(9).standard_normal(out.shape).astype(np.float32)
    dout_before = dout.copy()
    dx = layer.backward(dout)
    assert_array_equal(dout, dout_before)
    assert not np.shares_memory(dx, dout)


@pytest.mark.parametrize("name", list(LAYERS))
def test_float32_stays_float32(name: str) -> None:
    layer, x = LAYERS[name]()
    out = layer.forward(x)
    assert out.dtype == np.float32
    dx = layer.backward(np.ones_like(out))
    assert dx.dtype == np.float32
    for grad in ("dW", "db", "dgamma", "dbeta"):
        if hasattr(layer, grad):
            assert getattr(layer, grad).dtype == np.float32, grad
    if isinstance(layer, BatchNormalization):
        assert layer.running_mean is not None and layer.running_mean.dtype == np.float32
        assert layer.forward(x, train_flg=False).dtype == np.float32


def test_softmax_with_loss_float32() -> None:
    layer = SoftmaxWithLoss()
    layer.forward(rng().standard_normal((3, 4)).astype(np.float32), np.array([0, 1, 2]))
    assert layer.backward().dtype == np.float32
    assert layer.backward(np.float64(1.0)).dtype == np.float32
