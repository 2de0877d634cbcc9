"""ch05/buy_apple — 5.4.1 곱셈 계층 / The multiplication layer.

Book 5.4.1 (fig. 5-16): buying 2 apples at 100 each, with 10% tax, as a computational
graph of two multiplication nodes. The forward pass gives the price, ``price: 220``;
the backward pass, from dprice = 1, gives how much the price changes with each input:
``dApple: 2.2``, ``dApple_num: 110``, ``dTax: 200``.

Uses: dlscratch.layers.MulLayer
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.layers import MulLayer

SECTION = "5.4.1"
TITLE_KO = "곱셈 계층 (사과 쇼핑)"
TITLE_EN = "The multiplication layer: buying apples"
USES = ("dlscratch.layers.MulLayer",)


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    apple = 100
    apple_num = 2
    tax = 1.1

    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()

    # forward
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)

    # backward
    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    print("price:", int(price))  # 220
    print("dApple:", dapple)  # 2.2
    print("dApple_num:", int(dapple_num))  # 110
    print("dTax:", dtax)  # 200


if __name__ == "__main__":
    main()
