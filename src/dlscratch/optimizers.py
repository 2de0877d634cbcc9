"""Parameter-update rules: SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam (book 6.1).

Every optimizer has the book's interface: ``update(params, grads)`` takes two dicts
keyed alike (``params['W1']`` and ``grads['W1']``) and changes the parameter arrays
**in place**. Layers hold references to those very arrays, so an update that rebound
``params[key]`` to a new array would silently leave the network untouched.

Notation in the docstrings: W a parameter array, g = dL/dW its gradient, η the learning
rate ``lr``; all operations are elementwise. State (velocities, squared-gradient sums)
is kept per parameter key, in dicts named as in the book's code (``v``, ``h``, ``m``),
created on first use with the shape and dtype of the parameter, and cleared by
``reset()``.

dtype: the update is computed in the dtype of each parameter (a float64 gradient for a
float32 parameter is cast to float32 first) and the parameter keeps its dtype.

Arithmetic follows the book's ``common/optimizer.py`` operation by operation, so float64
results match the book's code to the last bit; the in-place forms (``v *= μ; v -= η·g``
for ``v = μ·v - η·g``) round identically and allocate less.
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlscratch.errors import DlscratchError, DTypeError, ShapeError
from dlscratch.validation import as_real_array, check_mapping, is_real_number

# The book's `from common.X import *` also hands the script `np` (its modules have no
# __all__), and some of its scripts use np without importing it: export it too.
__all__ = [
    "OPTIMIZERS",
    "SGD",
    "AdaGrad",
    "Adam",
    "HyperparameterError",
    "MissingGradientError",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "UnknownOptimizerError",
    "get_optimizer",
    "np",
    "optimize_path",
]

EPS = 1e-7  # the book's constant in the denominators sqrt(h) + 1e-7


class HyperparameterError(DlscratchError, ValueError):
    """A hyper-parameter (learning rate, momentum, decay...) is out of its range."""


class UnknownOptimizerError(DlscratchError, ValueError):
    """``get_optimizer`` was given a name that is not in ``OPTIMIZERS``."""


class MissingGradientError(DlscratchError, KeyError):
    """``grads`` has no entry for one of the keys of ``params``."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------------------- checks


