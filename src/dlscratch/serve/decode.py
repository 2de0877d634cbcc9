"""A request to ``POST /api/predict`` -> the 28x28 digit the networks read.

Three kinds of body are accepted:

- an image file (PNG, JPEG, anything Pillow reads): a multipart form's ``image``
  field, or the raw body;
- JSON ``{"image": "data:image/png;base64,..."}``: the page's canvas;
- JSON ``{"pixels": [[...28 numbers in [0, 1]...] x 28]}``: a digit already prepared
  the MNIST way (bright ink on black), used as it is.

Pictures go through :func:`dlscratch.datasets.handwriting.preprocess_digit` (MNIST's
recipe). Everything wrong with a request raises :class:`RequestError`, which carries
the HTTP status and a message saying what was expected.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dlscratch.datasets.handwriting import SIZE, preprocess_digit
from dlscratch.errors import ShapeError

__all__ = ["MAX_PIXELS", "WORKING_SIDE", "RequestError", "decode_image", "decode_json"]

MAX_PIXELS = 20_000_000  # larger pictures are refused (413): a 20-megapixel photo fits
WORKING_SIDE = 1024  # pictures are shrunk to this longest side before preprocessing


class RequestError(Exception):
    """A bad request: ``status`` (4xx) and a message for the JSON ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _grey_picture(data: bytes) -> NDArray[np.float64]:
    """Image file bytes -> grey levels ``(H, W)`` float64 in [0, 1], at most
    ``WORKING_SIDE`` on its longest side; transparent counts as white paper (as
    :func:`dlscratch.datasets.handwriting.load_image`).

    Raises:
        RequestError: 400 for an empty body, 415 for bytes Pillow cannot read, 413
            for a picture of more than ``MAX_PIXELS`` pixels.
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise RequestError(400, "empty body: expected an image file (PNG or JPEG)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size  # read from the header, before decoding anything
            if w * h > MAX_PIXELS:
                raise RequestError(
                    413,
                    f"image too large: {w}x{h} = {w * h} pixels; at most {MAX_PIXELS} "
                    "(one digit needs far fewer: shrink the picture)",
                )
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                rgba = img.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                grey = Image.alpha_composite(white, rgba).convert("L")
            else:
                grey = img.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise RequestError(
            415,
            "not a readable image: expected a PNG or JPEG file (or any image Pillow reads), "
            "or JSON sent with Content-Type: application/json",
        ) from None
    if max(grey.size) > WORKING_SIDE:
        grey.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(grey, dtype=np.float64) / 255.0


def decode_image(data: bytes) -> NDArray[np.float32]:
    """An image file's bytes -> the 28x28 digit (MNIST's recipe).

    Returns:
        float32 ``(28, 28)`` in [0, 1], bright ink on black.

    Raises:
        RequestError: see :func:`_grey_picture`; 400 for a picture with no ink.
    """
    grey = _grey_picture(data)
    try:
        return preprocess_digit(grey)
    except ShapeError as e:
        raise RequestError(400, f"{e}: expected a picture of one digit") from None


def _pixels(value: Any) -> NDArray[np.float32]:
    """JSON ``pixels`` -> float32 ``(28, 28)``, checked: numbers, finite, in [0, 1]."""
    expected = f"'pixels': expected {SIZE} lists of {SIZE} numbers in [0, 1]"
    if not isinstance(value, list):
        raise RequestError(400, f"{expected}, got {type(value).__name__}")
    rows_ok = all(isinstance(r, list) and len(r) == SIZE for r in value)
    if len(value) != SIZE or not rows_ok:
        lengths = [len(r) if isinstance(r, list) else type(r).__name__ for r in value[: SIZE + 1]]
        raise RequestError(400, f"{expected}, got {len(value)} rows ({lengths[:5]}...)")
    bad = [v for r in value for v in r if isinstance(v, bool) or not isinstance(v, (int, float))]
    if bad:
        raise RequestError(400, f"{expected}, got {type(bad[0]).__name__} {bad[0]!r:.40}")
    if not all(math.isfinite(v) for r in value for v in r):
        raise RequestError(400, f"{expected}, got NaN or infinity")
    a = np.array(value, dtype=np.float64)
    if a.min() < 0.0 or a.max() > 1.0:
        raise RequestError(400, f"{expected}, got values from {a.min():g} to {a.max():g}")
    return a.astype(np.float32)


def _data_url(value: Any) -> bytes:
    """A ``data:image/...;base64,...`` string -> the image bytes."""
    expected = "'image': expected a data URL string 'data:image/png;base64,...'"
    if not isinstance(value, str):
        raise RequestError(400, f"{expected}, got {type(value).__name__}")
    head, sep, body = value.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        raise RequestError(400, f"{expected}, got a string starting {value[:30]!r}")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(400, f"{expected}; its base64 part does not decode") from None


def decode_json(body: Any) -> NDArray[np.float32]:
    """A parsed JSON body -> the 28x28 digit.

    Args:
        body: ``{"pixels": 28x28 numbers}`` (used as is) or ``{"image": data URL}``
            (decoded, then MNIST's recipe).

    Returns:
        float32 ``(28, 28)`` in [0, 1].

    Raises:
        RequestError: 400 for anything else (other keys, wrong types or shapes, NaN,
            values outside [0, 1]); see :func:`decode_image` for the picture.
    """
    if not isinstance(body, dict) or len(set(body) & {"pixels", "image"}) != 1:
        got = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise RequestError(
            400,
            'JSON body: expected an object with one key, "pixels" (28x28 numbers in [0, 1]) '
            f'or "image" (a data URL), got {got}',
        )
    if "pixels" in body:
        return _pixels(body["pixels"])
    return decode_image(_data_url(body["image"]))
