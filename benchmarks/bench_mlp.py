"""Training speed of the chapter-5 network: 784-50-10, ReLU, batch 100, SGD lr 0.1.

One iteration = forward + backward + SGD update on a batch of 100 MNIST-shaped
samples (random pixels in [0, 1), random labels: the speed does not depend on the
values). Compared, in one process and interleaved round by round:

    dlscratch float32   TwoLayerNet(784, 50, 10, activation="relu") + SGD(lr=0.1)
    dlscratch float64   the same with dtype=np.float64
    book-style float64  the book's ch. 5 TwoLayerNet, written out below as the book
                        writes it (OrderedDict of Affine / Relu, SoftmaxWithLoss)
    fused NumPy float32 the same math as one bare function (``FusedStep``): no layers,
                        no checks, no first-layer dx; the floor for NumPy code
    PyTorch float32     nn.Linear-ReLU-nn.Linear, CrossEntropyLoss, optim.SGD, eager
                        (only when ``import torch`` works)

Before timing, cheap checks make sure all four compute the same thing (``--check``
runs only them, ``--no-check`` skips them). Targets: dlscratch float32 within 15% of
the fused step (issue 14), and its ratio to PyTorch (reported).

    PYTHONPATH=src python benchmarks/bench_mlp.py [--rounds 20] [--iters 300] [--threads N]
"""

from __future__ import annotations

import argparse
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from common import (
    add_common_args,
    check,
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
from dlscratch.functions import cross_entropy_error as dl_cross_entropy_error
from dlscratch.functions import softmax as dl_softmax
from dlscratch.networks import TwoLayerNet
from dlscratch.optimizers import SGD

INPUT, HIDDEN, OUTPUT = 784, 50, 10
BATCH = 100
LR = 0.1
POOL = 60  # batches generated up front and cycled through


# ======================================================================================
# The book's chapter-5 code, as the book writes it (common/functions.py,
# common/layers.py, ch05/two_layer_net.py), in float64 as NumPy gives it.
# ======================================================================================
def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T

    x = x - np.max(x)  # against overflow
    return np.exp(x) / np.sum(np.exp(x))


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)

    # one-hot labels become class indices
    if t.size == y.size:
        t = t.argmax(axis=1)

    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0  # the book writes into the gradient it was handed
        dx = dout
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = np.dot(self.x, self.W) + self.b
        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        dx = dx.reshape(*self.original_x_shape)
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None  # output of softmax
        self.t = None  # labels

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot labels
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class BookTwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, rng=None):
        # The book draws with np.random.randn; a Generator makes the run repeatable.
        rng = np.random.default_rng(rng)
        self.params = {}
        self.params["W1"] = weight_init_std * rng.standard_normal((input_size, hidden_size))
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * rng.standard_normal((hidden_size, output_size))
        self.params["b2"] = np.zeros(output_size)

        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])

        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def gradient(self, x, t):
        # forward
        self.loss(x, t)

        # backward
        dout = 1
        dout = self.lastLayer.backward(dout)

        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)

        grads = {}
        grads["W1"], grads["b1"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W2"], grads["b2"] = self.layers["Affine2"].dW, self.layers["Affine2"].db
        return grads


def book_sgd_update(params, grads, learning_rate):
    """The update of the book's ch05/train_neuralnet.py."""
    for key in ("W1", "b1", "W2", "b2"):
        params[key] -= learning_rate * grads[key]


class FusedStep:
    """One SGD step of the 784-50-10 ReLU network as one bare function, in place.

    The same math as dlscratch's TwoLayerNet + SGD, with nothing around it: the
    reference a layered, checked implementation is compared with (issue 14).
    """

    def __init__(self, init: dict[str, np.ndarray], dtype: type = np.float32):
        self.W1, self.b1 = init["W1"].astype(dtype), init["b1"].astype(dtype)
        self.W2, self.b2 = init["W2"].astype(dtype), init["b2"].astype(dtype)

    def __call__(self, x: np.ndarray, t: np.ndarray) -> float:
        n = x.shape[0]
        h = x @ self.W1
        h += self.b1
        np.maximum(h, 0, out=h)
        y = h @ self.W2
        y += self.b2
        y -= y.max(axis=1, keepdims=True)
        np.exp(y, out=y)
        z = y.sum(axis=1, keepdims=True)
        y /= z
        rows = np.arange(n)
        loss = float(-np.log(y[rows, t]).sum() / n)
        y[rows, t] -= 1  # dL/dscores = (softmax - onehot) / n
        y *= LR / n  # folded into the update: W -= lr * grad
        dh = y @ self.W2.T
        dh *= h > 0
        self.W2 -= h.T @ y
        self.b2 -= y.sum(axis=0)
        self.W1 -= x.T @ dh
        self.b1 -= dh.sum(axis=0)
        return loss


# ======================================================================================
# The benchmark
# ======================================================================================
def make_pool(seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """POOL batches of float64 inputs in [0, 1) (BATCH, 784) and int64 labels (BATCH,)."""
    rng = np.random.default_rng(seed)
    xs = [rng.random((BATCH, INPUT)) for _ in range(POOL)]
    ts = [rng.integers(0, OUTPUT, BATCH) for _ in range(POOL)]
    return xs, ts


def copy_weights(src: dict[str, np.ndarray], dst: dict[str, np.ndarray]) -> None:
    """Write ``src``'s values into ``dst``'s arrays in place (the layers hold them)."""
    for key, value in src.items():
        dst[key][...] = value


def make_torch_mlp(init: dict[str, np.ndarray]):
    """nn.Sequential(Linear, ReLU, Linear) holding ``init``'s weights, and its SGD."""
    assert torch is not None
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUT, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, OUTPUT)
    )
    with torch.no_grad():
        for i, layer in ((1, model[0]), (2, model[2])):  # nn.Linear keeps W transposed
            layer.weight.copy_(torch.from_numpy(init[f"W{i}"].T.astype(np.float32)))
            layer.bias.copy_(torch.from_numpy(init[f"b{i}"].astype(np.float32)))
    return model, torch.optim.SGD(model.parameters(), lr=LR)


