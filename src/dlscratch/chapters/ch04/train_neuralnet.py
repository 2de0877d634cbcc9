"""ch04/train_neuralnet — 4.5.2 미니배치 학습 구현하기 / Mini-batch training.

Book 4.5.2-4.5.3: trains the chapter-4 ``TwoLayerNet`` (784-50-10, sigmoid) on MNIST by
stochastic gradient descent: 10,000 iterations of 100 random training images, learning
rate 0.1. After each epoch (600 iterations, one pass over 60,000 images) it prints the
accuracy on the training and the test data, ``train acc, test acc | 0.1124, 0.1135``
at the start (guessing) and about ``0.948, 0.945`` after 17 epochs; the two stay close,
so the network does not overfit. Draws both accuracies per epoch (book fig. 4-12).

The numerical gradient the chapter builds is far too slow for this, so, like the book's
own file, the loop calls ``network.gradient``: the backpropagation of chapter 5, which
gives the same gradient thousands of times faster. ``--numerical`` runs the chapter-4
way instead: it prints how long one numerical gradient of the book's network would
take, then trains a network with 10 hidden units for 10 iterations (1 with
``--quick``), printing each loss. ``--quick`` stops after 1,000 iterations.

Uses: dlscratch.datasets.load_mnist, dlscratch.networks.TwoLayerNet,
dlscratch.trainer.estimate_numerical_gradient_seconds
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlscratch.chapters._common import parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.networks import TwoLayerNet
from dlscratch.trainer import estimate_numerical_gradient_seconds

SECTION = "4.5.2"
TITLE_KO = "미니배치 학습 구현하기"
TITLE_EN = "Mini-batch training of the two-layer network"
USES = (
    "dlscratch.datasets.load_mnist",
    "dlscratch.networks.TwoLayerNet",
    "dlscratch.trainer.estimate_numerical_gradient_seconds",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser = parser_for(__name__, quick="train for 1,000 iterations instead of 10,000")
    parser.add_argument(
        "--numerical",
        action="store_true",
        help="use the numerical gradient (slow!) on a network with 10 hidden units, "
        "for 10 iterations (1 with --quick)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batches")
    args = parser.parse_args(argv)
    import matplotlib.pyplot as plt

    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=True, one_hot_label=True, data_dir=args.data_dir
    )
    if args.numerical:
        book_net = TwoLayerNet(784, 50, 10, activation="sigmoid")
        seconds = estimate_numerical_gradient_seconds(book_net, x_train[:100], t_train[:100])
        print(
            f"the numerical gradient of the book's 784-50-10 network takes about "
            f"{seconds:.0f} s per iteration: {seconds * 10000 / 3600:.0f} hours for 10,000"
        )
    hidden_size = 10 if args.numerical else 50
    network = TwoLayerNet(784, hidden_size, 10, activation="sigmoid", seed=args.seed)
    rng = np.random.default_rng(args.seed)

    # hyper-parameters
    iters_num = 10000  # number of updates
    if args.quick:
        iters_num = 1000
    if args.numerical:  # seconds per update
        iters_num = 1 if args.quick else 10
    train_size = x_train.shape[0]
    batch_size = 100  # mini-batch size
    learning_rate = 0.1

    train_loss_list = []
    train_acc_list = []
    test_acc_list = []

    iter_per_epoch = max(train_size / batch_size, 1)  # 600 iterations make one epoch

    for i in range(iters_num):
        # draw a mini-batch
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        # the gradient
        if args.numerical:
            grad = network.numerical_gradient(x_batch, t_batch)
        else:
            grad = network.gradient(x_batch, t_batch)  # fast: backpropagation (ch. 5)

        # update the parameters
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]

        # record the learning progress
        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)
        if args.numerical:
            print(f"iteration {i + 1}: loss {loss:.4f}")

        # the accuracy, once per epoch
        if i % iter_per_epoch == 0:
            # (batch_size: predict 10,000 images at a time, which saves memory and time)
            train_acc = network.accuracy(x_train, t_train, batch_size=10000)
            test_acc = network.accuracy(x_test, t_test, batch_size=10000)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)
            print("train acc, test acc | " + str(train_acc) + ", " + str(test_acc))

    if args.numerical:
        return

    # draw the accuracies (fig. 4-12)
    x = np.arange(len(train_acc_list))
    plt.plot(x, train_acc_list, marker="o", label="train acc")
    plt.plot(x, test_acc_list, marker="s", label="test acc", linestyle="--")
    plt.xlabel("epochs")
    plt.ylabel("accuracy")
    plt.ylim(0, 1.0)
    plt.legend(loc="lower right")
    show_figure(plt.gcf(), "train_neuralnet", args)


if __name__ == "__main__":
    main()
