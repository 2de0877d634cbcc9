"""Property-based sweep of the public API with hostile arguments (issue 12).

Every public function and class of the numerical core is called with one argument
replaced by something wrong: None, strings, objects, ragged lists, scalars where arrays
are expected, empty arrays, NaN / inf, bool / complex / string dtypes, wrong shapes.
Each call must either return, or raise the project's own clear error: a
:class:`~dlscratch.errors.DlscratchError`, or a ``ValueError`` / ``TypeError`` raised by
dlscratch itself (its innermost frame in the package), never NumPy's or Python's own
message (an ``IndexError``, an ``AttributeError``, a broadcasting error...). A
``MemoryError`` (a valid size too large for the machine, e.g. ``TwoLayerNet(784, 10**8,
10)``) is accepted: NumPy's message says how much was asked for. A result holding NaN
for an input without NaN / inf is a silent wrong result.

``python tests/test_api_errors.py`` runs the whole product of cases x argument positions
x the fixed list of bad values and prints the counts (the figures of the issue).
"""

from __future__ import annotations

import math
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlscratch
from dlscratch import functions as F
from dlscratch import gradient as G
from dlscratch import inference, layers, optimizers, perceptron, util
from dlscratch.conv_fast import FastConvolution, FastPooling, im2col_t
from dlscratch.errors import DlscratchError
from dlscratch.networks import (
    DeepConvNet,
    MultiLayerNet,
    SimpleConvNet,
    SimpleNet,
    TwoLayerNet,
)
from dlscratch.trainer import Trainer

PACKAGE_DIR = str(Path(dlscratch.__file__).resolve().parent)


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque object>"


def bad_values() -> list[Any]:
    """The fixed list of wrong arguments (fresh arrays on every call)."""
    return [
        None,
        "abc",
        _Opaque(),
        [1, [2, 3]],
        [],
        (),
        {},
        0,
        -1,
        2.5,
        True,
        math.nan,
        math.inf,
        -math.inf,
        np.float32(1),
        np.int64(3),
        np.array(np.nan),
        np.array([]),
        np.zeros((0, 3)),
        np.zeros((0, 1, 4, 4)),
        np.array([1.0, np.nan, 2.0]),
        np.full((2, 4), np.inf),
        np.ones((2, 3), dtype=bool),
        np.ones((2, 3), dtype=complex),
        np.array(["a", "b"]),
        np.array([None, 1], dtype=object),
        np.arange(6).reshape(2, 3),
        np.ones((2, 1, 3, 3), dtype=bool),
        np.ones((1, 1, 1, 1, 1)),
        np.ones((3, 5), dtype=np.float32),
        np.ones((7,)),
        np.ones((2, 2, 5, 5)),
        np.datetime64("2020-01-01"),
    ]


def _f2(x: Any) -> float:
    return float(np.sum(np.asarray(x) ** 2))


def _x2() -> np.ndarray:
    return np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]])


