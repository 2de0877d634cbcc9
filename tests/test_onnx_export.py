"""ONNX export: onnxruntime, running the exported file, predicts what dlscratch predicts.

For each network of the book (the chapter-3 network and the two ConvNets with the
book's weights; TwoLayerNet and MultiLayerNet with batch norm and dropout trained here
for a few hundred steps), onnxruntime's outputs on 1000 MNIST test images are compared
with dlscratch's float32 ``predict``: the probabilities to 1e-5 (absolute), the scores to
1e-5 relative to their size (SimpleConvNet's reach 74, where one float32 step is 7.6e-6),
the predicted classes exactly, hence the same accuracy.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import dlscratch.cli as cli
from dlscratch.cli import export as export_cli
from dlscratch.cli._common import network_from_file
from dlscratch.functions import softmax
from dlscratch.io import save_model
from dlscratch.networks import (
    NETWORKS,
    MultiLayerNet,
    SimpleNet,
    ThreeLayerNet,
    TwoLayerNet,
    init_network,
)
from dlscratch.onnx_export import (
    DEFAULT_OPSET,
    MIN_OPSET,
    OnnxExportError,
    OnnxNotInstalledError,
    build_onnx_model,
    export_onnx,
    load_onnx,
    summary,
)

N_TEST = 1000
TOL = 1e-5


def run_onnx(path, x):
    """``{output name: array}`` of the ONNX file at ``path`` on ``x`` (float32)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # pytest -n 2 on two cores
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    outputs = session.run(None, {"x": np.asarray(x, dtype=np.float32)})
    return dict(zip(names, outputs, strict=True))


def predict(net, x, batch=100):
    return np.concatenate([net.predict(x[i : i + batch]) for i in range(0, len(x), batch)])


def images(net, x):
    return x.reshape(-1, 1, 28, 28) if getattr(net, "input_is_image", False) else x


def train(net, mnist, steps, lr, seed=0):
    """Plain SGD on mini-batches of 100 (book 4.5): enough steps for a real network."""
    (x_train, t_train), _ = mnist
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.choice(len(x_train), 100, replace=False)
        grads = net.gradient(x_train[idx], t_train[idx])
        for key in net.params:
            net.params[key] -= lr * grads[key]
    return net


@pytest.fixture(scope="module")
def trained(mnist):
    """The three networks trained here, float32, built and trained once per module."""
    multi = MultiLayerNet(
        784,
        [100, 100],
        10,
        use_batchnorm=True,
        use_dropout=True,
        dropout_ratio=0.2,
        seed=1,
        dtype=np.float32,
    )
    return {
        "two-layer-relu": train(
            TwoLayerNet(784, 50, 10, seed=0, dtype=np.float32), mnist, 300, 0.1
        ),
        "two-layer-sigmoid": train(
            TwoLayerNet(784, 50, 10, seed=0, activation="sigmoid", dtype=np.float32),
            mnist,
            300,
            1.0,
        ),
        "multi-layer-bn-dropout": train(multi, mnist, 300, 0.1),
    }


BOOK_FILES = {
    "three-layer": "sample_weight.pkl",
    "simple-conv": "first-edition-2016/simple_convnet_params.pkl",
    "deep-conv": "first-edition-2016/deep_convnet_params.pkl",
}

# Accuracy on the first 1000 test images, dlscratch's and onnxruntime's alike.
ACCURACY = {
    "three-layer": 0.932,
    "simple-conv": 0.990,
    "deep-conv": 0.993,
    "two-layer-relu": 0.85,  # at least (trained here)
    "two-layer-sigmoid": 0.80,
    "multi-layer-bn-dropout": 0.85,
}


def network(name, book_weights, trained):
    if name in BOOK_FILES:
        return network_from_file(str(book_weights / BOOK_FILES[name]), None, None)
    return trained[name]


