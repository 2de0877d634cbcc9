"""ch02/and_gate — 2.3.3 가중치와 편향 구현하기 / AND gate with weights and a bias.

Book 2.3.1-2.3.3: a perceptron with w = (0.5, 0.5) and b = -0.7 outputs 1 only when
both inputs are 1. Prints the truth table (book table 2-2): 0, 0, 0, 1.

Uses: dlscratch.perceptron.AND
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.perceptron import AND

SECTION = "2.3.3"
TITLE_KO = "AND 게이트 (가중치와 편향)"
TITLE_EN = "AND gate with weights and a bias"
USES = ("dlscratch.perceptron.AND",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)
    for xs in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        y = AND(xs[0], xs[1])
        print(str(xs) + " -> " + str(y))


if __name__ == "__main__":
    main()