def _cases() -> list[tuple[str, Callable[[], tuple[Callable[..., Any], list[Any]]]]]:
    """(name, factory): the factory returns a fresh ``(callable, valid positional args)``."""
    two = lambda: TwoLayerNet(4, 3, 2, seed=0)  # noqa: E731
    mln = lambda: MultiLayerNet(4, [3], 2, use_batchnorm=True, use_dropout=True, seed=0)  # noqa: E731
    img = lambda: np.random.default_rng(0).random((2, 1, 6, 6))  # noqa: E731
    scn = lambda: SimpleConvNet(  # noqa: E731
        (1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 1}, 4, 3, seed=0
    )
    labels = lambda: np.array([1, 0])  # noqa: E731
    x4 = lambda: np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]])  # noqa: E731
    cases: list[tuple[str, Callable[[], tuple[Callable[..., Any], list[Any]]]]] = []

    def add(name: str, factory: Callable[[], tuple[Callable[..., Any], list[Any]]]) -> None:
        cases.append((name, factory))

    # functions
    for fn in (
        F.step_function,
        F.sigmoid,
        F.sigmoid_grad,
        F.relu,
        F.relu_grad,
        F.identity_function,
        F.softmax,
    ):
        add(fn.__name__, lambda fn=fn: (fn, [np.array([-1.0, 0.5, 2.0])]))
    add("class_labels", lambda: (F.class_labels, [np.array([1, 0]), _x2()]))
    add("sum_squares_error", lambda: (F.sum_squares_error, [_x2(), labels()]))
    add("cross_entropy_error", lambda: (F.cross_entropy_error, [_x2(), labels(), 1e-7]))
    add("softmax_loss", lambda: (F.softmax_loss, [_x2(), labels()]))
    # gradient
    add("numerical_diff", lambda: (G.numerical_diff, [lambda x: x * x, 3.0, 1e-4]))
    add("numerical_gradient", lambda: (G.numerical_gradient, [_f2, np.array([3.0, 4.0]), 1e-4]))
    add("gradient_descent", lambda: (G.gradient_descent, [_f2, np.array([3.0, 4.0]), 0.1, 5]))
    add(
        "gradient_descent_path",
        lambda: (G.gradient_descent_path, [_f2, np.array([3.0, 4.0]), 0.1, 5]),
    )
    add("gradient_check", lambda: (G.gradient_check, [two(), x4(), labels()]))
    add("layer_gradient_check", lambda: (G.layer_gradient_check, [layers.Relu(), x4()]))
    # layers
    add("Relu.forward", lambda: (layers.Relu().forward, [x4()]))
    add("Sigmoid.forward", lambda: (layers.Sigmoid().forward, [x4()]))
    add("Affine", lambda: (layers.Affine, [np.ones((4, 3)), np.zeros(3)]))
    add("Affine.forward", lambda: (layers.Affine(np.ones((4, 3)), np.zeros(3)).forward, [x4()]))
    add("SoftmaxWithLoss.forward", lambda: (layers.SoftmaxWithLoss().forward, [_x2(), labels()]))
    add("Dropout", lambda: (layers.Dropout, [0.5, 0]))
    add("Dropout.forward", lambda: (layers.Dropout(0.5, 0).forward, [x4()]))
    add("BatchNormalization", lambda: (layers.BatchNormalization, [np.ones(4), np.zeros(4), 0.9]))
    add(
        "BatchNormalization.forward",
        lambda: (layers.BatchNormalization(np.ones(4), np.zeros(4)).forward, [x4()]),
    )
    add("MulLayer.forward", lambda: (layers.MulLayer().forward, [100.0, 2.0]))
    add("AddLayer.forward", lambda: (layers.AddLayer().forward, [100.0, 2.0]))
    add("conv_output_size", lambda: (layers.conv_output_size, [6, 3, 1, 0]))
    add("im2col", lambda: (layers.im2col, [img(), 3, 3, 1, 0]))
    add("col2im", lambda: (layers.col2im, [np.ones((32, 9)), (2, 1, 6, 6), 3, 3, 1, 0]))
    add("Convolution", lambda: (layers.Convolution, [np.ones((2, 1, 3, 3)), np.zeros(2), 1, 0]))
    add(
        "Convolution.forward",
        lambda: (layers.Convolution(np.ones((2, 1, 3, 3)), np.zeros(2)).forward, [img()]),
    )
    add("Pooling", lambda: (layers.Pooling, [2, 2, 2, 0]))
    add("Pooling.forward", lambda: (layers.Pooling(2, 2, 2).forward, [img()]))
    # conv_fast
    add("im2col_t", lambda: (im2col_t, [img(), 3, 3, 1, 0]))
    add("FastConvolution", lambda: (FastConvolution, [np.ones((2, 1, 3, 3)), np.zeros(2), 1, 0]))
    add(
        "FastConvolution.forward",
        lambda: (FastConvolution(np.ones((2, 1, 3, 3)), np.zeros(2)).forward, [img()]),
    )
    add("FastPooling", lambda: (FastPooling, [2, 2, 2, 0]))
    add("FastPooling.forward", lambda: (FastPooling(2, 2, 2).forward, [img()]))
    # optimizers
    for name in optimizers.OPTIMIZERS:
        cls = optimizers.OPTIMIZERS[name]
        add(f"{cls.__name__}", lambda cls=cls: (cls, [0.01]))
        add(
            f"{cls.__name__}.update",
            lambda cls=cls: (cls().update, [{"W": np.ones((2, 2))}, {"W": np.ones((2, 2))}]),
        )
    add("get_optimizer", lambda: (optimizers.get_optimizer, ["adam"]))
    # networks
    add("TwoLayerNet", lambda: (TwoLayerNet, [4, 3, 2, 0.01, 0]))
    add("MultiLayerNet", lambda: (MultiLayerNet, [4, [3], 2, "relu", "relu", 0.0]))
    add("SimpleConvNet", lambda: (SimpleConvNet, [(1, 6, 6), None, 4, 3, 0.01, 0]))
    add("DeepConvNet", lambda: (DeepConvNet, [(1, 28, 28)]))
    add("DeepConvNet(hidden_size)", lambda: (lambda h: DeepConvNet(hidden_size=h, seed=0), [50]))
    add("SimpleNet", lambda: (SimpleNet, [np.ones((2, 3))]))
    add("SimpleNet.predict", lambda: (SimpleNet(seed=0).predict, [np.array([0.6, 0.9])]))
    add("SimpleNet.loss", lambda: (SimpleNet(seed=0).loss, [np.array([0.6, 0.9]), 2]))
    for label, make, x in (
        ("TwoLayerNet", two, x4),
        ("MultiLayerNet", mln, x4),
        ("SimpleConvNet", scn, img),
    ):
        add(f"{label}.predict", lambda make=make, x=x: (make().predict, [x()]))
        add(f"{label}.loss", lambda make=make, x=x: (make().loss, [x(), labels()]))
        add(f"{label}.gradient", lambda make=make, x=x: (make().gradient, [x(), labels()]))
        add(f"{label}.accuracy", lambda make=make, x=x: (make().accuracy, [x(), labels(), None]))
    add("TwoLayerNet.numerical_gradient", lambda: (two().numerical_gradient, [x4(), labels()]))
    add("TwoLayerNet.astype", lambda: (two().astype, [np.float32]))
    # trainer (constructor only)
    add(
        "Trainer",
        lambda: (
            lambda net, xtr, ttr, xte, tte, epochs, mbs, opt: Trainer(
                net, xtr, ttr, xte, tte, epochs, mbs, opt, verbose=False
            ),
            [two(), x4(), labels(), x4(), labels(), 1, 2, "sgd"],
        ),
    )
    # util, inference, perceptron
    add("shuffle_dataset", lambda: (util.shuffle_dataset, [x4(), labels(), 0]))
    add("smooth_curve", lambda: (util.smooth_curve, [np.arange(20.0), 11]))
    add("probabilities", lambda: (inference.probabilities, [two28(), np.zeros((28, 28))]))
    add("top_classes", lambda: (inference.top_classes, [np.array([0.1, 0.7, 0.2]), 2]))
    add("Perceptron", lambda: (perceptron.Perceptron, [np.array([0.5, 0.5]), -0.7]))
    add(
        "Perceptron.pre_activation",
        lambda: (perceptron.Perceptron([0.5, 0.5], -0.7).pre_activation, [np.array([1, 1])]),
    )
    add("AND", lambda: (perceptron.AND, [1, 1]))
    add("XOR", lambda: (perceptron.XOR, [1, 0]))
    add("truth_table", lambda: (perceptron.truth_table, [perceptron.AND]))
    return cases


