"""Trained networks: ``infer`` (accuracy and speed, ch. 3.6), ``evaluate`` (per-class
accuracy, confusion matrix) and ``convert`` (a book ``.pkl`` to our ``.npz``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from dlscratch.cli._argtypes import positive_int
from dlscratch.cli._common import (
    describe,
    input_for,
    load_mnist,
    model_choices,
    network_from_file,
    out,
    output_file,
)

_MODEL_HELP = (
    "architecture of a .pkl file (default: recognised from its parameters, as for the "
    "book's three files; .npz files name their own)"
)
_DTYPE_HELP = "compute in this dtype (default: float32 for .pkl, as stored for .npz)"


def cmd_infer(args: argparse.Namespace) -> int:
    net = network_from_file(args.weights, args.model, args.dtype, "--weights")
    _, (x_test, t_test) = load_mnist(args)
    x = input_for(net, x_test)
    if args.limit:
        x, t_test = x[: args.limit], t_test[: args.limit]
    n = x.shape[0]
    start = time.perf_counter()
    accuracy = net.accuracy(x, t_test, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    correct = round(accuracy * n)
    out(f"model: {describe(net)} ({net.dtype}) from {args.weights}")
    out(f"Accuracy: {correct / n:.4f} ({correct}/{n} correct)")
    out(f"throughput: {n / seconds:,.0f} images/s (batch size {args.batch_size}, {seconds:.3f} s)")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from dlscratch.io import save_model

    output_file(args.output, "OUT.npz", ".npz")  # before reading: say what is wrong first
    net = network_from_file(args.input, args.model, None, "IN.pkl")
    path = save_model(net, args.output, extra={"converted_from": Path(args.input).name})
    out(f"saved {net.architecture} ({net.dtype}) to {path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = network_from_file(args.model_file, args.model, args.dtype, "MODEL")
    _, (x_test, t_test) = load_mnist(args)
    x = input_for(net, x_test)
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
    out(f"model: {describe(net)} ({net.dtype})")
    out(f"test accuracy: {correct / len(t_test):.4f} ({correct}/{len(t_test)})")
    out()
    out("per-class accuracy:")
    for c in range(k):
        total = int(confusion[c].sum())
        out(f"  {c}: {confusion[c, c] / max(total, 1):.4f}  ({confusion[c, c]}/{total})")
    out()
    out("confusion matrix (rows: true label, columns: predicted):")
    out("      " + "".join(f"{c:>6d}" for c in range(k)))
    for c in range(k):
        out(f"  {c:>2d}  " + "".join(f"{v:>6d}" for v in confusion[c]))
    return 0


def _add_infer(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
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
    p.add_argument("--model", choices=model_choices(), help=_MODEL_HELP)
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=100,
        help="images per forward pass (default 100)",
    )
    p.add_argument("--dtype", choices=["float32", "float64"], help=_DTYPE_HELP)
    p.add_argument("--limit", type=positive_int, help="only the first N test images")
    p.set_defaults(func=cmd_infer)


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="turn a book .pkl weight file into a .npz model file")
    p.add_argument("input", metavar="IN.pkl")
    p.add_argument("output", metavar="OUT.npz")
    p.add_argument(
        "--model",
        choices=model_choices(),
        help="architecture of the weights (default: recognised from the parameters)",
    )
    p.set_defaults(func=cmd_convert)


def _add_evaluate(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "evaluate",
        parents=[data_parent],
        help="test accuracy, per-class accuracy and confusion matrix of a model",
    )
    p.add_argument("model_file", metavar="MODEL", help=".npz model file (or a book .pkl)")
    p.add_argument("--model", choices=model_choices(), help=_MODEL_HELP)
    p.add_argument(
        "--batch-size", type=positive_int, default=500,
        help="images per forward pass (default 500)",
    )  # fmt: skip
    p.add_argument("--dtype", choices=["float32", "float64"], help=_DTYPE_HELP)
    p.set_defaults(func=cmd_evaluate)


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    _add_infer(sub, data_parent)
    _add_convert(sub)
    _add_evaluate(sub, data_parent)
