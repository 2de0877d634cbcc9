"""The ``dlscratch`` command: parse arguments, call the library, print for a person.

Subcommands follow the book's order: ``gates`` (ch. 2), ``chapters`` (the book's
examples), ``data`` (MNIST), ``infer`` / ``convert`` / ``evaluate`` (trained networks,
ch. 3, 7-8), ``export`` (ONNX), ``predict`` and ``serve`` (your own digits), ``train``
(ch. 4-8), ``gradcheck`` (ch. 5), ``plot`` (figures of ch. 3-8), ``search`` (ch. 6.5).
Each group is a module of this package with its ``cmd_*`` functions and one
``add_parsers`` that builds its sub-parsers; ``_argtypes`` holds the argument types and
``_common`` what the groups share. Errors the user can fix are printed as one
``error:`` line (exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from dlscratch import __version__
from dlscratch.cli import (
    chapters,
    data,
    export,
    gates,
    gradcheck,
    models,
    plot,
    predict,
    search,
    serve,
    train,
)
from dlscratch.cli._common import data_dir_parent, err, with_flags
from dlscratch.cli.data import digit_to_text
from dlscratch.errors import DlscratchError

__all__ = ["build_parser", "digit_to_text", "main"]

# In the order `dlscratch --help` lists them.
_GROUPS = (gates, chapters, data, models, export, predict, serve, train, gradcheck, plot, search)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlscratch",
        description="Deep Learning from Scratch, chapter by chapter, on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"dlscratch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_parent = data_dir_parent()
    for group in _GROUPS:
        group.add_parsers(sub, data_parent)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser.parse_args(argv)``, except that a command's optional positional
    (``late_positional``, e.g. plot's MODEL) may also come after its options."""
    args, extras = parser.parse_known_args(argv)
    late = getattr(args, "late_positional", None)
    if late and extras and getattr(args, late) is None and not extras[0].startswith("-"):
        setattr(args, late, extras.pop(0))
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _show_warning(message: Warning | str, *_: object, **__: object) -> None:
    err(f"warning: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlscratch`` console script; returns the exit status."""
    parser = build_parser()
    args = _parse(parser, argv)
    # The command as typed, for messages that say how to run it again (train --resume).
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings():
            # The library's warnings (a rebuilt cache, a coarse float32 gradient) are
            # for a person here: one line each, without Python's file and line.
            warnings.showwarning = _show_warning
            return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`dlscratch gates | head`): stop quietly, and point
        # stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (DlscratchError, ValueError, OSError) as e:
        # Bad input the user can fix (dlscratch's errors, ValueErrors raised while
        # validating arguments, files that cannot be read or written): one line.
        err(f"error: {with_flags(str(e))}")
        return 2
    except KeyboardInterrupt:
        err("interrupted")
        return 130
