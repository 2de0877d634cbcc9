"""What the benchmarks share: thread settings, machine info, interleaved timing, tables.

Not part of the package: the scripts beside it import it as ``common`` (Python puts
the script's own folder first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:  # the scripts import from it; say plainly what to do when it is missing
    import dlscratch  # noqa: F401
except ImportError as exc:  # pragma: no cover - a set-up problem
    raise SystemExit(
        f"cannot import dlscratch ({exc}): run `pip install -e .` or set PYTHONPATH=src"
    ) from exc

try:  # optional: reports (and limits) the BLAS / OpenMP thread pools
    import threadpoolctl
except ImportError:  # pragma: no cover - depends on the environment
    threadpoolctl = None

torch: Any = None
if not os.environ.get("BENCH_NO_TORCH"):  # set it to leave PyTorch out even if installed
    try:  # optional: the PyTorch reference
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        pass

_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_limits: Any = None  # keeps threadpoolctl's limits alive for the whole run


def add_common_args(parser: argparse.ArgumentParser, rounds: int, iters: int) -> None:
    """``--rounds``, ``--iters``, ``--threads``, ``--check`` / ``--no-check``."""
    parser.add_argument(
        "--rounds", type=int, default=rounds, help=f"timing rounds (default {rounds})"
    )
    parser.add_argument(
        "--iters",
        type=int,
        default=iters,
        help=f"iterations of each implementation per round (default {iters})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for BLAS and PyTorch (default: leave them as they are)",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--check", action="store_true", help="only run the correctness checks, no timing"
    )
    group.add_argument(
        "--no-check", action="store_true", help="skip the checks that run before timing"
    )


def set_threads(n: int | None) -> None:
    """Limit BLAS (and OpenMP) to ``n`` threads and PyTorch to ``n`` intra-op threads.

    With threadpoolctl the limit is applied in this process. Without it, the usual
    environment variables are set and the script restarts itself, because OpenBLAS reads
    them only when NumPy is first imported.
    """
    global _limits
    if n is None:
        return
    if n < 1:
        raise SystemExit(f"--threads: expected a positive integer, got {n}")
    if threadpoolctl is not None:
        _limits = threadpoolctl.threadpool_limits(limits=n)
    elif any(os.environ.get(var) != str(n) for var in _THREAD_ENV):
        for var in _THREAD_ENV:
            os.environ[var] = str(n)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if torch is not None:
        torch.set_num_threads(n)


def _cpuinfo(*keys: str) -> str | None:
    """The value of the first /proc/cpuinfo line that starts with one of ``keys``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(keys):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def _cpu_flags() -> set[str]:
    """The CPU's feature flags (empty where there is no /proc/cpuinfo)."""
    return set((_cpuinfo("flags", "Features") or "").split())


def vector_extensions() -> str:
    """The SIMD extensions that decide which BLAS and oneDNN kernels run, e.g.
    ``"AVX2 FMA"`` or ``"AVX2 FMA AVX-512F AMX"``."""
    flags = _cpu_flags()
    names = [
        ("avx2", "AVX2"),
        ("fma", "FMA"),
        ("avx512f", "AVX-512F"),
        ("avx512_bf16", "AVX512-BF16"),
        ("amx_tile", "AMX"),
        ("asimd", "NEON"),
        ("sve", "SVE"),
    ]
    found = [name for flag, name in names if flag in flags]
    return " ".join(found) or "none of AVX2/AVX-512/NEON reported"


def cpu_kind() -> str:
    """``"avx512"`` or ``"avx2"``: the two kinds of machine issue 14's targets name.

    The issue measured PyTorch on an Intel Xeon with AVX-512 (oneDNN's fast kernels)
    and on AMD machines without it (OpenBLAS's Haswell kernels). What decides the
    kernels is the vector extension, not the vendor: an AMD Zen 4 with AVX-512 runs
    PyTorch as fast as that Xeon, so it counts as ``"avx512"``. Anything else
    (ARM, no AVX2) is ``"other"``.
    """
    flags = _cpu_flags()
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return "other"


