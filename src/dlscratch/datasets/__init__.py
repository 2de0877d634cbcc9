"""Datasets: the IDX reader and MNIST (book ch. 3.6.1, ``dataset/mnist.py``).

``load_mnist`` finds, downloads, verifies and caches the four MNIST files; see
:mod:`dlscratch.datasets.mnist`. ``read_idx`` reads any IDX file; see
:mod:`dlscratch.datasets.idx`.
"""

from __future__ import annotations

from dlscratch.datasets.idx import IDX_DTYPES, IdxHeader, parse_idx_header, read_idx
from dlscratch.datasets.mnist import (
    ENV_CACHE_DIR,
    ENV_DATA_DIR,
    ENV_NO_CACHE,
    IMAGE_MAGIC,
    LABEL_MAGIC,
    MNIST_FILES,
    MNIST_GZ_MD5,
    MNIST_MD5,
    MNIST_MIRRORS,
    MNIST_SHAPES,
    DataSource,
    MnistFileInfo,
    MnistInfo,
    cache_root,
    download_mnist,
    load_mnist,
    mnist_info,
    read_mnist_file,
    resolve_data_dir,
)

__all__ = [
    "ENV_CACHE_DIR",
    "ENV_DATA_DIR",
    "ENV_NO_CACHE",
    "IDX_DTYPES",
    "IMAGE_MAGIC",
    "LABEL_MAGIC",
    "MNIST_FILES",
    "MNIST_GZ_MD5",
    "MNIST_MD5",
    "MNIST_MIRRORS",
    "MNIST_SHAPES",
    "DataSource",
    "IdxHeader",
    "MnistFileInfo",
    "MnistInfo",
    "cache_root",
    "download_mnist",
    "load_mnist",
    "mnist_info",
    "parse_idx_header",
    "read_idx",
    "read_mnist_file",
    "resolve_data_dir",
]
