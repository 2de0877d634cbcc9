"""Networks of the book, chapter by chapter (3: ThreeLayerNet, 4: SimpleNet,
4-5: TwoLayerNet, 6: MultiLayerNet, 7: SimpleConvNet, 8: DeepConvNet), under the
book's names too (``simpleNet``, ``MultiLayerNetExtend``). All compute in float64
unless built with ``dtype=np.float32``.

``ARCHITECTURES`` maps each short name (``'two-layer'``, as on the command line) to its
entry, ``NETWORKS`` each class name (as stored in model files) to its class; both come
from one table in :mod:`dlscratch.networks.registry`. ``guess_architecture`` tells the
book's networks apart by their parameters.
"""

from __future__ import annotations

from dlscratch.networks.base import LayeredNetwork, Network, weight_std
from dlscratch.networks.convnet import DeepConvNet, SimpleConvNet
from dlscratch.networks.multi_layer import MultiLayerNet, MultiLayerNetExtend
from dlscratch.networks.registry import (
    ARCHITECTURES,
    MNIST_ARCHITECTURES,
    NETWORKS,
    Architecture,
    get_architecture,
    guess_architecture,
)
from dlscratch.networks.simple import SimpleNet, simpleNet
from dlscratch.networks.three_layer import ThreeLayerNet, forward, init_network
from dlscratch.networks.two_layer import TwoLayerNet

__all__ = [
    "ARCHITECTURES",
    "MNIST_ARCHITECTURES",
    "NETWORKS",
    "Architecture",
    "DeepConvNet",
    "LayeredNetwork",
    "MultiLayerNet",
    "MultiLayerNetExtend",
    "Network",
    "SimpleConvNet",
    "SimpleNet",
    "ThreeLayerNet",
    "TwoLayerNet",
    "forward",
    "get_architecture",
    "guess_architecture",
    "init_network",
    "simpleNet",
    "weight_std",
]
