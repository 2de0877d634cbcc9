"""Figures of the book, drawn with matplotlib.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (so no
display and no global state is needed); save it with ``fig.savefig(path)`` or
:func:`save_figure`, which writes atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError
from dlscratch.experiments import (
    BatchNormComparison,
    OptimizerPath,
    optimizer_paths,
    optimizer_test_function,
    smooth_curve,
)
from dlscratch.functions import relu, sigmoid, step_function
from dlscratch.gradient import gradient_descent_path, numerical_diff, numerical_gradient
from dlscratch.io import atomic_write

__all__ = [
    "plot_activations",
    "plot_batchnorm_comparison",
    "plot_descent_path",
    "plot_digit",
    "plot_filters",
    "plot_gradient_field",
    "plot_init_histograms",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_optimizer_comparison",
    "plot_optimizer_paths",
    "plot_overfitting",
    "plot_prediction",
    "plot_search_results",
    "plot_tangent",
    "save_figure",
]


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Save ``fig`` to ``path`` atomically; the format follows the suffix (.png, .pdf, .svg).

    Raises:
        ValueError: a suffix matplotlib cannot write.
    """
    target = Path(path)
    fmt = target.suffix.lstrip(".").lower() or "png"
    if fmt not in fig.canvas.get_supported_filetypes():
        raise ValueError(
            f"{target}: cannot save a figure as '.{fmt}'; use one of "
            f"{sorted(fig.canvas.get_supported_filetypes())}"
        )
    atomic_write(target, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi, bbox_inches="tight"))
    return target


def plot_activations(x_range: tuple[float, float] = (-5.0, 5.0)) -> Figure:
    """Step, sigmoid and ReLU on one axes (book figs. 3-6, 3-7, 3-9)."""
    x = np.linspace(*x_range, 1001)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(x, step_function(x), label="step", linestyle="--")
    ax.plot(x, sigmoid(x), label="sigmoid")
    ax.plot(x, relu(x), label="ReLU", linestyle=":")
    ax.set_ylim(-0.1, 1.5)
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    ax.set_title("Activation functions (book ch. 3)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.legend()
    return fig


def _function_1(x: Any) -> Any:
    return 0.01 * x**2 + 0.1 * x


def plot_tangent(
    f: Callable[[Any], Any] = _function_1, at: float = 5.0, x_range: tuple[float, float] = (0, 20)
) -> Figure:
    """f(x) = 0.01x^2 + 0.1x and its tangent at ``at`` from ``numerical_diff`` (fig. 4-7)."""
    x = np.linspace(*x_range, 401)
    slope = numerical_diff(f, at)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(x, f(x), label="f(x) = 0.01x² + 0.1x")
    ax.plot(
        x,
        slope * (x - at) + f(at),
        linestyle="--",
        label=f"tangent at x={at:g} (slope {slope:.4f})",
    )
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title("Numerical differentiation (book fig. 4-7)")
    ax.legend()
    return fig


def _function_2(x: NDArray[Any]) -> float:
    return float(np.sum(x**2))


def plot_gradient_field(grid: int = 13) -> Figure:
    """Negative gradients of x0^2 + x1^2 as arrows on a grid (book fig. 4-9)."""
    ticks = np.linspace(-2, 2.5, grid)
    x0, x1 = np.meshgrid(ticks, ticks)
    points = np.stack([x0.ravel(), x1.ravel()], axis=1)
    grads = np.array([numerical_gradient(_function_2, p.copy()) for p in points])
    fig = Figure(figsize=(6, 6))
    ax = fig.add_subplot()
    ax.quiver(points[:, 0], points[:, 1], -grads[:, 0], -grads[:, 1], angles="xy", color="#666")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")
    ax.set_title("Negative gradient of x0² + x1² (book fig. 4-9)")
    ax.grid(True, linewidth=0.3)
    return fig


def plot_descent_path(
    init_x: ArrayLike = (-3.0, 4.0), lr: float = 0.1, step_num: int = 20
) -> Figure:
    """Gradient descent on x0^2 + x1^2 from ``init_x`` (book fig. 4-10)."""
    _, history = gradient_descent_path(_function_2, np.asarray(init_x, dtype=float), lr, step_num)
    fig = Figure(figsize=(6, 6))
    ax = fig.add_subplot()
    ax.plot([-5, 5], [0, 0], "--b", linewidth=0.5)
    ax.plot([0, 0], [-5, 5], "--b", linewidth=0.5)
    ax.plot(history[:, 0], history[:, 1], "o", markersize=4)
    ax.set_xlim(-3.5, 3.5)
    ax.set_ylim(-4.5, 4.5)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title(f"Gradient descent, lr={lr:g}, {step_num} steps (book fig. 4-10)")
    return fig


def plot_learning_curves(history: Mapping[str, Sequence[float]] | Any, title: str = "") -> Figure:
    """Loss per iteration and accuracy per epoch (book figs. 4-11, 4-12).

    Args:
        history: a :class:`dlscratch.trainer.History` or its ``to_dict()``.
    """
    h = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    fig = Figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(np.arange(1, len(h["loss"]) + 1), h["loss"], linewidth=0.7)
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("loss")
    ax1.set_title("Training loss")
    epochs = np.arange(1, len(h["test_acc"]) + 1)
    ax2.plot(epochs, h["train_acc"], marker="o", label="train")
    ax2.plot(epochs, h["test_acc"], marker="s", linestyle="--", label="test")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.set_ylim(0, 1.0)
    ax2.set_title("Accuracy")
    ax2.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    return fig


def plot_digit(image: ArrayLike, label: int | None = None, title: str = "") -> Figure:
    """One MNIST digit, ``(784,)``, ``(28, 28)`` or ``(1, 28, 28)``, in grey levels."""
    img = np.asarray(image).reshape(28, 28)
    fig = Figure(figsize=(3, 3))
    ax = fig.add_subplot()
    ax.imshow(img, cmap="gray_r")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or (f"label {label}" if label is not None else ""))
    return fig


