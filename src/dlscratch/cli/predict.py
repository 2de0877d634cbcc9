"""``predict``: what a trained network reads in your own pictures of digits.

Each picture goes through MNIST's preprocessing
(:func:`dlscratch.datasets.handwriting.preprocess_digit`), then through the network;
the top classes are printed with their probabilities.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from dlscratch.cli._common import (
    describe,
    err,
    model_choices,
    network_from_file,
    out,
    output_file,
    output_folder,
)
from dlscratch.cli.data import digit_to_text
from dlscratch.errors import DlscratchError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
DEFAULT_WEIGHTS = Path("first-edition-2016") / "deep_convnet_params.pkl"


def image_files(paths: list[str]) -> list[Path]:
    """The pictures named: files as given, and the image files of each folder (sorted)."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise DlscratchError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)})")
            files.extend(found)
        else:
            files.append(path)
    return files


def _weights(args: argparse.Namespace) -> str:
    if args.weights:
        return str(args.weights)
    folder = os.environ.get("DLSCRATCH_BOOK_WEIGHTS")
    if folder and (Path(folder) / DEFAULT_WEIGHTS).is_file():
        return str(Path(folder) / DEFAULT_WEIGHTS)
    where = f"{folder}/{DEFAULT_WEIGHTS} does not exist" if folder else "it is not set"
    raise DlscratchError(
        "--weights: which network? Give a model file (.npz) or one of the book's .pkl "
        "files; without --weights, the book's DeepConvNet is read from "
        f"$DLSCRATCH_BOOK_WEIGHTS/{DEFAULT_WEIGHTS}, but {where}"
    )


def _figure_path(output: str, image: Path, several: bool) -> Path:
    if not several:
        return Path(output)
    return Path(output) / f"{image.stem}.prediction.png"


def cmd_predict(args: argparse.Namespace) -> int:
    from dlscratch.datasets.handwriting import load_image, preprocess_digit
    from dlscratch.inference import probabilities, top_classes

    if args.show and args.json:
        raise DlscratchError("--show draws for a person and --json writes for a program: use one")
    weights = _weights(args)
    net = network_from_file(weights, args.model, args.dtype, "--weights")
    files = image_files(args.images)
    several = len(files) > 1
    if args.output is not None and several:  # the checks of every command that saves
        output_folder(args.output, "--output")
    elif args.output is not None:
        output_file(args.output, "--output")
    if not args.json:
        out(f"model: {describe(net)} ({net.dtype}) from {weights}")
    results: list[dict[str, Any]] = []
    failed = 0
    for path in files:
        try:
            picture = load_image(path)
            prepared = preprocess_digit(picture)
        except (DlscratchError, ValueError) as e:
            failed += 1
            message = str(e) if str(path) in str(e) else f"{path}: {e}"
            err(f"error: {message}")
            results.append({"file": str(path), "error": message})
            continue
        probs = probabilities(net, prepared)[0]
        top = top_classes(probs, k=args.top)
        results.append(
            {
                "file": str(path),
                "prediction": top[0][0],
                "probabilities": [round(float(p), 6) for p in probs],
                "top": [{"class": c, "probability": round(p, 6)} for c, p in top],
            }
        )
        if not args.json:
            others = ", ".join(f"{c} ({p:.1%})" for c, p in top[1:])
            out(f"{path}: {top[0][0]} ({top[0][1]:.1%})" + (f"; then {others}" if others else ""))
            if args.show:
                out(digit_to_text(prepared))
        if args.output is not None:
            from dlscratch.plotting import plot_prediction, save_figure

            target = _figure_path(args.output, path, several)
            fig = plot_prediction(
                picture, prepared, probs, title=f"{path.name} — {net.architecture}"
            )
            saved = save_figure(fig, target)
            if not args.json:
                out(f"  saved {saved}")
    if args.json:
        out(json.dumps(results, indent=2))
    return 1 if failed else 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "predict",
        help="read your own digits: photos, scans or drawings, through MNIST's preprocessing",
        description="Prepare each picture as MNIST's digits were (grey, ink bright on black, "
        "cropped, fitted in 20x20, centred by mass in 28x28) and print what the network "
        "reads, with probabilities. A folder stands for the images in it. A picture that "
        "cannot be read is reported on one line; the others are still predicted (exit "
        "status 1 if any failed).",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders")
    p.add_argument(
        "--weights",
        metavar="PATH",
        help="the network: our .npz model file or a book .pkl (default: the book's "
        f"DeepConvNet, $DLSCRATCH_BOOK_WEIGHTS/{DEFAULT_WEIGHTS})",
    )
    p.add_argument(
        "--model",
        choices=model_choices(),
        help="architecture of a .pkl (default: recognised from its parameters)",
    )
    p.add_argument("--dtype", choices=["float32", "float64"], help="compute in this dtype")
    p.add_argument(
        "--top", type=int, default=3, choices=range(1, 11), metavar="K",
        help="how many classes to print (default 3)",
    )  # fmt: skip
    p.add_argument(
        "--show", action="store_true", help="draw the 28x28 the network saw (not with --json)"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="save a figure (picture, 28x28, probabilities): a .png for one image, a "
        "folder for several",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=cmd_predict)
