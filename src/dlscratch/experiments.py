"""The experiments behind the figures of chapters 6-8, as functions that return arrays.

Each function here computes; :mod:`dlscratch.plotting` draws what it returns and
``dlscratch plot ...`` wires the two together. Nothing here prints or reads files: data
come in as arguments (so a caller decides which split a function may see), and every
random thing takes a ``seed``, so the same call gives the same numbers.

=========================  ==========================================  ===============
function                   what it measures                            book
=========================  ==========================================  ===============
optimizer_paths            paths of SGD/Momentum/AdaGrad/Adam on       fig. 6-8
                           f(x, y) = x²/20 + y²
init_activations           activation histograms of a 5-layer net      figs. 6-10..6-14
                           for several weight-init scales
compare_optimizers         MNIST training loss per iteration for       fig. 6-9
                           four optimizers
batchnorm_comparison       train accuracy per epoch with and without   fig. 6-18
                           batch norm, for several init scales
overfitting_experiment     train vs test accuracy per epoch on 300     figs. 6-20,
                           images: plain, weight decay, dropout        6-21, 6-23
find_misclassified         the first misclassified samples of a model  fig. 8-2
first_conv_filters         the first convolution's filters             fig. 7-24
=========================  ==========================================  ===============
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dlscratch.errors import ShapeError, TrainingDivergedError
from dlscratch.functions import relu, sigmoid
from dlscratch.networks import MultiLayerNet, weight_std
from dlscratch.optimizers import SGD, get_optimizer, optimize_path
from dlscratch.trainer import History, Trainer
from dlscratch.util import smooth_curve

__all__ = [
    "BATCHNORM_STDS",
    "BOOK_BATCHNORM_STDS",
    "BOOK_OPTIMIZER_COMPARISON",
    "BOOK_OPTIMIZER_PATHS",
    "INIT_HISTOGRAM_DEFAULTS",
    "BatchNormComparison",
    "OptimizerPath",
    "batchnorm_comparison",
    "compare_optimizers",
    "find_misclassified",
    "first_conv_filters",
    "fresh_network",
    "init_activations",
    "init_label",
    "layer_activations",
    "optimizer_paths",
    "optimizer_test_function",
    "optimizer_test_gradient",
    "overfitting_experiment",
    "smooth_curve",
]

Array = NDArray[Any]

# ------------------------------------------------------------------ optimizer paths (6.1)


def optimizer_test_function(x: ArrayLike, y: ArrayLike) -> Array:
    """f(x, y) = x²/20 + y², the elongated bowl of book 6.1.3 (eq. 6.2).

    Its minimum is 0 at (0, 0); the gradient is (x/10, 2y), so it is 20 times steeper
    along y than along x, which is what makes plain SGD zig-zag (fig. 6-3).

    Args:
        x, y: numbers or arrays that broadcast together.

    Returns:
        float64 array of the broadcast shape.
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    return xa**2 / 20.0 + ya**2


def optimizer_test_gradient(p: ArrayLike) -> Array:
    """Gradient of :func:`optimizer_test_function` at the point p = (x, y): (x/10, 2y).

    Returns:
        float64 array of shape (2,).
    """
    x, y = np.asarray(p, dtype=np.float64)
    return np.array([x / 10.0, 2.0 * y])


BOOK_OPTIMIZER_PATHS: dict[str, tuple[str, float]] = {
    "SGD": ("sgd", 0.95),
    "Momentum": ("momentum", 0.1),
    "AdaGrad": ("adagrad", 1.5),
    "Adam": ("adam", 0.3),
}
"""Display name -> (optimizer name, lr) of book fig. 6-8 (ch06/optimizer_compare_naive.py)."""


@dataclass(frozen=True)
class OptimizerPath:
    """The points one optimizer visits (see :func:`optimizer_paths`).

    Attributes:
        name: display name ("SGD", "Momentum", ...).
        lr: its learning rate.
        path: float64 array (steps + 1, 2); row 0 is the start.
    """

    name: str
    lr: float
    path: Array


