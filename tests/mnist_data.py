"""Where the tests find the real MNIST files.

Test modules that need real MNIST do::

    from mnist_data import require_mnist_dir

    @pytest.fixture(scope="session")
    def mnist_dir() -> Path:
        return require_mnist_dir()

and mark their tests ``@pytest.mark.mnist``. The files come from the folder named by
``DLSCRATCH_DATA_DIR`` (e.g. ``../shared/datasets/mnist``). Without it, or with files
missing there, the test is skipped -- except when ``CI`` is set, where it fails, so that
CI can never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MNIST_ENV = "DLSCRATCH_DATA_DIR"
MNIST_FILE_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def require_mnist_dir() -> Path:
    """The folder holding the four real MNIST files, else skip (locally) / fail (CI).

    Each file may be gzip-compressed or not (name without ``.gz``).
    """
    value = os.environ.get(MNIST_ENV, "")
    if not value:
        _unavailable(
            f"real MNIST needed: set {MNIST_ENV} to a folder holding the four MNIST files "
            f"({', '.join(MNIST_FILE_NAMES)})"
        )
    folder = Path(value).expanduser()
    missing = [
        name
        for name in MNIST_FILE_NAMES
        if not (folder / name).is_file() and not (folder / name.removesuffix(".gz")).is_file()
    ]
    if missing:
        _unavailable(f"real MNIST needed: {MNIST_ENV}={folder} lacks {', '.join(missing)}")
    return folder
