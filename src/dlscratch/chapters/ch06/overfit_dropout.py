"""ch06/overfit_dropout — 6.4.3 드롭아웃 / Dropout.

Book 6.4.3, fig. 6-23: the overfitting experiment of 6.4.1 (a 7-layer MultiLayerNetExtend,
784-100x6-10, on only 300 MNIST training images, SGD lr 0.01, batches of 100) with
dropout after every hidden layer (``dropout_ration=0.2``, the book's spelling), trained
for 301 epochs by the Trainer. Dropout narrows the gap between training and test
accuracy, and training accuracy no longer reaches 100%. The Trainer prints the book's
line per epoch (``=== epoch:1, train acc:..., test acc:... ===``) and the final test
accuracy; then ``trainer.train_acc_list`` and ``trainer.test_acc_list`` are plotted.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.MultiLayerNetExtend
(use_dropout), dlscratch.trainer.Trainer
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import MultiLayerNetExtend
from dlscratch.trainer import Trainer

SECTION = "6.4.3"
TITLE_KO = "드롭아웃으로 오버피팅 억제"
TITLE_EN = "Dropout against overfitting"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.MultiLayerNetExtend",
    "dlscratch.trainer.Trainer",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="11 epochs, test accuracy on the first 1000 test images"
    ).parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, data_dir=args.data_dir)

    # 오버피팅을 재현하기 위해 학습 데이터 수를 줄임 / few training images, to overfit
    x_train = x_train[:300]
    t_train = t_train[:300]
    if args.quick:
        x_test, t_test = x_test[:1000], t_test[:1000]

    # 드롭아웃 사용 유무와 비율 설정 ========================
    use_dropout = True  # 드롭아웃을 쓰지 않을 때는 False / False: no dropout
    dropout_ratio = 0.2
    # ====================================================

    network = MultiLayerNetExtend(
        input_size=784,
        hidden_size_list=[100, 100, 100, 100, 100, 100],
        output_size=10,
        use_dropout=use_dropout,
        dropout_ration=dropout_ratio,
        seed=0,
    )
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=11 if args.quick else 301,
        mini_batch_size=100,
        optimizer="sgd",
        optimizer_param={"lr": 0.01},
        verbose=True,
        seed=0,
    )
    trainer.train()

    train_acc_list, test_acc_list = trainer.train_acc_list, trainer.test_acc_list

    # 그래프 그리기 / plot train and test accuracy
    fig = plt.figure()
    x = np.arange(len(train_acc_list))
    plt.plot(x, train_acc_list, marker="o", label="train", markevery=10)
    plt.plot(x, test_acc_list, marker="s", label="test", markevery=10)
    plt.xlabel("epochs")
    plt.ylabel("accuracy")
    plt.ylim(0, 1.0)
    plt.legend(loc="lower right")
    show_figure(fig, "overfit_dropout", args)


if __name__ == "__main__":
    main()
