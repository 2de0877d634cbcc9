"""ch06/optimizer_compare_mnist — 6.1.8 MNIST 데이터셋으로 본 갱신 방법 비교 / Optimizers on MNIST.

Book 6.1.8, fig. 6-9: four MultiLayerNets (784-100-100-100-100-10, ReLU, He init) learn
MNIST side by side, one per optimizer with the book's default learning rates: SGD
(0.01), Momentum (0.01), AdaGrad (0.01) and Adam (0.001). Every iteration all four get
the same mini-batch of 128; after 2000 iterations SGD is clearly the slowest. Prints
each network's loss every 100 iterations (``===========iteration:0===========`` then
``SGD:2.30...``) and plots the smoothed loss curves.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNet,
dlscratch.optimizers.SGD, Momentum, AdaGrad, Adam, dlscratch.util.smooth_curve
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNet
from dlscratch.optimizers import SGD, AdaGrad, Adam, Momentum, Optimizer
from dlscratch.util import smooth_curve

SECTION = "6.1.8"
TITLE_KO = "MNIST로 본 SGD, 모멘텀, AdaGrad, Adam의 학습 속도"
TITLE_EN = "SGD, Momentum, AdaGrad and Adam learning MNIST"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNet",
    "dlscratch.optimizers.SGD",
    "dlscratch.optimizers.Momentum",
    "dlscratch.optimizers.AdaGrad",
    "dlscratch.optimizers.Adam",
    "dlscratch.util.smooth_curve",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="101 iterations instead of 2000 (reports at 0 and 100)"
    ).parse_args(argv)
    import matplotlib.pyplot as plt

    # 0. MNIST 데이터 읽기 / read MNIST
    (x_train, t_train), _ = load_mnist(normalize=True, data_dir=args.data_dir)

    train_size = x_train.shape[0]
    batch_size = 128
    max_iterations = 101 if args.quick else 2000
    rng = np.random.default_rng(0)  # the same mini-batches on every run

    # 1. 실험용 설정 / the four optimizers, with the book's default learning rates
    optimizers: dict[str, Optimizer] = {}
    optimizers["SGD"] = SGD()
    optimizers["Momentum"] = Momentum()
    optimizers["AdaGrad"] = AdaGrad()
    optimizers["Adam"] = Adam()

    networks = {}
    train_loss: dict[str, list[float]] = {}
    for key in optimizers:
        # seed=0: all four start from the same weights, so only the optimizer differs
        networks[key] = MultiLayerNet(
            input_size=784, hidden_size_list=[100, 100, 100, 100], output_size=10, seed=0
        )
        train_loss[key] = []

    # 2. 훈련 시작 / training
    for i in range(max_iterations):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        for key in optimizers:
            grads = networks[key].gradient(x_batch, t_batch)
            optimizers[key].update(networks[key].params, grads)

            loss = networks[key].loss(x_batch, t_batch)
            train_loss[key].append(loss)

        if i % 100 == 0:
            print("===========" + "iteration:" + str(i) + "===========")
            for key in optimizers:
                loss = networks[key].loss(x_batch, t_batch)
                print(key + ":" + str(loss))

    # 3. 그래프 그리기 / plot the smoothed losses
    fig = plt.figure()
    markers = {"SGD": "o", "Momentum": "x", "AdaGrad": "s", "Adam": "D"}
    x = np.arange(max_iterations)
    for key in optimizers:
        plt.plot(x, smooth_curve(train_loss[key]), marker=markers[key], markevery=100, label=key)
    plt.xlabel("iterations")
    plt.ylabel("loss")
    plt.ylim(0, 1)
    plt.legend()
    show_figure(fig, "optimizer_compare_mnist", args)


if __name__ == "__main__":
    main()
