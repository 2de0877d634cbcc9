"""``export``: a trained network (our ``.npz`` or a book ``.pkl``) to an ONNX file, to
run with onnxruntime or to look at in a graph viewer such as Netron."""

from __future__ import annotations

import argparse
from pathlib import Path

from dlscratch.cli._argtypes import positive_int
from dlscratch.cli._common import describe, model_choices, network_from_file, out, output_file


def cmd_export(args: argparse.Namespace) -> int:
    from dlscratch.onnx_export import export_onnx, load_onnx, summary

    target = output_file(args.output, "OUT.onnx")
    net = network_from_file(args.model_file, args.model, None)
    source = {"dlscratch.source_file": Path(args.model_file).name}
    path = export_onnx(net, target, opset=args.opset, metadata=source)
    size = path.stat().st_size
    out(f"model: {describe(net)} ({net.dtype}) from {args.model_file}")
    out(f"saved {path} (ONNX opset {args.opset}, float32, {size / 1e6:.2f} MB)")
    for line in summary(load_onnx(path)):
        out(f"  {line}")
    out("to see its layers, open it in Netron (https://netron.app, or: pip install netron)")
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    from dlscratch.onnx_export import DEFAULT_OPSET, MIN_OPSET

    p = sub.add_parser(
        "export",
        help="write a trained network as an ONNX file (onnxruntime, Netron)",
        description=(
            "Write a trained network as an ONNX file, for onnxruntime or a graph viewer "
            'such as Netron. Needs the onnx package: pip install "dlscratch[onnx]".'
        ),
    )
    p.add_argument("model_file", metavar="MODEL", help=".npz model file or a book .pkl")
    p.add_argument("output", metavar="OUT.onnx", help="the ONNX file to write")
    p.add_argument(
        "--model",
        choices=model_choices(),
        help="architecture of a .pkl file (default: recognised from its parameters)",
    )
    p.add_argument(
        "--opset",
        type=positive_int,
        metavar="N",
        default=DEFAULT_OPSET,
        help=f"ONNX opset, {MIN_OPSET} or newer (default {DEFAULT_OPSET})",
    )
    p.set_defaults(func=cmd_export)
