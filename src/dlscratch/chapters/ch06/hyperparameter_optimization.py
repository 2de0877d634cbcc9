"""ch06/hyperparameter_optimization — 6.5.3 하이퍼파라미터 최적화 구현하기 / Hyperparameter search.

Book 6.5.3, fig. 6-24: random search for the learning rate and the weight decay of a
7-layer MultiLayerNet (784-100x6-10) on 500 MNIST training images, of which 20% (100)
are set aside, after ``shuffle_dataset``, as validation data; the test set is not
touched. Each of 100 trials draws lr = 10**uniform(-6, -2) and weight decay =
10**uniform(-8, -4) and trains for 50 epochs with SGD (Trainer, ``verbose=False``).
Prints each trial (``val acc:0.78 | lr:0.0068..., weight decay:2.3e-07``), then the
best ones by final validation accuracy (``Best-1(val acc:0.83) | lr:..., weight
decay:...``): good learning rates lie around 0.001 to 0.01. Plots validation (solid)
and training (dashed) accuracy per epoch of the best 20.

Uses: dlscratch.datasets.load_mnist, dlscratch.util.shuffle_dataset,
dlscratch.networks.MultiLayerNet, dlscratch.trainer.Trainer
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNet
from dlscratch.trainer import Trainer
from dlscratch.util import shuffle_dataset

SECTION = "6.5.3"
TITLE_KO = "학습률과 가중치 감소 계수의 무작위 탐색"
TITLE_EN = "Random search for learning rate and weight decay"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.util.shuffle_dataset",
    "dlscratch.networks.MultiLayerNet",
    "dlscratch.trainer.Trainer",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, quick="5 trials of 5 epochs instead of 100 of 50").parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), _ = load_mnist(normalize=True, data_dir=args.data_dir)

    # 결과를 빠르게 얻기 위해 훈련 데이터를 줄임 / fewer images, for a fast search
    x_train = x_train[:500]
    t_train = t_train[:500]

    # 20%를 검증 데이터로 분할 / 20% of them become the validation data
    validation_rate = 0.20
    validation_num = int(x_train.shape[0] * validation_rate)
    rng = np.random.default_rng(0)  # the same split and the same trials on every run
    x_train, t_train = shuffle_dataset(x_train, t_train, seed=rng)
    x_val = x_train[:validation_num]
    t_val = t_train[:validation_num]
    x_train = x_train[validation_num:]
    t_train = t_train[validation_num:]

    def __train(lr: float, weight_decay: float, epocs: int = 50) -> tuple[list[float], list[float]]:
        network = MultiLayerNet(
            input_size=784,
            hidden_size_list=[100, 100, 100, 100, 100, 100],
            output_size=10,
            weight_decay_lambda=weight_decay,
        )
        trainer = Trainer(
            network,
            x_train,
            t_train,
            x_val,
            t_val,
            epochs=epocs,
            mini_batch_size=100,
            optimizer="sgd",
            optimizer_param={"lr": lr},
            verbose=False,
        )
        trainer.train()

        return trainer.test_acc_list, trainer.train_acc_list

    # 하이퍼파라미터 무작위 탐색 / random search
    optimization_trial = 5 if args.quick else 100
    epochs = 5 if args.quick else 50
    results_val = {}
    results_train = {}
    for _ in range(optimization_trial):
        # 탐색한 하이퍼파라미터의 범위 지정 / the ranges searched
        weight_decay = 10 ** rng.uniform(-8, -4)
        lr = 10 ** rng.uniform(-6, -2)
        # ================================================

        val_acc_list, train_acc_list = __train(lr, weight_decay, epochs)
        print(
            "val acc:" + str(val_acc_list[-1]) + " | lr:" + str(lr)
            + ", weight decay:" + str(weight_decay)
        )  # fmt: skip
        key = "lr:" + str(lr) + ", weight decay:" + str(weight_decay)
        results_val[key] = val_acc_list
        results_train[key] = train_acc_list

    # 그래프 그리기 / plot the best 20
    print("=========== Hyper-Parameter Optimization Result ===========")
    graph_draw_num = 20
    col_num = 5
    row_num = int(np.ceil(graph_draw_num / col_num))
    i = 0

    fig = plt.figure(figsize=(12, 9))
    for key, val_acc_list in sorted(results_val.items(), key=lambda x: x[1][-1], reverse=True):
        print("Best-" + str(i + 1) + "(val acc:" + str(val_acc_list[-1]) + ") | " + key)

        plt.subplot(row_num, col_num, i + 1)
        plt.title("Best-" + str(i + 1))
        plt.ylim(0.0, 1.0)
        if i % 5:
            plt.yticks([])
        plt.xticks([])
        x = np.arange(len(val_acc_list))
        plt.plot(x, val_acc_list)
        plt.plot(x, results_train[key], "--")
        i += 1

        if i >= graph_draw_num:
            break

    show_figure(fig, "hyperparameter_optimization", args)


if __name__ == "__main__":
    main()
