"""The book's own idioms, typed as the book types them, run on dlscratch (issue 10).

Each test is a few lines of the book's code (its call forms and names) with only the
imports pointed at dlscratch, and checks the number the book prints.
"""

import os
import warnings

import numpy as np
import pytest

from dlscratch.errors import ModelFileError, PrecisionWarning
from dlscratch.functions import mean_squared_error, softmax, softmax_loss, sum_squares_error
from dlscratch.gradient import gradient_descent, numerical_gradient
from dlscratch.layers import Convolution
from dlscratch.networks import (
    MultiLayerNet,
    MultiLayerNetExtend,
    SimpleConvNet,
    SimpleNet,
    TwoLayerNet,
    forward,
    init_network,
    simpleNet,
)
from dlscratch.optimizers import SGD, AdaGrad, Adam, Momentum
from dlscratch.perceptron import AND, NAND, OR, XOR
from dlscratch.trainer import Trainer


def test_ch2_gates_take_two_arguments():
    inputs = [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert [AND(x1, x2) for x1, x2 in inputs] == [0, 0, 0, 1]
    assert [NAND(x1, x2) for x1, x2 in inputs] == [1, 1, 1, 0]
    assert [OR(x1, x2) for x1, x2 in inputs] == [0, 1, 1, 1]
    assert [XOR(x1, x2) for x1, x2 in inputs] == [0, 1, 1, 0]
    assert all(type(XOR(x1, x2)) is int for x1, x2 in inputs)
    # The array and batch forms still work.
    assert XOR(np.array([1, 0])) == 1
    np.testing.assert_array_equal(XOR(np.array(inputs)), [0, 1, 1, 0])
    with pytest.raises(TypeError, match="gate"):
        AND()


def test_ch3_forward_prints_the_books_digits():
    network = init_network()
    x = np.array([1.0, 0.5])
    y = forward(network, x)
    assert str(y) == "[0.31682708 0.69627909]"
    assert y.dtype == np.float64


def test_networks_compute_in_float64_unless_asked():
    for net in (
        TwoLayerNet(input_size=784, hidden_size=50, output_size=10),
        MultiLayerNet(784, [20, 20], 10),
        SimpleConvNet(),
    ):
        assert all(p.dtype == np.float64 for p in net.params.values())
    assert TwoLayerNet(784, 50, 10, dtype=np.float32).dtype == np.float32


def test_readme_numerical_gradient_idiom_agrees_with_backprop():
    rng = np.random.default_rng(0)
    x, t = rng.random((3, 784)), np.array([3, 1, 4])
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    grads = net.gradient(x, t)
    f = lambda w: net.loss(x, t)  # noqa: E731 - the book's idiom
    dW2 = numerical_gradient(f, net.params["W2"])
    assert np.abs(grads["W2"] - dW2).max() < 1e-8


def test_numerical_gradient_warns_on_float32_parameters():
    net = TwoLayerNet(6, 4, 3, dtype=np.float32)
    x, t = np.ones((2, 6), dtype=np.float32), np.array([0, 2])
    with pytest.warns(PrecisionWarning, match="float32"):
        numerical_gradient(lambda w: net.loss(x, t), net.params["b2"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numerical_gradient(lambda w: net.loss(x, t), TwoLayerNet(6, 4, 3).params["b2"])


def test_two_layer_net_defaults_are_chapter_5s_and_sigmoid_is_chapter_4s():
    np.random.seed(0)
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert net.lastLayer is net.last_layer
    # seed=None draws from the global generator, as the book's np.random.randn.
    np.random.seed(0)
    np.testing.assert_array_equal(net.params["W1"], 0.01 * np.random.randn(784, 50))
    ch4 = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, activation="sigmoid")
    assert list(ch4.layers) == ["Affine1", "Sigmoid1", "Affine2"]


def test_book_names_exist():
    assert simpleNet is SimpleNet
    assert MultiLayerNetExtend is MultiLayerNet
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    assert mean_squared_error(y, t) == sum_squares_error(y, t) == pytest.approx(0.0975)
    scores = np.array([0.3, 2.9, 4.0])
    assert softmax_loss(scores, 2) == pytest.approx(-np.log(softmax(scores)[2]), rel=1e-6)
    net = MultiLayerNetExtend(
        input_size=784, hidden_size_list=[100, 100], output_size=10,
        use_dropout=True, dropout_ration=0.2, use_batchnorm=True,
    )  # fmt: skip
    assert net.get_config()["dropout_ratio"] == 0.2


def test_simple_net_with_the_books_weights():
    net = simpleNet()
    net.W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    np.testing.assert_allclose(net.predict(x), [1.05414809, 0.63071653, 1.1328074], rtol=1e-8)
    assert np.argmax(net.predict(x)) == 2
    # The book prints W to 8 digits, so its loss agrees to about 6 digits.
    assert net.loss(x, t) == pytest.approx(0.92806853663411326, abs=1e-6)


def test_gradient_descent_returns_x_as_the_books_text():
    def function_2(x):
        return x[0] ** 2 + x[1] ** 2

    init_x = np.array([-3.0, 4.0])
    x = gradient_descent(function_2, init_x=init_x, lr=0.1, step_num=100)
    assert isinstance(x, np.ndarray) and x.shape == (2,)
    np.testing.assert_allclose(x, [-6.11110793e-10, 8.14814391e-10], rtol=1e-6)


def _df(x, y):
    return x / 10.0, 2.0 * y


@pytest.mark.parametrize(
    ("optimizer", "first_step"),
    [
        # SGD: (x, y) - lr * (x/10, 2y)
        (SGD(lr=0.95), (-7.0 + 0.95 * 0.7, 2.0 - 0.95 * 4.0)),
        # Momentum from v = 0: v = -lr g, so the same as SGD with lr 0.1
        (Momentum(lr=0.1), (-7.0 + 0.1 * 0.7, 2.0 - 0.1 * 4.0)),
        # AdaGrad: h = g^2, step lr g / (|g| + 1e-7), about lr * sign(g)
        (AdaGrad(lr=1.5), (-7.0 + 1.5 * 0.7 / (0.7 + 1e-7), 2.0 - 1.5 * 4.0 / (4.0 + 1e-7))),
        # Adam's first step is about lr * sign(g)
        (Adam(lr=0.3), (-6.7, 1.7)),
    ],
)
def test_optimizers_update_the_books_python_floats(optimizer, first_step):
    params = {}
    params["x"], params["y"] = -7.0, 2.0
    grads = {}
    grads["x"], grads["y"] = 0, 0
    grads["x"], grads["y"] = _df(params["x"], params["y"])
    optimizer.update(params, grads)
    assert isinstance(params["x"], float) and isinstance(params["y"], float)
    assert params["x"] == pytest.approx(first_step[0], abs=1e-5)
    assert params["y"] == pytest.approx(first_step[1], abs=1e-5)
    for _ in range(29):  # the book's 30 steps all run
        grads["x"], grads["y"] = _df(params["x"], params["y"])
        optimizer.update(params, grads)
    assert abs(params["x"]) < 7.0


def _toy_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 4)) + np.eye(3, 4)[t] * 5.0
    return x, t


