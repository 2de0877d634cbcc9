"""ch04/gradient_2d — 4.4 기울기 / The gradient.

Book 4.4: the gradient of f(x0, x1) = x0^2 + x1^2, all partial derivatives at once, by
central differences. Prints the gradients at (3, 4), (0, 2) and (3, 0): ``[6. 8.]``,
``[0. 4.]`` and ``[6. 0.]``. Then draws the negative gradient as arrows over a grid
(book fig. 4-9): they all point to the minimum at (0, 0), longer the farther away.

Uses: dlscratch.gradient.numerical_gradient
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.gradient import numerical_gradient

SECTION = "4.4"
TITLE_KO = "기울기"
TITLE_EN = "The gradient"
USES = ("dlscratch.gradient.numerical_gradient",)


def function_2(x: Any) -> Any:
    return x[0] ** 2 + x[1] ** 2  # or np.sum(x**2)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    print(numerical_gradient(function_2, np.array([3.0, 4.0])))  # [6. 8.]
    print(numerical_gradient(function_2, np.array([0.0, 2.0])))  # [0. 4.]
    print(numerical_gradient(function_2, np.array([3.0, 0.0])))  # [6. 0.]

    # The gradient at every point of a grid (fig. 4-9)
    x0 = np.arange(-2, 2.5, 0.25)
    x1 = np.arange(-2, 2.5, 0.25)
    X, Y = np.meshgrid(x0, x1)
    points = np.array([X.flatten(), Y.flatten()]).T  # (324, 2), one point per row
    grad = np.array([numerical_gradient(function_2, p) for p in points]).T  # (2, 324)

    plt.figure()
    plt.quiver(X.flatten(), Y.flatten(), -grad[0], -grad[1], angles="xy", color="#666666")
    plt.xlim(-2, 2)
    plt.ylim(-2, 2)
    plt.xlabel("x0")
    plt.ylabel("x1")
    plt.grid()
    plt.draw()
    show_figure(plt.gcf(), "gradient_2d", args)


if __name__ == "__main__":
    main()
