"""SimpleNet: the 2x3 linear classifier of book 4.4.2, for numerical gradients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.functions import cross_entropy_error, softmax
from dlscratch.networks.base import Network, weight_generator
from dlscratch.validation import as_real_array

__all__ = ["SimpleNet", "simpleNet"]


class SimpleNet(Network):
    """z = x @ W, y = softmax(z), loss = cross-entropy(y, t) (book 4.4.2).

    Args:
        W: initial weights ``(2, 3)`` (float64); if omitted, drawn from a standard
            normal with ``seed`` (the book uses ``np.random.randn(2, 3)``).
        seed: seed for the random weights; ``None`` draws from NumPy's global
            generator as the book does, so ``np.random.seed`` reproduces it.

    The book's name for this class, ``simpleNet``, is the same class.

    The book reads and perturbs ``net.W``; ``net.params['W']`` is the same array, so
    ``f = lambda w: net.loss(x, t); numerical_gradient(f, net.W)`` works as printed.
    Unlike the other networks this one is float64: it exists to be differentiated
    numerically.
    """

    architecture: ClassVar[str] = "SimpleNet"

    def __init__(self, W: ArrayLike | None = None, seed: int | None = None) -> None:
        if W is None:
            w = weight_generator(seed).standard_normal((2, 3))
        else:
            w = np.array(as_real_array("W", W), dtype=np.float64)
        if w.ndim != 2:
            raise ShapeError(f"W: expected a 2-D weight matrix, got shape {w.shape}")
        self.params = {"W": w}

    @property
    def W(self) -> NDArray[np.float64]:
        """The weight matrix (the same array as ``params['W']``)."""
        return self.params["W"]

    @W.setter
    def W(self, value: ArrayLike) -> None:
        self.params["W"] = np.asarray(value, dtype=np.float64)

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], dtype: DTypeLike = np.float64) -> SimpleNet:
        return cls(np.zeros((2, 3)))

    def predict(self, x: ArrayLike, train_flg: bool = False) -> NDArray[Any]:
        """Scores z = x @ W: ``(3,)`` for one sample ``(2,)``, or ``(N, 3)``."""
        xa = as_real_array("x", x)
        if xa.ndim == 0 or xa.shape[-1] != self.W.shape[0]:
            raise ShapeError(
                f"x: expected ({self.W.shape[0]},) or (N, {self.W.shape[0]}) to match W "
                f"{self.W.shape}, got shape {xa.shape}"
            )
        return np.asarray(xa, dtype=np.float64) @ self.W

    def loss(self, x: ArrayLike, t: ArrayLike, train_flg: bool = True) -> float:
        """Cross-entropy of softmax(x @ W) against ``t`` (one-hot or label)."""
        return cross_entropy_error(softmax(self.predict(x)), t)


simpleNet = SimpleNet  # the book's name (ch. 4, ``gradient_simplenet.py``)
