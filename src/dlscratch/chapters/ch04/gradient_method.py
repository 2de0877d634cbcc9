"""ch04/gradient_method — 4.4.1 경사법(경사 하강법) / Gradient descent.

Book 4.4.1: repeat x <- x - lr * grad f(x) to find the minimum of f(x0, x1) = x0^2 + x1^2,
starting from (-3, 4). With lr = 0.1, 100 steps end next to (0, 0), at about
``[-6.11110793e-10  8.14814391e-10]``. A learning rate too large diverges (lr = 10.0:
about ``[-2.58983747e+13 -1.29524862e+12]``); one too small hardly moves (lr = 1e-10:
``[-2.99999994  3.99999992]``). Draws the path of 20 steps with lr = 0.1 (book fig. 4-10).

Uses: dlscratch.gradient.gradient_descent, dlscratch.gradient.gradient_descent_path
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.gradient import gradient_descent, gradient_descent_path

SECTION = "4.4.1"
TITLE_KO = "경사법(경사 하강법)"
TITLE_EN = "Gradient descent"
USES = ("dlscratch.gradient.gradient_descent", "dlscratch.gradient.gradient_descent_path")


def function_2(x: Any) -> Any:
    return x[0] ** 2 + x[1] ** 2


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    init_x = np.array([-3.0, 4.0])
    print(gradient_descent(function_2, init_x=init_x, lr=0.1, step_num=100))
    # [-6.11110793e-10  8.14814391e-10]: almost (0, 0), the true minimum

    # A learning rate too large: the steps overshoot and blow up
    init_x = np.array([-3.0, 4.0])
    print(gradient_descent(function_2, init_x=init_x, lr=10.0, step_num=100))
    # [-2.58983747e+13 -1.29524862e+12]

    # A learning rate too small: learning barely starts
    init_x = np.array([-3.0, 4.0])
    print(gradient_descent(function_2, init_x=init_x, lr=1e-10, step_num=100))
    # [-2.99999994  3.99999992]

    # The path of 20 steps (fig. 4-10)
    _, x_history = gradient_descent_path(function_2, init_x=init_x, lr=0.1, step_num=20)
    plt.plot([-5, 5], [0, 0], "--b")
    plt.plot([0, 0], [-5, 5], "--b")
    plt.plot(x_history[:, 0], x_history[:, 1], "o")
    plt.xlim(-3.5, 3.5)
    plt.ylim(-4.5, 4.5)
    plt.xlabel("X0")
    plt.ylabel("X1")
    show_figure(plt.gcf(), "gradient_method", args)


if __name__ == "__main__":
    main()
