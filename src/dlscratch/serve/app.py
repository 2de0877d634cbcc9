"""The Flask app of ``dlscratch serve``: the drawing page and its JSON API.

Routes:

- ``GET /``: the page (``static/index.html``: inline CSS and JS, works offline).
- ``GET /api/models``: ``{"models": [{"name", "architecture", "source", "input",
  "dtype", "caption"}...]}``.
- ``POST /api/predict``: an image or a 28x28 array (see :mod:`dlscratch.serve.decode`)
  -> ``{"image": 28x28 floats, "models": [{"name", "probabilities", "winner",
  "inside"}...]}`` (see :func:`dlscratch.serve.models.run_model`).

Errors under ``/api/`` are JSON ``{"error": message}`` with a 4xx status (5xx only for
a bug); the server goes on serving. Bodies above ``MAX_CONTENT_LENGTH`` get a 413.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import numpy as np
from flask import Flask, Response, jsonify, request
from numpy.typing import NDArray
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from dlscratch.networks import Network
from dlscratch.serve.decode import RequestError, decode_image, decode_json
from dlscratch.serve.models import BOOK_MODELS, describe, load_models, run_model

__all__ = ["MAX_CONTENT_LENGTH", "create_app", "run"]

MAX_CONTENT_LENGTH = 4 * 1024 * 1024  # bytes per request


def _page() -> str:
    return resources.files("dlscratch.serve").joinpath("static/index.html").read_text("utf-8")


def _request_digit() -> NDArray[np.float32]:
    """The current request's body -> float32 (28, 28); raises RequestError."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("image")
        if file is None:
            raise RequestError(
                400, f"multipart form: expected a file field 'image', got {sorted(request.files)}"
            )
        return decode_image(file.read())
    if request.is_json:
        body = request.get_json(silent=True)
        if body is None:
            raise RequestError(
                400, 'body is not valid JSON: expected {"pixels": ...} or {"image": ...}'
            )
        return decode_json(body)
    return decode_image(request.get_data())


def create_app(
    models: Mapping[str, Network],
    sources: Mapping[str, str] | None = None,
    captions: Mapping[str, str] | None = None,
) -> Flask:
    """The app serving ``models`` (name -> network taking MNIST's 28x28 digits).

    Args:
        models: in the order the page shows them.
        sources: name -> where it came from (a file name), for ``/api/models``.
        captions: name -> the page's caption; the book's networks (by their names,
            e.g. ``DeepConvNet``) have theirs by default, others a generic one.

    The networks are run one request at a time (their layers keep state).
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.json.sort_keys = False  # type: ignore[attr-defined]
    lock = threading.Lock()
    nets = dict(models)
    caps = {b.name: b.caption for b in BOOK_MODELS} | dict(captions or {})
    info = [
        describe(name, net, (sources or {}).get(name, name), caps.get(name, ""))
        for name, net in nets.items()
    ]

    @app.get("/")
    def index() -> Response:
        return Response(_page(), mimetype="text/html")

    @app.get("/api/models")
    def api_models() -> Response:
        return jsonify(models=info)

    @app.post("/api/predict")
    def api_predict() -> Response:
        digit = _request_digit()
        with lock:
            results = [{"name": name, **run_model(net, digit)} for name, net in nets.items()]
        return jsonify(image=np.round(digit.astype(np.float64), 3).tolist(), models=results)

    @app.errorhandler(RequestError)
    def bad_request(e: RequestError) -> tuple[Response, int]:
        return jsonify(error=e.message), e.status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            return e
        message = e.description or e.name
        if e.code == 413:
            message = (
                f"request too large: at most {MAX_CONTENT_LENGTH // (1024 * 1024)} MB "
                "(one digit's picture needs far less)"
            )
        return jsonify(error=f"{e.name}: {message}"), e.code

    return app


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    model_files: Iterable[str | os.PathLike[str]] = (),
    weights_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Load the models (see :func:`dlscratch.serve.models.load_models`), print what was
    found and skipped, and serve the page at ``http://host:port/`` until Ctrl-C
    (``port=0``: a free port, printed).

    Raises:
        DataNotFoundError: no model could be loaded.
    """
    from dlscratch.errors import DataNotFoundError

    found = load_models(weights_dir, model_files)
    for note in found.notes:
        print(note)
    if not found.models:
        raise DataNotFoundError(
            "no models to serve: give the book's weights folder (--weights-dir or "
            "$DLSCRATCH_BOOK_WEIGHTS) or .npz model files"
        )
    app = create_app(found.models, sources=found.sources, captions=found.captions)
    # Werkzeug's server, as Flask's app.run uses, without its banner: one learner on
    # this machine, one thread per request (the networks run one at a time).
    server = make_server(host, port, app, threaded=True)
    print(
        f"serving {', '.join(found.models)} at http://{host}:{server.server_port}/ (Ctrl-C stops)"
    )
    server.serve_forever()  # returns on Ctrl-C, the socket closed
    print("stopped")
