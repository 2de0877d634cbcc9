"""``dlscratch train``: train a network on MNIST (ch. 4-8).

``cmd_train`` reads as its steps: check where results will go, load the data, build (or
resume) the network, train it, report. The per-model defaults are the table below.

What a run produces is not lost to a mistake found late: ``--out``, ``--plot`` and
``--checkpoint`` are checked before the first iteration; a final save that fails anyway
keeps the model in a temporary file and says where; Ctrl-C saves a checkpoint (with
``--checkpoint``) and prints the command that continues the run.
"""

from __future__ import annotations

import argparse
import os
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dlscratch.cli._argtypes import int_list, positive_float, positive_int
from dlscratch.cli._common import (
    describe,
    err,
    load_mnist,
    out,
    output_file,
    output_folder,
    save_plot,
)
from dlscratch.errors import DlscratchError

# Per-model defaults. `--book` (two-layer only) is the recipe of the book's
# ch05/train_neuralnet.py; the two-layer defaults go beyond it.
_COMMON_DEFAULTS: dict[str, Any] = {
    "activation": "relu",
    "batch_size": 100,
    "iters": None,
    "eval_samples": None,  # Trainer's evaluate_sample_num_per_epoch: all, each epoch
    "lr_decay": 1.0,
}
BOOK_RECIPE: dict[str, Any] = {
    **_COMMON_DEFAULTS, "hidden": [50], "init": "0.01", "optimizer": "sgd", "lr": 0.1,
    "iters": 10000, "epochs": None,
}  # fmt: skip
_ADAM = {"optimizer": "adam", "lr": 0.001}
# ConvNets: training accuracy on 10000 images (minutes saved), test accuracy on all.
_TRAIN_10000 = {"train": 10000, "test": None}
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
                    "epochs": 15, "eval_samples": _TRAIN_10000, "lr_decay": 0.85},
    "deep-conv": {**_COMMON_DEFAULTS, **_ADAM, "hidden": [50], "init": "he",
                  "epochs": 10, "eval_samples": _TRAIN_10000, "lr_decay": 0.8},
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
        settings["eval_samples"] = args.eval_samples
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


def check_outputs(args: argparse.Namespace) -> None:
    """Before any data is read: every file the run will write can be written.

    ``--out`` and ``--plot`` (see :func:`~dlscratch.cli._common.output_file`), and
    ``--checkpoint DIR``, which must not hold a checkpoint unless ``--resume`` continues
    it (a new run would overwrite it)."""
    from dlscratch.trainer import CHECKPOINT_NAME

    if args.checkpoint is not None:
        folder = Path(args.checkpoint)
        existing = folder / CHECKPOINT_NAME
        if existing.exists() and not args.resume:
            raise DlscratchError(
                f"--checkpoint: {folder} already holds a checkpoint ({_progress_of(existing)}); "
                "pass --resume to continue it, or give a new folder to start a new run "
                "(a new run would overwrite it)"
            )
        output_folder(args.checkpoint, "--checkpoint")
        output_file(str(existing), "--checkpoint")
    if args.out is not None:
        output_file(args.out, "--out", ".npz")
    if args.plot is not None:
        output_file(args.plot, "--plot")


def _progress_of(checkpoint: Path) -> str:
    """``'iteration 60 of 100'``, read from a checkpoint's metadata (or its file name)."""
    from dlscratch.io import read_model_file

    try:
        state = read_model_file(checkpoint).meta["trainer"]
        done, total = int(state["iteration"]), int(state["max_iter"])
        return f"{checkpoint.name}, at iteration {done} of {total}"
    except Exception:  # a damaged file: --resume will say what is wrong with it
        return checkpoint.name


# The options that shape a network, and the entries of get_config() each one sets.
_ARCHITECTURE_FLAGS: dict[str, tuple[str, ...]] = {
    "--hidden": ("hidden_size", "hidden_size_list"),
    "--activation": ("activation",),
    "--init": ("weight_init_std",),
    "--batchnorm": ("use_batchnorm",),
    "--dropout": ("use_dropout", "dropout_ratio"),
    "--weight-decay": ("weight_decay_lambda",),
}


def _architecture_flags_given(args: argparse.Namespace) -> list[str]:
    given = {
        "--hidden": args.hidden is not None or args.book,
        "--activation": args.activation is not None,
        "--init": args.init is not None or args.book,
        "--batchnorm": args.batchnorm,
        "--dropout": args.dropout is not None,
        "--weight-decay": args.weight_decay is not None,
    }
    return [flag for flag, yes in given.items() if yes]


