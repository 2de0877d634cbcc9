"""dlscratch.serve through Flask's test client: the JSON API, its errors, model loading."""

from __future__ import annotations

import argparse
import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from dlscratch.errors import DataNotFoundError
from dlscratch.functions import softmax
from dlscratch.io import save_model
from dlscratch.networks import LayeredNetwork, ThreeLayerNet, TwoLayerNet
from dlscratch.serve import add_arguments, create_app, load_models, run, run_model
from dlscratch.serve.app import MAX_CONTENT_LENGTH
from dlscratch.serve.decode import MAX_PIXELS

BOOK = ("ThreeLayerNet", "SimpleConvNet", "DeepConvNet")


@pytest.fixture(scope="module")
def loaded(book_weights):
    found = load_models(book_weights)
    assert list(found.models) == list(BOOK), found.notes
    return found


@pytest.fixture(scope="module")
def client(loaded):
    app = create_app(loaded.models, loaded.sources, loaded.captions)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(scope="module")
def test_digits(mnist):
    """The first 8 MNIST test digits (7 2 1 0 4 1 4 9) as (8, 28, 28) float32, labels."""
    _, (x_test, t_test) = mnist
    return x_test[:8].reshape(-1, 28, 28), t_test[:8]


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def on_paper(digit: np.ndarray) -> bytes:
    """An MNIST digit 4x larger, dark ink on a white page, off centre, as a PNG."""
    big = Image.fromarray((digit * 255).astype(np.uint8)).resize(
        (112, 112), Image.Resampling.BICUBIC
    )
    page = np.full((300, 240), 255, dtype=np.uint8)
    page[40:152, 100:212] = 255 - np.asarray(big)
    return png_bytes(page)


def winners(response) -> dict[str, int]:
    assert response.status_code == 200, response.get_json()
    return {m["name"]: m["winner"] for m in response.get_json()["models"]}


def good_request(client, digit) -> dict[str, int]:
    return winners(client.post("/api/predict", json={"pixels": digit.tolist()}))


def test_the_page_is_served_and_needs_no_network(client):
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    for ident in ('id="pad"', 'id="clear"', 'id="upload"', 'id="preview"'):
        assert ident in page
    # Works offline: nothing is fetched from another host.
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


def test_models_lists_the_books_networks_with_captions(client):
    models = client.get("/api/models").get_json()["models"]
    assert [m["name"] for m in models] == list(BOOK)
    assert models[0]["input"] == "flat (784,)" and models[2]["input"] == "image (1, 28, 28)"
    assert "Chapter 3" in models[0]["caption"] and "Chapter 7" in models[1]["caption"]
    # The first edition's ConvNet weights are preferred (0.9890 and 0.9935 on the test set).
    assert "first-edition-2016" in models[2]["source"]


@pytest.mark.mnist
def test_prepared_digits_are_read_right_by_every_model(client, loaded, test_digits):
    digits, labels = test_digits
    for digit, label in zip(digits, labels, strict=True):
        r = client.post("/api/predict", json={"pixels": digit.tolist()})
        body = r.get_json()
        assert winners(r) == dict.fromkeys(BOOK, int(label))
        # The 28x28 is used as it is, and the probabilities are the networks' own.
        np.testing.assert_allclose(body["image"], digit, atol=1e-3)
        for m in body["models"]:
            net = loaded.models[m["name"]]
            x = (
                digit.reshape(1, 1, 28, 28)
                if m["name"] != "ThreeLayerNet"
                else digit.reshape(1, -1)
            )
            y = net.predict(x)
            expected = y if isinstance(net, ThreeLayerNet) else softmax(y)
            np.testing.assert_allclose(m["probabilities"], expected[0], atol=1e-5)
            assert sum(m["probabilities"]) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.mnist
def test_inside_views_have_the_layers_shapes(client, test_digits):
    body = client.post("/api/predict", json={"pixels": test_digits[0][0].tolist()}).get_json()
    inside = {m["name"]: m["inside"] for m in body["models"]}
    mlp = inside["ThreeLayerNet"]
    assert mlp["kind"] == "hidden"
    assert [len(layer["values"]) for layer in mlp["layers"]] == [50, 100]
    assert all(0.0 <= v <= 1.0 for layer in mlp["layers"] for v in layer["values"])
    simple, deep = (
        np.array(inside["SimpleConvNet"]["maps"]),
        np.array(inside["DeepConvNet"]["maps"]),
    )
    assert simple.shape == (30, 24, 24) and deep.shape == (16, 28, 28)
    for view, maps in ((inside["SimpleConvNet"], simple), (inside["DeepConvNet"], deep)):
        assert view["kind"] == "feature_maps" and view["max"] > 0
        assert maps.min() >= 0 and maps.max() == 255  # scaled by their common maximum


@pytest.mark.mnist
def test_the_feature_maps_are_the_first_convolution_after_relu(loaded, test_digits):
    net = loaded.models["DeepConvNet"]
    assert isinstance(net, LayeredNetwork)
    digit = test_digits[0][2]
    x = digit.reshape(1, 1, 28, 28).astype(np.float32)
    first = np.maximum(net.layers["Conv1"].forward(x, False), 0)[0]
    view = run_model(net, digit)["inside"]
    np.testing.assert_allclose(view["max"], first.max(), rtol=1e-6)
    np.testing.assert_allclose(
        np.array(view["maps"]) / 255 * first.max(), first, atol=first.max() / 255
    )


