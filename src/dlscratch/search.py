"""Random search of hyper-parameters on a validation split (book 6.5).

The book's ch06/hyperparameter_optimization.py: sample the learning rate and the
weight-decay strength log-uniformly, train a small network briefly with each pair, and
keep the pairs that score best on *validation data*: a part of the training data held
out from training. The test set must play no part in choosing hyper-parameters (book
6.5.1), or its accuracy stops measuring generalisation. So every function here takes
training arrays only; none of them loads data, and nothing here can reach the test set.

Trials are independent: each gets its own seed from ``numpy.random.SeedSequence(seed)``
(its hyper-parameters, initial weights and batch order all come from it), so a search
gives the same trials whether they run one after another or in parallel processes
(``n_jobs``, through joblib).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dlscratch.errors import ShapeError, TrainingDivergedError
from dlscratch.networks import MultiLayerNet
from dlscratch.trainer import Trainer

__all__ = [
    "LR_EXPONENTS",
    "WEIGHT_DECAY_EXPONENTS",
    "SearchResult",
    "Trial",
    "best_trials",
    "random_search",
    "run_trial",
    "sample_hyperparameters",
    "split_train_validation",
    "trial_seeds",
]

Array = NDArray[Any]

LR_EXPONENTS: tuple[float, float] = (-6.0, -2.0)
"""The book's learning-rate range: lr = 10 ** U(-6, -2)."""

WEIGHT_DECAY_EXPONENTS: tuple[float, float] = (-8.0, -4.0)
"""The book's weight-decay range: lambda = 10 ** U(-8, -4)."""


@dataclass(frozen=True)
class Trial:
    """One trial of a random search.

    Attributes:
        index: its position in the search (0-based).
        seed: the seed of its initial weights and batch order (see :func:`run_trial`).
        lr: SGD learning rate.
        weight_decay: L2 weight-decay lambda.
        val_acc: validation accuracy after each epoch.
        train_acc: training accuracy after each epoch.
        diverged: training stopped early because the loss became NaN or infinite.
    """

    index: int
    seed: int
    lr: float
    weight_decay: float
    val_acc: tuple[float, ...]
    train_acc: tuple[float, ...]
    diverged: bool = False

    @property
    def final_val_acc(self) -> float:
        """Validation accuracy after the last epoch (0.0 if it diverged before one)."""
        return self.val_acc[-1] if self.val_acc and not self.diverged else 0.0


@dataclass(frozen=True)
class SearchResult:
    """What :func:`random_search` found.

    Attributes:
        trials: every trial, in the order they were drawn.
        train_size: samples trained on; val_size: samples validated on.
        seed: the search's seed.
    """

    trials: tuple[Trial, ...]
    train_size: int
    val_size: int
    seed: int

    def best(self, k: int = 5) -> list[Trial]:
        """The ``k`` best trials (see :func:`best_trials`)."""
        return best_trials(self.trials, k)


def split_train_validation(
    x_train: ArrayLike,
    t_train: ArrayLike,
    train_size: int | None = 500,
    val_ratio: float = 0.2,
    seed: int | np.random.SeedSequence | None = 0,
) -> tuple[tuple[Array, Array], tuple[Array, Array]]:
    """Hold out part of the training data for validation (book 6.5.1).

    As the book: take the first ``train_size`` training samples, shuffle them, and
    use the first ``round(val_ratio * train_size)`` of the shuffled ones for
    validation and the rest for training (book: 500 samples, 20%, so 400 + 100).

    Args:
        x_train: (N, ...) training inputs; t_train: (N,) labels or (N, K) one-hot.
        train_size: how many of the training samples to use (``None``: all N).
        val_ratio: the validation fraction, in (0, 1).
        seed: seed of the shuffle.

    Returns:
        ``((x_tr, t_tr), (x_val, t_val))``: copies; disjoint subsets of the first
        ``train_size`` samples, both non-empty.

    Raises:
        ShapeError: x and t differ in length.
        ValueError: ``val_ratio`` outside (0, 1) or ``train_size`` out of range (or too
            small to leave at least one sample on each side).
    """
    x, t = np.asarray(x_train), np.asarray(t_train)
    if x.shape[0] != t.shape[0]:
        raise ShapeError(
            f"x_train and t_train: expected the same number of samples, got "
            f"{x.shape[0]} and {t.shape[0]}"
        )
    n = x.shape[0] if train_size is None else int(train_size)
    if not 2 <= n <= x.shape[0]:
        raise ValueError(f"train_size: expected 2..{x.shape[0]}, got {train_size}")
    if not 0.0 < val_ratio < 1.0:
        raise ValueError(f"val_ratio: expected a fraction in (0, 1), got {val_ratio}")
    n_val = round(val_ratio * n)
    if not 1 <= n_val < n:
        raise ValueError(
            f"val_ratio {val_ratio} of train_size {n} leaves {n_val} validation and "
            f"{n - n_val} training samples; both need at least one"
        )
    order = np.random.default_rng(seed).permutation(n)
    val, tr = order[:n_val], order[n_val:]
    return (x[tr], t[tr]), (x[val], t[val])


