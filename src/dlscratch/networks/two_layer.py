"""TwoLayerNet: the network of book chapters 4 (sigmoid) and 5 (ReLU, backprop)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import DTypeLike

from dlscratch.layers import Affine, Relu, Sigmoid
from dlscratch.networks.base import LayeredNetwork, resolve_dtype, weight_generator, weight_std
from dlscratch.validation import check_size

__all__ = ["ACTIVATIONS", "TwoLayerNet"]

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


def _check_size(name: str, value: int) -> int:
    """``value`` as an int >= 1 (``ValueError`` naming ``name`` otherwise, inf and NaN too)."""
    return check_size(name, value)


class TwoLayerNet(LayeredNetwork):
    """Affine -> activation -> Affine -> softmax-with-loss (book 4.5 and 5.7).

    The book has two classes of this name. The defaults give chapter 5's (ReLU,
    layers, backprop), on which the book's chapter-5 loop (10000 iterations of 100,
    lr 0.1) ends near 97%; ``activation='sigmoid'`` gives chapter 4's. Both have
    ``gradient`` (backprop) and ``numerical_gradient``. One difference from chapter 4's
    class: ``predict`` returns the scores before softmax, as chapter 5's does
    (``softmax(net.predict(x))`` gives chapter 4's probabilities; the arg-max, hence
    the accuracy, is the same).

    Args:
        input_size: features per sample (784 for flat MNIST).
        hidden_size: hidden units (the book uses 50).
        output_size: classes (10).
        weight_init_std: std of the Gaussian initial weights: a number (the book's
            0.01) or ``'he'``/``'relu'``, ``'xavier'``/``'sigmoid'`` (book 6.2.2).
            Biases start at zero.
        seed: seed of the initial weights (same seed, same network); ``None`` draws
            from NumPy's global generator like the book's ``np.random.randn``.
        activation: ``'relu'`` (chapter 5's network, the default) or ``'sigmoid'``
            (chapter 4's: ``TwoLayerNet(784, 50, 10, activation='sigmoid')``).
        dtype: float64 (the default, as the book) or float32 (about twice as fast;
            the CLI's default).

    ``params`` holds ``W1 (input, hidden)``, ``b1 (hidden,)``, ``W2 (hidden, output)``,
    ``b2 (output,)``. ``gradient(x, t)`` is backprop (ch. 5), ``numerical_gradient(x, t)``
    central differences in float64 (ch. 4); both return dicts keyed like ``params``.

    Raises:
        ValueError: a size that is not a positive integer, an unknown activation,
            init or dtype.
    """

    architecture: ClassVar[str] = "TwoLayerNet"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str = 0.01,
        seed: int | None = None,
        activation: str = "relu",
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        sizes = [
            _check_size("input_size", input_size),
            _check_size("hidden_size", hidden_size),
            _check_size("output_size", output_size),
        ]
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        dt = resolve_dtype(dtype)
        self._config: dict[str, Any] = {
            "input_size": sizes[0],
            "hidden_size": sizes[1],
            "output_size": sizes[2],
            "weight_init_std": weight_init_std,
            "activation": activation,
        }
        rng = weight_generator(seed)
        self.params = {}
        for i in (1, 2):
            std = weight_std(weight_init_std, sizes[i - 1])
            w = rng.standard_normal((sizes[i - 1], sizes[i])) * std
            self.params[f"W{i}"] = w.astype(dt)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=dt)
        self.layers = {
            "Affine1": Affine(self.params["W1"], self.params["b1"]),
            # The book's layer names: Relu1 (ch. 5), or Sigmoid1.
            f"{ACTIVATIONS[activation].__name__}1": ACTIVATIONS[activation](),
            "Affine2": Affine(self.params["W2"], self.params["b2"]),
        }
        self._slots = {
            "W1": (self.layers["Affine1"], "W"),
            "b1": (self.layers["Affine1"], "b"),
            "W2": (self.layers["Affine2"], "W"),
            "b2": (self.layers["Affine2"], "b"),
        }

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)
