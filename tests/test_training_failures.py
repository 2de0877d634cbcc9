"""Training that goes wrong (issue 12): divergence, overflow, Ctrl-C, checkpoints that a
new run would overwrite, resumed runs with other options, temp files left by kill -9."""

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from dlscratch.checkpoints import save_checkpoint
from dlscratch.cli import main
from dlscratch.errors import TrainingDivergedError
from dlscratch.files import STALE_TEMP_SECONDS, atomic_write, remove_stale_temp_files
from dlscratch.io import load_model, read_model_file
from dlscratch.networks import MultiLayerNet, TwoLayerNet
from dlscratch.trainer import DIVERGENCE_WINDOW, Trainer, TrainingInterrupted


def _blobs(n=300, d=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (k, d))
    t = rng.integers(0, k, n)
    x = (centers[t] + rng.normal(0, 1, (n, d))).astype(np.float32)
    return x, t.astype(np.uint8)


def _trainer(lr=0.1, optimizer="sgd", dtype=np.float64, **kw):
    x, t = _blobs()
    net = TwoLayerNet(8, 16, 3, weight_init_std="he", seed=0, dtype=dtype)
    args = {"epochs": 5, "mini_batch_size": 30, "optimizer": optimizer, "seed": 0}
    args.update(kw)
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], optimizer_param={"lr": lr},
                   verbose=False, **args)  # fmt: skip


def _params(trainer):
    return {k: v.copy() for k, v in trainer.network.params.items()}


# ----------------------------------------------------------------------- divergence


def test_a_loss_that_runs_away_stops_naming_the_iteration_and_the_rate():
    tr = _trainer(lr=30.0, divergence_factor=3.0)
    with pytest.raises(TrainingDivergedError) as e:
        tr.train()
    message = str(e.value)
    n = tr.iteration
    assert n >= DIVERGENCE_WINDOW - 1  # the rule needs a window of losses
    assert f"training diverged at iteration {n + 1}: the loss ran away" in message
    assert "learning rate (30.0) is probably too high" in message and "--lr" in message
    h = tr.history.loss
    median = np.median([*h[-(DIVERGENCE_WINDOW - 1) :], np.nan])  # (this step's loss: not kept)
    assert np.isnan(median) and all(np.isfinite(h))  # finite: this is not the NaN rule
    assert f"from {h[0]:.4g} at the first iteration" in message
    # Stopped before the update: the weights are those after n steps.
    again = _trainer(lr=30.0, divergence_factor=None)
    for _ in range(n):
        again.train_step()
    for k, v in again.network.params.items():
        np.testing.assert_array_equal(tr.network.params[k], v)
    # Without the rule the same run goes on (to NaN or to the end, at chance).
    with pytest.raises(ValueError, match="divergence_factor: expected a factor above 1"):
        _trainer(divergence_factor=1.0)


@pytest.mark.parametrize(
    ("optimizer", "lr"),
    [("sgd", 0.1), ("sgd", 1.0), ("momentum", 0.1), ("adagrad", 0.1), ("rmsprop", 0.01),
     ("adam", 0.01), ("nesterov", 0.1)],
)  # fmt: skip
def test_the_runaway_rule_lets_learning_runs_finish(optimizer, lr):
    x, t = _blobs(n=600, d=20, k=5)
    net = MultiLayerNet(20, [50, 50], 5, weight_init_std="he", seed=1, use_batchnorm=True)
    settings = {"optimizer": optimizer, "optimizer_param": {"lr": lr}, "seed": 1}
    tr = Trainer(net, x[:500], t[:500], x[500:], t[500:], epochs=10, mini_batch_size=25,
                 verbose=False, **settings)  # fmt: skip
    tr.train()
    assert tr.history.test_acc[-1] > 0.8


@pytest.mark.mnist
@pytest.mark.parametrize(
    "argv",
    [
        ["--model", "two-layer"],
        ["--model", "multi-layer"],
        ["--model", "multi-layer", "--optimizer", "adagrad", "--lr", "0.1"],  # spikes 90x
        ["--model", "multi-layer", "--optimizer", "rmsprop", "--lr", "0.01"],  # spikes 90x
        ["--model", "multi-layer", "--batchnorm", "--dropout", "0.2", "--weight-decay", "0.1"],
        ["--model", "simple-conv", "--iters", "60", "--train-size", "6000"],
    ],
)
def test_default_mnist_runs_stay_far_from_the_runaway_threshold(argv, mnist_dir, capsys):
    # Measured on full first epochs: the median of 10 stays below 1.7 times the first
    # loss (the rule fires at 3 times plus 1); here on shorter runs, with the margin.
    from dlscratch.cli import build_parser
    from dlscratch.cli import train as cli_train

    full = ["train", *argv, "-q", "--data-dir", str(mnist_dir), "--eval-samples", "200"]
    if "--iters" not in argv:
        full += ["--iters", "300"]
    args = build_parser().parse_args(full)
    s = cli_train.train_settings(args)
    data = cli_train.load_training_data(args, s)
    trainer = cli_train.make_trainer(args, s, cli_train.build_network(args, s), data)
    trainer.train()
    loss = np.array(trainer.history.loss)
    medians = [np.median(loss[i - 10 : i]) for i in range(10, len(loss) + 1)]
    assert max(medians) < 1.7 * loss[0]


