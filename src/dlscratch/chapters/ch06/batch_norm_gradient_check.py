"""ch06/batch_norm_gradient_check — 6.3.1 배치 정규화 알고리즘 / The batch normalization algorithm.

The book's ch06/batch_norm_gradient_check.py: a MultiLayerNetExtend 784-100-100-10 with
batch normalization takes its gradient on MNIST images (one-hot labels) twice, by
backpropagation and by numerical differentiation, and prints the mean absolute
difference for every parameter (``W1:...``, ``b1:...``, ``gamma1:...``, ...). All of
them are tiny (1e-9 or less): the batch-norm layer's backward pass is right.

Where we differ from the book: it checks on one image. With a batch of one, batch norm
subtracts the batch mean from the only sample and outputs exactly ``beta`` whatever its
input, so every gradient below it is exactly 0 on both sides, and ``beta2`` = 0 puts
the next ReLU exactly on its kink, where the numerical derivative (1/2) and
backpropagation's (0) disagree. Ten images make the check mean something.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNetExtend
(gradient, numerical_gradient)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNetExtend

SECTION = "6.3.1"
TITLE_KO = "배치 정규화 계층의 기울기 확인"
TITLE_EN = "Gradient check of a network with batch normalization"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNetExtend",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__,
        quick="hidden layers of 10 instead of 100 (the numerical gradient is 10x faster)",
    ).parse_args(argv)

    # 데이터 읽기 / read MNIST
    (x_train, t_train), _ = load_mnist(normalize=True, one_hot_label=True, data_dir=args.data_dir)

    hidden = [10, 10] if args.quick else [100, 100]
    network = MultiLayerNetExtend(
        input_size=784, hidden_size_list=hidden, output_size=10, use_batchnorm=True, seed=0
    )

    x_batch = x_train[:10]  # the book: x_train[:1] (see above)
    t_batch = t_train[:10]

    grad_backprop = network.gradient(x_batch, t_batch)
    grad_numerical = network.numerical_gradient(x_batch, t_batch)

    for key in grad_numerical:
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        print(key + ":" + str(diff))


if __name__ == "__main__":
    main()
