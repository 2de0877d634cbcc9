"""ch06/optimizer_compare_naive — 6.1.7 어느 갱신 방법을 이용할 것인가? / Which update method?

Book 6.1.7, fig. 6-8: four optimizers minimise f(x, y) = x**2/20 + y**2 from
(-7.0, 2.0) in 30 steps: SGD (lr 0.95), Momentum (lr 0.1), AdaGrad (lr 1.5) and Adam
(lr 0.3). As in the book, the parameters are a dict of two Python floats and each step
is ``optimizer.update(params, grads)``. Prints each optimizer's first points and the
point it ends at (SGD's first step goes to (-6.335, -1.8)); plots the paths on the
contour lines of f (SGD zig-zags, the others head for the minimum (0, 0)).

Uses: dlscratch.optimizers.SGD, Momentum, AdaGrad, Adam
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.optimizers import SGD, AdaGrad, Adam, Momentum, Optimizer

SECTION = "6.1.7"
TITLE_KO = "SGD, 모멘텀, AdaGrad, Adam의 갱신 경로"
TITLE_EN = "Update paths of SGD, Momentum, AdaGrad and Adam"
USES = (
    "dlscratch.optimizers.SGD",
    "dlscratch.optimizers.Momentum",
    "dlscratch.optimizers.AdaGrad",
    "dlscratch.optimizers.Adam",
)


def f(x: Any, y: Any) -> Any:
    return x**2 / 20.0 + y**2


def df(x: Any, y: Any) -> tuple[Any, Any]:
    return x / 10.0, 2.0 * y


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    init_pos = (-7.0, 2.0)
    params = {}
    params["x"], params["y"] = init_pos[0], init_pos[1]
    grads = {}
    grads["x"], grads["y"] = 0.0, 0.0

    optimizers: dict[str, Optimizer] = {}
    optimizers["SGD"] = SGD(lr=0.95)
    optimizers["Momentum"] = Momentum(lr=0.1)
    optimizers["AdaGrad"] = AdaGrad(lr=1.5)
    optimizers["Adam"] = Adam(lr=0.3)

    fig = plt.figure(figsize=(10, 7))
    idx = 1
    for key in optimizers:
        optimizer = optimizers[key]
        x_history = []
        y_history = []
        params["x"], params["y"] = init_pos[0], init_pos[1]

        for _ in range(30):
            x_history.append(params["x"])
            y_history.append(params["y"])

            grads["x"], grads["y"] = df(params["x"], params["y"])
            optimizer.update(params, grads)

        points = [f"({x:.4f}, {y:.4f})" for x, y in zip(x_history[:4], y_history[:4], strict=True)]
        print(f"{key} (lr={optimizer.lr}): " + " -> ".join(points) + " -> ...")
        print(f"    after 30 steps: ({params['x']:.4f}, {params['y']:.4f})")

        x = np.arange(-10, 10, 0.05)
        y = np.arange(-5, 5, 0.05)
        X, Y = np.meshgrid(x, y)
        Z = f(X, Y)
        Z[Z > 7] = 0  # draw only the contour lines near the minimum, as the book does

        plt.subplot(2, 2, idx)
        idx += 1
        plt.plot(x_history, y_history, "o-", color="red")
        plt.contour(X, Y, Z)
        plt.ylim(-10, 10)
        plt.xlim(-10, 10)
        plt.plot(0, 0, "+")
        plt.title(key)
        plt.xlabel("x")
        plt.ylabel("y")

    fig.tight_layout()
    show_figure(fig, "optimizer_compare_naive", args)


if __name__ == "__main__":
    main()
