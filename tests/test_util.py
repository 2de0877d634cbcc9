import numpy as np
import pytest

from dlscratch import layers
from dlscratch.errors import ShapeError
from dlscratch.util import col2im, conv_output_size, im2col, shuffle_dataset, smooth_curve


def test_shuffle_dataset_keeps_pairs_together():
    x = np.arange(20.0).reshape(10, 2)
    t = np.arange(10)
    xs, ts = shuffle_dataset(x, t, seed=0)
    assert sorted(ts.tolist()) == list(range(10)) and ts.tolist() != list(range(10))
    np.testing.assert_array_equal(xs, x[ts])  # row i of xs is the sample labelled ts[i]
    x4 = np.arange(10 * 4.0).reshape(10, 1, 2, 2)  # images work too (the book's 4-D case)
    xs4, ts4 = shuffle_dataset(x4, t, seed=0)
    np.testing.assert_array_equal(xs4, x4[ts4])


def test_shuffle_dataset_follows_numpy_global_seed_like_the_book():
    x, t = np.arange(50.0).reshape(25, 2), np.arange(25)
    np.random.seed(3)
    expected = np.random.permutation(25)
    np.random.seed(3)
    _, ts = shuffle_dataset(x, t)
    np.testing.assert_array_equal(ts, expected)
    with pytest.raises(ShapeError, match="same number of samples"):
        shuffle_dataset(x, t[:3])


def test_util_exports_the_layers_im2col():
    assert im2col is layers.im2col and col2im is layers.col2im
    assert conv_output_size(28, 5) == 24


def test_smooth_curve_keeps_length_and_constants():
    np.testing.assert_allclose(smooth_curve(np.full(30, 2.5)), 2.5)
    noisy = np.sin(np.linspace(0, 3, 200)) + np.tile([0.1, -0.1], 100)
    smooth = smooth_curve(noisy)
    assert smooth.shape == noisy.shape
    assert np.abs(np.diff(smooth)).max() < np.abs(np.diff(noisy)).max() / 4
