import numpy as np
import pytest

from dlscratch.errors import ShapeError, TrainingDivergedError
from dlscratch.networks import TwoLayerNet
from dlscratch.trainer import Trainer, random_batch


def _blobs(n=300, d=8, k=3, seed=0):
    """Three well-separated Gaussian clusters: easy to learn, quick to train."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (k, d))
    t = rng.integers(0, k, n)
    x = (centers[t] + rng.normal(0, 1, (n, d))).astype(np.float32)
    return x, t.astype(np.uint8)


def test_random_batch_draws_distinct_rows_reproducibly():
    x = np.arange(20).reshape(10, 2)
    t = np.arange(10)
    xb, tb = random_batch(x, t, 4, seed=3)
    assert xb.shape == (4, 2) and len(set(tb.tolist())) == 4
    np.testing.assert_array_equal(xb[:, 0] // 2, tb)  # rows stay paired with labels
    xb2, _ = random_batch(x, t, 4, seed=3)
    np.testing.assert_array_equal(xb, xb2)
    with pytest.raises(ValueError, match="batch_size"):
        random_batch(x, t, 11)
    with pytest.raises(ShapeError):
        random_batch(x, t[:5], 2)


def _trainer(seed=0, **kw):
    x, t = _blobs()
    net = TwoLayerNet(8, 16, 3, weight_init_std="he", seed=seed, activation="relu")
    args = dict(
        epochs=5, mini_batch_size=30, optimizer="sgd", optimizer_param={"lr": 0.1}, seed=seed
    )
    args.update(kw)
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], **args)


def test_training_learns_and_keeps_history():
    tr = _trainer()
    h = tr.train()
    assert len(h.loss) == tr.max_iter == 5 * (200 // 30)
    assert h.epoch_iters == [6, 12, 18, 24, 30]
    assert len(h.train_acc) == len(h.test_acc) == 5
    assert np.mean(h.loss[-5:]) < 0.5 * np.mean(h.loss[:5])
    assert h.test_acc[-1] > 0.9


def test_same_seed_same_run_and_iters_overrides_epochs():
    a, b = _trainer(seed=4), _trainer(seed=4)
    a.train()
    b.train()
    assert a.history.loss == b.history.loss
    for k in a.network.params:
        np.testing.assert_array_equal(a.network.params[k], b.network.params[k])
    c = _trainer(seed=4, iters=7)
    c.train()
    assert len(c.history.loss) == 7 and c.history.epoch_iters == [6, 7]


def test_numerical_gradient_training_lowers_the_loss():
    x, t = _blobs(n=60, d=4)
    net = TwoLayerNet(4, 3, 3, weight_init_std=0.5, seed=0)
    tr = Trainer(
        net,
        x,
        t,
        x,
        t,
        mini_batch_size=20,
        optimizer_param={"lr": 1.0},
        iters=15,
        grad="numerical",
        seed=0,
    )
    h = tr.train()
    assert np.mean(h.loss[-3:]) < h.loss[0]


def test_divergence_stops_with_clear_message_and_keeps_last_finite_params():
    tr = _trainer(optimizer_param={"lr": 1e6})
    snapshots = []
    tr.on_epoch = lambda trainer: snapshots.append(1)
    with pytest.raises(
        TrainingDivergedError, match=r"iteration \d+.*learning rate \(1000000.0\)"
    ) as e:
        tr.train()
    assert "--lr" in str(e.value)
    for v in tr.network.params.values():
        assert np.all(np.isfinite(v))


def test_bad_settings_are_refused():
    x, t = _blobs(n=20)
    net = TwoLayerNet(8, 4, 3)
    with pytest.raises(ValueError, match="mini_batch_size"):
        Trainer(net, x, t, x, t, mini_batch_size=21)
    with pytest.raises(ValueError, match="grad"):
        Trainer(net, x, t, x, t, mini_batch_size=5, grad="magic")
    with pytest.raises(ShapeError, match="train set"):
        Trainer(net, x, t[:5], x, t, mini_batch_size=5)


@pytest.mark.mnist
@pytest.mark.slow
def test_short_mnist_run_with_numerical_gradients_lowers_the_loss(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    net = TwoLayerNet(784, 4, 10, seed=0)
    # One batch of 10 images, seen at every step, so the loss must fall monotonically.
    tr = Trainer(
        net,
        x_train[:10],
        t_train[:10],
        x_test[:10],
        t_test[:10],
        mini_batch_size=10,
        optimizer_param={"lr": 2.0},
        iters=5,
        grad="numerical",
        seed=0,
    )
    h = tr.train()
    # A network with weights of std 0.01 starts at chance: ln 10 = 2.303.
    assert h.loss[0] == pytest.approx(np.log(10), abs=0.01)
    assert all(b < a for a, b in zip(h.loss, h.loss[1:], strict=False))


def _multi_trainer(tmp_path=None, epochs=4):
    from dlscratch.networks import MultiLayerNet

    x, t = _blobs()
    net = MultiLayerNet(8, [12, 12], 3, use_dropout=True, dropout_ratio=0.2,
                        use_batchnorm=True, seed=7)  # fmt: skip
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=epochs, mini_batch_size=30,
                   optimizer="adam", optimizer_param={"lr": 0.01}, seed=7,
                   checkpoint_dir=tmp_path)  # fmt: skip


def test_checkpoint_resume_reaches_the_same_weights(tmp_path):
    straight = _multi_trainer()
    straight.train()

    first = _multi_trainer(tmp_path, epochs=4)
    first.max_iter = 2 * first.iter_per_epoch  # interrupted after two epochs
    first.train()
    ckpt = tmp_path / "checkpoint.npz"
    assert ckpt.is_file()

    resumed = _multi_trainer(tmp_path, epochs=4)  # a fresh process would build this
    resumed.load_checkpoint(ckpt)
    assert resumed.iteration == 2 * resumed.iter_per_epoch
    resumed.train()
    assert resumed.history.loss == straight.history.loss
    assert resumed.history.test_acc == straight.history.test_acc
    for k, v in straight.network.params.items():
        np.testing.assert_array_equal(resumed.network.params[k], v)
    for k, v in straight.network.buffers().items():
        np.testing.assert_array_equal(resumed.network.buffers()[k], v)


def test_checkpoint_for_another_network_is_refused(tmp_path):
    from dlscratch.errors import ModelFileError

    tr = _multi_trainer(tmp_path, epochs=1)
    tr.train()
    other = _trainer()
    with pytest.raises(ModelFileError, match="checkpoint of MultiLayerNet"):
        other.load_checkpoint(tmp_path / "checkpoint.npz")


def test_resume_in_the_middle_of_an_epoch(tmp_path):
    straight = _trainer(iters=10)  # 6 iterations per epoch
    straight.train()
    first = _trainer(iters=4, checkpoint_dir=tmp_path)  # stops mid-epoch, saves
    first.train()
    resumed = _trainer(iters=10)
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    resumed.train()
    assert resumed.history.loss == straight.history.loss
    for k, v in straight.network.params.items():
        np.testing.assert_array_equal(resumed.network.params[k], v)


def test_resume_refuses_another_training_set_size(tmp_path):
    from dlscratch.errors import ModelFileError

    _trainer(iters=3, checkpoint_dir=tmp_path).train()
    x, t = _blobs()
    net = TwoLayerNet(8, 16, 3, weight_init_std="he", seed=0, activation="relu")
    other = Trainer(net, x[:150], t[:150], x[200:], t[200:], mini_batch_size=30, seed=0)
    with pytest.raises(ModelFileError, match="trained on 200 samples, this run has 150"):
        other.load_checkpoint(tmp_path / "checkpoint.npz")
