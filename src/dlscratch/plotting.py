"""Figures of the book, drawn with matplotlib.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (so no
display and no global state is needed); save it with ``fig.savefig(path)`` or
:func:`save_figure`, which writes atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from dlscratch.functions import relu, sigmoid, step_function
from dlscratch.gradient import gradient_descent, numerical_diff, numerical_gradient
from dlscratch.io import atomic_write

__all__ = [
    "plot_activations",
    "plot_descent_path",
    "plot_digit",
    "plot_gradient_field",
    "plot_learning_curves",
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
    _, history = gradient_descent(_function_2, np.asarray(init_x, dtype=float), lr, step_num)
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
