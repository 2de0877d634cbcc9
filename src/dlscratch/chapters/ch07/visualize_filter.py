"""ch07/visualize_filter — 7.6.1 1번째 층의 가중치 시각화하기 / First-layer weights.

Book 7.6.1, fig. 7-24: the 30 filters (5x5) of a SimpleConvNet's first convolution,
drawn as grey images, before and after training. A freshly initialised network's
filters are noise; after ``network.load_params(...)`` of the book's trained weights
(or of a ``params.npz`` that ``ch07/train_convnet`` saved, given with ``--weights``)
they show regular patterns: edges and blobs. Prints the shape of ``W1`` and the spread
of its values before and after; draws both sets of filters.

Uses: dlscratch.networks.SimpleConvNet (load_params)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import book_weights, parser_for, show_figure
from dlscratch.networks import SimpleConvNet

SECTION = "7.6.1"
TITLE_KO = "1번째 층 필터 시각화 (학습 전과 후)"
TITLE_EN = "The first layer's filters before and after training"
USES = ("dlscratch.networks.SimpleConvNet",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, weights="simple_convnet_params.pkl").parse_args(argv)
    import matplotlib.pyplot as plt

    def filter_show(filters: Any, nx: int = 8) -> Any:
        """All filters (their first channel), ``nx`` per row."""
        FN = filters.shape[0]
        ny = int(np.ceil(FN / nx))
        fig = plt.figure()
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
        for i in range(FN):
            ax = fig.add_subplot(ny, nx, i + 1, xticks=[], yticks=[])
            ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
        return fig

    network = SimpleConvNet(seed=0)

    # 무작위(랜덤) 초기화 후의 가중치 / the weights after random initialisation
    W1 = network.params["W1"]
    print(
        f"random init: W1 {W1.shape}, std {W1.std():.4f}, from {W1.min():+.4f} to {W1.max():+.4f}"
    )
    show_figure(filter_show(network.params["W1"]), "visualize_filter_random", args)

    # 학습된 가중치 / the trained weights
    path = book_weights(args.weights)
    network.load_params(path)
    W1 = network.params["W1"]
    print(
        f"trained ({path.name}): W1 {W1.shape}, std {W1.std():.4f}, "
        f"from {W1.min():+.4f} to {W1.max():+.4f}"
    )
    show_figure(filter_show(network.params["W1"]), "visualize_filter_trained", args)


if __name__ == "__main__":
    main()
