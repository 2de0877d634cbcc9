"""infer, convert and evaluate: trained networks from our .npz files and the book's .pkl
files, whose network is recognised from the parameters when --model is not given."""

import pickle

import numpy as np
import pytest

from dlscratch.cli import main


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
    assert out.startswith(f"model: ThreeLayerNet: 784-50-100-10 (float32) from {weights}\n")
    assert "Accuracy: 0.9352 (9352/10000 correct)" in out
    assert "images/s" in out


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("file", "header", "correct"),
    [
        # The two editions' SimpleConvNet weights differ; the DeepConvNet ones nearly not.
        ("simple_convnet_params.pkl", "SimpleConvNet: conv 30 (5x5), 4320-100-10", 961),
        ("first-edition-2016/simple_convnet_params.pkl", "SimpleConvNet: conv 30 (5x5)", 990),
        (
            "deep_convnet_params.pkl",
            "DeepConvNet: conv 16-16-32-32-64-64 (3x3), 1024-50-10, dropout 0.5",
            976,
        ),
        ("first-edition-2016/deep_convnet_params.pkl", "DeepConvNet: conv 16-16", 993),
    ],
)
def test_infer_recognises_the_book_convnets_without_model(
    mnist_dir, book_weights, capsys, file, header, correct
):
    weights = str(book_weights / file)
    argv = ["infer", "--weights", weights, "--limit", "1000", "--data-dir", str(mnist_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"model: {header}")
    assert len(out.splitlines()[0]) - len(weights) < 100  # not the 700-character config dict
    assert f"Accuracy: {correct / 1000:.4f} ({correct}/1000 correct)" in out
    # --model names the same network: the same result.
    model = "simple-conv" if "simple" in file else "deep-conv"
    assert main([*argv, "--model", model]) == 0
    assert f"({correct}/1000 correct)" in capsys.readouterr().out


def test_a_wrong_model_flag_is_told_the_right_one(book_weights, capsys):
    weights = str(book_weights / "simple_convnet_params.pkl")
    assert main(["convert", weights, "x.npz", "--model", "three-layer"]) == 2
    err = capsys.readouterr().err
    assert "ThreeLayerNet" in err and "try --model simple-conv" in err


def test_an_unknown_pkl_names_the_model_flag(tmp_path, capsys):
    pkl = tmp_path / "two.pkl"
    params = {"W1": np.zeros((784, 50)), "b1": np.zeros(50), "W2": np.zeros((50, 10)),
              "b2": np.zeros(10)}  # fmt: skip
    pkl.write_bytes(pickle.dumps(params))
    assert main(["convert", str(pkl), str(tmp_path / "two.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {pkl}: cannot tell which network the parameters W1 (784, 50)")
    assert "say which network they are for with --model (deep-conv, multi-layer, " in err
    assert not (tmp_path / "two.npz").exists()


def test_convert_recognises_the_network(book_weights, tmp_path, capsys):
    from dlscratch.io import load_model

    out = tmp_path / "deep.npz"
    pkl = book_weights / "deep_convnet_params.pkl"
    assert main(["convert", str(pkl), str(out)]) == 0
    assert capsys.readouterr().out == f"saved DeepConvNet (float32) to {out}\n"
    net = load_model(out)
    assert net.architecture == "DeepConvNet" and net.params["W7"].shape == (1024, 50)


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
    assert out.startswith("model: ThreeLayerNet: 784-50-100-10 (float32)\n")
    assert "test accuracy: 0.9352 (9352/10000)" in out
    rows = [line for line in out.splitlines() if line.startswith("   ") and len(line.split()) == 11]
    confusion = np.array([[int(v) for v in r.split()[1:]] for r in rows])
    assert confusion.shape == (10, 10) and np.trace(confusion) == 9352
    # Rows sum to the test set's class counts.
    assert confusion.sum(axis=1).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("command", ["evaluate", "gradcheck", "infer", "convert"])
def test_every_option_has_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    options = text[text.index("options:") :].splitlines()[1:]
    # Each option's line, or the line after it, carries a description.
    for i, line in enumerate(options):
        if line.startswith("  -") and len(line.split()) <= 2:
            follow = options[i + 1] if i + 1 < len(options) else ""
            assert follow.startswith(" " * 10) and follow.strip(), f"no help for {line.strip()}"
