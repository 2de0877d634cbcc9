"""Tests for dlscratch.optimizers (book 6.1).

Most checks use the book's example f(x, y) = x²/20 + y² (fig. 6-1 to 6-8), whose
gradient is (x/10, 2y), from the book's start (-7, 2). The expected values are computed
in the tests with plain float arithmetic, never by calling the class under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlscratch.errors import DlscratchError, DTypeError, ShapeError
from dlscratch.optimizers import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    HyperparameterError,
    MissingGradientError,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    UnknownOptimizerError,
    get_optimizer,
    optimize_path,
)

ALL = [SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam]
START = (-7.0, 2.0)


def grad_f(p):
    """Gradient of f(x, y) = x²/20 + y²."""
    return np.array([p[0] / 10, 2 * p[1]])


def f(path):
    return path[..., 0] ** 2 / 20 + path[..., 1] ** 2


def run_dict(opt, steps, start=START):
    """Take ``steps`` updates the book's way: params['x'], params['y'] (0-d arrays)."""
    params = {"x": np.array(start[0]), "y": np.array(start[1])}
    out = [start]
    for _ in range(steps):
        x, y = float(params["x"]), float(params["y"])
        opt.update(params, {"x": np.array(x / 10), "y": np.array(2 * y)})
        out.append((float(params["x"]), float(params["y"])))
    return np.array(out)


# ----------------------------------------------------------------- first two steps by hand


def test_sgd_first_step_is_the_books_number():
    path = run_dict(SGD(lr=0.95), 1)
    # x: -7 - 0.95 * (-7/10) = -6.335;  y: 2 - 0.95 * (2*2) = -1.8
    assert path[1] == pytest.approx([-6.335, -1.8], rel=1e-15)
    # and bit for bit the same operations
    assert path[1, 0] == -7.0 - 0.95 * (-7.0 / 10)
    assert path[1, 1] == 2.0 - 0.95 * (2 * 2.0)


def test_sgd_two_steps():
    path = run_dict(SGD(lr=0.95), 2)
    # step 2 from (-6.335, -1.8): x - 0.95*x/10 = 0.905*x; y - 0.95*2y = -0.9*y
    assert path[2] == pytest.approx([-6.335 * 0.905, -1.8 * -0.9], rel=1e-14)


def test_momentum_two_steps():
    path = run_dict(Momentum(lr=0.1, momentum=0.9), 2)
    # step 1: v = -0.1*g = (0.07, -0.4); p + v = (-6.93, 1.6)
    # step 2: g = (-0.693, 3.2); v = 0.9*v - 0.1*g = (0.063 + 0.0693, -0.36 - 0.32)
    #         = (0.1323, -0.68); p + v = (-6.7977, 0.92)
    assert path[1] == pytest.approx([-6.93, 1.6], rel=1e-14)
    assert path[2] == pytest.approx([-6.7977, 0.92], rel=1e-14)


def test_nesterov_two_steps_follow_the_papers_order():
    path = run_dict(Nesterov(lr=0.1, momentum=0.9), 2)
    # W first, with the old v:  p += 0.81*v - 1.9*0.1*g;  then v = 0.9*v - 0.1*g
    # step 1: v = 0, g = (-0.7, 4)
    #   x: -7 + 0 + 0.19*0.7 = -6.867;  y: 2 - 0.19*4 = 1.24;  v = (0.07, -0.4)
    # step 2: g = (-0.6867, 2.48)
    #   x: -6.867 + 0.81*0.07 + 0.19*0.6867 = -6.867 + 0.0567 + 0.130473 = -6.679827
    #   y:  1.24 - 0.81*0.4 - 0.19*2.48 = 1.24 - 0.324 - 0.4712 = 0.4448
    assert path[1] == pytest.approx([-6.867, 1.24], rel=1e-13)
    assert path[2] == pytest.approx([-6.679827, 0.4448], rel=1e-12)


