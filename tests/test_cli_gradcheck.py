"""dlscratch gradcheck: the table, and a verdict with an exit status."""

import pytest

from dlscratch.cli import main
from dlscratch.cli.gradcheck import TOLERANCE


def _rows(out):
    lines = (line.split() for line in out.splitlines())
    return [row for row in lines if row[:1] in (["W1"], ["b1"], ["W2"], ["b2"])]


@pytest.mark.mnist
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradcheck_passes_with_tiny_differences(mnist_dir, capsys, dtype):
    argv = ["gradcheck", "--data-dir", str(mnist_dir), "--hidden", "5", "--samples", "2"]
    assert main([*argv, "--dtype", dtype]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"gradient check: TwoLayerNet: 784-5-10, relu, init he ({dtype}), 2 MNIST samples\n"
    )
    rows = _rows(out)
    assert len(rows) == 4
    for row in rows:
        assert float(row[-3]) < TOLERANCE[dtype]  # mean |diff|
    last = out.splitlines()[-1]
    assert last.startswith(f"PASS: every mean |diff| is below {TOLERANCE[dtype]:g} ")
    worst = max(float(row[-3]) for row in rows)
    assert f"largest {worst:.1e}" in last


@pytest.mark.mnist
def test_gradcheck_fails_a_wrong_backprop_with_status_1(mnist_dir, capsys, monkeypatch):
    from dlscratch.networks import TwoLayerNet

    right = TwoLayerNet.gradient

    def off_by_one_percent_in_b2(self, x, t):
        grads = right(self, x, t)
        grads["b2"] = grads["b2"] * 1.01
        return grads

    monkeypatch.setattr(TwoLayerNet, "gradient", off_by_one_percent_in_b2)
    argv = ["gradcheck", "--data-dir", str(mnist_dir), "--hidden", "5", "--samples", "2"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("FAIL: mean |diff| of b2 above 1e-08 ")
    b2 = next(row for row in _rows(out) if row[0] == "b2")
    assert float(b2[-3]) > 1e-5  # 1% of b2's gradient, far above the bound


def test_tolerances_separate_float64_from_float32():
    # float64 differences are about 1e-10, float32 ones about 1e-8 (see gradcheck.py).
    assert TOLERANCE == {"float64": 1e-8, "float32": 1e-6}
