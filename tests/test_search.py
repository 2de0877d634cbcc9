"""Random search of hyper-parameters on a validation split (dlscratch.search, book 6.5)."""

import inspect
import os
from typing import ClassVar

import numpy as np
import pytest

import dlscratch.datasets
from dlscratch import search
from dlscratch.cli import main
from dlscratch.search import (
    best_trials,
    random_search,
    run_trial,
    sample_hyperparameters,
    split_train_validation,
)

PNG = b"\x89PNG\r\n\x1a\n"


def _toy(n=300, d=12, k=3, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    x = rng.random((n, d)) + 0.5 * np.eye(d)[t % d]  # learnable
    return x.astype(np.float32), t


SMALL = {"hidden_size_list": (8, 8), "output_size": 3, "batch_size": 20}


def test_split_is_a_disjoint_shuffle_of_the_first_train_size_samples():
    x = np.arange(1000).reshape(-1, 1)  # each row holds its own index
    t = np.arange(1000)
    (xtr, ttr), (xv, tv) = split_train_validation(x, t, train_size=500, val_ratio=0.2, seed=1)
    assert xtr.shape == (400, 1) and xv.shape == (100, 1)
    np.testing.assert_array_equal(xtr[:, 0], ttr)
    np.testing.assert_array_equal(xv[:, 0], tv)
    assert set(ttr).isdisjoint(tv)
    assert set(ttr) | set(tv) == set(range(500))
    assert not np.all(np.diff(tv) > 0)  # shuffled, not the first 100
    (_, again), _ = split_train_validation(x, t, train_size=500, val_ratio=0.2, seed=1)
    np.testing.assert_array_equal(again, ttr)
    with pytest.raises(ValueError, match="val_ratio"):
        split_train_validation(x, t, val_ratio=1.0)
    with pytest.raises(ValueError, match="train_size"):
        split_train_validation(x, t, train_size=2000)
    with pytest.raises(ValueError, match="at least one"):
        split_train_validation(x, t, train_size=3, val_ratio=0.1)


def test_hyperparameters_are_log_uniform_in_the_book_ranges():
    rng = np.random.default_rng(0)
    draws = np.array([sample_hyperparameters(rng) for _ in range(2000)])
    lr, wd = np.log10(draws[:, 0]), np.log10(draws[:, 1])
    assert lr.min() >= -6 and lr.max() <= -2
    assert wd.min() >= -8 and wd.max() <= -4
    # Uniform in the exponent: mean at the middle, a quarter in each quarter.
    assert lr.mean() == pytest.approx(-4, abs=0.1)
    assert wd.mean() == pytest.approx(-6, abs=0.1)
    assert np.mean(lr < -5) == pytest.approx(0.25, abs=0.04)
    with pytest.raises(ValueError, match="lr_exponents"):
        sample_hyperparameters(rng, lr_exponents=(-2, -6))


def test_run_trial_learns_with_a_good_rate_and_not_with_a_tiny_one():
    x, t = _toy()
    (xtr, ttr), (xv, tv) = split_train_validation(x, t, train_size=300)
    good = run_trial(xtr, ttr, xv, tv, lr=0.5, weight_decay=1e-6, epochs=15, seed=0, **SMALL)
    tiny = run_trial(xtr, ttr, xv, tv, lr=1e-6, weight_decay=1e-6, epochs=15, seed=0, **SMALL)
    assert len(good.val_acc) == len(good.train_acc) == 15
    assert good.final_val_acc > 0.6
    assert good.final_val_acc > tiny.final_val_acc + 0.2


def test_random_search_ranges_lengths_and_ordering():
    x, t = _toy()
    res = random_search(x, t, n_trials=5, epochs=2, train_size=200, val_ratio=0.25, **SMALL)
    assert (res.train_size, res.val_size) == (150, 50)
    assert [tr.index for tr in res.trials] == list(range(5))
    for tr in res.trials:
        assert 1e-6 <= tr.lr <= 1e-2 and 1e-8 <= tr.weight_decay <= 1e-4
        assert len(tr.val_acc) == 2 and all(0 <= a <= 1 for a in tr.val_acc)
    accs = [tr.final_val_acc for tr in res.best(5)]
    assert accs == sorted(accs, reverse=True)
    assert best_trials(res.trials, 2) == res.best(5)[:2]
    assert len({tr.lr for tr in res.trials}) == 5


def test_trials_depend_only_on_seed_and_index():
    x, t = _toy()
    kw = dict(epochs=1, train_size=100, **SMALL)
    three = random_search(x, t, n_trials=3, seed=7, **kw).trials
    assert random_search(x, t, n_trials=2, seed=7, **kw).trials == three[:2]
    other = random_search(x, t, n_trials=2, seed=8, **kw).trials
    assert other[0].lr != three[0].lr


@pytest.mark.slow
def test_same_seed_same_trials_with_one_or_two_jobs():
    x, t = _toy()
    kw = dict(n_trials=4, epochs=2, train_size=100, seed=3, **SMALL)
    assert random_search(x, t, n_jobs=1, **kw).trials == random_search(x, t, n_jobs=2, **kw).trials


def test_search_functions_take_no_test_data():
    # Nothing in the module loads data, and no function has a parameter for a test set.
    assert not hasattr(search, "load_mnist")
    for fn in (split_train_validation, run_trial, random_search):
        assert not any("test" in p for p in inspect.signature(fn).parameters)


class _Poison:
    """Stands in for a test array: any use of it is recorded and fails."""

    touched: ClassVar[list[str]] = []

    def __getattr__(self, name):
        _Poison.touched.append(name)
        raise AssertionError(f"the search touched the test set ({name})")

    def __array__(self, *args, **kwargs):
        return self.__getattr__("__array__")

    def __len__(self):
        return self.__getattr__("__len__")

    def __getitem__(self, key):
        return self.__getattr__("__getitem__")


def test_cli_search_never_touches_the_test_set(monkeypatch, tmp_path, capsys):
    x, t = _toy(n=400, d=784, k=10)
    calls = []

    def fake_load_mnist(**kwargs):
        calls.append(kwargs)
        return (x.copy(), t.copy()), (_Poison(), _Poison())

    monkeypatch.setattr(dlscratch.datasets, "load_mnist", fake_load_mnist)
    _Poison.touched.clear()
    plot = tmp_path / "search.png"
    args = ["search", "--trials", "3", "--epochs", "2", "--train-size", "100", "--top", "2"]
    assert main([*args, "--plot", str(plot)]) == 0
    assert calls and _Poison.touched == []
    out = capsys.readouterr().out
    assert "the test set is not used" in out and "80 to train on and 20 to validate on" in out
    # The table holds the two best trials of the same search run here, in order:
    # rank, final validation and training accuracy, lr, weight decay, trial index.
    expected = random_search(x, t, n_trials=3, epochs=2, train_size=100, val_ratio=0.2, seed=0)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["rank", "val", "acc"])
    rows = [line.split() for line in lines[header + 1 : header + 3]]
    assert rows == [
        [str(rank), f"{tr.final_val_acc:.4f}", f"{tr.train_acc[-1]:.4f}", f"{tr.lr:.2e}",
         f"{tr.weight_decay:.2e}", str(tr.index)]
        for rank, tr in enumerate(expected.best(2), start=1)
    ]  # fmt: skip
    assert len({tr.index for tr in expected.best(2)}) == 2
    for tr in expected.trials:  # the book's ranges
        assert 1e-6 <= tr.lr <= 1e-2 and 1e-8 <= tr.weight_decay <= 1e-4
    assert plot.read_bytes()[:8] == PNG


