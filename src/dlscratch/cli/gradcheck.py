"""``dlscratch gradcheck``: backprop against numerical gradients (ch. 5.7.3)."""

from __future__ import annotations

import argparse

from dlscratch.cli._argtypes import positive_int
from dlscratch.cli._common import describe, load_mnist, out

# A mean |backprop - numerical| below this passes. Measured on TwoLayerNet (hidden 5-50,
# 2-10 samples, ReLU and sigmoid, seeds 0-1): at most 1.6e-10 in float64 and 2e-8 in
# float32 (the numerical side always computes in float64); a wrong backward pass
# (a missing factor, a transposed product) is off by 1e-4 or far more.
TOLERANCE = {"float64": 1e-8, "float32": 1e-6}


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from dlscratch.gradient import gradient_check
    from dlscratch.networks import TwoLayerNet

    (x_train, t_train), _ = load_mnist(args)
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
    out(f"gradient check: {describe(net)} ({args.dtype}), {args.samples} MNIST samples")
    out(f"{'param':6s} {'shape':>12s} {'mean |diff|':>12s} {'max |diff|':>12s} {'max rel':>12s}")
    rows = gradient_check(net, x, t)
    for row in rows:
        out(
            f"{row.name:6s} {row.shape!s:>12s} {row.mean_abs_diff:12.3e} "
            f"{row.max_abs_diff:12.3e} {row.max_rel_diff:12.3e}"
        )
    tolerance = TOLERANCE[args.dtype]
    failed = [r.name for r in rows if not r.mean_abs_diff < tolerance]  # NaN fails too
    worst = max(r.mean_abs_diff for r in rows)
    if failed:
        out(
            f"FAIL: mean |diff| of {', '.join(failed)} above {tolerance:g} (the bound for "
            f"{args.dtype}): backprop and the numerical gradient disagree"
        )
        return 1
    out(
        f"PASS: every mean |diff| is below {tolerance:g} (the bound for {args.dtype}; "
        f"largest {worst:.1e}): backprop agrees with the numerical gradient"
    )
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "gradcheck",
        parents=[data_parent],
        help="backprop vs numerical gradients of TwoLayerNet (ch. 5.7.3)",
        description="Compare the backprop gradient of a fresh TwoLayerNet (784 inputs, "
        "--hidden units, 10 outputs, He init) with its numerical gradient on the first "
        "--samples training images, parameter by parameter; the numerical side always "
        "computes in float64. Ends with PASS (exit "
        f"status 0) when every mean |diff| is below {TOLERANCE['float64']:g} in float64 or "
        f"{TOLERANCE['float32']:g} in float32, else FAIL (exit status 1).",
    )
    p.add_argument("--samples", type=positive_int, default=3, metavar="N",
                   help="training images in the batch (default 3, as the book)")  # fmt: skip
    p.add_argument("--hidden", type=positive_int, default=10, metavar="N",
                   help="hidden layer size (default 10)")  # fmt: skip
    p.add_argument("--activation", choices=["relu", "sigmoid"], default="relu",
                   help="hidden activation (default relu, as ch. 5)")  # fmt: skip
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64",
                   help="dtype of the network and its backprop (default float64)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the weights (default 0)")
    p.set_defaults(func=cmd_gradcheck)
