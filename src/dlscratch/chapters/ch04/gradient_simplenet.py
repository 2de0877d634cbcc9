"""ch04/gradient_simplenet — 4.4.2 신경망에서의 기울기 / The gradient of a network.

Book 4.4.2: a one-layer network, z = x @ W with W of shape (2, 3), softmax output and
cross-entropy loss. With the book's weights W and x = [0.6, 0.9], it prints the scores
``[1.05414809 0.63071653 1.1328074 ]``, their arg-max ``2``, the loss for the answer
t = [0, 0, 1], ``0.9280682857864075``, and dL/dW from ``numerical_gradient``,
``[[ 0.21924757  0.14356243 -0.36281   ] [ 0.32887136  0.21534364 -0.544215  ]]``.

The book prints the loss as 0.92806853663411326 and dW as [[0.21924763 0.14356247
-0.36281009] [0.32887144 0.2153437 -0.54421514]]: those were computed without the
delta = 1e-7 that its own ``cross_entropy_error`` (4.2.2), and ours, add inside the log.
With it, the loss is 2.5e-7 lower and dW moves in the 8th digit.

Uses: dlscratch.networks.simpleNet, dlscratch.gradient.numerical_gradient
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.gradient import numerical_gradient
from dlscratch.networks import simpleNet

SECTION = "4.4.2"
TITLE_KO = "신경망에서의 기울기"
TITLE_EN = "The gradient of a neural network"
USES = ("dlscratch.networks.simpleNet", "dlscratch.gradient.numerical_gradient")


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    net = simpleNet()  # W drawn at random, like np.random.randn(2, 3) ...
    # ... then set to the book's printed values, so that the numbers below match
    net.W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
    print(net.W)  # the weights

    x = np.array([0.6, 0.9])
    p = net.predict(x)
    print(p)  # [1.05414809 0.63071653 1.1328074 ]
    print(np.argmax(p))  # 2: the index of the largest score

    t = np.array([0, 0, 1])  # the correct label
    print(net.loss(x, t))  # 0.9280682857864075 (the book: 0.92806853663411326, see above)

    def f(W: np.ndarray) -> float:  # the book: f = lambda w: net.loss(x, t)
        return net.loss(x, t)

    dW = numerical_gradient(f, net.W)
    print(dW)
    # [[ 0.21924757  0.14356243 -0.36281   ]
    #  [ 0.32887136  0.21534364 -0.544215  ]]


if __name__ == "__main__":
    main()
