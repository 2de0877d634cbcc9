"""ch06/overfit_weight_decay — 6.4.2 가중치 감소 / Weight decay.

Book 6.4.1-6.4.2, figs. 6-20 and 6-21: a deep MultiLayerNet (784-100x6-10, 7 layers)
learns only 300 MNIST training images with SGD (lr 0.01), batches of 100, for 201
epochs. Without a cure it overfits: training accuracy reaches 100% while test accuracy
stays far below. Here with weight decay (``weight_decay_lambda=0.1``, the L2 penalty
0.5*lambda*W**2 on every weight) the gap is smaller and training accuracy stays below
100%. Set ``weight_decay_lambda = 0`` in the script to see fig. 6-20. Prints the
training and test accuracy after each epoch (``epoch:0, train acc:0.1, test acc:0.09``)
and plots both.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNet
(weight_decay_lambda), dlscratch.optimizers.SGD
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNet
from dlscratch.optimizers import SGD

SECTION = "6.4.2"
TITLE_KO = "오버피팅과 가중치 감소"
TITLE_EN = "Overfitting, and weight decay against it"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNet",
    "dlscratch.optimizers.SGD",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="11 epochs, test accuracy on the first 1000 test images"
    ).parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, data_dir=args.data_dir)

    # 오버피팅을 재현하기 위해 학습 데이터 수를 줄임 / few training images, to overfit
    x_train = x_train[:300]
    t_train = t_train[:300]
    if args.quick:
        x_test, t_test = x_test[:1000], t_test[:1000]

    # weight decay(가중치 감소) 설정 =========================
    # weight_decay_lambda = 0  # weight decay를 사용하지 않을 경우 / no weight decay
    weight_decay_lambda = 0.1
    # ====================================================

    network = MultiLayerNet(
        input_size=784,
        hidden_size_list=[100, 100, 100, 100, 100, 100],
        output_size=10,
        weight_decay_lambda=weight_decay_lambda,
        seed=0,
    )
    optimizer = SGD(lr=0.01)

    max_epochs = 11 if args.quick else 201
    train_size = x_train.shape[0]
    batch_size = 100
    rng = np.random.default_rng(0)  # the same mini-batches on every run

    train_acc_list = []
    test_acc_list = []

    iter_per_epoch = max(train_size // batch_size, 1)
    epoch_cnt = 0

    for i in range(1000000000):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grads = network.gradient(x_batch, t_batch)
        optimizer.update(network.params, grads)

        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)

            print(
                "epoch:" + str(epoch_cnt) + ", train acc:" + str(train_acc)
                + ", test acc:" + str(test_acc)
            )  # fmt: skip

            epoch_cnt += 1
            if epoch_cnt >= max_epochs:
                break

    # 그래프 그리기 / plot train and test accuracy
    fig = plt.figure()
    x = np.arange(max_epochs)
    plt.plot(x, train_acc_list, marker="o", label="train", markevery=10)
    plt.plot(x, test_acc_list, marker="s", label="test", markevery=10)
    plt.xlabel("epochs")
    plt.ylabel("accuracy")
    plt.ylim(0, 1.0)
    plt.legend(loc="lower right")
    show_figure(fig, "overfit_weight_decay", args)


if __name__ == "__main__":
    main()
