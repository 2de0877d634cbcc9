"""The chapter-3 three-layer network: forward pass only (book 3.4 and 3.6.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dlscratch.errors import ModelFileError, ShapeError
from dlscratch.functions import cross_entropy_error, identity_function, sigmoid, softmax
from dlscratch.networks.base import Network, resolve_dtype

__all__ = ["ThreeLayerNet", "forward", "init_network"]

Array = NDArray[Any]

_OUTPUTS = {"identity": identity_function, "softmax": softmax}


def init_network() -> dict[str, Array]:
    """The book's hand-set example weights (book 3.4.3): a 2-3-2-2 network.

    Returns:
        ``{'W1': (2, 3), 'b1': (3,), 'W2': (3, 2), 'b2': (2,), 'W3': (2, 2), 'b3': (2,)}``,
        float64.
    """
    return {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }


def forward(network: Mapping[str, Array], x: ArrayLike) -> Array:
    """The book's ``forward(network, x)`` (3.4.3): sigmoid, sigmoid, identity output.

    ``forward(init_network(), [1.0, 0.5])`` gives ``[0.31682708, 0.69627909]``.
    """
    return ThreeLayerNet(network, output="identity").predict(x)


class ThreeLayerNet(Network):
    """Affine -> sigmoid -> Affine -> sigmoid -> Affine -> output (book 3.4, 3.6.2).

    With ``sample_weight.pkl`` (784-50-100-10, softmax output) this is the network the
    book runs on MNIST in 3.6.2; it classifies the test set with accuracy 0.9352.

    Args:
        params: ``W1, b1, W2, b2, W3, b3`` (W_i of shape (in, out)); copied into
            ``dtype``.
        output: ``'softmax'`` (classification, the default) or ``'identity'``.
        dtype: float64 (the default, as the book) or float32 (about twice as fast;
            the CLI's default).

    Raises:
        ModelFileError: a parameter is missing or the shapes do not chain.
        ValueError: unknown ``output`` or ``dtype``.
    """

    architecture: ClassVar[str] = "ThreeLayerNet"

    def __init__(
        self,
        params: Mapping[str, ArrayLike],
        output: str = "softmax",
        dtype: DTypeLike = np.float64,
    ) -> None:
        if output not in _OUTPUTS:
            raise ValueError(f"output: expected one of {sorted(_OUTPUTS)}, got {output!r}")
        self.output = output
        dt = resolve_dtype(dtype)
        names = ("W1", "b1", "W2", "b2", "W3", "b3")
        missing = [n for n in names if n not in params]
        if missing:
            raise ModelFileError(f"ThreeLayerNet: missing parameters {missing}")
        self.params = {n: np.array(params[n], dtype=dt, order="C") for n in names}
        for i in (1, 2, 3):
            w, b = self.params[f"W{i}"], self.params[f"b{i}"]
            if w.ndim != 2 or b.shape != (w.shape[1],):
                raise ModelFileError(
                    f"ThreeLayerNet: W{i} {w.shape} and b{i} {b.shape} do not fit "
                    "(expected W (in, out) and b (out,))"
                )
        for i in (1, 2):
            if self.params[f"W{i}"].shape[1] != self.params[f"W{i + 1}"].shape[0]:
                raise ModelFileError(
                    f"ThreeLayerNet: W{i} {self.params[f'W{i}'].shape} does not chain into "
                    f"W{i + 1} {self.params[f'W{i + 1}'].shape}"
                )

    @property
    def input_size(self) -> int:
        return int(self.params["W1"].shape[0])

    def get_config(self) -> dict[str, Any]:
        p = self.params
        return {
            "sizes": [p["W1"].shape[0], p["W1"].shape[1], p["W2"].shape[1], p["W3"].shape[1]],
            "output": self.output,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any], dtype: DTypeLike = np.float64) -> ThreeLayerNet:
        """A zero-initialised network of the sizes in ``config`` (for loading files)."""
        s = list(config["sizes"])
        params = {}
        for i in (1, 2, 3):
            params[f"W{i}"] = np.zeros((s[i - 1], s[i]))
            params[f"b{i}"] = np.zeros(s[i])
        return cls(params, output=str(config.get("output", "softmax")), dtype=dtype)

    @classmethod
    def from_book_params(
        cls, params: Mapping[str, ArrayLike], dtype: DTypeLike = np.float64
    ) -> ThreeLayerNet:
        """The chapter-3 network from ``sample_weight.pkl``'s parameters (book 3.6.2)."""
        return cls(params, dtype=dtype)

    def predict(self, x: ArrayLike, train_flg: bool = False) -> Array:
        """Output for ``x`` of shape ``(D,)`` or ``(N, D)``: probabilities for softmax.

        Returns:
            ``(K,)`` or ``(N, K)`` in the network's dtype.
        """
        p = self.params
        xa = self._input(x)
        if xa.shape[-1] != self.input_size:
            raise ShapeError(
                f"x: expected {self.input_size} features per sample, got shape {xa.shape}"
            )
        z1 = sigmoid(xa @ p["W1"] + p["b1"])
        z2 = sigmoid(z1 @ p["W2"] + p["b2"])
        return _OUTPUTS[self.output](z2 @ p["W3"] + p["b3"])

    def loss(self, x: ArrayLike, t: ArrayLike, train_flg: bool = True) -> float:
        """Cross-entropy of the softmax output against ``t`` (labels or one-hot)."""
        y = self.predict(x)
        return cross_entropy_error(y if self.output == "softmax" else softmax(y), t)
