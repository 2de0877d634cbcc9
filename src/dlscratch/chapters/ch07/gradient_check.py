"""ch07/gradient_check — 7.5 CNN 구현하기 / Implementing a CNN.

The book's ch07/gradient_check.py: a small SimpleConvNet (one 1x10x10 input, 10 filters
of 3x3, a hidden layer of 10, 10 outputs) takes its gradient on a random image with
label 1 twice, by numerical differentiation and by backpropagation, and prints the
mean absolute difference for each parameter (``W1 ...``, ``b1 ...``, ..., ``b3 ...``).
All are tiny (about 1e-10 or smaller): the convolution and pooling layers'
backward passes are right.

Uses: dlscratch.networks.SimpleConvNet (gradient, numerical_gradient)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.networks import SimpleConvNet

SECTION = "7.5"
TITLE_KO = "합성곱 신경망의 기울기 확인"
TITLE_EN = "Gradient check of a small SimpleConvNet"
USES = ("dlscratch.networks.SimpleConvNet",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    network = SimpleConvNet(
        input_dim=(1, 10, 10),
        conv_param={"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1},
        hidden_size=10,
        output_size=10,
        weight_init_std=0.01,
        seed=0,
    )

    rng = np.random.default_rng(0)
    X = rng.random(100).reshape((1, 1, 10, 10))
    T = np.array([1]).reshape((1, 1))

    grad_num = network.numerical_gradient(X, T)
    grad = network.gradient(X, T)

    for key in grad_num:
        print(key, np.abs(grad_num[key] - grad[key]).mean())


if __name__ == "__main__":
    main()
