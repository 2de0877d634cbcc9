"""The training loop: epochs of mini-batches, evaluation, history, progress, checkpoints.

Book 4.5.2-4.5.3 (``train_neuralnet.py``) and 6.x (``common/trainer.py``). Differences
from the book, on purpose:

- Mini-batches are drawn without replacement: each epoch visits a fresh random
  permutation of the training set (the book's scripts draw ``np.random.choice`` with
  replacement at every step). Same seed, same batches.
- The loss recorded for an iteration is the one computed while taking its gradient,
  before the update (the book recomputes it after the update, a second forward pass).
- Accuracy is evaluated at the end of each epoch (the book evaluates at the start of
  each, so its first entry is the untrained network's); either way
  ``train_acc_list`` has one entry per epoch.
- With ``verbose`` (the default, as the book) it prints the book's epoch lines and
  final test accuracy, but not the book's "train loss" line for every iteration:
  ``train_loss_list`` keeps those.
- Training that goes wrong stops with :class:`TrainingDivergedError` (see
  :meth:`Trainer.train_step`): a NaN or infinite loss (before the bad gradient is
  applied); a loss that runs away, its median over the last :data:`DIVERGENCE_WINDOW`
  iterations above ``divergence_factor`` times the first iteration's loss plus 1 (the
  book's scripts go on at chance accuracy); parameters that an update made NaN or
  infinite (Adam's squared gradients overflow float32 near 2e19).
- Ctrl-C (SIGINT) during :meth:`Trainer.train` stops at the end of the current step,
  with the trainer consistent: :class:`TrainingInterrupted` is raised, and a checkpoint
  saved then continues the run exactly (a second Ctrl-C stops at once).
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import ShapeError, TrainingDivergedError
from dlscratch.networks.base import Network
from dlscratch.optimizers import Optimizer, get_optimizer
from dlscratch.validation import (
    as_real_array,
    check_has,
    check_real,
    check_seed,
    check_size,
    describe,
    is_real_number,
)

__all__ = [
    "DIVERGENCE_WINDOW",
    "History",
    "Trainer",
    "TrainingInterrupted",
    "estimate_numerical_gradient_seconds",
    "random_batch",
]

Array = NDArray[Any]

CHECKPOINT_NAME = "checkpoint.npz"

DIVERGENCE_WINDOW = 10
"""Iterations whose median loss :meth:`Trainer.train_step` compares with the first one.

