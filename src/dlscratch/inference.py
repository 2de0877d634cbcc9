"""Class probabilities from any of the book's networks, for digits prepared like MNIST.

The networks differ at both ends: the ConvNets take images ``(N, 1, 28, 28)`` and the
MLPs flat rows ``(N, 784)``; chapter 3's network ends in softmax while the layered
networks of chapters 5-8 return scores (softmax is fused into their loss layer).
:func:`probabilities` hides both, so a tool can put any model beside any other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.functions import softmax
from dlscratch.validation import as_real_array, check_has, check_size

__all__ = ["probabilities", "top_classes"]


def probabilities(network: Any, images: ArrayLike) -> NDArray[np.float64]:
    """P(class | image) for a batch of 28x28 images (book 3.5: softmax of the scores).

    Args:
        network: a dlscratch network (or any object with ``predict``); ConvNets
            (``input_is_image``) get ``(N, 1, 28, 28)``, the others ``(N, 784)``.
        images: ``(28, 28)`` for one image or ``(N, 28, 28)``, floats in [0, 1] as
            :func:`dlscratch.datasets.handwriting.preprocess_digit` returns.

    Returns:
        float64 ``(N, K)``, each row summing to 1 (N = 1 for a single image).

    Raises:
        ShapeError: images that are not 28x28.
        DTypeError: images that are not real numbers.
        TypeError: a network without ``predict``.
    """
    check_has("network", network, "predict")
    x = np.asarray(as_real_array("images", images), dtype=np.float64)
    if x.ndim == 2:
        x = x[np.newaxis]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ShapeError(f"images: expected (28, 28) or (N, 28, 28), got shape {x.shape}")
    if getattr(network, "input_is_image", False):
        y = network.predict(x[:, np.newaxis])
    else:
        y = network.predict(x.reshape(len(x), -1))
    y = np.asarray(y, dtype=np.float64)
    # Chapter 3's network already ends in softmax: its rows are probabilities.
    is_softmax = getattr(network, "output", None) == "softmax"
    return y if is_softmax else np.asarray(softmax(y), dtype=np.float64)


def top_classes(probs: ArrayLike, k: int = 3) -> list[tuple[int, float]]:
    """The ``k`` most probable classes of one row of probabilities, best first.

    Returns:
        ``[(class, probability), ...]`` with Python ints and floats.

    Raises:
        DTypeError: ``probs`` is not real numbers.
        ValueError: ``k`` is not an integer >= 1.
    """
    k = check_size("k", k)
    p = np.asarray(as_real_array("probs", probs), dtype=np.float64).ravel()
    order = np.argsort(-p, kind="stable")[:k]
    return [(int(c), float(p[c])) for c in order]
