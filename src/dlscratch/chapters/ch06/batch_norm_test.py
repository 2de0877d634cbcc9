"""ch06/batch_norm_test — 6.3.2 배치 정규화의 효과 / The effect of batch normalization.

Book 6.3.2, figs. 6-18 and 6-19: two MultiLayerNetExtends (784-100x5-10, ReLU), one
with batch normalization and one without, learn the first 1000 MNIST training images
with SGD (lr 0.01), batches of 100, for 20 epochs; this is repeated for 16 scales of
the initial weights, from 1 down to 0.0001 (``np.logspace(0, -4, num=16)``). With
batch norm the network learns at almost every scale, and faster; without it most
scales do not learn at all. Prints, for each scale, the training accuracy after each
epoch as the book does (``epoch:0 | 0.097 - 0.1``: without, then with batch norm) and
draws one small plot per scale.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNetExtend,
dlscratch.optimizers.SGD
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNetExtend
from dlscratch.optimizers import SGD

SECTION = "6.3.2"
TITLE_KO = "배치 정규화 유무에 따른 학습 진도"
TITLE_EN = "Learning with and without batch norm"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNetExtend",
    "dlscratch.optimizers.SGD",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, quick="4 of the 16 scales, 3 epochs each").parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), _ = load_mnist(normalize=True, data_dir=args.data_dir)

    # 학습 데이터를 줄임 / a small training set
    x_train = x_train[:1000]
    t_train = t_train[:1000]

    max_epochs = 3 if args.quick else 20
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.01
    rng = np.random.default_rng(0)  # the same mini-batches on every run

    def __train(weight_init_std: float) -> tuple[list[float], list[float]]:
        bn_network = MultiLayerNetExtend(
            input_size=784,
            hidden_size_list=[100, 100, 100, 100, 100],
            output_size=10,
            weight_init_std=weight_init_std,
            use_batchnorm=True,
            seed=0,
        )
        network = MultiLayerNetExtend(
            input_size=784,
            hidden_size_list=[100, 100, 100, 100, 100],
            output_size=10,
            weight_init_std=weight_init_std,
            seed=0,  # the same initial weights as bn_network
        )
        optimizer = SGD(lr=learning_rate)

        train_acc_list = []
        bn_train_acc_list = []

        iter_per_epoch = max(train_size // batch_size, 1)
        epoch_cnt = 0

        for i in range(1000000000):
            batch_mask = rng.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            for _network in (bn_network, network):
                grads = _network.gradient(x_batch, t_batch)
                optimizer.update(_network.params, grads)

            if i % iter_per_epoch == 0:
                train_acc = network.accuracy(x_train, t_train)
                bn_train_acc = bn_network.accuracy(x_train, t_train)
                train_acc_list.append(train_acc)
                bn_train_acc_list.append(bn_train_acc)

                print(
                    "epoch:" + str(epoch_cnt) + " | " + str(train_acc) + " - " + str(bn_train_acc)
                )

                epoch_cnt += 1
                if epoch_cnt >= max_epochs:
                    break

        return train_acc_list, bn_train_acc_list

    # 그래프 그리기 / one plot per weight scale
    weight_scale_list: Any = np.logspace(0, -4, num=16)
    if args.quick:
        weight_scale_list = weight_scale_list[::5]  # 1, 0.0464, 0.00215, 0.0001
    n = len(weight_scale_list)
    rows = int(np.ceil(n / 4))
    x = np.arange(max_epochs)

    fig = plt.figure(figsize=(12, 2.5 * rows))
    # Without batch norm, the largest scales overflow: the loss becomes inf or NaN and
    # that network stops learning (the book prints NumPy's warnings here).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, w in enumerate(weight_scale_list):
            print("============== " + str(i + 1) + "/" + str(n) + " ==============")
            train_acc_list, bn_train_acc_list = __train(w)

            plt.subplot(rows, 4, i + 1)
            plt.title(f"W:{w:.3g}")
            if i == n - 1:
                plt.plot(x, bn_train_acc_list, label="Batch Normalization", markevery=2)
                plt.plot(
                    x,
                    train_acc_list,
                    linestyle="--",
                    label="Normal(without BatchNorm)",
                    markevery=2,
                )
            else:
                plt.plot(x, bn_train_acc_list, markevery=2)
                plt.plot(x, train_acc_list, linestyle="--", markevery=2)

            plt.ylim(0, 1.0)
            if i % 4:
                plt.yticks([])
            else:
                plt.ylabel("accuracy")
            if i < n - 4:
                plt.xticks([])
            else:
                plt.xlabel("epochs")
    plt.legend(loc="lower right")
    fig.tight_layout()
    show_figure(fig, "batch_norm_test", args)


if __name__ == "__main__":
    main()
