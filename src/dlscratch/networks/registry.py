"""One table of the networks: short name (as on the command line) <-> class.

``ARCHITECTURES`` maps each short name (``'two-layer'``, ``'simple-conv'``...) to its
:class:`Architecture`; ``NETWORKS`` maps each class name, as stored in model files
(``'TwoLayerNet'``...), to its class. Both come from the one table below.

:func:`guess_architecture` tells which of the book's networks a bare parameter dict
(one of the book's ``.pkl`` files) belongs to, from its names and shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dlscratch.errors import ModelFileError
from dlscratch.networks.base import Network
from dlscratch.networks.convnet import DeepConvNet, SimpleConvNet
from dlscratch.networks.multi_layer import MultiLayerNet
from dlscratch.networks.simple import SimpleNet
from dlscratch.networks.three_layer import ThreeLayerNet
from dlscratch.networks.two_layer import TwoLayerNet

__all__ = [
    "ARCHITECTURES",
    "MNIST_ARCHITECTURES",
    "NETWORKS",
    "Architecture",
    "get_architecture",
    "guess_architecture",
]


@dataclass(frozen=True)
class Architecture:
    """One network of the book.

    Attributes:
        name: short name, as the command line spells it (``'simple-conv'``).
        cls: the class; ``cls.architecture`` is the name stored in model files.
        chapter: where the book builds it.
        book_file: the book's pretrained weight pickle for it, if the book has one.
        mnist: whether it classifies MNIST digits (the chapter-4 ``SimpleNet`` is a
            2-input toy).
    """

    name: str
    cls: type[Network]
    chapter: str
    book_file: str | None = None
    mnist: bool = True


_TABLE = (
    Architecture("three-layer", ThreeLayerNet, "3.6", book_file="sample_weight.pkl"),
    Architecture("simple", SimpleNet, "4.4.2", mnist=False),
    Architecture("two-layer", TwoLayerNet, "4.5, 5.7"),
    Architecture("multi-layer", MultiLayerNet, "6"),
    Architecture("simple-conv", SimpleConvNet, "7.5", book_file="simple_convnet_params.pkl"),
    Architecture("deep-conv", DeepConvNet, "8.1", book_file="deep_convnet_params.pkl"),
)

ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in _TABLE}
"""Short name -> :class:`Architecture`, in the book's order."""

MNIST_ARCHITECTURES: list[str] = [a.name for a in _TABLE if a.mnist]
"""Short names of the networks that classify MNIST (the command line's choices)."""

NETWORKS: dict[str, type[Network]] = {a.cls.architecture: a.cls for a in _TABLE}
"""Class name, as stored in model files (``'SimpleConvNet'``) -> class."""


def get_architecture(name: str) -> Architecture:
    """The :class:`Architecture` named ``name``: a short name or a class name.

    ``get_architecture('simple-conv')`` and ``get_architecture('SimpleConvNet')`` give the same
    entry.

    Raises:
        ModelFileError: no network has that name (the message lists the known ones).
    """
    if name in ARCHITECTURES:
        return ARCHITECTURES[name]
    for a in _TABLE:
        if a.cls.architecture == name:
            return a
    raise ModelFileError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")


def _shape_summary(params: Mapping[str, np.ndarray], limit: int = 4) -> str:
    items = [f"{k} {v.shape}" for k, v in params.items()]
    more = f", ... ({len(items)} arrays)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _layers(params: Mapping[str, np.ndarray]) -> list[int] | None:
    """``ndim`` of W1..Wk when ``params`` is exactly W1, b1, ..., Wk, bk with each bias
    sized to its layer's outputs (the rows of a filter bank, the columns of a matrix);
    else ``None``."""
    k = len(params) // 2
    if k == 0 or set(params) != {f"{p}{i}" for p in "Wb" for i in range(1, k + 1)}:
        return None
    ndims = []
    for i in range(1, k + 1):
        w, b = params[f"W{i}"], params[f"b{i}"]
        if w.ndim not in (2, 4) or b.ndim != 1:
            return None
        outputs = w.shape[0] if w.ndim == 4 else w.shape[1]
        if b.shape[0] != outputs:
            return None
        ndims.append(w.ndim)
    return ndims


# The layer pattern (ndim of W1, W2, ...) of each network the book publishes weights for.
_BOOK_PATTERNS = {
    (2, 2, 2): "three-layer",  # sample_weight.pkl: 784-50-100-10
    (4, 2, 2): "simple-conv",  # conv 30x5x5, 4320-100-10
    (4, 4, 4, 4, 4, 4, 2, 2): "deep-conv",  # 6 convolutions, 1024-50-10
}


def guess_architecture(params: Mapping[str, ArrayLike]) -> str:
    """The short name of the book's network that ``params`` belong to.

    Recognises the book's three pretrained files from their parameter names and the
    number of dimensions of their weights: ``sample_weight.pkl`` (W1-W3, all matrices:
    ``'three-layer'``), ``simple_convnet_params.pkl`` (a 4-D filter bank W1, then two
    matrices: ``'simple-conv'``) and ``deep_convnet_params.pkl`` (six filter banks W1-W6,
    then two matrices: ``'deep-conv'``), in either edition. Loading the parameters into
    the network then checks every shape.

    Args:
        params: ``{name: array}``, e.g. from :func:`dlscratch.io.load_book_params`.

    Returns:
        ``'three-layer'``, ``'simple-conv'`` or ``'deep-conv'``.

    Raises:
        ModelFileError: the names or shapes fit none of them (the message shows them).
    """
    arrays = {k: np.asarray(v) for k, v in params.items()}
    pattern = _layers(arrays)
    name = _BOOK_PATTERNS.get(tuple(pattern)) if pattern else None
    if name is None:
        known = ", ".join(f"{a.book_file} ({a.name})" for a in _TABLE if a.book_file is not None)
        raise ModelFileError(
            f"cannot tell which network the parameters {_shape_summary(arrays)} belong "
            f"to: they fit none of the book's files, {known}"
        )
    return name
