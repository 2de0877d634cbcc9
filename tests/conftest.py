import os
import tempfile
from pathlib import Path

# One BLAS thread per test process: with `pytest -n 2` on two cores, two threads per
# worker spin against each other and the suite runs many times slower. Must happen
# before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

from mnist_data import require_mnist_dir

# Tests never write parsed-array caches into the real user cache. Set before any
# fixture runs (session fixtures load MNIST before function-scoped ones would).
os.environ.setdefault("DLSCRATCH_CACHE_DIR", tempfile.mkdtemp(prefix="dlscratch-test-cache-"))

BOOK_WEIGHTS_ENV = "DLSCRATCH_BOOK_WEIGHTS"
_DEFAULT_WEIGHTS = Path(__file__).resolve().parents[2] / "shared" / "book-weights"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return require_mnist_dir()


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The real MNIST, normalised float32, flat, labels as uint8."""
    from dlscratch.datasets import load_mnist

    return load_mnist(normalize=True, flatten=True, one_hot_label=False, data_dir=mnist_dir)


@pytest.fixture(scope="session")
def book_weights() -> Path:
    """The folder of the book's weight pickles (``../shared/book-weights``)."""
    folder = Path(os.environ.get(BOOK_WEIGHTS_ENV, _DEFAULT_WEIGHTS))
    if not (folder / "sample_weight.pkl").is_file():
        reason = f"the book's weight files are needed: set {BOOK_WEIGHTS_ENV} (looked in {folder})"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return folder