def optimizer_paths(
    settings: Mapping[str, tuple[str, float]] | None = None,
    init: tuple[float, float] = (-7.0, 2.0),
    steps: int = 30,
) -> dict[str, OptimizerPath]:
    """Paths of several optimizers on f(x, y) = x²/20 + y² (book 6.1.7, fig. 6-8).

    Each optimizer starts from ``init`` with empty state and takes ``steps`` updates
    using the exact gradient :func:`optimizer_test_gradient`, via
    :func:`dlscratch.optimizers.optimize_path`. With the book's settings the first SGD
    step goes from (-7, 2) to (-7 + 0.95·0.7, 2 - 0.95·4) = (-6.335, -1.8).

    Args:
        settings: display name -> (optimizer name, learning rate); default
            :data:`BOOK_OPTIMIZER_PATHS` (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3).
        init: the start (book: (-7, 2)).
        steps: updates per optimizer (book: 30).

    Returns:
        Display name -> :class:`OptimizerPath`, in the order of ``settings``.

    Raises:
        UnknownOptimizerError, HyperparameterError: a bad optimizer name or rate.
    """
    chosen = BOOK_OPTIMIZER_PATHS if settings is None else settings
    out = {}
    for name, (opt_name, lr) in chosen.items():
        opt = get_optimizer(opt_name, lr=lr)
        out[name] = OptimizerPath(
            name, float(lr), optimize_path(opt, optimizer_test_gradient, init, steps)
        )
    return out


# ------------------------------------------------------- init histograms (6.2.2-6.2.3)

INIT_HISTOGRAM_DEFAULTS: dict[str, tuple[float | str, ...]] = {
    "sigmoid": (1.0, 0.01, "xavier"),  # figs. 6-10, 6-11, 6-13
    "relu": (0.01, "xavier", "he"),  # fig. 6-14
    "tanh": (1.0, 0.01, "xavier"),  # fig. 6-13's note: tanh with Xavier
}
"""Activation -> the weight-init scales the book compares for it."""

_HIDDEN_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": np.tanh,
}


def init_label(spec: float | str, fan_in: int = 100) -> str:
    """A display name for a weight-init spec: ``'std 0.01'``, ``'Xavier (std 0.1)'``."""
    std = weight_std(spec, fan_in)
    if isinstance(spec, str):
        key = spec.lower()
        name = {"xavier": "Xavier", "sigmoid": "Xavier", "he": "He", "relu": "He"}.get(key)
        if name is not None:
            return f"{name} (std {std:.3g})"
    return f"std {std:g}"


def layer_activations(
    activation: str = "sigmoid",
    weight_init_std: float | str = 1.0,
    n_samples: int = 1000,
    node_num: int = 100,
    hidden_layer_size: int = 5,
    seed: int | None = 0,
) -> Array:
    """Activations of each layer of a deep net fed random inputs (book 6.2.2).

    The book's ch06/weight_init_activation_histogram.py: ``x`` is (n_samples,
    node_num) standard-normal input; each of ``hidden_layer_size`` layers computes
    a = activation(x @ W) with W ~ N(0, std²) of shape (node_num, node_num) and no
    bias, and feeds a to the next layer. The std comes from
    :func:`dlscratch.networks.weight_std`: a number, ``'xavier'`` (sqrt(1/node_num))
    or ``'he'`` (sqrt(2/node_num)).

    The same ``seed`` draws the same input and the same standard-normal matrices
    whatever the std, so results for different stds differ only by the scale.

    Args:
        activation: ``'sigmoid'``, ``'relu'`` or ``'tanh'``.
        weight_init_std: std of the weights (see above).
        n_samples, node_num, hidden_layer_size: the book's 1000, 100 and 5.
        seed: seed of the input and the weights.

    Returns:
        float64 array (hidden_layer_size, n_samples, node_num): layer i's activations.

    Raises:
        ValueError: an unknown activation or init spec, or a size below 1.
    """
    if activation not in _HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"activation: expected one of {sorted(_HIDDEN_ACTIVATIONS)}, got {activation!r}"
        )
    for name, value in (
        ("n_samples", n_samples),
        ("node_num", node_num),
        ("hidden_layer_size", hidden_layer_size),
    ):
        if value < 1:
            raise ValueError(f"{name}: expected a positive count, got {value}")
    f = _HIDDEN_ACTIVATIONS[activation]
    std = weight_std(weight_init_std, node_num)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, node_num))
    out = np.empty((hidden_layer_size, n_samples, node_num), dtype=np.float64)
    for i in range(hidden_layer_size):
        w = rng.standard_normal((node_num, node_num)) * std
        x = f(x @ w)
        out[i] = x
    return out