def _check_real(
    name: str,
    value: Any,
    *,
    low: float,
    high: float = math.inf,
    low_inclusive: bool,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a Python float if it lies in the interval, else raise."""
    interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
    expected = f"{name}: expected a finite real number in {interval}"
    if not is_real_number(value):
        raise HyperparameterError(f"{expected}, got {value!r} ({type(value).__name__})")
    x = float(value)
    ok = (
        math.isfinite(x)
        and (x >= low if low_inclusive else x > low)
        and (x <= high if high_inclusive else x < high)
    )
    if not ok:
        raise HyperparameterError(f"{expected}, got {value!r}")
    return x


def _check_lr(lr: Any) -> float:
    return _check_real("lr", lr, low=0.0, low_inclusive=False)


def _check_unit(name: str, value: Any) -> float:
    """A decay factor in [0, 1): momentum, decay_rate, beta1, beta2."""
    return _check_real(name, value, low=0.0, high=1.0, low_inclusive=True)


def _check_eps(eps: Any) -> float:
    return _check_real("eps", eps, low=0.0, low_inclusive=False)


def _checked_grads(
    params: Mapping[str, NDArray[Any]], grads: Mapping[str, ArrayLike]
) -> dict[str, NDArray[Any]]:
    """Validate the pair of dicts before anything is changed; return the gradients
    as arrays in the dtype of their parameters (extra keys in ``grads`` are ignored)."""
    out: dict[str, NDArray[Any]] = {}
    for key, param in params.items():
        grad = grads.get(key)
        if (  # the usual case, checked in one go: a gradient just like its parameter
            type(grad) is np.ndarray
            and type(param) is np.ndarray
            and grad.shape == param.shape
            and grad.dtype == param.dtype
            and param.dtype.kind == "f"
            and param.flags.writeable
        ):
            out[key] = grad
            continue
        if not isinstance(param, np.ndarray):
            raise DTypeError(
                f"params[{key!r}]: expected a NumPy array (it is updated in place), "
                f"got {type(param).__name__}"
            )
        if param.dtype.kind != "f":  # dtype.kind: cheaper than np.issubdtype per step
            raise DTypeError(
                f"params[{key!r}]: expected a floating-point array, got dtype {param.dtype}"
            )
        if not param.flags.writeable:
            raise ValueError(f"params[{key!r}]: expected a writeable array, got a read-only one")
        if key not in grads:
            raise MissingGradientError(
                f"grads: no entry {key!r} for params[{key!r}]; grads has {sorted(grads)}"
            )
        grad = grads[key]
        if not isinstance(grad, np.ndarray):  # numbers and lists (arrays: checked below)
            grad = as_real_array(f"grads[{key!r}]", grad)
        if grad.shape != param.shape:
            raise ShapeError(
                f"grads[{key!r}]: expected shape {param.shape} (that of params[{key!r}]), "
                f"got {grad.shape}"
            )
        if grad.dtype.kind not in "fiu":
            raise DTypeError(f"grads[{key!r}]: expected a real-valued array, got {grad.dtype}")
        out[key] = grad.astype(param.dtype, copy=False)
    return out


def _state(store: dict[str, NDArray[Any]], key: str, param: NDArray[Any]) -> NDArray[Any]:
    """The state array for ``key``, created as zeros like ``param`` on first use."""
    s = store.get(key)
    if s is None:
        s = store[key] = np.zeros_like(param)
    return s


# ---------------------------------------------------------------------------- base


class Optimizer(ABC):
    """Base class: validates the dicts, then lets the subclass apply its rule.

    Subclasses set ``name`` (the key in :data:`OPTIMIZERS`) and implement ``_step``,
    which sees gradients already checked and cast to each parameter's dtype.
    """

    name: ClassVar[str]
    lr: float
    # Names of the per-key state dicts, as returned by _states() (checkpoints use them).
    _state_names: ClassVar[tuple[str, ...]] = ()

    def update(self, params: MutableMapping[str, Any], grads: Mapping[str, ArrayLike]) -> None:
        """Apply one step to every array in ``params``, in place.

        Args:
            params: name -> floating-point array, changed in place (identity and dtype
                are kept). A value may also be a Python number, as in the book's
                ``params = {'x': -7.0, 'y': 2.0}`` (ch. 6, fig. 6-8): it is replaced by
                its updated value, a Python float, as ``params[key] -= lr * g``
                replaces it in the book's code.
            grads: name -> gradient of the loss w.r.t. ``params[name]``, same shape. Keys
                not in ``params`` are ignored; ``grads`` is never modified.

        Raises:
            MissingGradientError: (a ``KeyError``) ``grads`` lacks a key of ``params``.
            ShapeError: a gradient's shape differs from its parameter's, or from the
                state kept for that key since the last ``reset()``.
            DTypeError: a parameter is not a floating-point NumPy array, or a gradient
                is not real-valued.
            ValueError: a parameter is read-only.
            TypeError: ``params`` or ``grads`` is not a dict (e.g. a list of arrays).

        Nothing is changed when one of these is raised for a wrong argument.
        """
        check_mapping("params", params)
        check_mapping("grads", grads)
        numbers = [
            k for k, v in params.items() if not isinstance(v, np.ndarray) and is_real_number(v)
        ]
        if numbers:
            # Update 0-d float64 arrays in their place, then hand floats back.
            work = {
                k: np.array(v, dtype=np.float64) if k in numbers else v for k, v in params.items()
            }
            self.update(work, grads)
            for k in numbers:
                params[k] = float(work[k])
            return
        checked = _checked_grads(params, grads)
        for store in self._states():
            for key, param in params.items():
                if key in store and store[key].shape != param.shape:
                    raise ShapeError(
                        f"params[{key!r}]: shape {param.shape} differs from the state kept "
                        f"for that key {store[key].shape}; call reset() before optimizing "
                        "other parameters"
                    )
        self._step(params, checked)

    @abstractmethod
    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        """Apply the rule; ``grads[key]`` has the shape and dtype of ``params[key]``."""

    def _states(self) -> tuple[dict[str, NDArray[Any]], ...]:
        """The per-key state dicts (none for SGD)."""
        return ()

    def state_dict(self) -> tuple[dict[str, NDArray[Any]], dict[str, int]]:
        """The state, for checkpoints: arrays keyed ``'<attribute>/<param>'`` (e.g.
        ``'v/W1'``) and integer counters (Adam's ``iter``). The arrays are copies."""
        arrays = {
            f"{attr}/{key}": value.copy()
            for attr in self._state_names
            for key, value in getattr(self, attr).items()
        }
        counters = {"iter": int(self.iter)} if hasattr(self, "iter") else {}
        return arrays, counters

    def load_state_dict(
        self, arrays: Mapping[str, NDArray[Any]], counters: Mapping[str, int]
    ) -> None:
        """Restore what :meth:`state_dict` returned (copies the arrays).

        Raises:
            ValueError: an array key names no state of this optimizer.
        """
        self.reset()
        for name, value in arrays.items():
            attr, _, key = name.partition("/")
            if attr not in self._state_names or not key:
                raise ValueError(
                    f"{type(self).__name__}: unknown state {name!r}; expected "
                    f"'<{'|'.join(self._state_names) or 'none'}>/<param>'"
                )
            getattr(self, attr)[key] = np.array(value)
        if "iter" in counters and hasattr(self, "iter"):
            self.iter = int(counters["iter"])

    def reset(self) -> None:
        """Forget all state (velocities, accumulators, step count): the next ``update``
        is computed as if it were the first. Nothing to forget for SGD."""
        for store in self._states():
            store.clear()

    @property
    def hyperparameters(self) -> dict[str, float]:
        """The constructor's arguments as a dict, e.g. for a model's JSON metadata."""
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({args})"


# ---------------------------------------------------------------------------- rules


class SGD(Optimizer):
    """Stochastic gradient descent (book 6.1.2)::

        W <- W - η·g

    Stateless. Source: Robbins & Monro (1951), "A stochastic approximation method".

    Args:
        lr: learning rate η > 0 (book default 0.01).

    Raises:
        HyperparameterError: (a ``ValueError``) ``lr`` is not a finite number > 0.
    """

    name = "sgd"

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = _check_lr(lr)

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        for key, param in params.items():
            param -= self.lr * grads[key]


class Momentum(Optimizer):
    """SGD with momentum (book 6.1.4)::

        v <- μ·v - η·g
        W <- W + v

    ``v`` (the "velocity", book's ``self.v``) starts at zero for each key. Sources:
    Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating
    errors"; Qian (1999), "On the momentum term in gradient descent learning algorithms".

    Args:
        lr: learning rate η > 0 (book default 0.01).
        momentum: μ in [0, 1) (book default 0.9); μ = 0 is plain SGD.

    Attributes:
        v: dict key -> velocity array (shape and dtype of the parameter).

    Raises:
        HyperparameterError: an argument is out of its range.
    """

    name = "momentum"
    _state_names = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = _check_lr(lr)
        self.momentum = _check_unit("momentum", momentum)
        self.v: dict[str, NDArray[Any]] = {}

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        for key, param in params.items():
            v = _state(self.v, key, param)
            v *= self.momentum
            v -= self.lr * grads[key]
            param += v

    def _states(self) -> tuple[dict[str, NDArray[Any]], ...]:
        return (self.v,)

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "momentum": self.momentum}


class Nesterov(Momentum):
    """Nesterov's accelerated gradient in the form of Bengio et al. (2012), eq. 7::

        W <- W + μ²·v - (1 + μ)·η·g    (with the OLD velocity v)
        v <- μ·v - η·g

    Not in the book's text (6.1 covers SGD, Momentum, AdaGrad, Adam); it is in the
    book's ``common/optimizer.py``, which cites this reformulation: Bengio,
    Boulanger-Lewandowski & Pascanu (2012), "Advances in optimizing recurrent networks"
    (arXiv:1212.0901). The gradient g is taken at W itself, not at a look-ahead point.

    Update order (a known trap): the book repository's 2016 code updated v first and
    then W with the NEW v, which moves W by ``μ³·v_old - (1 + μ + μ²)·η·g``, not the
    cited formula (its first step is -2.71·η·g for μ = 0.9; the paper's is -1.9·η·g).
    A 2021 commit there, "Fix Nesterov update function", moved the W update first,
    as above and in the paper; copies of the book's code made before it still carry
    the old order. We follow the paper and the fixed code. Sources: Nesterov (1983),
    "A method for solving the convex programming problem with convergence rate
    O(1/k^2)"; Sutskever, Martens, Dahl & Hinton (2013), "On the importance of
    initialization and momentum in deep learning".

    Args:
        lr: learning rate η > 0 (book default 0.01).
        momentum: μ in [0, 1) (book default 0.9).

    Attributes:
        v: dict key -> velocity array.

    Raises:
        HyperparameterError: an argument is out of its range.
    """

    name = "nesterov"

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        mu = self.momentum
        for key, param in params.items():
            g = grads[key]
            v = _state(self.v, key, param)
            param += mu * mu * v
            param -= (1 + mu) * self.lr * g
            v *= mu
            v -= self.lr * g


class AdaGrad(Optimizer):
    """AdaGrad: per-element learning rates that shrink with the gradients seen (6.1.5)::

        h <- h + g⊙g
        W <- W - η·g / (sqrt(h) + ε)

    ``h`` (book's ``self.h``) starts at zero, so the first step is about η·sign(g).
    ε = 1e-7 as in the book's code, added *after* the square root. Source: Duchi, Hazan
    & Singer (2011), "Adaptive subgradient methods for online learning and stochastic
    optimization", JMLR 12.

    Args:
        lr: learning rate η > 0 (book default 0.01).
        eps: ε > 0 (book: 1e-7).

    Attributes:
        h: dict key -> running sum of squared gradients.

    Raises:
        HyperparameterError: an argument is out of its range.
    """

    name = "adagrad"
    _state_names = ("h",)

    def __init__(self, lr: float = 0.01, eps: float = EPS) -> None:
        self.lr = _check_lr(lr)
        self.eps = _check_eps(eps)
        self.h: dict[str, NDArray[Any]] = {}

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        for key, param in params.items():
            g = grads[key]
            h = _state(self.h, key, param)
            h += g * g
            denom = np.sqrt(h)
            denom += self.eps
            param -= self.lr * g / denom

    def _states(self) -> tuple[dict[str, NDArray[Any]], ...]:
        return (self.h,)

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "eps": self.eps}


