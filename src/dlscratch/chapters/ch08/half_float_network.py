"""ch08/half_float_network — 8.3.4 연산 정밀도와 비트 줄이기 / Precision and bit reduction.

Book 8.3.4: deep learning does not need 64-bit floats. The DeepConvNet with the book's
weights is evaluated on the MNIST test set in float64; then the test images and every
parameter are rounded to 16-bit floats (``param[...] = param.astype(np.float16)``, the
arrays keep their dtype but hold only float16 values) and it is evaluated again. The
accuracy does not drop: with the weights of the book's first edition (the default)
both are 0.9935; with the repository's newer ``deep_convnet_params.pkl`` they are
0.9797 and 0.9798, one image of 10000 apart.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.DeepConvNet (load_params,
accuracy)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import book_weights, parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import DeepConvNet

SECTION = "8.3.4"
TITLE_KO = "반정밀도(float16)로도 같은 정확도"
TITLE_EN = "The same accuracy in half precision (float16)"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.DeepConvNet",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__,
        quick="the first 1000 test images instead of all 10000",
        weights="first-edition-2016/deep_convnet_params.pkl",
    ).parse_args(argv)

    _, (x_test, t_test) = load_mnist(flatten=False, data_dir=args.data_dir)

    network = DeepConvNet()
    network.load_params(book_weights(args.weights))

    sampled = 1000 if args.quick else 10000  # 고속화를 위해 / to save time
    x_test = x_test[:sampled]
    t_test = t_test[:sampled]

    print("calculate accuracy (float64) ... ")
    print(network.accuracy(x_test, t_test, batch_size=100))

    # float16(반정밀도)로 형변환 / round to float16 (half precision)
    x_test = x_test.astype(np.float16)
    for param in network.params.values():
        param[...] = param.astype(np.float16)

    print("calculate accuracy (float16) ... ")
    print(network.accuracy(x_test, t_test, batch_size=100))


if __name__ == "__main__":
    main()
