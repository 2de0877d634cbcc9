"""ch08/train_deepnet — 8.1.1 더 깊은 신경망으로 / Making a network deeper.

Book 8.1.1: the DeepConvNet (six 3x3 convolutions, three pools, two Affine layers with
dropout) learns all 60000 MNIST training images with Adam (lr 0.001), batches of 100,
for 20 epochs, evaluated on 1000 images of each set after every epoch. The Trainer
prints a line per epoch (``=== epoch:1, train acc:..., test acc:... ===``) and the
final test accuracy (about 0.99; this takes tens of minutes). The parameters are saved
to ``OUT_DIR/deep_convnet_params.npz`` (the book writes a ``.pkl``) and the script says
``Saved Network Parameters!``; ``ch08/deep_convnet --weights`` can evaluate that file.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.DeepConvNet (save_params),
dlscratch.trainer.Trainer
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dlscratch.chapters._common import parser_for
from dlscratch.datasets import load_mnist
from dlscratch.networks import DeepConvNet
from dlscratch.trainer import Trainer

SECTION = "8.1.1"
TITLE_KO = "DeepConvNet 학습"
TITLE_EN = "Training the DeepConvNet on MNIST"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.DeepConvNet",
    "dlscratch.trainer.Trainer",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(
        __name__, quick="1 epoch on 300 training images, test on the first 500"
    ).parse_args(argv)

    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False, data_dir=args.data_dir)
    if args.quick:
        x_train, t_train = x_train[:300], t_train[:300]
        x_test, t_test = x_test[:500], t_test[:500]

    # float32: about twice as fast as the book's float64, with the same accuracy
    network = DeepConvNet(seed=0, dtype=np.float32)
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=1 if args.quick else 20,
        mini_batch_size=100,
        optimizer="Adam",
        optimizer_param={"lr": 0.001},
        evaluate_sample_num_per_epoch=1000,
        seed=0,
    )
    trainer.train()

    # 매개변수 보관 / save the parameters
    network.save_params(Path(args.out_dir) / "deep_convnet_params.npz")
    print("Saved Network Parameters!")


if __name__ == "__main__":
    main()
