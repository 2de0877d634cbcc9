"""ch03/mnist_show — 3.6.1 MNIST 데이터셋 / The MNIST data set.

Book 3.6.1: loads MNIST as flat rows of raw pixels (``flatten=True, normalize=False``)
and shows the first training image. Prints its label ``5``, its shape ``(784,)``, and
the shape ``(28, 28)`` after reshaping back into an image, then draws it.

Uses: dlscratch.datasets.load_mnist
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist

SECTION = "3.6.1"
TITLE_KO = "MNIST 데이터셋"
TITLE_EN = "The MNIST data set"
USES = ("dlscratch.datasets.load_mnist",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), (x_test, t_test) = load_mnist(
        flatten=True, normalize=False, data_dir=args.data_dir
    )
    print(x_train.shape)  # (60000, 784)
    print(t_train.shape)  # (60000,)
    print(x_test.shape)  # (10000, 784)
    print(t_test.shape)  # (10000,)

    img = x_train[0]
    label = t_train[0]
    print(label)  # 5

    print(img.shape)  # (784,)
    img = img.reshape(28, 28)  # back to the image's shape
    print(img.shape)  # (28, 28)

    plt.imshow(img, cmap="gray")
    plt.title(f"label {label}")
    plt.axis("off")
    show_figure(plt.gcf(), "mnist_show", args)


if __name__ == "__main__":
    main()
