"""Train-step time of the ConvNets of chapters 7 and 8, and the memory of one step.

One step = forward + backward + Adam (lr 0.001) on a batch of 100 MNIST-shaped images
(1, 28, 28) with random pixels in [0, 1) and random labels. Compared, in one process and
interleaved round by round, for SimpleConvNet (book 7.5) and DeepConvNet (book 8.1):

    dlscratch float32   SimpleConvNet / DeepConvNet(seed=0, dtype=np.float32) + Adam
    book-style float64  the book's code written out below (im2col with its loop over
                        filter offsets, Convolution, Pooling, Dropout, Adam) plus the ch. 5
                        layers of bench_mlp.py (Affine, Relu, SoftmaxWithLoss)
    PyTorch float32     the same architectures with torch.nn, CrossEntropyLoss,
                        torch.optim.Adam, eager mode (only when ``import torch`` works)

Then the peak memory of one DeepConvNet train step (dlscratch float32 and book-style
float64), each in a fresh subprocess: the peak of the bytes traced by ``tracemalloc``
(NumPy reports its array allocations to it) during one step after a warm-up step, and
the growth of the process's maximum resident set size over those two steps.

Targets (issue 14), as multiples of PyTorch CPU eager's speed: SimpleConvNet 1.0x on a
CPU with AVX-512 (the issue's Intel Xeon), 2.0x on one with AVX2 only (the issue's AMD
machines); DeepConvNet 0.4x and 0.6x. Other CPUs get the figures without a verdict.

    PYTHONPATH=src python benchmarks/bench_conv.py [--rounds 8] [--iters 4] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench_mlp import Affine, Relu, SoftmaxWithLoss
from common import (
    add_common_args,
    check,
    cpu_kind,
    cpu_line,
    interleaved,
    machine_info,
    median,
    paired_speed,
    print_table,
    ratio,
    set_threads,
    torch,
)
from dlscratch.conv_fast import FastConvolution as DLConvolution
from dlscratch.networks import DeepConvNet, SimpleConvNet
from dlscratch.optimizers import Adam

BATCH = 100
LR = 0.001
POOL = 20  # batches generated up front and cycled through
NETS = ("SimpleConvNet", "DeepConvNet")
# Issue 14's targets: dlscratch float32's speed as a multiple of PyTorch's (eager, CPU).
# They depend on the CPU: with AVX-512, oneDNN's convolutions are far faster than
# OpenBLAS's GEMMs; on the AMD machines without it, much less so.
SPEED_TARGETS = {
    "SimpleConvNet": {"avx512": 1.0, "avx2": 2.0},
    "DeepConvNet": {"avx512": 0.4, "avx2": 0.6},
}
TARGET_MACHINES = {
    "avx512": "AVX-512: the issue's Intel Xeon targets",
    "avx2": "AVX2 without AVX-512: the issue's AMD targets",
    "other": "neither AVX-512 nor AVX2: no targets, figures only",
}


# ======================================================================================
# The book's chapter 6-8 code, as the book writes it (common/util.py, common/layers.py,
# common/optimizer.py, ch07/simple_convnet.py, ch08/deep_convnet.py). float64
# throughout: the book's im2col allocates with np.zeros, which is float64.
# ======================================================================================
def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1

    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))

    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]

    col = col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
    return col


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)

    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]

    return img[:, :, pad : H + pad, pad : W + pad]


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad

        # kept for backward
        self.x = None
        self.col = None
        self.col_W = None

        # gradients
        self.dW = None
        self.db = None

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape  # noqa: RUF059
        out_h = 1 + int((H + 2 * self.pad - FH) / self.stride)
        out_w = 1 + int((W + 2 * self.pad - FW) / self.stride)

        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T

        out = np.dot(col, col_W) + self.b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

        self.x = x
        self.col = col
        self.col_W = col_W

        return out

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)

        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout)
        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)

        dcol = np.dot(dout, self.col_W.T)
        dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)

        return dx


class Pooling:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad

        self.x = None
        self.arg_max = None

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = int(1 + (H - self.pool_h) / self.stride)
        out_w = int(1 + (W - self.pool_w) / self.stride)

        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)

        arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

        self.x = x
        self.arg_max = arg_max

        return out

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)

        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dmax = dmax.reshape((*dout.shape, pool_size))

        dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        dx = col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)

        return dx


class Dropout:
    def __init__(self, dropout_ratio=0.5, rng=None):
        self.dropout_ratio = dropout_ratio
        self.mask = None
        # The book draws with np.random.rand; a Generator makes the run repeatable.
        self.rng = np.random.default_rng(rng)

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = self.rng.random(x.shape) > self.dropout_ratio
            return x * self.mask
        else:
            return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


class BookAdam:
    """Adam (http://arxiv.org/abs/1412.6980v8), the book's common/optimizer.py."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m, self.v = {}, {}
            for key, val in params.items():
                self.m[key] = np.zeros_like(val)
                self.v[key] = np.zeros_like(val)

        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)

        for key in params.keys():
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