def init_activations(
    activation: str = "sigmoid",
    inits: Sequence[float | str] | None = None,
    n_samples: int = 1000,
    node_num: int = 100,
    hidden_layer_size: int = 5,
    seed: int | None = 0,
) -> dict[str, Array]:
    """:func:`layer_activations` for several weight-init scales (figs. 6-10 to 6-14).

    With the defaults (sigmoid: std 1, std 0.01, Xavier; relu: std 0.01, Xavier, He)
    and seed 0 this shows what the book describes:

    - sigmoid, std 1: activations pile up at 0 and 1 (vanishing gradients, fig. 6-10);
    - sigmoid, std 0.01: all near 0.5 (every unit says the same thing, fig. 6-11);
    - sigmoid, Xavier: spread over (0, 1) in every layer (fig. 6-13);
    - relu, std 0.01: shrink toward 0 layer by layer; Xavier: shrink more slowly;
      He: the same spread in every layer (fig. 6-14).

    Args:
        activation: ``'sigmoid'``, ``'relu'`` or ``'tanh'``.
        inits: init specs; default :data:`INIT_HISTOGRAM_DEFAULTS` [activation].
        n_samples, node_num, hidden_layer_size, seed: as in :func:`layer_activations`
            (every init uses the same seed: same inputs, same random directions).

    Returns:
        :func:`init_label` of each spec -> float64 array (hidden_layer_size,
        n_samples, node_num), in the order of ``inits``.
    """
    if activation not in _HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"activation: expected one of {sorted(_HIDDEN_ACTIVATIONS)}, got {activation!r}"
        )
    specs = INIT_HISTOGRAM_DEFAULTS[activation] if inits is None else tuple(inits)
    return {
        init_label(spec, node_num): layer_activations(
            activation, spec, n_samples, node_num, hidden_layer_size, seed
        )
        for spec in specs
    }


# --------------------------------------------------- optimizers on MNIST (6.1.8)

BOOK_OPTIMIZER_COMPARISON: dict[str, tuple[str, float]] = {
    "SGD": ("sgd", 0.01),
    "Momentum": ("momentum", 0.01),
    "AdaGrad": ("adagrad", 0.01),
    "Adam": ("adam", 0.001),
}
"""Display name -> (optimizer, lr) of book fig. 6-9 (ch06/optimizer_compare_mnist.py)."""


