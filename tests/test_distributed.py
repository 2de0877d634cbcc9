"""A random search's trials on a Dask cluster (dlscratch.distributed)."""

import functools
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import dlscratch.datasets
from dlscratch import search
from dlscratch.cli import main
from dlscratch.distributed import (
    ClusterError,
    DaskNotInstalledError,
    _check_workers,
    run_trials_on_dask,
)
from dlscratch.errors import DlscratchError
from dlscratch.search import Trial, random_search

SMALL = {"hidden_size_list": (8, 8), "output_size": 3, "batch_size": 20}
SEARCH = dict(n_trials=4, epochs=2, train_size=60, seed=3, **SMALL)
WIRED = "scheduler" in inspect.signature(random_search).parameters
needs_wiring = pytest.mark.skipif(
    not WIRED, reason="random_search and `dlscratch search` do not take a scheduler yet"
)


def _toy(n=100, d=12, k=3, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    x = rng.random((n, d)) + 0.5 * np.eye(d)[t % d]  # learnable
    return x.astype(np.float32), t


@pytest.fixture(scope="module")
def serial():
    """A serial ``random_search`` and the argument tuples it gave ``_trial_from_seed``."""
    x, t = _toy()
    calls, real = [], search._trial_from_seed

    def recording(*args):
        calls.append(args)
        return real(*args)

    mp = pytest.MonkeyPatch()
    mp.setattr(search, "_trial_from_seed", recording)
    try:
        result = random_search(x, t, n_jobs=1, **SEARCH)
    finally:
        mp.undo()
    assert len(calls) == SEARCH["n_trials"]
    return result, calls


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes (one thread each), shared by this module."""
    dd = pytest.importorskip("dask.distributed")
    with dd.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as lc:
        yield lc


@pytest.fixture
def client(cluster):
    dd = pytest.importorskip("dask.distributed")
    with dd.Client(cluster, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=30)
        yield c


# Trial functions the tests use in place of the real one; the workers import them from
# this module (Dask's worker processes inherit sys.path, which holds tests/).


def _die_once(marker, *args):
    """Kill this worker process the first time any trial gets here, then run normally."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return search._trial_from_seed(*args)
    os.close(fd)
    os._exit(1)  # as a crash or the OOM killer would: no clean-up, no exception


def _fail_once(marker, *args):
    """Raise the first time any trial gets here, then run normally."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return search._trial_from_seed(*args)
    os.close(fd)
    raise OSError("a transient failure")


def _always_fail(*args):
    raise ValueError(f"trial {args[0]} is broken")


def test_cluster_trials_equal_the_serial_run_in_order_with_progress(serial, cluster, client):
    result, args_list = serial
    seen = []
    trials = run_trials_on_dask(
        args_list, scheduler=cluster.scheduler_address, progress=seen.append
    )
    assert tuple(trials) == result.trials  # same seed, same trials, same order
    assert [tr.index for tr in trials] == [0, 1, 2, 3]
    assert all(isinstance(tr, Trial) and len(tr.val_acc) == 2 for tr in trials)
    # Progress: one report per finished trial, in the order they finished.
    assert [p.done for p in seen] == [1, 2, 3, 4]
    assert {p.total for p in seen} == {4}
    assert sorted(p.trial.index for p in seen) == [0, 1, 2, 3]
    for k, p in enumerate(seen):
        finished = [q.trial for q in seen[: k + 1]]
        assert p.best_val_acc == max(tr.final_val_acc for tr in finished)
        assert p.best in finished and p.best.final_val_acc == p.best_val_acc
    assert seen[-1].best == result.best(1)[0]
    # The cluster is still there for others: we only connected to it.
    assert len(client.scheduler_info()["workers"]) == 2


def test_the_data_is_scattered_once_and_tasks_get_futures(serial, cluster, monkeypatch):
    dd = pytest.importorskip("dask.distributed")
    result, args_list = serial
    scatters, submits = [], []
    real_scatter, real_submit = dd.Client.scatter, dd.Client.submit

    def scatter(self, data, *a, **kw):
        scatters.append((data, kw))
        return real_scatter(self, data, *a, **kw)

    def submit(self, fn, *args, **kw):
        submits.append((args, kw))
        return real_submit(self, fn, *args, **kw)

    monkeypatch.setattr(dd.Client, "scatter", scatter)
    monkeypatch.setattr(dd.Client, "submit", submit)
    trials = run_trials_on_dask(args_list, scheduler=cluster.scheduler_address)
    assert tuple(trials) == result.trials
    # One scatter, to every worker, of the four arrays (x_tr, t_tr, x_val, t_val).
    assert len(scatters) == 1
    data, kw = scatters[0]
    assert kw.get("broadcast") is True
    assert len(data) == 4
    for sent, original in zip(data, args_list[0][2:6], strict=True):
        assert sent is original
    # Each trial is submitted with the futures of those arrays, never the arrays, and
    # with retries.
    assert len(submits) == 4
    for (args, kw), original in zip(submits, args_list, strict=True):
        assert not any(isinstance(a, np.ndarray) for a in args)
        assert all(isinstance(a, dd.Future) for a in args[2:6])
        assert args[:2] == original[:2] and args[6:] == original[6:]
        assert kw["retries"] == 2
    assert len({f.key for args, _ in submits for f in args[2:6]}) == 4  # shared by all


def test_a_worker_that_dies_mid_trial_costs_a_retry_not_the_search(
    serial, cluster, client, tmp_path
):
    result, args_list = serial
    before = set(client.scheduler_info()["workers"])
    marker = tmp_path / "killed-once"
    trials = run_trials_on_dask(
        args_list,
        scheduler=cluster.scheduler_address,
        trial_fn=functools.partial(_die_once, str(marker)),
    )
    assert marker.exists()  # a worker did die, in the middle of a trial
    assert tuple(trials) == result.trials  # and every trial still came back, unchanged
    client.wait_for_workers(2, timeout=30)  # its nanny starts a new worker
    after = set(client.scheduler_info()["workers"])
    assert len(before - after) == 1  # one worker process is gone, replaced by a new one


def test_a_trial_that_raises_is_retried_then_its_error_surfaces(serial, cluster, tmp_path):
    result, args_list = serial
    marker = tmp_path / "failed-once"
    trials = run_trials_on_dask(
        args_list,
        scheduler=cluster.scheduler_address,
        trial_fn=functools.partial(_fail_once, str(marker)),
    )
    assert marker.exists() and tuple(trials) == result.trials
    with pytest.raises(ValueError, match="is broken"):
        run_trials_on_dask(
            args_list, scheduler=cluster.scheduler_address, trial_fn=_always_fail, retries=0
        )


def test_n_workers_starts_a_local_cluster_and_closes_it(serial, monkeypatch):
    dd = pytest.importorskip("dask.distributed")
    import psutil  # a dependency of distributed

    result, args_list = serial
    started = []

    class Recorded(dd.LocalCluster):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pids = [nanny.process.pid for nanny in self.workers.values()]
            started.append((self, kwargs, pids))

    monkeypatch.setattr(dd, "LocalCluster", Recorded)
    trials = run_trials_on_dask(args_list[:2], n_workers=1)
    assert tuple(trials) == result.trials[:2]
    [(lc, kwargs, pids)] = started
    assert kwargs == {"n_workers": 1, "processes": True, "threads_per_worker": 1}
    assert len(pids) == 1 and pids[0] != os.getpid()  # one worker, in its own process
    assert lc.status.name == "closed"  # and shut down after the search,
    assert not psutil.pid_exists(pids[0])  # its worker process with it


def test_a_scheduler_without_workers_is_a_clear_error():
    dd = pytest.importorskip("dask.distributed")
    with dd.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        with pytest.raises(ClusterError, match=r"no Dask worker joined .* `dask worker "):
            run_trials_on_dask([(0,)], scheduler=empty.scheduler_address, timeout=1)


def test_bad_options_are_refused_before_anything_starts():
    for kw in ({}, {"scheduler": "tcp://h:8786", "n_workers": 2}):
        with pytest.raises(ValueError, match="exactly one"):
            run_trials_on_dask([], **kw)
    with pytest.raises(ValueError, match="n_workers"):
        run_trials_on_dask([], n_workers=0)
    with pytest.raises(ValueError, match="retries"):
        run_trials_on_dask([], n_workers=1, retries=-1)


class _FakeClient:
    def __init__(self, answers):
        self.answers = answers

    def run(self, fn, pkg, on_error):
        assert on_error == "return"
        return self.answers[pkg]


def test_workers_without_dlscratch_or_with_other_versions_are_reported():
    from importlib.metadata import PackageNotFoundError, version

    ours = {pkg: version(pkg) for pkg in ("dlscratch", "numpy")}
    missing = {"dlscratch": {"tcp://a:1": ours["dlscratch"], "tcp://b:2": PackageNotFoundError()}}
    with pytest.raises(ClusterError, match=r"not installed on the Dask worker\(s\) tcp://b:2"):
        _check_workers(_FakeClient(missing))
    other = {"dlscratch": {"tcp://a:1": ours["dlscratch"]}, "numpy": {"tcp://a:1": "1.0.0"}}
    with pytest.warns(UserWarning, match=r"numpy .* tcp://a:1 \(1.0.0\)"):
        _check_workers(_FakeClient(other))


def test_without_dask_the_module_imports_and_the_function_says_how_to_install(monkeypatch):
    # `import dask.distributed` now raises ImportError (only that name: a cluster of another
    # test may be running in this process).
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(DaskNotInstalledError, match=r'pip install "dlscratch\[dask\]"') as info:
        run_trials_on_dask([(0,)], n_workers=1)
    assert isinstance(info.value, DlscratchError) and isinstance(info.value, ImportError)
    # A fresh interpreter where dask cannot be imported still imports the module.
    code = (
        "import sys; sys.modules.update(dask=None, distributed=None); "
        "import dlscratch.distributed as d; print(d.run_trials_on_dask.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "run_trials_on_dask"


# Once random_search and `dlscratch search` take the cluster options:


@needs_wiring
def test_random_search_on_a_cluster_equals_the_serial_search(serial, cluster):
    result, _ = serial
    x, t = _toy()
    seen = []
    on_cluster = random_search(
        x, t, scheduler=cluster.scheduler_address, progress=seen.append, **SEARCH
    )
    assert on_cluster == result
    assert [p.done for p in seen] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="exactly one"):
        random_search(x, t, scheduler=cluster.scheduler_address, n_workers=2, **SEARCH)


@needs_wiring
def test_cli_search_on_a_cluster_prints_progress_and_the_serial_results(
    cluster, monkeypatch, capsys
):
    x, t = _toy(n=300, d=784, k=10)
    monkeypatch.setattr(dlscratch.datasets, "load_mnist", lambda **kw: ((x, t), (x, t)))
    argv = ["search", "--trials", "3", "--epochs", "1", "--train-size", "100"]
    assert main(argv) == 0
    serial_out = capsys.readouterr().out
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    captured = capsys.readouterr()
    assert "3/3 trials" in captured.err
    table = serial_out[serial_out.index("rank") : serial_out.rindex("(")]
    assert table in captured.out  # the same trials, ranked the same
    assert cluster.scheduler_address in captured.out
