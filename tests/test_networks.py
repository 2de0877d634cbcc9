import numpy as np
import pytest

from dlscratch.errors import ModelFileError, ShapeError
from dlscratch.gradient import gradient_check, numerical_gradient
from dlscratch.io import load_network
from dlscratch.layers import Affine, Sigmoid
from dlscratch.networks import SimpleNet, ThreeLayerNet, TwoLayerNet, forward, init_network
from dlscratch.networks.base import LayeredNetwork


def test_three_layer_book_example():
    # Book 3.4.3 prints [0.31682708 0.69627909].
    y = forward(init_network(), np.array([1.0, 0.5]))
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], rtol=1e-7)
    net = ThreeLayerNet(init_network(), output="identity", dtype=np.float64)
    np.testing.assert_allclose(
        net.predict(np.array([[1.0, 0.5], [1.0, 0.5]])), [[0.31682708, 0.69627909]] * 2, rtol=1e-7
    )


def test_three_layer_validates_params():
    params = init_network()
    params["W2"] = np.zeros((4, 2))
    with pytest.raises(ModelFileError, match="does not chain"):
        ThreeLayerNet(params)
    with pytest.raises(ModelFileError, match="missing parameters"):
        ThreeLayerNet({"W1": np.zeros((2, 3))})
    with pytest.raises(ShapeError, match="expected 2 features"):
        ThreeLayerNet(init_network()).predict(np.zeros(3))


W_BOOK = [[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]]


def test_simple_net_book_values_with_lambda_idiom():
    # Book 4.4.2: predict, argmax, loss and the numerical dW via the lambda idiom.
    net = SimpleNet(W_BOOK)
    x = np.array([0.6, 0.9])
    t = np.array([0, 0, 1])
    np.testing.assert_allclose(net.predict(x), [1.05414809, 0.63071653, 1.1328074], rtol=1e-7)
    assert np.argmax(net.predict(x)) == 2
    # The book prints 0.92806853663411326, from its unrounded random W; the 8-digit W
    # it prints (used here) moves the loss in the 7th digit.
    assert net.loss(x, t) == pytest.approx(0.92806853663411326, abs=1e-6)

    f = lambda w: net.loss(x, t)  # noqa: E731 - the book's idiom, verbatim
    dW = numerical_gradient(f, net.W)
    # The book's cross-entropy adds delta = 1e-7 inside the log, which shifts dW by
    # about 1e-7 relative; the central difference with h = 1e-4 adds ~1e-9.
    expected = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
    np.testing.assert_allclose(dW, expected, atol=1e-7)
    np.testing.assert_array_equal(net.W, W_BOOK)  # restored


def test_two_layer_shapes_and_init():
    net = TwoLayerNet(784, 50, 10, seed=0)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (784, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}
    # float64 by default, as the book; float32 when asked for.
    assert all(v.dtype == np.float64 for v in net.params.values())
    assert TwoLayerNet(784, 50, 10, seed=0, dtype=np.float32).dtype == np.float32
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.05)
    assert TwoLayerNet(784, 50, 10, weight_init_std="he", seed=0).params[
        "W1"
    ].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)
    np.testing.assert_array_equal(
        TwoLayerNet(4, 3, 2, seed=5).params["W1"], TwoLayerNet(4, 3, 2, seed=5).params["W1"]
    )
    with pytest.raises(ValueError, match="hidden_size"):
        TwoLayerNet(4, 0, 2)
    with pytest.raises(ValueError, match="activation"):
        TwoLayerNet(4, 3, 2, activation="tanh")


