"""The ``dlscratch`` command: parse arguments, call the library, print for a person.

Subcommands follow the book's order: ``gates`` (ch. 2), ``plot`` (figures of ch. 3-6),
``data`` (MNIST), ``infer`` (ch. 3), ``train`` / ``evaluate`` (ch. 4-6), ``gradcheck``
(ch. 5), ``convert`` (book pickles to our model files). Errors the user can fix are
printed as one ``error:`` line (exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dlscratch import __version__
from dlscratch.errors import DlscratchError

# --------------------------------------------------------------------------- helpers


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def _positive_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return x


def _int_list(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 100,100, got {value!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {value!r}")
    return sizes


def _load_mnist(args: argparse.Namespace, flatten: bool = True, normalize: bool = True) -> Any:
    from dlscratch.datasets import load_mnist

    return load_mnist(
        normalize=normalize, flatten=flatten, one_hot_label=False, data_dir=args.data_dir
    )


def _save_plot(fig: Any, path: str) -> None:
    from dlscratch.plotting import save_figure

    _out(f"saved {save_figure(fig, path)}")


# --------------------------------------------------------------------------- gates


def cmd_gates(args: argparse.Namespace) -> int:
    from dlscratch.perceptron import AND, NAND, OR, XOR, truth_table

    gates = {"AND": AND, "NAND": NAND, "OR": OR, "XOR": XOR}
    for name, gate in gates.items():
        note = "  (two layers: AND(NAND(x), OR(x)))" if name == "XOR" else f"  {gate!r}"
        _out(f"{name}{note}")
        _out("  x1 x2 | y")
        for x1, x2, y in truth_table(gate):
            _out(f"   {x1}  {x2} | {y}")
        _out()
    return 0


# --------------------------------------------------------------------------- data

_SHADES = " .:-=+*#%@"


def digit_to_text(image: np.ndarray) -> str:
    """A 28x28 digit as text, two characters per pixel, darker pixels denser."""
    img = np.asarray(image, dtype=np.float64).reshape(28, 28)
    if img.max() > 1.0:
        img = img / 255.0
    idx = np.clip((img * (len(_SHADES) - 1)).round().astype(int), 0, len(_SHADES) - 1)
    return "\n".join("".join(_SHADES[i] * 2 for i in row) for row in idx)


def cmd_data_info(args: argparse.Namespace) -> int:
    from dlscratch.datasets import mnist_info

    info = mnist_info(data_dir=args.data_dir)
    _out(f"MNIST folder: {info.data_dir}  (from {info.source})")
    for f in info.files:
        if not f.present:
            status = "missing"
        elif f.verified:
            status = f"verified (MD5 of the content matches), {f.records} records"
        else:
            status = f"NOT verified: {f.error}"
        _out(f"  {f.path.name:30s} {status}")
    if not info.ok:
        _out(
            "Some files are missing or wrong. Put the four MNIST files in a folder and "
            "pass --data-dir DIR or set DLSCRATCH_DATA_DIR. With internet, leave both "
            "unset: any command that loads MNIST then downloads them into dlscratch's "
            "cache folder."
        )
    return 0 if info.ok else 1


def cmd_data_show(args: argparse.Namespace) -> int:
    (x_train, t_train), (x_test, t_test) = _load_mnist(args, normalize=False)
    x, t, split = (x_test, t_test, "test") if args.test else (x_train, t_train, "train")
    if not 0 <= args.index < x.shape[0]:
        raise DlscratchError(
            f"INDEX: expected 0..{x.shape[0] - 1} for the {split} set, got {args.index}"
        )
    label = int(t[args.index])
    _out(digit_to_text(x[args.index]))
    _out(f"{split} image #{args.index}: label {label}")
    if args.output:
        from dlscratch.plotting import plot_digit

        _save_plot(
            plot_digit(x[args.index], label, f"{split} #{args.index}: label {label}"), args.output
        )
    return 0


# --------------------------------------------------------------------------- models

_ARCHS = {
    "three-layer": "ThreeLayerNet",
    "two-layer": "TwoLayerNet",
}


def _network_from_file(path: str, model: str | None, dtype: str | None) -> Any:
    from dlscratch.io import load_network

    arch = _ARCHS[model] if model else "ThreeLayerNet"
    return load_network(path, architecture=arch, dtype=dtype)


def _input_for(network: Any, x: np.ndarray) -> np.ndarray:
    # Convolutional networks take (N, 1, 28, 28); the others flat (N, 784).
    if getattr(network, "input_is_image", False):
        return x.reshape(-1, 1, 28, 28)
    return x.reshape(x.shape[0], -1)


def cmd_infer(args: argparse.Namespace) -> int:
    net = _network_from_file(args.weights, args.model, args.dtype)
    _, (x_test, t_test) = _load_mnist(args)
    x = _input_for(net, x_test)
    if args.limit:
        x, t_test = x[: args.limit], t_test[: args.limit]
    start = time.perf_counter()
    correct = 0
    for i in range(0, x.shape[0], args.batch_size):
        y = net.predict(x[i : i + args.batch_size])
        correct += int(np.sum(np.argmax(y, axis=1) == t_test[i : i + args.batch_size]))
    seconds = time.perf_counter() - start
    n = x.shape[0]
    _out(f"model: {net.architecture} {net.get_config()} ({net.dtype}) from {args.weights}")
    _out(f"Accuracy: {correct / n:.4f} ({correct}/{n} correct)")
    _out(f"throughput: {n / seconds:,.0f} images/s (batch size {args.batch_size}, {seconds:.3f} s)")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from dlscratch.io import save_model

    net = _network_from_file(args.input, args.model, None)
    path = save_model(net, args.output, extra={"converted_from": Path(args.input).name})
    _out(f"saved {net.architecture} ({net.dtype}) to {path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = _network_from_file(args.model_file, args.model, args.dtype)
    _, (x_test, t_test) = _load_mnist(args)
    x = _input_for(net, x_test)
    pred = np.concatenate(
        [
            net.predict(x[i : i + args.batch_size]).argmax(axis=1)
            for i in range(0, len(x), args.batch_size)
        ]
    )
    k = 10
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (t_test.astype(np.intp), pred), 1)
    correct = int(np.trace(confusion))
    _out(f"model: {net.architecture} {net.get_config()} ({net.dtype})")
    _out(f"test accuracy: {correct / len(t_test):.4f} ({correct}/{len(t_test)})")
    _out()
    _out("per-class accuracy:")
    for c in range(k):
        total = int(confusion[c].sum())
        _out(f"  {c}: {confusion[c, c] / max(total, 1):.4f}  ({confusion[c, c]}/{total})")
    _out()
    _out("confusion matrix (rows: true label, columns: predicted):")
    _out("      " + "".join(f"{c:>6d}" for c in range(k)))
    for c in range(k):
        _out(f"  {c:>2d}  " + "".join(f"{v:>6d}" for v in confusion[c]))
    return 0


# --------------------------------------------------------------------------- train

# `--book` is the recipe of the book's ch05/train_neuralnet.py; the defaults go beyond it.
BOOK_RECIPE = {
    "hidden": [50],
    "activation": "relu",
    "init": "0.01",
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": 100,
    "iters": 10000,
    "epochs": None,
}
DEFAULTS = {
    "hidden": [100],
    "activation": "relu",
    "init": "he",
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": 100,
    "iters": None,
    "epochs": 10,
}


def _resolve_train_args(args: argparse.Namespace) -> dict[str, Any]:
    base = BOOK_RECIPE if args.book else DEFAULTS
    settings = {
        k: (getattr(args, k) if getattr(args, k) is not None else v) for k, v in base.items()
    }
    if args.epochs is not None and args.iters is None:
        settings["iters"] = None
    if args.grad == "numerical" and args.hidden is None and not args.book:
        settings["hidden"] = [10]
    return settings


def _build_network(model: str, s: dict[str, Any], seed: int | None, dtype: str) -> Any:
    from dlscratch.networks import TwoLayerNet

    init: float | str = s["init"]
    try:
        init = float(init)
    except ValueError:
        pass
    if model == "two-layer":
        if len(s["hidden"]) != 1:
            raise DlscratchError(
                f"--hidden: two-layer takes one hidden size, got {s['hidden']}; "
                "use --model multi-layer for more layers"
            )
        return TwoLayerNet(
            784,
            s["hidden"][0],
            10,
            weight_init_std=init,
            seed=seed,
            activation=s["activation"],
            dtype=dtype,
        )
    raise DlscratchError(f"--model: unknown model {model!r}")


def cmd_train(args: argparse.Namespace) -> int:
    from dlscratch.io import save_model
    from dlscratch.trainer import Trainer, estimate_numerical_gradient_seconds

    s = _resolve_train_args(args)
    (x_train, t_train), (x_test, t_test) = _load_mnist(args)
    if args.train_size:
        x_train, t_train = x_train[: args.train_size], t_train[: args.train_size]
    dtype = args.dtype
    x_train = x_train.astype(dtype, copy=False)
    x_test = x_test.astype(dtype, copy=False)
    net = _build_network(args.model, s, args.seed, dtype)
    trainer = Trainer(
        net,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=s["epochs"] or 1,
        mini_batch_size=s["batch_size"],
        optimizer=s["optimizer"],
        optimizer_param={"lr": s["lr"]},
        seed=args.seed,
        iters=s["iters"],
        grad=args.grad,
        evaluate_sample_num_per_epoch=args.eval_samples,
        progress=not args.quiet,
    )
    n_params = sum(p.size for p in net.params.values())
    _out(
        f"model: {net.architecture} {net.get_config()} ({n_params:,} parameters, {net.dtype}); "
        f"{s['optimizer']} lr={s['lr']}, batch {s['batch_size']}, {trainer.max_iter} iterations "
        f"({trainer.epochs} epochs of {trainer.iter_per_epoch}), {args.grad} gradients"
    )
    if args.grad == "numerical":
        per_iter = estimate_numerical_gradient_seconds(
            net, x_train[: s["batch_size"]], t_train[: s["batch_size"]]
        )
        _out(
            "numerical gradients are slow by nature: 2 forward passes for each of the "
            f"{n_params:,} parameters per iteration, about {per_iter:.2f} s per iteration "
            f"here, so about {per_iter * trainer.max_iter:.0f} s in all. Backprop "
            "(--grad backprop) gives the same gradient thousands of times faster."
        )
    try:
        history = trainer.train()
    finally:
        if trainer.history.test_acc:
            _out("epoch  iteration  train acc  test acc")
            for i, (it, tr, te) in enumerate(
                zip(
                    trainer.history.epoch_iters,
                    trainer.history.train_acc,
                    trainer.history.test_acc,
                    strict=True,
                )
            ):
                _out(f"{i + 1:5d}  {it:9d}  {tr:9.4f}  {te:8.4f}")
    loss = history.loss
    _out(
        f"loss: {loss[0]:.4f} at the first iteration, {np.mean(loss[-10:]):.4f} "
        f"(mean of the last {min(10, len(loss))})"
    )
    _out(f"final test accuracy: {history.test_acc[-1]:.4f}  ({history.seconds:.1f} s)")
    if args.out:
        extra = {
            "training": {
                "settings": {**s, "seed": args.seed, "grad": args.grad},
                "test_acc": history.test_acc[-1],
            }
        }
        _out(f"saved {save_model(net, args.out, extra=extra)}")
    if args.plot:
        from dlscratch.plotting import plot_learning_curves

        _save_plot(
            plot_learning_curves(history, title=f"{net.architecture}, {args.grad}"), args.plot
        )
    return 0


# --------------------------------------------------------------------------- gradcheck


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from dlscratch.gradient import gradient_check
    from dlscratch.networks import TwoLayerNet

    (x_train, t_train), _ = _load_mnist(args)
    x, t = x_train[: args.samples].astype(args.dtype), t_train[: args.samples]
    net = TwoLayerNet(
        784,
        args.hidden,
        10,
        weight_init_std="he",
        seed=args.seed,
        activation=args.activation,
        dtype=args.dtype,
    )
    _out(
        f"gradient check: {net.architecture} {net.get_config()} ({args.dtype}), "
        f"{args.samples} MNIST samples"
    )
    _out(f"{'param':6s} {'shape':>12s} {'mean |diff|':>12s} {'max |diff|':>12s} {'max rel':>12s}")
    for row in gradient_check(net, x, t):
        _out(
            f"{row.name:6s} {row.shape!s:>12s} {row.mean_abs_diff:12.3e} "
            f"{row.max_abs_diff:12.3e} {row.max_rel_diff:12.3e}"
        )
    return 0


# --------------------------------------------------------------------------- plot


def _plot_figure(name: str, args: argparse.Namespace) -> Any:
    from dlscratch import plotting

    simple: dict[str, Callable[[], Any]] = {
        "activations": plotting.plot_activations,
        "tangent": plotting.plot_tangent,
        "gradient-field": plotting.plot_gradient_field,
        "descent": plotting.plot_descent_path,
    }
    return simple[name]()


PLOTS = {
    "activations": "step, sigmoid and ReLU (book ch. 3)",
    "tangent": "numerical derivative as a tangent line (fig. 4-7)",
    "gradient-field": "negative gradient field of x0^2 + x1^2 (fig. 4-9)",
    "descent": "gradient-descent path from (-3, 4) (fig. 4-10)",
}


def cmd_plot(args: argparse.Namespace) -> int:
    fig = _plot_figure(args.name, args)
    _save_plot(fig, args.output or f"{args.name}.png")
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlscratch",
        description="Deep Learning from Scratch, chapter by chapter, on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"dlscratch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_parent = argparse.ArgumentParser(add_help=False)
    data_parent.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the four MNIST files (default: $DLSCRATCH_DATA_DIR, else the cache, "
        "downloading if needed)",
    )

    p = sub.add_parser("gates", help="truth tables of AND, NAND, OR and XOR (ch. 2)")
    p.set_defaults(func=cmd_gates)

    p = sub.add_parser("data", help="the MNIST files: where they are, and single digits")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    q = dsub.add_parser(
        "info", parents=[data_parent], help="where MNIST is, verified or not, counts"
    )
    q.set_defaults(func=cmd_data_info)
    q = dsub.add_parser("show", parents=[data_parent], help="draw one digit in the terminal")
    q.add_argument("index", type=int, metavar="INDEX", help="which image (0-based)")
    q.add_argument("--test", action="store_true", help="from the test set (default: training set)")
    q.add_argument("-o", "--output", metavar="FILE.png", help="also save it as an image")
    q.set_defaults(func=cmd_data_show)

    model_choices = sorted(_ARCHS)
    p = sub.add_parser(
        "infer",
        parents=[data_parent],
        help="accuracy and speed of a trained network on the MNIST test set (ch. 3.6)",
    )
    p.add_argument(
        "--weights",
        required=True,
        metavar="PATH",
        help="book pickle (e.g. sample_weight.pkl) or our .npz model file",
    )
    p.add_argument(
        "--model",
        choices=model_choices,
        help="architecture of a .pkl file (default three-layer; .npz files name their own)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=100,
        help="images per forward pass (default 100)",
    )
    p.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        help="compute in this dtype (default: float32 for .pkl, as stored for .npz)",
    )
    p.add_argument("--limit", type=_positive_int, help="only the first N test images")
    p.set_defaults(func=cmd_infer)

    p = sub.add_parser("convert", help="turn a book .pkl weight file into a .npz model file")
    p.add_argument("input", metavar="IN.pkl")
    p.add_argument("output", metavar="OUT.npz")
    p.add_argument(
        "--model", choices=model_choices, help="architecture of the weights (default three-layer)"
    )
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser(
        "evaluate",
        parents=[data_parent],
        help="test accuracy, per-class accuracy and confusion matrix of a model",
    )
    p.add_argument("model_file", metavar="MODEL", help=".npz model file (or a book .pkl)")
    p.add_argument("--model", choices=model_choices, help="architecture of a .pkl file")
    p.add_argument("--batch-size", type=_positive_int, default=500)
    p.add_argument("--dtype", choices=["float32", "float64"])
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "train",
        parents=[data_parent],
        help="train a network on MNIST (ch. 4-6)",
        description="Train on MNIST. Defaults: 784-100-10 ReLU network, He init, SGD lr 0.1, "
        "batch 100, 10 epochs. --book uses the book's ch. 5 recipe instead: 784-50-10, "
        "weight std 0.01, SGD lr 0.1, batch 100, 10000 iterations.",
    )
    p.add_argument(
        "--model", default="two-layer", choices=["two-layer"], help="network (default two-layer)"
    )
    p.add_argument("--book", action="store_true", help="the book's ch. 5 recipe (see above)")
    p.add_argument(
        "--hidden", type=_int_list, metavar="N[,N...]", help="hidden layer size(s) (default 100)"
    )
    p.add_argument(
        "--activation", choices=["relu", "sigmoid"], help="hidden activation (default relu)"
    )
    p.add_argument(
        "--init", metavar="STD", help="weight init: he, xavier or a std like 0.01 (default he)"
    )
    p.add_argument(
        "--optimizer",
        metavar="NAME",
        help="sgd, momentum, nesterov, adagrad, rmsprop, adam (default sgd)",
    )
    p.add_argument("--lr", type=_positive_float, help="learning rate (default 0.1)")
    p.add_argument("--batch-size", type=_positive_int, help="mini-batch size (default 100)")
    p.add_argument("--epochs", type=_positive_int, help="passes over the training set (default 10)")
    p.add_argument("--iters", type=_positive_int, help="number of updates (instead of --epochs)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights and batch order (default 0)",
    )
    p.add_argument(
        "--grad",
        choices=["backprop", "numerical"],
        default="backprop",
        help="how gradients are computed (numerical: ch. 4, very slow)",
    )
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument(
        "--train-size", type=_positive_int, metavar="N", help="train on the first N images only"
    )
    p.add_argument(
        "--eval-samples",
        type=_positive_int,
        metavar="N",
        help="evaluate accuracy on the first N images of each set (default all)",
    )
    p.add_argument("--out", metavar="MODEL.npz", help="save the trained model")
    p.add_argument("--plot", metavar="CURVE.png", help="save loss and accuracy curves")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "gradcheck",
        parents=[data_parent],
        help="backprop vs numerical gradients of TwoLayerNet (ch. 5.7.3)",
    )
    p.add_argument("--samples", type=_positive_int, default=3)
    p.add_argument("--hidden", type=_positive_int, default=10)
    p.add_argument("--activation", choices=["relu", "sigmoid"], default="relu")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_gradcheck)

    p = sub.add_parser(
        "plot",
        help="draw a figure of the book",
        description="Figures: " + "; ".join(f"{k}: {v}" for k, v in PLOTS.items()),
    )
    p.add_argument("name", choices=sorted(PLOTS), metavar="NAME", help=", ".join(sorted(PLOTS)))
    p.add_argument("-o", "--output", metavar="FILE.png", help="where to save (default NAME.png)")
    p.set_defaults(func=cmd_plot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlscratch`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (DlscratchError, ValueError) as e:
        # Bad input the user can fix (dlscratch's errors, and ValueErrors raised while
        # validating arguments): one line, no traceback.
        _err(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
