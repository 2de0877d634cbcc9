"""A safe stand-in for :mod:`pickle` where the book reads its weight files.

The book's ``ch03/neuralnet_mnist.py`` reads ``sample_weight.pkl`` with
``pickle.load(f)``, which runs whatever code a file names. Change its import line
``import pickle`` to ``from dlscratch import safe_pickle as pickle`` and the same code
reads the same arrays, while a file that names anything but NumPy arrays is refused
(:class:`dlscratch.errors.UnsafePickleError`) before any of it runs.

Writing a pickle is not dangerous, so :func:`dump` and :func:`dumps` are
:mod:`pickle`'s own. dlscratch itself saves models as ``.npz`` files
(:func:`dlscratch.io.save_model`, ``network.save_params``).
"""

from __future__ import annotations

import io
import pickle
from typing import IO, Any

from dlscratch.io import unpickle_arrays

__all__ = ["dump", "dumps", "load", "loads"]

dump = pickle.dump
dumps = pickle.dumps


def load(file: IO[bytes]) -> Any:
    """:func:`pickle.load` for NumPy arrays in dicts, lists and tuples only.

    Raises:
        UnsafePickleError: the pickle names any other class or function; nothing ran.
    """
    return unpickle_arrays(file)


def loads(data: bytes) -> Any:
    """:func:`pickle.loads` for NumPy arrays in dicts, lists and tuples only.

    Raises:
        UnsafePickleError: as :func:`load`.
    """
    return unpickle_arrays(io.BytesIO(data), "<bytes>")
