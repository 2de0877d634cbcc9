"""The command line as a whole: the parser, main()'s error handling, the small commands
(gates, chapters, data) and the plot registry. The command groups with more to check
have their own modules: test_cli_models (infer, convert, evaluate), test_cli_train,
test_cli_gradcheck."""

import shlex
import subprocess
import sys

import numpy as np
import pytest

from dlscratch.cli import build_parser, digit_to_text, main
from dlscratch.cli._common import describe, with_flags
from dlscratch.cli.plot import PLOTS
from dlscratch.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, ThreeLayerNet


def test_gates_prints_truth_tables(capsys):
    assert main(["gates"]) == 0
    out = capsys.readouterr().out
    xor = out[out.index("XOR") :]
    assert "0  0 | 0" in xor and "1  0 | 1" in xor and "0  1 | 1" in xor and "1  1 | 0" in xor
    nand = out[out.index("NAND") : out.index("OR ")]
    assert "1  1 | 0" in nand and "0  0 | 1" in nand


def test_python_dash_m_runs_the_same_main():
    done = subprocess.run(
        [sys.executable, "-m", "dlscratch", "gates"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "XOR  (two layers: AND(NAND(x), OR(x)))" in done.stdout


def test_every_command_of_the_book_order_is_there():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == [
        "gates", "chapters", "data", "infer", "convert", "evaluate", "export", "predict", "serve",
        "train",
        "gradcheck", "plot", "search",
    ]  # fmt: skip


def test_unknown_arguments_still_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["gates", "--nope"])
    assert e.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_library_argument_names_become_flags():
    assert (
        with_flags("mini_batch_size: expected 1..50, got 100; dropout_ratio too")
        == "--batch-size: expected 1..50, got 100; --dropout too"
    )
    assert with_flags("my_batch_size") == "my_batch_size"  # only whole names


def test_describe_is_one_short_line_per_network():
    deep = describe(DeepConvNet())
    assert deep == "DeepConvNet: conv 16-16-32-32-64-64 (3x3), 1024-50-10, dropout 0.5"
    assert describe(SimpleConvNet()) == "SimpleConvNet: conv 30 (5x5), 4320-100-10, init 0.01"
    multi = MultiLayerNet(
        784, [100, 100, 100], 10, weight_init_std="he", use_batchnorm=True,
        use_dropout=True, dropout_ratio=0.2, weight_decay_lambda=1e-4,
    )  # fmt: skip
    assert describe(multi) == (
        "MultiLayerNet: 784-100-100-100-10, relu, init he, batchnorm, dropout 0.2, "
        "weight decay 0.0001"
    )
    plain = MultiLayerNet(784, [50], 10)
    assert "dropout" not in describe(plain) and "batchnorm" not in describe(plain)
    params = {
        "W1": np.zeros((784, 50)), "b1": np.zeros(50), "W2": np.zeros((50, 100)),
        "b2": np.zeros(100), "W3": np.zeros((100, 10)), "b3": np.zeros(10),
    }  # fmt: skip
    assert describe(ThreeLayerNet(params)) == "ThreeLayerNet: 784-50-100-10"


# -- plot -------------------------------------------------------------------------------


def test_plot_registry_is_the_parsers_choices_and_help():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    plot = sub.choices["plot"]
    name = next(a for a in plot._actions if a.dest == "name")
    assert sorted(name.choices) == sorted(PLOTS)
    assert [k for k, p in PLOTS.items() if p.takes_model] == ["filters", "misclassified"]
    for key, entry in PLOTS.items():
        assert key in plot.description and entry.help.split()[0] in plot.description


@pytest.mark.parametrize("name", ["activations", "tangent", "gradient-field", "descent"])
def test_plots_are_written_as_png(tmp_path, name, capsys):
    out = tmp_path / f"{name}.png"
    assert main(["plot", name, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out == f"saved {out}\n"


def test_bad_plot_suffix_is_a_clear_error(tmp_path, capsys):
    assert main(["plot", "activations", "-o", str(tmp_path / "a.xyz")]) == 2
    assert "cannot save a figure as '.xyz'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["plot", "filters", "FILE", "--model", "simple-conv"],
        ["plot", "filters", "--model", "simple-conv", "FILE"],
        ["plot", "--model", "simple-conv", "filters", "FILE"],
        ["plot", "filters", "--model", "simple-conv", "-o", "x.png", "FILE"],
    ],
)
def test_plot_model_file_before_or_after_the_options(book_weights, tmp_path, argv, capsys):
    pkl = str(book_weights / "simple_convnet_params.pkl")
    argv = [pkl if a == "FILE" else str(tmp_path / a) if a == "x.png" else a for a in argv]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "f.png")]
    assert main(argv) == 0
    assert "SimpleConvNet: first convolution has 30 filters (30, 1, 5, 5)" in (
        capsys.readouterr().out
    )


