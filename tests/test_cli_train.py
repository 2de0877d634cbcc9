"""dlscratch train: settings, the header line, the numerical-gradient estimate, errors."""

import os
import re
import tempfile
from pathlib import Path

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


# ------------------------------------------------- where results go (issue 12), checked first


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--out", "", "--out: an empty path; give a file name"),
        ("--out", "/dev/null", "--out: /dev/null is a character device, not a file to save in"),
        ("--plot", "/dev/null", "--plot: /dev/null is a character device, not a file to save in"),
        ("--out", "{tmp}", "--out: {tmp} is a folder, not a file to save in; give a file name, "
         "e.g. {tmp}/model.npz"),
        ("--out", "{tmp}/f/m.npz", "--out: {tmp}/f is a file, not a folder"),
        ("--out", ".", "--out: . is a folder, not a file to save in; give a file name, "
         "e.g. model.npz"),
        ("--checkpoint", "{tmp}/f", "--checkpoint: {tmp}/f is a file, not a folder"),
        ("--checkpoint", "", "--checkpoint: an empty path; give a folder"),
    ],
)  # fmt: skip
def test_outputs_that_cannot_be_written_are_refused_before_any_data(
    flag, value, message, tmp_path, capsys
):
    # --data-dir is an empty folder: the error comes before MNIST is read (and so before
    # any training); nothing is written, /dev/null.npz included.
    (tmp_path / "f").write_text("a file")
    value, message = value.format(tmp=tmp_path), message.format(tmp=tmp_path)
    assert main(["train", flag, value, "-q", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not Path("/dev/null.npz").exists() or Path("/dev/null.npz").stat().st_mtime < 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def _unwritable_folder(tmp_path):
    """A folder this process cannot create files in (a read-only folder; as root, whom
    permissions do not stop, the read-only /sys)."""
    import tempfile

    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    try:
        fd, name = tempfile.mkstemp(dir="/sys")
    except OSError:
        return Path("/sys")
    os.close(fd)
    os.unlink(name)
    pytest.skip("no read-only folder to test with")


def test_a_read_only_folder_is_refused_before_training(tmp_path, capsys):
    folder = _unwritable_folder(tmp_path)
    for flag, value in (("--out", folder / "m.npz"), ("--checkpoint", folder)):
        assert main(["train", flag, str(value), "-q", "--data-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {flag}: cannot write in {folder}: ")


def test_missing_folders_are_created_and_said(tmp_path, capsys):
    # The rule of every command that saves: a missing folder is created, and stderr says
    # so (here the run then stops at the empty --data-dir).
    out_file = tmp_path / "new" / "sub" / "m.npz"
    assert main(["train", "--out", str(out_file), "-q", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"created folder {out_file.parent} (for --out)\n")
    assert out_file.parent.is_dir() and list(out_file.parent.iterdir()) == []


def test_convert_into_a_missing_folder_says_so(tmp_path, capsys):
    from dlscratch.io import save_model
    from dlscratch.networks import TwoLayerNet

    src = save_model(TwoLayerNet(784, 5, 10, seed=0), tmp_path / "src.npz")
    target = tmp_path / "made" / "out.npz"
    assert main(["convert", str(src), str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"created folder {target.parent} (for OUT.npz)\n"
    assert f"to {target}" in captured.out and load_model(target).get_config()["hidden_size"] == 5
    assert main(["convert", str(src), "/dev/null"]) == 2
    assert "OUT.npz: /dev/null is a character device" in capsys.readouterr().err


def test_a_fifo_as_weights_is_refused_without_blocking(tmp_path):
    import subprocess
    import sys

    fifo = tmp_path / "weights.pkl"
    os.mkfifo(fifo)
    commands = [
        ["infer", "--weights", str(fifo)],
        ["convert", str(fifo), str(tmp_path / "o")],
        ["evaluate", str(fifo)],
        ["predict", str(tmp_path), "--weights", str(fifo)],
    ]
    for argv in commands:
        proc = subprocess.run([sys.executable, "-m", "dlscratch", *argv], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert f"{fifo} is a named pipe (FIFO), not a regular file" in proc.stderr


def test_broken_pipe_is_quiet(tmp_path):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "dlscratch", "gates"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 141) and err == b""


@pytest.mark.mnist
def test_a_final_save_that_fails_keeps_the_model_elsewhere(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    import dlscratch.io

    real = dlscratch.io.save_model
    out_file = tmp_path / "m.npz"

    def full_disk(net, path, extra=None):
        if Path(path) == out_file:
            raise OSError(28, "No space left on device")
        return real(net, path, extra)

    monkeypatch.setattr(dlscratch.io, "save_model", full_disk)
    argv = ["train", "--iters", "20", "--train-size", "500", "--eval-samples", "100", "-q",
            "--data-dir", str(mnist_dir), "--out", str(out_file)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: could not save the model to {out_file}: [Errno 28] No space")
    rescued = Path(err.split("the model was saved to ")[1].split(" instead")[0])
    try:
        assert rescued.parent == Path(tempfile.gettempdir())
        assert load_model(rescued).get_config()["hidden_size"] == 100
        assert "move it where you want it" in err
    finally:
        rescued.unlink()


@pytest.mark.mnist
def test_a_full_disk_is_refused_before_training(mnist_dir, tmp_path, monkeypatch, capsys):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 500_000, 500_000))
    argv = ["train", "--iters", "5", "--train-size", "500", "-q", "--data-dir", str(mnist_dir)]
    assert main([*argv, "--checkpoint", str(tmp_path / "ck")]) == 2
    err = capsys.readouterr().err
    # 784-100-10 in float32 (318,040 bytes), SGD (no state), 500 * 8 bytes of batch order.
    assert err.endswith(
        f"error: {tmp_path / 'ck'}: the run will save about 1.4 MB there, and only 0.5 MB are "
        "free; free some space or save elsewhere (--out, --checkpoint)\n"
    )
    assert list((tmp_path / "ck").iterdir()) == []
