import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlscratch.errors import ShapeError
from dlscratch.functions import (
    class_labels,
    cross_entropy_error,
    identity_function,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step_function,
    sum_squares_error,
)
from dlscratch.gradient import numerical_gradient
from dlscratch.layers import SoftmaxWithLoss

finite = st.floats(-50, 50, allow_nan=False, width=64)


def test_step_function_book_values():
    np.testing.assert_array_equal(step_function(np.array([-1.0, 1.0, 2.0])), [0, 1, 1])
    assert step_function(0.0) == 0
    assert step_function(3).dtype == np.int64


def test_sigmoid_book_values_and_no_overflow():
    # Book 3.2.4: sigmoid([-1, 1, 2]) = [0.26894142, 0.73105858, 0.88079708].
    np.testing.assert_allclose(
        sigmoid(np.array([-1.0, 1.0, 2.0])), [0.26894142, 0.73105858, 0.88079708], rtol=1e-7
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, 1.0])
    assert float(sigmoid(0)) == 0.5


def test_relu_and_identity():
    np.testing.assert_array_equal(relu(np.array([-1.0, 0.0, 2.5])), [0.0, 0.0, 2.5])
    np.testing.assert_array_equal(relu_grad(np.array([-1.0, 0.0, 2.5])), [0.0, 0.0, 1.0])
    x = np.array([1.0, -2.0])
    assert identity_function(x) is x


@given(arrays(np.float64, st.integers(1, 6), elements=st.floats(-8, 8)))
def test_sigmoid_derivative_matches_numerical(x):
    num = np.array(
        [numerical_gradient(lambda v: float(np.sum(sigmoid(v))), np.array([xi]))[0] for xi in x]
    )
    np.testing.assert_allclose(sigmoid_grad(x), num, atol=1e-8)


def test_softmax_book_values():
    # Book 3.5.1 and 3.5.2.
    np.testing.assert_allclose(
        softmax(np.array([0.3, 2.9, 4.0])), [0.01821127, 0.24519181, 0.73659691], rtol=1e-6
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = softmax(np.array([1010.0, 1000.0, 990.0]))
    np.testing.assert_allclose(out, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-6)


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite))
def test_softmax_rows_sum_to_one_and_batch_matches_single(x):
    y = softmax(x)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    for i in range(x.shape[0]):
        np.testing.assert_allclose(y[i], softmax(x[i]), rtol=1e-12)


def test_softmax_keeps_float32():
    assert softmax(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


Y_CORRECT = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
Y_WRONG = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
T = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_losses_book_values():
    # Book 4.2.1 and 4.2.2.
    assert sum_squares_error(Y_CORRECT, T) == pytest.approx(0.0975)
    assert sum_squares_error(Y_WRONG, T) == pytest.approx(0.5975)
    assert cross_entropy_error(np.array(Y_CORRECT), np.array(T)) == pytest.approx(
        0.510825457, abs=1e-9
    )
    assert cross_entropy_error(np.array(Y_WRONG), np.array(T)) == pytest.approx(
        2.302584093, abs=1e-9
    )


def test_losses_accept_labels_and_batches():
    assert cross_entropy_error(Y_CORRECT, 2) == pytest.approx(0.510825457, abs=1e-9)
    batch = np.array([Y_CORRECT, Y_WRONG])
    mean = (0.510825457 + 2.302584093) / 2
    assert cross_entropy_error(batch, [2, 2]) == pytest.approx(mean, abs=1e-9)
    assert cross_entropy_error(batch, np.array([T, T])) == pytest.approx(mean, abs=1e-9)
    assert sum_squares_error(batch, [2, 2]) == pytest.approx((0.0975 + 0.5975) / 2)


def test_loss_errors_name_the_problem():
    with pytest.raises(ShapeError, match="class labels must lie in"):
        cross_entropy_error(Y_CORRECT, 10)
    # A negative label would silently pick a class from the end; both ends are refused,
    # for every integer dtype, in the loss and in the layer a network trains with.
    for labels in (np.array([2, -1]), np.array([2, -1], dtype=np.int8), np.array([2, 10])):
        with pytest.raises(ShapeError, match=r"lie in \[0, 9\]; got values from -?\d+ to"):
            cross_entropy_error(np.array([Y_CORRECT, Y_WRONG]), labels)
        with pytest.raises(ShapeError, match=r"lie in \[0, 9\]"):
            SoftmaxWithLoss().forward(np.zeros((2, 10)), labels)
    assert class_labels(np.array([0, 9], dtype=np.uint8), np.zeros((2, 10))).tolist() == [0, 9]
    t = np.array([0, 9], dtype=np.intp)
    assert not np.shares_memory(class_labels(t, np.zeros((2, 10))), t)  # always a copy
    assert not np.shares_memory(class_labels(t[:, None], np.zeros((2, 10))), t)  # a column


def test_softmax_with_loss_takes_the_label_forms_it_always_took():
    x = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    loss = -(np.log(0.7) + np.log(0.25)) / 2
    for t in ([2, 1], np.array([[2, 1]]), np.array([[0, 0, 1], [0, 1, 0]]),
              np.array([0, 0, 1, 0, 1, 0]), np.array([[2], [1]])):  # fmt: skip
        assert SoftmaxWithLoss().forward(x, t) == pytest.approx(loss), t
    for t in (2, np.int64(2), np.array([0, 0, 1])):  # a batch of one: a scalar, or one-hot
        assert SoftmaxWithLoss().forward(x[:1], t) == pytest.approx(-np.log(0.7)), t
    # backward uses the labels of forward, whatever happens to the caller's array later
    t = np.array([2, 1], dtype=np.intp)
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    t[:] = 0
    np.testing.assert_allclose(
        layer.backward(), ([0.1, 0.2, -0.3], [0.5, -0.75, 0.25]) / np.array(2)
    )
    with pytest.raises(ShapeError, match="expected one-hot"):
        cross_entropy_error(np.array([Y_CORRECT]), [[1, 2]])
