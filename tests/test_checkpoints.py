"""Tests for dlscratch.checkpoints: tampered or damaged checkpoints are refused.

Each test writes a good checkpoint with a Trainer, rewrites its metadata or arrays with
dlscratch.io's own writer (so that only the one value changes), and checks that
``load_checkpoint`` raises one line of ModelFileError naming the file and what is wrong,
and leaves the trainer as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dlscratch.errors import ModelFileError
from dlscratch.io import read_model_file, write_model_file
from dlscratch.networks import MultiLayerNet
from dlscratch.trainer import Trainer

_IO_KEYS = ("format", "format_version", "architecture", "config", "dlscratch_version")


def _blobs(n: int = 300, d: int = 8, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 3, (k, d))
    t = rng.integers(0, k, n)
    return (centers[t] + rng.normal(0, 1, (n, d))).astype(np.float32), t.astype(np.uint8)


def _trainer(checkpoint_dir: Path | None = None, optimizer: str = "adam", **kw: Any) -> Trainer:
    """A network with dropout (random states) and batch norm (buffers)."""
    x, t = _blobs()
    net = MultiLayerNet(8, [12, 12], 3, use_dropout=True, dropout_ratio=0.2,
                        use_batchnorm=True, seed=7)  # fmt: skip
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=2, mini_batch_size=30,
                   optimizer=optimizer, optimizer_param={"lr": 0.01}, seed=7, verbose=False,
                   checkpoint_dir=checkpoint_dir, **kw)  # fmt: skip


@pytest.fixture(scope="module", params=["adam", "momentum"])
def good_checkpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A checkpoint saved in the middle of the first epoch (iteration 4 of 6)."""
    folder = tmp_path_factory.mktemp(f"good-{request.param}")
    tr = _trainer(folder, optimizer=request.param, iters=4)
    tr.train()
    return folder / "checkpoint.npz"


def _rewrite(
    good: Path,
    target: Path,
    meta_edit: Callable[[dict[str, Any]], object] | None = None,
    arrays_edit: Callable[[dict[str, np.ndarray]], object] | None = None,
) -> Path:
    """A copy of ``good`` whose trainer state (or extra arrays) went through ``*_edit``."""
    mf = read_model_file(good)
    meta = copy.deepcopy(mf.meta)
    extra_arrays = dict(mf.extra_arrays)
    if meta_edit is not None:
        meta_edit(meta["trainer"])
    if arrays_edit is not None:
        arrays_edit(extra_arrays)
    extra = {k: v for k, v in meta.items() if k not in _IO_KEYS}
    return write_model_file(target, meta["architecture"], meta["config"], mf.params,
                            mf.buffers, extra=extra, extra_arrays=extra_arrays)  # fmt: skip


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(state: dict[str, Any]) -> None:
        for key in keys[:-1]:
            state = state[key]
        state[keys[-1]] = value

    return edit


def _dropout_state_on_affine(state: dict[str, Any]) -> None:
    rs = state["network_random_state"]
    rs["Affine1"] = rs["Dropout1"]


def _order(f: Callable[[np.ndarray], np.ndarray]) -> Callable[[dict[str, np.ndarray]], None]:
    def edit(arrays: dict[str, np.ndarray]) -> None:
        arrays["trainer/order"] = f(arrays["trainer/order"])

    return edit


def _first_state(f: Callable[[np.ndarray], np.ndarray]) -> Callable[[dict[str, np.ndarray]], None]:
    def edit(arrays: dict[str, np.ndarray]) -> None:
        key = next(k for k in arrays if k.startswith("optimizer/") and k.endswith("/W1"))
        arrays[key] = f(arrays[key])

    return edit


META_CASES = {
    # The fuzzing campaign's findings (issue 12)...
    "random state for a layer without one": (
        _dropout_state_on_affine,
        "trainer.network_random_state: expected the states of this network's dropout "
        "layers ['Dropout1', 'Dropout2'], got ['Affine1', 'Dropout1', 'Dropout2']",
    ),
    "negative learning rate": (
        _set("optimizer", "hyperparameters", "lr", value=-0.5),
        "trainer.optimizer.hyperparameters.lr: expected a finite number > 0, got -0.5",
    ),
    "negative iteration": (
        _set("iteration", value=-5),
        "trainer.iteration: expected an integer >= 0, got -5",
    ),
    # ...and their neighbours.
    "random state of an unknown layer": (
        _set("network_random_state", "Nope", value={}),
        "got ['Dropout1', 'Dropout2', 'Nope']",
    ),
    "garbage dropout random state": (
        _set("network_random_state", "Dropout1", value={"bit_generator": "PCG64", "state": 5}),
        "trainer.network_random_state.Dropout1: not a valid state of a PCG64 random generator",
    ),
    "garbage batch-order random state": (
        _set("rng_state", value=[1, 2]),
        "trainer.rng_state: not a valid state of a PCG64 random generator, got list",
    ),
    "learning rate as text": (
        _set("optimizer", "hyperparameters", "lr", value="0.1"),
        "lr: expected a finite number > 0, got '0.1'",
    ),
    "zero learning rate": (
        _set("optimizer", "hyperparameters", "lr", value=0),
        "lr: expected a finite number > 0, got 0",
    ),
    "fractional iteration": (
        _set("iteration", value=2.5),
        "trainer.iteration: expected an integer >= 0, got 2.5",
    ),
    "negative step counter": (
        _set("optimizer", "counters", value={"iter": -3}),
        "trainer.optimizer.counters.iter: expected an integer >= 0, got -3",
    ),
    "history as text": (
        _set("history", "loss", value="abc"),
        "trainer.history.loss: expected a list of numbers, got 'abc'",
    ),
    "accuracy above 1": (
        _set("history", "test_acc", value=[1.5]),
        "trainer.history.test_acc: expected a list of numbers in [0, 1], got list",
    ),
    "batch size as a boolean": (
        _set("batch_size", value=True),
        "checkpoint used batch size True, this run uses 30",
    ),
    "no optimizer": (
        lambda state: state.pop("optimizer"),
        "trainer: no entry 'optimizer'",
    ),
}

