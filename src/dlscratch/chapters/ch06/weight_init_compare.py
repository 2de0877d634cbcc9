"""ch06/weight_init_compare — 6.2.4 MNIST 데이터셋으로 본 가중치 초깃값 비교 / Inits on MNIST.

Book 6.2.4, fig. 6-15: three MultiLayerNets (784-100-100-100-100-10, ReLU) learn MNIST
with SGD (lr 0.01), batches of 128, for 2000 iterations; they differ only in the std of
their initial weights: 0.01, Xavier (sqrt(1/n), the book's ``'sigmoid'``) and He
(sqrt(2/n), ``'relu'``). With std 0.01 the network does not learn at all (the loss
stays at 2.30); He learns fastest. Prints the three losses every 100 iterations and
plots the smoothed loss curves.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNet,
dlscratch.optimizers.SGD, dlscratch.util.smooth_curve
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNet
from dlscratch.optimizers import SGD
from dlscratch.util import smooth_curve

SECTION = "6.2.4"
TITLE_KO = "MNIST로 본 가중치 초깃값 비교"
TITLE_EN = "Weight init std 0.01, Xavier and He on MNIST"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNet",
    "dlscratch.optimizers.SGD",
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

    # 1. 실험용 설정 / the three initial weight scales
    weight_init_types: dict[str, float | str] = {
        "std=0.01": 0.01,
        "Xavier": "sigmoid",
        "He": "relu",
    }
    optimizer = SGD(lr=0.01)

    networks = {}
    train_loss: dict[str, list[float]] = {}
    for key, weight_type in weight_init_types.items():
        networks[key] = MultiLayerNet(
            input_size=784,
            hidden_size_list=[100, 100, 100, 100],
            output_size=10,
            weight_init_std=weight_type,
            seed=0,  # the same random directions; only the scale differs
        )
        train_loss[key] = []

    # 2. 훈련 시작 / training
    for i in range(max_iterations):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        for key in weight_init_types:
            grads = networks[key].gradient(x_batch, t_batch)
            optimizer.update(networks[key].params, grads)

            loss = networks[key].loss(x_batch, t_batch)
            train_loss[key].append(loss)

        if i % 100 == 0:
            print("===========" + "iteration:" + str(i) + "===========")
            for key in weight_init_types:
                loss = networks[key].loss(x_batch, t_batch)
                print(key + ":" + str(loss))

    # 3. 그래프 그리기 / plot the smoothed losses
    fig = plt.figure()
    markers = {"std=0.01": "o", "Xavier": "s", "He": "D"}
    x = np.arange(max_iterations)
    for key in weight_init_types:
        plt.plot(x, smooth_curve(train_loss[key]), marker=markers[key], markevery=100, label=key)
    plt.xlabel("iterations")
    plt.ylabel("loss")
    plt.ylim(0, 2.5)
    plt.legend()
    show_figure(fig, "weight_init_compare", args)


if __name__ == "__main__":
    main()