def test_nesterov_is_not_the_books_2016_order():
    # The book repository's 2016 code updated v first (fixed in 2021, "Fix Nesterov
    # update function"), so its first step is (1 + μ + μ²)·η·g:
    # x = -7 + 2.71*0.1*0.7 = -6.8103. Ours, and the fixed code's, is (1 + μ)·η·g.
    path = run_dict(Nesterov(lr=0.1, momentum=0.9), 1)
    assert path[1, 0] != pytest.approx(-6.8103, abs=1e-6)
    assert path[1, 0] - START[0] == pytest.approx(-(1 + 0.9) * 0.1 * -0.7, rel=1e-13)


def test_adagrad_two_steps():
    path = run_dict(AdaGrad(lr=1.5), 2)
    eps, lr = 1e-7, 1.5
    x, y = START
    hx = hy = 0.0
    for step in (1, 2):
        gx, gy = x / 10, 2 * y
        hx += gx * gx
        hy += gy * gy
        x -= lr * gx / (math.sqrt(hx) + eps)
        y -= lr * gy / (math.sqrt(hy) + eps)
        assert path[step] == pytest.approx([x, y], rel=1e-13, abs=1e-15)
    # step 1 is η·sign(g) up to ε: (-7 + 1.5, 2 - 1.5)
    assert path[1] == pytest.approx([-5.5, 0.5], abs=1e-6)


def test_rmsprop_two_steps():
    path = run_dict(RMSprop(lr=0.1, decay_rate=0.99), 2)
    eps, lr, rho = 1e-7, 0.1, 0.99
    x, y = START
    hx = hy = 0.0
    for step in (1, 2):
        gx, gy = x / 10, 2 * y
        hx = rho * hx + (1 - rho) * gx * gx
        hy = rho * hy + (1 - rho) * gy * gy
        x -= lr * gx / (math.sqrt(hx) + eps)
        y -= lr * gy / (math.sqrt(hy) + eps)
        assert path[step] == pytest.approx([x, y], rel=1e-12)
    # step 1 is η·sign(g)/sqrt(1 - ρ) = 10η = 1 per coordinate (up to ε)
    assert path[1] == pytest.approx([-6.0, 1.0], abs=1e-5)


def test_adam_two_steps_book_form():
    path = run_dict(Adam(lr=0.3), 2)
    lr, b1, b2, eps = 0.3, 0.9, 0.999, 1e-7
    p = list(START)
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    for t in (1, 2):
        g = [p[0] / 10, 2 * p[1]]
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        for i in range(2):
            m[i] += (1 - b1) * (g[i] - m[i])
            v[i] += (1 - b2) * (g[i] ** 2 - v[i])
            p[i] -= lr_t * m[i] / (math.sqrt(v[i]) + eps)
        assert path[t] == pytest.approx(p, rel=1e-12)
    # step 1 is η·sign(g) up to ε: (-6.7, 1.7)
    assert path[1] == pytest.approx([-6.7, 1.7], abs=1e-5)


# ----------------------------------------------------------------- five-step references


