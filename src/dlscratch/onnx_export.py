"""Export a network to ONNX, to run it elsewhere or look at its layers in a graph viewer.

ONNX (https://onnx.ai) is an open file format for neural networks: onnxruntime, the
major frameworks and viewers such as Netron (https://netron.app) read it. The graph is
built with the ``onnx`` package's helpers (``make_node``, ``make_graph``,
``make_model``), checked with ``onnx.checker.check_model`` and written atomically.
``onnx`` is an optional dependency: ``pip install "dlscratch[onnx]"`` (which brings
onnxruntime too, to run the file).

What the file holds, for every network of the book:

- one input ``x``, float32: ``(N, 784)`` for the fully connected networks (``(N, 2)``
  for the chapter-4 ``SimpleNet``), ``(N, C, H, W)`` (MNIST: ``(N, 1, 28, 28)``) for
  the ConvNets; ``N`` is a dynamic batch dimension. Pixels scaled to [0, 1], as the
  networks were trained (``load_mnist(normalize=True)``).
- two outputs, float32 ``(N, K)``: ``scores``, the last Affine layer's output (after
  the last Dropout for DeepConvNet, as ``predict`` returns it), and ``probabilities``
  = Softmax(scores) along the classes. ``network.predict(x)`` equals ``scores`` for
  every network but the chapter-3 ``ThreeLayerNet`` with its softmax output (the
  default, as ``sample_weight.pkl``), whose ``predict`` returns ``probabilities``; the
  metadata entry ``dlscratch.predict_output`` names which.
- one node per dlscratch layer, named after it (``Affine1``, ``Relu1``, ``Conv1``,
  ``Pool1``, ``BatchNorm1``, ``Dropout1``...), in inference form:

  ========================  ===================================================
  dlscratch layer           ONNX
  ========================  ===================================================
  Affine                    Gemm (x W + b); a Flatten (row-major, as Affine's
                            reshape) before it when its input is an image
  Relu, Sigmoid             Relu, Sigmoid
  BatchNormalization        BatchNormalization with the running mean and
                            variance, epsilon 1e-6 (the book's 10e-7)
  Dropout                   Mul by (1 - dropout_ratio): the book's test-time
                            form (ONNX's own Dropout is the identity at
                            inference, "inverted dropout", which would change
                            the scores)
  Convolution               Conv (kernel, stride, symmetric pads, bias)
  Pooling                   MaxPool (kernel, stride, pads; padding never wins,
                            as dlscratch pads with -inf)
  ThreeLayerNet's softmax   Softmax (axis -1)
  ========================  ===================================================

- the weights as float32 initializers (a float64 network is converted; its outputs
  then agree with the float64 ones to float32 precision, about 1e-6);
- ``metadata_props``: ``dlscratch.architecture``, ``dlscratch.config`` (the JSON of
  ``get_config()``, from which dlscratch rebuilds the network), ``dlscratch.version``,
  ``dlscratch.source_dtype``, ``dlscratch.input``, ``dlscratch.outputs`` and
  ``dlscratch.predict_output``, plus any ``metadata`` given.

Opset: 17 by default (:data:`DEFAULT_OPSET`), which onnxruntime >= 1.12, Netron and
the usual converters read; any opset from 13 (:data:`MIN_OPSET`, where Softmax took
its present one-axis form) up to what the installed ``onnx`` knows may be asked for (a
runtime older than the opset may refuse the file). The graph is the same for all of
them: none of the operators used changed meaning in that range. The file's IR version
is the lowest that admits the opset (8 for opset 17), so that older runtimes read it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from dlscratch import __version__
from dlscratch.conv_fast import FastConvolution, FastPooling
from dlscratch.errors import DlscratchError
from dlscratch.files import atomic_write
from dlscratch.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
)
from dlscratch.networks.base import LayeredNetwork, Network
from dlscratch.networks.simple import SimpleNet
from dlscratch.networks.three_layer import ThreeLayerNet

if TYPE_CHECKING:
    import onnx

__all__ = [
    "DEFAULT_OPSET",
    "INPUT_NAME",
    "MIN_OPSET",
    "PROBABILITIES",
    "SCORES",
    "OnnxExportError",
    "OnnxNotInstalledError",
    "build_onnx_model",
    "export_onnx",
    "load_onnx",
    "summary",
]

DEFAULT_OPSET = 17
"""The ONNX opset written unless another is asked for."""

MIN_OPSET = 13
"""The oldest opset accepted: Softmax along one axis (opset 13's form)."""

INPUT_NAME = "x"
SCORES = "scores"
PROBABILITIES = "probabilities"

_INSTALL_HINT = 'pip install "dlscratch[onnx]"'

Array = NDArray[Any]


class OnnxNotInstalledError(DlscratchError, ImportError):
    """The optional ``onnx`` package, needed to export, is not installed."""


class OnnxExportError(DlscratchError, ValueError):
    """A network (or one of its layers) that has no ONNX form here, or a bad opset."""


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise OnnxNotInstalledError(
            f"exporting to ONNX needs the onnx package, which is not installed: {_INSTALL_HINT}"
        ) from None
    return onnx


class _Graph:
    """Nodes and float32 initializers of the graph being built, in order."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def weight(self, name: str, value: Any) -> str:
        array = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], name: str, doc: str = "", **attrs: Any) -> str:
        """Add ``op`` (named ``name``, its output named ``name`` too); returns the output."""
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, [name], name=name, doc_string=doc, **attrs)
        )
        return name


def _dense_layers(g: _Graph, network: Network, x: str) -> tuple[str, str]:
    """The graph of a network without a ``layers`` dict; returns (scores, predict's)."""
    p = network.params
    if isinstance(network, SimpleNet):
        return g.node("MatMul", [x, g.weight("W", p["W"])], "MatMul", "z = x W"), SCORES
    assert isinstance(network, ThreeLayerNet)
    h = x
    for i in (1, 2, 3):
        w, b = g.weight(f"W{i}", p[f"W{i}"]), g.weight(f"b{i}", p[f"b{i}"])
        h = g.node("Gemm", [h, w, b], f"Affine{i}", f"a{i} = z{i - 1} W{i} + b{i}")
        if i < 3:
            h = g.node("Sigmoid", [h], f"Sigmoid{i}", f"z{i} = sigmoid(a{i})")
    return h, PROBABILITIES if network.output == "softmax" else SCORES


def _layer_nodes(g: _Graph, network: LayeredNetwork, x: str, rank: int) -> str:
    """One node (or two) per layer of ``network.layers``; returns the last output."""
    h = x
    for lname, layer in network.layers.items():
        if isinstance(layer, Affine):
            if rank != 2:
                h = g.node("Flatten", [h], f"{lname}_flatten", "(N, C, H, W) -> (N, C*H*W)", axis=1)
                rank = 2
            w, b = g.weight(f"{lname}.W", layer.W), g.weight(f"{lname}.b", layer.b)
            h = g.node("Gemm", [h, w, b], lname, "x W + b")
        elif isinstance(layer, Relu):
            h = g.node("Relu", [h], lname)
        elif isinstance(layer, Sigmoid):
            h = g.node("Sigmoid", [h], lname)
        elif isinstance(layer, BatchNormalization):
            if rank != 2:
                raise OnnxExportError(
                    f"{network.architecture}: layer {lname} normalizes images pixel by pixel "
                    "(the book's BatchNormalization on (N, C, H, W)); only (N, D) inputs "
                    "are exported"
                )
            d = int(np.size(layer.gamma))
            mean = layer.running_mean if layer.running_mean is not None else np.zeros(d)
            var = layer.running_var if layer.running_var is not None else np.zeros(d)
            inputs = [
                h,
                g.weight(f"{lname}.gamma", np.reshape(layer.gamma, -1)),
                g.weight(f"{lname}.beta", np.reshape(layer.beta, -1)),
                g.weight(f"{lname}.running_mean", np.reshape(mean, -1)),
                g.weight(f"{lname}.running_var", np.reshape(var, -1)),
            ]
            doc = "gamma (x - running_mean) / sqrt(running_var + eps) + beta"
            h = g.node("BatchNormalization", inputs, lname, doc, epsilon=float(layer.eps))
        elif isinstance(layer, Dropout):
            keep = g.weight(f"{lname}.keep", np.array(1.0 - layer.dropout_ratio))
            doc = f"the book's test-time dropout: x * (1 - {layer.dropout_ratio:g})"
            h = g.node("Mul", [h, keep], lname, doc)
        elif isinstance(layer, (Convolution, FastConvolution)):
            fn, _, fh, fw = layer.W.shape
            s, pad = int(layer.stride), int(layer.pad)
            bias = np.broadcast_to(np.asarray(layer.b), (fn,))
            inputs = [h, g.weight(f"{lname}.W", layer.W), g.weight(f"{lname}.b", bias)]
            h = g.node("Conv", inputs, lname, kernel_shape=[fh, fw], strides=[s, s], pads=[pad] * 4)
        elif isinstance(layer, (Pooling, FastPooling)):
            s, pad = int(layer.stride), int(layer.pad)
            h = g.node(
                "MaxPool",
                [h],
                lname,
                kernel_shape=[int(layer.pool_h), int(layer.pool_w)],
                strides=[s, s],
                pads=[pad] * 4,
            )
        else:
            raise OnnxExportError(
                f"{network.architecture}: layer {lname} ({type(layer).__name__}) has no ONNX "
                "form here"
            )
    if rank != 2:
        raise OnnxExportError(f"{network.architecture}: the last layer does not output (N, K)")
    return h


def _input_shape(network: Network) -> list[int | str]:
    if getattr(network, "input_is_image", False):
        return ["N", *(int(v) for v in network.input_dim)]  # type: ignore[attr-defined]
    if isinstance(network, SimpleNet):
        return ["N", int(network.params["W"].shape[0])]
    if isinstance(network, ThreeLayerNet):
        return ["N", network.input_size]
    first = (
        next(iter(network.layers.values()), None) if isinstance(network, LayeredNetwork) else None
    )
    if isinstance(first, Affine):
        return ["N", int(first.W.shape[0])]
    raise OnnxExportError(f"{network.architecture}: cannot tell the shape of its input")


def _check_opset(onnx: Any, opset: int) -> int:
    newest = int(onnx.defs.onnx_opset_version())
    if isinstance(opset, bool) or int(opset) != opset or not MIN_OPSET <= opset <= newest:
        raise OnnxExportError(
            f"opset: expected an integer from {MIN_OPSET} to {newest} (the newest this onnx "
            f"{onnx.__version__} knows), got {opset!r}"
        )
    return int(opset)


def build_onnx_model(
    network: Network, opset: int = DEFAULT_OPSET, metadata: Mapping[str, str] | None = None
) -> onnx.ModelProto:
    """The ONNX model of ``network``, checked (see the module for what it holds).

    Args:
        network: any network of :mod:`dlscratch.networks` (ThreeLayerNet, SimpleNet,
            TwoLayerNet, MultiLayerNet with batch norm and dropout, SimpleConvNet,
            DeepConvNet), in float32 or float64.
        opset: ONNX opset, from :data:`MIN_OPSET` (13) to the newest the installed
            ``onnx`` knows; default :data:`DEFAULT_OPSET` (17).
        metadata: extra ``metadata_props`` entries (e.g. where the weights came from).

    Returns:
        An ``onnx.ModelProto`` that passed ``onnx.checker.check_model(full_check=True)``.

    Raises:
        OnnxNotInstalledError: ``onnx`` is not installed.
        OnnxExportError: a bad opset, or a network or layer with no ONNX form here.
        onnx.checker.ValidationError: the graph is invalid (a bug of this module).
    """
    onnx = _import_onnx()
    opset = _check_opset(onnx, opset)
    helper = onnx.helper
    if not isinstance(network, Network):
        raise OnnxExportError(
            f"network: expected a dlscratch network, got {type(network).__name__}"
        )
    g = _Graph(onnx)
    in_shape = _input_shape(network)
    if isinstance(network, (ThreeLayerNet, SimpleNet)):
        last, predict_output = _dense_layers(g, network, INPUT_NAME)
    elif isinstance(network, LayeredNetwork):
        last = _layer_nodes(g, network, INPUT_NAME, len(in_shape))
        predict_output = SCORES
    else:
        raise OnnxExportError(f"{network.architecture}: no ONNX export for this network")

    # Name the two outputs: `scores`, and `probabilities` = Softmax(scores).
    g.nodes.append(helper.make_node("Identity", [last], [SCORES], name="Scores"))
    g.node("Softmax", [SCORES], PROBABILITIES, "softmax over the classes", axis=-1)
    k = network.params[max((n for n in network.params if n.startswith("W")), key=_number)]
    n_classes = int(k.shape[-1])

    f32 = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes,
        network.architecture,
        [helper.make_tensor_value_info(INPUT_NAME, f32, in_shape)],
        [
            helper.make_tensor_value_info(SCORES, f32, ["N", n_classes]),
            helper.make_tensor_value_info(PROBABILITIES, f32, ["N", n_classes]),
        ],
        initializer=g.initializers,
        doc_string=f"dlscratch {network.architecture}",
    )
    opset_id = helper.make_opsetid("", opset)
    model = helper.make_model(
        graph,
        opset_imports=[opset_id],
        producer_name="dlscratch",
        producer_version=__version__,
        doc_string=f"{network.architecture} exported by dlscratch {__version__}",
        ir_version=helper.find_min_ir_version_for([opset_id]),
    )
    shape = f"({', '.join(map(str, in_shape))})"
    props = {
        "dlscratch.architecture": network.architecture,
        "dlscratch.config": json.dumps(network.get_config(), sort_keys=True),
        "dlscratch.version": __version__,
        "dlscratch.source_dtype": str(network.dtype),
        "dlscratch.input": f"{INPUT_NAME}: float32 {shape}, pixels scaled to [0, 1]",
        "dlscratch.outputs": (
            f"{SCORES}: float32 (N, {n_classes}), the last layer's output; "
            f"{PROBABILITIES}: Softmax({SCORES})"
        ),
        "dlscratch.predict_output": predict_output,
        **{str(key): str(value) for key, value in (metadata or {}).items()},
    }
    helper.set_model_props(model, props)
    onnx.checker.check_model(model, full_check=True)
    return model


def _number(name: str) -> int:
    return int(name[1:]) if name[1:].isdigit() else 0


def export_onnx(
    network: Network,
    path: str | os.PathLike[str],
    opset: int = DEFAULT_OPSET,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write ``network`` to ``path`` as an ONNX model (see :func:`build_onnx_model`).

    The file is checked with ``onnx.checker`` before it is written, and written
    atomically (:func:`dlscratch.files.atomic_write`), under exactly the name given.
    Run it with onnxruntime::

        import onnxruntime as ort
        session = ort.InferenceSession("model.onnx")
        scores, probabilities = session.run(None, {"x": x.astype("float32")})

    Args:
        network: the network to export.
        path: the file to write (``.onnx`` by convention).
        opset: ONNX opset (default 17).
        metadata: extra ``metadata_props`` entries.

    Returns:
        The path written.

    Raises:
        OnnxNotInstalledError: ``onnx`` is not installed (``pip install "dlscratch[onnx]"``).
        OnnxExportError: a bad opset, or a network with no ONNX form here.
        OSError: the file cannot be written.
    """
    model = build_onnx_model(network, opset=opset, metadata=metadata)
    data = model.SerializeToString()
    target = Path(path)
    atomic_write(target, lambda fh: fh.write(data))
    return target


def load_onnx(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """The ONNX model in ``path`` (``onnx.load``), for :func:`summary` or inspection.

    Raises:
        OnnxNotInstalledError: ``onnx`` is not installed.
        OSError: the file cannot be read.
    """
    return _import_onnx().load(os.fspath(path))


def summary(model: onnx.ModelProto) -> list[str]:
    """Lines for a person: the input and outputs with their shapes, the operators.

    E.g. ``['x: float32 (N, 784)', 'scores: float32 (N, 10)', 'probabilities: ...',
    'nodes: Gemm x3, Sigmoid x2, Identity x1, Softmax x1']``.
    """
    onnx = _import_onnx()

    def line(value: Any) -> str:
        t = value.type.tensor_type
        dims = ", ".join(d.dim_param or str(d.dim_value) for d in t.shape.dim)
        return f"{value.name}: {onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)} ({dims})"

    counts: dict[str, int] = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    ops = ", ".join(f"{op} x{n}" for op, n in counts.items())
    return [
        *(line(v) for v in model.graph.input),
        *(line(v) for v in model.graph.output),
        f"nodes: {ops}",
    ]
