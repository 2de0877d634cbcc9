"""ch05/gradient_check — 5.7.3 오차역전파법으로 구한 기울기 검증하기 / Gradient check.

Book 5.7.3: backpropagation is fast but easy to get wrong; the numerical gradient is
slow but simple. So compare them: on 3 MNIST training images, the chapter-5
``TwoLayerNet`` (784-50-10, ReLU) computes both gradients, and for each parameter the
script prints the mean absolute difference, ``W1:2.43e-13``, ``b1:8.62e-13``,
``W2:8.79e-13``, ``b2:1.19e-10`` (with ``--seed 0``; the book's are alike). All are tiny,
about 1e-10 or less: the backprop is right.
(The numerical gradient of 39,760 parameters takes a few seconds.)

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.TwoLayerNet
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import TwoLayerNet

SECTION = "5.7.3"
TITLE_KO = "오차역전파법으로 구한 기울기 검증하기"
TITLE_EN = "Gradient check: backpropagation against the numerical gradient"
USES = ("dlscratch.datasets.load_mnist", "dlscratch.networks.TwoLayerNet")


def main(argv: Sequence[str] | None = None) -> None:
    parser = parser_for(__name__)
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    args = parser.parse_args(argv)

    (x_train, t_train), _ = load_mnist(normalize=True, one_hot_label=True, data_dir=args.data_dir)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=args.seed)

    x_batch = x_train[:3]
    t_batch = t_train[:3]

    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)

    # the mean absolute difference of each parameter's two gradients
    for key in grad_numerical.keys():
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        print(key + ":" + str(diff))


if __name__ == "__main__":
    main()