def test_momentum_matches_a_plain_loop_for_five_steps():
    lr, mu = 0.1, 0.9
    x, y = START
    vx = vy = 0.0
    expected = [(x, y)]
    for _ in range(5):
        vx = mu * vx - lr * (x / 10)
        vy = mu * vy - lr * (2 * y)
        x, y = x + vx, y + vy
        expected.append((x, y))
    got = optimize_path(Momentum(lr=0.1), grad_f, START, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def _adam_textbook(lr, steps, eps_of_t):
    """Kingma & Ba, Algorithm 1: bias-corrected moments m̂, v̂, then the step."""
    b1, b2 = 0.9, 0.999
    p = list(START)
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    out = [tuple(p)]
    for t in range(1, steps + 1):
        g = [p[0] / 10, 2 * p[1]]
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            p[i] -= lr * m_hat / (math.sqrt(v_hat) + eps_of_t(t))
        out.append(tuple(p))
    return np.array(out)


def test_adam_folded_bias_correction_equals_the_textbook_form():
    got = optimize_path(Adam(lr=0.3), grad_f, START, 5)
    # Folding the correction into η_t = η·sqrt(1-β2^t)/(1-β1^t) divides by
    # sqrt(v) + ε = sqrt(1-β2^t)·(sqrt(v̂) + ε/sqrt(1-β2^t)): the textbook form with
    # ε' = ε/sqrt(1-β2^t) is the same computation up to rounding ...
    same = _adam_textbook(0.3, 5, lambda t: 1e-7 / math.sqrt(1 - 0.999**t))
    np.testing.assert_allclose(got, same, rtol=0, atol=1e-13)
    # ... and with the textbook's fixed ε = 1e-7 it differs only by where ε sits. Each
    # step changes by about η·(ε' - ε)/|g| (ε' = 3.2e-6 at t = 1, 1.4e-6 at t = 5;
    # |g_x| ≈ 0.7), i.e. ≈ 1e-6 per step, which accumulate over 5 steps to ≈ 4e-6 in x.
    textbook = _adam_textbook(0.3, 5, lambda t: 1e-7)
    diff = np.abs(got - textbook).max()
    assert 1e-7 < diff < 1e-5


# ----------------------------------------------------------------- the book's fig. 6-8 runs


def test_sgd_path_has_the_closed_form():
    # x_k = x0·(1 - 0.95/10)^k, y_k = y0·(1 - 0.95·2)^k: the zigzag of book fig. 6-3
    path = optimize_path(SGD(lr=0.95), grad_f, START, 30)
    k = np.arange(31)
    np.testing.assert_allclose(path[:, 0], -7.0 * 0.905**k, rtol=1e-12)
    np.testing.assert_allclose(path[:, 1], 2.0 * (-0.9) ** k, rtol=1e-12)


# Final points after 30 steps (regression values from this implementation, whose single
# steps are checked by hand above).
FIG_6_8 = [
    (SGD(lr=0.95), (-0.350393, 0.084782)),
    (Momentum(lr=0.1), (0.896414, 0.088086)),
    (AdaGrad(lr=1.5), (-0.120162, 0.0)),
    (Adam(lr=0.3), (0.136007, 0.318245)),
]


@pytest.mark.parametrize(("opt", "final"), FIG_6_8, ids=lambda p: repr(p))
def test_fig_6_8_paths_approach_the_minimum(opt, final):
    path = optimize_path(opt, grad_f, START, 30)
    assert path.shape == (31, 2)
    assert path[-1] == pytest.approx(final, abs=1e-6)
    # x moves from -7 toward 0 and never farther than the start; y ends near 0
    assert np.all(np.abs(path[:, 0]) <= 7.0)
    assert abs(path[-1, 0]) < 1.0
    assert abs(path[-1, 1]) < 0.35
    # the objective falls from 6.45 by a factor of more than 50
    assert f(path[0]) == pytest.approx(6.45)
    assert f(path[-1]) < 6.45 / 50
    assert f(path[-1]) < f(path[10]) < f(path[0])


@pytest.mark.parametrize("opt", [SGD(lr=0.95), AdaGrad(lr=1.5)], ids=repr)
def test_sgd_and_adagrad_decrease_f_at_every_step(opt):
    # Momentum and Adam overshoot (their f is not monotone); these two do not
    path = optimize_path(opt, grad_f, START, 30)
    assert np.all(np.diff(f(path)) < 0)


# ----------------------------------------------------------------- in place, dtype, state


def _problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((4, 3)).astype(dtype),
        "b1": rng.standard_normal(3).astype(dtype),
    }
    grads = {k: rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()}
    return params, grads


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_params_stay_float32_and_keep_identity(cls, grad_dtype):
    params, grads = _problem(np.float32)
    grads = {k: g.astype(grad_dtype) for k, g in grads.items()}
    before = {k: v.copy() for k, v in params.items()}
    ids = {k: id(v) for k, v in params.items()}
    opt = cls()
    for _ in range(3):
        opt.update(params, grads)
    for k, v in params.items():
        assert id(v) == ids[k]
        assert v.dtype == np.float32
        assert not np.array_equal(v, before[k])
    for store in opt._states():
        assert set(store) == {"W1", "b1"}
        for k, s in store.items():
            assert s.dtype == np.float32
            assert s.shape == params[k].shape


