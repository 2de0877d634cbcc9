"""``serve``: a local web page to draw a digit and watch the networks read it."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    from dlscratch.serve import add_arguments, main_from_args

    p = sub.add_parser(
        "serve",
        help="a web page to draw a digit and watch the book's networks read it (ch. 3, 7, 8)",
        description="Serve a page (http://127.0.0.1:8000 by default) with a canvas to draw "
        "on or a picture to upload; each network's ten probabilities and what happens "
        "inside it (hidden activations, first-layer feature maps) are shown as you draw. "
        "JSON API beside it: GET /api/models, POST /api/predict. Ctrl-C stops it.",
    )
    add_arguments(p)
    p.set_defaults(func=main_from_args)