def plot_prediction(
    original: ArrayLike, prepared: ArrayLike, probabilities: ArrayLike, title: str = ""
) -> Figure:
    """What a network made of one picture: the picture, the 28x28 it saw, and P(class).

    Args:
        original: the picture as read, ``(H, W)`` grey levels in [0, 1].
        prepared: what the network saw, ``(28, 28)`` (bright ink on black).
        probabilities: ``(10,)``, e.g. from :func:`dlscratch.inference.probabilities`.
        title: the figure's title (e.g. the file and the model).

    Returns:
        A figure of three panels; the winning class's bar is highlighted.
    """
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    fig = Figure(figsize=(9, 3))
    ax1, ax2, ax3 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.6]})
    ax1.imshow(np.asarray(original), cmap="gray", vmin=0, vmax=1)
    ax1.set_title("picture")
    ax2.imshow(np.asarray(prepared).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
    ax2.set_title("what the network sees (28x28)")
    for ax in (ax1, ax2):
        ax.set_xticks([])
        ax.set_yticks([])
    colours = ["tab:orange" if k == int(p.argmax()) else "tab:blue" for k in range(p.size)]
    ax3.bar(np.arange(p.size), p, color=colours)
    ax3.set_xticks(np.arange(p.size))
    ax3.set_ylim(0, 1)
    ax3.set_xlabel("class")
    ax3.set_ylabel("probability")
    ax3.set_title(f"prediction: {int(p.argmax())} ({p.max():.1%})")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- chapter 6


def plot_optimizer_paths(paths: Mapping[str, OptimizerPath] | None = None) -> Figure:
    """Paths of SGD, Momentum, AdaGrad and Adam on f(x, y) = x²/20 + y² (book fig. 6-8).

    One subplot per optimizer (2 columns): contour lines of f, the path as markers
    joined by a line from its start, and the minimum (0, 0) as a cross.

    Args:
        paths: from :func:`dlscratch.experiments.optimizer_paths`; default: the book's
            four optimizers, 30 steps each from (-7, 2).
    """
    chosen = optimizer_paths() if paths is None else paths
    n = len(chosen)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(5.5 * ncols, 3.6 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    gx, gy = np.meshgrid(np.linspace(-10, 10, 201), np.linspace(-5, 5, 101))
    z = optimizer_test_function(gx, gy)
    for ax, (name, p) in zip(axes, chosen.items(), strict=False):
        ax.contour(gx, gy, z, levels=[0.25, 1, 2, 4, 7, 11, 16, 22], colors="#9ab", linewidths=0.8)
        ax.plot(p.path[:, 0], p.path[:, 1], "o-", color="red", markersize=3, linewidth=0.8)
        ax.plot(p.path[0, 0], p.path[0, 1], "s", color="black", markersize=5, label="start")
        ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2, label="minimum")
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"{name} (lr={p.lr:g})")
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(loc="lower right", fontsize="small")
    steps = len(next(iter(chosen.values())).path) - 1 if chosen else 0
    fig.suptitle(f"Optimizers on f(x, y) = x²/20 + y², {steps} steps (book fig. 6-8)")
    return fig