@pytest.mark.parametrize("cls", ALL)
def test_float32_result_is_close_to_float64(cls):
    p32, g32 = _problem(np.float32)
    p64 = {k: v.astype(np.float64) for k, v in p32.items()}
    g64 = {k: v.astype(np.float64) for k, v in g32.items()}
    o32, o64 = cls(lr=0.1), cls(lr=0.1)
    for _ in range(3):
        o32.update(p32, g32)
        o64.update(p64, g64)
    for k in p32:
        np.testing.assert_allclose(p32[k], p64[k], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls", ALL)
def test_layers_holding_the_arrays_see_the_update(cls):
    W = np.ones((2, 2))
    layer_W = W  # what an Affine layer would hold
    params = {"W": W}
    cls().update(params, {"W": np.full((2, 2), 0.5)})
    assert params["W"] is layer_W
    assert np.all(layer_W < 1)


@pytest.mark.parametrize("cls", ALL)
def test_grads_are_not_modified(cls):
    params, grads = _problem(np.float64)
    saved = {k: g.copy() for k, g in grads.items()}
    opt = cls()
    opt.update(params, grads)
    opt.update(params, grads)
    for k in grads:
        np.testing.assert_array_equal(grads[k], saved[k])


@pytest.mark.parametrize("cls", ALL)
def test_reset_makes_the_next_step_a_first_step(cls):
    params, grads = _problem(np.float64)
    start = {k: v.copy() for k, v in params.items()}
    fresh = {k: v.copy() for k, v in params.items()}
    cls(lr=0.1).update(fresh, grads)

    opt = cls(lr=0.1)
    for _ in range(3):
        opt.update(params, grads)
    opt.reset()
    assert all(store == {} for store in opt._states())
    for k in params:
        params[k][...] = start[k]
    opt.update(params, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], fresh[k])


def test_state_attributes_are_readable_and_lazy():
    m, a, r = Momentum(lr=0.1), AdaGrad(lr=0.1), Adam(lr=0.1)
    assert m.v == {} and a.h == {} and r.m == {} and r.v == {} and r.iter == 0
    params = {"w": np.array([1.0, -2.0])}
    grads = {"w": np.array([0.5, -1.0])}
    m.update(params, grads)
    np.testing.assert_allclose(m.v["w"], [-0.05, 0.1])  # v = -η·g
    a.update({"w": np.array([1.0, -2.0])}, grads)
    np.testing.assert_allclose(a.h["w"], [0.25, 1.0])  # h = g²
    r.update({"w": np.array([1.0, -2.0])}, grads)
    r.update({"w": np.array([1.0, -2.0])}, grads)
    assert r.iter == 2
    np.testing.assert_allclose(r.m["w"], np.array([0.5, -1.0]) * (1 - 0.9**2))
    np.testing.assert_allclose(r.v["w"], np.array([0.25, 1.0]) * (1 - 0.999**2))
    r.reset()
    assert r.iter == 0 and r.m == {} and r.v == {}


def test_a_key_seen_later_gets_its_own_state():
    opt = Momentum(lr=0.1)
    opt.update({"a": np.zeros(2)}, {"a": np.ones(2)})
    opt.update({"a": np.zeros(2), "b": np.zeros(3)}, {"a": np.ones(2), "b": np.ones(3)})
    np.testing.assert_allclose(opt.v["a"], [-0.19, -0.19])  # 0.9*(-0.1) - 0.1
    np.testing.assert_allclose(opt.v["b"], [-0.1, -0.1, -0.1])


def test_extra_gradient_keys_are_ignored():
    params = {"W": np.zeros(2)}
    SGD(lr=1.0).update(params, {"W": np.ones(2), "unused": np.ones(5)})
    np.testing.assert_array_equal(params["W"], [-1.0, -1.0])


def test_book_defaults():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert (Nesterov().lr, Nesterov().momentum) == (0.01, 0.9)
    assert (AdaGrad().lr, AdaGrad().eps) == (0.01, 1e-7)
    assert (RMSprop().lr, RMSprop().decay_rate, RMSprop().eps) == (0.01, 0.99, 1e-7)
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-7)


