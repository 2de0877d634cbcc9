"""ch03/sig_step_compare — 3.2.5 시그모이드 함수와 계단 함수 비교 / Sigmoid and step compared.

Book 3.2.5: both functions on one graph (book fig. 3-8). The sigmoid is smooth and its
output changes continuously; the step jumps from 0 to 1 at x = 0. Both map every input
into [0, 1], and both are non-linear. Prints nothing; draws the figure.

Uses: dlscratch.functions.sigmoid, dlscratch.functions.step_function
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.functions import sigmoid, step_function

SECTION = "3.2.5"
TITLE_KO = "시그모이드 함수와 계단 함수 비교"
TITLE_EN = "Comparing the sigmoid and step functions"
USES = ("dlscratch.functions.sigmoid", "dlscratch.functions.step_function")


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    x = np.arange(-5.0, 5.0, 0.1)
    y1 = sigmoid(x)
    y2 = step_function(x)

    plt.plot(x, y1, label="sigmoid")
    plt.plot(x, y2, "k--", label="step function")
    plt.ylim(-0.1, 1.1)
    plt.legend()
    show_figure(plt.gcf(), "sig_step_compare", args)


if __name__ == "__main__":
    main()
