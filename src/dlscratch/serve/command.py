"""The ``dlscratch serve`` command line, for the CLI to mount in a few lines::

    p = sub.add_parser("serve", help="a web page to draw a digit and see the networks read it")
    add_arguments(p)
    p.set_defaults(func=main_from_args)

Flask is imported only when the command runs.
"""

from __future__ import annotations

import argparse

__all__ = ["add_arguments", "main_from_args"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 0-65535, got {port}")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``[--host] [--port] [--weights-dir DIR] [MODEL.npz ...]`` to ``parser``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--weights-dir",
        metavar="DIR",
        default=None,
        help="folder of the book's weight pickles (default: $DLSCRATCH_BOOK_WEIGHTS)",
    )
    parser.add_argument(
        "models",
        nargs="*",
        metavar="MODEL.npz",
        help="our model files to show beside the book's networks",
    )


def main_from_args(args: argparse.Namespace) -> int:
    """Run the server with the parsed arguments; returns 0 after Ctrl-C.

    Raises:
        DataNotFoundError: no model could be loaded (the CLI prints it as one line).
    """
    from dlscratch.serve.app import run

    run(host=args.host, port=args.port, model_files=args.models, weights_dir=args.weights_dir)
    return 0
