"""dlscratch train: settings, the header line, the numerical-gradient estimate, errors."""

import re

import pytest

from dlscratch.cli import main
from dlscratch.cli.train import iterations_phrase
from dlscratch.io import load_model


@pytest.mark.parametrize(
    ("iterations", "per_epoch", "phrase"),
    [
        (20, 6000, "20 iterations (0.33% of an epoch of 6000)"),
        (300, 600, "300 iterations (50.0% of an epoch of 600)"),
        (600, 600, "600 iterations (1 epoch of 600)"),
        (9000, 600, "9000 iterations (15 epochs of 600)"),
        (10000, 600, "10000 iterations (16.67 epochs of 600)"),
        (2, 20000, "2 iterations (0.01% of an epoch of 20000)"),
    ],
)
def test_iterations_phrase(iterations, per_epoch, phrase):
    assert iterations_phrase(iterations, per_epoch) == phrase


@pytest.mark.mnist
def test_train_saves_a_model_that_evaluate_reloads(mnist_dir, tmp_path, capsys):
    out_file = tmp_path / "m.npz"
    args = ["train", "--data-dir", str(mnist_dir), "--iters", "300", "--eval-samples", "2000"]
    assert main([*args, "-q", "--out", str(out_file), "--plot", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "model: TwoLayerNet: 784-100-10, relu, init he (79,510 parameters, float32); "
        "sgd lr=0.1, batch 100, 300 iterations (50.0% of an epoch of 600), backprop gradients\n"
    )
    acc = float(out.split("final test accuracy: ")[1].split()[0])
    # 300 SGD steps (half an epoch) of the default 784-100-10 ReLU net: well past 85%.
    assert acc > 0.85
    net = load_model(out_file)
    assert net.get_config()["hidden_size"] == 100
    assert (tmp_path / "c.png").is_file()


@pytest.mark.mnist
def test_multi_layer_header_is_a_short_summary(mnist_dir, capsys):
    argv = ["train", "--model", "multi-layer", "--batchnorm", "--dropout", "0.1",
            "--weight-decay", "1e-4", "--iters", "2", "--train-size", "200",
            "--eval-samples", "100", "-q", "--data-dir", str(mnist_dir)]  # fmt: skip
    assert main(argv) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == (
        "model: MultiLayerNet: 784-100-100-100-10, relu, init he, batchnorm, dropout 0.1, "
        "weight decay 0.0001 (100,310 parameters, float32); adam lr=0.001, batch 100, "
        "2 iterations (1 epoch of 2), backprop gradients"
    )


@pytest.mark.mnist
def test_numerical_training_says_iterations_not_epochs(mnist_dir, capsys):
    args = ["train", "--grad", "numerical", "--hidden", "3", "--batch-size", "10", "--iters", "2"]
    assert main([*args, "--data-dir", str(mnist_dir), "-q", "--eval-samples", "100"]) == 0
    out = capsys.readouterr().out
    assert "batch 10, 2 iterations (0.033% of an epoch of 6000), numerical gradients" in out
    assert "epochs" not in out.splitlines()[0]
    assert "numerical gradients are slow by nature" in out and "s per iteration" in out


@pytest.mark.slow
@pytest.mark.mnist
def test_numerical_estimate_is_within_a_factor_2_of_the_run(mnist_dir, capsys):
    # A small network (784-5-10: 3,985 parameters) on batches of 10: about 0.2 s an update.
    # The old estimate timed one cold forward pass and said 5-8 times the real duration.
    iters = 6
    args = ["train", "--grad", "numerical", "--hidden", "5", "--batch-size", "10"]
    args += ["--iters", str(iters), "--train-size", "1000", "--eval-samples", "100", "-q"]
    assert main([*args, "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    estimate = float(re.search(r"about ([\d.e-]+) s per iteration", out).group(1))
    measured = float(re.search(r"final test accuracy: [\d.]+ +\(([\d.]+) s\)", out).group(1))
    ratio = estimate / (measured / iters)
    assert 0.5 < ratio < 2, f"estimate {estimate} s, measured {measured / iters:.3f} s"


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--book", "--model", "multi-layer"], "--book is the book's two-layer recipe"),
        (["--epochs", "2", "--iters", "5"], "give --epochs or --iters, not both"),
        (["--resume"], "--resume needs --checkpoint DIR"),
    ],
)
def test_settings_that_do_not_fit_are_refused_before_any_data(argv, message, tmp_path, capsys):
    # --data-dir is an empty folder: these errors come before MNIST is read.
    assert main(["train", *argv, "-q", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batchnorm"], "--batchnorm, --dropout and --weight-decay need --model multi-layer"),
        (["--hidden", "10,10"], "--hidden: two-layer takes one hidden size, got [10, 10]"),
        (["--model", "simple-conv", "--hidden", "10,10"], "--hidden: simple-conv takes one"),
    ],
)
def test_networks_that_cannot_be_built_are_one_error_line(argv, message, mnist_dir, capsys):
    assert main(["train", *argv, "-q", "--data-dir", str(mnist_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


def test_resume_without_a_checkpoint_file(tmp_path, capsys):
    argv = ["train", "--checkpoint", str(tmp_path), "--resume", "-q", "--data-dir", str(tmp_path)]
    assert main(argv) == 2
    assert f"--resume: no checkpoint at {tmp_path / 'checkpoint.npz'}" in capsys.readouterr().err