@pytest.mark.mnist
@pytest.mark.parametrize("name", list(ACCURACY))
def test_onnxruntime_predicts_as_dlscratch(name, mnist, book_weights, trained, tmp_path):
    net = network(name, book_weights, trained)
    assert net.dtype == np.float32
    _, (x_test, t_test) = mnist
    x, t = images(net, x_test[:N_TEST]), t_test[:N_TEST]
    path = export_onnx(net, tmp_path / f"{name}.onnx")

    got = run_onnx(path, x)
    expected = predict(net, x)
    which = load_onnx(path).metadata_props
    predict_output = {p.key: p.value for p in which}["dlscratch.predict_output"]
    assert predict_output == ("probabilities" if name == "three-layer" else "scores")

    y = got[predict_output]
    assert y.shape == expected.shape == (N_TEST, 10) and y.dtype == np.float32
    assert np.abs(y - expected).max() <= TOL * max(1.0, float(np.abs(expected).max()))
    probabilities = expected if predict_output == "probabilities" else softmax(expected)
    assert np.abs(got["probabilities"] - probabilities).max() <= TOL
    assert np.array_equal(got["probabilities"].argmax(axis=1), expected.argmax(axis=1))

    accuracy = float(np.mean(y.argmax(axis=1) == t))
    assert accuracy == net.accuracy(x, t)
    if name in BOOK_FILES:
        assert accuracy == ACCURACY[name]
    else:
        assert accuracy >= ACCURACY[name]


@pytest.mark.mnist
def test_batch_norm_and_dropout_are_exported_in_inference_form(mnist, trained, tmp_path):
    net = trained["multi-layer-bn-dropout"]
    bn = net.layers["BatchNorm1"]
    assert np.abs(bn.running_mean).max() > 0.1 and np.abs(bn.running_var - 1).max() > 0.1
    model = build_onnx_model(net)
    ops = {node.name: node.op_type for node in model.graph.node}
    assert ops["BatchNorm1"] == ops["BatchNorm2"] == "BatchNormalization"
    assert ops["Dropout1"] == ops["Dropout2"] == "Mul"  # x * (1 - ratio), the book's form
    weights = {w.name: onnx.numpy_helper.to_array(w) for w in model.graph.initializer}
    assert weights["Dropout1.keep"] == np.float32(0.8)
    np.testing.assert_array_equal(weights["BatchNorm1.running_var"], bn.running_var)
    eps = next(n for n in model.graph.node if n.name == "BatchNorm1").attribute[0]
    assert eps.name == "epsilon" and eps.f == pytest.approx(1e-6)

    # Without the (1 - ratio) scaling the scores would be off by far more than 1e-5.
    _, (x_test, _) = mnist
    x = x_test[:100]
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    scores = run_onnx(path, x)["scores"]
    np.testing.assert_allclose(scores, net.predict(x), atol=TOL)
    ratio = net.layers["Dropout1"].dropout_ratio
    net.layers["Dropout1"].dropout_ratio = 0.0
    try:
        assert np.abs(scores - net.predict(x)).max() > 0.1
    finally:
        net.layers["Dropout1"].dropout_ratio = ratio


@pytest.mark.mnist
@pytest.mark.slow
def test_book_deep_convnet_on_the_whole_test_set(mnist, book_weights, tmp_path):
    """The book's 2016 DeepConvNet weights: 0.9935 (book 8.1.1), in onnxruntime too."""
    net = network("deep-conv", book_weights, None)
    _, (x_test, t_test) = mnist
    x = images(net, x_test)
    got = run_onnx(export_onnx(net, tmp_path / "deep.onnx"), x)["scores"]
    expected = predict(net, x)
    assert np.abs(got - expected).max() <= TOL * max(1.0, float(np.abs(expected).max()))
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert float(np.mean(got.argmax(axis=1) == t_test)) == 0.9935


