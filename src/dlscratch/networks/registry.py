"""One table of the networks: short name (as on the command line) <-> class.

``ARCHITECTURES`` maps each short name (``'two-layer'``, ``'simple-conv'``...) to its
:class:`Architecture`; ``NETWORKS`` maps each class name, as stored in model files
(``'TwoLayerNet'``...), to its class. Both come from the one table below.

:func:`guess_architecture` tells which of the book's networks a bare parameter dict
(one of the book's ``.pkl`` files) belongs to, from its names and shapes.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dlscratch.errors import ModelFileError
from dlscratch.layers import conv_output_size
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
    "expected_arrays",
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


Shape = tuple[int, ...]
_MAX_SIZE = 2**31  # no layer of a network that fits in memory has more units


def _size(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (a whole float such as 50.0 is accepted, as the
    constructors accept it)."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value, ok = int(value), True
    if not ok or not minimum <= value <= _MAX_SIZE:
        raise ModelFileError(
            f"config {name}: expected a whole number from {minimum} to {_MAX_SIZE}, got {value!r}"
        )
    return int(value)


def _sizes(name: str, value: Any, length: int | None = None) -> list[int]:
    if not isinstance(value, (list, tuple)) or (length is not None and len(value) != length):
        wanted = f"a list of {length} sizes" if length is not None else "a list of sizes"
        raise ModelFileError(f"config {name}: expected {wanted}, got {value!r}")
    return [_size(f"{name}[{i}]", v) for i, v in enumerate(value)]


def _conv(name: str, value: Any) -> dict[str, int]:
    keys = ("filter_num", "filter_size", "pad", "stride")
    if not isinstance(value, Mapping) or not set(keys) <= set(value):
        raise ModelFileError(
            f"config {name}: expected a dict with {', '.join(keys)}, got {value!r}"
        )
    return {k: _size(f"{name}.{k}", value[k], 0 if k == "pad" else 1) for k in keys}


def _out(name: str, size: int, filter_size: int, stride: int, pad: int = 0) -> int:
    try:
        return conv_output_size(size, filter_size, stride, pad)
    except ValueError as e:  # ShapeError too
        raise ModelFileError(f"config {name}: {e}") from None


def _arguments(cls: type[Network], config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` bound to ``cls``'s constructor, with its defaults filled in."""
    try:
        bound = inspect.signature(cls).bind_partial(**config)
    except TypeError as e:
        raise ModelFileError(f"config does not fit {cls.__name__}: {e}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _dense(sizes: list[int], first: int = 1) -> dict[str, Shape]:
    shapes: dict[str, Shape] = {}
    for i in range(1, len(sizes)):
        shapes[f"W{i + first - 1}"] = (sizes[i - 1], sizes[i])
        shapes[f"b{i + first - 1}"] = (sizes[i],)
    return shapes


def expected_arrays(
    architecture: str, config: Mapping[str, Any]
) -> tuple[dict[str, Shape], dict[str, Shape]]:
    """The shapes of the parameters (and batch-norm buffers) that the network
    ``architecture`` (a class name, as stored in model files) built from ``config``
    would have, computed from the numbers alone: nothing is allocated.

    :func:`dlscratch.io.read_model_file` compares a file's arrays with these before a
    network is built, so that a small file whose metadata says ``hidden_size: 400000``
    is refused instead of building a network of gigabytes.

    Returns:
        ``(params, buffers)``: ``{name: shape}`` each; every parameter is required,
        buffers may be missing (a network starts them at zero).

    Raises:
        ModelFileError: an unknown architecture, or a config that names no valid
            network (a size that is not a positive whole number, a wrong number of
            sizes, a convolution that does not tile its input, unknown keys).
    """
    cls = NETWORKS.get(architecture)
    if cls is None:
        raise ModelFileError(
            f"unknown architecture {architecture!r}; this dlscratch knows {sorted(NETWORKS)}"
        )
    if not isinstance(config, Mapping):
        raise ModelFileError(f"config: expected a JSON object, got {type(config).__name__}")
    buffers: dict[str, Shape] = {}
    if cls is SimpleNet:
        return {"W": (2, 3)}, buffers
    if cls is ThreeLayerNet:
        if "sizes" not in config:
            raise ModelFileError("config has no 'sizes' (the four layer sizes of ThreeLayerNet)")
        return _dense(_sizes("sizes", config["sizes"], 4)), buffers
    args = _arguments(cls, config)
    if cls is TwoLayerNet:
        keys = ("input_size", "hidden_size", "output_size")
        return _dense([_size(k, args.get(k)) for k in keys]), buffers
    if cls is MultiLayerNet:
        sizes = [
            _size("input_size", args.get("input_size")),
            *_sizes("hidden_size_list", args.get("hidden_size_list")),
            _size("output_size", args.get("output_size")),
        ]
        params = _dense(sizes)
        if args.get("use_batchnorm"):
            for i in range(1, len(sizes) - 1):
                params[f"gamma{i}"] = params[f"beta{i}"] = (sizes[i],)
                buffers[f"BatchNorm{i}.running_mean"] = (sizes[i],)
                buffers[f"BatchNorm{i}.running_var"] = (sizes[i],)
        return params, buffers
    channels, h, w = _sizes("input_dim", args.get("input_dim"), 3)
    hidden = _size("hidden_size", args.get("hidden_size"))
    output = _size("output_size", args.get("output_size"))
    if cls is SimpleConvNet:
        cp = _conv(
            "conv_param",
            args.get("conv_param") or {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
        )
        fn, fs = cp["filter_num"], cp["filter_size"]
        conv_h = _out("conv_param", h, fs, cp["stride"], cp["pad"])
        conv_w = _out("conv_param", w, fs, cp["stride"], cp["pad"])
        pool = fn * _out("conv_param", conv_h, 2, 2) * _out("conv_param", conv_w, 2, 2)
        params = {"W1": (fn, channels, fs, fs), "b1": (fn,)}
        return {**params, **_dense([pool, hidden, output], first=2)}, buffers
    if cls is DeepConvNet:
        params = {}
        for i in range(1, 7):
            key = f"conv_param_{i}"
            cp = _conv(key, args.get(key))
            fs = cp["filter_size"]
            params[f"W{i}"] = (cp["filter_num"], channels, fs, fs)
            params[f"b{i}"] = (cp["filter_num"],)
            h = _out(key, h, fs, cp["stride"], cp["pad"])
            w = _out(key, w, fs, cp["stride"], cp["pad"])
            channels = cp["filter_num"]
            if i % 2 == 0:
                h, w = _out(key, h, 2, 2), _out(key, w, 2, 2)
        return {**params, **_dense([channels * h * w, hidden, output], first=7)}, buffers
    raise ModelFileError(f"{architecture}: no way to check a model file's shapes for it")
