"""dlscratch: *Deep Learning from Scratch* (Saito Koki) as a tested NumPy library.

The modules follow the book's chapters: :mod:`dlscratch.perceptron` (ch. 2),
:mod:`dlscratch.functions` (ch. 3-4), :mod:`dlscratch.gradient` (ch. 4-5),
:mod:`dlscratch.layers` (ch. 5-7), :mod:`dlscratch.optimizers` (ch. 6),
:mod:`dlscratch.networks` (ch. 3-8), :mod:`dlscratch.datasets` (MNIST),
:mod:`dlscratch.trainer`, :mod:`dlscratch.io` and :mod:`dlscratch.plotting`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dlscratch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
