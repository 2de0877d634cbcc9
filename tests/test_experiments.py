"""The experiments behind the figures of chapters 6-8 (dlscratch.experiments)."""

import numpy as np
import pytest

from dlscratch.errors import ShapeError, TrainingDivergedError
from dlscratch.experiments import (
    BATCHNORM_STDS,
    BOOK_BATCHNORM_STDS,
    batchnorm_comparison,
    compare_optimizers,
    find_misclassified,
    first_conv_filters,
    fresh_network,
    init_activations,
    init_label,
    layer_activations,
    optimizer_paths,
    optimizer_test_function,
    optimizer_test_gradient,
    overfitting_experiment,
    smooth_curve,
)
from dlscratch.gradient import numerical_gradient
from dlscratch.networks import MultiLayerNet, SimpleConvNet


def _toy(n=200, d=20, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)).astype(np.float32), rng.integers(0, k, n)


# -- optimizer paths (fig. 6-8) ----------------------------------------------------------


def test_test_function_and_its_gradient():
    assert optimizer_test_function(-7, 2) == pytest.approx(49 / 20 + 4)
    p = np.array([-7.0, 2.0])
    num = numerical_gradient(lambda q: float(optimizer_test_function(q[0], q[1])), p.copy())
    np.testing.assert_allclose(optimizer_test_gradient(p), num, rtol=1e-6)
    np.testing.assert_allclose(optimizer_test_gradient(p), [-0.7, 4.0])


