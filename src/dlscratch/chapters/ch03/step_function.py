"""ch03/step_function — 3.2.3 계단 함수의 그래프 / The graph of the step function.

Book 3.2.2-3.2.3: the step function h(x) = 1 if x > 0 else 0, applied to a whole array
at once. Prints ``step_function(np.array([-1.0, 1.0, 2.0]))`` = ``[0 1 1]`` and draws
the function on -5 <= x < 5 (book fig. 3-6).

Uses: dlscratch.functions.step_function
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.functions import step_function

SECTION = "3.2.3"
TITLE_KO = "계단 함수의 그래프"
TITLE_EN = "The graph of the step function"
USES = ("dlscratch.functions.step_function",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    x = np.array([-1.0, 1.0, 2.0])
    print(step_function(x))  # [0 1 1]

    x = np.arange(-5.0, 5.0, 0.1)
    y = step_function(x)
    plt.plot(x, y)
    plt.ylim(-0.1, 1.1)  # the range of the y axis
    show_figure(plt.gcf(), "step_function", args)


if __name__ == "__main__":
    main()