class RMSprop(Optimizer):
    """RMSprop: AdaGrad with an exponentially decaying average (note in book 6.1.5)::

        h <- ρ·h + (1 - ρ)·g⊙g
        W <- W - η·g / (sqrt(h) + ε)

    ρ is ``decay_rate``; ``h`` starts at zero (no bias correction, as in the book's
    code), so early steps are large: the first is about η·sign(g)/sqrt(1 - ρ), 10·η for
    ρ = 0.99. Source: Tieleman & Hinton (2012), Coursera "Neural Networks for Machine
    Learning", lecture 6.5.

    Args:
        lr: learning rate η > 0 (book default 0.01).
        decay_rate: ρ in [0, 1) (book default 0.99).
        eps: ε > 0 (book: 1e-7).

    Attributes:
        h: dict key -> moving average of squared gradients.

    Raises:
        HyperparameterError: an argument is out of its range.
    """

    name = "rmsprop"
    _state_names = ("h",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = EPS) -> None:
        self.lr = _check_lr(lr)
        self.decay_rate = _check_unit("decay_rate", decay_rate)
        self.eps = _check_eps(eps)
        self.h: dict[str, NDArray[Any]] = {}

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        rho = self.decay_rate
        for key, param in params.items():
            g = grads[key]
            h = _state(self.h, key, param)
            h *= rho
            h += (1 - rho) * g * g
            denom = np.sqrt(h)
            denom += self.eps
            param -= self.lr * g / denom

    def _states(self) -> tuple[dict[str, NDArray[Any]], ...]:
        return (self.h,)

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "decay_rate": self.decay_rate, "eps": self.eps}


