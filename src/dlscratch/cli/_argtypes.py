"""Argument types of the command line: each turns one string into a checked value, or
raises ``argparse.ArgumentTypeError`` with a message that says what was expected."""

from __future__ import annotations

import argparse

import numpy as np


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def positive_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return x


def fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = -1.0
    if not 0.0 < x < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {value!r}")
    return x


def int_list(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 100,100, got {value!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {value!r}")
    return sizes


def std_list(value: str) -> list[float]:
    if value.strip().lower() == "book":
        from dlscratch.experiments import BOOK_BATCHNORM_STDS

        return [float(v) for v in BOOK_BATCHNORM_STDS]
    try:
        stds = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated stds like 1,0.1,0.01 (or 'book'), got {value!r}"
        ) from None
    if not stds or not all(np.isfinite(stds)) or min(stds) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive stds, got {value!r}")
    return stds


def jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1 and n != -1:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of processes or -1 (all cores), got {value!r}"
        )
    return n
