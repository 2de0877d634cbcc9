import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlscratch.conv_fast import FastConvolution, FastPooling
from dlscratch.errors import DTypeError, PrecisionWarning
from dlscratch.gradient import (
    gradient_check,
    gradient_descent,
    gradient_descent_path,
    layer_gradient_check,
    numerical_diff,
    numerical_gradient,
)
from dlscratch.layers import Affine, BatchNormalization, Convolution, Pooling, Relu, Sigmoid


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    return np.sum(x**2)


def test_numerical_diff_book_values():
    # Book 4.3.2 prints these exact digits.
    assert numerical_diff(function_1, 5) == pytest.approx(0.1999999999990898, abs=1e-15)
    assert numerical_diff(function_1, 10) == pytest.approx(0.2999999999986347, abs=1e-15)


@pytest.mark.parametrize(
    ("point", "expected"),
    [((3.0, 4.0), (6.0, 8.0)), ((0.0, 2.0), (0.0, 4.0)), ((3.0, 0.0), (6.0, 0.0))],
)
def test_numerical_gradient_book_values(point, expected):
    np.testing.assert_allclose(numerical_gradient(function_2, np.array(point)), expected, atol=1e-6)


def test_integer_input_is_refused_not_truncated():
    with pytest.raises(DTypeError, match="Pass floats"):
        numerical_gradient(function_2, np.array([3, 4]))
    with pytest.raises(DTypeError):
        numerical_gradient(function_2, [3.0, 4.0])


@settings(max_examples=30, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2)),
        elements=st.floats(-3, 3),
    )
)
def test_nd_gradient_matches_analytic(x):
    # f = sum(sin(x) * x^2): df/dx = cos(x) x^2 + 2x sin(x).
    g = numerical_gradient(lambda v: np.sum(np.sin(v) * v**2), x)
    np.testing.assert_allclose(g, np.cos(x) * x**2 + 2 * x * np.sin(x), atol=1e-6)


def test_perturbs_in_place_and_restores_even_on_error():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    seen = []

    def f(_ignored):
        seen.append(w.copy())  # reads w through a closure, like net.loss does
        return np.sum(w**3)

    g = numerical_gradient(f, w)
    np.testing.assert_allclose(g, 3 * np.array([[1.0, 4.0], [9.0, 16.0]]), rtol=1e-7)
    assert any(not np.array_equal(s, [[1.0, 2.0], [3.0, 4.0]]) for s in seen)
    np.testing.assert_array_equal(w, [[1.0, 2.0], [3.0, 4.0]])

    def boom(v):
        raise RuntimeError("fail inside f")

    with pytest.raises(RuntimeError):
        numerical_gradient(boom, w)
    np.testing.assert_array_equal(w, [[1.0, 2.0], [3.0, 4.0]])


def test_float32_is_coarse_but_close_and_warns():
    x32 = np.array([3.0, 4.0], dtype=np.float32)
    with pytest.warns(PrecisionWarning, match="float32.*too coarse"):
        g = numerical_gradient(function_2, x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [6.0, 8.0], rtol=5e-2)


def test_gradient_descent_book_values():
    init = np.array([-3.0, 4.0])
    x = gradient_descent(function_2, init, lr=0.1, step_num=100)  # x alone, as the book
    np.testing.assert_allclose(x, [-6.11110793e-10, 8.14814391e-10], rtol=1e-6)
    x_path, hist = gradient_descent_path(function_2, init, lr=0.1, step_num=100)
    np.testing.assert_array_equal(x_path, x)
    assert hist.shape == (100, 2)
    np.testing.assert_array_equal(hist[0], [-3.0, 4.0])
    np.testing.assert_array_equal(init, [-3.0, 4.0])  # not modified
    x = gradient_descent(function_2, init, lr=10.0, step_num=100)
    np.testing.assert_allclose(x, [-2.58983747e13, -1.29524862e12], rtol=1e-6)
    x = gradient_descent(function_2, init, lr=1e-10, step_num=100)
    np.testing.assert_allclose(x, [-2.99999994, 3.99999992], rtol=1e-8)


