"""Run the trials of a random search on a Dask distributed cluster (book 6.5, beyond it).

A search of hundreds of trials outgrows one machine. Its trials are independent (see
:mod:`dlscratch.search`), so they can run anywhere: this module hands them to a `Dask
<https://distributed.dask.org>`_ cluster, either one already running elsewhere (a
scheduler address, ``tcp://host:8786``) or a local one of N worker processes started
here and closed after. Nothing here schedules, pickles or sends anything itself; Dask
does, with its own futures.

- The data (training and validation arrays) goes to the workers once
  (``Client.scatter(..., broadcast=True)``); each trial is given the scattered futures,
  not the arrays.
- Each trial runs the function :func:`dlscratch.search.random_search` runs itself
  (``_trial_from_seed``), with the same arguments, so it gives the same :class:`Trial`
  as a serial run (float64 by default; see :func:`dlscratch.search.run_trial`).
- The results come back in trial order, whatever order they finish in; a ``progress``
  callback hears of each one as it finishes.
- A worker that dies mid-trial costs that trial a rerun on another worker, not the
  search: the scheduler reschedules the work of a lost worker (up to Dask's
  ``distributed.scheduler.allowed-failures`` times, 3 by default, for one trial), and a
  trial that raises is retried ``retries`` times.

Dask is optional (``pip install "dlscratch[dask]"``): this module imports without it,
and its functions raise :class:`DaskNotInstalledError` when it is missing.
"""

from __future__ import annotations

import importlib.metadata
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlscratch.errors import DlscratchError
from dlscratch.search import Trial, _trial_from_seed

__all__ = [
    "ClusterError",
    "DaskNotInstalledError",
    "SearchProgress",
    "run_trials_on_dask",
]

_INSTALL_HINT = 'pip install "dlscratch[dask]"'


class DaskNotInstalledError(DlscratchError, ImportError):
    """The optional ``dask[distributed]`` packages, needed to search on a cluster, are missing."""


class ClusterError(DlscratchError, RuntimeError):
    """The cluster cannot run the trials: no worker has dlscratch installed, or none joined."""


@dataclass(frozen=True)
class SearchProgress:
    """What a ``progress`` callback is told each time a trial finishes.

    Attributes:
        done: trials finished so far; total: trials in the search.
        best_val_acc: the highest final validation accuracy among the finished trials
            (:attr:`Trial.final_val_acc`: 0.0 for a diverged trial).
        best: the trial that has it (the earliest drawn, on ties).
        trial: the trial that just finished.
    """

    done: int
    total: int
    best_val_acc: float
    best: Trial
    trial: Trial


def _import_distributed() -> Any:
    try:
        import dask.distributed
    except ImportError:
        raise DaskNotInstalledError(
            "searching on a Dask cluster needs dask and distributed, which are not "
            f"installed: {_INSTALL_HINT}"
        ) from None
    return dask.distributed


def _check_workers(client: Any) -> None:
    """Fail early, with a clear message, if the workers cannot run dlscratch's trials.

    Raises:
        ClusterError: no worker has dlscratch installed.
    Warns (UserWarning): a worker has another version of dlscratch or NumPy than this
        process, so its trials may differ from a local run's.
    """
    local = {pkg: importlib.metadata.version(pkg) for pkg in ("dlscratch", "numpy")}
    for pkg, here in local.items():
        found = client.run(importlib.metadata.version, pkg, on_error="return")
        missing = sorted(w for w, v in found.items() if isinstance(v, BaseException))
        if missing:
            raise ClusterError(
                f"{pkg} is not installed on the Dask worker(s) {', '.join(missing)}; "
                f"install dlscratch (version {local['dlscratch']}, NumPy {local['numpy']}) "
                "in the environment every `dask worker` runs in"
            )
        other = sorted(f"{w} ({v})" for w, v in found.items() if v != here)
        if other:
            warnings.warn(
                f"{pkg} {here} here, but another version on Dask worker(s) "
                f"{', '.join(other)}: their trials may differ from a local run's",
                UserWarning,
                stacklevel=3,
            )


