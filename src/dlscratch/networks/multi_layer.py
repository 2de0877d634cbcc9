"""MultiLayerNet: fully connected networks of any depth (book 6.1-6.4).

One class covers the book's ``MultiLayerNet`` and ``MultiLayerNetExtend``: each hidden
layer is Affine -> [BatchNormalization] -> activation -> [Dropout], and the output layer
is Affine -> softmax-with-loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import DTypeLike

from dlscratch.layers import Affine, BatchNormalization, Dropout
from dlscratch.networks.base import (
    LayeredNetwork,
    child_generator,
    resolve_dtype,
    weight_generator,
    weight_std,
)
from dlscratch.networks.two_layer import ACTIVATIONS, _check_size

__all__ = ["MultiLayerNet", "MultiLayerNetExtend"]


class MultiLayerNet(LayeredNetwork):
    """Affine -> [BatchNorm] -> activation -> [Dropout], repeated, then Affine (book 6).

    Args:
        input_size: features per sample (784 for MNIST).
        hidden_size_list: sizes of the hidden layers, e.g. ``[100, 100, 100]``.
        output_size: classes.
        activation: ``'relu'`` (default) or ``'sigmoid'``.
        weight_init_std: ``'relu'``/``'he'`` (default, sqrt(2/fan_in)),
            ``'sigmoid'``/``'xavier'`` (sqrt(1/fan_in)) or a number (book 6.2).
        weight_decay_lambda: L2 weight decay: adds 0.5*lambda*sum(W^2) over all weight
            matrices to the loss and lambda*W to their gradients (book 6.4.2).
        use_dropout: add Dropout after each hidden activation (book 6.4.3).
        dropout_ratio: fraction of units dropped in training (the book's code spells
            it ``dropout_ration``; that keyword is accepted too).
        use_batchnorm: add BatchNormalization before each hidden activation (book 6.3);
            adds ``gamma{i}`` (ones) and ``beta{i}`` (zeros) to ``params``.
        seed: seed of the initial weights and of the dropout masks.
        dtype: float64 (the default, as the book) or float32 (about twice as fast;
            the CLI's default).

    ``params`` holds ``W1, b1, ..., W{L}, b{L}`` with L = len(hidden_size_list) + 1,
    plus ``gamma{i}, beta{i}`` for i < L with batch norm.

    Raises:
        ValueError: bad sizes, activation, init, ratio or dtype.
    """

    architecture: ClassVar[str] = "MultiLayerNet"

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str = "relu",
        weight_init_std: float | str = "relu",
        weight_decay_lambda: float = 0.0,
        use_dropout: bool = False,
        dropout_ratio: float = 0.5,
        use_batchnorm: bool = False,
        seed: int | None = None,
        dtype: DTypeLike = np.float64,
        dropout_ration: float | None = None,
    ) -> None:
        super().__init__()
        if dropout_ration is not None:
            dropout_ratio = dropout_ration
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        if not weight_decay_lambda >= 0:
            raise ValueError(f"weight_decay_lambda: expected >= 0, got {weight_decay_lambda}")
        if isinstance(hidden_size_list, (str, bytes)) or not hasattr(hidden_size_list, "__iter__"):
            raise TypeError(
                "hidden_size_list: expected a list of layer sizes such as [100, 100], "
                f"got {hidden_size_list!r:.60}"
            )
        sizes = [_check_size("input_size", input_size)]
        sizes += [_check_size("hidden_size_list", h) for h in hidden_size_list]
        sizes += [_check_size("output_size", output_size)]
        dt = resolve_dtype(dtype)
        self.weight_decay_lambda = float(weight_decay_lambda)
        self._config: dict[str, Any] = {
            "input_size": sizes[0],
            "hidden_size_list": sizes[1:-1],
            "output_size": sizes[-1],
            "activation": activation,
            "weight_init_std": weight_init_std,
            "weight_decay_lambda": self.weight_decay_lambda,
            "use_dropout": bool(use_dropout),
            "dropout_ratio": float(dropout_ratio),
            "use_batchnorm": bool(use_batchnorm),
        }
        rng = weight_generator(seed)
        n_layers = len(sizes) - 1
        self.params = {}
        for i in range(1, n_layers + 1):
            std = weight_std(weight_init_std, sizes[i - 1])
            self.params[f"W{i}"] = (rng.standard_normal((sizes[i - 1], sizes[i])) * std).astype(dt)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=dt)
            affine = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            self.layers[f"Affine{i}"] = affine
            self._slots[f"W{i}"] = (affine, "W")
            self._slots[f"b{i}"] = (affine, "b")
            if i == n_layers:
                break
            if use_batchnorm:
                self.params[f"gamma{i}"] = np.ones(sizes[i], dtype=dt)
                self.params[f"beta{i}"] = np.zeros(sizes[i], dtype=dt)
                bn = BatchNormalization(
                    self.params[f"gamma{i}"],
                    self.params[f"beta{i}"],
                    running_mean=np.zeros(sizes[i], dtype=dt),
                    running_var=np.zeros(sizes[i], dtype=dt),
                )
                self.layers[f"BatchNorm{i}"] = bn
                self._slots[f"gamma{i}"] = (bn, "gamma")
                self._slots[f"beta{i}"] = (bn, "beta")
            self.layers[f"Activation{i}"] = ACTIVATIONS[activation]()
            if use_dropout:
                child = child_generator(rng)
                self.layers[f"Dropout{i}"] = Dropout(dropout_ratio, rng=child)

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)


# The book's ``common/multi_layer_net_extend.py`` adds batch norm and dropout to
# ``MultiLayerNet`` in a second class; here one class has both, under both names.
MultiLayerNetExtend = MultiLayerNet
