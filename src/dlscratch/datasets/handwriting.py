"""Your own digits, prepared the way MNIST's were: photos, scans, drawings -> 28x28.

A network trained on MNIST has only seen digits normalised one way. LeCun, Cortes and
Burges describe it on the MNIST page: the NIST digits were "size normalized to fit in a
20x20 pixel box while preserving their aspect ratio", anti-aliased (hence the grey
levels), then "centered in a 28x28 image by computing the center of mass of the pixels,
and translating the image so as to position this point at the center of the 28x28
field". :func:`preprocess_digit` applies the same steps to any picture of one digit,
after turning it into bright ink on black, as MNIST is. A plain resize of the whole
picture to 28x28 skips them, and the network reads far fewer digits right.

Decoding and resampling use Pillow (installed with matplotlib); the steps are NumPy.
"""

from __future__ import annotations

import os

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import DataError, ShapeError

__all__ = ["BOX", "SIZE", "load_image", "preprocess_digit"]

SIZE = 28  # MNIST images are SIZE x SIZE
BOX = 20  # the digit is scaled to fit in BOX x BOX, then centred by its centre of mass

FloatImage = NDArray[np.float32]


def load_image(path: str | os.PathLike[str]) -> NDArray[np.float64]:
    """Read an image file (PNG, JPEG, anything Pillow reads) as grey levels in [0, 1].

    Colour is converted to luminance (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, as
    Pillow's ``convert('L')``); a transparent background counts as white paper.

    Returns:
        float64 array ``(H, W)``.

    Raises:
        DataError: the file is missing, not an image, or truncated.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                rgba = img.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(white, rgba)
            grey = np.asarray(img.convert("L"), dtype=np.float64)
    except FileNotFoundError:
        raise DataError(f"{path}: no such image file") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise DataError(f"{path}: not a readable image ({type(e).__name__}: {e})") from None
    return grey / 255.0


def _as_grey(image: ArrayLike) -> NDArray[np.float64]:
    """``image`` as a float64 grey image ``(H, W)`` scaled to [0, 1]."""
    a = np.asarray(image)
    if a.dtype == bool or a.dtype.kind not in "uif":
        raise ShapeError(f"image: expected a numeric array, got dtype {a.dtype}")
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    elif a.ndim != 2:
        raise ShapeError(
            f"image: expected a grey (H, W) or colour (H, W, 3|4) image, got shape {a.shape}"
        )
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0 or min(a.shape) < 1:
        raise ShapeError(f"image: expected a non-empty image, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ShapeError("image: contains NaN or infinite values")
    # uint8 pictures are 0..255; floats already in [0, 1] stay as they are.
    return a / 255.0 if a.max() > 1.0 else a


def _ink(grey: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ink as bright on black, the paper at 0: MNIST's polarity, whatever the input's."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    ink = paper - grey if paper > 0.5 else grey - paper  # dark ink on light paper, or not
    return np.clip(ink, 0.0, None)


def _resize(image: NDArray[np.float64], width: int, height: int) -> NDArray[np.float64]:
    from PIL import Image

    # Mode 'F' (32-bit float) keeps the grey levels; LANCZOS anti-aliases when shrinking.
    img = Image.fromarray(image.astype(np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.Resampling.LANCZOS), dtype=np.float64)


def preprocess_digit(image: ArrayLike, threshold: float = 0.2) -> FloatImage:
    """One digit's picture as MNIST's 28x28 (the MNIST page; LeCun et al. 1998).

    Steps: grey levels; ink made bright on black (the polarity is read from the
    picture's border, so dark ink on light paper and the reverse both work); crop to
    the ink (pixels above ``threshold`` of the strongest ink); scale the crop to fit in
    20x20 keeping its aspect ratio, anti-aliased; paste it into 28x28 so that its
    centre of mass lands on the centre; brightest pixel scaled to 1.

    Args:
        image: ``(H, W)`` grey or ``(H, W, 3|4)`` colour, integers 0-255 or floats in
            [0, 1], any size.
        threshold: what counts as ink when cropping, as a fraction of the strongest
            ink (faint smudges and paper texture fall below it).

    Returns:
        float32 array ``(28, 28)`` in [0, 1], as ``load_mnist(normalize=True)``'s
        images; flatten it for the MLPs, reshape to (1, 1, 28, 28) for the ConvNets.

    Raises:
        ShapeError: not an image-shaped numeric array, or a picture with no ink.
        ValueError: ``threshold`` outside (0, 1).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold: expected a fraction in (0, 1), got {threshold}")
    ink = _ink(_as_grey(image))
    strongest = float(ink.max())
    if strongest < 0.05:
        raise ShapeError("image: no ink found (a blank or uniform picture)")
    ink /= strongest
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    h, w = crop.shape
    scale = BOX / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    digit = np.clip(_resize(crop, new_w, new_h), 0.0, None)

    out = np.zeros((SIZE, SIZE))
    total = digit.sum()
    ys, xs = np.indices(digit.shape)
    # Where the centre of mass must go, (13.5, 13.5) in pixel-centre coordinates, less
    # where it is in the box: that is the box's top-left corner, rounded to a pixel.
    top = round((SIZE - 1) / 2 - (ys * digit).sum() / total)
    left = round((SIZE - 1) / 2 - (xs * digit).sum() / total)
    top = min(max(top, 0), SIZE - new_h)
    left = min(max(left, 0), SIZE - new_w)
    out[top : top + new_h, left : left + new_w] = digit
    peak = out.max()
    return (out / peak if peak > 0 else out).astype(np.float32)
