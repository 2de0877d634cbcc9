"""ch03/three_layer_net — 3.4.3 구현 정리 / A three-layer network, forward pass.

Book 3.4.2-3.4.3: the 2-3-2-2 network with the book's hand-set weights
(``init_network``). First the signal through layer 1 by hand, as in 3.4.2:
A1 = x @ W1 + b1 = [0.3 0.7 1.1] and Z1 = sigmoid(A1) = [0.57444252 0.66818777
0.75026011]; then the whole ``forward(network, x)`` for x = [1.0, 0.5], which prints
``[0.31682708 0.69627909]``.

Uses: dlscratch.networks.init_network, dlscratch.networks.forward,
dlscratch.functions.sigmoid
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.functions import sigmoid
from dlscratch.networks import forward, init_network

SECTION = "3.4.3"
TITLE_KO = "3층 신경망 구현 정리"
TITLE_EN = "A three-layer network: the forward pass"
USES = (
    "dlscratch.networks.init_network",
    "dlscratch.networks.forward",
    "dlscratch.functions.sigmoid",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)
    network = init_network()
    x = np.array([1.0, 0.5])

    # 3.4.2: from the input layer to the first hidden layer, by hand
    W1, b1 = network["W1"], network["b1"]
    print(W1.shape)  # (2, 3)
    print(x.shape)  # (2,)
    print(b1.shape)  # (3,)
    A1 = np.dot(x, W1) + b1
    Z1 = sigmoid(A1)
    print(A1)  # [0.3 0.7 1.1]
    print(Z1)  # [0.57444252 0.66818777 0.75026011]

    # 3.4.3: the whole network (sigmoid, sigmoid, identity output)
    y = forward(network, x)
    print(y)  # [0.31682708 0.69627909]


if __name__ == "__main__":
    main()
