"""ch04/two_layer_net — 4.5.1 2층 신경망 클래스 구현하기 / A two-layer network class.

Book 4.5.1: the chapter-4 ``TwoLayerNet`` (784 inputs, 100 sigmoid hidden units, 10
outputs) keeps its weights in ``params``. Prints their shapes, W1 (784, 100), b1 (100,),
W2 (100, 10), b2 (10,); predicts 100 random "images" (scores of shape (100, 10)); then
takes the numerical gradient of the loss for every parameter on a tiny batch of 3
random images with random targets, as the book does with 100, and prints the gradients'
shapes, the same as the parameters'. That takes about 5-10 seconds even for 3 images
(two forward passes per weight, about 80,000 weights); ``--quick`` does the same for a
network with 10 hidden units.

Uses: dlscratch.networks.TwoLayerNet
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.networks import TwoLayerNet

SECTION = "4.5.1"
TITLE_KO = "2층 신경망 클래스 구현하기"
TITLE_EN = "A two-layer neural network class"
USES = ("dlscratch.networks.TwoLayerNet",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="take the numerical gradient of a network with 10 hidden units"
    ).parse_args(argv)
    rng = np.random.default_rng(0)

    net = TwoLayerNet(input_size=784, hidden_size=100, output_size=10, activation="sigmoid")
    print(net.params["W1"].shape)  # (784, 100)
    print(net.params["b1"].shape)  # (100,)
    print(net.params["W2"].shape)  # (100, 10)
    print(net.params["b2"].shape)  # (10,)

    x = rng.random((100, 784))  # dummy input data (100 images)
    y = net.predict(x)
    print(y.shape)  # (100, 10)

    if args.quick:
        net = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, activation="sigmoid")
    x = rng.random((3, 784))  # dummy input data (3 images; the book takes 100)
    t = rng.random((3, 10))  # dummy targets (their arg-max is the class)

    start = time.perf_counter()
    grads = net.numerical_gradient(x, t)  # the gradients, by central differences
    seconds = time.perf_counter() - start
    for key in ("W1", "b1", "W2", "b2"):
        print(key, grads[key].shape)  # W1 (784, 100), b1 (100,), W2 (100, 10), b2 (10,)
    n = sum(p.size for p in net.params.values())
    print(f"numerical gradient of {n} parameters on 3 images: {seconds:.1f} s")


if __name__ == "__main__":
    main()