def test_trainer_takes_the_books_arguments_and_prints_by_default(capsys):
    x, t = _toy_data()
    network = MultiLayerNet(input_size=4, hidden_size_list=[8], output_size=3, seed=0)
    trainer = Trainer(
        network, x[:100], t[:100], x[100:], t[100:], epochs=3, mini_batch_size=20,
        optimizer="SGD", optimizer_param={"lr": 0.1}, evaluate_sample_num_per_epoch=None,
    )  # fmt: skip
    trainer.train()
    out = capsys.readouterr().out
    assert out.count("=== epoch:") == 3 and "=== epoch:3, train acc:" in out
    assert "test acc:" + str(trainer.test_acc_list[-1]) in out.splitlines()[-1]
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
    assert len(trainer.train_loss_list) == 3 * 5
    assert trainer.train_acc_list[-1] > 0.9

    quiet = Trainer(network, x[:100], t[:100], x[100:], t[100:], epochs=1, verbose=False)
    quiet.train()
    assert capsys.readouterr().out == ""


class LearnersNet:
    """A learner's own network with the book's protocol and nothing else."""

    def __init__(self):
        self.params = {"W": np.zeros((4, 3)), "b": np.zeros(3)}

    def predict(self, x):
        return x @ self.params["W"] + self.params["b"]

    def loss(self, x, t):
        y = softmax(self.predict(x))
        return -np.mean(np.log(y[np.arange(len(t)), t] + 1e-7))

    def accuracy(self, x, t):
        return float(np.mean(np.argmax(self.predict(x), axis=1) == t))

    def gradient(self, x, t):
        dy = softmax(self.predict(x))
        dy[np.arange(len(t)), t] -= 1
        dy /= len(t)
        return {"W": x.T @ dy, "b": dy.sum(axis=0)}


