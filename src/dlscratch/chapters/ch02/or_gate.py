"""ch02/or_gate — 2.3.3 가중치와 편향 구현하기 / OR gate with weights and a bias.

Book 2.3.3: w = (0.5, 0.5) as for AND, but a smaller threshold, b = -0.2, so one input
of 1 is enough. Prints the truth table (book table 2-4): 0, 1, 1, 1.

Uses: dlscratch.perceptron.OR
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.perceptron import OR

SECTION = "2.3.3"
TITLE_KO = "OR 게이트 (가중치와 편향)"
TITLE_EN = "OR gate with weights and a bias"
USES = ("dlscratch.perceptron.OR",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)
    for xs in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        y = OR(xs[0], xs[1])
        print(str(xs) + " -> " + str(y))


if __name__ == "__main__":
    main()