def refuse_other_architecture(
    args: argparse.Namespace, s: dict[str, Any], net: Any, checkpoint: Path
) -> None:
    """``--resume`` continues the checkpoint's network: architecture options given now
    must describe that very network (they cannot change it half-way)."""
    flags = _architecture_flags_given(args)
    if not flags:
        return
    wanted, have = build_network(args, s).get_config(), net.get_config()
    differences = []
    for flag in flags:
        keys = [k for k in _ARCHITECTURE_FLAGS[flag] if k in wanted]
        if any(wanted[k] != have.get(k) for k in keys):
            now = ", ".join(_shown(wanted.get(k)) for k in keys)
            then = ", ".join(_shown(have.get(k)) for k in keys)
            differences.append(f"{flag}: {now} asked, {then} in the checkpoint")
    if differences:
        raise DlscratchError(
            f"--resume: {checkpoint} holds another network than these options describe "
            f"({'; '.join(differences)}). A resumed run keeps its network: drop those "
            "options to continue it, or start a new run in a new --checkpoint folder"
        )


def check_free_space(args: argparse.Namespace, trainer: Any) -> None:
    """Before the first iteration: the folders of ``--out`` and ``--checkpoint`` have
    room for the files the run will write there (the model's arrays; a checkpoint adds
    the optimizer's state and the batch order), plus a margin for the metadata."""
    import shutil

    net = trainer.network
    model = sum(int(np.asarray(a).nbytes) for a in [*net.params.values(), *net.buffers().values()])
    per_param = len(getattr(trainer.optimizer, "_state_names", ()))  # Adam: m and v
    checkpoint = model * (1 + per_param) + int(trainer.x_train.shape[0]) * 8
    needs: dict[Path, int] = {}
    if args.out is not None:
        needs[Path(args.out).parent] = model
    if args.checkpoint is not None:
        folder = Path(args.checkpoint)
        needs[folder] = needs.get(folder, 0) + checkpoint
    for folder, size in needs.items():
        size += 1 << 20  # metadata, history, the zip's own structures
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue  # the save itself will say what is wrong
        if free < size:
            raise DlscratchError(
                f"{folder}: the run will save about {size / 1e6:.1f} MB there, and only "
                f"{free / 1e6:.1f} MB are free; free some space or save elsewhere "
                "(--out, --checkpoint)"
            )


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


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
        evaluate_sample_num_per_epoch=s["eval_samples"],
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


def run_training(args: argparse.Namespace, trainer: Any) -> Any:
    """Train; print the per-epoch table even when training stops early.

    Returns the history, or an exit status when the run stopped early: 130 after
    Ctrl-C, 2 when a checkpoint could not be written. What could be kept then is saved,
    and stderr says where and how to continue.
    """
    try:
        return trainer.train()
    except KeyboardInterrupt:
        _after_interrupt(args, trainer)
        return 130
    except OSError as e:  # saving a checkpoint failed (full disk...)
        if not trainer.consistent:
            raise
        err(f"error: could not save the checkpoint in {args.checkpoint}: {e}")
        _rescue(trainer.save_checkpoint, "checkpoint", _resume_hint(args))
        return 2
    finally:
        h = trainer.history
        if h.test_acc:
            out("epoch  iteration  train acc  test acc  seconds")
            for i, (it, tr, te, sec) in enumerate(
                zip(h.epoch_iters, h.train_acc, h.test_acc, h.epoch_seconds, strict=True)
            ):
                out(f"{i + 1:5d}  {it:9d}  {tr:9.4f}  {te:8.4f}  {sec:7.1f}")


def resume_command(args: argparse.Namespace) -> str:
    """The command line that continues this run from its checkpoint."""
    argv = list(getattr(args, "argv", None) or ["train", "--checkpoint", str(args.checkpoint)])
    if "--resume" not in argv:
        argv.append("--resume")
    return "dlscratch " + shlex.join(argv)


def _resume_hint(args: argparse.Namespace) -> str:
    from dlscratch.trainer import CHECKPOINT_NAME

    return (
        f"to continue, put it in a folder as {CHECKPOINT_NAME} and run this command with "
        "--checkpoint FOLDER --resume"
        if args.checkpoint is None
        else f"to continue, move it to {Path(args.checkpoint) / CHECKPOINT_NAME} and run: "
        f"{resume_command(args)}"
    )


