"""``dlscratch serve``: a local web page to draw a digit and watch the book's networks read it.

Draw with a mouse, pen or finger (or upload a picture): the page shows the 28x28 image
the networks see (MNIST's recipe, :func:`dlscratch.datasets.handwriting.preprocess_digit`),
each network's ten probabilities, and inside it: the first convolution's feature maps
(chapter 7) or the hidden activations (chapter 3). A JSON API sits beside the page
(:mod:`dlscratch.serve.app`).

``create_app`` and ``run`` import Flask when first used, so that importing this package
(for :func:`add_arguments` in the CLI) stays fast::

    from dlscratch.serve import run
    run(port=8000, weights_dir="../shared/book-weights")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dlscratch.serve.command import add_arguments, main_from_args
from dlscratch.serve.models import LoadedModels, load_models, run_model

if TYPE_CHECKING:
    from dlscratch.serve.app import create_app, run

__all__ = [
    "LoadedModels",
    "add_arguments",
    "create_app",
    "load_models",
    "main_from_args",
    "run",
    "run_model",
]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "run"):
        from dlscratch.serve import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
