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


def _params(trainer):
    return {k: v.copy() for k, v in trainer.network.params.items()}


def test_divergence_stops_with_clear_message_and_keeps_last_finite_params():
    snapshots = []
    tr = _trainer(
        optimizer_param={"lr": 1e6},
        divergence_factor=None,  # only NaN/inf stops it (the run-away rule is tested below)
        on_epoch=lambda trainer: snapshots.append((trainer.iteration, _params(trainer))),
    )
    with pytest.raises(
        TrainingDivergedError, match=r"iteration \d+:.*learning rate \(1000000.0\)"
    ) as e:
        tr.train()
    assert "--lr" in str(e.value)
    n = tr.iteration  # the updates applied before the bad step
    assert f"iteration {n + 1}:" in str(e.value)
    assert n == len(tr.history.loss) and n >= 12  # (it is 25 today: in the fifth epoch)
    # Every epoch completed before it was evaluated and reported (6 steps per epoch).
    assert [it for it, _ in snapshots] == tr.history.epoch_iters == list(range(6, n + 1, 6))
    for _, params in snapshots:
        assert all(np.all(np.isfinite(v)) for v in params.values())
    # The weights left are exactly those after the n good steps, not the bad one.
    good = _trainer(optimizer_param={"lr": 1e6}, divergence_factor=None)
    for _ in range(n):
        good.train_step()  # the same batches, without the evaluations
    for k, v in good.network.params.items():
        np.testing.assert_array_equal(tr.network.params[k], v)


def test_on_epoch_is_called_after_each_evaluation_with_the_trainer():
    seen = []

    def snapshot(trainer):
        h = trainer.history
        seen.append((trainer.iteration, list(h.epoch_iters), list(h.test_acc), _params(trainer)))

    tr = _trainer(iters=15, on_epoch=snapshot, verbose=False)  # 6 steps per epoch
    tr.train()
    # Called at the end of each epoch, and after the last, shortened one.
    assert [s[0] for s in seen] == [6, 12, 15]
    assert [s[1] for s in seen] == [[6], [6, 12], [6, 12, 15]]
    assert [s[2] for s in seen] == [tr.history.test_acc[:1], tr.history.test_acc[:2],
                                    tr.history.test_acc]  # fmt: skip
    # It sees the weights of that moment: those of a run stopped after 6 updates...
    six = _trainer(iters=6, verbose=False)
    six.train()
    for k, v in six.network.params.items():
        np.testing.assert_array_equal(seen[0][3][k], v)
    # ...and a copy taken then no longer equals the trained weights.
    assert not np.array_equal(seen[0][3]["W1"], tr.network.params["W1"])
    for k, v in tr.network.params.items():
        np.testing.assert_array_equal(seen[-1][3][k], v)


# -- learning-rate decay (on by default for the ConvNets in the CLI) ---------------------


def test_lr_decay_multiplies_the_rate_after_each_full_epoch():
    lrs = []
    # 6 steps per epoch: epochs end after 6, 12 and 18 steps, and the run after 20.
    tr = _trainer(iters=20, lr_decay=0.8, verbose=False,
                  on_epoch=lambda trainer: lrs.append(trainer.optimizer.lr))  # fmt: skip
    tr.train()
    # lr_k = lr * decay^k after k full epochs; the shortened last epoch does not decay.
    assert lrs == [pytest.approx(0.1 * 0.8**k, rel=1e-12) for k in (1, 2, 3, 3)]
    assert tr.optimizer.lr == pytest.approx(0.1 * 0.8**3, rel=1e-12)

    plain = _trainer(iters=20, verbose=False)
    plain.train()
    assert plain.optimizer.lr == 0.1
    # The first epoch's 6 updates and the loss before update 7 are the same; update 7
    # is the first with the decayed rate, so from the loss after it on, the runs differ.
    assert tr.history.loss[:7] == plain.history.loss[:7]
    assert tr.history.loss[7] != plain.history.loss[7]
    assert not np.array_equal(tr.network.params["W1"], plain.network.params["W1"])


def test_lr_decay_constant_by_default_and_checked():
    tr = _trainer(iters=13, verbose=False)
    assert tr.lr_decay == 1.0
    tr.train()
    assert tr.optimizer.lr == 0.1
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match=r"lr_decay: expected a factor in \(0, 1\]"):
            _trainer(lr_decay=bad)


def test_train_step_on_a_given_batch_leaves_the_batch_order_alone():
    a, b = _trainer(), _trainer()
    xb, tb = a.x_train[50:80], a.t_train[50:80]
    grads = b.network.gradient(xb, tb)
    expected_loss = float(b.network.last_loss)
    assert a.train_step(xb, tb) == expected_loss
    assert a.iteration == 1 and a.history.loss == [expected_loss]
    assert a.batch_order.size == 0  # no permutation drawn
    # SGD(0.1) on that very batch: W <- W - 0.1 dL/dW
    for k, g in grads.items():
        np.testing.assert_allclose(a.network.params[k], b.network.params[k] - 0.1 * g)
    a.train_step()  # back to the trainer's own order: a permutation is drawn
    assert a.batch_order.size == 200 and a.iteration == 2
    with pytest.raises(ValueError, match="both or neither"):
        a.train_step(xb)