def build_steps(xs: list[np.ndarray], ts: list[np.ndarray]) -> dict[str, Callable[[int], object]]:
    """One training-step function per implementation, all from the same initial weights.

    ``step(k)`` trains on batch ``k % POOL`` and returns that batch's loss (before the
    update; a tensor for PyTorch, not converted, so that timing does not include it).
    """
    steps: dict[str, Callable[[int], object]] = {}
    init = TwoLayerNet(INPUT, HIDDEN, OUTPUT, activation="relu", weight_init_std=0.01, seed=0)
    init64 = {k: v.astype(np.float64) for k, v in init.params.items()}

    for name, dtype in (("dlscratch float32", np.float32), ("dlscratch float64", np.float64)):
        net = TwoLayerNet(
            INPUT, HIDDEN, OUTPUT, activation="relu", weight_init_std=0.01, seed=0, dtype=dtype
        )
        opt = SGD(lr=LR)
        xd = [x.astype(dtype) for x in xs]  # converted here, not while timing

        def dl_step(k: int, net=net, opt=opt, xd=xd) -> float:
            grads = net.gradient(xd[k % POOL], ts[k % POOL])
            opt.update(net.params, grads)
            return net.last_loss

        steps[name] = dl_step

    book = BookTwoLayerNet(INPUT, HIDDEN, OUTPUT)
    copy_weights(init64, book.params)

    def book_step(k: int) -> float:
        grads = book.gradient(xs[k % POOL], ts[k % POOL])
        book_sgd_update(book.params, grads, LR)
        return book.lastLayer.loss

    steps["book-style float64"] = book_step

    fused = FusedStep(init64)
    x32 = [x.astype(np.float32) for x in xs]
    steps["fused NumPy float32"] = lambda k: fused(x32[k % POOL], ts[k % POOL])

    if torch is not None:
        model, opt_t = make_torch_mlp(init64)
        criterion = torch.nn.CrossEntropyLoss()
        xt = [torch.from_numpy(x.astype(np.float32)) for x in xs]
        tt = [torch.from_numpy(t.astype(np.int64)) for t in ts]

        def torch_step(k: int):
            opt_t.zero_grad(set_to_none=True)
            loss = criterion(model(xt[k % POOL]), tt[k % POOL])
            loss.backward()
            opt_t.step()
            return loss

        steps["PyTorch float32"] = torch_step
    return steps


def to_float(loss: object) -> float:
    """A loss as a Python float (``.item()`` for a PyTorch tensor)."""
    return loss.item() if hasattr(loss, "item") else float(loss)  # type: ignore[arg-type]


