"""The chapter scripts of chapters 6-8 (dlscratch.chapters.ch06 .. ch08).

Each script's ``main([...])`` runs in-process with ``--quick`` (where it has one) and
``--out-dir tmp_path``; the tests read what it printed and check the numbers: against
the book's formulas worked by hand, against what dlscratch computes directly, and
against the book's published results.
"""

from __future__ import annotations

import ast
import importlib
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlscratch.chapters import list_scripts

SCRIPTS = {
    "ch06": [
        "optimizer_compare_naive",
        "optimizer_compare_mnist",
        "weight_init_activation_histogram",
        "weight_init_compare",
        "batch_norm_test",
        "batch_norm_gradient_check",
        "overfit_weight_decay",
        "overfit_dropout",
        "hyperparameter_optimization",
    ],
    "ch07": ["apply_filter", "gradient_check", "train_convnet", "visualize_filter"],
    "ch08": ["deep_convnet", "train_deepnet", "misclassified_mnist", "half_float_network"],
}
ALL = [f"{chapter}/{name}" for chapter, names in SCRIPTS.items() for name in names]
DEEP_2016 = "first-edition-2016/deep_convnet_params.pkl"
NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def run(capsys, name: str, *argv: str) -> str:
    """Run chapter script ``name`` ('ch06/x') in-process; return what it printed."""
    module = importlib.import_module("dlscratch.chapters." + name.replace("/", "."))
    capsys.readouterr()
    module.main(list(argv))
    return capsys.readouterr().out


def floats(pattern: str, text: str) -> list[float]:
    """Every number captured by the single group of ``pattern`` in ``text``."""
    return [float(v) for v in re.findall(pattern, text, re.M)]


def figure(path: Path) -> Path:
    assert path.is_file(), f"no figure {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000  # something was drawn
    return path


@pytest.fixture()
def data(mnist_dir):
    return ["--data-dir", str(mnist_dir)]


# ------------------------------------------------------------------------ the listing


def test_every_script_is_listed_with_titles():
    listed = {s.name: s for s in list_scripts()}
    for name in ALL:
        assert name in listed, f"{name} missing from list_scripts()"
        script = listed[name]
        assert script.section.split(".")[0] == name[2:4].lstrip("0")
        assert script.title_ko.strip() and script.title_en.strip()
        assert script.uses and all(u.startswith("dlscratch.") for u in script.uses)
        module = script.load()
        first = (module.__doc__ or "").strip().splitlines()[0]
        assert first.startswith(f"{name} — {script.section} "), first
        assert " / " in first
        assert "Uses: " in module.__doc__
    ours = sorted(n for n in listed if n.split("/")[0] in SCRIPTS)
    assert ours == sorted(ALL)