def _scatter_arrays(client: Any, args_list: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Send every distinct array among the arguments to all workers, in ONE scatter call.

    Returns the argument tuples with each array replaced by its future. Arrays are told
    apart by identity (``random_search`` passes the same four arrays to every trial).
    """
    arrays: dict[int, np.ndarray] = {}
    for args in args_list:
        for a in args:
            if isinstance(a, np.ndarray):
                arrays.setdefault(id(a), a)
    if not arrays:
        return [tuple(args) for args in args_list]
    futures = client.scatter(list(arrays.values()), broadcast=True)
    by_id = dict(zip(arrays, futures, strict=True))
    return [
        tuple(by_id[id(a)] if isinstance(a, np.ndarray) else a for a in args) for args in args_list
    ]


def _run(
    client: Any,
    dd: Any,
    args_list: Sequence[tuple[Any, ...]],
    trial_fn: Callable[..., Trial],
    progress: Callable[[SearchProgress], object] | None,
    retries: int,
) -> list[Trial]:
    _check_workers(client)
    remote_args = _scatter_arrays(client, args_list)
    tag = uuid.uuid4().hex[:8]
    futures = [
        client.submit(trial_fn, *args, key=f"dlscratch-trial-{i}-{tag}", retries=retries)
        for i, args in enumerate(remote_args)
    ]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[Trial | None] = [None] * len(futures)
    best: tuple[float, int] | None = None  # (accuracy, -position): the max is the best
    try:
        for done, future in enumerate(dd.as_completed(futures, loop=client.loop), start=1):
            trial: Trial = future.result()  # raises the trial's error, after its retries
            i = position[future.key]
            results[i] = trial
            best = max(best or (-1.0, 0), (trial.final_val_acc, -i))
            if progress is not None:
                top = results[-best[1]]
                assert top is not None
                progress(SearchProgress(done, len(futures), best[0], top, trial))
    finally:
        client.cancel([f for f in futures if not f.done()])
    return [t for t in results if t is not None]


def run_trials_on_dask(
    args_list: Sequence[tuple[Any, ...]],
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: Callable[[SearchProgress], object] | None = None,
    retries: int = 2,
    trial_fn: Callable[..., Trial] = _trial_from_seed,
    timeout: float = 30.0,
) -> list[Trial]:
    """Run a random search's trials on a Dask distributed cluster; the trials, in order.

    ``args_list[i]`` is the argument tuple of trial i, exactly as
    :func:`dlscratch.search.random_search` builds it for ``_trial_from_seed``:
    ``(index, seed_seq, x_tr, t_tr, x_val, t_val, lr_exponents, weight_decay_exponents,
    kwargs)``. Trial i runs ``trial_fn(*args_list[i])`` on some worker, so the result is
    the one a serial run gives (same seed, same trials, same order).

    Give exactly one of:

    - ``scheduler``: the address of a running Dask scheduler (``"tcp://host:8786"``);
      a client connects to it and disconnects after; the cluster keeps running.
    - ``n_workers``: start a local cluster of that many worker processes, one thread
      each (``LocalCluster(n_workers, processes=True, threads_per_worker=1)``), and shut
      it down after.

    The arrays among the arguments are scattered to every worker once
    (``Client.scatter(..., broadcast=True)``) and each task gets their futures. Trials
    are submitted with ``retries=retries`` (a trial that raises is run again, up to that
    many times); a trial whose worker dies is rescheduled by the scheduler on another
    worker (up to ``distributed.scheduler.allowed-failures`` deaths, Dask's default 3,
    after which it fails with ``KilledWorker``). The scattered data survives a worker's
    death as long as another worker still holds a copy.

    Args:
        args_list: one argument tuple per trial (see above); may be empty.
        scheduler: scheduler address, or None.
        n_workers: local worker processes to start, or None.
        progress: called with a :class:`SearchProgress` after each trial finishes, in
            the order they finish (e.g. to print "12/100 trials, best 0.8123").
        retries: reruns of a trial that raises (>= 0).
        trial_fn: the per-trial function (default: the one ``random_search`` uses);
            must be importable or picklable by the workers.
        timeout: seconds to wait for the scheduler to answer and for a worker to join.

    Returns:
        ``[trial_fn(*args) for args in args_list]``: one :class:`Trial` per argument
        tuple, in the order given.

    Raises:
        DaskNotInstalledError: dask / distributed are not installed.
        ValueError: neither or both of ``scheduler`` and ``n_workers``, ``n_workers`` < 1,
            or ``retries`` < 0.
        ClusterError: no worker joined within ``timeout``, or the workers lack dlscratch.
        OSError: the scheduler cannot be reached within ``timeout``.
        Exception: a trial's own error, once its retries are spent (the other trials
            are cancelled), or ``distributed.KilledWorker``.
    """
    if (scheduler is None) == (n_workers is None):
        raise ValueError(
            "scheduler / n_workers: expected exactly one of a scheduler address "
            f"('tcp://host:8786') or a number of local workers, got scheduler={scheduler!r} "
            f"and n_workers={n_workers!r}"
        )
    if n_workers is not None and (isinstance(n_workers, bool) or n_workers < 1):
        raise ValueError(f"n_workers: expected a positive count, got {n_workers!r}")
    if retries < 0:
        raise ValueError(f"retries: expected a count >= 0, got {retries!r}")
    dd = _import_distributed()
    if not args_list:
        return []
    cluster = None
    if n_workers is not None:
        cluster = dd.LocalCluster(n_workers=n_workers, processes=True, threads_per_worker=1)
        address = cluster.scheduler_address
    else:
        address = scheduler
    try:
        with dd.Client(address, timeout=timeout, set_as_default=False) as client:
            try:
                client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                raise ClusterError(
                    f"no Dask worker joined the scheduler at {address} within {timeout:g} s; "
                    f"start some with `dask worker {address}`"
                ) from None
            return _run(client, dd, args_list, trial_fn, progress, retries)
    finally:
        if cluster is not None:
            cluster.close()
