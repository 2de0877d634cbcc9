"""ch03/softmax — 3.5.2 소프트맥스 함수 구현 시 주의점 / Softmax and its overflow trap.

Book 3.5.1-3.5.2: softmax turns scores into probabilities, y_k = exp(a_k) / sum exp(a_i).
Prints ``softmax([0.3, 2.9, 4.0])`` = ``[0.01821127 0.24519181 0.73659691]`` and its sum
1.0. Then the overflow trap of 3.5.2: for a = [1010, 1000, 990] the plain formula gives
``[nan nan nan]`` (exp overflows), while subtracting the maximum first, as
dlscratch's ``softmax`` does, gives ``[9.99954600e-01 4.53978686e-05 2.06106005e-09]``.

Uses: dlscratch.functions.softmax
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.functions import softmax

SECTION = "3.5.2"
TITLE_KO = "소프트맥스 함수 구현 시 주의점 (오버플로)"
TITLE_EN = "Softmax and its overflow trap"
USES = ("dlscratch.functions.softmax",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    # 3.5.1: softmax of three scores
    a = np.array([0.3, 2.9, 4.0])
    y = softmax(a)
    print(y)  # [0.01821127 0.24519181 0.73659691]
    print(np.sum(y))  # 1.0

    # 3.5.2: the plain formula overflows for large scores ...
    a = np.array([1010, 1000, 990])
    with np.errstate(over="ignore", invalid="ignore"):  # the book shows the warning
        naive = np.exp(a) / np.sum(np.exp(a))
    print(naive)  # [nan nan nan]
    # ... subtracting the maximum changes nothing mathematically and keeps exp finite
    c = np.max(a)
    print(a - c)  # [  0 -10 -20]
    print(np.exp(a - c) / np.sum(np.exp(a - c)))  # [9.99954600e-01 4.53978686e-05 2.06106005e-09]
    print(softmax(a))  # dlscratch's softmax does this for you


if __name__ == "__main__":
    main()