def test_the_books_arguments_stay_positional_and_ours_are_keyword_only():
    import inspect

    params = inspect.signature(Trainer).parameters
    book = ["network", "x_train", "t_train", "x_test", "t_test", "epochs", "mini_batch_size",
            "optimizer", "optimizer_param", "evaluate_sample_num_per_epoch", "verbose"]  # fmt: skip
    assert [n for n, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD] == book
    assert all(p.kind is p.KEYWORD_ONLY for n, p in params.items() if n not in book)
    x, t = _blobs(n=20)
    with pytest.raises(TypeError):
        Trainer(TwoLayerNet(8, 4, 3), x, t, x, t, 1, 5, "sgd", None, None, False, 0)


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


def _multi_trainer(tmp_path=None, epochs=4, **kw):
    from dlscratch.networks import MultiLayerNet

    x, t = _blobs()
    net = MultiLayerNet(8, [12, 12], 3, use_dropout=True, dropout_ratio=0.2,
                        use_batchnorm=True, seed=7)  # fmt: skip
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=epochs, mini_batch_size=30,
                   optimizer="adam", optimizer_param={"lr": 0.01}, seed=7,
                   checkpoint_dir=tmp_path, **kw)  # fmt: skip


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


def test_resume_continues_with_the_decayed_learning_rate(tmp_path):
    straight = _multi_trainer(lr_decay=0.5, verbose=False)
    straight.train()
    assert straight.optimizer.lr == 0.01 * 0.5**4

    first = _multi_trainer(tmp_path, lr_decay=0.5, verbose=False)
    first.max_iter = 2 * first.iter_per_epoch  # interrupted after two epochs
    first.train()
    resumed = _multi_trainer(tmp_path, lr_decay=0.5, verbose=False)
    assert resumed.optimizer.lr == 0.01
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    assert resumed.optimizer.lr == 0.01 * 0.5**2  # two epochs' decay, as saved
    # The checkpoint is also a plain model file, with the weights of that moment.
    from dlscratch.io import load_model

    saved = load_model(tmp_path / "checkpoint.npz")
    for k, v in resumed.network.params.items():
        np.testing.assert_array_equal(saved.params[k], v)
    resumed.train()
    assert resumed.optimizer.lr == straight.optimizer.lr
    assert resumed.history.loss == straight.history.loss
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


def test_evaluation_sample_counts_one_for_both_sets_or_one_each():
    """``evaluate_sample_num_per_epoch``: the book's count for both sets, or a dict."""
    seen = []

    class Counting(TwoLayerNet):
        def accuracy(self, x, t, batch_size=None):
            seen.append(len(x))
            return super().accuracy(x, t, batch_size)

    x, t = _blobs()
    for spec, expected in (
        (None, [200, 100]),
        (50, [50, 50]),
        ({"train": 120}, [120, 100]),
        ({"train": None, "test": 30}, [200, 30]),
    ):
        seen.clear()
        net = Counting(8, 16, 3, seed=0)
        tr = Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=1, mini_batch_size=50,
                     evaluate_sample_num_per_epoch=spec, verbose=False)  # fmt: skip
        tr.train()
        assert seen == expected, spec
        assert tr.evaluate_sample_num_per_epoch == spec  # the book's attribute
    net = TwoLayerNet(8, 4, 3)
    with pytest.raises(ValueError, match=r"keys 'train' and/or 'test'; got the keys \['val'\]"):
        Trainer(net, x, t, x, t, evaluate_sample_num_per_epoch={"val": 10})
    with pytest.raises(ValueError, match=r"evaluate_sample_num_per_epoch\['test'\]: expected an"):
        Trainer(net, x, t, x, t, evaluate_sample_num_per_epoch={"test": 0})
    with pytest.raises(ValueError, match="evaluate_sample_num_per_epoch: expected an integer"):
        Trainer(net, x, t, x, t, evaluate_sample_num_per_epoch=2.5)
    with pytest.raises(TypeError, match=r"a count, a dict such as \{'train'.*got \[10, 20\]"):
        Trainer(net, x, t, x, t, evaluate_sample_num_per_epoch=[10, 20])
    # The book's attribute can be set after construction, and takes effect.
    seen.clear()
    tr = Trainer(Counting(8, 16, 3, seed=0), x[:200], t[:200], x[200:], t[200:],
                 mini_batch_size=50, verbose=False)  # fmt: skip
    tr.evaluate_sample_num_per_epoch = {"test": 10}
    tr.evaluate()
    assert seen == [200, 10] and tr.eval_sample_nums == {"train": None, "test": 10}