def test_trainer_trains_a_learners_own_network():
    x, t = _toy_data()
    net = LearnersNet()
    trainer = Trainer(net, x[:100], t[:100], x[100:], t[100:], epochs=5, mini_batch_size=20,
                      optimizer="sgd", optimizer_param={"lr": 0.5}, verbose=False)  # fmt: skip
    trainer.train()
    assert trainer.train_loss_list[0] == pytest.approx(np.log(3), rel=1e-6)  # zero weights
    assert trainer.train_loss_list[-1] < 0.5 * np.log(3)
    assert trainer.test_acc_list[-1] > 0.9
    with pytest.raises(TypeError, match="checkpoint"):
        Trainer(net, x, t, x, t, checkpoint_dir="runs", verbose=False)


def test_save_params_and_load_params_take_file_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    network = SimpleConvNet(input_dim=(1, 10, 10), hidden_size=10, seed=0)
    network.save_params("params.pkl")  # the book's name; our safe format inside
    assert (tmp_path / "params.pkl").read_bytes()[:2] == b"PK"
    again = SimpleConvNet(input_dim=(1, 10, 10), hidden_size=10, seed=1)
    again.load_params("params.pkl")
    for key in network.params:
        np.testing.assert_array_equal(again.params[key], network.params[key])
    x = np.random.default_rng(0).random((2, 1, 10, 10))
    np.testing.assert_array_equal(again.predict(x), network.predict(x))
    with pytest.raises(ModelFileError, match=r"nope\.pkl: no such parameter file") as err:
        again.load_params("nope.pkl")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ModelFileError, match="fifo: not a regular file"):
        again.load_params(tmp_path / "fifo")  # refused, not a blocked open
    assert "'n', 'o'" not in str(err.value)  # not the file name's letters
    with pytest.raises(ModelFileError, match=r"SimpleConvNet.*TwoLayerNet"):
        TwoLayerNet(4, 3, 2).load_params("params.pkl")


def test_load_params_reads_the_books_pickles(book_weights):
    network = SimpleConvNet()
    network.load_params(str(book_weights / "first-edition-2016" / "simple_convnet_params.pkl"))
    assert network.dtype == np.float64
    assert network.params["W1"].shape == (30, 1, 5, 5)
    # The layers use the loaded arrays, not the random ones.
    assert network.layers["Conv1"].W is network.params["W1"]


def test_convolution_takes_the_books_scalar_bias():
    w = np.arange(9.0).reshape(1, 1, 3, 3)
    img = np.ones((1, 1, 5, 5))
    out = Convolution(w, 0).forward(img)
    np.testing.assert_array_equal(out, np.full((1, 1, 3, 3), 36.0))
    np.testing.assert_array_equal(Convolution(w, 1.5).forward(img), out + 1.5)


def test_labels_as_a_column_as_the_books_ch7_gradient_check():
    network = SimpleConvNet(
        input_dim=(1, 10, 10),
        conv_param={"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1},
        hidden_size=10, output_size=10, weight_init_std=0.01, seed=0,
    )  # fmt: skip
    X = np.random.default_rng(0).random(100).reshape((1, 1, 10, 10))
    T = np.array([1]).reshape((1, 1))
    grad_num = network.numerical_gradient(X, T)
    grad = network.gradient(X, T)
    for key in grad_num:
        assert np.abs(grad_num[key] - grad[key]).mean() < 1e-6, key
    assert network.loss(X, T) == pytest.approx(network.loss(X, np.array([1])))


@pytest.mark.mnist
@pytest.mark.slow
def test_the_books_chapter_5_loop_reaches_97_percent(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    np.random.seed(0)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    iters_num, train_size, batch_size, learning_rate = 10000, x_train.shape[0], 100, 0.1
    for _ in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]
    assert network.accuracy(x_test, t_test) > 0.965


@pytest.mark.parametrize("module", ["functions", "layers", "optimizers", "util"])
def test_star_imports_hand_over_numpy_as_the_books_modules_do(module):
    # e.g. the book's ch06/optimizer_compare_mnist.py uses np after
    # `from common.optimizer import *` alone.
    namespace: dict = {}
    exec(f"from dlscratch.{module} import *", namespace)
    assert namespace["np"] is np


def test_chapter_4s_two_layer_net_by_import_alone():
    from dlscratch.networks import ch04

    np.random.seed(0)
    net = ch04.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    assert list(net.layers) == ["Affine1", "Sigmoid1", "Affine2"]
    assert net.get_config()["activation"] == "sigmoid"
    np.random.seed(0)
    np.testing.assert_array_equal(net.params["W1"], 0.01 * np.random.randn(784, 50))
    assert isinstance(net, TwoLayerNet)
