"""What every command group shares: printing, flag names in library errors, MNIST,
model files and a one-line description of a network."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

# The library's argument names (the book's) and the flags that set them: errors raised
# by the library name the argument, and a CLI user should read the flag they typed.
_FLAGS = {
    "mini_batch_size": "--batch-size",
    "batch_size": "--batch-size",
    "train_size": "--train-size",
    "val_ratio": "--val-ratio",
    "dropout_ratio": "--dropout",
    "weight_decay_lambda": "--weight-decay",
    "weight_init_std": "--init",
    "lr_decay": "--lr-decay",
    "hidden_size_list": "--hidden",
    "hidden_size": "--hidden",
}
_FLAG_PATTERN = re.compile(r"(?<![-\w])(" + "|".join(_FLAGS) + r")\b")


def with_flags(message: str) -> str:
    """``message`` with the library's argument names replaced by the CLI's flags."""
    return _FLAG_PATTERN.sub(lambda m: _FLAGS[m.group(1)], message)


def out(text: str = "") -> None:
    print(text, flush=True)


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def data_dir_parent() -> argparse.ArgumentParser:
    """The ``--data-dir`` option, as a parent parser for every command that reads MNIST."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the four MNIST files (default: $DLSCRATCH_DATA_DIR, else the cache, "
        "downloading if needed)",
    )
    return parent


def model_choices() -> list[str]:
    """The ``--model`` choices: short names of the networks that classify MNIST."""
    from dlscratch.networks import MNIST_ARCHITECTURES

    return sorted(MNIST_ARCHITECTURES)


def load_mnist(args: argparse.Namespace, flatten: bool = True, normalize: bool = True) -> Any:
    from dlscratch.datasets import load_mnist as load

    return load(normalize=normalize, flatten=flatten, one_hot_label=False, data_dir=args.data_dir)


def save_plot(fig: Any, path: str) -> None:
    from dlscratch.plotting import save_figure

    out(f"saved {save_figure(fig, path)}")


def input_for(network: Any, x: np.ndarray) -> np.ndarray:
    """``x`` shaped for ``network``: (N, 1, 28, 28) images for ConvNets, else (N, 784)."""
    if getattr(network, "input_is_image", False):
        return x.reshape(-1, 1, 28, 28)
    return x.reshape(x.shape[0], -1)


def network_from_file(path: str, model: str | None, dtype: str | None) -> Any:
    """The network in ``path``: our ``.npz`` (which names its architecture), or a book
    ``.pkl`` of bare parameters, whose network is ``model`` or else recognised from the
    parameters' names and shapes. A ``.pkl`` is converted to float32 (the CLI's default)
    unless ``dtype`` says otherwise; a ``.npz`` keeps the dtype it was saved in."""
    from dlscratch.errors import ModelFileError
    from dlscratch.io import load_book_params, load_network
    from dlscratch.networks import ARCHITECTURES, guess_architecture

    if Path(path).suffix == ".npz":
        return load_network(path, dtype=dtype)
    params = load_book_params(path)
    if model is None:
        try:
            model = guess_architecture(params)
        except ModelFileError as e:
            raise ModelFileError(
                f"{path}: {e}; say which network they are for with --model "
                f"({', '.join(model_choices())})"
            ) from None
    try:
        return ARCHITECTURES[model].cls.from_book_params(params, dtype=dtype or "float32")
    except ModelFileError as e:
        try:
            guess = guess_architecture(params)
        except ModelFileError:
            raise e from None
        raise ModelFileError(
            f"{path}: {e}; these parameters look like {guess}'s: try --model {guess}"
        ) from None


def describe(network: Any) -> str:
    """One line for a person: the class, its layers and the options that change them,
    e.g. ``DeepConvNet: conv 16-16-32-32-64-64 (3x3), 1024-50-10, dropout 0.5`` (where
    ``get_config()`` would print some 700 characters)."""
    params = network.params
    names = sorted((k for k in params if k.startswith("W")), key=_layer_number)
    weights = [params[k].shape for k in names]
    parts = []
    filters = [s for s in weights if len(s) == 4]
    if filters:
        counts = "-".join(str(s[0]) for s in filters)
        sizes = ", ".join(sorted({f"{s[2]}x{s[3]}" for s in filters}))
        parts.append(f"conv {counts} ({sizes})")
    dense = [s for s in weights if len(s) == 2]
    if dense:
        parts.append("-".join(str(n) for n in [dense[0][0], *(s[1] for s in dense)]))
    config = network.get_config()
    for key in ("activation", "weight_init_std"):
        if key in config:
            parts.append(f"init {config[key]}" if key == "weight_init_std" else config[key])
    if config.get("use_batchnorm"):
        parts.append("batchnorm")
    if "dropout_ratio" in config and config.get("use_dropout", True):
        parts.append(f"dropout {config['dropout_ratio']:g}")
    if config.get("weight_decay_lambda"):
        parts.append(f"weight decay {config['weight_decay_lambda']:g}")
    return f"{network.architecture}: {', '.join(map(str, parts))}"


def _layer_number(name: str) -> int:
    return int(name[1:]) if name[1:].isdigit() else 0