def test_float64_network_is_exported_in_float32(tmp_path):
    net = MultiLayerNet(20, [30, 30], 5, use_batchnorm=True, use_dropout=True, seed=3)
    for layer in (net.layers["BatchNorm1"], net.layers["BatchNorm2"]):
        rng = np.random.default_rng(4)
        layer.running_mean = rng.normal(size=30)
        layer.running_var = rng.uniform(0.5, 2.0, size=30)
    x = np.random.default_rng(5).random((7, 20))
    got = run_onnx(export_onnx(net, tmp_path / "m.onnx"), x)
    np.testing.assert_allclose(got["scores"], net.predict(x), atol=TOL)
    np.testing.assert_allclose(got["probabilities"], softmax(net.predict(x)), atol=TOL)
    props = {p.key: p.value for p in load_onnx(tmp_path / "m.onnx").metadata_props}
    assert props["dlscratch.source_dtype"] == "float64"


def test_book_toy_networks(tmp_path):
    """Book 3.4.3's hand-set 2-3-2-2 network (identity output) and 4.4.2's SimpleNet."""
    net = ThreeLayerNet(init_network(), output="identity")
    got = run_onnx(export_onnx(net, tmp_path / "toy.onnx"), [[1.0, 0.5]])
    np.testing.assert_allclose(got["scores"], [[0.31682708, 0.69627909]], atol=1e-7)
    np.testing.assert_allclose(got["probabilities"], softmax(got["scores"]), atol=1e-7)
    simple = SimpleNet(seed=0)
    x = np.array([[0.6, 0.9], [1.0, -2.0]])
    got = run_onnx(export_onnx(simple, tmp_path / "simple.onnx"), x)
    np.testing.assert_allclose(got["scores"], x @ simple.W, atol=TOL)


@pytest.mark.parametrize("opset", [MIN_OPSET, DEFAULT_OPSET, 21])
def test_opsets_and_dynamic_batch(opset, tmp_path):
    net = TwoLayerNet(784, 20, 10, seed=0, activation="sigmoid", weight_init_std=0.5)
    path = export_onnx(net, tmp_path / "two.onnx", opset=opset)
    model = load_onnx(path)
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    assert model.ir_version == onnx.helper.find_min_ir_version_for(list(model.opset_import))
    rng = np.random.default_rng(0)
    for n in (1, 3, 64):
        x = rng.random((n, 784))
        got = run_onnx(path, x)
        assert got["scores"].shape == (n, 10)
        np.testing.assert_allclose(got["scores"], net.predict(x), atol=TOL)


def test_metadata_names_the_architecture_and_rebuilds_it(book_weights):
    net = network("deep-conv", book_weights, None)
    model = build_onnx_model(net, metadata={"trained_by": "Saito"})
    props = {p.key: p.value for p in model.metadata_props}
    assert props["dlscratch.architecture"] == "DeepConvNet"
    assert props["trained_by"] == "Saito"
    rebuilt = NETWORKS["DeepConvNet"].from_config(json.loads(props["dlscratch.config"]))
    assert rebuilt.get_config() == net.get_config()
    assert model.producer_name == "dlscratch" and model.graph.name == "DeepConvNet"
    (inp,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert inp.name == "x" and dims == ["N", 1, 28, 28]
    names = [node.name for node in model.graph.node]
    assert names[:5] == ["Conv1", "Relu1", "Conv2", "Relu2", "Pool1"]
    pool = next(n for n in model.graph.node if n.name == "Pool1")
    attrs = {a.name: list(a.ints) for a in pool.attribute}
    assert attrs == {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 0, 0]}
    conv4 = next(n for n in model.graph.node if n.name == "Conv4")
    assert {a.name: list(a.ints) for a in conv4.attribute}["pads"] == [2, 2, 2, 2]
    assert summary(model)[-1] == (
        "nodes: Conv x6, Relu x7, MaxPool x3, Flatten x1, Gemm x2, Mul x2, Identity x1, Softmax x1"
    )


