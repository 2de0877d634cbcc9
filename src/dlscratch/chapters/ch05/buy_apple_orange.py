"""ch05/buy_apple_orange — 5.4.2 덧셈 계층 / The addition layer.

Book 5.4.2 (fig. 5-17): 2 apples at 100 and 3 oranges at 150, summed, then 10% tax:
multiplication and addition nodes together. Prints the forward result ``price: 715``
and the backward derivatives ``dApple: 2.2``, ``dApple_num: 110``,
``dOrange: 3.3000000000000003``, ``dOrange_num: 165``, ``dTax: 650``.

Uses: dlscratch.layers.MulLayer, dlscratch.layers.AddLayer
"""

from __future__ import annotations

from collections.abc import Sequence

from dlscratch.chapters._common import parser_for
from dlscratch.layers import AddLayer, MulLayer

SECTION = "5.4.2"
TITLE_KO = "덧셈 계층 (사과와 귤 쇼핑)"
TITLE_EN = "The addition layer: buying apples and oranges"
USES = ("dlscratch.layers.MulLayer", "dlscratch.layers.AddLayer")


def main(argv: Sequence[str] | None = None) -> None:
    parser_for(__name__).parse_args(argv)

    apple = 100
    apple_num = 2
    orange = 150
    orange_num = 3
    tax = 1.1

    # layers
    mul_apple_layer = MulLayer()
    mul_orange_layer = MulLayer()
    add_apple_orange_layer = AddLayer()
    mul_tax_layer = MulLayer()

    # forward
    apple_price = mul_apple_layer.forward(apple, apple_num)  # (1)
    orange_price = mul_orange_layer.forward(orange, orange_num)  # (2)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)  # (3)
    price = mul_tax_layer.forward(all_price, tax)  # (4)

    # backward
    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)  # (4)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)  # (3)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)  # (2)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)  # (1)

    print("price:", int(price))  # 715
    print("dApple:", dapple)  # 2.2
    print("dApple_num:", int(dapple_num))  # 110
    print("dOrange:", dorange)  # 3.3000000000000003
    print("dOrange_num:", int(dorange_num))  # 165
    print("dTax:", dtax)  # 650


if __name__ == "__main__":
    main()
