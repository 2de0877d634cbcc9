"""ch02/xor_gate — 2.5.2 XOR 게이트 구현하기 / XOR gate as a two-layer perceptron.

Book 2.4-2.5: no single perceptron (one straight line) separates XOR's outputs, but two
layers do: s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2) (fig. 2-13). Prints the
truth table (book table 2-5) with the hidden outputs s1 and s2: y = 0, 1, 1, 0, then
the same from dlscratch's ``XOR(x1, x2)``, which is these two layers.

Uses: dlscratch.perceptron.AND, dlscratch.perceptron.NAND, dlscratch.perceptron.OR,
dlscratch.perceptron.XOR
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.perceptron import AND, NAND, OR, XOR

SECTION = "2.5.2"
TITLE_KO = "XOR 게이트 (다층 퍼셉트론)"
TITLE_EN = "XOR gate as a two-layer perceptron"
USES = (
    "dlscratch.perceptron.AND",
    "dlscratch.perceptron.NAND",
    "dlscratch.perceptron.OR",
    "dlscratch.perceptron.XOR",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)
    for xs in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        s1 = NAND(xs[0], xs[1])  # first layer
        s2 = OR(xs[0], xs[1])
        y = AND(s1, s2)  # second layer
        print(str(xs) + " -> " + str(y) + f"   (s1={s1}, s2={s2})")
    print("XOR(x1, x2):", [XOR(x1, x2) for x1, x2 in [(0, 0), (1, 0), (0, 1), (1, 1)]])


if __name__ == "__main__":
    main()