# --------------------------------------------------------------------------------------
# gradient_check of a single layer
# --------------------------------------------------------------------------------------
def _layer_cases():
    g = np.random.default_rng(0)

    def away_from_zero(shape):
        return g.uniform(0.1, 1.0, shape) * g.choice([-1.0, 1.0], shape)

    def distinct(shape):
        n = int(np.prod(shape))
        return g.permutation(n).reshape(shape) * 0.01 - 0.005 * n

    return {
        "Affine": (
            Affine(g.standard_normal((12, 4)), g.standard_normal(4)),
            g.standard_normal((3, 3, 2, 2)),
        ),
        "Relu": (Relu(), away_from_zero((4, 5))),
        "Sigmoid": (Sigmoid(), g.standard_normal((4, 5))),
        "Convolution": (
            Convolution(g.standard_normal((3, 2, 3, 3)), g.standard_normal(3), stride=2, pad=1),
            g.standard_normal((2, 2, 5, 5)),
        ),
        "FastConvolution": (
            FastConvolution(g.standard_normal((3, 2, 3, 3)), g.standard_normal(3), 1, 1),
            g.standard_normal((2, 2, 4, 4)),
        ),
        "Pooling": (Pooling(2, 2, stride=1), distinct((2, 2, 4, 4))),
        "FastPooling": (FastPooling(3, 3, stride=2, pad=1), distinct((2, 2, 5, 5))),
        "BatchNormalization": (
            BatchNormalization(g.uniform(0.5, 1.5, 6), g.standard_normal(6)),
            g.standard_normal((5, 6)) * 2 + 1,
        ),
    }


EXPECTED_ROWS = {
    "Affine": ["x", "W", "b"],
    "Relu": ["x"],
    "Sigmoid": ["x"],
    "Convolution": ["x", "W", "b"],
    "FastConvolution": ["x", "W", "b"],
    "Pooling": ["x"],
    "FastPooling": ["x"],
    "BatchNormalization": ["x", "gamma", "beta"],
}


@pytest.mark.parametrize("name", list(EXPECTED_ROWS))
def test_gradient_check_of_a_layer(name):
    layer, x = _layer_cases()[name]
    rows = gradient_check(layer, x)
    assert [row.name for row in rows] == EXPECTED_ROWS[name]
    assert rows[0].shape == x.shape
    for row in rows:
        assert row.max_abs_diff < 1e-7, row
        assert row.max_rel_diff < 1e-5, row


def test_layer_gradient_check_finds_a_wrong_backward():
    class DoubleRelu(Relu):
        def backward(self, dout):
            return 2 * super().backward(dout)  # the derivative of ReLU is 1, not 2

    x = np.array([[0.5, -0.3, 0.8]])
    (row,) = layer_gradient_check(DoubleRelu(), x, dout=np.ones((1, 3)))
    assert row.max_abs_diff == pytest.approx(1.0, abs=1e-6)  # 2 against 1 where x > 0


def test_layer_gradient_check_restores_parameters_and_running_stats():
    W = np.ones((3, 2), dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    layer = Affine(W, b)
    rows = layer_gradient_check(layer, np.ones((2, 3), dtype=np.float32))
    assert layer.W is W and layer.b is b and W.dtype == np.float32
    assert rows[1].max_abs_diff < 1e-7  # evaluated in float64 all the same
    bn = BatchNormalization(np.ones(2), np.zeros(2))
    gradient_check(bn, np.array([[1.0, 2.0], [3.0, 5.0]]))
    assert bn.running_mean is None and bn.running_var is None


def test_gradient_check_of_a_network_needs_t():
    class Net:
        def gradient(self, x, t):
            return {}

    with pytest.raises(TypeError, match="targets t"):
        gradient_check(Net(), np.ones(2))
