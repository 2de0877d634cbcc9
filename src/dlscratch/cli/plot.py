"""``dlscratch plot NAME``: the book's figures (ch. 3-8).

``PLOTS`` is the one registry of figures: name -> (help line, drawing function). Each
function takes the parsed arguments and the model file (``None`` for the figures that
take none) and returns a matplotlib figure, printing what a person should read on the
way.
"""

from __future__ import annotations

import argparse
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlscratch.cli._argtypes import fraction, positive_int, std_list
from dlscratch.cli._common import (
    input_for,
    load_mnist,
    model_choices,
    network_from_file,
    out,
    output_file,
    save_plot,
)
from dlscratch.errors import DlscratchError

Draw = Callable[[argparse.Namespace, "str | None"], Any]


@dataclass(frozen=True)
class Plot:
    """One figure: its help line, the function that draws it, whether it reads a model."""

    help: str
    draw: Draw
    takes_model: bool = False


def _library_figure(function: str) -> Draw:
    """A figure that :mod:`dlscratch.plotting` draws without any argument."""

    def draw(args: argparse.Namespace, path: str | None) -> Any:
        from dlscratch import plotting

        return getattr(plotting, function)()

    return draw


def _optimizers(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import optimizer_paths, optimizer_test_function
    from dlscratch.plotting import plot_optimizer_paths

    paths = optimizer_paths()
    out("after 30 steps from (-7, 2) on f(x, y) = x²/20 + y²:")
    for p in paths.values():
        x, y = p.path[-1]
        f = float(optimizer_test_function(x, y))
        out(f"  {p.name:9s} lr {p.lr:<5g} at ({x:8.4f}, {y:8.4f}), f = {f:.2e}")
    return plot_optimizer_paths(paths)


def _init_histograms(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import init_activations
    from dlscratch.plotting import plot_init_histograms

    acts = init_activations(args.activation, seed=args.seed)
    out(f"{args.activation}: std of the activations of layers 1-5 (1000 inputs of 100)")
    for label, a in acts.items():
        out(f"  {label:18s}" + "".join(f"{v:10.3g}" for v in a.std(axis=(1, 2))))
    return plot_init_histograms(acts, args.activation)


def _optimizer_comparison(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import BOOK_OPTIMIZER_COMPARISON, compare_optimizers
    from dlscratch.plotting import plot_optimizer_comparison

    (x_train, t_train), _ = load_mnist(args)
    names = ", ".join(f"{k} (lr {lr:g})" for k, (_, lr) in BOOK_OPTIMIZER_COMPARISON.items())
    out(f"training 784-100x4-10 (ReLU, He) with {names}: {args.iters} iterations, batch 128")
    start = time.perf_counter()
    losses = compare_optimizers(
        x_train, t_train, iters=args.iters, seed=args.seed, dtype=np.float32
    )
    out(f"loss, mean of the last {min(100, args.iters)} iterations:")
    for name, curve in losses.items():
        out(f"  {name:9s} {np.mean(curve[-100:]):.4f}")
    out(f"({time.perf_counter() - start:.1f} s)")
    return plot_optimizer_comparison(losses)


def _batchnorm(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import BATCHNORM_STDS, batchnorm_comparison
    from dlscratch.plotting import plot_batchnorm_comparison

    (x_train, t_train), _ = load_mnist(args)
    stds = args.stds if args.stds is not None else [float(v) for v in BATCHNORM_STDS]
    epochs = args.epochs or 20
    train_size = args.train_size or 1000
    out(
        f"training 784-100x5-10 with and without batch norm for {len(stds)} init stds: "
        f"first {train_size} training images, {epochs} epochs, SGD lr 0.01, batch 100"
    )
    start = time.perf_counter()
    results = batchnorm_comparison(
        x_train, t_train, stds, epochs=epochs, train_size=train_size,
        batch_size=min(100, train_size), seed=args.seed, dtype=np.float32,
    )  # fmt: skip
    out("final train accuracy (nan: that network's loss diverged):")
    out("        std  with BN  without")
    for r in results:
        with_bn, without = r.with_batchnorm[-1], r.without_batchnorm[-1]
        out(f"  {r.weight_init_std:9.3g}  {with_bn:7.4f}  {without:7.4f}")
    out(f"({time.perf_counter() - start:.1f} s)")
    return plot_batchnorm_comparison(results)


def _overfitting(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import overfitting_experiment
    from dlscratch.plotting import plot_overfitting

    (x_train, t_train), (x_test, t_test) = load_mnist(args)
    epochs = args.epochs or 200
    train_size = args.train_size or 300
    out(
        f"training 784-100x6-10 on the first {train_size} training images for {epochs} "
        f"epochs (SGD lr 0.01, batch 100): plain, weight decay {args.weight_decay:g}, "
        f"dropout {args.dropout:g}; test accuracy on the first {args.eval_samples} test images"
    )
    start = time.perf_counter()
    runs = overfitting_experiment(
        x_train, t_train, x_test, t_test, train_size=train_size, epochs=epochs,
        weight_decay_lambda=args.weight_decay, dropout_ratio=args.dropout,
        evaluate_sample_num_per_epoch=args.eval_samples, seed=args.seed, dtype=np.float32,
    )  # fmt: skip
    out("final accuracy:  train    test")
    for name, h in runs.items():
        out(f"  {name:13s} {h.train_acc[-1]:.4f}  {h.test_acc[-1]:.4f}")
    out(f"({time.perf_counter() - start:.1f} s)")
    titles = {
        "plain": "plain",
        "weight decay": f"weight decay λ={args.weight_decay:g}",
        "dropout": f"dropout {args.dropout:g}",
    }
    return plot_overfitting({titles[k]: v for k, v in runs.items()})


def _filters(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import first_conv_filters, fresh_network
    from dlscratch.plotting import plot_filters

    assert path is not None  # takes_model: checked in figure()
    net = network_from_file(path, args.model, None)
    filters = first_conv_filters(net)
    before = first_conv_filters(fresh_network(net, args.seed)) if args.compare_init else None
    out(f"{net.architecture}: first convolution has {filters.shape[0]} filters {filters.shape}")
    return plot_filters(
        filters, before=before, title=f"{net.architecture} conv1 filters ({Path(path).name})"
    )


def _misclassified(args: argparse.Namespace, path: str | None) -> Any:
    from dlscratch.experiments import find_misclassified
    from dlscratch.plotting import plot_misclassified

    assert path is not None  # takes_model: checked in figure()
    net = network_from_file(path, args.model, None)
    _, (x_test, t_test) = load_mnist(args)
    idx, pred = find_misclassified(net, input_for(net, x_test), t_test, count=args.count)
    out(f"{net.architecture}: first {len(idx)} misclassified test images")
    out("  index  true  predicted")
    for i, y in zip(idx, pred, strict=True):
        out(f"  {i:5d}  {int(t_test[i]):4d}  {int(y):9d}")
    return plot_misclassified(
        x_test[idx], t_test[idx], pred, idx,
        title=f"{net.architecture} ({Path(path).name}): first {len(idx)} misclassified "
        "test digits (book fig. 8-2)",
    )  # fmt: skip


PLOTS: dict[str, Plot] = {
    "activations": Plot("step, sigmoid and ReLU (book ch. 3)", _library_figure("plot_activations")),
    "tangent": Plot(
        "numerical derivative as a tangent line (fig. 4-7)", _library_figure("plot_tangent")
    ),
    "gradient-field": Plot(
        "negative gradient field of x0^2 + x1^2 (fig. 4-9)", _library_figure("plot_gradient_field")
    ),
    "descent": Plot(
        "gradient-descent path from (-3, 4) (fig. 4-10)", _library_figure("plot_descent_path")
    ),
    "optimizers": Plot(
        "SGD, Momentum, AdaGrad and Adam on x^2/20 + y^2 from (-7, 2) (fig. 6-8)", _optimizers
    ),
    "init-histograms": Plot(
        "activations of 5 layers for 3 weight inits, --activation sigmoid (std 1, 0.01, "
        "Xavier; figs. 6-10, 6-11, 6-13) or relu (std 0.01, Xavier, He; fig. 6-14) or tanh",
        _init_histograms,
    ),
    "optimizer-comparison": Plot(
        "MNIST loss of SGD, Momentum, AdaGrad, Adam, --iters 2000 (fig. 6-9; about 20 s)",
        _optimizer_comparison,
    ),
    "batchnorm": Plot(
        "train accuracy with vs without batch norm for several init stds, --stds, "
        "--epochs 20, --train-size 1000 (fig. 6-18; about 10 s)",
        _batchnorm,
    ),
    "overfitting": Plot(
        "train vs test accuracy on 300 images: plain, weight decay, dropout, --epochs 200 "
        "(figs. 6-20, 6-21, 6-23; about 10 s)",
        _overfitting,
    ),
    "filters": Plot(
        "first conv layer's filters of MODEL, --compare-init for before/after training (fig. 7-24)",
        _filters,
        takes_model=True,
    ),
    "misclassified": Plot(
        "first --count 20 misclassified test digits of MODEL (fig. 8-2)",
        _misclassified,
        takes_model=True,
    ),
}


def figure(name: str, args: argparse.Namespace) -> Any:
    """Draw the figure ``name`` of :data:`PLOTS`, after checking its model file."""
    plot = PLOTS[name]
    if args.model_file and args.weights:
        raise DlscratchError("give the model file once: as MODEL or as --weights, not both")
    path = args.model_file or args.weights
    if plot.takes_model and not path:
        raise DlscratchError(
            f"plot {name} needs a MODEL file: our .npz, or a book .pkl (--model says which network)"
        )
    if not plot.takes_model and path:
        takes = " and ".join(k for k, p in PLOTS.items() if p.takes_model)
        raise DlscratchError(f"MODEL: plot {name} takes no model file (only {takes} do)")
    return plot.draw(args, path)


def cmd_plot(args: argparse.Namespace) -> int:
    target = args.output if args.output is not None else f"{args.name}.png"
    output_file(target, "--output")  # before the figure (some train networks)
    save_plot(figure(args.name, args), target)
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "plot",
        parents=[data_parent],
        help="draw a figure of the book",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Figures (with the flags that apply to each):\n"
        + "\n".join(
            textwrap.fill(v.help, 88, initial_indent=f"  {k:21s}", subsequent_indent=" " * 23)
            for k, v in PLOTS.items()
        )
        + "\n\nThe training figures default to the book's settings or smaller ones (see "
        "each flag),\nso that each takes well under a minute on 2 cores.",
    )
    p.add_argument("name", choices=sorted(PLOTS), metavar="NAME", help=", ".join(sorted(PLOTS)))
    p.add_argument("model_file", nargs="?", metavar="MODEL",
                   help="filters, misclassified: a .npz model file or a book .pkl (before or "
                   "after the options)")  # fmt: skip
    # argparse fills MODEL only from the words right after NAME; main() hands it a MODEL
    # that comes after the options (`plot filters --model simple-conv FILE.pkl`).
    p.set_defaults(late_positional="model_file")
    p.add_argument("-o", "--output", metavar="FILE.png", help="where to save (default NAME.png)")
    p.add_argument("--weights", metavar="PATH", help="the model file, instead of MODEL")
    p.add_argument("--model", choices=model_choices(),
                   help="architecture of a .pkl model file (default: recognised from its "
                   "parameters, as for the book's three files)")  # fmt: skip
    p.add_argument("--activation", choices=["sigmoid", "relu", "tanh"], default="sigmoid",
                   help="init-histograms: hidden activation (default sigmoid)")  # fmt: skip
    p.add_argument("--iters", type=positive_int, default=2000, metavar="N",
                   help="optimizer-comparison: updates per optimizer (default 2000, as the "
                   "book)")  # fmt: skip
    p.add_argument("--epochs", type=positive_int, metavar="N",
                   help="batchnorm: default 20 (book); overfitting: default 200 (book: 201 "
                   "for weight decay, 301 for dropout)")  # fmt: skip
    p.add_argument("--stds", type=std_list, metavar="STD[,STD...]",
                   help="batchnorm: weight-init stds, or 'book' for the book's 16 "
                   "(default 6 of them: 1, 0.158, 0.0251, 0.00398, 0.00063, 0.0001)")  # fmt: skip
    p.add_argument("--train-size", type=positive_int, metavar="N",
                   help="batchnorm (default 1000) and overfitting (default 300): train on "
                   "the first N training images")  # fmt: skip
    p.add_argument("--eval-samples", type=positive_int, default=1000, metavar="N",
                   help="overfitting: test accuracy on the first N test images each epoch "
                   "(default 1000; 10000 is the book's, and slower)")  # fmt: skip
    p.add_argument("--weight-decay", type=float, default=0.1, metavar="LAMBDA",
                   help="overfitting: weight decay lambda (default 0.1, book)")  # fmt: skip
    p.add_argument("--dropout", type=fraction, default=0.2, metavar="RATIO",
                   help="overfitting: dropout ratio (default 0.2, as the book's code on the "
                   "same 784-100x6-10 net; its text mentions 0.15)")  # fmt: skip
    p.add_argument("--compare-init", action="store_true",
                   help="filters: draw a freshly initialised network's filters beside "
                   "(before vs after training, fig. 7-24)")  # fmt: skip
    p.add_argument("--count", type=positive_int, default=20, metavar="N",
                   help="misclassified: how many (default 20)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0,
                   help="seed of weights, batches and random inputs (default 0)")  # fmt: skip
    p.set_defaults(func=cmd_plot)
