"""What every network shares: parameters, prediction, loss, accuracy and gradients.

A network keeps its trainable arrays in ``params`` (the book's ``params['W1']``), and
its layers hold references to those same arrays. Optimizers update them in place, so
the layers see each update. Anything that replaces an array in ``params`` (loading a
file, changing dtype, swapping in float64 copies for a numerical gradient) calls
:meth:`LayeredNetwork._bind` to point the layers at the new arrays.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from dlscratch import gradient as _gradient
from dlscratch.errors import ModelFileError, ShapeError
from dlscratch.layers import BatchNormalization, Dropout, SoftmaxWithLoss
from dlscratch.validation import as_real_array, check_seed, check_size

__all__ = [
    "LayeredNetwork",
    "Network",
    "child_generator",
    "resolve_dtype",
    "weight_generator",
]

Array = NDArray[Any]


def resolve_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """``dtype`` as a NumPy float dtype; only float32 and float64 are accepted.

    Raises:
        ValueError: for any other dtype.
    """
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def weight_generator(seed: int | None) -> Any:
    """Where a network draws its initial weights (``.standard_normal(shape)``).

    ``np.random.default_rng(seed)`` for a seed. For ``None``, NumPy's global generator,
    as the book's ``np.random.randn`` does: ``np.random.seed(0)`` before building a
    network then reproduces it, and draws the very weights of the book's code.

    Raises:
        TypeError: ``seed`` is not None, an int >= 0 or a Generator.
    """
    check_seed("seed", seed)
    return np.random if seed is None else np.random.default_rng(seed)


def child_generator(rng: Any) -> np.random.Generator:
    """A new Generator seeded from ``rng`` (a :func:`weight_generator`), for dropout masks."""
    if isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng.integers(0, 2**63))
    return np.random.default_rng(rng.randint(0, 2**63, dtype=np.int64))


def _iter_batches(n: int, batch_size: int | None) -> Iterator[slice]:
    step = n if not batch_size else batch_size
    for start in range(0, n, max(step, 1)):
        yield slice(start, start + step)


class Network:
    """Base class: ``params``, ``predict``, ``loss``, ``accuracy``, ``numerical_gradient``.

    Subclasses set ``architecture`` (the name stored in model files), fill ``params``
    and implement :meth:`predict`, :meth:`loss` and :meth:`get_config`.
    """

    architecture: ClassVar[str] = "Network"
    # Samples per forward pass in accuracy(): enough for BLAS to be efficient, small
    # enough that the activations (im2col's col for ConvNets) stay small.
    eval_batch_size: ClassVar[int] = 1000
    params: dict[str, Array]

    # -- to implement ------------------------------------------------------------------
    def predict(self, x: ArrayLike, train_flg: bool = False) -> Array:
        """Outputs for a batch ``x`` (batch first): ``(N, K)`` in the network's dtype."""
        raise NotImplementedError

    def loss(self, x: ArrayLike, t: ArrayLike, train_flg: bool = True) -> float:
        """Mean loss over the batch against labels ``(N,)`` or one-hot ``(N, K)``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON-serialisable) that rebuild this architecture."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: Mapping[str, Any], dtype: DTypeLike = np.float64) -> Network:
        """A fresh network built from :meth:`get_config`'s output (used to load files)."""
        return cls(**config, dtype=dtype)  # type: ignore[call-arg]

    @classmethod
    def from_book_params(
        cls, params: Mapping[str, ArrayLike], dtype: DTypeLike = np.float64
    ) -> Network:
        """This network with the parameters of one of the book's pickles.

        Raises:
            ModelFileError: the parameters do not fit, or the book has no such file.
        """
        raise ModelFileError(f"the book publishes no pretrained weights for {cls.architecture}")

    # -- shared ------------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the parameters (float64 unless asked otherwise)."""
        return next(iter(self.params.values())).dtype

    def buffers(self) -> dict[str, Array]:
        """Non-trainable state saved with the model (batch-norm running stats)."""
        return {}

    def load_buffers(self, buffers: Mapping[str, Array]) -> None:
        """Restore what :meth:`buffers` returned."""
        if buffers:
            raise ModelFileError(f"{self.architecture} keeps no buffers, got {sorted(buffers)}")

    def _bind(self) -> None:
        """Point the layers at the arrays now in ``params`` (no-op without layers)."""

    def load_params(
        self, params: Mapping[str, ArrayLike] | str | os.PathLike[str] = "params.pkl"
    ) -> None:
        """Replace the parameters with copies of ``params`` in this network's dtype.

        ``params`` is a dict ``{name: array}``, or a file, as the book's ch. 7-8
        ``network.load_params("params.pkl")``: a model file of ours (what
        :meth:`save_params` or :func:`dlscratch.io.save_model` write; recognised by
        its content, whatever its name; batch-norm statistics come with it), or one of
        the book's pickles, read with :func:`dlscratch.io.load_book_params`, which
        admits NumPy arrays only and runs nothing from the file. Unlike the book's
        code, which keeps the file's arrays as they are, they are copied into this
        network's dtype.

        Raises:
            ModelFileError: a missing or unreadable file, a model file of another
                architecture, a parameter name missing or extra, or a shape differs.
            UnsafePickleError: a pickle that names anything but NumPy arrays.
        """
        buffers: Mapping[str, Array] = {}
        if isinstance(params, (str, os.PathLike)):
            params, buffers = self._read_params_file(Path(params))
        missing = set(self.params) - set(params)
        extra = set(params) - set(self.params)
        if missing or extra:
            raise ModelFileError(
                f"{self.architecture}: parameters do not match: missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}"
            )
        dtype = self.dtype
        new = {}
        for name, old in self.params.items():
            arr = np.asarray(params[name])
            if arr.shape != old.shape:
                raise ModelFileError(
                    f"{self.architecture}: parameter {name!r} should have shape "
                    f"{old.shape}, got {arr.shape}"
                )
            new[name] = np.array(arr, dtype=dtype, order="C")
        self.params = new
        self._bind()
        if buffers:
            self.load_buffers({k: v.astype(dtype) for k, v in buffers.items()})

    def _read_params_file(self, path: Path) -> tuple[dict[str, Array], dict[str, Array]]:
        """``(params, buffers)`` from our model file or the book's pickle (by content)."""
        from dlscratch.io import load_book_params, read_model_file

        if not path.is_file():  # also keeps a FIFO from blocking the open below
            what = "not a regular file" if path.exists() else "no such parameter file"
            raise ModelFileError(f"{path}: {what}")
        try:
            with path.open("rb") as fh:
                is_zip = fh.read(4) == b"PK\x03\x04"  # .npz files are zip archives
        except OSError as e:
            raise ModelFileError(f"{path}: cannot read the parameter file: {e.strerror}") from None
        if not is_zip:
            return load_book_params(path), {}
        mf = read_model_file(path)
        if mf.architecture != self.architecture:
            raise ModelFileError(
                f"{path}: parameters of a {mf.architecture}, but this network is a "
                f"{self.architecture}"
            )
        return mf.params, mf.buffers

    def save_params(self, file_name: str | os.PathLike[str] = "params.pkl") -> Path:
        """Save the parameters to ``file_name``, as the book's ch. 7-8 ``save_params``.

        Unlike the book, which pickles the dict, this writes our model file (an
        ``.npz`` archive with JSON metadata naming the architecture; no pickle, so
        loading it can run no code), atomically, under exactly the name given (the
        book's ``params.pkl`` too). :meth:`load_params` and ``dlscratch evaluate``
        read it back.

        Returns:
            The path written.
        """
        from dlscratch.io import write_model_file

        return write_model_file(
            file_name,
            self.architecture,
            self.get_config(),
            self.params,
            self.buffers(),
            extra={"dtype": str(self.dtype)},
            add_suffix=False,
        )

    def astype(self, dtype: DTypeLike) -> Network:
        """Convert all parameters (and buffers) to ``dtype`` in place; returns ``self``."""
        dt = resolve_dtype(dtype)
        self.params = {k: v.astype(dt) for k, v in self.params.items()}
        self.load_buffers({k: v.astype(dt) for k, v in self.buffers().items()})
        self._bind()
        return self

    def _input(self, x: ArrayLike) -> Array:
        """``x`` as an array in the network's dtype (no copy if it already is one).

        The check of the public methods (predict, loss, gradient, accuracy): x must be
        real numbers (``DTypeError`` for None, strings, objects, complex...)."""
        return np.asarray(as_real_array("x", x), dtype=self.dtype)

    def accuracy(self, x: ArrayLike, t: ArrayLike, batch_size: int | None = None) -> float:
        """Fraction of samples whose arg-max prediction equals the label (book 3.6.3).

        Args:
            x: inputs, batch first.
            t: class labels ``(N,)`` or one-hot ``(N, K)``.
            batch_size: predict this many samples at a time; ``None`` (the default)
                means the class's ``eval_batch_size`` (1000; 100 for the ConvNets, as
                the book's). The result does not depend on it; the book's MLPs predict
                all at once, which for the 60000 training images costs hundreds of MB
                and is slower.

        Returns:
            Accuracy in [0, 1] as a Python float (0.0 for no samples).

        Raises:
            ShapeError: x is a scalar, or t is not N labels (N,) / (N, 1) or one-hot
                (N, K) for the N samples of x.
            DTypeError: x or t is not an array of real numbers.
            ValueError: batch_size is not None or an int >= 1.
        """
        xa = as_real_array("x", x)
        ta = as_real_array("t", t)
        if batch_size is not None:
            batch_size = check_size("batch_size", batch_size)
        if xa.ndim == 0:
            raise ShapeError("x: expected a batch of samples (N, ...), got a scalar")
        if ta.ndim == 2 and ta.shape[1] == 1:
            ta = ta[:, 0]  # labels as a column
        labels = ta.argmax(axis=1) if ta.ndim == 2 and ta.shape[1] > 0 else ta
        if labels.ndim != 1 or labels.shape[0] != xa.shape[0]:
            raise ShapeError(
                f"t: expected {xa.shape[0]} labels (N,) or one-hot rows (N, K) to match x "
                f"{xa.shape}, got shape {ta.shape}"
            )
        correct = 0
        for sl in _iter_batches(xa.shape[0], batch_size or self.eval_batch_size):
            y = self.predict(xa[sl], train_flg=False)
            correct += int(np.sum(y.argmax(axis=1) == labels[sl]))
        return correct / max(xa.shape[0], 1)

    def numerical_gradient(self, x: ArrayLike, t: ArrayLike) -> dict[str, Array]:
        """Gradient of ``loss(x, t)`` for every parameter by central differences.

        Book 4.5.1 (``TwoLayerNet.numerical_gradient``). Whatever dtype the network
        trains in, this evaluates on float64 copies of the parameters (swapped in, and
        restored afterwards even on error), because h = 1e-4 is too small a step for
        float32. Slow by nature: two forward passes per parameter element.

        Returns:
            ``{name: gradient}`` shaped like ``params``, in float64.
        """
        saved = self.params
        saved_buffers = {k: v.copy() for k, v in self.buffers().items()}
        # Every evaluation draws the same dropout masks, or the differences are noise.
        rng_state = self.random_state()
        xa = np.asarray(x, dtype=np.float64)
        ta = np.asarray(t)

        def f(_w: Array) -> float:
            self.set_random_state(rng_state)
            return self.loss(xa, ta, train_flg=True)

        self.params = {k: v.astype(np.float64) for k, v in saved.items()}
        self._bind()
        try:
            grads = {}
            for name, value in self.params.items():
                grads[name] = _gradient.numerical_gradient(f, value)
        finally:
            self.params = saved
            self._bind()
            self.load_buffers(saved_buffers)
            self.set_random_state(rng_state)
        return grads

    def random_state(self) -> dict[str, Any]:
        """States of the random generators used in forward passes (dropout masks).

        JSON-serialisable; :meth:`set_random_state` restores it, so a checkpoint can
        resume with the same masks an uninterrupted run would have drawn.
        """
        return {}

    def set_random_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`random_state` returned."""


class LayeredNetwork(Network):
    """A network built from layers with a ``SoftmaxWithLoss`` on top (book 5.7, 6.1.x).

    Subclasses fill ``layers`` (an ordered dict name -> layer) and
    ``_slots`` (parameter name -> (layer, attribute)), e.g. ``'W1' -> (Affine1, 'W')``.
    The gradient of a slot is read from the layer's ``d`` + attribute (``dW``...).

    Weight decay (book 6.4.2): with ``weight_decay_lambda`` > 0 the loss gains
    0.5 * lambda * sum(W^2) over every weight matrix named ``W...`` (biases and batch
    norm's gamma/beta excluded), and each such gradient gains lambda * W.
    """

    weight_decay_lambda: float = 0.0
    last_loss: float = math.nan  # the loss computed by the latest gradient() call

    def __init__(self) -> None:
        self.layers: dict[str, Any] = {}
        self.last_layer = SoftmaxWithLoss()
        self._slots: dict[str, tuple[Any, str]] = {}

    @property
    def lastLayer(self) -> SoftmaxWithLoss:  # the book's attribute name
        """The book's name (ch. 5 ``TwoLayerNet``) for :attr:`last_layer`."""
        return self.last_layer

    def _bind(self) -> None:
        for name, (layer, attr) in self._slots.items():
            setattr(layer, attr, self.params[name])

    def buffers(self) -> dict[str, Array]:
        """Batch-norm running means and variances, keyed ``'<layer>.running_mean'``..."""
        out = {}
        for lname, layer in self.layers.items():
            if isinstance(layer, BatchNormalization):
                for attr in ("running_mean", "running_var"):
                    value = getattr(layer, attr)
                    if value is not None:
                        out[f"{lname}.{attr}"] = value
        return out

    def load_buffers(self, buffers: Mapping[str, Array]) -> None:
        """Restore batch-norm running statistics saved by :meth:`buffers`.

        Raises:
            ModelFileError: an unknown name or a wrong shape.
        """
        known = {
            f"{lname}.{attr}"
            for lname, layer in self.layers.items()
            if isinstance(layer, BatchNormalization)
            for attr in ("running_mean", "running_var")
        }
        unknown = set(buffers) - known
        if unknown:
            raise ModelFileError(f"{self.architecture}: unexpected buffers {sorted(unknown)}")
        for key, value in buffers.items():
            lname, attr = key.split(".")
            expected = self.layers[lname].gamma.shape
            if np.shape(value) != expected:
                raise ModelFileError(
                    f"{self.architecture}: buffer {key!r} should have shape {expected}, "
                    f"got {np.shape(value)}"
                )
            setattr(self.layers[lname], attr, np.array(value, dtype=self.dtype))

    def random_state(self) -> dict[str, Any]:
        return {
            lname: layer.rng.bit_generator.state
            for lname, layer in self.layers.items()
            if isinstance(layer, Dropout)
        }

    def set_random_state(self, state: Mapping[str, Any]) -> None:
        for lname, value in state.items():
            self.layers[lname].rng.bit_generator.state = value

    def predict(self, x: ArrayLike, train_flg: bool = False) -> Array:
        """Scores (the last Affine's output, before softmax), shape ``(N, K)``.

        Book 5.7.2 (ch. 5 onward). The chapter-4 ``TwoLayerNet.predict`` returned
        softmax probabilities instead; ``softmax(net.predict(x))`` gives those, and the
        arg-max (hence accuracy) is the same.
        """
        out = self._input(x)
        for layer in self.layers.values():
            out = layer.forward(out, train_flg)
        return out

    def _weight_decay(self) -> float:
        if not self.weight_decay_lambda:
            return 0.0
        total = 0.0
        for name, w in self.params.items():
            if name.startswith("W"):
                total += float(np.sum(np.square(w, dtype=np.float64)))
        return 0.5 * self.weight_decay_lambda * total

    def loss(self, x: ArrayLike, t: ArrayLike, train_flg: bool = True) -> float:
        """Mean cross-entropy of softmax(predict(x)) against ``t`` (+ weight decay).

        Args:
            x: inputs, batch first (a single un-batched sample also works).
            t: labels ``(N,)`` or one-hot ``(N, K)``.
            train_flg: training mode for dropout and batch norm (book 6.4.3).

        Returns:
            The loss as a Python float.
        """
        y = self.predict(x, train_flg)
        return float(self.last_layer.forward(y, np.asarray(t))) + self._weight_decay()

    def gradient(self, x: ArrayLike, t: ArrayLike) -> dict[str, Array]:
        """Gradients of :meth:`loss` by backpropagation (book 5.7.2).

        One forward pass in training mode, then each layer's ``backward`` in reverse.
        The first layer's dx, the gradient with respect to the data, would go nowhere,
        so a first layer that has ``backward_params`` (Affine, Convolution) computes
        only its parameters' gradients, as PyTorch skips inputs that do not require a
        gradient. For TwoLayerNet that saves one of the step's three largest matrix
        products; a first layer without ``backward_params`` gets its ``backward``.

        Returns:
            ``{name: gradient}`` with the shapes and dtype of ``params``. The arrays are
            the layers' own ``dW``/``db``... and are replaced on the next call.
        """
        self.last_loss = self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        first, *rest = self.layers.values()
        for layer in reversed(rest):
            dout = layer.backward(dout)
        if hasattr(first, "backward_params"):
            first.backward_params(dout)
        else:
            first.backward(dout)
        grads = {}
        for name, (layer, attr) in self._slots.items():
            g = getattr(layer, "d" + attr)
            if self.weight_decay_lambda and name.startswith("W"):
                g = g + self.weight_decay_lambda * self.params[name]
            grads[name] = g
        return grads


def weight_std(spec: float | str, fan_in: int) -> float:
    """Standard deviation of initial weights for a layer with ``fan_in`` inputs.

    Book 6.2: ``'relu'`` or ``'he'`` gives sqrt(2 / fan_in) (He et al. 2015);
    ``'sigmoid'`` or ``'xavier'`` gives sqrt(1 / fan_in) (Glorot & Bengio 2010, the
    book's simplified form); a number is used as it is (the book's 0.01).

    Raises:
        ValueError: an unknown name, or a number that is not positive.
    """
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("relu", "he"):
            return float(np.sqrt(2.0 / fan_in))
        if key in ("sigmoid", "xavier"):
            return float(np.sqrt(1.0 / fan_in))
        try:
            spec = float(key)
        except ValueError:
            raise ValueError(
                "weight_init_std: expected 'relu'/'he', 'sigmoid'/'xavier' or a positive "
                f"number, got {spec!r}"
            ) from None
    if not spec > 0:
        raise ValueError(f"weight_init_std: expected a positive number, got {spec}")
    return float(spec)