@pytest.mark.mnist
def test_cli_lr_100_stops_with_an_error_and_saves_nothing(mnist_dir, tmp_path, capsys):
    out_file = tmp_path / "m.npz"
    argv = ["train", "--lr", "100", "--iters", "200", "--train-size", "1000", "-q",
            "--eval-samples", "100", "--data-dir", str(mnist_dir),
            "--out", str(out_file)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: training diverged at iteration 10: the loss ran away, from ")
    assert "The learning rate (100.0) is probably too high; try a smaller --lr." in err
    assert not out_file.exists()


def _huge_gradients(net, value=2e19):
    """Finite float32 gradients whose squares overflow (Adam: inf, then inf - inf)."""
    real = net.gradient
    net.gradient = lambda x, t: {k: np.full_like(v, value) for k, v in real(x, t).items()}


@pytest.mark.parametrize(
    ("iters", "where"),
    [(2, "at iteration 2: an update made"), (10, "at iteration 3: the loss is nan, because an")],
)
def test_adam_overflow_is_not_reported_as_parameters_left_intact(iters, where):
    tr = _trainer(lr=0.001, optimizer="adam", dtype=np.float32, iters=iters)
    _huge_gradients(tr.network)
    with pytest.raises(TrainingDivergedError) as e:
        tr.train()  # iters=2: the last update breaks them, caught before train() returns
    message = str(e.value)
    assert "left as they were" not in message
    # The 1st update makes v infinite (and leaves the weights); the 2nd makes them NaN.
    assert f"training diverged {where}" in message
    assert "an update made W1, b1, W2, b2 NaN or infinite" in message
    assert "overflow in the adam update" in message and "no longer usable" in message
    assert "learning rate (0.001)" in message
    assert not all(np.isfinite(v).all() for v in tr.network.params.values())  # true: say so


def test_nan_weights_are_never_evaluated_or_checkpointed(tmp_path):
    tr = _trainer(lr=0.001, optimizer="adam", dtype=np.float32, iters=6, checkpoint_dir=tmp_path)
    _huge_gradients(tr.network)
    with pytest.raises(TrainingDivergedError, match="no longer usable"):
        tr.train()  # 6 iterations: one epoch, whose end would evaluate and save
    assert tr.history.test_acc == [] and not (tmp_path / "checkpoint.npz").exists()


# ----------------------------------------------------------------------- Ctrl-C


def _main_thread():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT reaches Python code in the main thread only")


class _CtrlC:
    """A train_step that presses Ctrl-C (a real SIGINT to this process) at step ``at``,
    ``times`` times."""

    def __init__(self, at, times=1):
        self.at, self.times = at, times

    def install(self, monkeypatch):
        real = Trainer.train_step
        spec = self

        def step(trainer, *args):
            if trainer.iteration + 1 == spec.at:
                for _ in range(spec.times):
                    signal.raise_signal(signal.SIGINT)
            return real(trainer, *args)

        monkeypatch.setattr(Trainer, "train_step", step)


def test_ctrl_c_stops_at_the_end_of_the_step_and_the_run_resumes_exactly(
    tmp_path, monkeypatch, capfd
):
    _main_thread()
    straight = _trainer(iters=20)
    straight.train()

    _CtrlC(at=8).install(monkeypatch)
    tr = _trainer(iters=20, checkpoint_dir=tmp_path)
    start = time.perf_counter()
    with pytest.raises(TrainingInterrupted) as e:
        tr.train()
    assert time.perf_counter() - start < 5
    assert e.value.iteration == tr.iteration == 8 and tr.consistent  # step 8 was finished
    assert "stopping at the end of this step" in capfd.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    save_checkpoint(tr, tmp_path / "checkpoint.npz")
    monkeypatch.undo()

    resumed = _trainer(iters=20)
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    resumed.train()
    assert resumed.history.loss == straight.history.loss
    for k, v in straight.network.params.items():
        np.testing.assert_array_equal(resumed.network.params[k], v)


def test_a_second_ctrl_c_stops_at_once_and_marks_the_trainer_inconsistent(monkeypatch):
    _main_thread()
    _CtrlC(at=3, times=2).install(monkeypatch)
    tr = _trainer(iters=20)
    with pytest.raises(KeyboardInterrupt) as e:
        tr.train()
    assert not isinstance(e.value, TrainingInterrupted)
    assert not tr.consistent and tr.iteration == 2


def _cli_args(mnist_dir, *extra):
    return ["train", "--iters", "60", "--train-size", "1000", "--batch-size", "10", "-q",
            "--eval-samples", "100", "--data-dir", str(mnist_dir), *extra]  # fmt: skip


@pytest.mark.mnist
def test_cli_ctrl_c_saves_a_checkpoint_and_prints_the_command_that_resumes(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    _main_thread()
    straight = tmp_path / "straight.npz"
    assert main(_cli_args(mnist_dir, "--out", str(straight))) == 0

    ckpt = tmp_path / "ck"
    argv = _cli_args(mnist_dir, "--checkpoint", str(ckpt), "--out", str(tmp_path / "m.npz"))
    _CtrlC(at=35).install(monkeypatch)
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"interrupted at iteration 35 of 60: saved {ckpt / 'checkpoint.npz'}" in err
    command = err.split("Continue with:\n")[1].strip()
    assert command == "dlscratch " + shlex.join([*argv, "--resume"])
    assert read_model_file(ckpt / "checkpoint.npz").meta["trainer"]["iteration"] == 35
    assert not (tmp_path / "m.npz").exists()  # a stopped run is not the finished model
    monkeypatch.undo()

    assert main(shlex.split(command)[1:]) == 0
    assert "resuming from" in capsys.readouterr().out
    done, ref = load_model(tmp_path / "m.npz"), load_model(straight)
    for k, v in ref.params.items():
        np.testing.assert_array_equal(done.params[k], v)


@pytest.mark.mnist
def test_cli_ctrl_c_without_checkpoint_says_how_to_make_runs_resumable(
    mnist_dir, monkeypatch, capsys
):
    _main_thread()
    _CtrlC(at=5).install(monkeypatch)
    assert main(_cli_args(mnist_dir)) == 130
    err = capsys.readouterr().err
    assert "interrupted at iteration 5 of 60: nothing was saved" in err
    assert "give it --checkpoint DIR" in err and "--resume continues" in err


@pytest.mark.mnist
def test_cli_second_ctrl_c_keeps_the_last_checkpoint_and_says_so(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    _main_thread()
    ckpt = tmp_path / "ck"
    _CtrlC(at=55, times=2).install(monkeypatch)  # after the first epoch's checkpoint (50)
    argv = _cli_args(mnist_dir, "--checkpoint", str(ckpt), "--batch-size", "20")
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert (
        "interrupted in the middle of iteration 55: nothing was saved. The last checkpoint, "
        f"{ckpt / 'checkpoint.npz'} (checkpoint.npz, at iteration 50 of 60), is intact; "
        f"continue from it with: dlscratch {shlex.join([*argv, '--resume'])}"
    ) in err
    assert read_model_file(ckpt / "checkpoint.npz").meta["trainer"]["iteration"] == 50


@pytest.mark.mnist
def test_real_sigint_to_a_cli_run_saves_and_exits_130(mnist_dir, tmp_path):
    ckpt = tmp_path / "ck"
    argv = [sys.executable, "-m", "dlscratch", "train", "--epochs", "500", "--train-size",
            "1000", "--batch-size", "10", "--eval-samples", "100", "-q", "--data-dir",
            str(mnist_dir), "--checkpoint", str(ckpt)]  # fmt: skip
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("model: ")  # training starts now
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    line = next(x for x in err.splitlines() if x.startswith("interrupted at iteration"))
    n = int(line.split()[3])
    assert line == f"interrupted at iteration {n} of 50000: saved {ckpt / 'checkpoint.npz'}. " + (
        "Continue with:"
    )
    assert read_model_file(ckpt / "checkpoint.npz").meta["trainer"]["iteration"] == n > 0
    assert "--resume" in err.splitlines()[-1]


# ----------------------------------------------------------------------- checkpoints


@pytest.mark.mnist
def test_a_new_run_refuses_to_overwrite_a_checkpoint(mnist_dir, tmp_path, capsys):
    ckpt = tmp_path / "ck"
    assert main(_cli_args(mnist_dir, "--checkpoint", str(ckpt))) == 0
    before = (ckpt / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    assert main(_cli_args(mnist_dir, "--checkpoint", str(ckpt), "--iters", "40")) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --checkpoint: {ckpt} already holds a checkpoint (checkpoint.npz, at "
        "iteration 60 of 60); pass --resume to continue it, or give a new folder to start "
        "a new run (a new run would overwrite it)\n"
    )
    assert (ckpt / "checkpoint.npz").read_bytes() == before


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("first", "then", "difference"),
    [
        ([], ["--hidden", "50"], "--hidden: 50 asked, 100 in the checkpoint"),
        (["--hidden", "30"], ["--activation", "sigmoid"], "--activation: sigmoid asked, relu in"),
        (["--model", "multi-layer"], ["--model", "multi-layer", "--batchnorm", "--dropout", "0.2"],
         "--batchnorm: True asked, False in the checkpoint; --dropout: True, 0.2 asked, False, "
         "0.5 in the checkpoint"),
    ],
)  # fmt: skip
def test_resume_refuses_other_architecture_options(
    first, then, difference, mnist_dir, tmp_path, capsys
):
    ckpt = tmp_path / "ck"
    assert main(_cli_args(mnist_dir, "--checkpoint", str(ckpt), "--iters", "20", *first)) == 0
    capsys.readouterr()
    assert main(_cli_args(mnist_dir, "--checkpoint", str(ckpt), "--resume", *then)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --resume: {ckpt / 'checkpoint.npz'} holds another network")
    assert difference in err
    assert "drop those options to continue it, or start a new run" in err
    # The same options, given again, are fine.
    assert main(_cli_args(mnist_dir, "--checkpoint", str(ckpt), "--resume", *first)) == 0


@pytest.mark.mnist
def test_a_checkpoint_that_cannot_be_written_is_kept_elsewhere(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    import dlscratch.checkpoints

    real = dlscratch.checkpoints.save_checkpoint
    target = tmp_path / "ck" / "checkpoint.npz"

    def full_disk(trainer, path):
        if Path(path) == target:
            raise OSError(28, "No space left on device")
        return real(trainer, path)

    monkeypatch.setattr(dlscratch.checkpoints, "save_checkpoint", full_disk)
    assert main(_cli_args(mnist_dir, "--checkpoint", str(tmp_path / "ck"))) == 2
    err = capsys.readouterr().err
    assert "error: could not save the checkpoint in" in err and "No space left" in err
    rescued = Path(err.split("the checkpoint was saved to ")[1].split(" instead")[0])
    try:
        assert read_model_file(rescued).meta["trainer"]["iteration"] == 60
        assert f"move it to {target} and run: dlscratch train" in err
    finally:
        rescued.unlink()


# ----------------------------------------------------------------------- kill -9


_KILLED_WRITER = """
import os, signal, sys
from dlscratch.files import atomic_write
def write(fh):
    fh.write(b"half a model")
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
atomic_write(sys.argv[1], write)
"""


def test_temp_files_of_killed_writers_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    for _ in range(3):  # three writers killed mid-write (kill -9)
        proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], check=False)
        assert proc.returncode == -signal.SIGKILL
        # Each writer removed the temp of the one killed before it: one orphan at most.
        assert len(list(tmp_path.glob(".model.npz.*.tmp"))) == 1
    assert target.read_bytes() == b"old"
    # Left alone: an old-style temp name touched just now (a write may be under way),
    # and another file's temp.
    fresh = tmp_path / ".model.npz.abc123.tmp"
    fresh.write_bytes(b"?")
    other = tmp_path / ".other.npz.1-00000000.x.tmp"
    other.write_bytes(b"?")
    # Removed: an old-style temp name untouched for longer than STALE_TEMP_SECONDS.
    old = tmp_path / ".model.npz.zzz999.tmp"
    old.write_bytes(b"?")
    past = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(old, (past, past))

    atomic_write(target, lambda fh: fh.write(b"new"))
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".model.npz.abc123.tmp", ".other.npz.1-00000000.x.tmp", "model.npz"]
    )


def test_a_live_writers_temp_file_is_kept(tmp_path):
    target = tmp_path / "m.npz"
    # This process's own name scheme, with the pid of a process that runs (this one's
    # parent), as a concurrent writer's would be.
    from dlscratch.files import temp_prefix

    live = tmp_path / (
        temp_prefix(target).replace(f".{os.getpid()}-", f".{os.getppid()}-") + "x.tmp"
    )
    live.write_bytes(b"?")
    assert remove_stale_temp_files(target) == []
    assert live.exists()
