"""What every command group shares: printing, flag names in library errors, MNIST,
model files and a one-line description of a network."""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import tempfile
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


# ------------------------------------------------------------------ files we read and write


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def check_input_file(path: str | os.PathLike[str], what: str) -> None:
    """Refuse ``path`` unless it is missing (the reader says so) or a regular file.

    Checked with ``stat``, before anything opens it: opening a named pipe blocks until
    someone writes into it, and a device can be endless.

    Raises:
        DlscratchError: ``path`` is empty, or a folder, a FIFO, a device or a socket.
    """
    from dlscratch.errors import DlscratchError

    if str(path) == "":
        raise DlscratchError(f"{what}: an empty path; give a file")
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or unreadable: the reader's own error says so
    if not stat.S_ISREG(mode):
        raise DlscratchError(f"{what}: {path} is {_kind(mode)}, not a regular file; give a file")


def _created(folder: Path, what: str) -> None:
    """Create ``folder`` (and its parents), saying so on stderr."""
    from dlscratch.errors import DlscratchError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DlscratchError(f"{what}: cannot create the folder {folder}: {e.strerror}") from None
    err(f"created folder {folder} (for {what})")


def _check_writable_folder(folder: Path, what: str, probe_name: str) -> None:
    """Create and remove a temporary file in ``folder``: what saving will need."""
    from dlscratch.errors import DlscratchError
    from dlscratch.files import temp_prefix

    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(folder / probe_name), suffix=".tmp",
                                   dir=folder)  # fmt: skip
    except OSError as e:
        raise DlscratchError(f"{what}: cannot write in {folder}: {e.strerror}") from None
    os.close(fd)
    os.unlink(tmp)


def output_file(path: str, what: str, suffix: str | None = None) -> Path:
    """Check, before any work, that a file can be saved at ``path``; return the target.

    ``suffix`` (e.g. ``'.npz'``) is appended when ``path`` lacks it, as the saving
    function will. The rules, the same for every command that writes a file: an empty
    path, a folder, ``/dev/null`` or any other file that is not a regular file is
    refused (models are saved atomically, by renaming a new file over the target, which
    would replace a device); a missing folder is created, and stderr says so; the folder
    must take a new file (a read-only folder is refused now, not after training).

    Raises:
        DlscratchError: the file cannot be written there.
    """
    from dlscratch.errors import DlscratchError

    if path == "":
        raise DlscratchError(f"{what}: an empty path; give a file name")
    given = Path(path)
    _refuse_special(given, what, suffix)
    target = given
    if suffix and given.name and given.suffix != suffix:
        target = given.with_name(given.name + suffix)
        _refuse_special(target, what, suffix)
    folder = target.parent
    _prepare_folder(folder, what)
    _check_writable_folder(folder, what, target.name)
    return target


def _refuse_special(p: Path, what: str, suffix: str | None) -> None:
    from dlscratch.errors import DlscratchError

    try:
        mode = os.stat(p).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        hint = f", e.g. {p / ('model' + (suffix or '.png'))}" if stat.S_ISDIR(mode) else ""
        raise DlscratchError(
            f"{what}: {p} is {_kind(mode)}, not a file to save in; give a file name{hint}"
        )


def output_folder(path: str, what: str) -> Path:
    """As :func:`output_file`, for a folder that files will be saved in."""
    from dlscratch.errors import DlscratchError

    if path == "":
        raise DlscratchError(f"{what}: an empty path; give a folder")
    folder = Path(path)
    _prepare_folder(folder, what)
    _check_writable_folder(folder, what, "probe")
    return folder


def _prepare_folder(folder: Path, what: str) -> None:
    from dlscratch.errors import DlscratchError

    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        _created(folder, what)
        return
    except OSError as e:
        raise DlscratchError(f"{what}: cannot use the folder {folder}: {e.strerror}") from None
    if not stat.S_ISDIR(mode):
        raise DlscratchError(f"{what}: {folder} is {_kind(mode)}, not a folder")


def input_for(network: Any, x: np.ndarray) -> np.ndarray:
    """``x`` shaped for ``network``: (N, 1, 28, 28) images for ConvNets, else (N, 784)."""
    if getattr(network, "input_is_image", False):
        return x.reshape(-1, 1, 28, 28)
    return x.reshape(x.shape[0], -1)


def network_from_file(
    path: str, model: str | None, dtype: str | None, what: str = "model file"
) -> Any:
    """The network in ``path``: our ``.npz`` (which names its architecture), or a book
    ``.pkl`` of bare parameters, whose network is ``model`` or else recognised from the
    parameters' names and shapes. A ``.pkl`` is converted to float32 (the CLI's default)
    unless ``dtype`` says otherwise; a ``.npz`` keeps the dtype it was saved in.
    Anything but a regular file (a FIFO would block, a device never end) is refused
    before it is opened, naming ``what`` (the flag that gave it)."""
    from dlscratch.errors import ModelFileError
    from dlscratch.io import load_book_params, load_network
    from dlscratch.networks import ARCHITECTURES, guess_architecture

    check_input_file(path, what)
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
