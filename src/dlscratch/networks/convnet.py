"""Convolutional networks of chapters 7 and 8: SimpleConvNet and DeepConvNet.

Their convolution and pooling layers are :class:`dlscratch.conv_fast.FastConvolution`
and :class:`dlscratch.conv_fast.FastPooling`: the book's ``Convolution`` and
``Pooling`` (:mod:`dlscratch.layers`), laid out for speed, same numbers. The input is
checked once, by ``predict`` / ``loss`` / ``gradient`` (see ``_input``); the layers
trust it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from dlscratch.conv_fast import FastConvolution, FastPooling
from dlscratch.errors import ShapeError
from dlscratch.layers import Affine, Dropout, Relu, conv_output_size
from dlscratch.networks.base import (
    LayeredNetwork,
    child_generator,
    resolve_dtype,
    weight_generator,
    weight_std,
)
from dlscratch.validation import as_real_array, check_mapping, check_size, describe

__all__ = ["DeepConvNet", "SimpleConvNet"]

_DEFAULT_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


def _conv_param(p: Mapping[str, Any]) -> dict[str, int]:
    check_mapping("conv_param", p)
    missing = {"filter_num", "filter_size", "pad", "stride"} - set(p)
    if missing:
        raise ValueError(f"conv_param: missing {sorted(missing)} in {dict(p)}")
    return {
        k: check_size(f"conv_param[{k!r}]", p[k], 0 if k == "pad" else 1)
        for k in ("filter_num", "filter_size", "pad", "stride")
    }


def _input_dim(input_dim: Any) -> tuple[int, int, int]:
    """``input_dim`` as (C, H, W), each an int >= 1."""
    if isinstance(input_dim, (str, bytes)) or not hasattr(input_dim, "__len__"):
        raise TypeError(f"input_dim: expected (C, H, W), got {describe(input_dim)}")
    if len(input_dim) != 3:
        raise ValueError(f"input_dim: expected 3 sizes (C, H, W), got {describe(input_dim)}")
    c, h, w = (check_size("input_dim", v) for v in input_dim)
    return c, h, w


class _ConvNetMixin(LayeredNetwork):
    input_is_image: ClassVar[bool] = True
    eval_batch_size: ClassVar[int] = 100  # im2col of 1000 images takes gigabytes
    input_dim: tuple[int, int, int]
    _config: dict[str, Any]

    def _input(self, x: ArrayLike) -> Any:
        xa = np.asarray(as_real_array("x", x), dtype=self.dtype)
        if xa.ndim == 2 and xa.shape[1] == int(np.prod(self.input_dim)):
            xa = xa.reshape(-1, *self.input_dim)  # flat MNIST rows are accepted too
        elif xa.ndim == 3 and xa.shape == self.input_dim:
            xa = xa[np.newaxis]  # one un-batched image
        if xa.ndim != 4 or xa.shape[1:] != self.input_dim:
            raise ShapeError(
                f"x: expected images of shape (N, {', '.join(map(str, self.input_dim))}), "
                f"got {xa.shape}"
            )
        return xa

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    @classmethod
    def from_book_params(
        cls, params: Mapping[str, ArrayLike], dtype: DTypeLike = np.float64
    ) -> LayeredNetwork:
        """The network with the parameters of the book's pickle (``params.pkl``).

        Raises:
            ModelFileError: names or shapes differ from the book's architecture.
        """
        net = cls(dtype=dtype)  # type: ignore[call-arg]
        net.load_params(params)
        return net


class SimpleConvNet(_ConvNetMixin):
    """conv - ReLU - pool - Affine - ReLU - Affine - softmax (book 7.5).

    Args:
        input_dim: ``(C, H, W)`` of the input images (MNIST: ``(1, 28, 28)``).
        conv_param: ``filter_num`` (30), ``filter_size`` (5), ``pad`` (0), ``stride`` (1).
        hidden_size: units of the hidden Affine layer (100).
        output_size: classes (10).
        weight_init_std: std of the initial weights (the book's 0.01), or ``'he'``.
        seed: seed of the initial weights.
        dtype: float64 (the default, as the book) or float32 (faster, see
            benchmarks/README.md; the CLI's default).

    ``params``: ``W1`` (FN, C, FS, FS) and ``b1`` of the convolution, ``W2``
    (FN*pooled H*pooled W, hidden), ``b2``, ``W3`` (hidden, output), ``b3``. Pooling is
    2x2 with stride 2. The book's ``params.pkl`` (ch07) loads into the default shape.

    Raises:
        ValueError, ShapeError: bad parameters or sizes that do not fit.
    """

    architecture: ClassVar[str] = "SimpleConvNet"

    def __init__(
        self,
        input_dim: Sequence[int] = (1, 28, 28),
        conv_param: Mapping[str, Any] | None = None,
        hidden_size: int = 100,
        output_size: int = 10,
        weight_init_std: float | str = 0.01,
        seed: int | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        c, h, w = _input_dim(input_dim)
        hidden_size = check_size("hidden_size", hidden_size)
        output_size = check_size("output_size", output_size)
        self.input_dim = (c, h, w)
        cp = _conv_param(conv_param or _DEFAULT_CONV)
        fn, fs = cp["filter_num"], cp["filter_size"]
        conv_h = conv_output_size(h, fs, cp["stride"], cp["pad"])
        conv_w = conv_output_size(w, fs, cp["stride"], cp["pad"])
        pool_out = fn * conv_output_size(conv_h, 2, 2) * conv_output_size(conv_w, 2, 2)
        dt = resolve_dtype(dtype)
        self._config = {
            "input_dim": list(self.input_dim),
            "conv_param": cp,
            "hidden_size": int(hidden_size),
            "output_size": int(output_size),
            "weight_init_std": weight_init_std,
        }
        rng = weight_generator(seed)
        shapes = {
            "W1": (fn, c, fs, fs),
            "W2": (pool_out, hidden_size),
            "W3": (hidden_size, output_size),
        }
        fan_in = {"W1": c * fs * fs, "W2": pool_out, "W3": hidden_size}
        self.params = {}
        for i, (name, shape) in enumerate(shapes.items(), start=1):
            std = weight_std(weight_init_std, fan_in[name])
            self.params[name] = (rng.standard_normal(shape) * std).astype(dt)
            self.params[f"b{i}"] = np.zeros(shape[0] if i == 1 else shape[1], dtype=dt)
        conv = FastConvolution(self.params["W1"], self.params["b1"], cp["stride"], cp["pad"])
        aff1 = Affine(self.params["W2"], self.params["b2"])
        aff2 = Affine(self.params["W3"], self.params["b3"])
        self.layers = {
            "Conv1": conv,
            "Relu1": Relu(),
            "Pool1": FastPooling(2, 2, stride=2),
            "Affine1": aff1,
            "Relu2": Relu(),
            "Affine2": aff2,
        }
        self._slots = {
            "W1": (conv, "W"), "b1": (conv, "b"),
            "W2": (aff1, "W"), "b2": (aff1, "b"),
            "W3": (aff2, "W"), "b3": (aff2, "b"),
        }  # fmt: skip


_DEEP_CONV = (
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
)


class DeepConvNet(_ConvNetMixin):
    """The book's deep ConvNet for MNIST (book 8.1, fig. 8-1), about 99.4% accurate.

    conv - ReLU - conv - ReLU - pool - conv - ReLU - conv - ReLU - pool - conv - ReLU -
    conv - ReLU - pool - Affine - ReLU - Dropout - Affine - Dropout - softmax.

    All filters are 3x3; 16, 16, 32, 32, 64, 64 of them with pads 1, 1, 1, 2, 1, 1;
    pools are 2x2 with stride 2; weights use He initialisation (sqrt(2 / fan_in)).

    Args:
        input_dim: ``(C, H, W)``, ``(1, 28, 28)`` for MNIST.
        conv_param_1 ... conv_param_6: the six convolutions (the book's defaults).
        hidden_size: units of the hidden Affine layer (50).
        output_size: classes (10).
        dropout_ratio: of both Dropout layers (0.5, book semantics: see ``Dropout``).
        seed: seed of the initial weights and the dropout masks.
        dtype: float64 (the default, as the book) or float32 (faster, see
            benchmarks/README.md; the CLI's default).

    ``params``: ``W1..W6`` (FN, C, 3, 3) and ``b1..b6`` of the convolutions, ``W7``
    (64*4*4, 50), ``b7``, ``W8`` (50, 10), ``b8``; the book's
    ``deep_convnet_params.pkl`` loads into the default shape.
    """

    architecture: ClassVar[str] = "DeepConvNet"

    def __init__(
        self,
        input_dim: Sequence[int] = (1, 28, 28),
        conv_param_1: Mapping[str, Any] = _DEEP_CONV[0],
        conv_param_2: Mapping[str, Any] = _DEEP_CONV[1],
        conv_param_3: Mapping[str, Any] = _DEEP_CONV[2],
        conv_param_4: Mapping[str, Any] = _DEEP_CONV[3],
        conv_param_5: Mapping[str, Any] = _DEEP_CONV[4],
        conv_param_6: Mapping[str, Any] = _DEEP_CONV[5],
        hidden_size: int = 50,
        output_size: int = 10,
        dropout_ratio: float = 0.5,
        seed: int | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        c, h, w = _input_dim(input_dim)
        hidden_size = check_size("hidden_size", hidden_size)
        output_size = check_size("output_size", output_size)
        self.input_dim = (c, h, w)
        convs = [
            _conv_param(p)
            for p in (
                conv_param_1,
                conv_param_2,
                conv_param_3,
                conv_param_4,
                conv_param_5,
                conv_param_6,
            )
        ]
        dt = resolve_dtype(dtype)
        self._config = {
            "input_dim": list(self.input_dim),
            **{f"conv_param_{i}": cp for i, cp in enumerate(convs, start=1)},
            "hidden_size": int(hidden_size),
            "output_size": int(output_size),
            "dropout_ratio": float(dropout_ratio),
        }
        rng = weight_generator(seed)
        self.params = {}
        channels = c
        for i, cp in enumerate(convs, start=1):
            fs = cp["filter_size"]
            shape = (cp["filter_num"], channels, fs, fs)
            std = weight_std("he", channels * fs * fs)
            self.params[f"W{i}"] = (rng.standard_normal(shape) * std).astype(dt)
            self.params[f"b{i}"] = np.zeros(cp["filter_num"], dtype=dt)
            conv = FastConvolution(
                self.params[f"W{i}"], self.params[f"b{i}"], cp["stride"], cp["pad"]
            )
            self.layers[f"Conv{i}"] = conv
            self.layers[f"Relu{i}"] = Relu()
            self._slots[f"W{i}"] = (conv, "W")
            self._slots[f"b{i}"] = (conv, "b")
            h = conv_output_size(h, fs, cp["stride"], cp["pad"])
            w = conv_output_size(w, fs, cp["stride"], cp["pad"])
            channels = cp["filter_num"]
            if i % 2 == 0:
                self.layers[f"Pool{i // 2}"] = FastPooling(2, 2, stride=2)
                h, w = conv_output_size(h, 2, 2), conv_output_size(w, 2, 2)
        flat = channels * h * w
        for i, (fan_in, fan_out) in ((7, (flat, hidden_size)), (8, (hidden_size, output_size))):
            std = weight_std("he", fan_in)
            self.params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) * std).astype(dt)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dt)
            aff = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            self.layers[f"Affine{i - 6}"] = aff
            self._slots[f"W{i}"] = (aff, "W")
            self._slots[f"b{i}"] = (aff, "b")
            if i == 7:
                self.layers["Relu7"] = Relu()
            child = child_generator(rng)
            self.layers[f"Dropout{i - 6}"] = Dropout(dropout_ratio, rng=child)