def test_repr_and_hyperparameters():
    assert repr(Adam(lr=0.3)) == "Adam(lr=0.3, beta1=0.9, beta2=0.999, eps=1e-07)"
    assert repr(SGD(0.95)) == "SGD(lr=0.95)"
    assert Momentum(lr=0.1, momentum=0.5).hyperparameters == {"lr": 0.1, "momentum": 0.5}
    for cls in ALL:  # enough to rebuild the optimizer (e.g. from a model's metadata)
        opt = cls()
        assert repr(cls(**opt.hyperparameters)) == repr(opt)


# ----------------------------------------------------------------- errors


def test_missing_gradient_key_raises_and_changes_nothing():
    params = {"W1": np.ones(2), "b1": np.ones(2)}
    opt = Momentum()
    with pytest.raises(MissingGradientError, match=r"'b1'") as info:
        opt.update(params, {"W1": np.ones(2)})
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, DlscratchError)
    assert "'b1'" in str(info.value) and not str(info.value).startswith('"')
    np.testing.assert_array_equal(params["W1"], [1.0, 1.0])
    assert opt.v == {}


@pytest.mark.parametrize("cls", ALL)
def test_gradient_shape_mismatch_raises(cls):
    with pytest.raises(ShapeError, match=r"grads\['W'\]: expected shape \(2, 3\).*got \(3, 2\)"):
        cls().update({"W": np.ones((2, 3))}, {"W": np.ones((3, 2))})


def test_state_shape_mismatch_needs_reset():
    opt = Adam()
    opt.update({"W": np.ones(3)}, {"W": np.ones(3)})
    W = np.ones(4)
    with pytest.raises(ShapeError, match=r"reset\(\)"):
        opt.update({"W": W}, {"W": np.ones(4)})
    np.testing.assert_array_equal(W, np.ones(4))
    assert opt.iter == 1
    opt.reset()
    opt.update({"W": W}, {"W": np.ones(4)})
    assert opt.m["W"].shape == (4,)


@pytest.mark.parametrize(
    ("params", "grads", "exc", "pattern"),
    [
        ({"W": [1.0, 2.0]}, {"W": np.ones(2)}, DTypeError, r"params\['W'\].*NumPy array.*list"),
        ({"W": np.ones(2, dtype=int)}, {"W": np.ones(2)}, DTypeError, r"floating.*int"),
        ({"W": np.ones(2)}, {"W": np.array(["a", "b"])}, DTypeError, r"grads\['W'\]"),
    ],
)
def test_bad_arrays_raise(params, grads, exc, pattern):
    with pytest.raises(exc, match=pattern):
        SGD().update(params, grads)


def test_read_only_param_raises():
    W = np.ones(2)
    W.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        SGD().update({"W": W}, {"W": np.ones(2)})


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (SGD, {"lr": 0}, "lr"),
        (SGD, {"lr": -0.1}, "lr"),
        (SGD, {"lr": float("nan")}, "lr"),
        (SGD, {"lr": float("inf")}, "lr"),
        (SGD, {"lr": "0.1"}, "lr"),
        (SGD, {"lr": True}, "lr"),
        (Momentum, {"momentum": 1.0}, "momentum"),
        (Nesterov, {"momentum": -0.1}, "momentum"),
        (AdaGrad, {"eps": 0.0}, "eps"),
        (RMSprop, {"decay_rate": 1.0}, "decay_rate"),
        (Adam, {"beta1": 1.0}, "beta1"),
        (Adam, {"beta2": -1e-3}, "beta2"),
        (Adam, {"lr": -1}, "lr"),
    ],
)
def test_hyperparameters_are_validated(cls, kwargs, name):
    with pytest.raises(HyperparameterError) as info:
        cls(**kwargs)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert message.startswith(f"{name}: expected")
    assert repr(kwargs[name]) in message


def test_hyperparameter_message_states_the_range():
    with pytest.raises(HyperparameterError, match=r"momentum: expected .* in \[0, 1\), got 1.5"):
        Momentum(momentum=1.5)
    with pytest.raises(HyperparameterError, match=r"lr: expected .* in \(0, inf\), got 0"):
        Adam(lr=0)


def test_boundary_values_are_accepted():
    assert Momentum(momentum=0.0).momentum == 0.0
    assert Adam(beta1=0.0, beta2=0.0).beta1 == 0.0
    assert SGD(lr=np.float32(0.5)).lr == 0.5
    assert type(SGD(lr=np.float64(0.5)).lr) is float