def plot_init_histograms(
    activations: Mapping[str, ArrayLike], activation: str = "sigmoid", bins: int = 30
) -> Figure:
    """Histograms of each layer's activations for several weight inits (figs. 6-10..6-14).

    Rows are inits, columns are layers, as computed by
    :func:`dlscratch.experiments.init_activations` (each value (layers, N, D)). Bins
    cover [0, 1] as in the book ([-1, 1] for tanh). For ReLU, half of the values are
    exactly 0; like the book, the y axis is cut at 7000 so the other bins stay visible.

    Args:
        activations: init label -> activations (layers, N, D).
        activation: the activation's name, for the titles and the bin range.
        bins: bins per histogram (book: 30).
    """
    rows = list(activations.items())
    n_layers = max((np.shape(a)[0] for _, a in rows), default=1)
    fig = Figure(figsize=(2.2 * n_layers, 2.0 * max(len(rows), 1) + 0.6), layout="constrained")
    axes = fig.subplots(max(len(rows), 1), n_layers, squeeze=False)
    lo = -1.0 if activation == "tanh" else 0.0
    for r, (label, acts) in enumerate(rows):
        a = np.asarray(acts)
        for c in range(n_layers):
            ax = axes[r, c]
            if c < a.shape[0]:
                ax.hist(a[c].ravel(), bins=bins, range=(lo, 1.0), color="#4477aa")
            if activation == "relu":
                ax.set_ylim(0, 7000)
            if r == 0:
                ax.set_title(f"layer {c + 1}")
            if c == 0:
                ax.set_ylabel(label)
            else:
                ax.set_yticks([])
    figs = {"sigmoid": "figs. 6-10, 6-11, 6-13", "relu": "fig. 6-14"}.get(activation, "6.2")
    cut = "; y axis cut at 7000 (half the values are 0)" if activation == "relu" else ""
    fig.suptitle(f"{activation} activations per layer, by weight init (book {figs}){cut}")
    return fig