def compare_optimizers(
    x_train: ArrayLike,
    t_train: ArrayLike,
    optimizers: Mapping[str, tuple[str, float]] | None = None,
    iters: int = 2000,
    batch_size: int = 128,
    hidden_size_list: Sequence[int] = (100, 100, 100, 100),
    output_size: int = 10,
    seed: int | None = 0,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """Training loss per iteration of one network per optimizer (book 6.1.8, fig. 6-9).

    The book's ch06/optimizer_compare_mnist.py: a MultiLayerNet with four hidden
    layers of 100 ReLU units and He initialisation per optimizer, SGD(0.01),
    Momentum(0.01), AdaGrad(0.01), Adam(0.001), 2000 iterations of batches of 128.
    Here every network starts from the same weights (same ``seed``) and every
    iteration gives all of them the same mini-batch, drawn afresh each iteration as in
    the book (but without repeats inside a batch; the book draws with replacement), so
    the curves differ only by the optimizer. Each network takes its steps through a
    :class:`dlscratch.trainer.Trainer` (:meth:`~dlscratch.trainer.Trainer.train_step`).

    Args:
        x_train: (N, D) training inputs (MNIST: D = 784, normalised).
        t_train: (N,) labels or (N, K) one-hot.
        optimizers: display name -> (optimizer name, lr); default
            :data:`BOOK_OPTIMIZER_COMPARISON`.
        iters: updates per optimizer (book: 2000).
        batch_size: samples per update (book: 128).
        hidden_size_list: hidden layer sizes (book: four of 100).
        output_size: classes.
        seed: seed of the initial weights and the batches.
        dtype: float64 (default, as the book) or float32 (faster; the CLI's choice).

    Returns:
        Display name -> float64 array (iters,): the mini-batch loss at each iteration,
        computed before that iteration's update. Smooth with :func:`smooth_curve`.

    Raises:
        ShapeError: ``x_train`` is not 2-D or differs from ``t_train`` in length.
        ValueError: ``iters`` < 1 or ``batch_size`` not in 1..N.
        TrainingDivergedError: a loss became NaN or infinite.
    """
    x, t = _check_xt(x_train, t_train)
    n = x.shape[0]
    if iters < 1:
        raise ValueError(f"iters: expected a positive count, got {iters}")
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size: expected 1..{n} (the training set size), got {batch_size}")
    chosen = BOOK_OPTIMIZER_COMPARISON if optimizers is None else optimizers
    x = x.astype(dtype, copy=False)
    trainers = {}
    for name, (opt, lr) in chosen.items():
        net = MultiLayerNet(
            x.shape[1], hidden_size_list, output_size, weight_init_std="he", seed=seed, dtype=dtype
        )
        # Only the trainer's step is used (no evaluation): the "test set" is never read.
        trainers[name] = Trainer(
            net, x, t, x, t, mini_batch_size=batch_size, optimizer=get_optimizer(opt, lr=lr),
            iters=iters, verbose=False,
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    # An overflowing update shows up as a NaN loss at the next step (TrainingDivergedError).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(iters):
            idx = rng.choice(n, batch_size, replace=False)
            xb, tb = x[idx], t[idx]
            for name, trainer in trainers.items():
                try:
                    trainer.train_step(xb, tb)
                except TrainingDivergedError as e:
                    raise TrainingDivergedError(f"{name} (lr {chosen[name][1]}): {e}") from None
    return {name: np.array(tr.history.loss, dtype=np.float64) for name, tr in trainers.items()}


# ------------------------------------------------------------ batch norm (6.3.2)

BOOK_BATCHNORM_STDS: Array = np.logspace(0, -4, num=16)
"""The 16 weight-init stds of book fig. 6-18: 1 down to 1e-4, log-spaced."""

BATCHNORM_STDS: Array = np.logspace(0, -4, num=6)
"""Default stds: 6 of the book's 16 (every third): 1, 0.158, 0.0251, 0.00398, 6.3e-4, 1e-4."""


@dataclass(frozen=True)
class BatchNormComparison:
    """Train accuracy per epoch with and without batch norm for one init std.

    Attributes:
        weight_init_std: the std of the initial weights.
        with_batchnorm: float64 (epochs + 1,); entry 0 is before training, entry e
            after e epochs. NaN from the epoch where the loss became NaN or infinite
            (training of that network stopped there).
        without_batchnorm: the same for the network without batch norm.
    """

    weight_init_std: float
    with_batchnorm: Array
    without_batchnorm: Array


def batchnorm_comparison(
    x_train: ArrayLike,
    t_train: ArrayLike,
    weight_init_stds: Sequence[float] | Array = BATCHNORM_STDS,
    epochs: int = 20,
    train_size: int = 1000,
    batch_size: int = 100,
    lr: float = 0.01,
    hidden_size_list: Sequence[int] = (100, 100, 100, 100, 100),
    output_size: int = 10,
    seed: int | None = 0,
    dtype: DTypeLike = np.float64,
) -> list[BatchNormComparison]:
    """Training with and without batch norm for several init stds (book 6.3.2, fig. 6-18).

    The book's ch06/batch_norm_test.py: the first 1000 training images, a MultiLayerNet
    784-100x5-10 (ReLU) with and without BatchNormalization, SGD lr 0.01, batches of
    100, 20 epochs, training accuracy on those 1000 images after each epoch; for 16
    stds from 1 to 1e-4 (here :data:`BATCHNORM_STDS`, 6 of them, by default). Both
    networks of a std start from the same weights and see the same batches (each epoch
    a fresh permutation of the subset, drawn by a :class:`dlscratch.trainer.Trainer`
    with the same ``seed``). Accuracy is measured in inference mode (batch
    norm uses its running statistics), as the book's ``accuracy`` does.

    Args:
        x_train: (N, D) training inputs; t_train: (N,) labels or (N, K) one-hot.
        weight_init_stds: the stds to try.
        epochs: passes over the subset (book: 20).
        train_size: use the first this many samples (book: 1000).
        batch_size, lr: mini-batch size and SGD learning rate (book: 100, 0.01).
        hidden_size_list: hidden layer sizes (book: five of 100).
        output_size: classes.
        seed: seed of the initial weights and the batches.
        dtype: float64 (default, as the book) or float32 (faster; the CLI's choice).

    Returns:
        One :class:`BatchNormComparison` per std, in the given order.

    Raises:
        ShapeError, ValueError: bad data or settings.
    """
    x, t = _check_xt(x_train, t_train)
    if not 1 <= train_size:
        raise ValueError(f"train_size: expected a positive count, got {train_size}")
    if epochs < 1:
        raise ValueError(f"epochs: expected a positive count, got {epochs}")
    x, t = x[:train_size].astype(dtype, copy=False), t[:train_size]
    n = x.shape[0]
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size: expected 1..{n} (the subset size), got {batch_size}")
    results = []
    for std in weight_init_stds:
        acc = {}
        for bn in (True, False):  # both start from the same weights, see the same batches
            net = MultiLayerNet(
                x.shape[1], hidden_size_list, output_size, weight_init_std=float(std),
                use_batchnorm=bn, seed=seed, dtype=dtype,
            )  # fmt: skip
            trainer = Trainer(
                net, x, t, x, t, epochs=epochs, mini_batch_size=batch_size,
                optimizer=SGD(lr), seed=seed, verbose=False,
            )  # fmt: skip
            acc[bn] = np.full(epochs + 1, np.nan)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                acc[bn][0] = net.accuracy(x, t)
                try:
                    for epoch in range(1, epochs + 1):
                        for _ in range(trainer.iter_per_epoch):
                            trainer.train_step()
                        acc[bn][epoch] = net.accuracy(x, t)
                except TrainingDivergedError:
                    pass  # this epoch and the later ones stay NaN
        results.append(BatchNormComparison(float(std), acc[True], acc[False]))
    return results


# ------------------------------------------------------------- overfitting (6.4)


def overfitting_experiment(
    x_train: ArrayLike,
    t_train: ArrayLike,
    x_test: ArrayLike,
    t_test: ArrayLike,
    train_size: int = 300,
    epochs: int = 200,
    weight_decay_lambda: float = 0.1,
    dropout_ratio: float = 0.2,
    lr: float = 0.01,
    batch_size: int = 100,
    hidden_size_list: Sequence[int] = (100,) * 6,
    output_size: int = 10,
    evaluate_sample_num_per_epoch: int | None = 1000,
    seed: int | None = 0,
    dtype: DTypeLike = np.float64,
) -> dict[str, History]:
    """Train and test accuracy per epoch of a net that overfits, and two cures (book 6.4).

    The book's ch06/overfit_weight_decay.py and overfit_dropout.py: the first 300
    training images, a MultiLayerNet 784-100x6-10 (ReLU, He init), SGD lr 0.01,
    batches of 100, trained three ways:

    - ``'plain'``: overfits, train accuracy reaches 1.0 and test stays far below
      (fig. 6-20);
    - ``'weight decay'``: L2 penalty with ``weight_decay_lambda`` (book: 0.1,
      fig. 6-21);
    - ``'dropout'``: Dropout after every hidden layer with ``dropout_ratio``. The
      book's code uses 0.2 on this same network; its text mentions 0.15 with a larger
      one. We use 0.2 and the same network for all three, so only the cure differs.

    The book trains 201 (weight decay) and 301 (dropout) epochs and evaluates on the
    whole test set; the defaults here are 200 epochs and the first 1000 test images
    (``evaluate_sample_num_per_epoch``, the Trainer's name, for both sets: the 300
    training images are all evaluated). Uses
    :class:`dlscratch.trainer.Trainer` (batches: a fresh permutation each epoch); all
    three start from the same weights and see the same batches.

    Args:
        x_train, t_train: training data, (N, D) and labels; the first ``train_size``
            are used.
        x_test, t_test: test data.
        train_size: training subset size (book: 300).
        epochs: passes over it.
        weight_decay_lambda, dropout_ratio: the two cures' strengths.
        lr, batch_size: SGD learning rate and mini-batch size (book: 0.01, 100).
        hidden_size_list: hidden layers (book: six of 100).
        output_size: classes.
        evaluate_sample_num_per_epoch: evaluate on the first this many samples of
            each set per epoch (``None``: all).
        seed: seed of the weights, batches and dropout masks.
        dtype: float64 (default, as the book) or float32 (faster; the CLI's choice).

    Returns:
        ``{'plain', 'weight decay', 'dropout'}`` -> :class:`dlscratch.trainer.History`
        (``train_acc`` and ``test_acc`` have one entry per epoch).

    Raises:
        ShapeError, ValueError: bad data or settings.
        TrainingDivergedError: a loss became NaN or infinite.
    """
    x, t = _check_xt(x_train, t_train)
    if train_size < 1:
        raise ValueError(f"train_size: expected a positive count, got {train_size}")
    x, t = x[:train_size].astype(dtype, copy=False), t[:train_size]
    xt = np.asarray(x_test).astype(dtype, copy=False)
    tt = np.asarray(t_test)
    variants: dict[str, dict[str, Any]] = {
        "plain": {},
        "weight decay": {"weight_decay_lambda": weight_decay_lambda},
        "dropout": {"use_dropout": True, "dropout_ratio": dropout_ratio},
    }
    out = {}
    for name, extra in variants.items():
        net = MultiLayerNet(
            x.shape[1], hidden_size_list, output_size, weight_init_std="he", seed=seed,
            dtype=dtype, **extra,
        )  # fmt: skip
        trainer = Trainer(
            net, x, t, xt, tt, epochs=epochs, mini_batch_size=min(batch_size, x.shape[0]),
            optimizer="sgd", optimizer_param={"lr": lr},
            evaluate_sample_num_per_epoch=evaluate_sample_num_per_epoch, seed=seed,
            verbose=False,
        )  # fmt: skip
        out[name] = trainer.train()
    return out


# ------------------------------------------------------------ conv nets (7-8)


def first_conv_filters(network: Any) -> Array:
    """The filters of a network's first convolution, ``params['W1']`` (book 7.6.1).

    Args:
        network: a SimpleConvNet or DeepConvNet (anything whose ``W1`` is 4-D).

    Returns:
        The filters as a float64 copy, shape (FN, C, FH, FW).

    Raises:
        ShapeError: the network has no 4-D ``W1`` (it is not convolutional).
    """
    w = getattr(network, "params", {}).get("W1")
    if w is None or np.ndim(w) != 4:
        shape = None if w is None else np.shape(w)
        raise ShapeError(
            f"network: expected a convolutional network whose W1 has shape "
            f"(FN, C, FH, FW), got {getattr(network, 'architecture', type(network).__name__)} "
            f"with W1 of shape {shape}"
        )
    return np.array(w, dtype=np.float64)


def find_misclassified(
    network: Any,
    x: ArrayLike,
    t: ArrayLike,
    count: int | None = 20,
    batch_size: int = 500,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices and predictions of the first ``count`` samples a network gets wrong (fig. 8-2).

    Predicts batch by batch in inference mode and stops as soon as ``count``
    mistakes are found. Networks with ``input_is_image`` (the ConvNets) take ``x`` as
    images (N, C, H, W) or flat rows; the others get ``x`` flattened to (N, D).

    Args:
        network: any network with ``predict``.
        x: inputs, batch first; t: (N,) labels or (N, K) one-hot.
        count: how many to find; ``None`` finds all.
        batch_size: samples per forward pass.

    Returns:
        ``(indices, predicted)``: int arrays of equal length (at most ``count``),
        indices into ``x`` in increasing order and the predicted classes there.

    Raises:
        ShapeError: ``x`` and ``t`` differ in length.
    """
    xa = np.asarray(x)
    ta = np.asarray(t)
    labels = ta.argmax(axis=1) if ta.ndim == 2 else ta
    if labels.shape[0] != xa.shape[0]:
        raise ShapeError(f"t: expected {xa.shape[0]} labels to match x, got shape {ta.shape}")
    if not getattr(network, "input_is_image", False):
        xa = xa.reshape(xa.shape[0], -1)
    found_idx: list[Array] = []
    found_pred: list[Array] = []
    total = 0
    for start in range(0, xa.shape[0], max(int(batch_size), 1)):
        pred = network.predict(xa[start : start + batch_size], train_flg=False).argmax(axis=1)
        wrong = np.flatnonzero(pred != labels[start : start + batch_size])
        found_idx.append(wrong + start)
        found_pred.append(pred[wrong])
        total += wrong.size
        if count is not None and total >= count:
            break
    idx = np.concatenate(found_idx).astype(np.intp) if found_idx else np.empty(0, np.intp)
    pred_all = np.concatenate(found_pred).astype(np.intp) if found_pred else np.empty(0, np.intp)
    if count is not None:
        idx, pred_all = idx[:count], pred_all[:count]
    return idx, pred_all


# ------------------------------------------------------------------- helpers


def _check_xt(x: ArrayLike, t: ArrayLike) -> tuple[Array, Array]:
    xa, ta = np.asarray(x), np.asarray(t)
    if xa.ndim != 2:
        raise ShapeError(f"x_train: expected flat inputs (N, D), got shape {xa.shape}")
    if ta.shape[0] != xa.shape[0]:
        raise ShapeError(
            f"x_train and t_train: expected the same number of samples, got "
            f"{xa.shape[0]} and {ta.shape[0]}"
        )
    return xa, ta


def fresh_network(network: Any, seed: int | None = 0) -> Any:
    """A newly initialised network of the same class, configuration and dtype.

    For "before and after training" comparisons (book fig. 7-24): the result has the
    initial weights a training run with this ``seed`` would start from.

    Raises:
        TypeError: the class takes no ``seed`` (the chapter-3 ThreeLayerNet).
    """
    return type(network)(**network.get_config(), seed=seed, dtype=network.dtype)
