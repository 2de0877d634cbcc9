"""``dlscratch train``: train a network on MNIST (ch. 4-8).

``cmd_train`` reads as its four steps: load the data, build (or resume) the network,
train it, report. The per-model defaults are the table below.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from dlscratch.cli._argtypes import int_list, positive_float, positive_int
from dlscratch.cli._common import describe, load_mnist, out, save_plot
from dlscratch.errors import DlscratchError

# Per-model defaults. `--book` (two-layer only) is the recipe of the book's
# ch05/train_neuralnet.py; the two-layer defaults go beyond it.
_COMMON_DEFAULTS: dict[str, Any] = {
    "activation": "relu",
    "batch_size": 100,
    "iters": None,
    "train_eval": None,
    "lr_decay": 1.0,
}
BOOK_RECIPE: dict[str, Any] = {
    **_COMMON_DEFAULTS, "hidden": [50], "init": "0.01", "optimizer": "sgd", "lr": 0.1,
    "iters": 10000, "epochs": None,
}  # fmt: skip
_ADAM = {"optimizer": "adam", "lr": 0.001}
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "two-layer": {
        **_COMMON_DEFAULTS, "hidden": [100], "init": "he", "optimizer": "sgd", "lr": 0.1,
        "epochs": 15,
    },
    "multi-layer": {**_COMMON_DEFAULTS, **_ADAM, "hidden": [100, 100, 100], "init": "he",
                    "epochs": 10},
    # The book's ch07/train_convnet.py and ch08/train_deepnet.py (Adam, lr 0.001, batch
    # 100), plus a per-epoch lr decay: at a constant lr both overfit and wander.
    "simple-conv": {**_COMMON_DEFAULTS, **_ADAM, "hidden": [100], "init": "0.01",
                    "epochs": 15, "train_eval": 10000, "lr_decay": 0.85},
    "deep-conv": {**_COMMON_DEFAULTS, **_ADAM, "hidden": [50], "init": "he",
                  "epochs": 10, "train_eval": 10000, "lr_decay": 0.8},
}  # fmt: skip

Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def train_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The model's defaults (or the book's recipe), overridden by the flags given."""
    if args.book and args.model != "two-layer":
        raise DlscratchError("--book is the book's two-layer recipe; use it with --model two-layer")
    base = BOOK_RECIPE if args.book else MODEL_DEFAULTS[args.model]
    settings = dict(base)
    for key in base:
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    if args.epochs is not None and args.iters is not None:
        raise DlscratchError("give --epochs or --iters, not both")
    if args.epochs is not None:
        settings["iters"] = None
    if args.grad == "numerical" and args.hidden is None and not args.book:
        settings["hidden"] = [10]
    if args.eval_samples is not None:
        settings["train_eval"] = args.eval_samples
    return settings


# --------------------------------------------------------------------------- 1. data


def load_training_data(args: argparse.Namespace, s: dict[str, Any]) -> Data:
    """MNIST in the model's shape and ``--dtype``, cut to ``--train-size``."""
    from dlscratch.networks import ARCHITECTURES

    image = getattr(ARCHITECTURES[args.model].cls, "input_is_image", False)
    (x_train, t_train), (x_test, t_test) = load_mnist(args, flatten=not image)
    if args.train_size:
        x_train, t_train = x_train[: args.train_size], t_train[: args.train_size]
    if s["batch_size"] > x_train.shape[0]:
        raise DlscratchError(
            f"--batch-size: a mini-batch cannot hold more than the {x_train.shape[0]} "
            f"training images (--train-size); got {s['batch_size']}"
        )
    x_train = x_train.astype(args.dtype, copy=False)
    x_test = x_test.astype(args.dtype, copy=False)
    return x_train, t_train, x_test, t_test


# --------------------------------------------------------------------------- 2. network


def _init_value(init: str) -> float | str:
    try:
        return float(init)
    except ValueError:
        return init


def build_network(args: argparse.Namespace, s: dict[str, Any]) -> Any:
    """A fresh network of ``--model`` with the settings ``s``."""
    from dlscratch.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet

    init = _init_value(s["init"])
    model, seed, dtype = args.model, args.seed, args.dtype
    extended = args.batchnorm or args.dropout is not None or args.weight_decay
    if extended and model != "multi-layer":
        raise DlscratchError("--batchnorm, --dropout and --weight-decay need --model multi-layer")
    if model == "two-layer":
        if len(s["hidden"]) != 1:
            raise DlscratchError(
                f"--hidden: two-layer takes one hidden size, got {s['hidden']}; "
                "use --model multi-layer for more layers"
            )
        return TwoLayerNet(
            784, s["hidden"][0], 10, weight_init_std=init, seed=seed,
            activation=s["activation"], dtype=dtype,
        )  # fmt: skip
    if model == "multi-layer":
        return MultiLayerNet(
            784, s["hidden"], 10, activation=s["activation"], weight_init_std=init,
            weight_decay_lambda=args.weight_decay or 0.0, use_dropout=args.dropout is not None,
            dropout_ratio=args.dropout if args.dropout is not None else 0.5,
            use_batchnorm=args.batchnorm, seed=seed, dtype=dtype,
        )  # fmt: skip
    if len(s["hidden"]) != 1:
        raise DlscratchError(f"--hidden: {model} takes one hidden size, got {s['hidden']}")
    if model == "simple-conv":
        return SimpleConvNet(
            hidden_size=s["hidden"][0], weight_init_std=init, seed=seed, dtype=dtype
        )
    return DeepConvNet(hidden_size=s["hidden"][0], seed=seed, dtype=dtype)


