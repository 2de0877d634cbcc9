"""ch04/loss_functions — 4.2 손실 함수 / Loss functions.

Book 4.2.1-4.2.4: how far a network's output y is from the one-hot answer t (the answer
is class 2). With y putting 0.6 on class 2, the sum of squares error is
0.09750000000000003 and the cross-entropy error 0.510825457099338; with y putting 0.6 on
class 7 they grow to 0.5975 and 2.302584092994546. Then the mini-batch form (4.2.4):
the cross-entropy of both outputs as one batch is the mean of the two,
1.406704775046942, with one-hot targets or plain labels alike.

Uses: dlscratch.functions.sum_squares_error, dlscratch.functions.cross_entropy_error
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.functions import cross_entropy_error, sum_squares_error

SECTION = "4.2"
TITLE_KO = "손실 함수 (오차제곱합, 교차 엔트로피 오차)"
TITLE_EN = "Loss functions: sum of squares and cross-entropy"
USES = ("dlscratch.functions.sum_squares_error", "dlscratch.functions.cross_entropy_error")


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    # The answer is '2' (one-hot encoding)
    t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    # Example 1: '2' is the most probable (0.6)
    y1 = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    # Example 2: '7' is the most probable (0.6)
    y2 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]

    # 4.2.1 sum of squares error, E = 1/2 sum (y_k - t_k)^2
    print(sum_squares_error(np.array(y1), np.array(t)))  # 0.09750000000000003
    print(sum_squares_error(np.array(y2), np.array(t)))  # 0.5975

    # 4.2.2 cross-entropy error, E = -sum t_k log(y_k + delta)
    print(cross_entropy_error(np.array(y1), np.array(t)))  # 0.510825457099338
    print(cross_entropy_error(np.array(y2), np.array(t)))  # 2.302584092994546

    # 4.2.4 mini-batch: the mean error over the batch
    y_batch = np.array([y1, y2])  # (2, 10)
    t_batch = np.array([t, t])  # one-hot targets, (2, 10)
    t_labels = np.array([2, 2])  # the same targets as labels, (2,)
    print(cross_entropy_error(y_batch, t_batch))  # 1.406704775046942
    print(cross_entropy_error(y_batch, t_labels))  # 1.406704775046942


if __name__ == "__main__":
    main()
