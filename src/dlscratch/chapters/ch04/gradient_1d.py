"""ch04/gradient_1d — 4.3.2 수치 미분의 예 / Numerical differentiation, an example.

Book 4.3.1-4.3.2: the derivative by central difference, (f(x+h) - f(x-h)) / 2h with
h = 1e-4, of f(x) = 0.01x^2 + 0.1x. Prints the slopes at x = 5 and x = 10,
0.1999999999990898 and 0.2999999999986347 (the exact values are 0.2 and 0.3), and draws
f with its tangent line at x = 5 (book fig. 4-7).

Uses: dlscratch.gradient.numerical_diff
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.gradient import numerical_diff

SECTION = "4.3.2"
TITLE_KO = "수치 미분의 예"
TITLE_EN = "Numerical differentiation, an example"
USES = ("dlscratch.gradient.numerical_diff",)


def function_1(x: Any) -> Any:
    return 0.01 * x**2 + 0.1 * x


def tangent_line(f: Any, x: float) -> Any:
    """The straight line touching f at x: slope d, through (x, f(x))."""
    d = numerical_diff(f, x)
    print(d)
    y = f(x) - d * x
    return lambda t: d * t + y


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    print(numerical_diff(function_1, 5))  # 0.1999999999990898
    print(numerical_diff(function_1, 10))  # 0.2999999999986347

    x = np.arange(0.0, 20.0, 0.1)
    y = function_1(x)
    plt.xlabel("x")
    plt.ylabel("f(x)")

    tf = tangent_line(function_1, 5)
    y2 = tf(x)

    plt.plot(x, y)
    plt.plot(x, y2)
    show_figure(plt.gcf(), "gradient_1d", args)


if __name__ == "__main__":
    main()