@pytest.mark.parametrize("opset", [MIN_OPSET - 1, onnx.defs.onnx_opset_version() + 1, 17.5, True])
def test_bad_opset_is_refused_and_nothing_written(opset, tmp_path):
    with pytest.raises(OnnxExportError, match="opset: expected an integer from 13"):
        export_onnx(TwoLayerNet(4, 3, 2, seed=0), tmp_path / "m.onnx", opset=opset)
    assert list(tmp_path.iterdir()) == []


def test_unknown_layer_and_non_network_are_refused():
    net = TwoLayerNet(4, 3, 2, seed=0)
    net.layers["Tanh1"] = object()
    with pytest.raises(OnnxExportError, match=r"layer Tanh1 \(object\) has no ONNX form"):
        build_onnx_model(net)
    with pytest.raises(OnnxExportError, match="expected a dlscratch network"):
        build_onnx_model({"W1": np.zeros((2, 2))})  # type: ignore[arg-type]


@pytest.fixture
def run_cli(monkeypatch):
    """``dlscratch.cli.main`` with the export command (until cli/__init__ lists it)."""
    if export_cli not in cli._GROUPS:
        monkeypatch.setattr(cli, "_GROUPS", (*cli._GROUPS, export_cli))
    return cli.main


@pytest.mark.mnist
def test_cli_exports_a_book_pickle(run_cli, book_weights, mnist, tmp_path, capsys):
    out_file = tmp_path / "out" / "sample.onnx"
    assert run_cli(["export", str(book_weights / "sample_weight.pkl"), str(out_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("model: ThreeLayerNet: 784-50-100-10 (float32)")
    assert lines[1].startswith(f"saved {out_file} (ONNX opset {DEFAULT_OPSET}, float32,")
    assert lines[2:5] == [
        "  x: float32 (N, 784)",
        "  scores: float32 (N, 10)",
        "  probabilities: float32 (N, 10)",
    ]
    assert "Netron" in lines[-1]
    _, (x_test, _) = mnist
    props = {p.key: p.value for p in load_onnx(out_file).metadata_props}
    assert props["dlscratch.source_file"] == "sample_weight.pkl"
    net = network_from_file(str(book_weights / "sample_weight.pkl"), None, None)
    got = run_onnx(out_file, x_test[:100])["probabilities"]
    np.testing.assert_allclose(got, net.predict(x_test[:100]), atol=TOL)


def test_cli_exports_an_npz_model_with_an_opset(run_cli, tmp_path, capsys):
    net = MultiLayerNet(784, [16], 10, use_batchnorm=True, use_dropout=True, seed=2)
    net.layers["BatchNorm1"].running_var = np.full(16, 0.5)  # saved with the model
    model_file = save_model(net, tmp_path / "m.npz")
    out_file = tmp_path / "m.onnx"
    assert run_cli(["export", str(model_file), str(out_file), "--opset", "15"]) == 0
    assert "(ONNX opset 15," in capsys.readouterr().out
    model = load_onnx(out_file)
    assert model.opset_import[0].version == 15
    x = np.random.default_rng(0).random((5, 784))
    np.testing.assert_allclose(run_onnx(out_file, x)["scores"], net.predict(x), atol=TOL)


def test_cli_errors_are_one_line(run_cli, book_weights, tmp_path, capsys):
    pkl = str(book_weights / "sample_weight.pkl")
    out_file = str(tmp_path / "m.onnx")
    assert run_cli(["export", pkl, out_file, "--opset", "99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: opset: expected an integer from 13") and "Traceback" not in err
    assert run_cli(["export", pkl, out_file, "--model", "simple-conv"]) == 2
    assert "try --model three-layer" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_missing_onnx_says_how_to_install(run_cli, monkeypatch, book_weights, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    with pytest.raises(OnnxNotInstalledError, match=r'pip install "dlscratch\[onnx\]"'):
        export_onnx(TwoLayerNet(4, 3, 2, seed=0), tmp_path / "m.onnx")
    pkl = str(book_weights / "sample_weight.pkl")
    assert run_cli(["export", pkl, str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: exporting to ONNX needs the onnx package")
    assert 'pip install "dlscratch[onnx]"' in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
