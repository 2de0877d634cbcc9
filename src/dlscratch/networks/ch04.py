"""Chapter 4's ``TwoLayerNet`` under its book name, for the book's ch. 4 scripts.

The book has two ``two_layer_net.py`` files. Chapter 5's (ReLU, backprop) is
:class:`dlscratch.networks.TwoLayerNet`; chapter 4's, a sigmoid network, is this one, so
``from two_layer_net import TwoLayerNet`` in the book's ``ch04`` folder becomes
``from dlscratch.networks.ch04 import TwoLayerNet``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from dlscratch.networks import two_layer

__all__ = ["TwoLayerNet"]


class TwoLayerNet(two_layer.TwoLayerNet):
    """:class:`dlscratch.networks.TwoLayerNet` with chapter 4's sigmoid hidden layer
    (book 4.5.1): the same class with ``activation='sigmoid'`` as the default.

    Model files name it ``TwoLayerNet`` with ``activation: 'sigmoid'`` in its
    configuration, and load back as that.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str = 0.01,
        seed: int | None = None,
        activation: str = "sigmoid",
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__(
            input_size, hidden_size, output_size, weight_init_std, seed, activation, dtype
        )
