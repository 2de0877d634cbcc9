"""dlscratch serve's page in a real browser: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download cannot work here, so the system browser is used
(``executable_path``). Without chromium or Playwright the tests are skipped locally and
fail in CI (``CI`` set), as the MNIST tests do; ``.ci/run`` installs chromium.

Set ``DLSCRATCH_SERVE_SCREENSHOT`` to a path (e.g. ``docs/serve.png``) to keep a copy of
the screenshot there; by default it is written under pytest's ``tmp_path`` only.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlscratch.serve import create_app, load_models

pytestmark = [pytest.mark.mnist, pytest.mark.slow]

SCREENSHOT_ENV = "DLSCRATCH_SERVE_SCREENSHOT"
WAIT_MS = 20_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(book_weights) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, in a background thread; yields its URL."""
    from werkzeug.serving import make_server

    found = load_models(book_weights)
    app = create_app(found.models, found.sources, found.captions)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}/"
    srv.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> str:
    """The system browser's path; checked before the server loads its models."""
    path = shutil.which("chromium")
    if path is None:
        _unavailable("the browser test needs Debian's chromium: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the browser test needs Playwright for Python: pip install playwright")
    return str(path)


@pytest.fixture(scope="module")
def page(chromium, server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        messages: list[str] = []
        page.on("pageerror", lambda e: messages.append(str(e)))
        page.goto(server)
        page.wait_for_selector('.model[data-name="DeepConvNet"] .bar')
        yield page
        assert messages == [], f"JavaScript errors on the page: {messages}"
        browser.close()


def draw(page, *strokes: list[tuple[float, float]]) -> None:
    """Draw ``strokes`` (points in the pad's 280x280 coordinates) with the mouse, then
    wait until the answer to the last request is on the page."""
    box = page.locator("#pad").bounding_box()
    before = page.evaluate("dls.sent")
    for stroke in strokes:
        x0, y0 = stroke[0]
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        for (xa, ya), (xb, yb) in itertools.pairwise(stroke):
            for t in np.linspace(0, 1, 12)[1:]:
                page.mouse.move(box["x"] + xa + t * (xb - xa), box["y"] + ya + t * (yb - ya))
        page.mouse.up()
    wait_for_answer(page, before)


def wait_for_answer(page, before: int) -> None:
    page.wait_for_function(
        "n => dls.sent > n && dls.shown === dls.sent && dls.inFlight === 0", arg=before
    )


def winner(page, model: str) -> int:
    sel = f'.model[data-name="{model}"] .bar.winner'
    assert page.locator(sel).count() == 1
    return int(page.locator(sel).get_attribute("data-digit"))


def preview_ink(page) -> float:
    """Sum of the 28x28 preview's grey levels, read back from the canvas."""
    return page.evaluate(
        """() => {
            const c = document.getElementById('preview');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let s = 0;
            for (let i = 0; i < d.length; i += 4) s += d[i];
            return c.width === 28 && c.height === 28 ? s / 255 : -1;
        }"""
    )


def test_draw_a_one_then_a_seven_then_upload_a_digit(page, mnist, tmp_path):
    assert page.locator("#status").inner_text() == "Draw a digit above."
    draw(page, [(140, 40), (142, 240)])
    assert page.locator("#status").get_attribute("class") != "error", page.inner_text("#status")
    assert winner(page, "DeepConvNet") == 1
    assert preview_ink(page) > 10  # a stroke of 20 rows, a few pixels wide
    # The inside views are drawn: 16 feature maps of DeepConvNet's first convolution,
    # 30 of SimpleConvNet's, two strips of the chapter-3 network's hidden layers.
    assert page.locator('.model[data-name="DeepConvNet"] .maps canvas').count() == 16
    assert page.locator('.model[data-name="SimpleConvNet"] .maps canvas').count() == 30
    assert page.locator('.model[data-name="ThreeLayerNet"] canvas.strip').count() == 2

    page.click("#clear")
    blank = page.evaluate(
        "() => { const c = document.getElementById('pad');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " return d.every(v => v === 255); }"
    )
    assert blank
    draw(page, [(70, 50), (210, 50)], [(210, 50), (150, 150), (115, 240)])
    assert winner(page, "DeepConvNet") == 7
    assert preview_ink(page) > 10

    # Upload a picture: an MNIST test digit, dark on white and larger, as a PNG.
    _, (x_test, t_test) = mnist
    digit = x_test[1].reshape(28, 28)  # a 2
    big = Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((140, 140))
    png = tmp_path / "digit.png"
    big.save(png)
    before = page.evaluate("dls.sent")
    page.set_input_files("#upload", str(png))
    wait_for_answer(page, before)
    assert winner(page, "DeepConvNet") == int(t_test[1]) == 2
    assert winner(page, "SimpleConvNet") == 2
    assert preview_ink(page) > 10

    shot = tmp_path / "serve.png"
    page.screenshot(path=str(shot), full_page=True)
    assert Image.open(shot).size[0] >= 1000
    if os.environ.get(SCREENSHOT_ENV):
        keep = Path(os.environ[SCREENSHOT_ENV])
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, keep)


def test_a_bad_upload_shows_the_servers_message(page, tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"this is text, not a PNG")
    before = page.evaluate("dls.sent")
    page.set_input_files("#upload", str(bad))
    wait_for_answer(page, before)
    status = page.locator("#status")
    assert "not a readable image" in status.inner_text()
    assert status.get_attribute("class") == "error"
