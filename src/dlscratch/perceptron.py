"""Perceptrons and logic gates (book chapter 2).

A perceptron outputs 1 when w·x + b > 0 and 0 otherwise (book 2.3.2, eq. 2.2). One
perceptron draws a straight line through input space, so it can be AND, NAND or OR but
not XOR (2.4); stacking two layers gives XOR (2.5).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.validation import as_real_array, check_real

__all__ = ["AND", "NAND", "OR", "XOR", "Perceptron", "truth_table"]


class Perceptron:
    """A single perceptron y = 1 if w·x + b > 0 else 0 (book 2.3.2).

    Args:
        weights: the weights ``w``, shape ``(d,)``.
        bias: the bias ``b`` (book 2.3.2 writes b = -theta).

    Call it the book's way, with the inputs as separate arguments (``AND(1, 1)``
    gives 1), or with one input ``(d,)`` (returns an ``int``), or a batch ``(N, d)``
    (returns an int64 array ``(N,)``).

    Raises:
        ShapeError: the inputs do not match the number of weights.
    """

    def __init__(self, weights: ArrayLike, bias: float) -> None:
        self.weights = np.asarray(as_real_array("weights", weights), dtype=np.float64)
        if self.weights.ndim != 1:
            raise ShapeError(f"weights: expected a 1-D vector, got shape {self.weights.shape}")
        self.bias = check_real("bias", bias)

    def __repr__(self) -> str:
        return f"Perceptron(weights={self.weights.tolist()}, bias={self.bias})"

    def pre_activation(self, x: ArrayLike) -> NDArray[np.float64] | float:
        """The weighted sum w·x + b before the step, ``(N,)`` for a batch, else a float."""
        xa = np.asarray(as_real_array("x", x), dtype=np.float64)
        if xa.ndim not in (1, 2) or xa.shape[-1] != self.weights.shape[0]:
            raise ShapeError(
                f"x: expected shape ({self.weights.shape[0]},) or "
                f"(N, {self.weights.shape[0]}), got {xa.shape}"
            )
        a = xa @ self.weights + self.bias
        return float(a) if xa.ndim == 1 else a

    def __call__(self, *inputs: ArrayLike) -> Any:
        # AND(x1, x2) as the book writes it, or AND(x) with x of shape (d,) or (N, d).
        if not inputs:
            raise TypeError("a gate takes its inputs: gate(x1, x2), or gate(x) with x (d,)/(N, d)")
        arrays = [as_real_array(f"x{i + 1}", v) for i, v in enumerate(inputs)]
        if len(arrays) == 1:
            x = arrays[0]
        else:
            try:
                x = np.stack(np.broadcast_arrays(*arrays), axis=-1)
            except ValueError:
                raise ShapeError(
                    "gate inputs: expected numbers or arrays of one shape, got shapes "
                    + ", ".join(str(a.shape) for a in arrays)
                ) from None
        a = self.pre_activation(x)
        if isinstance(a, float):
            return int(a > 0)
        return (a > 0).astype(np.int64)


# The book's weights and biases (2.3.3).
AND = Perceptron([0.5, 0.5], -0.7)
NAND = Perceptron([-0.5, -0.5], 0.7)
OR = Perceptron([0.5, 0.5], -0.2)


def XOR(*inputs: ArrayLike) -> Any:
    """XOR as a two-layer perceptron: AND(NAND(x1, x2), OR(x1, x2)) (book 2.5.2, fig. 2-13).

    Called like the other gates: ``XOR(1, 0)`` as the book, or with one input ``(2,)``
    (returns an int) or a batch ``(N, 2)`` (returns ``(N,)``).
    """
    s1, s2 = NAND(*inputs), OR(*inputs)
    return AND(s1, s2)


def truth_table(gate: Any) -> list[tuple[int, int, int]]:
    """The gate's output for the four inputs (0,0), (1,0), (0,1), (1,1) (book tables 2-1..2-4)."""
    inputs = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float64)
    outputs = np.asarray(gate(inputs))
    return [(int(a), int(b), int(y)) for (a, b), y in zip(inputs, outputs, strict=True)]