# ----------------------------------------------------------------- get_optimizer


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sgd", SGD),
        ("SGD", SGD),
        ("Momentum", Momentum),
        ("nesterov", Nesterov),
        ("AdaGrad", AdaGrad),
        ("RMSProp", RMSprop),
        ("rmsprop", RMSprop),
        (" Adam ", Adam),
    ],
)
def test_get_optimizer_names(name, cls):
    opt = get_optimizer(name)
    assert type(opt) is cls
    assert isinstance(opt, Optimizer)


def test_get_optimizer_passes_keywords():
    opt = get_optimizer("adam", lr=0.3, beta1=0.8)
    assert (opt.lr, opt.beta1) == (0.3, 0.8)
    with pytest.raises(HyperparameterError, match="lr"):
        get_optimizer("sgd", lr=-1)
    with pytest.raises(TypeError, match="momentum"):
        get_optimizer("adam", momentum=0.9)


def test_get_optimizer_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownOptimizerError) as info:
        get_optimizer("adamw")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "'adamw'" in message
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        assert name in message
    with pytest.raises(UnknownOptimizerError, match="got None"):
        get_optimizer(None)  # type: ignore[arg-type]


def test_optimizers_registry():
    assert OPTIMIZERS == {
        "sgd": SGD,
        "momentum": Momentum,
        "nesterov": Nesterov,
        "adagrad": AdaGrad,
        "rmsprop": RMSprop,
        "adam": Adam,
    }


# ----------------------------------------------------------------- optimize_path


def test_optimize_path_matches_a_manual_update_loop():
    for cls in ALL:
        got = optimize_path(cls(lr=0.1), grad_f, START, 7)
        expected = run_dict(cls(lr=0.1), 7)
        np.testing.assert_array_equal(got, expected)


def test_optimize_path_is_pure():
    opt = Adam(lr=0.3)
    opt.update({"point": np.zeros(2)}, {"point": np.ones(2)})  # state from elsewhere
    init = np.array(START)
    a = optimize_path(opt, grad_f, init, 5)
    b = optimize_path(opt, grad_f, init, 5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, optimize_path(Adam(lr=0.3), grad_f, START, 5))
    np.testing.assert_array_equal(init, START)
    assert opt.iter == 1  # untouched


def test_optimize_path_shapes_and_dtype():
    path = optimize_path(SGD(0.1), grad_f, [1, 2], 0)
    assert path.shape == (1, 2) and path.dtype == np.float64
    np.testing.assert_array_equal(path, [[1.0, 2.0]])
    path3 = optimize_path(SGD(0.5), lambda p: 2 * p, np.float32([1, 2, 4]), 2)
    assert path3.shape == (3, 3) and path3.dtype == np.float64
    np.testing.assert_array_equal(path3[-1], [0.0, 0.0, 0.0])  # p - 0.5*2p = 0


def test_optimize_path_gives_grad_fn_a_copy():
    # a grad_fn that returns (or scribbles on) its argument must not corrupt the path
    def grad_identity(p):
        p *= 1.0
        return p

    got = optimize_path(Nesterov(lr=0.1), grad_identity, [1.0, -1.0], 3)
    expected = optimize_path(Nesterov(lr=0.1), lambda p: np.array(p), [1.0, -1.0], 3)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("init", "steps", "grad", "exc", "pattern"),
    [
        (START, -1, grad_f, ValueError, "steps"),
        (START, 2.5, grad_f, ValueError, "steps"),
        ([[1.0, 2.0]], 3, grad_f, ShapeError, r"init.*\(1, 2\)"),
        ([], 3, grad_f, ShapeError, "init"),
        ([np.nan, 1.0], 3, grad_f, ValueError, "init"),
        (START, 3, lambda p: np.ones(3), ShapeError, r"grad_fn.*\(2,\).*\(3,\)"),
    ],
)
def test_optimize_path_errors(init, steps, grad, exc, pattern):
    with pytest.raises(exc, match=pattern):
        optimize_path(SGD(), grad, init, steps)
