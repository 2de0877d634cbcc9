"""Exceptions raised by dlscratch.

Every error a learner can cause (a wrong shape, a missing or corrupt file, an unsafe
pickle, a diverging run) has its own class here, so that callers can catch it and the
CLI can print its message without a traceback. Each also derives from the built-in
exception a Python programmer would expect (``ValueError``, ``FileNotFoundError``...).
"""

from __future__ import annotations

import pickle


class DlscratchError(Exception):
    """Base class of every error dlscratch raises on purpose."""


class ShapeError(DlscratchError, ValueError):
    """An array argument has the wrong shape, size or number of dimensions."""


class DataError(DlscratchError, ValueError):
    """A dataset file is corrupt, truncated, or not the file it claims to be."""


class DataNotFoundError(DlscratchError, FileNotFoundError):
    """Dataset files are missing and could not be downloaded."""


class UnsafePickleError(DlscratchError, pickle.UnpicklingError):
    """A pickle names something other than NumPy arrays and plain containers."""


class ModelFileError(DlscratchError, ValueError):
    """A model file is unreadable, incomplete or for another architecture."""


class TrainingDivergedError(DlscratchError, FloatingPointError):
    """The training loss became NaN or infinite."""


class DTypeError(DlscratchError, TypeError):
    """An array argument has a dtype the operation cannot work in."""


class PrecisionWarning(UserWarning):
    """A computation runs in a dtype too coarse for it (numerical gradients in float32)."""