def _after_interrupt(args: argparse.Namespace, trainer: Any) -> None:
    """Ctrl-C: save what a checkpoint would (with ``--checkpoint``), say how to go on."""
    n, total = trainer.iteration, trainer.max_iter
    if not trainer.consistent:  # a second Ctrl-C, in the middle of a step
        saved = trainer.checkpoint_path
        kept = (
            f" The last checkpoint, {saved} ({_progress_of(saved)}), is intact; continue "
            f"from it with: {resume_command(args)}"
            if saved is not None and saved.is_file()
            else ""
        )
        err(f"interrupted in the middle of iteration {n + 1}: nothing was saved.{kept}")
        return
    if trainer.checkpoint_path is None:
        err(
            f"interrupted at iteration {n} of {total}: nothing was saved. To be able to "
            "stop a run and continue it, give it --checkpoint DIR: it saves a checkpoint "
            "there after every epoch and on Ctrl-C, and --resume continues from it"
        )
        return
    try:
        path = trainer.save_checkpoint(trainer.checkpoint_path)
    except OSError as e:
        err(f"interrupted at iteration {n} of {total}; could not save the checkpoint: {e}")
        _rescue(trainer.save_checkpoint, "checkpoint", _resume_hint(args))
        return
    err(f"interrupted at iteration {n} of {total}: saved {path}. Continue with:")
    err(f"  {resume_command(args)}")


def _rescue(save: Callable[[str], Any], what: str, hint: str = "") -> Path | None:
    """Save with ``save(path)`` to a new file in the temporary folder; say where."""
    try:
        # A new, unique name; the atomic save then replaces the empty file.
        fd, name = tempfile.mkstemp(prefix=f"dlscratch-rescued-{what}-", suffix=".npz")
        os.close(fd)
        path = save(name)
    except (OSError, DlscratchError) as e:
        err(f"error: the {what} could not be saved anywhere else either ({e}); it is lost")
        return None
    err(f"the {what} was saved to {path} instead" + (f"; {hint}" if hint else ""))
    return Path(path)


# --------------------------------------------------------------------------- 4. report


def report(args: argparse.Namespace, s: dict[str, Any], net: Any, history: Any) -> int:
    """Print the loss and final accuracy; save the model (``--out``) and curves
    (``--plot``). Returns the exit status: 2 if a file could not be saved (a model that
    ``--out`` could not take is kept in a temporary file, and the message says where)."""
    from dlscratch.io import save_model

    loss = history.loss
    out(
        f"loss: {loss[0]:.4f} at the first iteration, {np.mean(loss[-10:]):.4f} "
        f"(mean of the last {min(10, len(loss))})"
    )
    out(f"final test accuracy: {history.test_acc[-1]:.4f}  ({history.seconds:.1f} s)")
    status = 0
    if args.out is not None:
        summary = {
            "settings": {**s, "seed": args.seed, "grad": args.grad},
            "test_acc": history.test_acc[-1],
        }

        def save(path: str) -> Any:
            return save_model(net, path, extra={"training": summary})

        try:
            out(f"saved {save(args.out)}")
        except OSError as e:
            err(f"error: could not save the model to {args.out}: {e}")
            _rescue(save, "model", "move it where you want it")
            status = 2
    if args.plot:
        from dlscratch.plotting import plot_learning_curves

        fig = plot_learning_curves(history, title=f"{net.architecture}, {args.grad}")
        try:
            save_plot(fig, args.plot)
        except OSError as e:
            err(f"error: could not save the curves to {args.plot}: {e}")
            status = 2
    return status


def cmd_train(args: argparse.Namespace) -> int:
    s = train_settings(args)
    checkpoint = _checkpoint_to_resume(args)
    check_outputs(args)
    data = load_training_data(args, s)
    net = resumed_network(args, checkpoint) if checkpoint else build_network(args, s)
    if checkpoint:
        refuse_other_architecture(args, s, net, checkpoint)
    trainer = make_trainer(args, s, net, data)
    if checkpoint:
        trainer.load_checkpoint(checkpoint)
        out(f"resuming from {checkpoint} at iteration {trainer.iteration}")
    check_free_space(args, trainer)
    _print_header(args, s, trainer, data)
    history = run_training(args, trainer)
    if isinstance(history, int):
        return history
    return report(args, s, net, history)


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
