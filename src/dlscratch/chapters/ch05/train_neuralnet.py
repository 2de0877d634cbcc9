"""ch05/train_neuralnet — 5.7.4 오차역전파법을 사용한 학습 구현하기 / Training with backprop.

Book 5.7.4: the training loop of chapter 4, with the gradient from backpropagation.
The chapter-5 ``TwoLayerNet`` (784-50-10, ReLU) learns MNIST by SGD: 10,000 iterations
of 100 random training images, learning rate 0.1. At the start of each epoch (600
iterations) it prints the training and test accuracy, ``train_acc test_acc``: about 0.1
before training, about 0.97 for both after 17 epochs. ``--quick`` stops after 1,000
iterations (about 0.9).

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.TwoLayerNet
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import TwoLayerNet

SECTION = "5.7.4"
TITLE_KO = "오차역전파법을 사용한 학습 구현하기"
TITLE_EN = "Training with backpropagation"
USES = ("dlscratch.datasets.load_mnist", "dlscratch.networks.TwoLayerNet")


def main(argv: Sequence[str] | None = None) -> None:
    parser = parser_for(__name__, quick="train for 1,000 iterations instead of 10,000")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batches")
    args = parser.parse_args(argv)

    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=True, one_hot_label=True, data_dir=args.data_dir
    )
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=args.seed)
    rng = np.random.default_rng(args.seed)

    iters_num = 1000 if args.quick else 10000
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1

    train_loss_list = []
    train_acc_list = []
    test_acc_list = []

    iter_per_epoch = max(train_size / batch_size, 1)

    for i in range(iters_num):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        # the gradient by backpropagation (numerical_gradient gives the same, slowly)
        grad = network.gradient(x_batch, t_batch)

        # update
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)

        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train, batch_size=10000)
            test_acc = network.accuracy(x_test, t_test, batch_size=10000)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)
            print(train_acc, test_acc)


if __name__ == "__main__":
    main()
