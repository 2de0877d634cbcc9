"""The networks behind ``dlscratch serve``: which ones to load, and one digit through each.

:func:`load_models` finds the book's three trained networks (chapter 3's
``ThreeLayerNet``, chapter 7's ``SimpleConvNet``, chapter 8's ``DeepConvNet``) and any
of our ``.npz`` model files; :func:`run_model` runs a prepared 28x28 digit through one
of them and returns its ten probabilities and what happens inside: the first
convolution's feature maps after ReLU for a ConvNet (book 7.6), the hidden layers'
activations for a fully connected network (book 3.4-3.6).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dlscratch.errors import DlscratchError
from dlscratch.functions import sigmoid, softmax
from dlscratch.layers import Relu, Sigmoid
from dlscratch.networks import DeepConvNet, LayeredNetwork, Network, SimpleConvNet, ThreeLayerNet

__all__ = [
    "BOOK_MODELS",
    "WEIGHTS_ENV",
    "BookModel",
    "LoadedModels",
    "describe",
    "load_models",
    "run_model",
]

WEIGHTS_ENV = "DLSCRATCH_BOOK_WEIGHTS"


@dataclass(frozen=True)
class BookModel:
    """One of the book's trained networks: its class and the pickles that hold it
    (the first found is used; the first edition's ConvNet files score higher)."""

    name: str
    cls: type[Network]
    files: tuple[str, ...]
    caption: str


BOOK_MODELS = (
    BookModel(
        "ThreeLayerNet",
        ThreeLayerNet,
        ("sample_weight.pkl",),
        "Chapter 3 (3.6): the book's trained three-layer network, 784 → 50 → 100 → 10 "
        "with sigmoid hidden layers (sample_weight.pkl; 93.5% on MNIST's test set). "
        "Inside: the two hidden layers' activations, one cell per neuron (black 0, white 1).",
    ),
    BookModel(
        "SimpleConvNet",
        SimpleConvNet,
        ("first-edition-2016/simple_convnet_params.pkl", "simple_convnet_params.pkl"),
        "Chapter 7 (7.5): conv (30 filters 5×5) → ReLU → pool → affine → ReLU → affine, "
        "the book's trained weights (98.9%). Inside: the 30 feature maps of the first "
        "convolution after ReLU (7.6): which filter answers where.",
    ),
    BookModel(
        "DeepConvNet",
        DeepConvNet,
        ("first-edition-2016/deep_convnet_params.pkl", "deep_convnet_params.pkl"),
        "Chapter 8 (8.1): six 3×3 convolutions with ReLU, three poolings, two affine "
        "layers with dropout, the book's trained weights (99.35%). Inside: the 16 feature "
        "maps of its first convolution after ReLU.",
    ),
)


@dataclass
class LoadedModels:
    """What :func:`load_models` found: ``models`` (name -> network, in load order),
    ``sources`` and ``captions`` (name -> file, page caption) and ``notes`` (one line
    per model loaded or skipped)."""

    models: dict[str, Network] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _is_image_net(net: Network) -> bool:
    return bool(getattr(net, "input_is_image", False))


def _network_input(net: Network, digit: NDArray[np.float32]) -> NDArray[Any]:
    """``digit`` (28, 28) as one sample for ``net``: (1, 1, 28, 28) or (1, 784)."""
    shape = (1, 1, 28, 28) if _is_image_net(net) else (1, 784)
    return np.asarray(digit, dtype=net.dtype).reshape(shape)


def describe(name: str, net: Network, source: str, caption: str = "") -> dict[str, Any]:
    """What ``GET /api/models`` says of one model (JSON-serialisable)."""
    if not caption:
        kind = "a ConvNet" if _is_image_net(net) else "a fully connected network"
        caption = f"Your model file {source}: {kind} ({net.architecture}). Inside: " + (
            "the first convolution's feature maps after its activation."
            if _is_image_net(net)
            else "the hidden layers' activations."
        )
    return {
        "name": name,
        "architecture": net.architecture,
        "source": source,
        "input": "image (1, 28, 28)" if _is_image_net(net) else "flat (784,)",
        "dtype": str(net.dtype),
        "caption": caption,
    }


def _check_fits(net: Network) -> None:
    """Raise ``ValueError`` unless ``net`` reads a 28x28 digit into ten classes."""
    try:
        out = np.asarray(net.predict(_network_input(net, np.zeros((28, 28), np.float32))))
    except (DlscratchError, ValueError) as e:
        raise ValueError(f"does not take MNIST's 28x28 digits ({e})") from None
    if out.shape != (1, 10):
        raise ValueError(f"gives output of shape {out.shape[1:]}, not ten classes")


def load_models(
    weights_dir: str | os.PathLike[str] | None = None,
    model_files: Iterable[str | os.PathLike[str]] = (),
    dtype: Any = np.float32,
) -> LoadedModels:
    """Load the book's trained networks and our ``.npz`` model files.

    Args:
        weights_dir: the folder of the book's pickles (``sample_weight.pkl``,
            ``simple_convnet_params.pkl``, ``deep_convnet_params.pkl``, and a
            ``first-edition-2016/`` folder); ``None`` reads ``$DLSCRATCH_BOOK_WEIGHTS``,
            and without it the book's networks are skipped.
        model_files: our ``.npz`` files (:func:`dlscratch.io.save_model`); each is named
            by its file stem (``-2``, ``-3``... where two stems clash).
        dtype: float32 (the default, as the CLI: faster) or float64.

    Returns:
        :class:`LoadedModels`; its ``notes`` say which models were found and which
        were skipped, and why (a missing file, an unreadable one, one whose input is not
        a 28x28 digit or whose output is not ten classes). Nothing is printed.
    """
    from dlscratch.io import load_book_params, load_model

    found = LoadedModels()
    models, notes = found.models, found.notes
    if weights_dir is None and os.environ.get(WEIGHTS_ENV):
        weights_dir = os.environ[WEIGHTS_ENV]
    if weights_dir is None:
        notes.append(
            f"skipped the book's networks: no weights folder (set {WEIGHTS_ENV} or pass "
            "--weights-dir)"
        )
    else:
        folder = Path(weights_dir).expanduser()
        for book in BOOK_MODELS:
            path = next((folder / f for f in book.files if (folder / f).is_file()), None)
            if path is None:
                notes.append(f"skipped {book.name}: none of {', '.join(book.files)} in {folder}")
                continue
            try:
                net = book.cls.from_book_params(load_book_params(path), dtype=dtype)
            except (DlscratchError, OSError, ValueError) as e:
                notes.append(f"skipped {book.name}: cannot load {path}: {e}")
                continue
            models[book.name] = net
            found.sources[book.name] = str(path)
            found.captions[book.name] = book.caption
            notes.append(f"loaded {book.name} from {path}")
    for file in model_files:
        path = Path(file)
        name = path.stem
        n = 2
        while name in models:
            name, n = f"{path.stem}-{n}", n + 1
        try:
            net = load_model(path, dtype=dtype)
            _check_fits(net)
        except (DlscratchError, OSError, ValueError) as e:
            notes.append(f"skipped {path}: {e}")
            continue
        models[name] = net
        found.sources[name] = str(path)
        notes.append(f"loaded {name} ({net.architecture}) from {path}")
    return found


def _feature_maps(maps: NDArray[Any]) -> dict[str, Any]:
    """Feature maps ``(C, H, W)`` as JSON: grey levels 0-255 against their common max."""
    top = float(maps.max())
    scaled = np.rint(maps / top * 255.0) if top > 0 else np.zeros(maps.shape)
    return {"kind": "feature_maps", "max": top, "maps": scaled.astype(np.uint8).tolist()}


def _run_layered(net: LayeredNetwork, x: NDArray[Any]) -> tuple[NDArray[Any], dict[str, Any]]:
    """Scores ``(1, K)`` and the inside view, running the layers one at a time."""
    hidden: list[dict[str, Any]] = []
    maps: dict[str, Any] | None = None
    seen_conv = False
    names = list(net.layers)
    out = x
    for i, (lname, layer) in enumerate(net.layers.items()):
        out = layer.forward(out, False)
        if out.ndim == 4 and "Conv" in type(layer).__name__:
            seen_conv = True
        if isinstance(layer, (Relu, Sigmoid)):
            if _is_image_net(net):
                if seen_conv and maps is None and out.ndim == 4:
                    maps = _feature_maps(out[0])
            elif i < len(names) - 1:
                hidden.append({"name": lname, "values": np.round(out[0], 4).tolist()})
    if _is_image_net(net):
        return out, maps or {"kind": "none"}
    return out, {"kind": "hidden", "layers": hidden}


def _run_three_layer(net: ThreeLayerNet, x: NDArray[Any]) -> tuple[NDArray[Any], dict[str, Any]]:
    """Scores ``(1, 10)`` (before the output function) and the two hidden layers (book 3.4)."""
    p = net.params
    z1 = sigmoid(x @ p["W1"] + p["b1"])
    z2 = sigmoid(z1 @ p["W2"] + p["b2"])
    y = z2 @ p["W3"] + p["b3"]
    inside = {
        "kind": "hidden",
        "layers": [
            {"name": "z1 = sigmoid(x W1 + b1)", "values": np.round(z1[0], 4).tolist()},
            {"name": "z2 = sigmoid(z1 W2 + b2)", "values": np.round(z2[0], 4).tolist()},
        ],
    }
    return y, inside


def run_model(net: Network, digit: NDArray[np.float32]) -> dict[str, Any]:
    """One prepared digit through ``net``.

    Args:
        net: a network that takes MNIST's digits (flat (784,) or (1, 28, 28)).
        digit: float32 ``(28, 28)`` in [0, 1], bright ink on black (as
            :func:`dlscratch.datasets.handwriting.preprocess_digit` returns).

    Returns:
        JSON-serialisable ``{"probabilities": [10 floats], "winner": int, "inside": ...}``;
        ``inside`` is ``{"kind": "feature_maps", "max": float, "maps": (C, H, W) ints
        0-255}`` for a ConvNet (the first convolution's output after its ReLU, scaled
        by its maximum ``max``) or ``{"kind": "hidden", "layers": [{"name", "values"}]}``
        (activations in [0, 1] for sigmoid, >= 0 for ReLU) for a fully connected one.

    Not thread-safe: layers keep their last input for ``backward``; callers serialise.
    """
    x = _network_input(net, digit)
    if isinstance(net, ThreeLayerNet):
        y, inside = _run_three_layer(net, x)  # the last Affine's output, before softmax
        probs = softmax(y)
    elif isinstance(net, LayeredNetwork):
        y, inside = _run_layered(net, x)
        probs = softmax(y)
    else:
        probs, inside = softmax(np.asarray(net.predict(x))), {"kind": "none"}
    p = np.asarray(probs, dtype=np.float64)[0]
    return {
        "probabilities": [round(float(v), 6) for v in p],
        "winner": int(np.argmax(p)),
        "inside": inside,
    }