def _data(n=10, d=12, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.integers(0, k, n)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_two_layer_backprop_matches_numerical_in_float64(activation):
    x, t = _data()
    net = TwoLayerNet(
        12, 7, 4, weight_init_std=0.5, seed=1, activation=activation, dtype=np.float64
    )
    for row in gradient_check(net, x, t):
        assert row.mean_abs_diff < 1e-9, row
        assert row.max_rel_diff < 1e-5, row


def test_book_lambda_idiom_on_two_layer_net():
    x, t = _data()
    net = TwoLayerNet(12, 5, 4, weight_init_std=0.5, seed=2, dtype=np.float64)
    f = lambda w: net.loss(x, t)  # noqa: E731
    dW2 = numerical_gradient(f, net.params["W2"])
    np.testing.assert_allclose(dW2, net.gradient(x, t)["W2"], atol=1e-8)


def test_float32_numerical_gradient_matches_float64_twin():
    x, t = _data()
    net32 = TwoLayerNet(12, 5, 4, weight_init_std=0.5, seed=3, dtype=np.float32)
    net64 = TwoLayerNet(12, 5, 4, weight_init_std=0.5, seed=3, dtype=np.float64)
    g32 = net32.numerical_gradient(x, t)
    g64 = net64.numerical_gradient(x, t)
    for k in g64:
        # float32 params hold the weights rounded to 7 digits: the gradients agree to that.
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-4, atol=1e-7)
    assert all(v.dtype == np.float32 for v in net32.params.values())  # restored


def test_first_layer_computes_no_dx():
    net = TwoLayerNet(6, 4, 3, activation="relu", seed=0, dtype=np.float64)
    first = net.layers["Affine1"]

    def no_dx(dout):
        raise AssertionError("the first layer's dx was computed")

    first.backward = no_dx  # the network must call backward_params instead
    x, t = np.random.default_rng(0).random((5, 6)), np.array([0, 1, 2, 0, 1])
    grads = net.gradient(x, t)
    num = net.numerical_gradient(x, t)
    for key in ("W1", "b1"):
        np.testing.assert_allclose(grads[key], num[key], atol=1e-7)


class _SigmoidFirst(LayeredNetwork):
    """Sigmoid -> Affine: a first layer without backward_params."""

    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(1)
        self.params = {"W": rng.standard_normal((4, 3)), "b": np.zeros(3)}
        self.layers = {"Sigmoid": Sigmoid(), "Affine": Affine(self.params["W"], self.params["b"])}
        self._slots = {"W": (self.layers["Affine"], "W"), "b": (self.layers["Affine"], "b")}


def test_first_layer_without_backward_params_still_backpropagates():
    net = _SigmoidFirst()
    x, t = np.random.default_rng(2).standard_normal((5, 4)), np.array([0, 1, 2, 0, 1])
    grads, num = net.gradient(x, t), net.numerical_gradient(x, t)
    for key in ("W", "b"):
        np.testing.assert_allclose(grads[key], num[key], atol=1e-7)


def test_accuracy_accepts_labels_or_one_hot_and_batches():
    x, t = _data(n=50)
    net = TwoLayerNet(12, 5, 4, seed=0, activation="relu", weight_init_std="he")
    one_hot = np.eye(4)[t]
    a = net.accuracy(x, t)
    assert a == net.accuracy(x, one_hot) == net.accuracy(x, t, batch_size=7)
    assert a == np.mean(net.predict(x).argmax(axis=1) == t)


def test_gradient_does_not_change_input_or_params():
    x, t = _data()
    net = TwoLayerNet(12, 5, 4, seed=0, activation="relu", weight_init_std="he")
    before = {k: v.copy() for k, v in net.params.items()}
    x0 = x.copy()
    net.gradient(x, t)
    np.testing.assert_array_equal(x, x0)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])


@pytest.mark.mnist
@pytest.mark.parametrize("batch_size", [1, 100, 10000])
def test_book_pretrained_network_accuracy_is_0_9352(mnist, book_weights, batch_size):
    _, (x_test, t_test) = mnist
    net = load_network(book_weights / "sample_weight.pkl")
    assert net.accuracy(x_test, t_test, batch_size=batch_size) == pytest.approx(0.9352, abs=1e-12)


@pytest.mark.mnist
def test_book_pretrained_network_outputs_probabilities(mnist, book_weights):
    _, (x_test, _) = mnist
    net = load_network(book_weights / "sample_weight.pkl", dtype=np.float32)
    y = net.predict(x_test[:100])
    assert y.shape == (100, 10) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    # One sample at a time gives the same probabilities as the batch.
    np.testing.assert_allclose(net.predict(x_test[3]), y[3], rtol=1e-5)
