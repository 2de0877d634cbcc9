"""ch07/train_convnet — 7.5 CNN 구현하기 / Implementing a CNN.

Book 7.5, fig. 7-23: a SimpleConvNet (conv 30 filters 5x5 - ReLU - pool 2x2 - Affine
100 - ReLU - Affine 10 - softmax) learns all 60000 MNIST training images with Adam
(lr 0.001), batches of 100, for 20 epochs; accuracy is evaluated on 1000 images of each
set after every epoch. The Trainer prints a line per epoch (``=== epoch:1, train
acc:..., test acc:... ===``) and the final test accuracy on the whole test set (about
0.99). The learned parameters are saved to ``OUT_DIR/params.npz`` (the book writes
``params.pkl``; dlscratch saves ``.npz`` files, which load without running code) and
the script says ``Saved Network Parameters!``. Plots the training and test accuracy.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.SimpleConvNet (save_params),
dlscratch.trainer.Trainer
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import SimpleConvNet
from dlscratch.trainer import Trainer

SECTION = "7.5"
TITLE_KO = "단순한 합성곱 신경망(SimpleConvNet) 학습"
TITLE_EN = "Training a SimpleConvNet on MNIST"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.SimpleConvNet",
    "dlscratch.trainer.Trainer",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="1 epoch on 500 training images, test on the first 1000"
    ).parse_args(argv)
    import matplotlib.pyplot as plt

    # 데이터 읽기 / read MNIST as images (N, 1, 28, 28)
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False, data_dir=args.data_dir)

    # 시간이 오래 걸릴 경우 데이터를 줄인다. / shrink the data to save time
    if args.quick:
        x_train, t_train = x_train[:500], t_train[:500]
        x_test, t_test = x_test[:1000], t_test[:1000]

    max_epochs = 1 if args.quick else 20

    network = SimpleConvNet(
        input_dim=(1, 28, 28),
        conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
        hidden_size=100,
        output_size=10,
        weight_init_std=0.01,
        seed=0,
        # float32: about twice as fast as the book's float64, with the same accuracy
        dtype=np.float32,
    )

    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=max_epochs,
        mini_batch_size=100,
        optimizer="Adam",
        optimizer_param={"lr": 0.001},
        evaluate_sample_num_per_epoch=1000,
        seed=0,
    )
    trainer.train()

    # 매개변수 보관 / save the parameters
    network.save_params(Path(args.out_dir) / "params.npz")
    print("Saved Network Parameters!")

    # 그래프 그리기 / plot train and test accuracy
    fig = plt.figure()
    x = np.arange(max_epochs)
    plt.plot(x, trainer.train_acc_list, marker="o", label="train", markevery=2)
    plt.plot(x, trainer.test_acc_list, marker="s", label="test", markevery=2)
    plt.xlabel("epochs")
    plt.ylabel("accuracy")
    plt.ylim(0, 1.0)
    plt.legend(loc="lower right")
    show_figure(fig, "train_convnet", args)


if __name__ == "__main__":
    main()