@pytest.mark.mnist
def test_a_picture_of_a_digit_on_paper_is_read_right(client, test_digits):
    digits, labels = test_digits
    for digit, label in zip(digits[:4], labels[:4], strict=True):
        png = on_paper(digit)
        expected = dict.fromkeys(BOOK, int(label))
        form = client.post(
            "/api/predict",
            data={"image": (io.BytesIO(png), "digit.png")},
            content_type="multipart/form-data",
        )
        assert winners(form) == expected
        # MNIST's recipe brings the digit back close to the original.
        assert np.abs(np.array(form.get_json()["image"]) - digit).mean() < 0.1
        raw = client.post("/api/predict", data=png, content_type="image/png")
        assert winners(raw) == expected
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        assert winners(client.post("/api/predict", json={"image": url})) == expected


def image_bytes(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.mnist
def test_jpeg_a_transparent_png_and_a_big_photo_are_read_right(client, test_digits):
    digit, label = test_digits[0][7], int(test_digits[1][7])  # a 9
    ink = Image.fromarray((digit * 255).astype(np.uint8)).resize(
        (200, 200), Image.Resampling.BICUBIC
    )
    # Dark ink on a transparent background (a drawing app's export): transparent is paper.
    rgba = Image.new("RGBA", ink.size, (0, 0, 0, 0))
    rgba.putalpha(ink)
    # A 2400x1800 JPEG photo with the digit in a corner: shrunk to 1024 before the recipe.
    photo = Image.new("L", (2400, 1800), 230)
    photo.paste(Image.eval(ink.resize((600, 600)), lambda v: 230 - v * 200 // 255), (1500, 1000))
    for body, kind in ((rgba, "PNG"), (photo, "JPEG"), (photo.convert("RGB"), "PNG")):
        r = client.post(
            "/api/predict", data=image_bytes(body, kind), content_type="image/" + kind.lower()
        )
        assert winners(r) == dict.fromkeys(BOOK, label), kind


def _json(text: str) -> dict:
    return {"data": text, "content_type": "application/json"}


def _pixels(value) -> dict:
    return {"json": {"pixels": value}}


ROW = [0.0] * 28
BAD_REQUESTS = {
    "not an image": (
        {"data": b"hello, not a picture", "content_type": "image/png"},
        415,
        "not a readable image",
    ),
    "empty body": ({"data": b"", "content_type": "image/png"}, 400, "empty body"),
    "a blank picture": (
        {"data": png_bytes(np.full((50, 50), 255, np.uint8)), "content_type": "image/png"},
        400,
        "no ink",
    ),
    "27 rows": (_pixels([ROW] * 27), 400, "expected 28 lists of 28 numbers"),
    "a short row": (_pixels([ROW] * 27 + [ROW[:5]]), 400, "expected 28 lists of 28 numbers"),
    "flat pixels": (_pixels(ROW * 28), 400, "expected 28 lists of 28 numbers"),
    "pixels as a string": (_pixels("0.5"), 400, "got str"),
    "strings inside": (_pixels([ROW] * 27 + [["0.5"] * 28]), 400, "got str"),
    "booleans inside": (_pixels([ROW] * 27 + [[True] * 28]), 400, "got bool"),
    "null inside": (_pixels([ROW] * 27 + [[None] * 28]), 400, "got NoneType"),
    "NaN": (
        _json('{"pixels": [' + ",".join(["[" + ",".join(["NaN"] * 28) + "]"] * 28) + "]}"),
        400,
        "NaN",
    ),
    "out of range": (_pixels([ROW] * 27 + [[255] * 28]), 400, "values from 0 to 255"),
    "invalid JSON": (_json("{not json"), 400, "not valid JSON"),
    "a JSON list": (_json("[1, 2]"), 400, 'expected an object with one key, "pixels"'),
    "both keys": ({"json": {"pixels": [ROW] * 28, "image": "x"}}, 400, "one key"),
    "an unknown key": ({"json": {"pictures": 1}}, 400, "got ['pictures']"),
    "image not a string": ({"json": {"image": 5}}, 400, "expected a data URL string"),
    "image not a data URL": ({"json": {"image": "hello"}}, 400, "expected a data URL string"),
    "bad base64": ({"json": {"image": "data:image/png;base64,@@@"}}, 400, "does not decode"),
    "a data URL of text": (
        {"json": {"image": "data:image/png;base64," + base64.b64encode(b"text").decode()}},
        415,
        "not a readable image",
    ),
    "no image field": (
        {"data": {"file": (io.BytesIO(b"x"), "a.png")}, "content_type": "multipart/form-data"},
        400,
        "expected a file field 'image'",
    ),
}


@pytest.mark.mnist
@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_bad_requests_get_a_clear_4xx_and_the_server_goes_on(client, test_digits, case):
    kwargs, status, message = BAD_REQUESTS[case]
    if isinstance(kwargs.get("data"), dict):  # a multipart form's file is read once
        kwargs = {
            **kwargs,
            "data": {k: (io.BytesIO(b"x"), v[1]) for k, v in kwargs["data"].items()},
        }
    r = client.post("/api/predict", **kwargs)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert message in r.get_json()["error"]
    assert good_request(client, test_digits[0][1]) == dict.fromkeys(BOOK, 2)


@pytest.mark.mnist
def test_a_huge_picture_is_refused_before_decoding(client, test_digits):
    side = int(MAX_PIXELS**0.5) + 10
    huge = png_bytes(np.full((side, side), 255, np.uint8))  # white compresses to ~100 kB
    assert len(huge) < MAX_CONTENT_LENGTH
    r = client.post("/api/predict", data=huge, content_type="image/png")
    assert r.status_code == 413
    assert f"{side}x{side}" in r.get_json()["error"] and "at most" in r.get_json()["error"]
    assert good_request(client, test_digits[0][0]) == dict.fromkeys(BOOK, 7)


@pytest.mark.mnist
def test_requests_above_the_size_limit_get_413(client, test_digits):
    big = b"\x89PNG" + b"\0" * MAX_CONTENT_LENGTH
    raw = client.post("/api/predict", data=big, content_type="image/png")
    form = client.post(
        "/api/predict",
        data={"image": (io.BytesIO(big), "big.png")},
        content_type="multipart/form-data",
    )
    for r in (raw, form):
        assert r.status_code == 413
        assert "request too large: at most 4 MB" in r.get_json()["error"]
    assert good_request(client, test_digits[0][0]) == dict.fromkeys(BOOK, 7)


def test_other_api_errors_are_json(client):
    r = client.get("/api/predict")
    assert r.status_code == 405 and "Method Not Allowed" in r.get_json()["error"]
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and "error" in r.get_json()


def test_load_models_says_what_it_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("DLSCRATCH_BOOK_WEIGHTS", raising=False)
    found = load_models()
    assert found.models == {} and "no weights folder" in found.notes[0]
    found = load_models(tmp_path)
    assert found.models == {}
    assert [n.split(":")[0] for n in found.notes] == [f"skipped {name}" for name in BOOK]
    assert "sample_weight.pkl" in found.notes[0]


def test_npz_models_are_loaded_checked_and_shown(tmp_path):
    save_model(TwoLayerNet(784, 20, 10, seed=0), tmp_path / "mine.npz")
    save_model(TwoLayerNet(10, 5, 3, seed=0), tmp_path / "toy.npz")
    (tmp_path / "broken.npz").write_bytes(b"not a zip file")
    files = [
        tmp_path / "mine.npz",
        tmp_path / "toy.npz",
        tmp_path / "broken.npz",
        tmp_path / "mine.npz",
    ]
    found = load_models(tmp_path / "no-such-folder", files)
    assert list(found.models) == ["mine", "mine-2"]
    skipped = [n for n in found.notes if n.startswith("skipped")]
    assert any("toy.npz" in n and "28x28" in n for n in skipped)
    assert any("broken.npz" in n for n in skipped)

    client = create_app(found.models, found.sources).test_client()
    info = client.get("/api/models").get_json()["models"][0]
    assert info["architecture"] == "TwoLayerNet" and "mine.npz" in info["caption"]
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 13:15] = 1.0
    body = client.post("/api/predict", json={"pixels": digit.tolist()}).get_json()
    mine = body["models"][0]
    net = found.models["mine"]
    np.testing.assert_allclose(
        mine["probabilities"], softmax(net.predict(digit.reshape(1, -1)))[0], atol=1e-5
    )
    assert mine["inside"]["kind"] == "hidden"
    assert [len(layer["values"]) for layer in mine["inside"]["layers"]] == [20]


def test_run_refuses_to_serve_nothing(tmp_path, capsys):
    with pytest.raises(DataNotFoundError, match="no models to serve"):
        run(weights_dir=tmp_path, port=0)
    assert "skipped DeepConvNet" in capsys.readouterr().out


def test_command_line_arguments():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--port", "8123", "--weights-dir", "w", "a.npz", "b.npz"])
    assert (args.host, args.port, args.weights_dir, args.models) == (
        "127.0.0.1",
        8123,
        "w",
        ["a.npz", "b.npz"],
    )
    assert parser.parse_args([]).port == 8000
    with pytest.raises(SystemExit):
        parser.parse_args(["--port", "99999"])


@pytest.mark.mnist
def test_models_run_one_request_at_a_time(client, test_digits):
    """Layers keep state between forward calls: concurrent requests must not mix."""
    from concurrent.futures import ThreadPoolExecutor

    digits, labels = test_digits
    payloads = [json.dumps({"pixels": d.tolist()}) for d in digits]

    def ask(i: int) -> dict[str, int]:
        own = client.application.test_client()
        return winners(own.post("/api/predict", data=payloads[i], content_type="application/json"))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(ask, list(range(len(digits))) * 2))
    assert results == [dict.fromkeys(BOOK, int(t)) for t in labels] * 2
