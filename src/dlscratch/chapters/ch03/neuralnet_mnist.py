"""ch03/neuralnet_mnist — 3.6.2 신경망의 추론 처리 / Inference on MNIST.

Book 3.6.2: the 784-50-100-10 network with the book's trained weights
(``sample_weight.pkl``) classifies the 10,000 test images one at a time; the class is
the arg-max of the output. Prints ``Accuracy:0.9352``.

Uses: dlscratch.datasets.load_mnist, dlscratch.io.load_book_params,
dlscratch.networks.ThreeLayerNet
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import book_weights, parser_for
from dlscratch.datasets import load_mnist
from dlscratch.io import load_book_params
from dlscratch.networks import ThreeLayerNet

SECTION = "3.6.2"
TITLE_KO = "신경망의 추론 처리"
TITLE_EN = "Inference with a trained network on MNIST"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.io.load_book_params",
    "dlscratch.networks.ThreeLayerNet",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, weights="sample_weight.pkl").parse_args(argv)

    # get_data(): the test set, pixels scaled to [0, 1] (preprocessing, 3.6.2)
    _, (x, t) = load_mnist(
        normalize=True, flatten=True, one_hot_label=False, data_dir=args.data_dir
    )
    # init_network(): the book's trained weights W1, b1, W2, b2, W3, b3
    network = ThreeLayerNet(load_book_params(book_weights(args.weights)))

    accuracy_cnt = 0
    for i in range(len(x)):
        y = network.predict(x[i])  # sigmoid, sigmoid, softmax
        p = np.argmax(y)  # the index of the most probable class
        if p == t[i]:
            accuracy_cnt += 1

    print("Accuracy:" + str(float(accuracy_cnt) / len(x)))  # Accuracy:0.9352


if __name__ == "__main__":
    main()
