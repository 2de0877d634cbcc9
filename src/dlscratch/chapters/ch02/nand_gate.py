"""ch02/nand_gate — 2.3.3 가중치와 편향 구현하기 / NAND gate with weights and a bias.

Book 2.3.3: the same perceptron as AND with the signs flipped, w = (-0.5, -0.5) and
b = 0.7, outputs 0 only when both inputs are 1. Prints the truth table (book table 2-3):
1, 1, 1, 0.

Uses: dlscratch.perceptron.NAND
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.perceptron import NAND

SECTION = "2.3.3"
TITLE_KO = "NAND 게이트 (가중치와 편향)"
TITLE_EN = "NAND gate with weights and a bias"
USES = ("dlscratch.perceptron.NAND",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)
    for xs in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        y = NAND(xs[0], xs[1])
        print(str(xs) + " -> " + str(y))


if __name__ == "__main__":
    main()