def sample_hyperparameters(
    rng: np.random.Generator,
    lr_exponents: tuple[float, float] = LR_EXPONENTS,
    weight_decay_exponents: tuple[float, float] = WEIGHT_DECAY_EXPONENTS,
) -> tuple[float, float]:
    """One log-uniform draw of (learning rate, weight decay) (book 6.5.3).

    lr = 10 ** U(a, b) and weight_decay = 10 ** U(c, d), with (a, b) =
    ``lr_exponents`` (book: (-6, -2)) and (c, d) = ``weight_decay_exponents``
    (book: (-8, -4)).

    Raises:
        ValueError: a range with low > high.
    """
    for name, (lo, hi) in (
        ("lr_exponents", lr_exponents),
        ("weight_decay_exponents", weight_decay_exponents),
    ):
        if not lo <= hi:
            raise ValueError(f"{name}: expected (low, high) with low <= high, got {(lo, hi)}")
    lr = 10.0 ** rng.uniform(*lr_exponents)
    wd = 10.0 ** rng.uniform(*weight_decay_exponents)
    return float(lr), float(wd)


def trial_seeds(seed: int, n_trials: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences: entry 0 for the split, entry i + 1 for trial i.

    Children of ``SeedSequence(seed)``; child i depends only on (seed, i), so trial i is
    the same whatever ``n_trials`` and however the trials are scheduled.
    """
    return np.random.SeedSequence(seed).spawn(n_trials + 1)


def run_trial(
    x_train: ArrayLike,
    t_train: ArrayLike,
    x_val: ArrayLike,
    t_val: ArrayLike,
    lr: float,
    weight_decay: float,
    epochs: int = 50,
    batch_size: int = 100,
    hidden_size_list: Sequence[int] = (100,) * 5,
    output_size: int = 10,
    seed: int = 0,
    dtype: DTypeLike = np.float64,
    index: int = 0,
) -> Trial:
    """Train one network with the given hyper-parameters and score it on validation data.

    The book's ``__train``: a MultiLayerNet (784-100x5-10 by default, ReLU, He init)
    with L2 weight decay ``weight_decay``, trained with SGD(``lr``) for ``epochs`` on
    ``(x_train, t_train)`` in batches of ``batch_size`` (a fresh permutation each
    epoch), measuring accuracy on all training and all validation samples after each
    epoch. A diverging run (NaN or infinite loss) stops there and is marked.

    Args:
        x_train, t_train: the training part; x_val, t_val: the validation part.
        lr, weight_decay: the hyper-parameters under test.
        epochs, batch_size: training length and batch size (book: 50, 100; the batch
            is capped at the training size).
        hidden_size_list, output_size: the network.
        seed: seed of the initial weights (``seed``) and of the batch order
            (``seed + 1``).
        dtype: float64 (default) or float32. float64 because OpenBLAS's float32 matrix
            products round differently with different thread counts, which would make
            results depend on how many trials run in parallel; float64 ones do not.
        index: stored in the result.

    Returns:
        A :class:`Trial`.
    """
    xt = np.asarray(x_train)
    xt = xt.reshape(xt.shape[0], -1).astype(dtype, copy=False)
    xv = np.asarray(x_val)
    xv = xv.reshape(xv.shape[0], -1).astype(dtype, copy=False)
    net = MultiLayerNet(
        xt.shape[1], hidden_size_list, output_size, weight_init_std="he",
        weight_decay_lambda=weight_decay, seed=seed, dtype=dtype,
    )  # fmt: skip
    trainer = Trainer(
        net, xt, t_train, xv, t_val,
        epochs=epochs, mini_batch_size=min(batch_size, xt.shape[0]), optimizer="sgd",
        optimizer_param={"lr": lr}, seed=seed + 1, verbose=False,
    )  # fmt: skip
    diverged = False
    try:
        trainer.train()
    except TrainingDivergedError:
        diverged = True
    h = trainer.history
    return Trial(
        index=index,
        seed=seed,
        lr=float(lr),
        weight_decay=float(weight_decay),
        val_acc=tuple(float(a) for a in h.test_acc),
        train_acc=tuple(float(a) for a in h.train_acc),
        diverged=diverged,
    )


def _trial_from_seed(
    index: int,
    seed_seq: np.random.SeedSequence,
    x_tr: Array,
    t_tr: Array,
    x_val: Array,
    t_val: Array,
    lr_exponents: tuple[float, float],
    weight_decay_exponents: tuple[float, float],
    kwargs: dict[str, Any],
) -> Trial:
    rng = np.random.default_rng(seed_seq)
    lr, wd = sample_hyperparameters(rng, lr_exponents, weight_decay_exponents)
    seed = int(rng.integers(0, 2**31 - 1))
    return run_trial(x_tr, t_tr, x_val, t_val, lr, wd, seed=seed, index=index, **kwargs)


def random_search(
    x_train: ArrayLike,
    t_train: ArrayLike,
    n_trials: int = 20,
    epochs: int = 50,
    train_size: int | None = 500,
    val_ratio: float = 0.2,
    lr_exponents: tuple[float, float] = LR_EXPONENTS,
    weight_decay_exponents: tuple[float, float] = WEIGHT_DECAY_EXPONENTS,
    batch_size: int = 100,
    hidden_size_list: Sequence[int] = (100,) * 5,
    output_size: int = 10,
    seed: int = 0,
    n_jobs: int = 1,
    dtype: DTypeLike = np.float64,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: Callable[..., object] | None = None,
) -> SearchResult:
    """Random search of learning rate and weight decay (book 6.5.3, fig. 6-24).

    Splits the first ``train_size`` *training* samples into a training part and a
    validation part (:func:`split_train_validation`), then runs ``n_trials`` trials
    (:func:`run_trial`) with (lr, weight decay) drawn log-uniformly by
    :func:`sample_hyperparameters`. Give it training data only: the test set is for
    the final measurement, never for choosing hyper-parameters (book 6.5.1).

    The book: 500 samples, 20% validation, 100 trials of 50 epochs, lr 10^U(-6, -2),
    weight decay 10^U(-8, -4), network 784-100x5-10, SGD, batch 100. Defaults here are
    the same but 20 trials.

    Reproducible: the split and every trial derive from ``seed`` through
    :func:`trial_seeds`, so the results do not depend on ``n_jobs``.

    Args:
        x_train: (N, D) training inputs (or images, flattened here); t_train: labels.
        n_trials: trials to run.
        epochs: epochs per trial.
        train_size: training samples to use (``None``: all).
        val_ratio: fraction of them held out for validation.
        lr_exponents, weight_decay_exponents: the log10 ranges sampled.
        batch_size, hidden_size_list, output_size, dtype: see :func:`run_trial`.
        seed: seed of the whole search.
        n_jobs: trials run in parallel (joblib processes; 1 runs them here, -1 uses
            every core). Ignored when ``scheduler`` or ``n_workers`` is given.
        scheduler: run the trials on the Dask cluster whose scheduler is at this
            address (``"tcp://host:8786"``); see :mod:`dlscratch.distributed`.
        n_workers: run the trials on a local Dask cluster of this many worker
            processes, started here and closed after.
        progress: with ``scheduler`` or ``n_workers``, called with a
            :class:`dlscratch.distributed.SearchProgress` as each trial finishes.

    Returns:
        A :class:`SearchResult` with the trials in the order drawn.

    Raises:
        ShapeError, ValueError: bad data or settings.
        dlscratch.distributed.DaskNotInstalledError, ClusterError: see
            :func:`dlscratch.distributed.run_trials_on_dask`.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials: expected a positive count, got {n_trials}")
    if epochs < 1:
        raise ValueError(f"epochs: expected a positive count, got {epochs}")
    if n_jobs == 0:
        raise ValueError("n_jobs: expected a positive count or -1 (all cores), got 0")
    x = np.asarray(x_train)
    x = x.reshape(x.shape[0], -1)
    seeds = trial_seeds(seed, n_trials)
    (x_tr, t_tr), (x_val, t_val) = split_train_validation(
        x, t_train, train_size, val_ratio, seed=seeds[0]
    )
    x_tr = x_tr.astype(dtype, copy=False)
    x_val = x_val.astype(dtype, copy=False)
    kwargs: dict[str, Any] = {
        "epochs": epochs,
        "batch_size": batch_size,
        "hidden_size_list": tuple(hidden_size_list),
        "output_size": output_size,
        "dtype": dtype,
    }
    args = [
        (i, s, x_tr, t_tr, x_val, t_val, lr_exponents, weight_decay_exponents, kwargs)
        for i, s in enumerate(seeds[1:])
    ]
    if scheduler is not None or n_workers is not None:
        from dlscratch.distributed import run_trials_on_dask

        trials = run_trials_on_dask(
            args, scheduler=scheduler, n_workers=n_workers, progress=progress
        )
    elif n_jobs == 1:
        trials = [_trial_from_seed(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        trials = list(Parallel(n_jobs=n_jobs)(delayed(_trial_from_seed)(*a) for a in args))
    return SearchResult(tuple(trials), int(x_tr.shape[0]), int(x_val.shape[0]), int(seed))


def best_trials(trials: Sequence[Trial], k: int = 5) -> list[Trial]:
    """The ``k`` trials with the highest final validation accuracy, best first.

    Ties keep the order drawn. Diverged trials count as accuracy 0.
    """
    return sorted(trials, key=lambda tr: -tr.final_val_acc)[: max(k, 0)]
