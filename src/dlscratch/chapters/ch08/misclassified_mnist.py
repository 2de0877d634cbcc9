"""ch08/misclassified_mnist — 8.1.1 더 깊은 신경망으로 / Making a network deeper.

Book 8.1.1, fig. 8-2: the DeepConvNet with the book's weights classifies the MNIST test
set in batches of 100 (``network.predict(tx, train_flg=False)``). Prints ``test
accuracy:0.9935`` (weights of the book's first edition, the default), then the first
20 digits it gets wrong as ``{view index: (label, inference), ...}``; they are hard
even for people. Draws those 20 digits, each titled with its true and predicted label.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.DeepConvNet (load_params,
predict)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import book_weights, parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import DeepConvNet

SECTION = "8.1.1"
TITLE_KO = "DeepConvNet이 잘못 인식한 이미지"
TITLE_EN = "The test digits the DeepConvNet gets wrong"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.DeepConvNet",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__,
        quick="classify the first 1000 test images only",
        weights="first-edition-2016/deep_convnet_params.pkl",
    ).parse_args(argv)
    import matplotlib.pyplot as plt

    _, (x_test, t_test) = load_mnist(flatten=False, data_dir=args.data_dir)

    network = DeepConvNet()
    network.load_params(book_weights(args.weights))

    print("calculating test accuracy ... ")
    if args.quick:
        sampled = 1000
        x_test = x_test[:sampled]
        t_test = t_test[:sampled]

    classified_ids: Any = []

    acc = 0.0
    batch_size = 100

    for i in range(int(x_test.shape[0] / batch_size)):
        tx = x_test[i * batch_size : (i + 1) * batch_size]
        tt = t_test[i * batch_size : (i + 1) * batch_size]
        y = network.predict(tx, train_flg=False)
        y = np.argmax(y, axis=1)
        classified_ids.append(y)
        acc += np.sum(y == tt)

    acc = acc / x_test.shape[0]
    print("test accuracy:" + str(acc))

    classified_ids = np.array(classified_ids).flatten()

    max_view = 20
    current_view = 1

    fig = plt.figure(figsize=(8, 7))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=0.95, hspace=0.3, wspace=0.2)

    mis_pairs = {}
    for i, val in enumerate(classified_ids == t_test):
        if not val:
            ax = fig.add_subplot(4, 5, current_view, xticks=[], yticks=[])
            ax.imshow(x_test[i].reshape(28, 28), cmap="gray_r", interpolation="nearest")
            ax.set_title(f"{t_test[i]} -> {classified_ids[i]}", fontsize="small")
            mis_pairs[current_view] = (int(t_test[i]), int(classified_ids[i]))

            current_view += 1
            if current_view > max_view:
                break

    print("======= misclassified result =======")
    print("{view index: (label, inference), ...}")
    print(mis_pairs)

    show_figure(fig, "misclassified_mnist", args)


if __name__ == "__main__":
    main()
