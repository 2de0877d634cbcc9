"""dlscratch.validation: the checks' messages name the argument, the expectation, the value."""

from __future__ import annotations

import numpy as np
import pytest

from dlscratch.errors import ShapeError
from dlscratch.layers import Affine, BatchNormalization, Convolution, Pooling, Relu, Sigmoid
from dlscratch.networks import SimpleConvNet
from dlscratch.validation import (
    as_rows,
    check_dout,
    check_images,
    check_pad,
    check_positive,
    check_saved,
    is_int,
    is_real_number,
    window_output_hw,
    window_output_size,
)


def test_ints_and_hyperparameters() -> None:
    assert is_int(3) and is_int(np.int64(3))
    assert not is_int(True) and not is_int(3.0)
    assert all(is_real_number(v) for v in (3, 2.5, np.int8(1), np.float32(0.5)))
    assert not any(is_real_number(v) for v in (True, np.bool_(True), None, "1", np.ones(1)))
    check_positive("stride", 1)
    check_pad(0)
    with pytest.raises(ValueError, match=r"stride: expected an int >= 1, got 0"):
        check_positive("stride", 0)
    with pytest.raises(ValueError, match=r"pool_h: expected an int >= 1, got 2.0"):
        check_positive("pool_h", 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pad: expected an int >= 0, got -1"):
        check_pad(-1)


def test_window_output() -> None:
    assert window_output_size(28, 5, 1, 0) == 24
    assert window_output_size(28, 5, 2, 0) is None
    assert window_output_size(2, 5, 1, 0) is None
    assert window_output_hw("Pooling", 4, 6, 2, 2, 2, 0) == (2, 3)
    with pytest.raises(ShapeError) as info:
        window_output_hw("Pooling", 4, 5, 2, 2, 2, 0)
    assert str(info.value) == (
        "Pooling: input H=4, W=5 with a 2x2 filter, stride=2, pad=0: output W = "
        "(5 + 2*0 - 2) / 2 + 1 = 2.5 is not a whole number >= 1; change the filter "
        "size, stride or pad"
    )


def test_check_images() -> None:
    x = check_images("Convolution", [[[[1.0]]]], channels=1)
    assert isinstance(x, np.ndarray) and x.shape == (1, 1, 1, 1)
    with pytest.raises(ShapeError, match=r"Convolution: x must be 4-D .*3-D .*x\[None\]"):
        check_images("Convolution", np.zeros((1, 2, 2)))
    with pytest.raises(ShapeError, match=r"must have C=3 channels.*\(1, 2, 2, 2\) with 2"):
        check_images("Convolution", np.zeros((1, 2, 2, 2)), channels=3)


def test_as_rows() -> None:
    assert as_rows("Affine", np.ones(4), 4, "W").shape == (1, 4)
    assert as_rows("Affine", np.ones((2, 2, 2)), 4, "W").shape == (2, 4)
    scalar = r"Affine: x must be \(N, 4\), \(4,\) or \(N, \.\.\.\); got a scalar"
    with pytest.raises(ShapeError, match=scalar):
        as_rows("Affine", np.float64(1), 4, "W")
    with pytest.raises(ShapeError, match=r"D=4 numbers \(the rows of W\).*\(2, 5\).*5 per"):
        as_rows("Affine", np.ones((2, 5)), 4, "the rows of W")


def test_saved_state_and_dout() -> None:
    relu = Relu()
    with pytest.raises(RuntimeError, match=r"Relu.backward: call forward first"):
        check_saved(relu, "mask")
    relu.forward(np.ones((2, 3)))
    check_saved(relu, "mask")
    assert check_dout(relu, [[1, 2, 3], [4, 5, 6]], (2, 3)).shape == (2, 3)
    with pytest.raises(ShapeError, match=r"Relu.backward: dout must have .* \(2, 3\); got \(3,\)"):
        check_dout(relu, np.ones(3), (2, 3))


@pytest.mark.parametrize(
    ("layer", "x"),
    [
        (Relu(), np.ones((2, 3))),
        (Sigmoid(), np.ones((2, 3))),
        (Affine(np.ones((3, 2)), np.zeros(2)), np.ones((2, 3))),
        (BatchNormalization(np.ones(3), np.zeros(3)), np.ones((2, 3))),
        (Convolution(np.ones((2, 1, 2, 2)), np.zeros(2)), np.ones((1, 1, 3, 3))),
        (Pooling(2, 2, stride=1), np.ones((1, 1, 3, 3))),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, np.ndarray) else "",
)
def test_every_layer_checks_backward(layer: object, x: np.ndarray) -> None:
    with pytest.raises(RuntimeError, match="call forward first"):
        layer.backward(np.ones(1))  # type: ignore[attr-defined]
    out = layer.forward(x)  # type: ignore[attr-defined]
    with pytest.raises(ShapeError, match=r"dout must have the shape of the forward output"):
        layer.backward(np.ones((*out.shape, 1)))  # type: ignore[attr-defined]


def test_a_network_checks_its_input_once_at_the_boundary() -> None:
    net = SimpleConvNet(seed=0)
    with pytest.raises(ShapeError, match=r"expected images of shape \(N, 1, 28, 28\)"):
        net.predict(np.zeros((2, 3, 28, 28)))
    with pytest.raises(ShapeError, match=r"expected images of shape"):
        net.gradient(np.zeros((2, 28, 29)), np.array([0, 1]))