def _checkpoint_to_resume(args: argparse.Namespace) -> Path | None:
    """The checkpoint file ``--resume`` continues from (``None`` without ``--resume``)."""
    from dlscratch.trainer import CHECKPOINT_NAME

    if not args.resume:
        return None
    if not args.checkpoint:
        raise DlscratchError("--resume needs --checkpoint DIR (where the run saved its state)")
    checkpoint = Path(args.checkpoint) / CHECKPOINT_NAME
    if not checkpoint.is_file():
        raise DlscratchError(f"--resume: no checkpoint at {checkpoint}")
    return checkpoint


def resumed_network(args: argparse.Namespace, checkpoint: Path) -> Any:
    """The network saved in ``checkpoint``, which must be a ``--model``."""
    from dlscratch.io import load_model
    from dlscratch.networks import ARCHITECTURES

    net = load_model(checkpoint, dtype=args.dtype)
    if net.architecture != ARCHITECTURES[args.model].cls.architecture:
        raise DlscratchError(
            f"--resume: {checkpoint} holds a {net.architecture}, not --model {args.model}"
        )
    return net


# --------------------------------------------------------------------------- 3. train


def make_trainer(args: argparse.Namespace, s: dict[str, Any], net: Any, data: Data) -> Any:
    from dlscratch.trainer import Trainer

    x_train, t_train, x_test, t_test = data
    return Trainer(
        net, x_train, t_train, x_test, t_test,
        epochs=s["epochs"] or 1, mini_batch_size=s["batch_size"], optimizer=s["optimizer"],
        optimizer_param={"lr": s["lr"]}, seed=args.seed, iters=s["iters"], grad=args.grad,
        evaluate_sample_num_per_epoch=args.eval_samples, train_eval_samples=s["train_eval"],
        progress=not args.quiet, checkpoint_dir=args.checkpoint, lr_decay=s["lr_decay"],
        verbose=False,
    )  # fmt: skip


def _seconds(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}" if x >= 1 else f"{x:.2g}"


def iterations_phrase(iterations: int, iter_per_epoch: int) -> str:
    """``'1200 iterations (2 epochs of 600)'``; ``'20 iterations (0.33% of an epoch of
    6000)'`` when the run stops within the first epoch."""
    whole, rest = divmod(iterations, iter_per_epoch)
    if rest == 0:
        epochs = f"{whole} epoch{'s' if whole != 1 else ''}"
    elif whole == 0:
        pct = 100 * iterations / iter_per_epoch
        epochs = f"{pct:.1f}%" if pct >= 1 else f"{pct:.2g}%"
        epochs += " of an epoch"
    else:
        epochs = f"{iterations / iter_per_epoch:.2f} epochs"
    return f"{iterations} iterations ({epochs} of {iter_per_epoch})"


def _print_header(args: argparse.Namespace, s: dict[str, Any], trainer: Any, data: Data) -> None:
    net = trainer.network
    n_params = sum(p.size for p in net.params.values())
    out(
        f"model: {describe(net)} ({n_params:,} parameters, {net.dtype}); "
        f"{s['optimizer']} lr={trainer.optimizer.lr:g}, batch {s['batch_size']}, "
        f"{iterations_phrase(trainer.max_iter, trainer.iter_per_epoch)}, "
        f"{args.grad} gradients"
    )
    if args.grad == "numerical":
        from dlscratch.trainer import estimate_numerical_gradient_seconds

        bs = s["batch_size"]
        x_train, t_train = data[0], data[1]
        per_iter = estimate_numerical_gradient_seconds(net, x_train[:bs], t_train[:bs])
        left = trainer.max_iter - trainer.iteration
        out(
            "numerical gradients are slow by nature: 2 forward passes for each of the "
            f"{n_params:,} parameters per iteration, about {_seconds(per_iter)} s per "
            f"iteration here, so about {_seconds(per_iter * left)} s in all. Backprop "
            "(--grad backprop) gives the same gradient thousands of times faster."
        )


def run_training(trainer: Any) -> Any:
    """Train; print the per-epoch table even when training stops early."""
    try:
        return trainer.train()
    finally:
        h = trainer.history
        if h.test_acc:
            out("epoch  iteration  train acc  test acc  seconds")
            for i, (it, tr, te, sec) in enumerate(
                zip(h.epoch_iters, h.train_acc, h.test_acc, h.epoch_seconds, strict=True)
            ):
                out(f"{i + 1:5d}  {it:9d}  {tr:9.4f}  {te:8.4f}  {sec:7.1f}")