Measured on MNIST (first epoch, loss relative to the first iteration's): normal runs of
every model and optimizer stay below 1.7 times (AdaGrad at lr 0.1 and RMSprop at 0.01
spike to 90 times for one or two iterations, then learn: a median ignores them); SGD at
lr 2, 3 or 100 reaches 4 to 500 times."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped :meth:`Trainer.train` between two steps.

    The trainer is consistent (its network, optimizer, random states, iteration count
    and history agree), so a checkpoint saved now continues the run exactly, and
    :meth:`Trainer.train` called again goes on. A ``KeyboardInterrupt`` that is not this
    one (a second Ctrl-C) may have stopped a step half-way: see
    :attr:`Trainer.consistent`.

    Attributes:
        iteration: the updates done.
    """

    def __init__(self, iteration: int) -> None:
        super().__init__(f"interrupted after iteration {iteration}")
        self.iteration = iteration


class _StopRequest:
    requested = False


@contextmanager
def _sigint_at_step_end() -> Iterator[_StopRequest]:
    """Within: the first SIGINT asks the loop to stop at the end of its step (and says
    so on stderr); a second one raises ``KeyboardInterrupt`` at once, as usual. Only
    in the main thread, and only when SIGINT has Python's default handler."""
    stop = _StopRequest()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        stop.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:  # os.write: safe inside a signal handler, unlike print
            os.write(
                sys.stderr.fileno(),
                b"\nstopping at the end of this step (Ctrl-C again to stop at once)\n",
            )
        except (OSError, ValueError, AttributeError):
            pass

    signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def random_batch(
    x: ArrayLike, t: ArrayLike, batch_size: int, seed: int | np.random.Generator | None = None
) -> tuple[Array, Array]:
    """A random mini-batch of ``batch_size`` distinct samples (book 4.2.3).

    Args:
        x: inputs, batch first ``(N, ...)``.
        t: labels ``(N,)`` or one-hot ``(N, K)``.
        batch_size: samples to draw, 1 <= batch_size <= N.
        seed: an int seed or a ``numpy.random.Generator``.

    Returns:
        ``(x_batch, t_batch)``: copies of the chosen rows, in their dtypes.

    Raises:
        ShapeError: ``x`` and ``t`` differ in length.
        ValueError: ``batch_size`` out of range.
    """
    xa, ta = np.asarray(x), np.asarray(t)
    if xa.shape[0] != ta.shape[0]:
        raise ShapeError(
            f"x and t: expected the same number of samples, got {xa.shape[0]} and {ta.shape[0]}"
        )
    if not 1 <= batch_size <= xa.shape[0]:
        raise ValueError(f"batch_size: expected 1..{xa.shape[0]}, got {batch_size}")
    rng = np.random.default_rng(seed)
    mask = rng.choice(xa.shape[0], batch_size, replace=False)
    return xa[mask], ta[mask]


@dataclass
class History:
    """What a training run measured (kept on the trainer, plotted by the CLI).

    Attributes:
        loss: mini-batch loss at each iteration.
        epoch_iters: iteration count at each evaluation (end of each epoch).
        train_acc: training accuracy at each evaluation.
        test_acc: test accuracy at each evaluation.
        epoch_seconds: wall time since the start at each evaluation.
        seconds: wall time of training (evaluation included).
    """

    loss: list[float] = field(default_factory=list)
    epoch_iters: list[int] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The history as plain lists and floats (JSON-serialisable)."""
        return {
            "loss": self.loss,
            "epoch_iters": self.epoch_iters,
            "train_acc": self.train_acc,
            "test_acc": self.test_acc,
            "epoch_seconds": self.epoch_seconds,
            "seconds": self.seconds,
        }


def estimate_numerical_gradient_seconds(
    network: Any, x: ArrayLike, t: ArrayLike, budget: float = 0.2
) -> float:
    """Seconds one ``network.numerical_gradient(x, t)`` call will take (book 4.5: "the
    numerical gradient is slow").

    Times the very computation, central differences (two loss evaluations per element,
    book 4.4), on the first elements of ``W1`` of a float64 copy of the network (the
    parameters ``numerical_gradient`` evaluates on), after a warm-up, for about
    ``budget`` seconds, and scales the time per element to every parameter. Timing one
    cold forward pass instead overestimated five- to eightfold. The network itself is
    not touched.

    Args:
        network: one of dlscratch's networks (``from_config``, ``load_params``,
            ``params['W1']``).
        x, t: the mini-batch the gradient will be taken on.
        budget: about how long to measure, in seconds.

    Returns:
        The estimate in seconds.
    """
    from dlscratch.gradient import numerical_gradient

    twin = type(network).from_config(network.get_config(), dtype=np.float64)
    twin.load_params(network.params)
    xa, ta = np.asarray(x, dtype=np.float64), np.asarray(t)
    state = twin.random_state()

    def f(_w: Array) -> float:
        twin.set_random_state(state)  # as numerical_gradient does: the same dropout masks
        return float(twin.loss(xa, ta, train_flg=True))

    w = twin.params["W1"].reshape(-1)  # a view: perturbing it perturbs W1
    numerical_gradient(f, w[:2])  # warm-up: the first passes pay for caches, allocations
    done, start = 0, time.perf_counter()
    while done < w.size and (done < 40 or time.perf_counter() - start < budget):
        numerical_gradient(f, w[done : done + 8])
        done = min(done + 8, w.size)
    per_element = (time.perf_counter() - start) / done
    return per_element * sum(int(p.size) for p in network.params.values())


def _eval_sample_nums(spec: Any) -> dict[str, int | None]:
    """``evaluate_sample_num_per_epoch`` as ``{'train': n, 'test': n}`` (None: all).

    Raises:
        ValueError: a count that is not an int >= 1, or a key other than train / test.
        TypeError: neither None, an int nor a dict.
    """
    name = "evaluate_sample_num_per_epoch"
    if spec is None or is_real_number(spec):
        count = None if spec is None else check_size(name, spec)
        return {"train": count, "test": count}
    if not isinstance(spec, Mapping):
        raise TypeError(
            f"{name}: expected a count, a dict such as {{'train': 10000, 'test': None}}, "
            f"or None; got {describe(spec)}"
        )
    unknown = set(spec) - {"train", "test"}
    if unknown:
        raise ValueError(
            f"{name}: expected a count, or a dict with the keys 'train' and/or 'test'; "
            f"got the keys {sorted(map(str, spec))}"
        )
    return {
        key: None if spec.get(key) is None else check_size(f"{name}[{key!r}]", spec[key])
        for key in ("train", "test")
    }


class Trainer:
    """Mini-batch training with per-epoch evaluation (book 6, ``common/trainer.py``).

    The arguments under Args are the book's, in the book's order (its positional
    calls work); those under Keyword Args are dlscratch's own, and keyword-only.

    Args:
        network: any object with the book's protocol: ``params`` (a dict of arrays),
            ``loss(x, t)``, ``accuracy(x, t)`` and ``gradient(x, t)`` (backprop) or
            ``numerical_gradient(x, t)``, e.g. a class of your own. Checkpoints need
            one of dlscratch's networks.
        x_train, t_train, x_test, t_test: data, batch first; labels or one-hot.
        epochs: passes over the training set (ignored when ``iters`` is given).
        mini_batch_size: samples per update.
        optimizer: a name (``'sgd'``, ``'adam'``... case-insensitive) or an optimizer.
        optimizer_param: keyword arguments for the named optimizer, e.g. ``{'lr': 0.1}``.
        evaluate_sample_num_per_epoch: evaluate accuracy on only the first this many
            samples of each set (``None``: all of them), or a dict giving each set its
            own count, e.g. ``{'train': 10000, 'test': None}`` (a missing key means
            all): for ConvNets, a sample of the training set saves minutes while the
            test accuracy stays exact.
        verbose: print ``=== epoch:1, train acc:..., test acc:... ===`` after each
            epoch and the final test accuracy, as the book's Trainer does (default).

    Keyword Args (dlscratch's own, by topic):
        The run: ``seed``, seed of the batch order (and nothing else: the network has
            its own); ``iters``, stop after this many updates instead of after
            ``epochs``; ``lr_decay``, multiply the optimizer's learning rate by this
            factor after every full epoch (1.0, the default, keeps it constant; the
            book never decays it): an exponential schedule lr_k = lr * lr_decay^k
            lets a long run settle into a minimum instead of hopping around it.
        The gradient: ``grad``, ``'backprop'`` (``network.gradient``) or
            ``'numerical'``.
        Evaluation: ``eval_batch_size``, samples per forward pass (default: the
            network's ``eval_batch_size``, 1000 for MLPs and 100 for ConvNets; the
            result does not depend on it).
        Feedback: ``progress``, a tqdm progress bar on stderr with loss and speed
            (default: when ``verbose``; the book prints each iteration's loss
            instead); ``on_epoch``, called as ``on_epoch(trainer)`` after each
            evaluation; ``divergence_factor``, stop with
            :class:`TrainingDivergedError` when the median loss of the last
            :data:`DIVERGENCE_WINDOW` iterations exceeds this factor times the first
            iteration's loss, plus 1 (default 3; ``None``: stop only on a NaN or
            infinite loss).
        Saving: ``checkpoint_dir``, save ``checkpoint.npz`` there (atomically) after
            every epoch: the model, the optimizer's state, the batch order's random
            state and the history (see :mod:`dlscratch.checkpoints`).
            :meth:`load_checkpoint` continues from it; with the same seed the result
            equals that of an uninterrupted run.

    After :meth:`train`, ``history`` holds the measurements, and the book's
    ``train_loss_list``, ``train_acc_list`` and ``test_acc_list`` give them too.
    ``iteration`` counts the updates so far, and ``batch_order`` is the current
    epoch's permutation of the training set. ``consistent`` is False only while a step
    or an epoch's evaluation is under way (or was cut short by an exception).

    Raises:
        ShapeError, ValueError: bad data shapes or settings (at construction).
        TypeError, DTypeError: at construction, a network without ``predict`` /
            ``loss`` / ``accuracy`` / ``gradient``, an optimizer that is neither a name
            nor an :class:`Optimizer`, data that is not real numbers, a bad seed.
        TrainingDivergedError: from :meth:`train`, when training diverges (see
            :meth:`train_step`).
        TrainingInterrupted: from :meth:`train`, on Ctrl-C (at the end of a step).
    """

    def __init__(
        self,
        network: Any,
        x_train: ArrayLike,
        t_train: ArrayLike,
        x_test: ArrayLike,
        t_test: ArrayLike,
        epochs: int = 20,
        mini_batch_size: int = 100,
        optimizer: str | Optimizer = "sgd",
        optimizer_param: Mapping[str, Any] | None = None,
        evaluate_sample_num_per_epoch: int | Mapping[str, int | None] | None = None,
        verbose: bool = True,
        *,
        # the run
        seed: int | None = None,
        iters: int | None = None,
        lr_decay: float = 1.0,
        # the gradient
        grad: str = "backprop",
        # evaluation
        eval_batch_size: int | None = None,
        # feedback
        progress: bool | None = None,
        on_epoch: Callable[[Trainer], None] | None = None,
        divergence_factor: float | None = 3.0,
        # saving
        checkpoint_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        check_has("network", network, "predict", "loss", "accuracy")
        if grad not in ("backprop", "numerical"):
            raise ValueError(f"grad: expected 'backprop' or 'numerical', got {grad!r}")
        check_has("network", network, "gradient" if grad == "backprop" else "numerical_gradient")
        if not isinstance(optimizer, (str, Optimizer)):
            raise TypeError(
                "optimizer: expected a name such as 'sgd' or 'adam', or an Optimizer "
                f"instance, got {optimizer!r:.60} ({type(optimizer).__name__})"
            )
        if optimizer_param is not None and not isinstance(optimizer_param, Mapping):
            raise TypeError(
                "optimizer_param: expected a dict such as {'lr': 0.01}, got "
                f"{optimizer_param!r:.60}"
            )
        if on_epoch is not None and not callable(on_epoch):
            raise TypeError(f"on_epoch: expected a function or None, got {on_epoch!r:.60}")
        check_seed("seed", seed)
        mini_batch_size = check_size("mini_batch_size", mini_batch_size)
        if eval_batch_size is not None:
            check_size("eval_batch_size", eval_batch_size)
        self.network = network
        self.x_train, self.t_train = (
            as_real_array("x_train", x_train),
            as_real_array("t_train", t_train),
        )
        self.x_test, self.t_test = as_real_array("x_test", x_test), as_real_array("t_test", t_test)
        for name, x, t in (
            ("train", self.x_train, self.t_train),
            ("test", self.x_test, self.t_test),
        ):
            if x.ndim == 0 or t.ndim == 0:
                raise ShapeError(
                    f"{name} set: expected arrays with samples along axis 0, got x of shape "
                    f"{x.shape} and t of shape {t.shape}"
                )
            if x.shape[0] != t.shape[0]:
                raise ShapeError(f"{name} set: x has {x.shape[0]} samples but t has {t.shape[0]}")
        n = self.x_train.shape[0]
        if not 1 <= mini_batch_size <= n:
            raise ValueError(
                f"mini_batch_size: the mini-batch size must lie in 1..{n} (the number of "
                f"training samples); got {mini_batch_size}"
            )
        if checkpoint_dir is not None and not isinstance(network, Network):
            raise TypeError(
                f"checkpoint_dir: checkpoints need one of dlscratch's networks; got a "
                f"{type(network).__name__}"
            )
        self.batch_size = int(mini_batch_size)
        self.iter_per_epoch = max(n // self.batch_size, 1)
        if iters is not None:
            self.max_iter = check_size("iters", iters)
        else:
            self.max_iter = check_size("epochs", epochs) * self.iter_per_epoch
        self.epochs = math.ceil(self.max_iter / self.iter_per_epoch)
        if isinstance(optimizer, str):
            self.optimizer: Optimizer = get_optimizer(optimizer, **dict(optimizer_param or {}))
        else:
            self.optimizer = optimizer
        if not 0 < check_real("lr_decay", lr_decay) <= 1:
            raise ValueError(f"lr_decay: expected a factor in (0, 1], got {lr_decay}")
        self.lr_decay = float(lr_decay)
        if divergence_factor is not None:
            check_real("divergence_factor", divergence_factor)
        if divergence_factor is not None and not divergence_factor > 1:
            raise ValueError(
                f"divergence_factor: expected a factor above 1 (or None), got {divergence_factor}"
            )
        self.divergence_factor = divergence_factor
        self.consistent = True
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch  # checks it
        self._start = time.perf_counter()
        self.grad = grad
        self.eval_batch_size = eval_batch_size
        self.progress = verbose if progress is None else progress
        self.verbose = verbose
        self.on_epoch = on_epoch
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.history = History()
        self.iteration = 0
        self.checkpoint_path = (
            Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
        )
        self.batch_order: Array = np.empty(0, dtype=np.intp)

    @property
    def evaluate_sample_num_per_epoch(self) -> int | Mapping[str, int | None] | None:
        """The book's attribute: the samples evaluated per epoch, as given (a count for
        both sets, a ``{'train', 'test'}`` dict, or None); setting it takes effect at the
        next evaluation. ``eval_sample_nums`` holds it as ``{'train': n, 'test': n}``."""
        return self._evaluate_sample_num_per_epoch

    @evaluate_sample_num_per_epoch.setter
    def evaluate_sample_num_per_epoch(self, spec: int | Mapping[str, int | None] | None) -> None:
        self.eval_sample_nums = _eval_sample_nums(spec)
        self._evaluate_sample_num_per_epoch = spec

    # -- one step ----------------------------------------------------------------------
    def _next_batch(self) -> tuple[Array, Array]:
        pos = (self.iteration % self.iter_per_epoch) * self.batch_size
        if pos == 0 or self.batch_order.size == 0:
            self.batch_order = self.rng.permutation(self.x_train.shape[0])
        idx = self.batch_order[pos : pos + self.batch_size]
        return self.x_train[idx], self.t_train[idx]

    def train_step(self, x_batch: Array | None = None, t_batch: Array | None = None) -> float:
        """One update; returns the mini-batch's loss (computed before the update).

        Without arguments the batch is the next slice of this epoch's permutation of
        the training set. A caller that draws its own batches (e.g. to give several
        networks the very same ones, as :func:`dlscratch.experiments.compare_optimizers`
        does) passes ``x_batch`` and ``t_batch``; they are used as given (not checked)
        and the trainer's batch order is left alone.

        Raises:
            ValueError: only one of ``x_batch`` and ``t_batch`` is given.
            TrainingDivergedError: the loss is NaN or infinite, or it ran away (its
                median over the last :data:`DIVERGENCE_WINDOW` iterations, this one
                included, is above ``divergence_factor`` times the first iteration's
                loss plus 1); the update is not applied. Or the update made a
                parameter NaN or infinite (an overflow in the optimizer): the message
                says which, and that the parameters are no longer usable.
        """
        if x_batch is None and t_batch is None:
            x_batch, t_batch = self._next_batch()
        elif x_batch is None or t_batch is None:
            raise ValueError("x_batch, t_batch: expected both or neither, got only one")
        # Overflow is reported once, as TrainingDivergedError, not as a warning per op.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.grad == "backprop":
                grads = self.network.gradient(x_batch, t_batch)
                # Our networks keep the loss of their forward pass; others compute it.
                last_loss = getattr(self.network, "last_loss", None)
                loss = float(
                    last_loss if last_loss is not None else self.network.loss(x_batch, t_batch)
                )
            else:
                loss = float(self.network.loss(x_batch, t_batch))
                grads = self.network.numerical_gradient(x_batch, t_batch)
        if not math.isfinite(loss):
            self.check_parameters(loss)  # NaN parameters from an earlier update: say so
            raise TrainingDivergedError(
                f"training diverged at iteration {self.iteration + 1}: the loss is {loss}. "
                f"{self._lr_advice()} The parameters were left as they were before this step."
            )
        self._check_runaway(loss)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.optimizer.update(self.network.params, grads)
        self.iteration += 1
        self.history.loss.append(loss)
        return loss

    def _lr_advice(self) -> str:
        lr = getattr(self.optimizer, "lr", None)
        return f"The learning rate ({lr}) is probably too high; try a smaller --lr."

    def _check_runaway(self, loss: float) -> None:
        """Raise if the median loss of the last iterations (with ``loss``) ran away."""
        past = self.history.loss
        w = DIVERGENCE_WINDOW
        if self.divergence_factor is None or len(past) < w - 1:
            return
        window = sorted([*past[len(past) - (w - 1) :], loss])
        median = 0.5 * (window[(w - 1) // 2] + window[w // 2])
        first = past[0]
        if median > self.divergence_factor * first + 1.0:
            raise TrainingDivergedError(
                f"training diverged at iteration {self.iteration + 1}: the loss ran away, "
                f"from {first:.4g} at the first iteration to {median:.4g} (the median of "
                f"the last {w}), more than {self.divergence_factor:g} times as high. "
                f"{self._lr_advice()} Training stopped before this step's update."
            )

    def check_parameters(self, loss: float | None = None) -> None:
        """Raise :class:`TrainingDivergedError` if a parameter holds NaN or infinity.

        :meth:`train` calls it before each evaluation and checkpoint and at the end, and
        :meth:`train_step` when the loss is not finite (``loss``), so an optimizer that
        overflowed is reported as such (finite float32 gradients near 2e19 make Adam's
        squared gradients infinite, then NaN through inf - inf), and NaN weights are
        never evaluated as a model or saved.
        """
        with np.errstate(invalid="ignore", over="ignore"):
            bad = [k for k, v in self.network.params.items() if not np.isfinite(v).all()]
        if not bad:
            return
        name = getattr(self.optimizer, "name", type(self.optimizer).__name__)
        dtype = np.asarray(self.network.params[bad[0]]).dtype
        at = self.iteration if loss is None else self.iteration + 1
        because = "" if loss is None else f"the loss is {loss}, because "
        raise TrainingDivergedError(
            f"training diverged at iteration {at}: {because}an update made "
            f"{', '.join(bad)} NaN or infinite although the losses were finite (an "
            f"overflow in the {name} update, beyond the range of {dtype}; Adam squares "
            "the gradients, which overflows float32 from about 2e19). The parameters "
            f"are no longer usable. {self._lr_advice()}"
        )

    # -- evaluation --------------------------------------------------------------------
    def evaluate(self) -> tuple[float, float]:
        """Train and test accuracy, appended to :attr:`history` (book 4.5.3).

        Each on the first ``evaluate_sample_num_per_epoch`` samples of its set (all
        when None; the dict form gives each set its own count), in batches of
        ``eval_batch_size``.

        Returns:
            ``(train_acc, test_acc)``, fractions in [0, 1].
        """
        kt, k = self.eval_sample_nums["train"], self.eval_sample_nums["test"]
        xtr, ttr = (
            (self.x_train, self.t_train) if kt is None else (self.x_train[:kt], self.t_train[:kt])
        )
        xte, tte = (self.x_test, self.t_test) if k is None else (self.x_test[:k], self.t_test[:k])
        train_acc = self._accuracy(xtr, ttr)
        test_acc = self._accuracy(xte, tte)
        self.history.epoch_iters.append(self.iteration)
        self.history.epoch_seconds.append(time.perf_counter() - self._start)
        self.history.train_acc.append(train_acc)
        self.history.test_acc.append(test_acc)
        return train_acc, test_acc

    def _accuracy(self, x: Array, t: Array) -> float:
        if isinstance(self.network, Network):
            return self.network.accuracy(x, t, batch_size=self.eval_batch_size)
        return float(self.network.accuracy(x, t))  # the book's protocol: (x, t) only

    # The book's names for the history (``common/trainer.py``).
    @property
    def train_loss_list(self) -> list[float]:
        """Mini-batch loss of every iteration (the book's name for ``history.loss``)."""
        return self.history.loss

    @property
    def train_acc_list(self) -> list[float]:
        """Training accuracy after each epoch (``history.train_acc``)."""
        return self.history.train_acc

    @property
    def test_acc_list(self) -> list[float]:
        """Test accuracy after each epoch (``history.test_acc``)."""
        return self.history.test_acc

    def train(self) -> History:
        """Run until ``max_iter`` updates, evaluating at the end of every epoch.

        Ctrl-C stops at the end of the current step (see :class:`TrainingInterrupted`);
        calling :meth:`train` again continues.

        Returns:
            :attr:`history` (also kept on the trainer).

        Raises:
            TrainingDivergedError: see :meth:`train_step` and :meth:`check_parameters`.
            TrainingInterrupted: Ctrl-C, between two steps.
        """
        from tqdm.auto import tqdm

        start = self._start = time.perf_counter() - self.history.seconds
        bar = tqdm(
            total=self.max_iter,
            initial=self.iteration,
            disable=not self.progress,
            unit="it",
            dynamic_ncols=True,
            leave=True,
        )
        try:
            with _sigint_at_step_end() as stop:
                while self.iteration < self.max_iter:
                    if stop.requested:
                        raise TrainingInterrupted(self.iteration)
                    self.consistent = False  # until the step (and evaluation) is done
                    self._step_and_evaluate(bar, start)
                    self.consistent = True
            # (A Ctrl-C during the last step lets the finished run end as usual.)
            self.check_parameters()
        finally:
            bar.close()
            self.history.seconds = time.perf_counter() - start
        if self.verbose:
            if self.eval_sample_nums["test"] is None and self.history.test_acc:
                final = self.history.test_acc[-1]
            else:  # the book's final line is for the whole test set
                final = self._accuracy(self.x_test, self.t_test)
            print("=============== Final Test Accuracy ===============")
            print(f"test acc:{final}")
        return self.history

    def _step_and_evaluate(self, bar: Any, start: float) -> None:
        loss = self.train_step()
        bar.update(1)
        if self.iteration % 10 == 0 or self.iteration == self.max_iter:
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        if not (self.iteration % self.iter_per_epoch == 0 or self.iteration == self.max_iter):
            return
        self.check_parameters()  # never evaluate or save NaN weights
        _, test_acc = self.evaluate()
        self.history.seconds = time.perf_counter() - start
        epoch = math.ceil(self.iteration / self.iter_per_epoch)
        # A run shorter than an epoch (--iters) has no epochs to count.
        where = (
            f"epoch {epoch}/{self.epochs}"
            if self.max_iter >= self.iter_per_epoch
            else f"{self.iteration / self.iter_per_epoch:.1%} of an epoch"
        )
        bar.set_description(f"{where} test acc {test_acc:.4f}")
        if self.verbose:
            bar.write(
                f"=== epoch:{epoch}, train acc:{self.history.train_acc[-1]}, "
                f"test acc:{test_acc} ==="
            )
        if self.lr_decay != 1.0 and self.iteration % self.iter_per_epoch == 0:
            self.optimizer.lr *= self.lr_decay
        self.consistent = True  # the step and its epoch's end are done
        if self.checkpoint_path is not None:
            self.save_checkpoint(self.checkpoint_path)
        if self.on_epoch is not None:
            self.on_epoch(self)

    # -- checkpoints (dlscratch.checkpoints) -------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike[str]) -> Path:
        """Save everything needed to continue this run, atomically.

        See :func:`dlscratch.checkpoints.save_checkpoint`. Returns the path written.
        """
        # Imported here: checkpoints sits above the trainer, with the file format of io.
        from dlscratch.checkpoints import save_checkpoint

        return save_checkpoint(self, path)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Continue from a checkpoint written by :meth:`save_checkpoint`.

        See :func:`dlscratch.checkpoints.load_checkpoint`.

        Raises:
            ModelFileError: unreadable file, or one for another network or optimizer.
        """
        from dlscratch.checkpoints import load_checkpoint

        load_checkpoint(self, path)
