"""ch03/relu — 3.2.7 ReLU 함수 / The ReLU function.

Book 3.2.7: the rectified linear unit h(x) = max(0, x): the input itself when positive,
0 otherwise. Prints ``relu(np.array([-1.0, 1.0, 2.0]))`` = ``[0. 1. 2.]`` and draws the
function on -5 <= x < 5 (book fig. 3-9).

Uses: dlscratch.functions.relu
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.functions import relu

SECTION = "3.2.7"
TITLE_KO = "ReLU 함수"
TITLE_EN = "The ReLU function"
USES = ("dlscratch.functions.relu",)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__).parse_args(argv)
    import matplotlib.pyplot as plt

    x = np.array([-1.0, 1.0, 2.0])
    print(relu(x))  # [0. 1. 2.]

    x = np.arange(-5.0, 5.0, 0.1)
    y = relu(x)
    plt.plot(x, y)
    plt.ylim(-1.0, 5.5)
    show_figure(plt.gcf(), "relu", args)


if __name__ == "__main__":
    main()
