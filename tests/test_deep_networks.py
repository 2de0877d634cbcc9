"""MultiLayerNet (ch. 6), SimpleConvNet (ch. 7) and DeepConvNet (ch. 8)."""

import numpy as np
import pytest

from dlscratch.errors import ModelFileError, ShapeError
from dlscratch.gradient import gradient_check
from dlscratch.io import load_model, load_network, save_model
from dlscratch.layers import BatchNormalization
from dlscratch.networks import DeepConvNet, MultiLayerNet, SimpleConvNet


def _off_the_kinks(net, seed=0):
    """Random biases (in place). With zero biases, an input row zeroed by dropout puts a
    ReLU exactly at its kink, where the numerical derivative is 1/2 and backprop's 0."""
    rng = np.random.default_rng(seed)
    for name, value in net.params.items():
        if name.startswith("b"):
            value[...] = rng.normal(0, 0.1, value.shape)
    return net


def _data(n=10, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


def test_batchnorm_book_value():
    bn = BatchNormalization(np.ones(2), np.zeros(2))
    y = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]]), train_flg=True)
    expected = [[-1.22474464, -1.22474464], [0.0, 1.22474464], [1.22474464, 0.0]]
    np.testing.assert_allclose(y, expected, atol=1e-8)


def test_multi_layer_shapes_and_init():
    net = MultiLayerNet(784, [100, 50], 10, weight_init_std="he", seed=0, use_batchnorm=True)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {
        "W1": (784, 100), "b1": (100,), "gamma1": (100,), "beta1": (100,),
        "W2": (100, 50), "b2": (50,), "gamma2": (50,), "beta2": (50,),
        "W3": (50, 10), "b3": (10,),
    }  # fmt: skip
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)
    assert net.params["W2"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.1)
    xavier = MultiLayerNet(784, [100], 10, weight_init_std="xavier", seed=0)
    assert xavier.params["W1"].std() == pytest.approx(np.sqrt(1 / 784), rel=0.05)
    with pytest.raises(ValueError, match="weight_init_std"):
        MultiLayerNet(4, [3], 2, weight_init_std="glorious")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"activation": "sigmoid", "weight_init_std": "sigmoid"},
        {"use_batchnorm": True},
        {"use_dropout": True, "dropout_ratio": 0.3},
        {"use_batchnorm": True, "use_dropout": True, "weight_decay_lambda": 0.1},
    ],
)
def test_multi_layer_gradient_check(options):
    x, t = _data()
    net = _off_the_kinks(MultiLayerNet(6, [5, 4], 3, seed=1, dtype=np.float64, **options))
    rows = gradient_check(net, x, t)
    assert {r.name for r in rows} == set(net.params)
    for row in rows:
        assert row.mean_abs_diff < 1e-8, row


def test_weight_decay_adds_half_lambda_sum_of_squares():
    x, t = _data()
    plain = MultiLayerNet(6, [5], 3, seed=2, dtype=np.float64)
    decayed = MultiLayerNet(6, [5], 3, seed=2, dtype=np.float64, weight_decay_lambda=0.1)
    squares = sum(np.sum(plain.params[w] ** 2) for w in ("W1", "W2"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + 0.05 * squares, rel=1e-12)
    g0, g1 = plain.gradient(x, t), decayed.gradient(x, t)
    np.testing.assert_allclose(g1["W1"], g0["W1"] + 0.1 * plain.params["W1"], rtol=1e-12)
    np.testing.assert_array_equal(g1["b1"], g0["b1"])  # biases are not decayed


def test_dropout_and_batchnorm_switch_with_train_flag():
    x, _ = _data(n=20)
    net = MultiLayerNet(6, [50], 3, use_dropout=True, dropout_ratio=0.5, seed=3)
    a = net.predict(x, train_flg=True)
    b = net.predict(x, train_flg=True)
    assert not np.array_equal(a, b)  # fresh masks in training mode
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # test mode is deterministic
    bn = MultiLayerNet(6, [5], 3, use_batchnorm=True, seed=3)
    before = bn.buffers()["BatchNorm1.running_mean"].copy()
    bn.predict(x)  # test mode: running statistics unchanged
    np.testing.assert_array_equal(bn.buffers()["BatchNorm1.running_mean"], before)
    bn.loss(x, np.zeros(20, dtype=int))  # train mode: updated with momentum 0.9
    assert not np.array_equal(bn.buffers()["BatchNorm1.running_mean"], before)


def test_multi_layer_model_file_keeps_batchnorm_statistics(tmp_path):
    x, t = _data(n=30)
    net = MultiLayerNet(6, [5], 3, use_batchnorm=True, seed=4)
    for _ in range(3):
        net.loss(x, t)  # move the running statistics away from their start
    again = load_model(save_model(net, tmp_path / "m.npz"))
    np.testing.assert_array_equal(again.predict(x), net.predict(x))


def test_small_simple_conv_net_gradient_check():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 1, 8, 8))
    t = rng.integers(0, 4, 10)
    conv = {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1}
    net = SimpleConvNet((1, 8, 8), conv, hidden_size=6, output_size=4,
                        weight_init_std=0.3, seed=0, dtype=np.float64)  # fmt: skip
    for row in gradient_check(net, x, t):
        assert row.mean_abs_diff < 1e-8, row


