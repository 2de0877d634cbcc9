import numpy as np
import pytest
from PIL import Image

from dlscratch.datasets.handwriting import BOX, SIZE, load_image, preprocess_digit
from dlscratch.errors import DataError, ShapeError


def _centre_of_mass(img):
    ys, xs = np.indices(img.shape)
    return (ys * img).sum() / img.sum(), (xs * img).sum() / img.sum()


def test_a_tall_stroke_fills_20_rows_and_is_centred_by_mass():
    page = np.ones((300, 200))  # white paper
    page[40:260, 90:110] = 0.0  # a dark vertical bar: 220 x 20
    out = preprocess_digit(page)
    assert out.shape == (SIZE, SIZE) and out.dtype == np.float32
    assert out.max() == pytest.approx(1.0) and out.min() >= 0.0
    rows = np.flatnonzero(out.max(axis=1) > 0.5)
    assert rows[-1] - rows[0] + 1 == BOX  # the long side fits the 20x20 box
    cols = np.flatnonzero(out.max(axis=0) > 0.5)
    assert 1 <= len(cols) <= 3  # aspect ratio kept: 20 / 220 * 20 is about 2 pixels
    cy, cx = _centre_of_mass(out)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_polarity_and_colour_do_not_matter():
    page = np.ones((120, 90))
    page[20:100, 30:40] = 0.0
    page[20:30, 30:70] = 0.0  # a "7"-ish corner
    dark_on_light = preprocess_digit(page)
    np.testing.assert_allclose(preprocess_digit(1.0 - page), dark_on_light, atol=1e-6)
    rgb = np.repeat((page * 255).astype(np.uint8)[..., None], 3, axis=2)
    np.testing.assert_allclose(preprocess_digit(rgb), dark_on_light, atol=1e-5)
    assert _centre_of_mass(dark_on_light)[1] < 14.0  # the mass sits left of the bar's top


def test_the_centre_of_mass_lands_in_the_middle_even_off_centre():
    page = np.zeros((100, 100))
    page[5:30, 70:90] = 1.0  # bright ink on black, in a corner
    out = preprocess_digit(page)
    cy, cx = _centre_of_mass(out)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_bad_pictures_are_clear_errors(tmp_path):
    with pytest.raises(ShapeError, match="no ink"):
        preprocess_digit(np.full((50, 50), 0.8))
    with pytest.raises(ShapeError, match=r"expected a grey \(H, W\)"):
        preprocess_digit(np.zeros((3, 4, 5, 6)))
    with pytest.raises(ValueError, match="threshold"):
        preprocess_digit(np.eye(10), threshold=1.5)
    junk = tmp_path / "digit.png"
    junk.write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"digit\.png: not a readable image"):
        load_image(junk)
    with pytest.raises(DataError, match="no such image"):
        load_image(tmp_path / "missing.png")


def test_load_image_reads_grey_and_puts_transparency_on_white(tmp_path):
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)  # fully transparent...
    rgba[2:8, 4:6] = [0, 0, 0, 255]  # ...but for an opaque black stroke
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "d.png")
    grey = load_image(tmp_path / "d.png")
    assert grey.shape == (10, 10) and grey.dtype == np.float64
    assert grey[0, 0] == 1.0 and grey[4, 4] == 0.0


@pytest.mark.mnist
def test_mnist_digits_pasted_large_on_a_page_come_back(mnist):
    _, (x_test, _) = mnist
    diffs = []
    for digit in x_test[:50].reshape(-1, 28, 28):
        big = Image.fromarray((digit * 255).astype(np.uint8)).resize(
            (112, 112), Image.Resampling.BICUBIC
        )
        page = np.full((260, 200), 255, dtype=np.uint8)
        page[70:182, 40:152] = 255 - np.asarray(big)  # dark ink on white paper
        back = preprocess_digit(page)
        diffs.append(np.abs(back - digit).mean())
    # MNIST is itself anti-aliased, so the round trip differs only at stroke edges.
    assert np.mean(diffs) < 0.08 and np.max(diffs) < 0.16


@pytest.mark.slow
def test_the_books_deep_convnet_reads_other_handwriting_through_the_recipe(book_weights):
    """UCI's handwritten digits (not MNIST: 1797 scans of other writers, 8x8, shipped
    with scikit-learn): >= 90% through the MNIST recipe, far less by plain resizing."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    from dlscratch.networks import DeepConvNet

    digits = sklearn_datasets.load_digits()
    net = DeepConvNet(dtype=np.float32)
    net.load_params(book_weights / "first-edition-2016" / "deep_convnet_params.pkl")
    # 0..16 bright ink on black; a 2-pixel frame of paper lets the polarity be read.
    x = np.stack([preprocess_digit(np.pad(im / 16.0, 2)) for im in digits.images])
    recipe = net.accuracy(x[:, None], digits.target)
    plain = np.stack(
        [
            np.asarray(
                Image.fromarray((im / 16.0).astype(np.float32), mode="F").resize(
                    (28, 28), Image.Resampling.BILINEAR
                )
            )
            for im in digits.images
        ]
    )
    resized = net.accuracy(plain[:, None], digits.target)
    assert recipe >= 0.90
    assert resized < recipe - 0.1
