"""Networks of the book, chapter by chapter (3: ThreeLayerNet, 4: SimpleNet,
4-5: TwoLayerNet).

``NETWORKS`` maps each architecture name, as stored in model files, to its class.
"""

from __future__ import annotations

from dlscratch.networks.base import LayeredNetwork, Network, weight_std
from dlscratch.networks.simple import SimpleNet
from dlscratch.networks.three_layer import ThreeLayerNet, forward, init_network
from dlscratch.networks.two_layer import TwoLayerNet

NETWORKS: dict[str, type[Network]] = {
    cls.architecture: cls for cls in (ThreeLayerNet, SimpleNet, TwoLayerNet)
}

__all__ = [
    "NETWORKS",
    "LayeredNetwork",
    "Network",
    "SimpleNet",
    "ThreeLayerNet",
    "TwoLayerNet",
    "forward",
    "init_network",
    "weight_std",
]
