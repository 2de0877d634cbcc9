import json

import numpy as np
import pytest
from PIL import Image

from dlscratch.cli import main


def _photo(path, digit):
    """An MNIST digit as a 'photo': dark ink, 4x larger, on off-white paper, RGB JPEG."""
    big = Image.fromarray((255 - digit * 255).astype(np.uint8)).resize(
        (112, 112), Image.Resampling.BICUBIC
    )
    page = Image.new("RGB", (200, 240), (250, 248, 240))
    page.paste(big.convert("RGB"), (40, 50))
    page.save(path)


@pytest.fixture()
def photos(tmp_path, mnist):
    _, (x_test, t_test) = mnist
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        _photo(folder / f"digit{i}.jpg", x_test[i].reshape(28, 28))
    return folder, [int(t) for t in t_test[:3]]


@pytest.mark.mnist
def test_predict_reads_a_folder_of_photos_with_the_books_deep_convnet(
    photos, book_weights, capsys, monkeypatch
):
    folder, labels = photos
    monkeypatch.setenv("DLSCRATCH_BOOK_WEIGHTS", str(book_weights))
    assert main(["predict", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "DeepConvNet" in out.splitlines()[0]
    for i, label in enumerate(labels):
        line = next(x for x in out.splitlines() if f"digit{i}.jpg:" in x)
        assert line.split(": ")[1].startswith(f"{label} (")


@pytest.mark.mnist
def test_a_broken_image_is_one_line_and_the_others_are_still_read(photos, book_weights, capsys):
    folder, labels = photos
    (folder / "broken.png").write_bytes(b"not a png")
    weights = str(book_weights / "sample_weight.pkl")  # the chapter-3 MLP, recognised
    assert main(["predict", str(folder), "--weights", weights, "--json"]) == 1
    captured = capsys.readouterr()
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1 and "broken.png: not a readable image" in err_lines[0]
    results = {r["file"].rsplit("/", 1)[1]: r for r in json.loads(captured.out)}
    assert "error" in results["broken.png"]
    for i, label in enumerate(labels):
        r = results[f"digit{i}.jpg"]
        assert r["prediction"] == label == r["top"][0]["class"]
        assert len(r["probabilities"]) == 10 and sum(r["probabilities"]) == pytest.approx(1, 1e-4)


@pytest.mark.mnist
def test_show_and_figures(photos, book_weights, capsys, tmp_path):
    folder, _ = photos
    weights = str(book_weights / "first-edition-2016" / "simple_convnet_params.pkl")
    one = folder / "digit0.jpg"
    assert (
        main(["predict", str(one), "--weights", weights, "--show", "-o", str(tmp_path / "p.png")])
        == 0
    )
    out = capsys.readouterr().out
    art = [line for line in out.splitlines() if len(line) == 56]
    assert len(art) == 28 and any(line.strip() for line in art)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    figures = tmp_path / "figs"
    assert main(["predict", str(folder), "--weights", weights, "-o", str(figures)]) == 0
    assert sorted(p.name for p in figures.iterdir()) == [
        f"digit{i}.prediction.png" for i in range(3)
    ]


def test_predict_without_a_network_says_which_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DLSCRATCH_BOOK_WEIGHTS", raising=False)
    Image.new("L", (10, 10)).save(tmp_path / "a.png")
    assert main(["predict", str(tmp_path / "a.png")]) == 2
    assert "--weights" in capsys.readouterr().err


def test_show_and_json_do_not_mix(tmp_path, capsys):
    Image.new("L", (10, 10)).save(tmp_path / "a.png")
    assert main(["predict", str(tmp_path / "a.png"), "--show", "--json"]) == 2
    assert "--show" in capsys.readouterr().err