class Adam(Optimizer):
    """Adam (book 6.1.6), with the bias correction folded into the step size::

        t   <- t + 1
        η_t  = η·sqrt(1 - β2^t) / (1 - β1^t)
        m   <- m + (1 - β1)·(g - m)        (= β1·m + (1 - β1)·g)
        v   <- v + (1 - β2)·(g⊙g - v)      (= β2·v + (1 - β2)·g⊙g)
        W   <- W - η_t·m / (sqrt(v) + ε)

    This is the book's code and the "more efficient order" at the end of section 2 of
    Kingma & Ba (2015), "Adam: A method for stochastic optimization", ICLR
    (arXiv:1412.6980). It equals the textbook form with m̂ = m/(1 - β1^t),
    v̂ = v/(1 - β2^t), ``W <- W - η·m̂/(sqrt(v̂) + ε')`` for ε' = ε/sqrt(1 - β2^t): with
    the same ε the two differ only by where ε sits (about 1e-6 relative in a step of
    the book's examples).

    ``t`` (``iter``) counts calls to ``update``, one for all keys, as in the book: a key
    first seen at t > 1 starts with zero moments but the step count of the others.

    Args:
        lr: learning rate η > 0 (book default 0.001).
        beta1: β1 in [0, 1) (default 0.9).
        beta2: β2 in [0, 1) (default 0.999).
        eps: ε > 0 (book: 1e-7).

    Attributes:
        m: dict key -> first-moment estimate (moving average of g).
        v: dict key -> second-moment estimate (moving average of g⊙g).
        iter: number of steps taken since construction or ``reset()``.

    Raises:
        HyperparameterError: an argument is out of its range.
    """

    name = "adam"
    _state_names = ("m", "v")

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = EPS
    ) -> None:
        self.lr = _check_lr(lr)
        self.beta1 = _check_unit("beta1", beta1)
        self.beta2 = _check_unit("beta2", beta2)
        self.eps = _check_eps(eps)
        self.m: dict[str, NDArray[Any]] = {}
        self.v: dict[str, NDArray[Any]] = {}
        self.iter = 0

    def _step(self, params: Mapping[str, NDArray[Any]], grads: Mapping[str, NDArray[Any]]) -> None:
        b1, b2 = self.beta1, self.beta2
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - b2**self.iter) / (1.0 - b1**self.iter)
        for key, param in params.items():
            g = grads[key]
            m = _state(self.m, key, param)
            v = _state(self.v, key, param)
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            denom = np.sqrt(v)
            denom += self.eps
            param -= lr_t * m / denom

    def _states(self) -> tuple[dict[str, NDArray[Any]], ...]:
        return (self.m, self.v)

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    @property
    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


