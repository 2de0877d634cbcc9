"""Training checkpoints: save a :class:`~dlscratch.trainer.Trainer`'s run, and continue it.

A checkpoint is a regular model file (:mod:`dlscratch.io`; ``dlscratch evaluate`` and
:func:`dlscratch.io.load_model` read it) that also carries what the run needs to go on
exactly where it stopped:

- the optimizer's arrays (momentum, Adam's moments...) under ``extra/optimizer/``, and
  its counters and hyper-parameters, including the learning rate as decayed so far;
- the current epoch's batch order under ``extra/trainer/order`` (a run stopped in the
  middle of an epoch continues through the same permutation);
- in the metadata: the iteration count, the batch-order generator's state, the
  network's random state (dropout masks), the history so far, and the batch size and
  training-set size, which must not change.

With the same data and settings, a run that is stopped, saved and continued from its
checkpoint ends with exactly the weights of a run that never stopped.

:meth:`Trainer.save_checkpoint <dlscratch.trainer.Trainer.save_checkpoint>` and
:meth:`Trainer.load_checkpoint <dlscratch.trainer.Trainer.load_checkpoint>` call the
two functions here. This module sits above the trainer (beside :mod:`dlscratch.io`,
whose file format it uses) and reads and sets the trainer's attributes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dlscratch.errors import ModelFileError
from dlscratch.io import ModelFile, read_model_file, write_model_file
from dlscratch.trainer import History, Trainer

__all__ = ["load_checkpoint", "save_checkpoint"]


def save_checkpoint(trainer: Trainer, path: str | os.PathLike[str]) -> Path:
    """Save everything needed to continue ``trainer``'s run, atomically.

    Args:
        trainer: a trainer of one of dlscratch's networks.
        path: the file (``.npz`` is appended if missing).

    Returns:
        The path written.
    """
    net, opt = trainer.network, trainer.optimizer
    arrays, counters = opt.state_dict()
    state = {
        "iteration": trainer.iteration,
        "max_iter": trainer.max_iter,
        "batch_size": trainer.batch_size,
        "n_train": int(trainer.x_train.shape[0]),
        "seed": trainer.seed,
        "rng_state": trainer.rng.bit_generator.state,
        "network_random_state": net.random_state(),
        "optimizer": {
            "name": opt.name,
            "hyperparameters": opt.hyperparameters,  # the lr as decayed so far
            "counters": counters,
        },
        "history": trainer.history.to_dict(),
    }
    extra_arrays = {f"optimizer/{k}": v for k, v in arrays.items()}
    extra_arrays["trainer/order"] = trainer.batch_order
    return write_model_file(
        path,
        net.architecture,
        net.get_config(),
        net.params,
        net.buffers(),
        extra={"dtype": str(net.dtype), "trainer": state},
        extra_arrays=extra_arrays,
    )


def load_checkpoint(trainer: Trainer, path: str | os.PathLike[str]) -> None:
    """Continue ``trainer``'s run from a checkpoint written by :func:`save_checkpoint`.

    Restores into the trainer's network (which must have the same architecture and
    configuration) its parameters and batch-norm statistics, and into the trainer the
    optimizer's state and learning rate, the random states, the iteration count and
    the history. Everything is checked before anything is changed: the network,
    optimizer, batch size and training-set size; the learning rate (a finite number
    > 0), the iteration and the optimizer's counters (integers >= 0); the random
    states (one per dropout layer of this network, each a valid state of its
    generator); the batch order (a permutation of the training set's indices); the
    optimizer's arrays (one per parameter, of its shape, finite floats); the history.
    If restoring still fails, the trainer is put back as it was.

    Raises:
        ModelFileError: an unreadable file, a model file that is not a checkpoint, a
            checkpoint of another network, optimizer, batch size or training-set size,
            or a damaged or tampered one. One line, naming the file and what is wrong.
    """
    mf = read_model_file(path)
    state = mf.meta.get("trainer")
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: a model file, but not a training checkpoint")
    net = trainer.network
    if mf.architecture != net.architecture or mf.config != net.get_config():
        raise ModelFileError(
            f"{path}: checkpoint of {mf.architecture} {mf.config}, but this run trains "
            f"{net.architecture} {net.get_config()}"
        )
    try:
        checked = _check(trainer, mf, state)
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise ModelFileError(f"{path}: incomplete or damaged checkpoint ({e!r})") from None
    before = _Snapshot(trainer)
    try:
        _apply(trainer, mf, checked)
    except Exception as e:  # whatever the network or optimizer refuse: undo, one line
        before.restore(trainer)
        raise ModelFileError(
            f"{path}: damaged checkpoint, not restored ({type(e).__name__}: {e})"
        ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _field(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict):
        raise ModelFileError(f"{where}: expected a JSON object, got {_show(mapping)}")
    if key not in mapping:
        raise ModelFileError(f"{where}: no entry {key!r}")
    return mapping[key]


def _show(value: Any) -> str:
    """A short description of a JSON value, for messages."""
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _count(value: Any, name: str) -> int:
    if not _is_int(value) or value < 0:
        raise ModelFileError(f"{name}: expected an integer >= 0, got {_show(value)}")
    return int(value)


def _generator_state(value: Any, like: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``value`` if it is a valid state of the kind of bit generator ``like`` describes
    (checked on a scratch generator, so that nothing in use is changed)."""
    kind = like["bit_generator"]
    scratch = getattr(np.random, kind)()
    try:
        scratch.state = value
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        raise ModelFileError(
            f"{name}: not a valid state of a {kind} random generator, got {_show(value)}"
        ) from None
    return dict(value)


class _Checked(NamedTuple):
    lr: float
    counters: dict[str, int]
    rng_state: dict[str, Any]
    network_random_state: dict[str, Any]
    optimizer_arrays: dict[str, NDArray[Any]]
    order: NDArray[np.intp]
    iteration: int
    history: History


# Optimizer states that accumulate squared gradients, so cannot be negative.
_SUMS_OF_SQUARES = {("adagrad", "h"), ("rmsprop", "h"), ("adam", "v")}


def _check(trainer: Trainer, mf: ModelFile, state: dict[str, Any]) -> _Checked:
    """Check everything :func:`load_checkpoint` will restore, changing nothing."""
    opt, net = trainer.optimizer, trainer.network
    saved = _field(state, "optimizer", "trainer")
    name = _field(saved, "name", "trainer.optimizer")
    if name != opt.name:
        raise ModelFileError(f"checkpoint used optimizer {_show(name)}, this run uses {opt.name!r}")
    n_train = int(trainer.x_train.shape[0])
    if _field(state, "n_train", "trainer") != n_train or not _is_int(state["n_train"]):
        raise ModelFileError(
            f"checkpoint trained on {_show(state['n_train'])} samples, this run has "
            f"{n_train} (keep --train-size as it was)"
        )
    if _field(state, "batch_size", "trainer") != trainer.batch_size or not _is_int(
        state["batch_size"]
    ):
        raise ModelFileError(
            f"checkpoint used batch size {_show(state['batch_size'])}, this run uses "
            f"{trainer.batch_size}"
        )
    lr = _field(_field(saved, "hyperparameters", "trainer.optimizer"), "lr", "hyperparameters")
    if not _is_real(lr) or lr <= 0:
        raise ModelFileError(
            f"trainer.optimizer.hyperparameters.lr: expected a finite number > 0, got {_show(lr)}"
        )
    counters = _field(saved, "counters", "trainer.optimizer")
    if not isinstance(counters, dict):
        raise ModelFileError(
            f"trainer.optimizer.counters: expected a JSON object, got {_show(counters)}"
        )
    counters = {k: _count(v, f"trainer.optimizer.counters.{k}") for k, v in counters.items()}
    iteration = _count(_field(state, "iteration", "trainer"), "trainer.iteration")

    rng_state = _generator_state(
        _field(state, "rng_state", "trainer"), trainer.rng.bit_generator.state, "trainer.rng_state"
    )
    current = net.random_state()
    saved_rs = _field(state, "network_random_state", "trainer")
    if not isinstance(saved_rs, dict) or set(saved_rs) != set(current):
        got = sorted(saved_rs) if isinstance(saved_rs, dict) else _show(saved_rs)
        raise ModelFileError(
            f"trainer.network_random_state: expected the states of this network's dropout "
            f"layers {sorted(current)}, got {got}"
        )
    network_rs = {
        layer: _generator_state(value, current[layer], f"trainer.network_random_state.{layer}")
        for layer, value in saved_rs.items()
    }

    if "trainer/order" not in mf.extra_arrays:
        raise ModelFileError("no batch order (extra/trainer/order)")
    order = mf.extra_arrays["trainer/order"]
    if (
        order.dtype.kind not in "iu"
        or order.shape not in ((0,), (n_train,))
        or (order.size and not np.array_equal(np.sort(order), np.arange(n_train)))
    ):
        values = (
            f", values {order.min()}..{order.max()}"
            if order.size and order.dtype.kind in "iuf"
            else ""
        )
        raise ModelFileError(
            f"batch order (extra/trainer/order): expected a permutation of 0..{n_train - 1} "
            f"(integers, shape ({n_train},)), got {order.dtype} of shape {order.shape}{values}"
        )

    optimizer_arrays: dict[str, NDArray[Any]] = {}
    for key, value in mf.extra_arrays.items():
        if not key.startswith("optimizer/"):
            continue
        attr, _, param = key.removeprefix("optimizer/").partition("/")
        where = f"optimizer state (extra/{key})"
        if param not in net.params:
            raise ModelFileError(f"{where}: names no parameter of {net.architecture}")
        shape = np.shape(net.params[param])
        if value.shape != shape or value.dtype.kind != "f":
            raise ModelFileError(
                f"{where}: expected floats of shape {shape}, got {value.dtype} of shape "
                f"{value.shape}"
            )
        if not np.isfinite(value).all():
            raise ModelFileError(f"{where}: holds NaN or infinite values")
        if (opt.name, attr) in _SUMS_OF_SQUARES and (value < 0).any():
            raise ModelFileError(f"{where}: a sum of squared gradients, but holds negative values")
        optimizer_arrays[key.removeprefix("optimizer/")] = value

    history = _check_history(_field(state, "history", "trainer"))
    return _Checked(
        float(lr),
        counters,
        rng_state,
        network_rs,
        optimizer_arrays,
        np.asarray(order, dtype=np.intp),
        iteration,
        history,
    )


def _check_history(h: Any) -> History:
    def numbers(key: str, low: float = -math.inf, high: float = math.inf) -> list[Any]:
        values = _field(h, key, "trainer.history")
        if not isinstance(values, list) or not all(
            _is_real(v) and low <= v <= high for v in values
        ):
            bounds = "" if low == -math.inf else f" in [{low:g}, {high:g}]"
            raise ModelFileError(
                f"trainer.history.{key}: expected a list of numbers{bounds}, got {_show(values)}"
            )
        return list(values)

    epoch_iters = numbers("epoch_iters", 0)
    if not all(_is_int(v) for v in epoch_iters):
        raise ModelFileError("trainer.history.epoch_iters: expected a list of integers")
    seconds = _field(h, "seconds", "trainer.history")
    if not _is_real(seconds) or seconds < 0:
        raise ModelFileError(
            f"trainer.history.seconds: expected a number >= 0, got {_show(seconds)}"
        )
    history = History(
        loss=[float(v) for v in numbers("loss")],
        epoch_iters=epoch_iters,
        train_acc=[float(v) for v in numbers("train_acc", 0, 1)],
        test_acc=[float(v) for v in numbers("test_acc", 0, 1)],
        epoch_seconds=[float(v) for v in numbers("epoch_seconds", 0)],
        seconds=float(seconds),
    )
    per_evaluation: list[list[Any]] = [
        history.epoch_iters,
        history.train_acc,
        history.test_acc,
        history.epoch_seconds,
    ]
    if len({len(v) for v in per_evaluation}) != 1:
        raise ModelFileError(
            "trainer.history: epoch_iters, train_acc, test_acc and epoch_seconds should "
            f"have one entry per evaluation, got {[len(v) for v in per_evaluation]} entries"
        )
    return history


def _apply(trainer: Trainer, mf: ModelFile, c: _Checked) -> None:
    net, opt = trainer.network, trainer.optimizer
    net.load_params(mf.params)
    if mf.buffers:
        net.load_buffers(mf.buffers)
    net.set_random_state(c.network_random_state)
    opt.load_state_dict(c.optimizer_arrays, c.counters)
    opt.lr = c.lr  # as decayed so far
    trainer.rng.bit_generator.state = c.rng_state
    trainer.batch_order = c.order
    trainer.iteration = c.iteration
    trainer.history = c.history


class _Snapshot:
    """What :func:`_apply` changes, to put back if it fails half-way."""

    def __init__(self, trainer: Trainer) -> None:
        net, opt = trainer.network, trainer.optimizer
        self.params = {k: np.array(v, copy=True) for k, v in net.params.items()}
        self.buffers = {k: np.array(v, copy=True) for k, v in net.buffers().items()}
        self.network_random_state = net.random_state()
        self.optimizer = opt.state_dict()
        self.lr = opt.lr
        self.rng_state = trainer.rng.bit_generator.state
        self.batch_order = trainer.batch_order
        self.iteration = trainer.iteration
        self.history = trainer.history

    def restore(self, trainer: Trainer) -> None:
        net, opt = trainer.network, trainer.optimizer
        net.load_params(self.params)
        if self.buffers:
            net.load_buffers(self.buffers)
        net.set_random_state(self.network_random_state)
        opt.load_state_dict(*self.optimizer)
        opt.lr = self.lr
        trainer.rng.bit_generator.state = self.rng_state
        trainer.batch_order = self.batch_order
        trainer.iteration = self.iteration
        trainer.history = self.history
