"""ch06/weight_init_activation_histogram — 6.2.2 은닉층의 활성화값 분포 / Hidden-layer activations.

Book 6.2.2, figs. 6-10, 6-11 and 6-13: 1000 random inputs (1000 x 100, standard normal)
go through 5 layers of 100 sigmoid units without biases, with weights drawn from a
normal distribution of std 1, then std 0.01, then Xavier's sqrt(1/100) = 0.1. The book
edits one line to switch between them; this script runs all three. Prints, per layer,
the mean and std of the activations and the share near 0 or 1 (std 1: most are at 0 or
1, the gradients vanish; std 0.01: all near 0.5, every unit says the same; Xavier:
spread out in every layer), and draws the histograms (one row per init).

Uses: dlscratch.functions.sigmoid
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.functions import sigmoid

SECTION = "6.2.2"
TITLE_KO = "가중치 초깃값에 따른 활성화값 분포"
TITLE_EN = "Sigmoid activations for three weight inits"
USES = ("dlscratch.functions.sigmoid",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    input_data = rng.standard_normal((1000, 100))  # 1000개의 데이터 / 1000 samples
    node_num = 100  # 각 은닉층의 노드(뉴런) 수 / units per hidden layer
    hidden_layer_size = 5  # 은닉층이 5개 / five hidden layers

    # The book changes this one line; here are its three choices.
    weight_scales = {
        "std=1": 1.0,
        "std=0.01": 0.01,
        "Xavier": np.sqrt(1.0 / node_num),
    }

    fig = plt.figure(figsize=(12, 7))
    for row, (name, scale) in enumerate(weight_scales.items()):
        activations: dict[
            int, Any
        ] = {}  # 이곳에 활성화 결과를 저장 / the activations of each layer
        x = input_data
        for i in range(hidden_layer_size):
            if i != 0:
                x = activations[i - 1]

            w = rng.standard_normal((node_num, node_num)) * scale

            a = np.dot(x, w)
            z = sigmoid(a)
            activations[i] = z

        print(f"weights: {name} (std {scale:g})")
        for i, a in activations.items():
            at_ends = np.mean((a < 0.01) | (a > 0.99))
            print(
                f"    {i + 1}-layer: mean {a.mean():.4f}, std {a.std():.4f}, "
                f"near 0 or 1: {at_ends:.1%}"
            )

        # 히스토그램 그리기 / draw the histograms
        for i, a in activations.items():
            plt.subplot(len(weight_scales), len(activations), row * len(activations) + i + 1)
            plt.title(str(i + 1) + "-layer")
            if i != 0:
                plt.yticks([], [])
            else:
                plt.ylabel(name)
            plt.hist(a.flatten(), 30, range=(0, 1))

    fig.tight_layout()
    show_figure(fig, "weight_init_activation_histogram", args)


if __name__ == "__main__":
    main()