def test_importing_the_scripts_does_no_work():
    code = (
        "import sys, importlib\n"
        f"for name in {ALL!r}:\n"
        "    importlib.import_module('dlscratch.chapters.' + name.replace('/', '.'))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported at import time'\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""


# ------------------------------------------------------------------------- chapter 6


def _book_optimizer_path(name: str, lr: float, steps: int = 30) -> np.ndarray:
    """The points of book fig. 6-8, from the book's update formulas (defaults:
    momentum 0.9, beta1 0.9, beta2 0.999, 1e-7 in the denominators)."""
    p = np.array([-7.0, 2.0])
    v = np.zeros(2)
    h = np.zeros(2)
    m = np.zeros(2)
    points = [p.copy()]
    for it in range(1, steps + 1):
        g = np.array([p[0] / 10.0, 2.0 * p[1]])
        if name == "SGD":
            p = p - lr * g
        elif name == "Momentum":
            v = 0.9 * v - lr * g
            p = p + v
        elif name == "AdaGrad":
            h = h + g * g
            p = p - lr * g / (np.sqrt(h) + 1e-7)
        else:  # Adam
            lr_t = lr * math.sqrt(1.0 - 0.999**it) / (1.0 - 0.9**it)
            m = m + 0.1 * (g - m)
            v = v + 0.001 * (g * g - v)
            p = p - lr_t * m / (np.sqrt(v) + 1e-7)
        points.append(p.copy())
    return np.array(points)


def test_optimizer_compare_naive(capsys, tmp_path):
    out = run(capsys, "ch06/optimizer_compare_naive", "--out-dir", str(tmp_path))
    # The first step of each, by hand from (-7, 2), where the gradient is (-0.7, 4):
    by_hand = {
        "SGD": (-7 + 0.95 * 0.7, 2 - 0.95 * 4),  # (-6.335, -1.8)
        "Momentum": (-7 + 0.1 * 0.7, 2 - 0.1 * 4),  # v = -lr g: (-6.93, 1.6)
        "AdaGrad": (-7 + 1.5, 2 - 1.5),  # lr g / sqrt(g^2): (-5.5, 0.5)
        "Adam": (-7 + 0.3, 2 - 0.3),  # m_hat / sqrt(v_hat) = sign(g): (-6.7, 1.7)
    }
    for name, lr in (("SGD", 0.95), ("Momentum", 0.1), ("AdaGrad", 1.5), ("Adam", 0.3)):
        line = re.search(rf"^{name} \(lr={lr}\): (.*)$", out, re.M)
        assert line, out
        pts = np.array(floats(rf"\(({NUMBER}), ", line.group(1)))
        ys = np.array(floats(rf", ({NUMBER})\)", line.group(1)))
        expected = _book_optimizer_path(name, lr)
        np.testing.assert_allclose(pts, expected[: len(pts), 0], atol=5e-5)
        np.testing.assert_allclose(ys, expected[: len(ys), 1], atol=5e-5)
        assert (pts[1], ys[1]) == pytest.approx(by_hand[name], abs=5e-5)
        after = out[line.end() :].splitlines()[1]
        final = floats(rf"({NUMBER})", after.split(":", 1)[1])
        np.testing.assert_allclose(final, expected[30], atol=5e-5)
    figure(tmp_path / "optimizer_compare_naive.png")


def test_weight_init_activation_histogram(capsys, tmp_path):
    out = run(capsys, "ch06/weight_init_activation_histogram", "--out-dir", str(tmp_path))
    blocks = re.split(r"^weights: ", out, flags=re.M)[1:]
    assert [b.split()[0] for b in blocks] == ["std=1", "std=0.01", "Xavier"]
    stats = {}
    for block in blocks:
        rows = re.findall(
            rf"(\d)-layer: mean ({NUMBER}), std ({NUMBER}), near 0 or 1: ({NUMBER})%", block
        )
        assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
        stats[block.split()[0]] = np.array([[float(v) for v in r[1:]] for r in rows])
    # std 1: the activations pile up at 0 and 1 (fig. 6-10)
    assert np.all(stats["std=1"][:, 2] > 40)
    # std 0.01: all near 0.5 (fig. 6-11)
    assert np.all(np.abs(stats["std=0.01"][:, 0] - 0.5) < 0.01)
    assert np.all(stats["std=0.01"][:, 1] < 0.03)
    # Xavier: spread, but not to the ends (fig. 6-13)
    assert np.all((stats["Xavier"][:, 1] > 0.08) & (stats["Xavier"][:, 1] < 0.3))
    assert np.all(stats["Xavier"][:, 2] < 1)
    figure(tmp_path / "weight_init_activation_histogram.png")


def _iteration_losses(out: str, keys: list[str]) -> dict[int, dict[str, float]]:
    result = {}
    for block in re.split(r"^=+iteration:", out, flags=re.M)[1:]:
        it = int(block.split("=")[0])
        result[it] = {k: float(v) for k, v in re.findall(rf"^(\S+):({NUMBER})$", block, re.M)}
        assert list(result[it]) == keys
    return result


@pytest.mark.mnist
@pytest.mark.slow
def test_optimizer_compare_mnist(capsys, tmp_path, data):
    out = run(capsys, "ch06/optimizer_compare_mnist", "--quick", "--out-dir", str(tmp_path), *data)
    losses = _iteration_losses(out, ["SGD", "Momentum", "AdaGrad", "Adam"])
    assert sorted(losses) == [0, 100]
    assert all(1.0 < v < 2.5 for v in losses[0].values())  # near ln 10 = 2.30 at the start
    # After 100 iterations SGD lags far behind the three others (fig. 6-9).
    late = losses[100]
    assert late["SGD"] > 1.0
    assert max(late["Momentum"], late["AdaGrad"], late["Adam"]) < 0.7 * late["SGD"]
    figure(tmp_path / "optimizer_compare_mnist.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_weight_init_compare(capsys, tmp_path, data):
    out = run(capsys, "ch06/weight_init_compare", "--quick", "--out-dir", str(tmp_path), *data)
    losses = _iteration_losses(out, ["std=0.01", "Xavier", "He"])
    assert sorted(losses) == [0, 100]
    # std 0.01 learns nothing: the loss stays at ln 10 (fig. 6-15).
    assert losses[100]["std=0.01"] == pytest.approx(math.log(10), abs=0.01)
    assert losses[100]["He"] < min(2.0, losses[100]["Xavier"] - 0.3)
    figure(tmp_path / "weight_init_compare.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_batch_norm_test(capsys, tmp_path, data):
    out = run(capsys, "ch06/batch_norm_test", "--quick", "--out-dir", str(tmp_path), *data)
    blocks = re.split(r"^=+ (\d)/4 =+$", out, flags=re.M)
    assert blocks[1::2] == ["1", "2", "3", "4"]
    final = []
    for block in blocks[2::2]:
        rows = re.findall(rf"^epoch:(\d+) \| ({NUMBER}) - ({NUMBER})$", block, re.M)
        assert [int(r[0]) for r in rows] == [0, 1, 2]
        final.append((float(rows[-1][1]), float(rows[-1][2])))
    # Without batch norm no scale learns in 3 epochs; with it, the middle scales do.
    assert all(plain < 0.2 for plain, _ in final)
    assert final[2][1] > 0.5
    assert sum(bn > plain + 0.1 for plain, bn in final) >= 3
    figure(tmp_path / "batch_norm_test.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_batch_norm_gradient_check(capsys, data):
    out = run(capsys, "ch06/batch_norm_gradient_check", "--quick", *data)
    diffs = dict(re.findall(rf"^(\w+):({NUMBER})$", out, re.M))
    keys = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert list(diffs) == keys
    assert all(float(v) < 1e-8 for v in diffs.values()), diffs
    assert any(float(v) > 0 for v in diffs.values())  # a real comparison, not 0 == 0


def _epoch_accuracies(out: str, pattern: str) -> np.ndarray:
    rows = re.findall(pattern, out, re.M)
    return np.array([[float(v) for v in r] for r in rows])


@pytest.mark.mnist
@pytest.mark.slow
def test_overfit_weight_decay(capsys, tmp_path, data):
    out = run(capsys, "ch06/overfit_weight_decay", "--quick", "--out-dir", str(tmp_path), *data)
    acc = _epoch_accuracies(out, rf"^epoch:(\d+), train acc:({NUMBER}), test acc:({NUMBER})$")
    assert acc[:, 0].tolist() == list(range(11))
    # 300 training images: accuracies are multiples of 1/300; test: of 1/1000.
    np.testing.assert_allclose(acc[:, 1] * 300, np.round(acc[:, 1] * 300), atol=1e-9)
    np.testing.assert_allclose(acc[:, 2] * 1000, np.round(acc[:, 2] * 1000), atol=1e-9)
    assert acc[-1, 1] > acc[0, 1] + 0.1  # it learns
    figure(tmp_path / "overfit_weight_decay.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_overfit_dropout(capsys, tmp_path, data):
    out = run(capsys, "ch06/overfit_dropout", "--quick", "--out-dir", str(tmp_path), *data)
    acc = _epoch_accuracies(
        out, rf"^=== epoch:(\d+), train acc:({NUMBER}), test acc:({NUMBER}) ===$"
    )
    assert acc[:, 0].tolist() == list(range(1, 12))
    np.testing.assert_allclose(acc[:, 1] * 300, np.round(acc[:, 1] * 300), atol=1e-9)
    assert acc[-1, 1] > acc[0, 1]
    final = floats(rf"^test acc:({NUMBER})$", out)
    assert final == [acc[-1, 2]]
    figure(tmp_path / "overfit_dropout.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_hyperparameter_optimization(capsys, tmp_path, data):
    out = run(
        capsys, "ch06/hyperparameter_optimization", "--quick", "--out-dir", str(tmp_path), *data
    )
    trials = re.findall(
        rf"^val acc:({NUMBER}) \| lr:({NUMBER}), weight decay:({NUMBER})$", out, re.M
    )
    assert len(trials) == 5
    for val, lr, wd in trials:
        assert 0 <= float(val) <= 1
        assert float(val) * 100 == pytest.approx(round(float(val) * 100))  # 100 val images
        assert 1e-6 <= float(lr) <= 1e-2
        assert 1e-8 <= float(wd) <= 1e-4
    _, _, tail = out.partition("=========== Hyper-Parameter Optimization Result ===========")
    best = re.findall(
        rf"^Best-(\d+)\(val acc:({NUMBER})\) \| lr:({NUMBER}), weight decay:({NUMBER})$",
        tail,
        re.M,
    )
    assert [int(b[0]) for b in best] == [1, 2, 3, 4, 5]
    ranked = sorted(((float(v), lr, wd) for v, lr, wd in trials), key=lambda r: -r[0])
    assert [float(b[1]) for b in best] == [r[0] for r in ranked]
    assert {(b[2], b[3]) for b in best} == {(lr, wd) for _, lr, wd in trials}
    figure(tmp_path / "hyperparameter_optimization.png")


# ------------------------------------------------------------------------- chapter 7


def test_convnet_gradient_check(capsys):
    out = run(capsys, "ch07/gradient_check")
    diffs = dict(re.findall(rf"^(\w+) ({NUMBER})$", out, re.M))
    assert list(diffs) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(float(v) < 1e-6 for v in diffs.values()), diffs


@pytest.mark.mnist
def test_apply_filter(capsys, tmp_path, data, book_weights):
    weights = str(book_weights / "simple_convnet_params.pkl")
    out = run(capsys, "ch07/apply_filter", "--weights", weights, "--out-dir", str(tmp_path), *data)
    assert "MNIST test digit #0 (label 7), shape (1, 1, 28, 28)" in out
    assert "filter: shape (1, 1, 5, 5), bias 0 -> output shape (1, 1, 24, 24)" in out
    ranges = re.findall(rf"^filter +(\d+): response from ({NUMBER}) to ({NUMBER})$", out, re.M)
    assert [int(r[0]) for r in ranges] == list(range(1, 17))
    # Check one response against a direct computation of the correlation.
    from dlscratch.datasets import load_mnist
    from dlscratch.networks import SimpleConvNet

    (_, _), (x_test, _) = load_mnist(flatten=False, data_dir=data[1])
    w = SimpleConvNet()
    w.load_params(weights)
    img, f = x_test[0, 0].astype(np.float64), w.params["W1"][3, 0]
    direct = np.array(
        [[np.sum(img[i : i + 5, j : j + 5] * f) for j in range(24)] for i in range(24)]
    )
    assert float(ranges[3][1]) == pytest.approx(direct.min(), abs=5e-4)
    assert float(ranges[3][2]) == pytest.approx(direct.max(), abs=5e-4)
    figure(tmp_path / "apply_filter_filters.png")
    figure(tmp_path / "apply_filter.png")


def test_visualize_filter(capsys, tmp_path, book_weights):
    from dlscratch.io import load_book_params

    book = book_weights / "simple_convnet_params.pkl"
    out = run(capsys, "ch07/visualize_filter", "--weights", str(book), "--out-dir", str(tmp_path))
    random_std, trained_std = floats(rf"W1 \(30, 1, 5, 5\), std ({NUMBER})", out)
    assert random_std == pytest.approx(0.01, abs=0.001)  # weight_init_std 0.01
    assert trained_std == pytest.approx(load_book_params(book)["W1"].std(), abs=1e-4)
    figure(tmp_path / "visualize_filter_random.png")
    figure(tmp_path / "visualize_filter_trained.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_train_convnet(capsys, tmp_path, data, mnist):
    from dlscratch.networks import SimpleConvNet

    out = run(capsys, "ch07/train_convnet", "--quick", "--out-dir", str(tmp_path), *data)
    acc = _epoch_accuracies(
        out, rf"^=== epoch:(\d+), train acc:({NUMBER}), test acc:({NUMBER}) ===$"
    )
    assert acc[:, 0].tolist() == [1]
    final = floats(rf"^test acc:({NUMBER})$", out)
    assert len(final) == 1 and 0.15 < final[0] <= 1
    assert out.rstrip().splitlines()[-2:] == [
        "Saved Network Parameters!",
        f"saved figure: {tmp_path / 'train_convnet.png'}",
    ]
    # The saved file loads back and scores what the trainer reported.
    network = SimpleConvNet()
    network.load_params(tmp_path / "params.npz")
    (_, _), (x_test, t_test) = mnist
    assert network.accuracy(x_test[:1000], t_test[:1000], batch_size=100) == pytest.approx(
        final[0], abs=0.003
    )
    figure(tmp_path / "train_convnet.png")


# ------------------------------------------------------------------------- chapter 8


@pytest.mark.mnist
@pytest.mark.slow
def test_deep_convnet_quick(capsys, data, book_weights, mnist):
    from dlscratch.networks import DeepConvNet

    path = book_weights / DEEP_2016
    out = run(capsys, "ch08/deep_convnet", "--quick", "--weights", str(path), *data)
    assert "calculating test accuracy on 1000 images ... " in out
    (acc,) = floats(rf"^test accuracy:({NUMBER})$", out)
    assert acc == 0.993  # the first 1000 test images: 7 mistakes
    # What dlscratch's own accuracy gives (in float32, faster; the same 7 mistakes).
    network = DeepConvNet(dtype=np.float32)
    network.load_params(path)
    (_, _), (x_test, t_test) = mnist
    assert network.accuracy(x_test[:1000], t_test[:1000], batch_size=100) == acc


@pytest.mark.mnist
@pytest.mark.slow
def test_misclassified_mnist(capsys, tmp_path, data, book_weights):
    """The book's 99.35% (8.1.1) and its fig. 8-2, on all 10000 test images (~15 s)."""
    out = run(
        capsys, "ch08/misclassified_mnist", "--weights", str(book_weights / DEEP_2016),
        "--out-dir", str(tmp_path), *data,
    )  # fmt: skip
    assert floats(rf"^test accuracy:({NUMBER})$", out) == [0.9935]  # 65 mistakes
    lines = out.splitlines()
    assert lines[0] == "calculating test accuracy ... "
    at = lines.index("======= misclassified result =======")
    assert lines[at + 1] == "{view index: (label, inference), ...}"
    pairs = ast.literal_eval(lines[at + 2])
    # The first 20 mistakes (label, inference), as in fig. 8-2.
    assert list(pairs.values()) == [
        (6, 0), (3, 5), (3, 5), (8, 3), (7, 3), (1, 3), (8, 9), (6, 0), (6, 5), (7, 2),
        (9, 4), (7, 1), (5, 3), (1, 3), (0, 6), (9, 4), (7, 9), (6, 0), (9, 8), (4, 9),
    ]  # fmt: skip
    assert list(pairs) == list(range(1, 21))
    figure(tmp_path / "misclassified_mnist.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_half_float_network(capsys, data, book_weights):
    out = run(
        capsys, "ch08/half_float_network", "--quick", "--weights",
        str(book_weights / DEEP_2016), *data,
    )  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == "calculate accuracy (float64) ... "
    assert lines[2] == "calculate accuracy (float16) ... "
    assert float(lines[1]) == float(lines[3]) == 0.993


@pytest.mark.mnist
@pytest.mark.slow
def test_train_deepnet(capsys, tmp_path, data, mnist):
    from dlscratch.networks import DeepConvNet

    out = run(capsys, "ch08/train_deepnet", "--quick", "--out-dir", str(tmp_path), *data)
    assert len(re.findall(r"^=== epoch:1, train acc:", out, re.M)) == 1
    (final,) = floats(rf"^test acc:({NUMBER})$", out)
    assert out.rstrip().endswith("Saved Network Parameters!")
    network = DeepConvNet(dtype=np.float32)
    network.load_params(tmp_path / "deep_convnet_params.npz")
    (_, _), (x_test, t_test) = mnist
    assert network.accuracy(x_test[:500], t_test[:500], batch_size=100) == pytest.approx(
        final, abs=0.005
    )