def run_checks(xs: list[np.ndarray], ts: list[np.ndarray]) -> None:
    """Cheap correctness checks; exits with status 1 on the first failure."""
    print("checks:")
    x, t = xs[0], ts[0]

    # 1. The book-style network with dlscratch's float64 weights computes the same.
    net = TwoLayerNet(
        INPUT, HIDDEN, OUTPUT, activation="relu", weight_init_std=0.01, seed=0, dtype=np.float64
    )
    book = BookTwoLayerNet(INPUT, HIDDEN, OUTPUT, rng=1)
    copy_weights(net.params, book.params)
    scores_dl, scores_book = net.predict(x), book.predict(x)
    diff = float(np.abs(scores_dl - scores_book).max())
    check(diff <= 1e-12, f"book-style scores == dlscratch float64 scores (max diff {diff:.1e})")
    loss_book = book.loss(x, t)
    # The book adds 1e-7 inside the log; dlscratch's SoftmaxWithLoss takes the exact
    # log-softmax. With the book's formula applied to dlscratch's scores they agree:
    loss_dl_delta = dl_cross_entropy_error(dl_softmax(scores_dl), t)
    diff = abs(loss_book - loss_dl_delta)
    message = f"book-style loss == dlscratch float64 loss with the book's 1e-7 ({diff:.1e})"
    check(diff <= 1e-12, message)
    loss_dl = net.loss(x, t)
    diff = abs(loss_book - loss_dl)
    check(diff <= 1e-5, f"... and dlscratch's exact loss differs by the 1e-7 only ({diff:.1e})")
    grads_dl, grads_book = net.gradient(x, t), book.gradient(x, t)
    diff = max(float(np.abs(grads_dl[k] - grads_book[k]).max()) for k in grads_dl)
    check(diff <= 1e-12, f"book-style gradients == dlscratch float64 gradients (max {diff:.1e})")

    # 2. Every timed step trains: from the same weights, on the same batches, the losses
    #    agree between implementations and fall when one batch is repeated.
    losses = {}
    for name, step in build_steps([x] * POOL, [t] * POOL).items():
        losses[name] = [to_float(step(k)) for k in range(30)]
    for name, curve in losses.items():
        check(
            curve[-1] < curve[0] - 0.02,
            f"{name}: loss on one repeated batch falls, {curve[0]:.4f} -> {curve[-1]:.4f}",
        )
    ref = np.array(losses["dlscratch float64"])
    for name, curve in losses.items():
        diff = float(np.abs(np.array(curve) - ref).max())
        check(diff <= 1e-4, f"{name}: same losses as dlscratch float64 (max diff {diff:.1e})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, rounds=20, iters=300)
    args = parser.parse_args(argv)
    set_threads(args.threads)

    print("== bench_mlp: TwoLayerNet 784-50-10 (ReLU), batch 100, SGD lr 0.1 ==")
    for line in machine_info():
        print(line)
    xs, ts = make_pool()
    if not args.no_check:
        run_checks(xs, ts)
    if args.check:
        return

    print(f"timing: {args.rounds} rounds x {args.iters} iterations of each, interleaved")
    seconds = interleaved(build_steps(xs, ts), args.rounds, args.iters)
    its = {name: 1.0 / median(s) for name, s in seconds.items()}
    ref_torch = its.get("PyTorch float32")
    ref_fused = its["fused NumPy float32"]
    ref_book = its["book-style float64"]
    rows = []
    for name, s in seconds.items():
        rows.append(
            [
                name,
                f"{its[name]:.0f}",
                f"{1e3 * median(s):.3f}",
                f"{1 / max(s):.0f}-{1 / min(s):.0f}",
                ratio(its[name], ref_torch),
                ratio(its[name], ref_book),
            ]
        )
    print()
    print_table(["implementation", "its/s", "ms/it", "its/s range", "vs PyTorch", "vs book"], rows)
    print("(its/s and ms/it: median over rounds; range: slowest-fastest round)")
    print()
    ours = seconds["dlscratch float32"]
    r_fused = paired_speed(ours, seconds["fused NumPy float32"])
    verdict = "PASS" if r_fused >= 1 / 1.15 else "FAIL"
    print(f"on {cpu_line()}; ratios: median of the per-round ratios")
    print(
        f"TARGET dlscratch float32 within 15% of the fused NumPy step: {verdict} "
        f"({r_fused:.2f}x its speed, {1 / r_fused - 1:+.0%} time; ratio of the medians "
        f"{its['dlscratch float32'] / ref_fused:.2f}x)"
    )
    if ref_torch is None:
        print("dlscratch float32 vs PyTorch CPU eager: not measured (PyTorch not installed)")
    else:
        r_torch = paired_speed(ours, seconds["PyTorch float32"])
        print(f"dlscratch float32 vs PyTorch CPU eager: {r_torch:.2f}x its speed (reported)")


if __name__ == "__main__":
    main()
