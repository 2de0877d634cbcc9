"""``dlscratch data info|show``: where MNIST is, and single digits in the terminal."""

from __future__ import annotations

import argparse

import numpy as np

from dlscratch.cli._common import load_mnist, out, output_file, save_plot
from dlscratch.errors import DlscratchError

_SHADES = " .:-=+*#%@"


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
    out(f"MNIST folder: {info.data_dir}  (from {info.source})")
    for f in info.files:
        if not f.present:
            status = "missing"
        elif f.verified:
            status = f"verified (MD5 of the content matches), {f.records} records"
        else:
            status = f"NOT verified: {f.error}"
        out(f"  {f.path.name:30s} {status}")
        if f.cache == "valid":
            out(f"  {'':30s} parsed-array cache: intact (SHA-256 of its content matches)")
        elif f.cache == "damaged":
            out(f"  {'':30s} parsed-array cache DAMAGED, rebuilt at the next load: {f.cache_error}")
    if not info.ok:
        out(
            "Some files are missing or wrong. Put the four MNIST files in a folder and "
            "pass --data-dir DIR or set DLSCRATCH_DATA_DIR. With internet, leave both "
            "unset: any command that loads MNIST then downloads them into dlscratch's "
            "cache folder."
        )
    return 0 if info.ok else 1


def cmd_data_show(args: argparse.Namespace) -> int:
    if args.output is not None:
        output_file(args.output, "--output")
    (x_train, t_train), (x_test, t_test) = load_mnist(args, normalize=False)
    x, t, split = (x_test, t_test, "test") if args.test else (x_train, t_train, "train")
    if not 0 <= args.index < x.shape[0]:
        raise DlscratchError(
            f"INDEX: expected 0..{x.shape[0] - 1} for the {split} set, got {args.index}"
        )
    label = int(t[args.index])
    out(digit_to_text(x[args.index]))
    out(f"{split} image #{args.index}: label {label}")
    if args.output is not None:
        from dlscratch.plotting import plot_digit

        fig = plot_digit(x[args.index], label, f"{split} #{args.index}: label {label}")
        save_plot(fig, args.output)
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
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