class BookSimpleConvNet:
    """conv - relu - pool - affine - relu - affine - softmax (ch07/simple_convnet.py)."""

    def __init__(
        self,
        input_dim=(1, 28, 28),
        conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},  # noqa: B006
        hidden_size=100,
        output_size=10,
        weight_init_std=0.01,
        rng=None,
    ):
        filter_num = conv_param["filter_num"]
        filter_size = conv_param["filter_size"]
        filter_pad = conv_param["pad"]
        filter_stride = conv_param["stride"]
        input_size = input_dim[1]
        conv_output_size = (input_size - filter_size + 2 * filter_pad) / filter_stride + 1
        pool_output_size = int(filter_num * (conv_output_size / 2) * (conv_output_size / 2))

        # weights (the book: np.random.randn)
        rng = np.random.default_rng(rng)
        self.params = {}
        self.params["W1"] = weight_init_std * rng.standard_normal(
            (filter_num, input_dim[0], filter_size, filter_size)
        )
        self.params["b1"] = np.zeros(filter_num)
        self.params["W2"] = weight_init_std * rng.standard_normal((pool_output_size, hidden_size))
        self.params["b2"] = np.zeros(hidden_size)
        self.params["W3"] = weight_init_std * rng.standard_normal((hidden_size, output_size))
        self.params["b3"] = np.zeros(output_size)

        # layers
        self.layers = OrderedDict()
        self.layers["Conv1"] = Convolution(
            self.params["W1"], self.params["b1"], conv_param["stride"], conv_param["pad"]
        )
        self.layers["Relu1"] = Relu()
        self.layers["Pool1"] = Pooling(pool_h=2, pool_w=2, stride=2)
        self.layers["Affine1"] = Affine(self.params["W2"], self.params["b2"])
        self.layers["Relu2"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W3"], self.params["b3"])

        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):  # train_flg: unused, as in the book
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=True):
        y = self.predict(x)
        return self.last_layer.forward(y, t)

    def gradient(self, x, t):
        # forward
        self.loss(x, t)

        # backward
        dout = 1
        dout = self.last_layer.backward(dout)

        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)

        grads = {}
        grads["W1"], grads["b1"] = self.layers["Conv1"].dW, self.layers["Conv1"].db
        grads["W2"], grads["b2"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W3"], grads["b3"] = self.layers["Affine2"].dW, self.layers["Affine2"].db

        return grads


class BookDeepConvNet:
    """The book's ch08/deep_convnet.py, 99% and more on MNIST.

    conv - relu - conv - relu - pool - conv - relu - conv - relu - pool -
    conv - relu - conv - relu - pool - affine - relu - dropout - affine - dropout - softmax
    """

    def __init__(
        self,
        input_dim=(1, 28, 28),
        conv_param_1={"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
        conv_param_2={"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
        conv_param_3={"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
        conv_param_4={"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},  # noqa: B006
        conv_param_5={"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
        conv_param_6={"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
        hidden_size=50,
        output_size=10,
        dropout_ratio=0.5,  # the book hard-codes 0.5; the checks use 0
        rng=None,
    ):
        # weights: He initialisation, sqrt(2 / number of inputs of each neuron)
        pre_node_nums = np.array(
            [1 * 3 * 3, 16 * 3 * 3, 16 * 3 * 3, 32 * 3 * 3, 32 * 3 * 3, 64 * 3 * 3, 64 * 4 * 4,
             hidden_size]
        )  # fmt: skip
        weight_init_scales = np.sqrt(2.0 / pre_node_nums)

        rng = np.random.default_rng(rng)
        self.params = {}
        pre_channel_num = input_dim[0]
        for idx, conv_param in enumerate(
            [conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6]
        ):
            self.params["W" + str(idx + 1)] = weight_init_scales[idx] * rng.standard_normal(
                (
                    conv_param["filter_num"],
                    pre_channel_num,
                    conv_param["filter_size"],
                    conv_param["filter_size"],
                )
            )
            self.params["b" + str(idx + 1)] = np.zeros(conv_param["filter_num"])
            pre_channel_num = conv_param["filter_num"]
        self.params["W7"] = weight_init_scales[6] * rng.standard_normal((64 * 4 * 4, hidden_size))
        self.params["b7"] = np.zeros(hidden_size)
        self.params["W8"] = weight_init_scales[7] * rng.standard_normal((hidden_size, output_size))
        self.params["b8"] = np.zeros(output_size)

        # layers
        p = self.params
        self.layers = []
        self.layers.append(
            Convolution(p["W1"], p["b1"], conv_param_1["stride"], conv_param_1["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(
            Convolution(p["W2"], p["b2"], conv_param_2["stride"], conv_param_2["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(Pooling(pool_h=2, pool_w=2, stride=2))
        self.layers.append(
            Convolution(p["W3"], p["b3"], conv_param_3["stride"], conv_param_3["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(
            Convolution(p["W4"], p["b4"], conv_param_4["stride"], conv_param_4["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(Pooling(pool_h=2, pool_w=2, stride=2))
        self.layers.append(
            Convolution(p["W5"], p["b5"], conv_param_5["stride"], conv_param_5["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(
            Convolution(p["W6"], p["b6"], conv_param_6["stride"], conv_param_6["pad"])
        )
        self.layers.append(Relu())
        self.layers.append(Pooling(pool_h=2, pool_w=2, stride=2))
        self.layers.append(Affine(p["W7"], p["b7"]))
        self.layers.append(Relu())
        self.layers.append(Dropout(dropout_ratio, rng=rng))
        self.layers.append(Affine(p["W8"], p["b8"]))
        self.layers.append(Dropout(dropout_ratio, rng=rng))

        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        for layer in self.layers:
            if isinstance(layer, Dropout):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=True):
        y = self.predict(x, train_flg)
        return self.last_layer.forward(y, t)

    def gradient(self, x, t):
        # forward
        self.loss(x, t)

        # backward
        dout = 1
        dout = self.last_layer.backward(dout)

        tmp_layers = self.layers.copy()
        tmp_layers.reverse()
        for layer in tmp_layers:
            dout = layer.backward(dout)

        # the layers that hold parameters
        grads = {}
        for i, layer_idx in enumerate((0, 2, 5, 7, 10, 12, 15, 18)):
            grads["W" + str(i + 1)] = self.layers[layer_idx].dW
            grads["b" + str(i + 1)] = self.layers[layer_idx].db

        return grads


BOOK_NETS = {"SimpleConvNet": BookSimpleConvNet, "DeepConvNet": BookDeepConvNet}
DL_NETS = {"SimpleConvNet": SimpleConvNet, "DeepConvNet": DeepConvNet}


# ======================================================================================
# PyTorch: the same architectures
# ======================================================================================
def make_torch_net(net: str, dropout: float = 0.5):
    """``nn.Sequential`` of the same layers as dlscratch's ``net``.

    PyTorch's Dropout scales by 1 / (1 - p) while training (the book scales at test
    time instead); the cost is the same.
    """
    assert torch is not None
    nn = torch.nn
    if net == "SimpleConvNet":
        return nn.Sequential(
            nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10),
        )  # fmt: skip
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1024, 50), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(50, 10), nn.Dropout(dropout),
    )  # fmt: skip


def copy_to_torch(params: dict[str, np.ndarray], model) -> None:
    """Put dlscratch's ``W1, b1, W2, ...`` into the model's layers, in order."""
    layers = [m for m in model if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    with torch.no_grad():
        for i, layer in enumerate(layers, start=1):
            w = params[f"W{i}"]
            w = w.T if w.ndim == 2 else w  # nn.Linear keeps W transposed
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
            layer.bias.copy_(torch.from_numpy(params[f"b{i}"].astype(np.float32)))


# ======================================================================================
# The benchmark
# ======================================================================================
@dataclass
class Impl:
    """One implementation: ``step(k)`` trains on batch k of the pool; ``eval_loss``."""

    step: Callable[[int], object]
    eval_loss: Callable[[np.ndarray, np.ndarray], float]


def make_pool(n: int = POOL, batch: int = BATCH, seed: int = 0):
    """``n`` batches of float64 images in [0, 1) (batch, 1, 28, 28) and int64 labels."""
    rng = np.random.default_rng(seed)
    xs = [rng.random((batch, 1, 28, 28)) for _ in range(n)]
    ts = [rng.integers(0, 10, batch) for _ in range(n)]
    return xs, ts


def build_impls(net: str, xs, ts) -> dict[str, Impl]:
    """dlscratch float32, book-style float64 and PyTorch float32 trainers of ``net``."""
    n = len(xs)
    impls: dict[str, Impl] = {}

    dl = DL_NETS[net](seed=0, dtype=np.float32)
    dl_opt = Adam(lr=LR)
    x32 = [x.astype(np.float32) for x in xs]  # converted here, not while timing

    def dl_step(k: int) -> float:
        grads = dl.gradient(x32[k % n], ts[k % n])
        dl_opt.update(dl.params, grads)
        return dl.last_loss

    impls["dlscratch float32"] = Impl(dl_step, lambda x, t: dl.loss(x, t, train_flg=False))
    # The networks compute in float64 unless told otherwise: this row must not.
    assert dl.dtype == np.float32, f"dlscratch float32 row built in {dl.dtype}"

    book = BOOK_NETS[net](rng=0)
    for key, value in dl.params.items():  # same start as dlscratch
        book.params[key][...] = value
    book_opt = BookAdam(lr=LR)

    def book_step(k: int) -> float:
        grads = book.gradient(xs[k % n], ts[k % n])
        book_opt.update(book.params, grads)
        return book.last_layer.loss

    impls["book-style float64"] = Impl(book_step, lambda x, t: book.loss(x, t, train_flg=False))

    if torch is not None:
        model = make_torch_net(net)
        copy_to_torch(dl.params, model)  # same start as dlscratch (not needed for speed)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        criterion = torch.nn.CrossEntropyLoss()
        xt = [torch.from_numpy(x) for x in x32]
        tt = [torch.from_numpy(t.astype(np.int64)) for t in ts]

        def torch_step(k: int):
            opt.zero_grad(set_to_none=True)
            loss = criterion(model(xt[k % n]), tt[k % n])
            loss.backward()
            opt.step()
            return loss

        def torch_eval_loss(x: np.ndarray, t: np.ndarray) -> float:
            model.eval()
            with torch.no_grad():
                xx = torch.from_numpy(x.astype(np.float32))
                loss = criterion(model(xx), torch.from_numpy(t.astype(np.int64))).item()
            model.train()
            return loss

        impls["PyTorch float32"] = Impl(torch_step, torch_eval_loss)
    return impls


def run_checks() -> None:
    """Cheap correctness checks on small batches; exits with status 1 on a failure."""
    print("checks:")
    xs, ts = make_pool(n=1, batch=8, seed=1)
    x, t = xs[0], ts[0]
    for net in NETS:
        # 1. Book-style == dlscratch in float64, same weights (dropout off: masks differ).
        no_dropout = {"dropout_ratio": 0.0} if net == "DeepConvNet" else {}
        dl = DL_NETS[net](seed=0, dtype=np.float64, **no_dropout)
        book = BOOK_NETS[net](rng=1, **no_dropout)
        for key, value in dl.params.items():
            book.params[key][...] = value
        diff = float(np.abs(dl.predict(x) - book.predict(x)).max())
        check(diff <= 1e-10, f"{net}: book-style scores == dlscratch float64 (max {diff:.1e})")
        g_dl, g_book = dl.gradient(x, t), book.gradient(x, t)
        rel = max(
            float(np.abs(g_dl[k] - g_book[k]).max() / (np.abs(g_dl[k]).max() + 1e-30)) for k in g_dl
        )
        check(rel <= 1e-8, f"{net}: book-style gradients == dlscratch float64 (rel {rel:.1e})")

        # 2. PyTorch's architecture is the same: same weights, same scores.
        if torch is not None:
            dl32 = DL_NETS[net](seed=0, dtype=np.float32, **no_dropout)
            model = make_torch_net(net, dropout=0.0)
            copy_to_torch(dl32.params, model)
            with torch.no_grad():
                scores = model(torch.from_numpy(x.astype(np.float32))).numpy()
            ref = dl32.predict(x)
            rel = float(np.abs(scores - ref).max() / np.abs(ref).max())
            check(rel <= 1e-4, f"{net}: PyTorch scores == dlscratch float32 (rel {rel:.1e})")

        # 3. Every timed step trains: 10 steps on one batch lower its (test-mode) loss.
        for name, impl in build_impls(net, [x] * 2, [t] * 2).items():
            before = impl.eval_loss(x, t)
            for k in range(10):
                impl.step(k)
            after = impl.eval_loss(x, t)
            check(after < before - 0.05, f"{net} {name}: loss {before:.4f} -> {after:.4f}")


def max_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB.

    Linux: ``VmHWM`` of /proc/self/status, because ``getrusage``'s ``ru_maxrss`` carries
    the parent's peak over into a freshly started child. Elsewhere: ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes / KiB


def measure_memory(name: str) -> dict[str, float]:
    """Memory of one DeepConvNet train step of ``name`` (run in a fresh process)."""
    xs, ts = make_pool(n=1)
    if name == "dlscratch float32":
        net = DeepConvNet(seed=0, dtype=np.float32)
        opt = Adam(lr=LR)
        x = xs[0].astype(np.float32)
    else:
        net = BookDeepConvNet(rng=0)
        opt = BookAdam(lr=LR)
        x = xs[0]
    t = ts[0]
    params = sum(v.nbytes for v in net.params.values())

    def step() -> None:
        opt.update(net.params, net.gradient(x, t))

    rss0 = max_rss_mib()
    tracemalloc.start()
    step()  # warm-up: allocates the optimizer's state, the layers' caches
    tracemalloc.reset_peak()
    held, _ = tracemalloc.get_traced_memory()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = max_rss_mib()
    return {
        "params": params / 2**20,
        "held": held / 2**20,
        "peak": peak / 2**20,
        "rss": rss1 - rss0,
    }


def report_memory(threads: int | None) -> None:
    print()
    print("memory of one DeepConvNet train step, batch 100 (MiB; each in a fresh process):")
    rows = []
    for name in ("dlscratch float32", "book-style float64"):
        cmd = [sys.executable, __file__, "--memory-of", name]
        if threads is not None:
            cmd += ["--threads", str(threads)]
        out = subprocess.run(
            cmd,
            env={**os.environ, "BENCH_NO_TORCH": "1"},  # keep its import out of max RSS
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        m = json.loads(out.strip().splitlines()[-1])
        rows.append(
            [name, f"{m['peak']:.1f}", f"{m['held']:.1f}", f"{m['params']:.2f}", f"{m['rss']:.1f}"]
        )
    print_table(
        ["implementation", "peak traced", "held between steps", "params", "max RSS growth"],
        rows,
    )
    print(
        "(peak traced: tracemalloc's peak during the second step, counting what was allocated\n"
        " from the first step on, so not the parameters or the input batch; held between\n"
        " steps: of that, alive when the second step starts (optimizer state, caches);\n"
        " max RSS growth: of the process, over the warm-up step and the measured step)"
    )


def blas_floor_ms(net: str, repeats: int = 5) -> dict[str, float]:
    """Milliseconds of only the matrix products of one dlscratch float32 train step.

    For each Convolution of ``net`` (batch 100): the forward product Wc @ col^T, the
    weight gradient dY^T @ col and the input gradient's FH*FW products W[:, :, p, q]^T
    @ dY^T (none for the first layer), each timed on arrays of the layer's real shapes
    (median of ``repeats``), with the caches warm. dlscratch's step cannot be faster
    than their sum, whatever it does around them.
    """
    model = DL_NETS[net](seed=0, dtype=np.float32)
    xs, ts = make_pool(n=1)
    model.gradient(xs[0].astype(np.float32), ts[0])  # fills each layer's x and col_t
    rng = np.random.default_rng(0)

    def timed(f: Callable[[], object]) -> float:
        f()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            f()
            times.append(time.perf_counter() - start)
        return 1e3 * median(times)

    totals = {"forward": 0.0, "dW": 0.0, "dx": 0.0}
    convs = [layer for layer in model.layers.values() if isinstance(layer, DLConvolution)]
    for i, conv in enumerate(convs):
        FN, C, FH, FW = conv.W.shape
        Wc, col_t = conv.W.reshape(FN, -1), conv.col_t
        dY_t = rng.standard_normal((FN, col_t.shape[1])).astype(np.float32)
        block = np.empty((C, col_t.shape[1]), dtype=np.float32)
        totals["forward"] += timed(lambda Wc=Wc, col_t=col_t: Wc @ col_t)
        totals["dW"] += timed(lambda dY_t=dY_t, col_t=col_t: dY_t @ col_t.T)
        if i > 0:
            ws = [conv.W[:, :, p, q].T for p in range(FH) for q in range(FW)]
            totals["dx"] += timed(
                lambda ws=ws, dY_t=dY_t, block=block: [np.matmul(w, dY_t, out=block) for w in ws]
            )
    return totals


def report_blas_floor(net: str, ours: float, theirs: float | None) -> None:
    floor = blas_floor_ms(net)
    total = sum(floor.values())
    parts = ", ".join(f"{k} {v:.1f}" for k, v in floor.items())
    print(
        f"{net}: the BLAS products of the convolutions alone take {total:.1f} ms per step "
        f"({parts}); dlscratch's whole step {ours:.1f} ms"
        + (f", PyTorch's {theirs:.1f} ms" if theirs is not None else "")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, rounds=8, iters=4)
    parser.add_argument("--net", choices=[*NETS, "both"], default="both")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory report")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)  # internal: one subprocess
    args = parser.parse_args(argv)
    set_threads(args.threads)
    if args.memory_of:
        print(json.dumps(measure_memory(args.memory_of)))
        return

    print("== bench_conv: ConvNets, batch 100 of 1x28x28, forward + backward + Adam 0.001 ==")
    for line in machine_info():
        print(line)
    if not args.no_check:
        run_checks()
    if args.check:
        return

    nets = NETS if args.net == "both" else (args.net,)
    xs, ts = make_pool()
    verdicts = []
    for net in nets:
        print()
        print(f"{net}: {args.rounds} rounds x {args.iters} steps of each, interleaved")
        impls = build_impls(net, xs, ts)
        seconds = interleaved({k: v.step for k, v in impls.items()}, args.rounds, args.iters, 1)
        ms = {name: 1e3 * median(s) for name, s in seconds.items()}
        ref_torch, ref_book = ms.get("PyTorch float32"), ms["book-style float64"]
        rows = [
            [
                name,
                f"{ms[name]:.1f}",
                f"{1e3 * min(s):.1f}-{1e3 * max(s):.1f}",
                ratio(ref_torch, ms[name]),
                ratio(ref_book, ms[name]),
            ]
            for name, s in seconds.items()
        ]
        print_table(["implementation", "ms/step", "range", "speed vs PyTorch", "vs book"], rows)
        print(
            "(ms/step: median over rounds; range: fastest-slowest round; speed: x times as "
            "fast, the ratio of the medians; the TARGET lines use the median of the "
            "per-round ratios)"
        )
        if ref_torch is not None:
            speed = paired_speed(seconds["dlscratch float32"], seconds["PyTorch float32"])
            verdicts.append((net, ms["dlscratch float32"], ref_torch, speed))
        report_blas_floor(net, ms["dlscratch float32"], ref_torch)

    if not args.no_memory:
        report_memory(args.threads)

    print()
    kind = cpu_kind()
    print(f"on {cpu_line()} ({TARGET_MACHINES[kind]}); speed: median of the per-round ratios")
    if torch is None:
        print("TARGET speed vs PyTorch CPU eager: SKIP (PyTorch not installed)")
    for net, ours, theirs, speed in verdicts:
        target = SPEED_TARGETS[net].get(kind)
        figures = f"{speed:.2f}x its speed; {ours:.1f} vs {theirs:.1f} ms/step"
        if target is None:
            print(f"{net} vs PyTorch CPU eager: {figures} (issue 14 sets no target here)")
            continue
        verdict = "PASS" if speed >= target else "FAIL"
        print(
            f"TARGET {net}: dlscratch float32 at least {target}x PyTorch CPU eager's speed: "
            f"{verdict} ({figures})"
        )


if __name__ == "__main__":
    main()
