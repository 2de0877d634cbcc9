"""ch03/neuralnet_mnist_batch — 3.6.3 배치 처리 / Batch processing.

Book 3.6.3: the same network as ``neuralnet_mnist``, fed 100 images at a time. The
shapes chain as (100, 784) @ (784, 50) @ (50, 100) @ (100, 10) -> (100, 10), one row of
probabilities per image, and ``np.argmax(y, axis=1)`` picks each row's class. Prints the
shapes of 3.6.3 and the same ``Accuracy:0.9352``, much faster.

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

SECTION = "3.6.3"
TITLE_KO = "배치 처리"
TITLE_EN = "Batch processing"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.io.load_book_params",
    "dlscratch.networks.ThreeLayerNet",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, weights="sample_weight.pkl").parse_args(argv)

    _, (x, t) = load_mnist(
        normalize=True, flatten=True, one_hot_label=False, data_dir=args.data_dir
    )
    network = ThreeLayerNet(load_book_params(book_weights(args.weights)))
    W1, W2, W3 = network.params["W1"], network.params["W2"], network.params["W3"]
    print(x.shape)  # (10000, 784)
    print(x[0].shape)  # (784,)
    print(W1.shape)  # (784, 50)
    print(W2.shape)  # (50, 100)
    print(W3.shape)  # (100, 10)

    batch_size = 100  # images per batch
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        x_batch = x[i : i + batch_size]
        y_batch = network.predict(x_batch)  # (100, 10)
        p = np.argmax(y_batch, axis=1)  # one class per row
        accuracy_cnt += np.sum(p == t[i : i + batch_size])

    print("Accuracy:" + str(float(accuracy_cnt) / len(x)))  # Accuracy:0.9352


if __name__ == "__main__":
    main()
