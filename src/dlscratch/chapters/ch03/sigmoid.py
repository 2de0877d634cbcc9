"""ch03/sigmoid — 3.2.4 시그모이드 함수 구현하기 / Implementing the sigmoid function.

Book 3.2.4: the sigmoid h(x) = 1 / (1 + exp(-x)), applied to an array. Prints
``sigmoid(np.array([-1.0, 1.0, 2.0]))`` = ``[0.26894142 0.73105858 0.88079708]`` and
draws the function on -5 <= x < 5 (book fig. 3-7).

Uses: dlscratch.functions.sigmoid
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.functions import sigmoid

SECTION = "3.2.4"
TITLE_KO = "시그모이드 함수 구현하기"
TITLE_EN = "Implementing the sigmoid function"
USES = ("dlscratch.functions.sigmoid",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    x = np.array([-1.0, 1.0, 2.0])
    print(sigmoid(x))  # [0.26894142 0.73105858 0.88079708]

    x = np.arange(-5.0, 5.0, 0.1)
    y = sigmoid(x)
    plt.plot(x, y)
    plt.ylim(-0.1, 1.1)
    show_figure(plt.gcf(), "sigmoid", args)


if __name__ == "__main__":
    main()
