"""``dlscratch search``: random search of learning rate and weight decay (ch. 6.5)."""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

from dlscratch.cli._argtypes import fraction, jobs, positive_int
from dlscratch.cli._common import err, load_mnist, out, output_file, save_plot

if TYPE_CHECKING:
    from dlscratch.distributed import SearchProgress


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else the machine's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # not on Linux
        return max(os.cpu_count() or 1, 1)


def processes_for(requested: int, trials: int) -> int:
    """Processes to run ``trials`` trials in: ``requested`` (-1: all cores), but no more
    than the cores available (more only share them, and each costs memory and start-up
    time) nor than the trials. Says so when it runs fewer than requested."""
    cores = available_cores()
    n = cores if requested == -1 else requested
    capped = min(n, cores, trials)
    if capped < n:
        why = (
            f"this machine lets it use {cores} core{'s' if cores != 1 else ''}"
            if min(cores, trials) == cores
            else f"there {'is only 1 trial' if trials == 1 else f'are only {trials} trials'}"
        )
        err(f"--jobs {requested}: running {capped} process{'es' if capped != 1 else ''}: {why}")
    return capped


def _where(args: argparse.Namespace, n_jobs: int) -> str:
    if args.scheduler is not None:
        return f"on the Dask cluster at {args.scheduler}"
    if args.cluster_workers is not None:
        return f"on a local Dask cluster of {args.cluster_workers} worker process(es)"
    return f"{n_jobs} job(s)"


def _print_progress(p: SearchProgress) -> None:
    err(f"  {p.done}/{p.total} trials done, best validation accuracy so far {p.best_val_acc:.4f}")


def cmd_search(args: argparse.Namespace) -> int:
    from dlscratch.search import random_search

    if args.plot is not None:
        output_file(args.plot, "--plot")
    on_cluster = args.scheduler is not None or args.cluster_workers is not None
    n_jobs = 1 if on_cluster else processes_for(args.jobs, args.trials)
    # Hyper-parameters are chosen on a validation split of the TRAINING set; the test
    # set is not even passed on (book 6.5.1).
    (x_train, t_train), _ = load_mnist(args)
    out(
        f"random search: {args.trials} trials, lr 10^U(-6,-2), weight decay 10^U(-8,-4); "
        f"784-100x5-10, SGD, batch 100, {args.epochs} epoch{'s' if args.epochs != 1 else ''} "
        f"each; {_where(args, n_jobs)}, seed {args.seed}"
    )
    start = time.perf_counter()
    result = random_search(
        x_train, t_train, n_trials=args.trials, epochs=args.epochs,
        train_size=args.train_size, val_ratio=args.val_ratio, seed=args.seed,
        n_jobs=n_jobs, scheduler=args.scheduler, n_workers=args.cluster_workers,
        progress=_print_progress if on_cluster else None,
    )  # fmt: skip
    out(
        f"data: the first {args.train_size} training images, {result.train_size} to train "
        f"on and {result.val_size} to validate on (the test set is not used)"
    )
    best = result.best(args.top)
    out(f"best {len(best)} of {len(result.trials)} by final validation accuracy:")
    out("  rank  val acc  train acc        lr  weight decay  trial")
    for rank, tr in enumerate(best, start=1):
        note = "  (diverged)" if tr.diverged else ""
        train = tr.train_acc[-1] if tr.train_acc else float("nan")
        out(
            f"  {rank:4d}  {tr.final_val_acc:7.4f}  {train:9.4f}  {tr.lr:8.2e}  "
            f"{tr.weight_decay:12.2e}  {tr.index:5d}{note}"
        )
    out(f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        from dlscratch.plotting import plot_search_results

        save_plot(plot_search_results(result.trials, k=20), args.plot)
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "search",
        parents=[data_parent],
        help="random search of learning rate and weight decay on a validation split (6.5)",
        description="Random search (book 6.5.3): lr = 10^U(-6,-2), weight decay = "
        "10^U(-8,-4); each trial trains a 784-100x5-10 MultiLayerNet with SGD (batch 100) "
        "on part of the first --train-size TRAINING images and scores it on the rest "
        "(--val-ratio). The test set is never used. Same --seed, same trials, for any "
        "--jobs.",
    )
    p.add_argument("--trials", type=positive_int, default=20,
                   help="number of trials (default 20; the book runs 100)")  # fmt: skip
    p.add_argument("--epochs", type=positive_int, default=50,
                   help="epochs per trial (default 50, book)")  # fmt: skip
    p.add_argument("--train-size", type=positive_int, default=500, metavar="N",
                   help="use the first N training images (default 500, book)")  # fmt: skip
    p.add_argument("--val-ratio", type=fraction, default=0.2,
                   help="fraction of them held out for validation (default 0.2, book)")  # fmt: skip
    p.add_argument("--jobs", type=jobs, default=1,
                   help="trials run in parallel processes (default 1; -1: all cores; at "
                   "most the cores available)")  # fmt: skip
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="tcp://HOST:8786",
                         help="run the trials on the Dask cluster whose scheduler is at this "
                         "address (started with `dask scheduler`; needs "
                         'pip install "dlscratch[dask]"); same --seed, same trials')  # fmt: skip
    cluster.add_argument("--cluster-workers", type=positive_int, metavar="N",
                         help="run the trials on a local Dask cluster of N worker processes, "
                         "started and stopped here (needs the dask extra too)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the whole search (default 0)")
    p.add_argument("--top", type=positive_int, default=10,
                   help="print the best K trials (default 10)")  # fmt: skip
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw validation and train accuracy per epoch of the best 20 trials "
                   "(book fig. 6-24)")  # fmt: skip
    p.set_defaults(func=cmd_search)
