"""Networks of the book, chapter by chapter (3: ThreeLayerNet, 4: SimpleNet,
4-5: TwoLayerNet, 6: MultiLayerNet, 7: SimpleConvNet, 8: DeepConvNet), under the
book's names too (``simpleNet``, ``MultiLayerNetExtend``). All compute in float64
unless built with ``dtype=np.float32``.

``NETWORKS`` maps each architecture name, as stored in model files, to its class.
"""

from __future__ import annotations

from dlscratch.networks.base import LayeredNetwork, Network, weight_std
from dlscratch.networks.convnet import DeepConvNet, SimpleConvNet
from dlscratch.networks.multi_layer import MultiLayerNet, MultiLayerNetExtend
from dlscratch.networks.simple import SimpleNet, simpleNet
from dlscratch.networks.three_layer import ThreeLayerNet, forward, init_network
from dlscratch.networks.two_layer import TwoLayerNet

NETWORKS: dict[str, type[Network]] = {
    cls.architecture: cls
    for cls in (ThreeLayerNet, SimpleNet, TwoLayerNet, MultiLayerNet, SimpleConvNet, DeepConvNet)
}

__all__ = [
    "NETWORKS",
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
    "init_network",
    "simpleNet",
    "weight_std",
]