def cpu_line() -> str:
    """The CPU model and its vector extensions, printed next to every ratio."""
    return f"{_cpu_model()} [{vector_extensions()}]"


def machine_info() -> list[str]:
    """Lines describing the CPU, the load, NumPy and its BLAS, and PyTorch."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    lines = [
        f"CPU: {cpu_line()}, {os.cpu_count()} logical cores ({usable} usable by this process)",
        f"Python {platform.python_version()}, NumPy {np.__version__}",
    ]
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        lines.append(f"load average (1, 5, 15 min): {load}")
    if threadpoolctl is not None:
        for pool in threadpoolctl.threadpool_info():
            lines.append(
                f"thread pool: {pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture', '-')}), {pool.get('num_threads')} threads, "
                f"{os.path.basename(pool.get('filepath', ''))}"
            )
    else:
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            lines.append(
                f"BLAS: {blas.get('name')} {blas.get('version')} "
                "(install threadpoolctl to see its thread count)"
            )
        except Exception:  # old NumPy without mode="dicts"
            lines.append("BLAS: unknown (install threadpoolctl to see it)")
    env = ", ".join(f"{v}={os.environ[v]}" for v in _THREAD_ENV if v in os.environ)
    lines.append(f"thread variables: {env or 'none set'}")
    if torch is not None:
        lines.append(
            f"PyTorch {torch.__version__}: {torch.get_num_threads()} intra-op threads, "
            f"oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}"
        )
    else:
        lines.append("PyTorch: not installed or BENCH_NO_TORCH set (its rows are skipped)")
    return lines


def interleaved(
    steps: dict[str, Callable[[int], object]],
    rounds: int,
    iters: int,
    warmup: int = 2,
    settle: float = 0.3,
) -> dict[str, list[float]]:
    """Seconds per iteration of each step function, one figure per round.

    Each round runs ``iters`` iterations of every implementation in turn, so a change
    in the machine's load or clock touches all of them alike. The order rotates from
    round to round. ``step(k)`` gets a running count, to pick the k-th batch of a pool.
    Every implementation first runs ``warmup`` untimed iterations.

    Before each timed block the process sleeps ``settle`` seconds. OpenBLAS's and
    OpenMP's worker threads busy-wait for a while after each call; without the pause,
    those the previous implementation left spinning take a core from the next one
    (on 2 cores that cost each side 30-50% in turn, a measure of the neighbour, not of
    the implementation).
    """
    names = list(steps)
    counters = dict.fromkeys(names, 0)
    for name in names:
        for _ in range(warmup):
            steps[name](counters[name])
            counters[name] += 1
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            step, k = steps[name], counters[name]
            time.sleep(settle)
            start = time.perf_counter()
            for i in range(k, k + iters):
                step(i)
            seconds[name].append((time.perf_counter() - start) / iters)
            counters[name] = k + iters
    return seconds


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_speed(seconds: Sequence[float], reference: Sequence[float]) -> float:
    """How many times as fast as ``reference`` an implementation is, round by round.

    Both lists come from :func:`interleaved`, one figure per round, so entry r of each
    was timed within seconds of the other. The median of the per-round ratios
    ``reference[r] / seconds[r]`` cancels what drifts from round to round (load, clock,
    a neighbour on the host) better than a ratio of the two medians.
    """
    return statistics.median(ref / s for s, ref in zip(seconds, reference, strict=True))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain-text table, the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: Sequence[str]) -> str:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as ``1.23x``, or ``-`` when either is missing."""
    if a is None or b is None:
        return "-"
    return f"{a / b:.2f}x"


def check(condition: bool, message: str) -> None:
    """Print ``ok``/``FAILED`` for one sanity check; exit with status 1 if it failed."""
    print(f"  {'ok    ' if condition else 'FAILED'} {message}")
    if not condition:
        raise SystemExit(f"check failed: {message}")
