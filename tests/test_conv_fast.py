"""dlscratch.conv_fast: the ConvNets' layers give what the book's layers give."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from dlscratch.conv_fast import FastConvolution, FastPooling, im2col_t
from dlscratch.errors import ShapeError
from dlscratch.layers import Convolution, Pooling, im2col
from dlscratch.networks import DeepConvNet, SimpleConvNet
from test_layers import FEW, check_grads, conv_geometry, conv_loops, distinct, im2col_loops


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def both_convolutions(
    x: np.ndarray, W: np.ndarray, b: Any, stride: int, pad: int, dout: np.ndarray | None = None
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """(out, dx, dW, db) of Convolution and of FastConvolution for the same input."""
    results = []
    for cls in (Convolution, FastConvolution):
        layer = cls(W, b, stride, pad)
        out = layer.forward(x)
        d = rng(1).standard_normal(out.shape) if dout is None else dout
        dx = layer.backward(d)
        results.append((out, dx, layer.dW, layer.db))
    return results[0], results[1]


@pytest.mark.parametrize(
    ("stride", "pad", "hw", "fs"),
    [(1, 0, 6, 3), (2, 0, 7, 3), (1, 1, 5, 3), (2, 1, 7, 3), (3, 2, 7, 2), (1, 2, 5, 5)],
)
def test_fast_convolution_equals_the_books(stride: int, pad: int, hw: int, fs: int) -> None:
    g = rng(stride * 10 + pad)
    W, b = g.standard_normal((4, 3, fs, fs)), g.standard_normal(4)
    x = g.standard_normal((2, 3, hw, hw))
    book, fast = both_convolutions(x, W, b, stride, pad)
    for name, a, f in zip(("out", "dx", "dW", "db"), book, fast, strict=True):
        assert a.shape == f.shape, name
        assert_allclose(f, a, rtol=1e-12, atol=1e-12, err_msg=name)
    assert_allclose(fast[0], conv_loops(x, W, b, stride, pad), atol=1e-12)


@FEW
@given(conv_geometry(), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_fast_convolution_equals_the_books_on_any_geometry(geom: Any, fn: int, seed: int) -> None:
    shape, fh, fw, stride, pad = geom
    g = rng(seed)
    W, b = g.standard_normal((fn, shape[1], fh, fw)), g.standard_normal(fn)
    x = g.standard_normal(shape)
    book, fast = both_convolutions(x, W, b, stride, pad)
    for a, f in zip(book, fast, strict=True):
        assert_allclose(f, a, rtol=1e-10, atol=1e-10)


def test_fast_convolution_float32_and_scalar_bias() -> None:
    g = rng(2)
    W = g.standard_normal((3, 2, 3, 3)).astype(np.float32)
    x = g.standard_normal((2, 2, 6, 6)).astype(np.float32)
    dout = g.standard_normal((2, 3, 6, 6)).astype(np.float32)
    book, fast = both_convolutions(x, W, np.float32(0.5), 1, 1, dout)
    for a, f in zip(book, fast, strict=True):
        assert f.dtype == a.dtype == np.float32
        assert_allclose(f, a, rtol=1e-5, atol=1e-5)
    assert fast[3].shape == (3,)


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (2, 1), (1, 1)])
def test_fast_convolution_grads(stride: int, pad: int) -> None:
    g = rng(stride * 10 + pad)
    conv = FastConvolution(g.standard_normal((3, 2, 3, 3)), g.standard_normal(3), stride, pad)
    check_grads(conv, g.standard_normal((2, 2, 7, 7)), (("W", "dW"), ("b", "db")))


def test_fast_convolution_col_and_im2col_t_are_the_books() -> None:
    g = rng(7)
    x7 = g.standard_normal((2, 3, 7, 7))
    assert_array_equal(im2col_t(x7, 3, 3, 2, 1), im2col(x7, 3, 3, 2, 1).T)
    x = g.standard_normal((2, 3, 6, 6))
    conv = FastConvolution(g.standard_normal((4, 3, 3, 3)), g.standard_normal(4), pad=1)
    assert conv.col is None
    conv.forward(x)
    assert_array_equal(conv.col, im2col_loops(x, 3, 3, 1, 1))


def test_fast_convolution_dx_follows_numpy_promotion() -> None:
    g = rng(5)
    conv = FastConvolution(g.standard_normal((2, 3, 3, 3)), np.zeros(2), pad=1)
    out = conv.forward(g.standard_normal((2, 3, 4, 4)).astype(np.float32))
    for dout in (np.ones(out.shape, np.float32), np.ones(out.shape, np.int64)):
        dx = conv.backward(dout)
        assert dx.dtype == np.float64
        assert_allclose(dx, conv.backward(dout.astype(np.float64)))


def test_fast_convolution_constructor_checks() -> None:
    with pytest.raises(ShapeError, match="W must be 4-D"):
        FastConvolution(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ShapeError, match="b must have shape"):
        FastConvolution(np.zeros((3, 1, 2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="stride"):
        FastConvolution(np.zeros((3, 1, 2, 2)), np.zeros(3), stride=0)
    with pytest.raises(ShapeError, match=r"H=28.*5x5.*stride=2, pad=0"):
        FastConvolution(np.zeros((30, 1, 5, 5)), np.zeros(30), 2).forward(np.zeros((1, 1, 28, 28)))


def both_poolings(
    x: np.ndarray, pool: tuple[int, int], stride: int, pad: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    results = []
    for cls in (Pooling, FastPooling):
        layer = cls(*pool, stride=stride, pad=pad)
        out = layer.forward(x)
        dx = layer.backward(rng(1).standard_normal(out.shape))
        results.append((out, dx))
    return results[0], results[1]


@pytest.mark.parametrize(
    ("pool", "stride", "pad", "hw"),
    [((2, 2), 2, 0, 4), ((2, 2), 1, 0, 4), ((3, 3), 2, 1, 5), ((2, 2), 3, 0, 5), ((2, 3), 1, 1, 4)],
)
def test_fast_pooling_equals_the_books(
    pool: tuple[int, int], stride: int, pad: int, hw: int
) -> None:
    x = distinct((2, 3, hw, hw))
    (out, dx), (fast_out, fast_dx) = both_poolings(x, pool, stride, pad)
    assert_array_equal(fast_out, out)
    assert_allclose(fast_dx, dx, rtol=1e-14, atol=1e-14)


def test_fast_pooling_ties_and_nan_as_the_books() -> None:
    x = np.array([[[[0.0, 0.0, 1.0, np.nan], [0.0, 0.0, np.nan, 2.0]]]])
    (out, dx), (fast_out, fast_dx) = both_poolings(x, (2, 2), 2, 0)
    assert_array_equal(fast_out, out)  # NaN == NaN for assert_array_equal
    assert_array_equal(fast_dx, dx)
    assert_array_equal(dx[0, 0] != 0, [[True, False, False, True], [False, False, False, False]])


@pytest.mark.parametrize(
    ("pool", "stride", "pad", "hw"), [(2, 2, 0, 4), (3, 2, 1, 5), (2, 1, 0, 3)]
)
def test_fast_pooling_grads(pool: int, stride: int, pad: int, hw: int) -> None:
    check_grads(FastPooling(pool, pool, stride=stride, pad=pad), distinct((2, 2, hw, hw)))


@pytest.mark.parametrize("net_class", [SimpleConvNet, DeepConvNet])
def test_networks_train_with_the_fast_layers(net_class: Any) -> None:
    net = net_class(seed=0)
    kinds = {type(layer) for layer in net.layers.values()}
    assert FastConvolution in kinds and FastPooling in kinds
    assert Convolution not in kinds and Pooling not in kinds
