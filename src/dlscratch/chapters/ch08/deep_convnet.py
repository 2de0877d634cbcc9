"""ch08/deep_convnet — 8.1.1 더 깊은 신경망으로 / Making a network deeper.

Book 8.1.1, fig. 8-1: the DeepConvNet (six 3x3 convolutions with ReLU, three max-pools,
two Affine layers with dropout; He initialisation) with the weights the book publishes,
evaluated on the MNIST test set. Prints the test accuracy: 0.9935 with the weights of
the book's first edition (the default, ``first-edition-2016/deep_convnet_params.pkl``),
0.9797 with the shorter-trained file the book's repository has shipped since 2022
(``--weights deep_convnet_params.pkl``).

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.DeepConvNet (load_params,
accuracy)
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import book_weights, parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import DeepConvNet

SECTION = "8.1.1"
TITLE_KO = "DeepConvNet의 시험 데이터 정확도 (책의 가중치)"
TITLE_EN = "DeepConvNet's test accuracy with the book's weights"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.DeepConvNet",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__,
        quick="evaluate the first 1000 test images only",
        weights="first-edition-2016/deep_convnet_params.pkl",
    ).parse_args(argv)

    _, (x_test, t_test) = load_mnist(flatten=False, data_dir=args.data_dir)
    if args.quick:
        x_test, t_test = x_test[:1000], t_test[:1000]

    network = DeepConvNet()
    network.load_params(book_weights(args.weights))

    print(f"calculating test accuracy on {len(x_test)} images ... ")
    test_acc = network.accuracy(x_test, t_test, batch_size=100)
    print("test accuracy:" + str(test_acc))


if __name__ == "__main__":
    main()