# --------------------------------------------------------------------------- 4. report


def report(args: argparse.Namespace, s: dict[str, Any], net: Any, history: Any) -> None:
    """Print the loss and final accuracy; save the model (``--out``) and curves (``--plot``)."""
    from dlscratch.io import save_model

    loss = history.loss
    out(
        f"loss: {loss[0]:.4f} at the first iteration, {np.mean(loss[-10:]):.4f} "
        f"(mean of the last {min(10, len(loss))})"
    )
    out(f"final test accuracy: {history.test_acc[-1]:.4f}  ({history.seconds:.1f} s)")
    if args.out:
        summary = {
            "settings": {**s, "seed": args.seed, "grad": args.grad},
            "test_acc": history.test_acc[-1],
        }
        out(f"saved {save_model(net, args.out, extra={'training': summary})}")
    if args.plot:
        from dlscratch.plotting import plot_learning_curves

        fig = plot_learning_curves(history, title=f"{net.architecture}, {args.grad}")
        save_plot(fig, args.plot)


def cmd_train(args: argparse.Namespace) -> int:
    s = train_settings(args)
    checkpoint = _checkpoint_to_resume(args)
    data = load_training_data(args, s)
    net = resumed_network(args, checkpoint) if checkpoint else build_network(args, s)
    trainer = make_trainer(args, s, net, data)
    if checkpoint:
        trainer.load_checkpoint(checkpoint)
        out(f"resuming from {checkpoint} at iteration {trainer.iteration}")
    _print_header(args, s, trainer, data)
    history = run_training(trainer)
    report(args, s, net, history)
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "train", parents=[data_parent], help="train a network on MNIST (ch. 4-8)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train on MNIST. Defaults depend on --model:\n"
        "  two-layer    784-100-10 ReLU, He init, SGD lr 0.1, batch 100, 15 epochs\n"
        "  multi-layer  784-100-100-100-10 ReLU, He init, Adam lr 0.001, 10 epochs\n"
        "  simple-conv  book ch. 7: conv 30x5x5, Adam lr 0.001 x 0.85 per epoch, batch 100,\n"
        "               15 epochs\n"
        "  deep-conv    book ch. 8: 6 conv layers, Adam lr 0.001 x 0.8 per epoch, batch 100,\n"
        "               10 epochs\n"
        "--book uses the book's ch. 5 recipe instead: 784-50-10, weight std 0.01,\n"
        "SGD lr 0.1, batch 100, 10000 iterations.",
    )  # fmt: skip
    p.add_argument("--model", default="two-layer", choices=sorted(MODEL_DEFAULTS),
                   help="network (default two-layer)")  # fmt: skip
    p.add_argument("--book", action="store_true", help="the book's ch. 5 recipe (see above)")
    p.add_argument("--hidden", type=int_list, metavar="N[,N...]",
                   help="hidden layer size(s), e.g. 100 or 100,100,100")  # fmt: skip
    p.add_argument("--activation", choices=["relu", "sigmoid"], help="hidden activation")
    p.add_argument("--init", metavar="STD",
                   help="weight init: he (relu), xavier (sigmoid) or a std like 0.01")  # fmt: skip
    p.add_argument("--optimizer", metavar="NAME",
                   help="sgd, momentum, nesterov, adagrad, rmsprop or adam")  # fmt: skip
    p.add_argument("--lr", type=positive_float, help="learning rate")
    p.add_argument("--lr-decay", type=positive_float, metavar="FACTOR",
                   help="multiply the learning rate by FACTOR after each epoch")  # fmt: skip
    p.add_argument("--batch-size", type=positive_int, help="mini-batch size (default 100)")
    p.add_argument("--epochs", type=positive_int, help="passes over the training set")
    p.add_argument("--iters", type=positive_int, help="number of updates (instead of --epochs)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of weights, batch order and dropout (default 0)")  # fmt: skip
    p.add_argument("--grad", choices=["backprop", "numerical"], default="backprop",
                   help="how gradients are computed (numerical: ch. 4, very slow)")  # fmt: skip
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--batchnorm", action="store_true", help="multi-layer: batch normalisation")
    p.add_argument("--dropout", type=float, metavar="RATIO",
                   help="multi-layer: dropout with this ratio, e.g. 0.2")  # fmt: skip
    p.add_argument("--weight-decay", type=float, metavar="LAMBDA",
                   help="multi-layer: L2 weight decay lambda, e.g. 0.1")  # fmt: skip
    p.add_argument("--train-size", type=positive_int, metavar="N",
                   help="train on the first N images only")  # fmt: skip
    p.add_argument("--eval-samples", type=positive_int, metavar="N",
                   help="evaluate each epoch on the first N images of each set")  # fmt: skip
    p.add_argument("--checkpoint", metavar="DIR",
                   help="save a checkpoint there after every epoch (atomically)")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --checkpoint DIR")  # fmt: skip
    p.add_argument("--out", metavar="MODEL.npz", help="save the trained model")
    p.add_argument("--plot", metavar="CURVE.png", help="save loss and accuracy curves")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)