def plot_optimizer_comparison(
    losses: Mapping[str, ArrayLike], smooth: bool = True, ylim: tuple[float, float] = (0.0, 1.0)
) -> Figure:
    """Training loss per iteration of several optimizers on MNIST (book fig. 6-9).

    Args:
        losses: display name -> loss per iteration, from
            :func:`dlscratch.experiments.compare_optimizers`.
        smooth: draw :func:`dlscratch.experiments.smooth_curve` of each (as the book).
        ylim: the loss axis range (book: 0 to 1).
    """
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    markers = ["o", "x", "s", "D", "^", "v"]
    n_iters = 0
    for i, (name, curve) in enumerate(losses.items()):
        y = np.asarray(curve, dtype=np.float64)
        n_iters = max(n_iters, y.size)
        ys = smooth_curve(y) if smooth else y
        ax.plot(
            np.arange(y.size), ys, marker=markers[i % len(markers)],
            markevery=max(y.size // 20, 1), markersize=4, linewidth=1, label=name,
        )  # fmt: skip
    ax.set_xlabel("iterations")
    ax.set_ylabel("loss" + (" (smoothed)" if smooth else ""))
    ax.set_ylim(*ylim)
    ax.legend()
    ax.set_title(f"Optimizers on MNIST, {n_iters} iterations (book fig. 6-9)")
    return fig


def plot_batchnorm_comparison(results: Sequence[BatchNormComparison], ncols: int = 4) -> Figure:
    """Train accuracy per epoch with and without batch norm, one subplot per init std
    (book fig. 6-18).

    Args:
        results: from :func:`dlscratch.experiments.batchnorm_comparison`.
        ncols: subplots per row (book: 4).
    """
    n = max(len(results), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.6 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, res in zip(axes, results, strict=False):
        epochs = np.arange(res.with_batchnorm.size)
        ax.plot(epochs, res.with_batchnorm, label="Batch Normalization", linewidth=1.5)
        ax.plot(epochs, res.without_batchnorm, "--", label="Normal (without BatchNorm)")
        notes = [
            f"{name} diverged in epoch {int(np.flatnonzero(np.isnan(acc))[0])}"
            for name, acc in (("BN", res.with_batchnorm), ("normal", res.without_batchnorm))
            if np.isnan(acc).any()
        ]
        if notes:
            ax.text(0.02, 0.9, ", ".join(notes), transform=ax.transAxes, fontsize="small")
        ax.set_ylim(0, 1.0)
        ax.set_title(f"W: {res.weight_init_std:.3g}")
        ax.set_xlabel("epochs")
        ax.set_ylabel("train accuracy")
    for ax in axes[len(results) :]:
        ax.set_visible(False)
    axes[0].legend(loc="lower right", fontsize="x-small")
    fig.suptitle("Batch normalization vs weight-init std (book fig. 6-18)")
    return fig


def plot_overfitting(histories: Mapping[str, Any], title: str = "") -> Figure:
    """Train vs test accuracy per epoch, one subplot per run (book figs. 6-20, 6-21, 6-23).

    Args:
        histories: run name -> :class:`dlscratch.trainer.History` (or its dict), from
            :func:`dlscratch.experiments.overfitting_experiment`.
        title: a figure title (default: a generic one).
    """
    n = max(len(histories), 1)
    fig = Figure(figsize=(4.5 * n, 4), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False).ravel()
    for ax, (name, hist) in zip(axes, histories.items(), strict=False):
        h = hist.to_dict() if hasattr(hist, "to_dict") else dict(hist)
        epochs = np.arange(1, len(h["train_acc"]) + 1)
        mark = max(len(epochs) // 20, 1)
        ax.plot(epochs, h["train_acc"], marker="o", markevery=mark, markersize=3, label="train")
        ax.plot(epochs, h["test_acc"], marker="s", markevery=mark, markersize=3, label="test")
        gap = h["train_acc"][-1] - h["test_acc"][-1] if h["train_acc"] else float("nan")
        ax.set_title(f"{name} (final gap {gap:.2f})")
        ax.set_xlabel("epochs")
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1.0)
        ax.legend(loc="lower right")
    fig.suptitle(title or "Overfitting and two cures (book figs. 6-20, 6-21, 6-23)")
    return fig


def plot_search_results(trials: Sequence[Any], k: int = 20, ncols: int = 5) -> Figure:
    """Validation (solid) and training (dashed) accuracy per epoch of the best ``k``
    trials of a random search, best first (book fig. 6-24).

    Args:
        trials: :class:`dlscratch.search.Trial` objects (any order; sorted here by
            final validation accuracy).
        k: how many to draw (book: 20).
        ncols: subplots per row (book: 5).
    """
    best = sorted(trials, key=lambda tr: -tr.final_val_acc)[: max(k, 1)]
    n = max(len(best), 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(2.8 * ncols, 2.3 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for rank, (ax, tr) in enumerate(zip(axes, best, strict=False), start=1):
        epochs = np.arange(1, len(tr.val_acc) + 1)
        ax.plot(epochs, tr.val_acc, label="validation")
        ax.plot(epochs, tr.train_acc, "--", linewidth=0.8, label="train")
        ax.set_ylim(0, 1.0)
        ax.set_title(
            f"Best-{rank}: val {tr.final_val_acc:.3f}\nlr {tr.lr:.2e}, wd {tr.weight_decay:.2e}",
            fontsize="small",
        )
        if (rank - 1) % ncols:
            ax.set_yticks([])
        ax.tick_params(labelsize="x-small")
    for ax in axes[len(best) :]:
        ax.set_visible(False)
    axes[0].legend(loc="lower right", fontsize="x-small")
    fig.suptitle(
        f"Random search: best {len(best)} of {len(trials)} trials by final validation "
        "accuracy (book fig. 6-24)"
    )
    return fig


# ------------------------------------------------------------ chapters 7-8


def _filter_grid(fig: Any, filters: NDArray[Any], ncols: int, title: str) -> None:
    fn = filters.shape[0]
    nrows = math.ceil(fn / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < fn:
            ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
        else:
            ax.set_visible(False)
    fig.suptitle(title)


def plot_filters(
    filters: ArrayLike,
    before: ArrayLike | None = None,
    ncols: int = 8,
    title: str = "",
) -> Figure:
    """The filters of a convolution layer as grey images (book fig. 7-24).

    Each filter's first input channel (MNIST has one) is drawn with the book's
    ``gray_r`` colour map (dark = large weight), each filter on its own scale. With
    ``before``, two panels side by side: before training (e.g. a freshly initialised
    network) and after, as in fig. 7-24.

    Args:
        filters: (FN, C, FH, FW), e.g. ``params['W1']``.
        before: the same shape, drawn on the left as "before training".
        ncols: filters per row (book: 8).
        title: the figure title.

    Raises:
        ShapeError: the arrays are not 4-D.
    """
    after = np.asarray(filters, dtype=np.float64)
    arrays = [after] if before is None else [np.asarray(before, dtype=np.float64), after]
    for a in arrays:
        if a.ndim != 4:
            raise ShapeError(f"filters: expected shape (FN, C, FH, FW), got {a.shape}")
    ncols = max(1, min(ncols, after.shape[0]))
    nrows = math.ceil(after.shape[0] / ncols)
    width = 0.8 * ncols * len(arrays) + 0.4
    fig = Figure(figsize=(width, 0.8 * nrows + 0.9), layout="constrained")
    if before is None:
        fn, _, fh, fw = after.shape
        _filter_grid(fig, after, ncols, f"{fn} filters of {fh}x{fw}")
    else:
        grid = fig.add_gridspec(1, 2, wspace=0.05)
        _filter_grid(fig.add_subfigure(grid[0]), arrays[0], ncols, "before training (random init)")
        _filter_grid(fig.add_subfigure(grid[1]), after, ncols, "after training")
    if title:
        fig.suptitle(title)
    return fig


def plot_misclassified(
    images: ArrayLike,
    labels: ArrayLike,
    predictions: ArrayLike,
    indices: ArrayLike | None = None,
    ncols: int = 5,
    title: str = "",
) -> Figure:
    """Misclassified digits with their true label and the prediction (book fig. 8-2).

    Args:
        images: (K, 784), (K, 28, 28) or (K, 1, 28, 28) images.
        labels: (K,) true classes; predictions: (K,) predicted classes.
        indices: (K,) their positions in the data set, shown in the titles.
        ncols: images per row (book: 5, in 4 rows for 20).
        title: the figure title.

    Raises:
        ShapeError: the lengths differ.
    """
    imgs = np.asarray(images)
    t, y = np.asarray(labels), np.asarray(predictions)
    where_idx = None if indices is None else np.asarray(indices)
    k = imgs.shape[0]
    if t.shape[0] != k or y.shape[0] != k or (where_idx is not None and where_idx.shape[0] != k):
        raise ShapeError(
            f"images, labels, predictions, indices: expected equal lengths, got {k}, "
            f"{t.shape[0]}, {y.shape[0]}, {None if where_idx is None else where_idx.shape[0]}"
        )
    n = max(k, 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(1.8 * ncols, 2.0 * nrows + 0.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= k:
            ax.set_visible(False)
            continue
        ax.imshow(imgs[i].reshape(28, 28), cmap="gray_r", interpolation="nearest")
        where = f"#{int(where_idx[i])}: " if where_idx is not None else ""
        ax.set_title(f"{where}true {int(t[i])}, pred {int(y[i])}", fontsize="small")
    fig.suptitle(title or f"{k} misclassified digits (book fig. 8-2)")
    return fig
