import numpy as np
import pytest

from dlscratch.errors import ShapeError
from dlscratch.functions import softmax
from dlscratch.inference import probabilities, top_classes
from dlscratch.networks import SimpleConvNet, ThreeLayerNet, TwoLayerNet
from dlscratch.plotting import plot_prediction


def test_probabilities_feed_each_network_its_shape_and_end_in_softmax():
    rng = np.random.default_rng(0)
    images = rng.random((3, 28, 28))
    mlp = TwoLayerNet(784, 20, 10, seed=0)
    np.testing.assert_allclose(
        probabilities(mlp, images), softmax(mlp.predict(images.reshape(3, 784)))
    )
    conv = SimpleConvNet(seed=0)
    np.testing.assert_allclose(probabilities(conv, images), softmax(conv.predict(images[:, None])))
    params = {f"W{i}": rng.normal(size=s) for i, s in ((1, (784, 5)), (2, (5, 4)), (3, (4, 10)))}
    params.update({f"b{i}": np.zeros(n) for i, n in ((1, 5), (2, 4), (3, 10))})
    ch3 = ThreeLayerNet(params)  # ends in softmax already: not applied twice
    np.testing.assert_allclose(
        probabilities(ch3, images[0]), ch3.predict(images[:1].reshape(1, -1))
    )
    assert probabilities(ch3, images[0]).shape == (1, 10)
    with pytest.raises(ShapeError, match=r"expected \(28, 28\) or \(N, 28, 28\)"):
        probabilities(mlp, np.zeros((3, 784)))


def test_top_classes_best_first():
    p = np.array([0.1, 0.6, 0.05, 0.25])
    assert top_classes(p, k=2) == [(1, 0.6), (3, 0.25)]


def test_plot_prediction_shows_the_three_panels_and_the_winner():
    p = np.full(10, 0.02)
    p[7] = 0.82
    fig = plot_prediction(np.eye(40), np.zeros((28, 28)), p, title="seven.png")
    ax1, ax2, ax3 = fig.axes
    assert ax1.images[0].get_array().shape == (40, 40)
    assert ax2.images[0].get_array().shape == (28, 28)
    heights = [bar.get_height() for bar in ax3.patches]
    np.testing.assert_allclose(heights, p)
    assert ax3.get_title() == "prediction: 7 (82.0%)"
    assert fig.texts[0].get_text() == "seven.png"
