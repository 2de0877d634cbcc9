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

import os
from pathlib import Path
from typing import Any

import numpy as np

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
    the history. The network, optimizer, batch size and training-set size are checked
    before anything is changed.

    Raises:
        ModelFileError: an unreadable file, a model file that is not a checkpoint, or
            a checkpoint of another network, optimizer, batch size or training-set
            size.
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
        _restore(trainer, mf, state)
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: incomplete or damaged checkpoint ({e!r})") from None


def _restore(trainer: Trainer, mf: ModelFile, state: dict[str, Any]) -> None:
    """Check what :func:`load_checkpoint` needs, then apply it."""
    opt = trainer.optimizer
    if state["optimizer"]["name"] != opt.name:
        raise ModelFileError(
            f"checkpoint used optimizer {state['optimizer']['name']!r}, this run uses {opt.name!r}"
        )
    n_train = trainer.x_train.shape[0]
    if state["n_train"] != n_train:
        raise ModelFileError(
            f"checkpoint trained on {state['n_train']} samples, this run has "
            f"{n_train} (keep --train-size as it was)"
        )
    if state["batch_size"] != trainer.batch_size:
        raise ModelFileError(
            f"checkpoint used batch size {state['batch_size']}, this run uses {trainer.batch_size}"
        )
    net = trainer.network
    net.load_params(mf.params)
    if mf.buffers:
        net.load_buffers(mf.buffers)
    net.set_random_state(state["network_random_state"])
    opt_arrays = {
        k.removeprefix("optimizer/"): v
        for k, v in mf.extra_arrays.items()
        if k.startswith("optimizer/")
    }
    opt.load_state_dict(opt_arrays, state["optimizer"]["counters"])
    opt.lr = float(state["optimizer"]["hyperparameters"]["lr"])  # as decayed so far
    trainer.rng.bit_generator.state = state["rng_state"]
    trainer.batch_order = np.asarray(mf.extra_arrays["trainer/order"], dtype=np.intp)
    trainer.iteration = int(state["iteration"])
    h = state["history"]
    trainer.history = History(
        loss=list(h["loss"]),
        epoch_iters=list(h["epoch_iters"]),
        train_acc=list(h["train_acc"]),
        test_acc=list(h["test_acc"]),
        epoch_seconds=list(h["epoch_seconds"]),
        seconds=float(h["seconds"]),
    )
