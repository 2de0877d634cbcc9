import numpy as np
import pytest

from dlscratch.cli import digit_to_text, main
from dlscratch.io import load_model


def test_gates_prints_truth_tables(capsys):
    assert main(["gates"]) == 0
    out = capsys.readouterr().out
    xor = out[out.index("XOR") :]
    assert "0  0 | 0" in xor and "1  0 | 1" in xor and "0  1 | 1" in xor and "1  1 | 0" in xor
    nand = out[out.index("NAND") : out.index("OR ")]
    assert "1  1 | 0" in nand and "0  0 | 1" in nand


@pytest.mark.parametrize("name", ["activations", "tangent", "gradient-field", "descent"])
def test_plots_are_written_as_png(tmp_path, name, capsys):
    out = tmp_path / f"{name}.png"
    assert main(["plot", name, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_plot_suffix_is_a_clear_error(tmp_path, capsys):
    assert main(["plot", "activations", "-o", str(tmp_path / "a.xyz")]) == 2
    assert "cannot save a figure as '.xyz'" in capsys.readouterr().err


def test_digit_to_text_marks_ink():
    img = np.zeros((28, 28))
    img[10, 5] = 1.0
    lines = digit_to_text(img).splitlines()
    assert len(lines) == 28 and all(len(line) == 56 for line in lines)
    assert lines[10][10:12] == "@@" and lines[0].strip() == ""


def test_missing_weights_file_is_one_error_line(tmp_path, capsys):
    assert (
        main(["infer", "--weights", str(tmp_path / "nope.pkl"), "--data-dir", str(tmp_path)]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope.pkl" in err and "Traceback" not in err


def test_missing_mnist_in_data_dir_names_the_files(tmp_path, capsys, book_weights):
    weights = str(book_weights / "sample_weight.pkl")
    assert main(["infer", "--weights", weights, "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "t10k-images-idx3-ubyte" in err


@pytest.mark.mnist
def test_infer_prints_book_accuracy(mnist_dir, book_weights, capsys):
    weights = str(book_weights / "sample_weight.pkl")
    assert main(["infer", "--weights", weights, "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert "Accuracy: 0.9352 (9352/10000 correct)" in out
    assert "images/s" in out


@pytest.mark.mnist
def test_convert_then_infer_and_evaluate(tmp_path, mnist_dir, book_weights, capsys):
    npz = tmp_path / "sw.npz"
    assert main(["convert", str(book_weights / "sample_weight.pkl"), str(npz)]) == 0
    assert (
        main(["infer", "--weights", str(npz), "--data-dir", str(mnist_dir), "--batch-size", "1000"])
        == 0
    )
    assert "Accuracy: 0.9352" in capsys.readouterr().out
    assert main(["evaluate", str(npz), "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: 0.9352 (9352/10000)" in out
    rows = [line for line in out.splitlines() if line.startswith("   ") and len(line.split()) == 11]
    confusion = np.array([[int(v) for v in r.split()[1:]] for r in rows])
    assert confusion.shape == (10, 10) and np.trace(confusion) == 9352
    # Rows sum to the test set's class counts.
    assert confusion.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


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


@pytest.mark.mnist
def test_train_saves_a_model_that_evaluate_reloads(mnist_dir, tmp_path, capsys):
    out_file = tmp_path / "m.npz"
    args = ["train", "--data-dir", str(mnist_dir), "--iters", "300", "--eval-samples", "2000"]
    assert main([*args, "-q", "--out", str(out_file), "--plot", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("final test accuracy: ")[1].split()[0])
    # 300 SGD steps (half an epoch) of the default 784-100-10 ReLU net: well past 85%.
    assert acc > 0.85
    net = load_model(out_file)
    assert net.get_config()["hidden_size"] == 100
    assert (tmp_path / "c.png").is_file()


@pytest.mark.mnist
def test_numerical_training_warns_and_runs(mnist_dir, capsys):
    args = ["train", "--grad", "numerical", "--hidden", "3", "--batch-size", "5", "--iters", "2"]
    assert main([*args, "--train-size", "100", "--data-dir", str(mnist_dir), "-q"]) == 0
    out = capsys.readouterr().out
    assert "numerical gradients are slow" in out and "s per iteration" in out


@pytest.mark.mnist
def test_gradcheck_prints_tiny_differences(mnist_dir, capsys):
    assert main(["gradcheck", "--data-dir", str(mnist_dir), "--hidden", "5", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    rows = [
        line.split()
        for line in out.splitlines()
        if line.split()[:1] in (["W1"], ["b1"], ["W2"], ["b2"])
    ]
    assert len(rows) == 4
    for row in rows:
        assert float(row[-3]) < 1e-6  # mean |diff|


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--train-size", "50", "--batch-size", "100", "-q"], "--batch-size: "),
        (["train", "--model", "multi-layer", "--dropout", "1.5", "-q"], "--dropout: expected"),
        (["train", "--init", "foo", "-q"], "--init: expected"),
        (["train", "--lr-decay", "2", "-q"], "--lr-decay: expected"),
    ],
)
@pytest.mark.mnist
def test_errors_name_the_flag_not_the_internal_argument(argv, message, capsys, mnist_dir):
    assert main([*argv, "--data-dir", str(mnist_dir)]) == 2
    err = capsys.readouterr().err
    assert message in err
    for internal in ("mini_batch_size", "dropout_ratio", "weight_init_std", "lr_decay:"):
        assert internal not in err