def two28() -> TwoLayerNet:
    return TwoLayerNet(784, 3, 10, seed=0)


CASES = _cases()


def _has_nonfinite_or_not_number(value: Any) -> bool:
    """True for bad values that may legitimately give NaN results (NaN/inf inputs)."""
    try:
        a = np.asarray(value)
        # NaN / inf, or numbers so large that the computation overflows
        return a.dtype.kind == "f" and not bool(np.all(np.abs(a) < 1e100))
    except Exception:
        return False


def _result_has_nan(result: Any) -> bool:
    try:
        a = np.asarray(result)
    except Exception:
        return False
    return a.dtype.kind == "f" and bool(np.any(np.isnan(a)))


def classify(fn: Callable[..., Any], args: list[Any], bad: Any) -> tuple[str, str]:
    """Call ``fn(*args)``; return ("ok" | "clean" | "raw" | "silent", detail)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                result = fn(*args)
    except DlscratchError as e:
        return "clean", f"{type(e).__name__}: {e}"
    except (ValueError, TypeError) as e:
        tb = traceback.extract_tb(e.__traceback__)
        where = tb[-1].filename if tb else ""
        if str(Path(where).resolve()).startswith(PACKAGE_DIR):
            return "clean", f"{type(e).__name__}: {e}"
        return "raw", f"{type(e).__name__} at {Path(where).name}:{tb[-1].lineno}: {e}"
    except MemoryError as e:  # a size that is valid but too large for this machine
        return "clean", f"MemoryError: {e}"
    except Exception as e:
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
        return "raw", f"{type(e).__name__} at {where}: {e}"
    if _result_has_nan(result) and not _has_nonfinite_or_not_number(bad):
        return "silent", f"NaN result for {bad!r}"
    return "ok", ""


def sweep() -> dict[str, list[str]]:
    """The full product: every case x argument position x bad value."""
    out: dict[str, list[str]] = {"ok": [], "clean": [], "raw": [], "silent": []}
    for name, factory in CASES:
        _, args = factory()
        for pos in range(len(args)):
            for i in range(len(bad_values())):
                fn, fresh = factory()
                bad = bad_values()[i]
                fresh[pos] = bad
                kind, detail = classify(fn, fresh, bad)
                out[kind].append(f"{name} arg {pos} = {bad!r:.40}: {detail:.200}")
    return out


# -------------------------------------------------------------------------- the tests


@pytest.mark.parametrize(("name", "factory"), CASES, ids=[c[0] for c in CASES])
def test_valid_call_works(name: str, factory: Callable[[], Any]) -> None:
    """The baseline call of every case succeeds (so the sweep tests what it claims)."""
    fn, args = factory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(*args)


_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=3),
)
_bad = st.one_of(
    st.integers(0, 10_000).map(lambda i: bad_values()[i % len(bad_values())]),
    _arrays,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.lists(st.floats(allow_nan=True), max_size=4),
    st.none(),
    st.text(max_size=3),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=st.integers(0, len(CASES) - 1), pos=st.integers(0, 7), bad=_bad)
def test_bad_argument_gives_clear_error_or_result(case: int, pos: int, bad: Any) -> None:
    name, factory = CASES[case]
    fn, args = factory()
    pos %= len(args)
    args[pos] = bad
    kind, detail = classify(fn, args, bad)
    assert kind in ("ok", "clean"), f"{name} with argument {pos} = {bad!r}: {detail}"


def test_fixed_sweep_has_no_raw_error() -> None:
    result = sweep()
    assert not result["raw"], "\n".join(result["raw"][:30])
    assert not result["silent"], "\n".join(result["silent"][:30])


# ------------------------------------------------- the examples of issue 12, one by one


def test_examples_of_the_issue_give_clear_errors() -> None:
    from dlscratch.errors import DTypeError, ShapeError

    net = TwoLayerNet(4, 3, 2, seed=0)
    with pytest.raises(DTypeError, match="y: expected"):
        F.class_labels([1], np.zeros((1, 3)).astype(object))
    assert F.class_labels([1], np.zeros((1, 3))).tolist() == [1]  # a list is fine
    w, g = np.ones(2), np.ones(2)
    with pytest.raises(TypeError, match=r"params: expected a dict of name -> array, got \[array"):
        optimizers.SGD().update([w], [g])  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="x: expected a batch of samples"):
        net.accuracy(np.float32(1), 1)
    with pytest.raises(ValueError, match=r"h: expected a finite number in \(0, inf\], got 0"):
        G.numerical_gradient(_f2, np.array([3.0, 4.0]), h=0)
    with pytest.raises(ValueError, match="hidden_size: expected an integer >= 1, got 0"):
        DeepConvNet(hidden_size=0)
    with pytest.raises(ValueError, match="hidden_size: expected an integer >= 1, got inf"):
        TwoLayerNet(784, math.inf, 10)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="optimizer: expected a name"):
        Trainer(net, np.ones((4, 4)), np.zeros(4, int), np.ones((4, 4)), np.zeros(4, int),
                optimizer=None)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize("pool", [layers.Pooling, FastPooling])
def test_pooling_of_bool_input_is_logical_or(pool: Any) -> None:
    x = np.zeros((1, 2, 4, 4), dtype=bool)
    x[0, 0, 1, 1] = True
    out = pool(2, 2, stride=2).forward(x)
    assert out.dtype == bool
    assert out[0, 0].tolist() == [[True, False], [False, False]]
    assert not out[0, 1].any()
    with pytest.raises(DlscratchError, match="real-valued"):
        pool(2, 2, stride=2).forward(x.astype(complex))


@pytest.mark.parametrize("pool", [layers.Pooling, FastPooling])
def test_pooling_pad_must_leave_a_real_pixel_in_every_window(pool: Any) -> None:
    # pad=2 on a 2x2 input gave -inf in 8 of 9 outputs
    with pytest.raises(ValueError, match="pad: expected less than the pool size 2x2"):
        pool(2, 2, stride=2, pad=2)
    out = pool(2, 2, stride=1, pad=1).forward(np.arange(4.0).reshape(1, 1, 2, 2) - 10)
    assert np.all(np.isfinite(out))
    assert out[0, 0].tolist() == [[-10, -9, -9], [-8, -7, -7], [-8, -7, -7]]


@pytest.mark.parametrize(
    "fn", [F.sigmoid, F.sigmoid_grad, F.relu, F.relu_grad, F.softmax, F.identity_function]
)
def test_activations_refuse_none_instead_of_nan(fn: Callable[..., Any]) -> None:
    from dlscratch.errors import DTypeError

    with pytest.raises(DTypeError, match="x: expected an array of real numbers, got None"):
        fn(None)
    with pytest.raises(DTypeError, match="x: expected a real-valued array, got dtype object"):
        fn(np.array([None, 1.0], dtype=object))


def test_cross_entropy_of_a_perfect_prediction_is_zero_not_negative() -> None:
    assert F.cross_entropy_error(np.array([0.0, 1.0, 0.0]), 1) == 0.0
    assert F.cross_entropy_error(np.eye(3), np.arange(3)) == 0.0
    # the book's values are unchanged
    y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    assert F.cross_entropy_error(np.array(y), 2) == pytest.approx(0.510825457099338, abs=1e-12)
    with pytest.raises(ValueError, match=r"y: expected probabilities in \[0, 1\]"):
        F.cross_entropy_error(np.array([0.5, 2.0]), 1)
    with pytest.raises(ValueError, match="delta"):
        F.cross_entropy_error(np.array([0.5, 0.5]), 1, delta=-1)


if __name__ == "__main__":  # pragma: no cover - the figures for the issue
    res = sweep()
    total = sum(len(v) for v in res.values())
    print(f"cases {len(CASES)}, bad calls {total}")
    for k, v in res.items():
        print(f"{k}: {len(v)}")
    if "-v" in sys.argv:
        for k in ("raw", "silent"):
            for line in res[k]:
                print(k, line)