ARRAY_CASES = {
    "batch order out of range": (
        _order(lambda o: o + 1000),
        "batch order (extra/trainer/order): expected a permutation of 0..199 (integers, "
        "shape (200,)), got int64 of shape (200,), values 1000..1199",
    ),
    "negative batch order": (_order(lambda o: -1 - o), "values -200..-1"),
    "repeated batch order": (_order(np.zeros_like), "values 0..0"),
    "batch order as floats": (_order(lambda o: o.astype(float)), "got float64 of shape (200,)"),
    "short batch order": (_order(lambda o: o[:10]), "got int64 of shape (10,)"),
    "no batch order": (
        lambda arrays: arrays.pop("trainer/order"),
        "no batch order (extra/trainer/order)",
    ),
    "optimizer state of another shape": (
        _first_state(lambda a: np.zeros(3)),
        "/W1): expected floats of shape (8, 12), got float64 of shape (3,)",
    ),
    "optimizer state with NaN": (
        _first_state(lambda a: np.full_like(a, np.nan)),
        "/W1): holds NaN or infinite values",
    ),
    "optimizer state of an unknown parameter": (
        lambda arrays: arrays.__setitem__("optimizer/v/W9", np.zeros(3)),
        "optimizer state (extra/optimizer/v/W9): names no parameter of MultiLayerNet",
    ),
}


def _assert_untouched(tr: Trainer, fresh: Trainer) -> None:
    assert tr.iteration == 0 and tr.history.loss == []
    assert tr.optimizer.lr == fresh.optimizer.lr
    assert tr.optimizer.state_dict()[0].keys() == fresh.optimizer.state_dict()[0].keys()
    for k, v in fresh.network.params.items():
        np.testing.assert_array_equal(tr.network.params[k], v)
    assert tr.network.random_state() == fresh.network.random_state()
    assert tr.rng.bit_generator.state == fresh.rng.bit_generator.state


def _assert_refused(tr: Trainer, bad: Path, expected: str) -> None:
    with pytest.raises(ModelFileError) as info:
        tr.load_checkpoint(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: ")
    assert expected in message
    assert "\n" not in message
    _assert_untouched(tr, _trainer(optimizer=tr.optimizer.name))


@pytest.mark.parametrize("case", META_CASES)
def test_tampered_metadata_is_refused(good_checkpoint: Path, tmp_path: Path, case: str) -> None:
    edit, expected = META_CASES[case]
    bad = _rewrite(good_checkpoint, tmp_path / "bad.npz", meta_edit=edit)
    _assert_refused(_trainer(optimizer=_optimizer_of(good_checkpoint)), bad, expected)


@pytest.mark.parametrize("case", ARRAY_CASES)
def test_tampered_arrays_are_refused(good_checkpoint: Path, tmp_path: Path, case: str) -> None:
    edit, expected = ARRAY_CASES[case]
    bad = _rewrite(good_checkpoint, tmp_path / "bad.npz", arrays_edit=edit)
    _assert_refused(_trainer(optimizer=_optimizer_of(good_checkpoint)), bad, expected)


def _optimizer_of(checkpoint: Path) -> str:
    return str(read_model_file(checkpoint).meta["trainer"]["optimizer"]["name"])


def test_negative_second_moment_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "adam"
    _trainer(folder, iters=4).train()

    def negative(arrays: dict[str, np.ndarray]) -> None:
        arrays["optimizer/v/W1"] = -arrays["optimizer/v/W1"] - 1.0

    bad = _rewrite(folder / "checkpoint.npz", tmp_path / "bad.npz", arrays_edit=negative)
    _assert_refused(_trainer(), bad, "extra/optimizer/v/W1): a sum of squared gradients")


def test_a_refused_restore_puts_everything_back(tmp_path: Path) -> None:
    """A state the optimizer itself refuses while being restored (after the network's
    parameters were loaded) leaves the trainer exactly as it was."""
    folder = tmp_path / "adam"
    _trainer(folder, iters=4).train()

    def unknown_state(arrays: dict[str, np.ndarray]) -> None:
        arrays["optimizer/zz/W1"] = arrays["optimizer/m/W1"]

    bad = _rewrite(folder / "checkpoint.npz", tmp_path / "bad.npz", arrays_edit=unknown_state)
    _assert_refused(_trainer(), bad, "damaged checkpoint, not restored (ValueError: Adam: unknown")


def test_the_good_checkpoint_still_resumes_exactly(good_checkpoint: Path) -> None:
    optimizer = _optimizer_of(good_checkpoint)
    straight = _trainer(optimizer=optimizer)
    straight.train()
    resumed = _trainer(optimizer=optimizer)
    resumed.load_checkpoint(good_checkpoint)
    assert resumed.iteration == 4
    resumed.train()
    assert resumed.history.loss == straight.history.loss
    for k, v in straight.network.params.items():
        np.testing.assert_array_equal(resumed.network.params[k], v)