def test_cli_search_results_stay_finite_with_nan_test_arrays(monkeypatch, capsys):
    x, t = _toy(n=200, d=784, k=10)
    nan_test = (np.full((50, 784), np.nan, dtype=np.float32), np.zeros(50, dtype=np.uint8))
    monkeypatch.setattr(dlscratch.datasets, "load_mnist", lambda **kw: ((x, t), nan_test))
    assert main(["search", "--trials", "2", "--epochs", "1", "--train-size", "100"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    assert np.isnan(nan_test[0]).all()  # and not written to


def test_cli_search_bad_flags(capsys):
    with pytest.raises(SystemExit):
        main(["search", "--val-ratio", "1.5"])
    with pytest.raises(SystemExit):
        main(["search", "--jobs", "0"])


@pytest.mark.parametrize(
    ("jobs", "trials", "expected", "message"),
    [
        ("40", 20, 2, "--jobs 40: running 2 processes: this machine lets it use 2 cores\n"),
        ("-1", 20, 2, ""),
        ("2", 20, 2, ""),
        ("8", 3, 2, "--jobs 8: running 2 processes: this machine lets it use 2 cores\n"),
        ("2", 1, 1, "--jobs 2: running 1 process: there is only 1 trial\n"),
    ],
)
def test_cli_search_runs_no_more_processes_than_cores(
    jobs, trials, expected, message, monkeypatch, capsys
):
    # `search --jobs 40` on two cores started 42 processes (issue 12).
    from dlscratch.cli import search as cli_search

    x, t = _toy(n=200, d=784, k=10)
    monkeypatch.setattr(dlscratch.datasets, "load_mnist", lambda **kw: ((x, t), (x, t)))
    monkeypatch.setattr(cli_search, "available_cores", lambda: 2)
    seen = []
    real = search.random_search

    def spy(*args, **kwargs):
        seen.append(kwargs["n_jobs"])
        return real(*args, **{**kwargs, "n_jobs": 1})

    monkeypatch.setattr(search, "random_search", spy)
    argv = ["search", "--trials", str(trials), "--epochs", "1", "--train-size", "50"]
    assert main([*argv, "--jobs", jobs]) == 0
    captured = capsys.readouterr()
    assert seen == [expected]
    assert captured.err == message
    assert f"; {expected} job(s), seed 0" in captured.out


def test_available_cores_is_this_process_s_share():
    from dlscratch.cli.search import available_cores

    n = available_cores()
    assert 1 <= n <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))
