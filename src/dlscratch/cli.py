"""The ``dlscratch`` command: parse arguments, call the library, print for a person.

Subcommands follow the book's order: ``gates`` (ch. 2), ``plot`` (figures of ch. 3-8),
``data`` (MNIST), ``infer`` (ch. 3, 7-8), ``train`` / ``evaluate`` (ch. 4-8),
``gradcheck`` (ch. 5), ``search`` (ch. 6.5), ``convert`` (book pickles to our model
files). Errors the user can fix are
printed as one ``error:`` line (exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dlscratch import __version__
from dlscratch.errors import DlscratchError

# --------------------------------------------------------------------------- helpers


# The library's argument names (the book's) and the flags that set them: errors raised
# by the library name the argument, and a CLI user should read the flag they typed.
_FLAGS = {
    "mini_batch_size": "--batch-size",
    "batch_size": "--batch-size",
    "train_size": "--train-size",
    "val_ratio": "--val-ratio",
    "dropout_ratio": "--dropout",
    "weight_decay_lambda": "--weight-decay",
    "weight_init_std": "--init",
    "lr_decay": "--lr-decay",
    "hidden_size_list": "--hidden",
    "hidden_size": "--hidden",
}
_FLAG_PATTERN = re.compile(r"(?<![-\w])(" + "|".join(_FLAGS) + r")\b")


def _with_flags(message: str) -> str:
    """``message`` with the library's argument names replaced by the CLI's flags."""
    return _FLAG_PATTERN.sub(lambda m: _FLAGS[m.group(1)], message)


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


def cmd_chapters(args: argparse.Namespace) -> int:
    from dlscratch.chapters import list_scripts, run_script

    if args.script is not None:
        run_script(args.script, args.script_args)
        return 0
    scripts = list_scripts()
    width = max(len(s.name) for s in scripts)
    chapter = ""
    for s in scripts:
        if s.name.split("/")[0] != chapter:
            chapter = s.name.split("/")[0]
            _out(f"\n{chapter}" if chapter != scripts[0].name.split("/")[0] else chapter)
        _out(f"  {s.name:{width}s}  {s.section:7s} {s.title_ko} / {s.title_en}")
    _out(
        "\nrun one: dlscratch chapters NAME [--help | options], e.g. "
        "dlscratch chapters ch03/neuralnet_mnist"
    )
    return 0


def digit_to_text(image: np.ndarray) -> str:
    """A 28x28 MNIST digit as text: 28 lines of 56 characters, two per pixel.

    ``image`` is any array of 784 values (uint8 0-255 or floats in [0, 1]); darker ink
    gets denser characters. Raises ``ValueError`` for another size.
    """
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
    "multi-layer": "MultiLayerNet",
    "simple-conv": "SimpleConvNet",
    "deep-conv": "DeepConvNet",
}


def _network_from_file(path: str, model: str | None, dtype: str | None) -> Any:
    from dlscratch.io import load_network

    arch = _ARCHS[model] if model else "ThreeLayerNet"
    if dtype is None and Path(path).suffix != ".npz":
        dtype = "float32"  # the CLI's default; a .npz keeps the dtype it was saved in
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
    n = x.shape[0]
    start = time.perf_counter()
    accuracy = net.accuracy(x, t_test, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    correct = round(accuracy * n)
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


def _resolve_train_args(args: argparse.Namespace) -> dict[str, Any]:
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


def _init_value(init: str) -> float | str:
    try:
        return float(init)
    except ValueError:
        return init


def _build_network(args: argparse.Namespace, s: dict[str, Any]) -> Any:
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


def cmd_train(args: argparse.Namespace) -> int:
    from dlscratch.io import load_model, save_model
    from dlscratch.trainer import CHECKPOINT_NAME, Trainer, estimate_numerical_gradient_seconds

    s = _resolve_train_args(args)
    if args.resume and not args.checkpoint:
        raise DlscratchError("--resume needs --checkpoint DIR (where the run saved its state)")
    checkpoint = Path(args.checkpoint) / CHECKPOINT_NAME if args.checkpoint else None
    resuming = bool(args.resume and checkpoint is not None and checkpoint.is_file())
    if args.resume and not resuming:
        raise DlscratchError(f"--resume: no checkpoint at {checkpoint}")
    image = args.model in ("simple-conv", "deep-conv")
    (x_train, t_train), (x_test, t_test) = _load_mnist(args, flatten=not image)
    if args.train_size:
        x_train, t_train = x_train[: args.train_size], t_train[: args.train_size]
    if s["batch_size"] > x_train.shape[0]:
        raise DlscratchError(
            f"--batch-size: a mini-batch cannot hold more than the {x_train.shape[0]} "
            f"training images (--train-size); got {s['batch_size']}"
        )
    x_train = x_train.astype(args.dtype, copy=False)
    x_test = x_test.astype(args.dtype, copy=False)
    if resuming and checkpoint is not None:
        net = load_model(checkpoint, dtype=args.dtype)
        if net.architecture != _ARCHS[args.model]:
            raise DlscratchError(
                f"--resume: {checkpoint} holds a {net.architecture}, not --model {args.model}"
            )
    else:
        net = _build_network(args, s)
    trainer = Trainer(
        net, x_train, t_train, x_test, t_test,
        epochs=s["epochs"] or 1, mini_batch_size=s["batch_size"], optimizer=s["optimizer"],
        optimizer_param={"lr": s["lr"]}, seed=args.seed, iters=s["iters"], grad=args.grad,
        evaluate_sample_num_per_epoch=args.eval_samples, train_eval_samples=s["train_eval"],
        progress=not args.quiet, checkpoint_dir=args.checkpoint, lr_decay=s["lr_decay"],
        verbose=False,
    )  # fmt: skip
    if resuming and checkpoint is not None:
        trainer.load_checkpoint(checkpoint)
        _out(f"resuming from {checkpoint} at iteration {trainer.iteration}")
    n_params = sum(p.size for p in net.params.values())
    _out(
        f"model: {net.architecture} {net.get_config()} ({n_params:,} parameters, {net.dtype}); "
        f"{s['optimizer']} lr={trainer.optimizer.lr:g}, batch {s['batch_size']}, "
        f"{trainer.max_iter} iterations "
        f"({trainer.epochs} epochs of {trainer.iter_per_epoch}), {args.grad} gradients"
    )
    if args.grad == "numerical":
        bs = s["batch_size"]
        per_iter = estimate_numerical_gradient_seconds(net, x_train[:bs], t_train[:bs])
        _out(
            "numerical gradients are slow by nature: 2 forward passes for each of the "
            f"{n_params:,} parameters per iteration, about {per_iter:.2f} s per iteration "
            f"here, so about {per_iter * trainer.max_iter:.0f} s in all. Backprop "
            "(--grad backprop) gives the same gradient thousands of times faster."
        )
    try:
        history = trainer.train()
    finally:
        h = trainer.history
        if h.test_acc:
            _out("epoch  iteration  train acc  test acc  seconds")
            for i, (it, tr, te, sec) in enumerate(
                zip(h.epoch_iters, h.train_acc, h.test_acc, h.epoch_seconds, strict=True)
            ):
                _out(f"{i + 1:5d}  {it:9d}  {tr:9.4f}  {te:8.4f}  {sec:7.1f}")
    loss = history.loss
    _out(
        f"loss: {loss[0]:.4f} at the first iteration, {np.mean(loss[-10:]):.4f} "
        f"(mean of the last {min(10, len(loss))})"
    )
    _out(f"final test accuracy: {history.test_acc[-1]:.4f}  ({history.seconds:.1f} s)")
    if args.out:
        summary = {
            "settings": {**s, "seed": args.seed, "grad": args.grad},
            "test_acc": history.test_acc[-1],
        }
        _out(f"saved {save_model(net, args.out, extra={'training': summary})}")
    if args.plot:
        from dlscratch.plotting import plot_learning_curves

        fig = plot_learning_curves(history, title=f"{net.architecture}, {args.grad}")
        _save_plot(fig, args.plot)
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


def _std_list(value: str) -> list[float]:
    if value.strip().lower() == "book":
        from dlscratch.experiments import BOOK_BATCHNORM_STDS

        return [float(v) for v in BOOK_BATCHNORM_STDS]
    try:
        stds = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated stds like 1,0.1,0.01 (or 'book'), got {value!r}"
        ) from None
    if not stds or not all(np.isfinite(stds)) or min(stds) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive stds, got {value!r}")
    return stds


def _model_path(args: argparse.Namespace) -> str | None:
    if args.model_file and args.weights:
        raise DlscratchError("give the model file once: as MODEL or as --weights, not both")
    return args.model_file or args.weights


def _plot_optimizer_comparison(args: argparse.Namespace) -> Any:
    from dlscratch.experiments import BOOK_OPTIMIZER_COMPARISON, compare_optimizers
    from dlscratch.plotting import plot_optimizer_comparison

    (x_train, t_train), _ = _load_mnist(args)
    names = ", ".join(f"{k} (lr {lr:g})" for k, (_, lr) in BOOK_OPTIMIZER_COMPARISON.items())
    _out(f"training 784-100x4-10 (ReLU, He) with {names}: {args.iters} iterations, batch 128")
    start = time.perf_counter()
    losses = compare_optimizers(
        x_train, t_train, iters=args.iters, seed=args.seed, dtype=np.float32
    )
    _out(f"loss, mean of the last {min(100, args.iters)} iterations:")
    for name, curve in losses.items():
        _out(f"  {name:9s} {np.mean(curve[-100:]):.4f}")
    _out(f"({time.perf_counter() - start:.1f} s)")
    return plot_optimizer_comparison(losses)


def _plot_batchnorm(args: argparse.Namespace) -> Any:
    from dlscratch.experiments import BATCHNORM_STDS, batchnorm_comparison
    from dlscratch.plotting import plot_batchnorm_comparison

    (x_train, t_train), _ = _load_mnist(args)
    stds = args.stds if args.stds is not None else [float(v) for v in BATCHNORM_STDS]
    epochs = args.epochs or 20
    train_size = args.train_size or 1000
    _out(
        f"training 784-100x5-10 with and without batch norm for {len(stds)} init stds: "
        f"first {train_size} training images, {epochs} epochs, SGD lr 0.01, batch 100"
    )
    start = time.perf_counter()
    results = batchnorm_comparison(
        x_train, t_train, stds, epochs=epochs, train_size=train_size,
        batch_size=min(100, train_size), seed=args.seed, dtype=np.float32,
    )  # fmt: skip
    _out("final train accuracy (nan: that network's loss diverged):")
    _out("        std  with BN  without")
    for r in results:
        _out(
            f"  {r.weight_init_std:9.3g}  {r.with_batchnorm[-1]:7.4f}  "
            f"{r.without_batchnorm[-1]:7.4f}"
        )
    _out(f"({time.perf_counter() - start:.1f} s)")
    return plot_batchnorm_comparison(results)


def _plot_overfitting(args: argparse.Namespace) -> Any:
    from dlscratch.experiments import overfitting_experiment
    from dlscratch.plotting import plot_overfitting

    (x_train, t_train), (x_test, t_test) = _load_mnist(args)
    epochs = args.epochs or 200
    train_size = args.train_size or 300
    _out(
        f"training 784-100x6-10 on the first {train_size} training images for {epochs} "
        f"epochs (SGD lr 0.01, batch 100): plain, weight decay {args.weight_decay:g}, "
        f"dropout {args.dropout:g}; test accuracy on the first {args.eval_samples} test images"
    )
    start = time.perf_counter()
    runs = overfitting_experiment(
        x_train, t_train, x_test, t_test, train_size=train_size, epochs=epochs,
        weight_decay_lambda=args.weight_decay, dropout_ratio=args.dropout,
        eval_samples=args.eval_samples, seed=args.seed, dtype=np.float32,
    )  # fmt: skip
    _out("final accuracy:  train    test")
    for name, h in runs.items():
        _out(f"  {name:13s} {h.train_acc[-1]:.4f}  {h.test_acc[-1]:.4f}")
    _out(f"({time.perf_counter() - start:.1f} s)")
    titles = {
        "plain": "plain",
        "weight decay": f"weight decay λ={args.weight_decay:g}",
        "dropout": f"dropout {args.dropout:g}",
    }
    return plot_overfitting({titles[k]: v for k, v in runs.items()})


def _plot_filters(args: argparse.Namespace, path: str) -> Any:
    from dlscratch.experiments import first_conv_filters, fresh_network
    from dlscratch.plotting import plot_filters

    if Path(path).suffix != ".npz" and args.model not in ("simple-conv", "deep-conv"):
        raise DlscratchError(
            "--model: a book .pkl holds bare parameters; say which convolutional network "
            "they belong to: --model simple-conv or --model deep-conv"
        )
    net = _network_from_file(path, args.model, None)
    filters = first_conv_filters(net)
    before = first_conv_filters(fresh_network(net, args.seed)) if args.compare_init else None
    _out(f"{net.architecture}: first convolution has {filters.shape[0]} filters {filters.shape}")
    return plot_filters(
        filters, before=before, title=f"{net.architecture} conv1 filters ({Path(path).name})"
    )


def _plot_misclassified(args: argparse.Namespace, path: str) -> Any:
    from dlscratch.experiments import find_misclassified
    from dlscratch.plotting import plot_misclassified

    net = _network_from_file(path, args.model, None)
    _, (x_test, t_test) = _load_mnist(args)
    idx, pred = find_misclassified(net, _input_for(net, x_test), t_test, count=args.count)
    _out(f"{net.architecture}: first {len(idx)} misclassified test images")
    _out("  index  true  predicted")
    for i, y in zip(idx, pred, strict=True):
        _out(f"  {i:5d}  {int(t_test[i]):4d}  {int(y):9d}")
    return plot_misclassified(
        x_test[idx], t_test[idx], pred, idx,
        title=f"{net.architecture} ({Path(path).name}): first {len(idx)} misclassified "
        "test digits (book fig. 8-2)",
    )  # fmt: skip


_MODEL_PLOTS = ("filters", "misclassified")


def _plot_figure(name: str, args: argparse.Namespace) -> Any:
    from dlscratch import plotting

    path = _model_path(args)
    if name in _MODEL_PLOTS and not path:
        raise DlscratchError(
            f"plot {name} needs a MODEL file: our .npz, or a book .pkl (--model says which network)"
        )
    if name not in _MODEL_PLOTS and path:
        raise DlscratchError(
            f"MODEL: plot {name} takes no model file (only {' and '.join(_MODEL_PLOTS)} do)"
        )
    if name == "filters" and path:
        return _plot_filters(args, path)
    if name == "misclassified" and path:
        return _plot_misclassified(args, path)
    if name == "init-histograms":
        from dlscratch.experiments import init_activations

        acts = init_activations(args.activation, seed=args.seed)
        _out(f"{args.activation}: std of the activations of layers 1-5 (1000 inputs of 100)")
        for label, a in acts.items():
            _out(f"  {label:18s}" + "".join(f"{v:10.3g}" for v in a.std(axis=(1, 2))))
        return plotting.plot_init_histograms(acts, args.activation)
    if name == "optimizers":
        from dlscratch.experiments import optimizer_paths, optimizer_test_function

        paths = optimizer_paths()
        _out("after 30 steps from (-7, 2) on f(x, y) = x²/20 + y²:")
        for p in paths.values():
            x, y = p.path[-1]
            f = float(optimizer_test_function(x, y))
            _out(f"  {p.name:9s} lr {p.lr:<5g} at ({x:8.4f}, {y:8.4f}), f = {f:.2e}")
        return plotting.plot_optimizer_paths(paths)
    if name == "optimizer-comparison":
        return _plot_optimizer_comparison(args)
    if name == "batchnorm":
        return _plot_batchnorm(args)
    if name == "overfitting":
        return _plot_overfitting(args)
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
    "optimizers": "SGD, Momentum, AdaGrad and Adam on x^2/20 + y^2 from (-7, 2) (fig. 6-8)",
    "init-histograms": "activations of 5 layers for 3 weight inits, --activation sigmoid "
    "(std 1, 0.01, Xavier; figs. 6-10, 6-11, 6-13) or relu (std 0.01, Xavier, He; "
    "fig. 6-14) or tanh",
    "optimizer-comparison": "MNIST loss of SGD, Momentum, AdaGrad, Adam, --iters 2000 "
    "(fig. 6-9; about 20 s)",
    "batchnorm": "train accuracy with vs without batch norm for several init stds, --stds, "
    "--epochs 20, --train-size 1000 (fig. 6-18; about 10 s)",
    "overfitting": "train vs test accuracy on 300 images: plain, weight decay, dropout, "
    "--epochs 200 (figs. 6-20, 6-21, 6-23; about 10 s)",
    "filters": "first conv layer's filters of MODEL, --compare-init for before/after "
    "training (fig. 7-24)",
    "misclassified": "first --count 20 misclassified test digits of MODEL (fig. 8-2)",
}


def cmd_plot(args: argparse.Namespace) -> int:
    fig = _plot_figure(args.name, args)
    _save_plot(fig, args.output or f"{args.name}.png")
    return 0


# --------------------------------------------------------------------------- search


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1 and n != -1:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of processes or -1 (all cores), got {value!r}"
        )
    return n


def _fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = -1.0
    if not 0.0 < x < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {value!r}")
    return x


def cmd_search(args: argparse.Namespace) -> int:
    from dlscratch.search import random_search

    # Hyper-parameters are chosen on a validation split of the TRAINING set; the test
    # set is not even passed on (book 6.5.1).
    (x_train, t_train), _ = _load_mnist(args)
    _out(
        f"random search: {args.trials} trials, lr 10^U(-6,-2), weight decay 10^U(-8,-4); "
        f"784-100x5-10, SGD, batch 100, {args.epochs} epochs each; {args.jobs} job(s), "
        f"seed {args.seed}"
    )
    start = time.perf_counter()
    result = random_search(
        x_train, t_train, n_trials=args.trials, epochs=args.epochs,
        train_size=args.train_size, val_ratio=args.val_ratio, seed=args.seed,
        n_jobs=args.jobs,
    )  # fmt: skip
    _out(
        f"data: the first {args.train_size} training images, {result.train_size} to train "
        f"on and {result.val_size} to validate on (the test set is not used)"
    )
    best = result.best(args.top)
    _out(f"best {len(best)} of {len(result.trials)} by final validation accuracy:")
    _out("  rank  val acc  train acc        lr  weight decay  trial")
    for rank, tr in enumerate(best, start=1):
        note = "  (diverged)" if tr.diverged else ""
        train = tr.train_acc[-1] if tr.train_acc else float("nan")
        _out(
            f"  {rank:4d}  {tr.final_val_acc:7.4f}  {train:9.4f}  {tr.lr:8.2e}  "
            f"{tr.weight_decay:12.2e}  {tr.index:5d}{note}"
        )
    _out(f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        from dlscratch.plotting import plot_search_results

        _save_plot(plot_search_results(result.trials, k=20), args.plot)
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

    p = sub.add_parser(
        "chapters",
        help="the book's examples as scripts: list them, or run one by name (ch. 2-8)",
        description="Without NAME, list the chapter scripts (book section, Korean and English "
        "title). With NAME (e.g. ch03/neuralnet_mnist), run that script; the options after "
        "NAME are the script's own (NAME --help lists them).",
    )
    p.add_argument("script", nargs="?", metavar="NAME", help="the script to run")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_chapters)

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
    p.add_argument("--hidden", type=_int_list, metavar="N[,N...]",
                   help="hidden layer size(s), e.g. 100 or 100,100,100")  # fmt: skip
    p.add_argument("--activation", choices=["relu", "sigmoid"], help="hidden activation")
    p.add_argument("--init", metavar="STD",
                   help="weight init: he (relu), xavier (sigmoid) or a std like 0.01")  # fmt: skip
    p.add_argument("--optimizer", metavar="NAME",
                   help="sgd, momentum, nesterov, adagrad, rmsprop or adam")  # fmt: skip
    p.add_argument("--lr", type=_positive_float, help="learning rate")
    p.add_argument("--lr-decay", type=_positive_float, metavar="FACTOR",
                   help="multiply the learning rate by FACTOR after each epoch")  # fmt: skip
    p.add_argument("--batch-size", type=_positive_int, help="mini-batch size (default 100)")
    p.add_argument("--epochs", type=_positive_int, help="passes over the training set")
    p.add_argument("--iters", type=_positive_int, help="number of updates (instead of --epochs)")
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
    p.add_argument("--train-size", type=_positive_int, metavar="N",
                   help="train on the first N images only")  # fmt: skip
    p.add_argument("--eval-samples", type=_positive_int, metavar="N",
                   help="evaluate each epoch on the first N images of each set")  # fmt: skip
    p.add_argument("--checkpoint", metavar="DIR",
                   help="save a checkpoint there after every epoch (atomically)")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --checkpoint DIR")  # fmt: skip
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
        parents=[data_parent],
        help="draw a figure of the book",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Figures (with the flags that apply to each):\n"
        + "\n".join(
            textwrap.fill(v, 88, initial_indent=f"  {k:21s}", subsequent_indent=" " * 23)
            for k, v in PLOTS.items()
        )
        + "\n\nThe training figures default to the book's settings or smaller ones (see "
        "each flag),\nso that each takes well under a minute on 2 cores.",
    )
    p.add_argument("name", choices=sorted(PLOTS), metavar="NAME", help=", ".join(sorted(PLOTS)))
    p.add_argument("model_file", nargs="?", metavar="MODEL",
                   help="filters, misclassified: a .npz model file or a book .pkl")  # fmt: skip
    p.add_argument("-o", "--output", metavar="FILE.png", help="where to save (default NAME.png)")
    p.add_argument("--weights", metavar="PATH", help="the model file, instead of MODEL")
    p.add_argument("--model", choices=model_choices,
                   help="architecture of a .pkl model file (filters: simple-conv or "
                   "deep-conv; misclassified: default three-layer)")  # fmt: skip
    p.add_argument("--activation", choices=["sigmoid", "relu", "tanh"], default="sigmoid",
                   help="init-histograms: hidden activation (default sigmoid)")  # fmt: skip
    p.add_argument("--iters", type=_positive_int, default=2000, metavar="N",
                   help="optimizer-comparison: updates per optimizer (default 2000, as the "
                   "book)")  # fmt: skip
    p.add_argument("--epochs", type=_positive_int, metavar="N",
                   help="batchnorm: default 20 (book); overfitting: default 200 (book: 201 "
                   "for weight decay, 301 for dropout)")  # fmt: skip
    p.add_argument("--stds", type=_std_list, metavar="STD[,STD...]",
                   help="batchnorm: weight-init stds, or 'book' for the book's 16 "
                   "(default 6 of them: 1, 0.158, 0.0251, 0.00398, 0.00063, 0.0001)")  # fmt: skip
    p.add_argument("--train-size", type=_positive_int, metavar="N",
                   help="batchnorm (default 1000) and overfitting (default 300): train on "
                   "the first N training images")  # fmt: skip
    p.add_argument("--eval-samples", type=_positive_int, default=1000, metavar="N",
                   help="overfitting: test accuracy on the first N test images each epoch "
                   "(default 1000; 10000 is the book's, and slower)")  # fmt: skip
    p.add_argument("--weight-decay", type=float, default=0.1, metavar="LAMBDA",
                   help="overfitting: weight decay lambda (default 0.1, book)")  # fmt: skip
    p.add_argument("--dropout", type=_fraction, default=0.2, metavar="RATIO",
                   help="overfitting: dropout ratio (default 0.2, as the book's code on the "
                   "same 784-100x6-10 net; its text mentions 0.15)")  # fmt: skip
    p.add_argument("--compare-init", action="store_true",
                   help="filters: draw a freshly initialised network's filters beside "
                   "(before vs after training, fig. 7-24)")  # fmt: skip
    p.add_argument("--count", type=_positive_int, default=20, metavar="N",
                   help="misclassified: how many (default 20)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0,
                   help="seed of weights, batches and random inputs (default 0)")  # fmt: skip
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser(
        "search",
        parents=[data_parent],
        help="random search of learning rate and weight decay on a validation split (6.5)",
        description="Random search (book 6.5.3): lr = 10^U(-6,-2), weight decay = "
        "10^U(-8,-4); each trial trains a 784-100x5-10 MultiLayerNet with SGD (batch 100) "
        "on part of the first --train-size TRAINING images and scores it on the rest "
        "(--val-ratio). The test set is never used. Same --seed, same trials, for any "
        "--jobs.",
    )
    p.add_argument("--trials", type=_positive_int, default=20,
                   help="number of trials (default 20; the book runs 100)")  # fmt: skip
    p.add_argument("--epochs", type=_positive_int, default=50,
                   help="epochs per trial (default 50, book)")  # fmt: skip
    p.add_argument("--train-size", type=_positive_int, default=500, metavar="N",
                   help="use the first N training images (default 500, book)")  # fmt: skip
    p.add_argument("--val-ratio", type=_fraction, default=0.2,
                   help="fraction of them held out for validation (default 0.2, book)")  # fmt: skip
    p.add_argument("--jobs", type=_jobs, default=1,
                   help="trials run in parallel processes (default 1; -1: all cores)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the whole search (default 0)")
    p.add_argument("--top", type=_positive_int, default=10,
                   help="print the best K trials (default 10)")  # fmt: skip
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw validation and train accuracy per epoch of the best 20 trials "
                   "(book fig. 6-24)")  # fmt: skip
    p.set_defaults(func=cmd_search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlscratch`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`dlscratch gates | head`): stop quietly, and point
        # stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (DlscratchError, ValueError, OSError) as e:
        # Bad input the user can fix (dlscratch's errors, ValueErrors raised while
        # validating arguments, files that cannot be read or written): one line.
        _err(f"error: {_with_flags(str(e))}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
