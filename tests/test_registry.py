"""dlscratch.networks.registry: one table of the networks, and the book's files told
apart by their parameters."""

import numpy as np
import pytest

from dlscratch.errors import ModelFileError
from dlscratch.io import load_book_params
from dlscratch.networks import (
    ARCHITECTURES,
    MNIST_ARCHITECTURES,
    NETWORKS,
    DeepConvNet,
    SimpleConvNet,
    SimpleNet,
    ThreeLayerNet,
    get_architecture,
    guess_architecture,
)


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("sample_weight.pkl", "three-layer"),
        ("simple_convnet_params.pkl", "simple-conv"),
        ("deep_convnet_params.pkl", "deep-conv"),
        ("first-edition-2016/simple_convnet_params.pkl", "simple-conv"),
        ("first-edition-2016/deep_convnet_params.pkl", "deep-conv"),
    ],
)
def test_guess_architecture_of_the_books_files(book_weights, file, name):
    params = load_book_params(book_weights / file)
    assert guess_architecture(params) == name
    # ... and the guess is the network they load into.
    net = ARCHITECTURES[name].cls.from_book_params(params)
    assert net.architecture == {"three-layer": "ThreeLayerNet", "simple-conv": "SimpleConvNet",
                                "deep-conv": "DeepConvNet"}[name]  # fmt: skip
    assert ARCHITECTURES[name].book_file == file.split("/")[-1]


def test_guess_architecture_of_fresh_networks():
    assert guess_architecture(SimpleConvNet(hidden_size=20).params) == "simple-conv"
    assert guess_architecture(DeepConvNet().params) == "deep-conv"
    dense = {"W1": np.zeros((4, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 5)),
             "b2": np.zeros(5), "W3": np.zeros((5, 2)), "b3": np.zeros(2)}  # fmt: skip
    assert guess_architecture(dense) == "three-layer"


@pytest.mark.parametrize(
    "params",
    [
        {"W1": np.zeros((784, 50)), "b1": np.zeros(50), "W2": np.zeros((50, 10)),
         "b2": np.zeros(10)},  # two layers: the book publishes no such file
        {"W1": np.zeros((784, 50)), "b1": np.zeros(49), "W2": np.zeros((50, 100)),
         "b2": np.zeros(100), "W3": np.zeros((100, 10)), "b3": np.zeros(10)},  # b1 too short
        {"W1": np.zeros((784, 50)), "b1": np.zeros(50), "W2": np.zeros((50, 100)),
         "b2": np.zeros(100), "gamma1": np.zeros(50), "beta1": np.zeros(50)},  # batch norm
        {"W": np.zeros((2, 3))},  # the chapter-4 simpleNet
        {},
    ],
)  # fmt: skip
def test_guess_architecture_refuses_what_it_cannot_tell(params):
    with pytest.raises(ModelFileError, match="cannot tell which network") as e:
        guess_architecture(params)
    assert "sample_weight.pkl (three-layer)" in str(e.value)
    if params:
        first = next(iter(params))
        assert f"{first} {params[first].shape}" in str(e.value)


def test_one_table_for_short_names_and_class_names():
    assert list(ARCHITECTURES) == [
        "three-layer", "simple", "two-layer", "multi-layer", "simple-conv", "deep-conv",
    ]  # fmt: skip
    assert MNIST_ARCHITECTURES == [n for n in ARCHITECTURES if n != "simple"]
    assert NETWORKS == {a.cls.architecture: a.cls for a in ARCHITECTURES.values()}
    assert NETWORKS["SimpleNet"] is SimpleNet and NETWORKS["ThreeLayerNet"] is ThreeLayerNet
    for name, entry in ARCHITECTURES.items():
        assert get_architecture(name) is entry
        assert get_architecture(entry.cls.architecture) is entry
    with pytest.raises(ModelFileError, match="unknown architecture 'five-layer'; known: three"):
        get_architecture("five-layer")