def test_book_optimizer_paths_start_at_minus_7_2_and_take_the_book_first_steps():
    paths = optimizer_paths()
    assert list(paths) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert [p.lr for p in paths.values()] == [0.95, 0.1, 1.5, 0.3]
    for p in paths.values():
        assert p.path.shape == (31, 2)
        np.testing.assert_array_equal(p.path[0], [-7.0, 2.0])
        # Every optimizer ends much lower on f than it starts (f(-7, 2) = 6.45).
        end = optimizer_test_function(*p.path[-1])
        assert end < 0.1 * optimizer_test_function(-7, 2)
    # SGD: p - 0.95 * (x/10, 2y) = (-7 + 0.665, 2 - 3.8).
    np.testing.assert_allclose(paths["SGD"].path[1], [-6.335, -1.8])
    # Momentum's first step is plain -lr * g (v starts at 0).
    np.testing.assert_allclose(paths["Momentum"].path[1], [-7 + 0.07, 2 - 0.4])
    # AdaGrad's and Adam's first steps are lr * sign(g) in each coordinate (up to eps).
    np.testing.assert_allclose(paths["AdaGrad"].path[1], [-5.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(paths["Adam"].path[1], [-6.7, 1.7], atol=1e-6)


def test_optimizer_paths_with_custom_settings():
    paths = optimizer_paths({"slow SGD": ("sgd", 0.01)}, init=(1.0, 1.0), steps=3)
    np.testing.assert_allclose(paths["slow SGD"].path[1], [1 - 0.001, 1 - 0.02])
    assert paths["slow SGD"].path.shape == (4, 2)


# -- weight-init histograms (figs. 6-10 to 6-14) -----------------------------------------


def test_layer_activations_shape_dtype_and_seed():
    a = layer_activations("sigmoid", 1.0, n_samples=50, node_num=8, hidden_layer_size=3, seed=1)
    assert a.shape == (3, 50, 8) and a.dtype == np.float64
    b = layer_activations("sigmoid", 1.0, n_samples=50, node_num=8, hidden_layer_size=3, seed=1)
    np.testing.assert_array_equal(a, b)
    # Same seed, another std: the same random directions, only scaled, so the
    # pre-activation signs (hence which side of 0.5 each value is) agree in layer 1.
    c = layer_activations("sigmoid", 0.5, n_samples=50, node_num=8, hidden_layer_size=3, seed=1)
    np.testing.assert_array_equal(a[0] > 0.5, c[0] > 0.5)
    with pytest.raises(ValueError, match="activation"):
        layer_activations("softplus")
    with pytest.raises(ValueError, match="weight_init_std"):
        layer_activations("relu", "glorot")


@pytest.fixture(scope="module")
def sigmoid_acts():
    return init_activations("sigmoid")  # the book's 1000 x 100, 5 layers; seed 0


@pytest.fixture(scope="module")
def relu_acts():
    return init_activations("relu")


def test_init_labels_and_defaults(sigmoid_acts, relu_acts):
    assert list(sigmoid_acts) == ["std 1", "std 0.01", "Xavier (std 0.1)"]
    assert list(relu_acts) == ["std 0.01", "Xavier (std 0.1)", "He (std 0.141)"]
    assert all(a.shape == (5, 1000, 100) for a in sigmoid_acts.values())
    assert init_label("he", 50) == "He (std 0.2)"


def test_sigmoid_std_1_piles_up_at_0_and_1(sigmoid_acts):
    # Measured with seed 0: 82%, 75%, 72%, 74%, 76% of the values lie in
    # [0, 0.1] or [0.9, 1] (fig. 6-10: gradients vanish there).
    a = sigmoid_acts["std 1"]
    extreme = np.mean((a <= 0.1) | (a >= 0.9), axis=(1, 2))
    assert extreme[4] > 0.5
    assert np.all(extreme > 0.65)


def test_sigmoid_std_001_concentrates_at_one_half(sigmoid_acts):
    # Fig. 6-11: every unit outputs nearly the same value. Measured: all values of
    # every layer lie within 0.5 +- 0.11, with a std of 0.025 (layer 1) to 0.012.
    a = sigmoid_acts["std 0.01"]
    assert np.all(np.abs(a - 0.5) < 0.15)
    assert np.all(a.std(axis=(1, 2)) < 0.03)


def test_sigmoid_xavier_spreads_without_saturating(sigmoid_acts):
    # Fig. 6-13: a broad bell in every layer. Measured: std 0.21, 0.12, 0.11, 0.12, 0.12
    # (about 10x the std-0.01 net's), and under 3% of values in [0, 0.1] or [0.9, 1].
    a = sigmoid_acts["Xavier (std 0.1)"]
    stds = a.std(axis=(1, 2))
    assert np.all(stds > 0.09)
    assert np.all(stds > 5 * sigmoid_acts["std 0.01"].std(axis=(1, 2)))
    assert np.all(np.mean((a <= 0.1) | (a >= 0.9), axis=(1, 2)) < 0.05)


def test_relu_inits_shrink_or_keep_the_scale(relu_acts):
    # Fig. 6-14. Measured layer means: std 0.01 shrinks about 14x per layer
    # (0.040 -> 1.2e-6); Xavier shrinks slowly (0.40 -> 0.12); He keeps it (0.56 -> 0.66).
    means = {k: v.mean(axis=(1, 2)) for k, v in relu_acts.items()}
    small, xavier, he = means["std 0.01"], means["Xavier (std 0.1)"], means["He (std 0.141)"]
    assert np.all(small[1:] < small[:-1] / 5)
    assert small[4] < 1e-4
    assert np.all(np.diff(xavier) < 0) and xavier[4] < 0.5 * xavier[0]
    assert np.all((he > 0.7 * he[0]) & (he < 1.5 * he[0]))
    # About half of every ReLU layer's outputs are exactly 0.
    zeros = np.mean(relu_acts["He (std 0.141)"] == 0, axis=(1, 2))
    assert np.all((zeros > 0.4) & (zeros < 0.6))


def test_init_activations_unknown_activation():
    with pytest.raises(ValueError, match="activation"):
        init_activations("elu")


# -- smoothing and optimizers on data (fig. 6-9) -----------------------------------------


def test_smooth_curve_keeps_length_and_constants_and_reduces_noise():
    np.testing.assert_allclose(smooth_curve(np.full(50, 3.0)), 3.0)
    rng = np.random.default_rng(0)
    noisy = 1.0 + rng.standard_normal(500)
    s = smooth_curve(noisy)
    assert s.shape == (500,) and s.dtype == np.float64
    assert s.std() < 0.5 * noisy.std()
    assert abs(s.mean() - noisy.mean()) < 0.05
    # A bump at i stays centred at i (the window is symmetric).
    bump = np.zeros(40)
    bump[20] = 1.0
    assert np.argmax(smooth_curve(bump)) == 20
    np.testing.assert_array_equal(smooth_curve([1.0, 5.0]), [1.0, 5.0])
    assert smooth_curve(np.arange(6.0)).shape == (6,)  # window shrinks to 5
    with pytest.raises(ShapeError):
        smooth_curve(np.zeros((3, 3)))


def test_compare_optimizers_same_start_same_batches_then_different():
    x, t = _toy()
    losses = compare_optimizers(
        x, t, iters=30, batch_size=32, hidden_size_list=(10, 10), output_size=3, seed=0
    )
    assert list(losses) == ["SGD", "Momentum", "AdaGrad", "Adam"]
    curves = np.stack(list(losses.values()))
    assert curves.shape == (4, 30) and np.all(np.isfinite(curves))
    # Iteration 0's loss is taken before any update: same weights, same batch.
    np.testing.assert_allclose(curves[:, 0], curves[0, 0], rtol=1e-6)
    assert len({round(float(c[-1]), 6) for c in curves}) == 4
    again = compare_optimizers(
        x, t, iters=30, batch_size=32, hidden_size_list=(10, 10), output_size=3, seed=0
    )
    np.testing.assert_array_equal(again["Adam"], losses["Adam"])
    with pytest.raises(ValueError, match="batch_size"):
        compare_optimizers(x, t, iters=1, batch_size=1000)


def test_compare_optimizers_equals_a_plain_loop_on_the_same_batches():
    x, t = _toy()
    losses = compare_optimizers(x, t, {"SGD": ("sgd", 0.1)}, iters=12, batch_size=16,
                                hidden_size_list=(10,), output_size=3, seed=3)  # fmt: skip
    # The book's loop: a fresh batch each iteration, loss before the update, W -= lr dW.
    net = MultiLayerNet(20, (10,), 3, weight_init_std="he", seed=3)
    rng = np.random.default_rng(3)
    expected = []
    for _ in range(12):
        idx = rng.choice(200, 16, replace=False)
        grads = net.gradient(x[idx].astype(np.float64), t[idx])
        expected.append(float(net.last_loss))
        for k in net.params:
            net.params[k] -= 0.1 * grads[k]
    np.testing.assert_array_equal(losses["SGD"], expected)


def test_compare_optimizers_names_the_optimizer_that_diverged():
    x, t = _toy()
    # lr 1e300 sends the float32 weights to infinity in the first update.
    with pytest.raises(
        TrainingDivergedError, match=r"^SGD \(lr 1e\+300\): training diverged at iteration 2:"
    ):
        compare_optimizers(
            x, t, {"Adam": ("adam", 0.001), "SGD": ("sgd", 1e300)}, iters=5, batch_size=32,
            hidden_size_list=(10,), output_size=3, dtype=np.float32,
        )  # fmt: skip


# -- batch norm (fig. 6-18) --------------------------------------------------------------


def test_book_batchnorm_stds():
    assert BOOK_BATCHNORM_STDS.shape == (16,)
    assert BOOK_BATCHNORM_STDS[0] == 1 and BOOK_BATCHNORM_STDS[-1] == pytest.approx(1e-4)
    np.testing.assert_allclose(BATCHNORM_STDS, BOOK_BATCHNORM_STDS[::3])


def test_batchnorm_comparison_lengths_and_ranges():
    x, t = _toy()
    res = batchnorm_comparison(
        x, t, [0.1, 0.01], epochs=3, train_size=100, batch_size=20,
        hidden_size_list=(10, 10, 10), output_size=3,
    )  # fmt: skip
    assert [r.weight_init_std for r in res] == [0.1, 0.01]
    for r in res:
        for acc in (r.with_batchnorm, r.without_batchnorm):
            assert acc.shape == (4,)  # before training + 3 epochs
            assert np.all((acc >= 0) & (acc <= 1))


def test_batchnorm_comparison_equals_a_plain_sgd_loop():
    x, t = _toy()
    (res,) = batchnorm_comparison(x, t, [0.3], epochs=3, train_size=100, batch_size=20,
                                  lr=0.3, hidden_size_list=(10, 10), output_size=3)  # fmt: skip
    xs, ts = x[:100].astype(np.float64), t[:100]
    for bn, curve in ((True, res.with_batchnorm), (False, res.without_batchnorm)):
        # Book 6.3.2's loop: same start and same batches (a permutation per epoch) for
        # both nets, training accuracy in inference mode before and after each epoch.
        net = MultiLayerNet(20, (10, 10), 3, weight_init_std=0.3, use_batchnorm=bn, seed=0)
        rng = np.random.default_rng(0)
        expected = [net.accuracy(xs, ts)]
        for _ in range(3):
            order = rng.permutation(100)
            for b in range(5):
                idx = order[b * 20 : (b + 1) * 20]
                grads = net.gradient(xs[idx], ts[idx])
                for k in net.params:
                    net.params[k] -= 0.3 * grads[k]
            expected.append(net.accuracy(xs, ts))
        assert len(set(expected)) > 1  # training moved the accuracy
        np.testing.assert_array_equal(curve, expected)


def test_batchnorm_comparison_marks_a_diverging_net_with_nan():
    x, t = _toy()
    # Weights of std 1e20 overflow float32 in the third layer: the loss is NaN at once.
    (res,) = batchnorm_comparison(
        x, t, [1e20], epochs=2, train_size=100, batch_size=50,
        hidden_size_list=(10, 10, 10), output_size=3, dtype=np.float32,
    )  # fmt: skip
    assert np.isnan(res.without_batchnorm[1:]).all()
    assert np.isfinite(res.without_batchnorm[0])


# -- overfitting (figs. 6-20, 6-21, 6-23) ------------------------------------------------


def test_overfitting_experiment_histories():
    x, t = _toy()
    xt, tt = _toy(seed=1)
    runs = overfitting_experiment(
        x, t, xt, tt, train_size=60, epochs=3, batch_size=20,
        hidden_size_list=(10, 10), output_size=3, evaluate_sample_num_per_epoch=50,
    )  # fmt: skip
    assert list(runs) == ["plain", "weight decay", "dropout"]
    for h in runs.values():
        assert len(h.train_acc) == len(h.test_acc) == 3
        assert len(h.loss) == 3 * 3  # 60 / 20 batches per epoch
    # Same start, same batches: the first loss differs only by the L2 penalty.
    assert runs["weight decay"].loss[0] > runs["plain"].loss[0]


# -- conv nets (figs. 7-24, 8-2) ---------------------------------------------------------


def test_first_conv_filters_and_fresh_network():
    net = SimpleConvNet(seed=3)
    w = first_conv_filters(net)
    assert w.shape == (30, 1, 5, 5) and w.dtype == np.float64
    net.params["W1"] += 1.0  # "training"
    fresh = fresh_network(net, seed=3)
    np.testing.assert_array_equal(fresh.params["W1"], SimpleConvNet(seed=3).params["W1"])
    assert fresh.get_config() == net.get_config() and fresh.dtype == net.dtype
    with pytest.raises(ShapeError, match="convolutional"):
        first_conv_filters(MultiLayerNet(4, [3], 2))


class _FixedPredictions:
    """predict() returns one-hot scores of given classes and counts its calls."""

    def __init__(self, classes):
        self.classes = np.asarray(classes)
        self.calls = 0
        self.seen = 0

    def predict(self, x, train_flg=False):
        self.calls += 1
        start = self.seen
        self.seen += len(x)
        return np.eye(10)[self.classes[start : start + len(x)]]


def test_find_misclassified_returns_first_mistakes_and_stops_early():
    t = np.arange(100) % 10
    pred = t.copy()
    wrong = [3, 17, 18, 60, 95]
    pred[wrong] = (t[wrong] + 1) % 10
    net = _FixedPredictions(pred)
    idx, y = find_misclassified(net, np.zeros((100, 4)), t, count=3, batch_size=10)
    np.testing.assert_array_equal(idx, [3, 17, 18])
    np.testing.assert_array_equal(y, pred[[3, 17, 18]])
    assert net.calls == 2  # found 3 in the first 20 samples
    idx, _ = find_misclassified(_FixedPredictions(pred), np.zeros((100, 4)), t, count=None)
    np.testing.assert_array_equal(idx, wrong)
    with pytest.raises(ShapeError):
        find_misclassified(net, np.zeros((5, 4)), t)


@pytest.mark.mnist
def test_book_simple_convnet_first_misclassified(book_weights, mnist):
    from dlscratch.io import load_network

    net = load_network(
        book_weights / "first-edition-2016" / "simple_convnet_params.pkl", "SimpleConvNet"
    )
    _, (x_test, t_test) = mnist
    idx, pred = find_misclassified(net, x_test[:3000].reshape(-1, 1, 28, 28), t_test[:3000])
    assert len(idx) == 20 and np.all(np.diff(idx) > 0)
    assert np.all(pred != t_test[idx])
    # Exactly these 20 are wrong among the first idx[-1] + 1 images.
    n = idx[-1] + 1
    assert net.accuracy(x_test[:n].reshape(-1, 1, 28, 28), t_test[:n]) == pytest.approx(
        (n - 20) / n
    )