def test_plot_takes_one_model_file_only(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["plot", "filters", "--model", "simple-conv", "a.pkl", "b.pkl"])
    assert e.value.code == 2
    assert "unrecognized arguments: b.pkl" in capsys.readouterr().err
    # A late MODEL for a figure that takes none is refused like an early one.
    assert main(["plot", "tangent", "-o", str(tmp_path / "t.png"), "x.npz"]) == 2
    assert "plot tangent takes no model file" in capsys.readouterr().err


def test_plot_filters_of_a_pkl_needs_no_model_flag(book_weights, tmp_path, capsys):
    pkl = str(book_weights / "first-edition-2016" / "deep_convnet_params.pkl")
    assert main(["plot", "filters", pkl, "-o", str(tmp_path / "f.png")]) == 0
    assert "DeepConvNet: first convolution has 16 filters (16, 1, 3, 3)" in (
        capsys.readouterr().out
    )
    # The chapter-3 network has no convolution to draw.
    pkl = str(book_weights / "sample_weight.pkl")
    assert main(["plot", "filters", pkl, "-o", str(tmp_path / "g.png")]) == 2
    assert "expected a convolutional network" in capsys.readouterr().err


# -- data, chapters ---------------------------------------------------------------------


def test_digit_to_text_marks_ink():
    img = np.zeros((28, 28))
    img[10, 5] = 1.0
    lines = digit_to_text(img).splitlines()
    assert len(lines) == 28 and all(len(line) == 56 for line in lines)
    assert lines[10][10:12] == "@@" and lines[0].strip() == ""


@pytest.mark.mnist
def test_data_info_and_show(mnist_dir, tmp_path, capsys):
    assert main(["data", "info", "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("verified") == 4 and "10000 records" in out and "60000 records" in out
    png = tmp_path / "d.png"
    assert main(["data", "show", "0", "--test", "--data-dir", str(mnist_dir), "-o", str(png)]) == 0
    out = capsys.readouterr().out
    assert "test image #0: label 7" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_data_info_of_an_empty_folder_says_what_to_do(tmp_path, capsys):
    assert main(["data", "info", "--data-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count(" missing\n") == 4 and "pass --data-dir DIR or set DLSCRATCH_DATA_DIR" in out


def test_chapters_lists_every_script_with_both_titles(capsys):
    assert main(["chapters"]) == 0
    out = capsys.readouterr().out
    assert "ch02/and_gate" in out and "AND 게이트" in out and "AND gate" in out
    assert "ch03/neuralnet_mnist " in out and "3.6.2" in out


def test_chapters_runs_a_script_by_name_with_its_options(capsys):
    assert main(["chapters", "ch02/xor_gate"]) == 0
    assert "(1, 1) -> 0" in capsys.readouterr().out
    assert main(["chapters", "ch09/nothing"]) == 2
    assert "no script named 'ch09/nothing'" in capsys.readouterr().err


def test_every_command_of_the_readme_tour_parses():
    from pathlib import Path

    from dlscratch.cli import _parse

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    tour = readme[readme.index("## A tour of the command line") :]
    tour = tour[: tour.index("\n## ", 5)]
    lines = [
        line.split("  #")[0].strip()
        for block in tour.split("```bash\n")[1:]
        for line in block.split("```")[0].replace("\\\n", " ").splitlines()
    ]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("dlscratch ")]
    assert len(commands) >= 25
    parser = build_parser()
    for argv in commands:
        args = _parse(parser, argv)  # exits (status 2) on a flag the parser does not know
        assert callable(args.func)
    assert "export DLSCRATCH_DATA_DIR=../shared/datasets/mnist" in lines


def test_library_warnings_are_one_line_for_a_person(monkeypatch, capsys):
    import warnings

    import dlscratch.cli.gates as gates

    def warn_then_run(args):
        warnings.warn("the parsed-MNIST cache was damaged and rebuilt", UserWarning, stacklevel=2)
        return 0

    monkeypatch.setattr(gates, "cmd_gates", warn_then_run)
    assert main(["gates"]) == 0
    err = capsys.readouterr().err
    assert err == "warning: the parsed-MNIST cache was damaged and rebuilt\n"
