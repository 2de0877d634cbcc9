"""The chapter scripts of book chapters 2-5 print the book's numbers and draw its figures.

Each test runs a script's ``main([...])`` in this process, reads what it printed, and
compares it with what the book prints (section numbers in the comments).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")  # figures are saved into --out-dir, never shown

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlscratch.chapters import UnknownScriptError, find_script, list_scripts
from dlscratch.errors import DataNotFoundError

SCRIPTS = {
    "ch02": ["and_gate", "nand_gate", "or_gate", "xor_gate"],
    "ch03": [
        "step_function",
        "sigmoid",
        "sig_step_compare",
        "relu",
        "three_layer_net",
        "softmax",
        "mnist_show",
        "neuralnet_mnist",
        "neuralnet_mnist_batch",
    ],
    "ch04": [
        "loss_functions",
        "gradient_1d",
        "gradient_2d",
        "gradient_method",
        "gradient_simplenet",
        "two_layer_net",
        "train_neuralnet",
    ],
    "ch05": ["buy_apple", "buy_apple_orange", "gradient_check", "train_neuralnet"],
}
NAMES = [f"{chapter}/{name}" for chapter, names in SCRIPTS.items() for name in names]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def script(name: str) -> ModuleType:
    """The module of the script ``name`` (``'ch03/softmax'``), imported on its own."""
    return importlib.import_module("dlscratch.chapters." + name.replace("/", "."))


def run(name: str, capsys: pytest.CaptureFixture[str], *argv: str | Path) -> list[str]:
    """Run the script ``name`` with ``argv``; return its printed lines."""
    script(name).main([str(a) for a in argv])
    return capsys.readouterr().out.splitlines()


def array(text: str) -> np.ndarray:
    """The numbers of a printed NumPy array such as ``[0.31682708 0.69627909]``."""
    number = r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)"
    return np.array([float(v) for v in re.findall(number, text)])


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0, f"{path} is blank"


# ---------------------------------------------------------------- the listing


def test_every_script_is_listed_with_section_and_titles():
    listed = {s.name: s for s in list_scripts() if s.name[:4] in SCRIPTS}
    assert sorted(listed) == sorted(NAMES)
    for name, script in listed.items():
        assert script.section and script.title_ko and script.title_en, name
        assert script.section.split(".")[0] == name[3], name  # ch03/... is in section 3.x
        assert script.uses and all(u.startswith("dlscratch.") for u in script.uses), name
        module = script.load()
        first_line = (module.__doc__ or "").splitlines()[0]
        assert first_line.startswith(f"{name} — {script.section} "), first_line
        assert "Uses: dlscratch." in (module.__doc__ or ""), name


def test_scripts_are_found_by_name():
    assert (
        find_script("ch05/train_neuralnet.py").module == "dlscratch.chapters.ch05.train_neuralnet"
    )
    assert find_script("buy_apple_orange").name == "ch05/buy_apple_orange"
    with pytest.raises(UnknownScriptError, match="ch04/train_neuralnet"):
        find_script("train_neuralnet")  # in ch04 and ch05: ambiguous


def test_listing_follows_the_book_order():
    names = [s.name for s in list_scripts() if s.name[:4] in SCRIPTS]
    assert names.index("ch03/step_function") < names.index("ch03/softmax")
    assert names.index("ch03/softmax") < names.index("ch03/neuralnet_mnist")
    assert names.index("ch04/loss_functions") < names.index("ch04/train_neuralnet")


@pytest.mark.parametrize("name", NAMES)
def test_help_describes_the_script_and_runs_nothing(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        script(name).main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"dlscratch chapters {name}" in out and "Uses:" in out


def test_a_script_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "dlscratch.chapters.ch02.xor_gate"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "(1, 1) -> 0" in done.stdout


# ---------------------------------------------------------------- chapter 2


@pytest.mark.parametrize(
    ("name", "outputs"),
    [
        ("ch02/and_gate", [0, 0, 0, 1]),  # table 2-2
        ("ch02/nand_gate", [1, 1, 1, 0]),  # table 2-3
        ("ch02/or_gate", [0, 1, 1, 1]),  # table 2-4
        ("ch02/xor_gate", [0, 1, 1, 0]),  # table 2-5
    ],
)
def test_gate_truth_tables(name, outputs, capsys):
    lines = run(name, capsys)
    inputs = ["(0, 0)", "(1, 0)", "(0, 1)", "(1, 1)"]
    for line, xs, y in zip(lines, inputs, outputs, strict=False):
        assert line.startswith(f"{xs} -> {y}"), line
    if name == "ch02/xor_gate":
        assert "(1, 1) -> 0   (s1=0, s2=1)" in lines
        assert lines[-1] == "XOR(x1, x2): [0, 1, 1, 0]"


# ---------------------------------------------------------------- chapter 3


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("ch03/step_function", ["[0 1 1]"]),  # 3.2.3
        ("ch03/sigmoid", ["[0.26894142 0.73105858 0.88079708]"]),  # 3.2.4
        ("ch03/sig_step_compare", []),  # 3.2.5, a figure only
        ("ch03/relu", ["[0. 1. 2.]"]),  # 3.2.7
    ],
)
def test_activation_scripts_print_and_draw(name, printed, tmp_path, capsys):
    lines = run(name, capsys, "--out-dir", tmp_path)
    figure = tmp_path / f"{name.split('/')[1]}.png"
    assert lines == [*printed, f"saved figure: {figure}"]
    assert_png(figure)


def test_three_layer_net_forward(capsys):
    lines = run("ch03/three_layer_net", capsys)
    assert lines[:3] == ["(2, 3)", "(2,)", "(3,)"]
    np.testing.assert_allclose(array(lines[3]), [0.3, 0.7, 1.1], rtol=1e-12)  # 3.4.2 A1
    assert lines[4] == "[0.57444252 0.66818777 0.75026011]"  # 3.4.2 Z1
    assert lines[5] == "[0.31682708 0.69627909]"  # 3.4.3
    np.testing.assert_allclose(array(lines[5]), [0.31682708, 0.69627909], atol=5e-9)


def test_softmax_and_its_overflow(capsys):
    lines = run("ch03/softmax", capsys)
    assert lines[0] == "[0.01821127 0.24519181 0.73659691]"  # 3.5.1
    assert float(lines[1]) == pytest.approx(1.0, abs=1e-15)
    assert lines[2] == "[nan nan nan]"  # 3.5.2: the plain formula overflows
    assert array(lines[3]).tolist() == [0, -10, -20]
    stable = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]
    np.testing.assert_allclose(array(lines[4]), stable, rtol=1e-8)
    np.testing.assert_allclose(array(lines[5]), stable, rtol=1e-8)


@pytest.mark.mnist
def test_mnist_show(mnist_dir, tmp_path, capsys):
    lines = run("ch03/mnist_show", capsys, "--data-dir", mnist_dir, "--out-dir", tmp_path)
    shapes = ["(60000, 784)", "(60000,)", "(10000, 784)", "(10000,)"]
    assert lines[:7] == [*shapes, "5", "(784,)", "(28, 28)"]  # 3.6.1: label 5, then shapes
    assert_png(tmp_path / "mnist_show.png")


@pytest.mark.mnist
@pytest.mark.parametrize("name", ["ch03/neuralnet_mnist", "ch03/neuralnet_mnist_batch"])
def test_book_weights_classify_mnist_at_0_9352(name, mnist_dir, book_weights, capsys):
    weights = book_weights / "sample_weight.pkl"
    lines = run(name, capsys, "--data-dir", mnist_dir, "--weights", weights)
    assert lines[-1] == "Accuracy:0.9352"  # 3.6.2 and 3.6.3
    if name.endswith("batch"):
        assert lines[:5] == ["(10000, 784)", "(784,)", "(784, 50)", "(50, 100)", "(100, 10)"]


@pytest.mark.mnist
def test_missing_book_weights_name_the_file(mnist_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DLSCRATCH_BOOK_WEIGHTS", raising=False)
    with pytest.raises(DataNotFoundError, match=r"nope\.pkl"):
        run("ch03/neuralnet_mnist", capsys, "--data-dir", mnist_dir, "--weights", "nope.pkl")


# ---------------------------------------------------------------- chapter 4


def test_loss_functions(capsys):
    values = [float(line) for line in run("ch04/loss_functions", capsys)]
    book = [
        0.09750000000000003,  # 4.2.1 sum of squares, '2' most probable
        0.5975,  # '7' most probable
        0.510825457099338,  # 4.2.2 cross-entropy
        2.302584092994546,
        1.406704775046942,  # 4.2.4 the two as one mini-batch, one-hot targets
        1.406704775046942,  # ... and labels
    ]
    assert values == pytest.approx(book, rel=1e-13)
    assert values[4] == pytest.approx((values[2] + values[3]) / 2, rel=1e-13)


def test_gradient_1d(tmp_path, capsys):
    lines = run("ch04/gradient_1d", capsys, "--out-dir", tmp_path)
    assert float(lines[0]) == pytest.approx(0.1999999999990898, rel=1e-12)  # 4.3.2
    assert float(lines[1]) == pytest.approx(0.2999999999986347, rel=1e-12)
    assert float(lines[2]) == pytest.approx(0.2, abs=1e-9)  # slope of the drawn tangent
    assert_png(tmp_path / "gradient_1d.png")


def test_gradient_2d(tmp_path, capsys):
    lines = run("ch04/gradient_2d", capsys, "--out-dir", tmp_path)
    assert lines[:3] == ["[6. 8.]", "[0. 4.]", "[6. 0.]"]  # 4.4
    np.testing.assert_allclose(array(lines[0]), [6.0, 8.0], atol=1e-6)
    assert_png(tmp_path / "gradient_2d.png")


def test_gradient_method(tmp_path, capsys):
    lines = run("ch04/gradient_method", capsys, "--out-dir", tmp_path)
    lines = [line for line in lines if line.startswith("[")]
    # 4.4.1: lr 0.1 converges, lr 10 diverges, lr 1e-10 hardly moves
    np.testing.assert_allclose(array(lines[0]), [-6.11110793e-10, 8.14814391e-10], rtol=1e-6)
    np.testing.assert_allclose(array(lines[1]), [-2.58983747e13, -1.29524862e12], rtol=1e-6)
    np.testing.assert_allclose(array(lines[2]), [-2.99999994, 3.99999992], atol=1e-8)
    assert_png(tmp_path / "gradient_method.png")


def test_gradient_simplenet(capsys):
    lines = run("ch04/gradient_simplenet", capsys)
    p, argmax, loss = lines[2], lines[3], lines[4]
    assert p == "[1.05414809 0.63071653 1.1328074 ]"  # 4.4.2
    assert argmax == "2"
    # The book printed 0.92806853663411326 and dW without the 1e-7 inside the log (see
    # the script's docstring); with it the loss is 2.5e-7 lower.
    assert float(loss) == pytest.approx(0.9280682857864075, rel=1e-10)
    assert float(loss) == pytest.approx(0.92806853663411326, abs=3e-7)
    dW = array(" ".join(lines[5:7])).reshape(2, 3)
    book_dW = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
    np.testing.assert_allclose(dW, book_dW, atol=2e-7)
    np.testing.assert_allclose(dW.sum(axis=1), 0.0, atol=1e-8)  # softmax: rows sum to 0


def test_two_layer_net(capsys):
    lines = run("ch04/two_layer_net", capsys, "--quick")
    assert lines[:5] == ["(784, 100)", "(100,)", "(100, 10)", "(10,)", "(100, 10)"]  # 4.5.1
    assert lines[5:9] == ["W1 (784, 10)", "b1 (10,)", "W2 (10, 10)", "b2 (10,)"]  # --quick
    assert lines[9].startswith("numerical gradient of 7960 parameters on 3 images: ")


def train_lines(lines: list[str], prefix: str = "") -> np.ndarray:
    """The (train_acc, test_acc) pairs a training script printed, one row per epoch."""
    rows = [array(line.removeprefix(prefix)) for line in lines if line.startswith(prefix)]
    return np.array([r for r in rows if r.shape == (2,)])


@pytest.mark.mnist
@pytest.mark.slow
def test_ch04_train_neuralnet_quick(mnist_dir, tmp_path, capsys):
    args = ("--quick", "--data-dir", mnist_dir, "--out-dir", tmp_path)
    lines = run("ch04/train_neuralnet", capsys, *args)
    acc = train_lines(lines, "train acc, test acc | ")
    assert acc.shape == (2, 2)  # evaluated at iterations 0 and 600 of 1,000
    assert np.all((acc[0] > 0.05) & (acc[0] < 0.2))  # guessing: about 1 in 10
    assert np.all(acc[1] > 0.7)  # sigmoid learns slower than ReLU (ch. 5)
    assert abs(acc[1, 0] - acc[1, 1]) < 0.03  # no overfitting (4.5.3)
    assert_png(tmp_path / "train_neuralnet.png")


@pytest.mark.mnist
@pytest.mark.slow
def test_ch04_train_neuralnet_numerical(mnist_dir, tmp_path, capsys):
    args = ("--numerical", "--quick", "--data-dir", mnist_dir, "--out-dir", tmp_path)
    lines = run("ch04/train_neuralnet", capsys, *args)
    assert re.fullmatch(
        r"the numerical gradient of the book's 784-50-10 network takes about \d+ s per "
        r"iteration: \d+ hours for 10,000",
        lines[0],
    )
    losses = [float(line.split("loss ")[1]) for line in lines if line.startswith("iteration")]
    assert losses == pytest.approx([np.log(10)], abs=0.05)  # one step: still about log(10)
    assert len(train_lines(lines, "train acc, test acc | ")) == 1
    assert not (tmp_path / "train_neuralnet.png").exists()


# ---------------------------------------------------------------- chapter 5


def test_buy_apple(capsys):
    assert run("ch05/buy_apple", capsys) == [  # 5.4.1
        "price: 220",
        "dApple: 2.2",
        "dApple_num: 110",
        "dTax: 200",
    ]


def test_buy_apple_orange(capsys):
    assert run("ch05/buy_apple_orange", capsys) == [  # 5.4.2
        "price: 715",
        "dApple: 2.2",
        "dApple_num: 110",
        "dOrange: 3.3000000000000003",
        "dOrange_num: 165",
        "dTax: 650",
    ]


@pytest.mark.mnist
@pytest.mark.slow
def test_gradient_check(mnist_dir, capsys):
    lines = run("ch05/gradient_check", capsys, "--data-dir", mnist_dir)
    diffs = dict(line.split(":") for line in lines)
    assert list(diffs) == ["W1", "b1", "W2", "b2"]  # 5.7.3
    for key, value in diffs.items():
        assert 0 < float(value) < 1e-8, f"{key}: backprop and numerical gradients differ"


@pytest.mark.mnist
@pytest.mark.slow
def test_ch05_train_neuralnet_quick(mnist_dir, capsys):
    lines = run("ch05/train_neuralnet", capsys, "--quick", "--data-dir", mnist_dir)
    acc = train_lines(lines)
    assert acc.shape == (2, 2)  # evaluated at iterations 0 and 600 of 1,000
    assert np.all(acc[0] < 0.25)
    assert np.all(acc[1] > 0.85)  # 5.7.4: about 0.9 after one epoch, 0.97 after 17
    assert abs(acc[1, 0] - acc[1, 1]) < 0.03