# ---------------------------------------------------------------------------- lookup

OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam)
}
"""Lower-case name -> optimizer class: sgd, momentum, nesterov, adagrad, rmsprop, adam."""


def get_optimizer(name: str, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name, e.g. ``get_optimizer("Adam", lr=0.3)``.

    Args:
        name: one of the keys of :data:`OPTIMIZERS`, in any case ("SGD", "RMSProp").
        **kwargs: passed to the class (``lr``, ``momentum``, ...).

    Raises:
        UnknownOptimizerError: (a ``ValueError``) the name is not known; the message
            lists the valid names.
        HyperparameterError: a keyword argument is out of its range.
        TypeError: a keyword argument the class does not take.
    """
    if not isinstance(name, str):
        raise UnknownOptimizerError(
            f"name: expected one of {', '.join(OPTIMIZERS)}, got {name!r} ({type(name).__name__})"
        )
    cls = OPTIMIZERS.get(name.strip().lower())
    if cls is None:
        raise UnknownOptimizerError(
            f"name: expected one of {', '.join(OPTIMIZERS)} (any case), got {name!r}"
        )
    return cls(**kwargs)


# ---------------------------------------------------------------------------- paths


def optimize_path(
    optimizer: Optimizer,
    grad_fn: Callable[[NDArray[np.float64]], ArrayLike],
    init: ArrayLike,
    steps: int,
) -> NDArray[np.float64]:
    """The points visited by ``steps`` updates from ``init`` (book fig. 6-3 to 6-8).

    The book's figures start at (-7, 2) on f(x, y) = x²/20 + y², whose gradient is
    ``lambda p: np.array([p[0] / 10, 2 * p[1]])``, and take 30 steps with SGD(lr=0.95),
    Momentum(lr=0.1), AdaGrad(lr=1.5) and Adam(lr=0.3).

    Pure: ``optimizer`` and ``init`` are not changed. A copy of ``optimizer`` with empty
    state (same hyper-parameters) takes the steps, and ``grad_fn`` gets a copy of the
    current point, so a result depends only on the arguments.

    Args:
        optimizer: any :class:`Optimizer`.
        grad_fn: point (float64, shape (d,)) -> gradient there, shape (d,).
        init: the start, d real numbers (d = 2 for the book's plots).
        steps: number of updates, >= 0.

    Returns:
        float64 array of shape (steps + 1, d): row 0 is ``init``, row i the point after
        i updates.

    Raises:
        ShapeError: ``init`` is not a non-empty 1-D vector, or ``grad_fn`` returns
            another shape.
        ValueError: ``init`` is not finite, or ``steps`` is negative or not an integer.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected an integer >= 0, got {steps!r}")
    point = np.array(init, dtype=np.float64)  # a copy: init is never written to
    if point.ndim != 1 or point.size == 0:
        raise ShapeError(f"init: expected a non-empty 1-D vector, got shape {point.shape}")
    if not np.all(np.isfinite(point)):
        raise ValueError(f"init: expected finite numbers, got {point.tolist()}")
    opt = copy.deepcopy(optimizer)
    opt.reset()
    path = np.empty((int(steps) + 1, point.size), dtype=np.float64)
    path[0] = point
    params = {"point": point}
    for i in range(1, int(steps) + 1):
        grad = np.asarray(grad_fn(point.copy()), dtype=np.float64)
        if grad.shape != point.shape:
            raise ShapeError(
                f"grad_fn: expected a gradient of shape {point.shape}, got {grad.shape}"
            )
        opt.update(params, {"point": grad})
        path[i] = point
    return path