def test_small_deep_conv_net_gradient_check():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 1, 12, 12))
    t = rng.integers(0, 3, 10)
    small = [{"filter_num": 2, "filter_size": 3, "pad": p, "stride": 1} for p in (1, 1, 1, 2, 1, 1)]
    # 12 -> pool 6 -> (pad 2) 8 -> pool 4 -> pool 2: W7 takes 2 channels * 2 * 2.
    net = DeepConvNet((1, 12, 12), *small, hidden_size=4, output_size=3, seed=0, dtype=np.float64)
    _off_the_kinks(net)
    assert net.params["W7"].shape == (2 * 2 * 2, 4)
    for row in gradient_check(net, x, t):
        assert row.mean_abs_diff < 1e-8, row


def test_conv_nets_accept_flat_rows_and_single_images():
    net = SimpleConvNet(seed=0, dtype=np.float32)
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    y = net.predict(x)
    assert y.shape == (3, 10) and y.dtype == np.float32
    np.testing.assert_allclose(net.predict(x.reshape(3, 1, 28, 28)[0]), y[:1], rtol=1e-5)
    with pytest.raises(ShapeError, match=r"expected images of shape \(N, 1, 28, 28\)"):
        net.predict(np.zeros((2, 3, 28, 28)))


def test_book_conv_pickles_have_the_architectures_shapes(book_weights):
    for name, cls in (
        ("simple_convnet_params.pkl", SimpleConvNet),
        ("deep_convnet_params.pkl", DeepConvNet),
    ):
        for folder in (book_weights, book_weights / "first-edition-2016"):
            net = load_network(folder / name, architecture=cls.architecture)
            assert isinstance(net, cls) and net.dtype == np.float64  # the API's default
    with pytest.raises(ModelFileError, match="parameters do not match"):
        load_network(book_weights / "deep_convnet_params.pkl", architecture="SimpleConvNet")


# Accuracy of each book file on the MNIST test set, as measured with this code (float32);
# the book's text describes the 2016 files (99.35% for DeepConvNet, book 8.1.2).
BOOK_CONV_ACCURACY = {
    "simple_convnet_params.pkl": ("SimpleConvNet", 0.96),
    "first-edition-2016/simple_convnet_params.pkl": ("SimpleConvNet", 0.989),
    "deep_convnet_params.pkl": ("DeepConvNet", 0.9797),
    "first-edition-2016/deep_convnet_params.pkl": ("DeepConvNet", 0.9935),
}


@pytest.mark.mnist
def test_book_conv_weights_classify_the_first_test_images(mnist, book_weights):
    _, (x_test, t_test) = mnist
    for name, (arch, _) in BOOK_CONV_ACCURACY.items():
        if "2016" not in name:
            continue
        net = load_network(book_weights / name, architecture=arch)
        pred = net.predict(x_test[:10]).argmax(axis=1)
        np.testing.assert_array_equal(pred, t_test[:10])  # 7 2 1 0 4 1 4 9 5 9


@pytest.mark.mnist
@pytest.mark.slow
def test_book_deep_conv_net_2016_reaches_99_35(mnist, book_weights):
    _, (x_test, t_test) = mnist
    net = load_network(
        book_weights / "first-edition-2016/deep_convnet_params.pkl",
        architecture="DeepConvNet",
        dtype=np.float32,  # as the CLI; float64 gives the same accuracy, twice as slowly
    )
    assert net.accuracy(x_test, t_test, batch_size=500) == pytest.approx(0.9935, abs=5e-4)


@pytest.mark.mnist
@pytest.mark.slow
def test_short_simple_conv_training_run(mnist):
    from dlscratch.trainer import Trainer

    (x_train, t_train), (x_test, t_test) = mnist
    net = SimpleConvNet(seed=0, dtype=np.float32)
    tr = Trainer(net, x_train[:3000], t_train[:3000], x_test[:1000], t_test[:1000],
                 iters=150, mini_batch_size=100, optimizer="adam",
                 optimizer_param={"lr": 0.001}, seed=0, verbose=False)  # fmt: skip
    h = tr.train()
    # 150 Adam steps (5 passes over 3000 images) put the book's ConvNet past 90%.
    assert h.test_acc[-1] > 0.90
