import numpy as np
import pytest

from dlscratch.errors import ShapeError
from dlscratch.perceptron import AND, NAND, OR, XOR, Perceptron, truth_table

INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]


@pytest.mark.parametrize(
    ("gate", "expected"),
    [(AND, [0, 0, 0, 1]), (NAND, [1, 1, 1, 0]), (OR, [0, 1, 1, 1]), (XOR, [0, 1, 1, 0])],
)
def test_truth_tables_match_book(gate, expected):
    assert [y for _, _, y in truth_table(gate)] == expected
    assert [gate(np.array(x)) for x in INPUTS] == expected


def test_book_weights_and_pre_activations():
    # Book 2.3.3: AND w=(0.5, 0.5), b=-0.7, so (1, 1) gives 0.3 and (0, 0) gives -0.7.
    assert AND.pre_activation([1, 1]) == pytest.approx(0.3)
    assert AND.pre_activation([0, 0]) == pytest.approx(-0.7)
    assert NAND.pre_activation([1, 1]) == pytest.approx(-0.3)
    assert OR.pre_activation([1, 0]) == pytest.approx(0.3)
    np.testing.assert_allclose(AND.pre_activation(np.array(INPUTS)), [-0.7, -0.2, -0.2, 0.3])


def test_batch_input_returns_array():
    out = OR(np.array(INPUTS))
    assert out.shape == (4,)
    np.testing.assert_array_equal(out, [0, 1, 1, 1])
    np.testing.assert_array_equal(XOR(np.array(INPUTS)), [0, 1, 1, 0])


def test_single_layer_cannot_be_xor():
    # A line through a small grid of weights never separates XOR (book 2.4).
    grid = np.linspace(-1, 1, 9)
    for w1 in grid:
        for w2 in grid:
            for b in grid:
                p = Perceptron([w1, w2], b)
                assert [y for _, _, y in truth_table(p)] != [0, 1, 1, 0]


def test_shape_errors():
    with pytest.raises(ShapeError, match="expected shape"):
        AND([1, 0, 1])
    with pytest.raises(ShapeError, match="1-D"):
        Perceptron([[1, 2]], 0)
