"""Figures of chapters 6-8 (dlscratch.plotting) and the `dlscratch plot` commands that
draw them."""

import numpy as np
import pytest
from matplotlib.image import AxesImage

from dlscratch import plotting
from dlscratch.cli import main
from dlscratch.errors import ShapeError
from dlscratch.experiments import (
    BatchNormComparison,
    init_activations,
    optimizer_paths,
    smooth_curve,
)
from dlscratch.search import Trial
from dlscratch.trainer import History

PNG = b"\x89PNG\r\n\x1a\n"


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def _images(fig):
    return [im for ax in fig.axes for im in ax.get_images() if isinstance(im, AxesImage)]


def _lines(ax):
    """The labelled lines of an axes, by label (helper lines such as axhline have none)."""
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _at(line, x):
    """The y value a line draws at the data point x (which must be one of its points)."""
    xs = np.asarray(line.get_xdata(), dtype=float)
    (i,) = np.flatnonzero(np.isclose(xs, x, rtol=0, atol=1e-9))
    return float(np.asarray(line.get_ydata(), dtype=float)[i])


# -- chapters 3-4 ------------------------------------------------------------------------


def test_activations_figure_draws_step_sigmoid_and_relu():
    fig = plotting.plot_activations()
    (ax,) = fig.axes
    assert ax.get_title() == "Activation functions (book ch. 3)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "h(x)")
    assert _legend(ax) == ["step", "sigmoid", "ReLU"]
    lines = _lines(ax)
    for line in lines.values():
        assert len(line.get_xdata()) == 1001
        assert (line.get_xdata()[0], line.get_xdata()[-1]) == (-5.0, 5.0)
    # sigmoid(0) = 1/2, sigmoid(1) = 1/(1 + e^-1), sigmoid(-5) = 1/(1 + e^5)
    assert _at(lines["sigmoid"], 0.0) == pytest.approx(0.5)
    assert _at(lines["sigmoid"], 1.0) == pytest.approx(0.7310585786300049)
    assert _at(lines["sigmoid"], -5.0) == pytest.approx(0.0066928509242848554)
    # step: 0 up to and including 0, then 1; ReLU: max(0, x)
    assert [_at(lines["step"], x) for x in (-1.0, 0.0, 0.01, 3.0)] == [0, 0, 1, 1]
    assert [_at(lines["ReLU"], x) for x in (-2.0, 0.0, 0.5, 1.2)] == pytest.approx([0, 0, 0.5, 1.2])
    assert ax.get_ylim() == pytest.approx((-0.1, 1.5))


def test_tangent_figure_draws_f_and_its_tangent_at_5():
    fig = plotting.plot_tangent()
    (ax,) = fig.axes
    assert ax.get_title() == "Numerical differentiation (book fig. 4-7)"
    # numerical_diff of 0.01x² + 0.1x at 5: 0.2 (the analytic 0.02x + 0.1)
    assert _legend(ax) == ["f(x) = 0.01x² + 0.1x", "tangent at x=5 (slope 0.2000)"]
    f, tangent = ax.get_lines()
    x = np.asarray(f.get_xdata())
    assert (x[0], x[-1], x.size) == (0, 20, 401)
    np.testing.assert_allclose(f.get_ydata(), 0.01 * x**2 + 0.1 * x)
    # The tangent touches f at x = 5 (f(5) = 0.75) with slope 0.2: y = 0.2x - 0.25.
    np.testing.assert_allclose(tangent.get_ydata(), 0.2 * x - 0.25, atol=1e-9)
    assert _at(tangent, 5.0) == pytest.approx(_at(f, 5.0)) == pytest.approx(0.75)


def test_gradient_field_figure_points_down_the_bowl():
    fig = plotting.plot_gradient_field(grid=13)
    (ax,) = fig.axes
    assert ax.get_title() == "Negative gradient of x0² + x1² (book fig. 4-9)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x0", "x1")
    (quiver,) = ax.collections
    points = quiver.get_offsets()
    assert points.shape == (13 * 13, 2)
    assert points.min() == -2.0 and points.max() == 2.5
    # Arrows are the negative gradient of x0² + x1²: (-2 x0, -2 x1).
    np.testing.assert_allclose(quiver.U, -2 * points[:, 0], atol=1e-6)
    np.testing.assert_allclose(quiver.V, -2 * points[:, 1], atol=1e-6)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)


def test_descent_path_figure_shrinks_towards_the_minimum():
    fig = plotting.plot_descent_path(init_x=(-3.0, 4.0), lr=0.1, step_num=20)
    (ax,) = fig.axes
    assert ax.get_title() == "Gradient descent, lr=0.1, 20 steps (book fig. 4-10)"
    (path,) = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    xy = np.column_stack([path.get_xdata(), path.get_ydata()])
    # On x0² + x1² each step is x - 0.1 * 2x = 0.8x: 20 points from (-3, 4).
    expected = np.array([-3.0, 4.0]) * 0.8 ** np.arange(20)[:, None]
    np.testing.assert_allclose(xy, expected, rtol=1e-6)


def test_learning_curves_figure_draws_the_history():
    h = History(loss=[2.3, 1.2, 0.8, 0.5], train_acc=[0.6, 0.9], test_acc=[0.55, 0.85])
    fig = plotting.plot_learning_curves(h, title="two epochs")
    loss_ax, acc_ax = fig.axes
    assert fig.get_suptitle() == "two epochs"
    assert [loss_ax.get_title(), acc_ax.get_title()] == ["Training loss", "Accuracy"]
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("iteration", "loss")
    assert (acc_ax.get_xlabel(), acc_ax.get_ylabel()) == ("epoch", "accuracy")
    (loss,) = loss_ax.get_lines()
    np.testing.assert_array_equal(loss.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(loss.get_ydata(), h.loss)
    assert _legend(acc_ax) == ["train", "test"]
    lines = _lines(acc_ax)
    np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2])
    np.testing.assert_array_equal(lines["train"].get_ydata(), h.train_acc)
    np.testing.assert_array_equal(lines["test"].get_ydata(), h.test_acc)
    # A plain dict (History.to_dict()) draws the same.
    again = plotting.plot_learning_curves(h.to_dict())
    np.testing.assert_array_equal(again.axes[0].get_lines()[0].get_ydata(), h.loss)
    assert again.get_suptitle() == ""


def test_digit_figure_shows_the_image():
    img = np.arange(784, dtype=np.float64) / 783
    fig = plotting.plot_digit(img, label=7)
    (ax,) = fig.axes
    (im,) = _images(fig)
    assert im.get_array().shape == (28, 28)
    np.testing.assert_array_equal(im.get_array(), img.reshape(28, 28))
    assert im.get_cmap().name == "gray_r"
    assert ax.get_title() == "label 7"
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    assert plotting.plot_digit(img.reshape(1, 28, 28), title="x").axes[0].get_title() == "x"


# -- chapter 6 ---------------------------------------------------------------------------


def test_optimizer_paths_figure_draws_the_book_paths():
    fig = plotting.plot_optimizer_paths()
    axes = _visible_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "SGD (lr=0.95)",
        "Momentum (lr=0.1)",
        "AdaGrad (lr=1.5)",
        "Adam (lr=0.3)",
    ]
    for ax in axes:
        (path,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 31]
        assert (path.get_xdata()[0], path.get_ydata()[0]) == (-7.0, 2.0)
        assert ax.collections  # the contour lines of f
        minimum = [ln for ln in ax.get_lines() if ln.get_marker() == "+"]
        assert minimum and (minimum[0].get_xdata()[0], minimum[0].get_ydata()[0]) == (0, 0)
    sgd = next(ln for ln in axes[0].get_lines() if len(ln.get_xdata()) == 31)
    np.testing.assert_allclose([sgd.get_xdata()[1], sgd.get_ydata()[1]], [-6.335, -1.8])
    # Every path is drawn whole: its 31 points are those optimizer_paths computes.
    for ax, p in zip(axes, optimizer_paths().values(), strict=True):
        (path,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 31]
        np.testing.assert_array_equal(np.column_stack([path.get_xdata(), path.get_ydata()]), p.path)
    assert _legend(axes[0]) == ["start", "minimum"]
    assert fig.get_suptitle() == "Optimizers on f(x, y) = x²/20 + y², 30 steps (book fig. 6-8)"


def test_init_histograms_figure_has_a_row_per_init_and_a_column_per_layer():
    acts = init_activations("sigmoid", n_samples=50, node_num=20)
    fig = plotting.plot_init_histograms(acts, "sigmoid", bins=30)
    axes = fig.axes
    assert len(axes) == 3 * 5
    assert [ax.get_title() for ax in axes[:5]] == [f"layer {i}" for i in range(1, 6)]
    assert [axes[5 * r].get_ylabel() for r in range(3)] == list(acts)
    # Each histogram counts all 50 x 20 activations of its layer in 30 bins.
    heights = [p.get_height() for p in axes[7].patches]
    assert len(heights) == 30 and sum(heights) == 50 * 20
    # Row 2, layer 3 (axes[7]) counts exactly that layer's activations, bin by bin.
    expected, _ = np.histogram(list(acts.values())[1][2], bins=30, range=(0.0, 1.0))
    np.testing.assert_array_equal(heights, expected)
    assert fig.get_suptitle().startswith("sigmoid activations per layer")
    relu = plotting.plot_init_histograms(
        init_activations("relu", n_samples=50, node_num=20), "relu"
    )
    assert all(ax.get_ylim() == (0, 7000) for ax in relu.axes)
    assert "y axis cut at 7000" in relu.get_suptitle()


def test_optimizer_comparison_figure():
    rng = np.random.default_rng(0)
    losses = {name: np.linspace(2, 0.1, 200) + rng.random(200) for name in ("SGD", "Adam")}
    fig = plotting.plot_optimizer_comparison(losses)
    (ax,) = fig.axes
    assert _legend(ax) == ["SGD", "Adam"]
    assert all(len(ln.get_xdata()) == 200 for ln in ax.get_lines())
    assert ax.get_ylim() == (0.0, 1.0)
    assert ax.get_ylabel() == "loss (smoothed)" and ax.get_xlabel() == "iterations"
    assert ax.get_title() == "Optimizers on MNIST, 200 iterations (book fig. 6-9)"
    for name, line in _lines(ax).items():  # the smoothed curves, as the book draws
        np.testing.assert_array_equal(line.get_xdata(), np.arange(200))
        np.testing.assert_allclose(line.get_ydata(), smooth_curve(losses[name]))
    raw = plotting.plot_optimizer_comparison(losses, smooth=False, ylim=(0, 3))
    np.testing.assert_array_equal(_lines(raw.axes[0])["Adam"].get_ydata(), losses["Adam"])
    assert raw.axes[0].get_ylabel() == "loss" and raw.axes[0].get_ylim() == (0, 3)


def test_batchnorm_figure_marks_divergence():
    results = [
        BatchNormComparison(1.0, np.linspace(0.1, 0.9, 4), np.array([0.1, np.nan, np.nan, np.nan])),
        BatchNormComparison(0.01, np.linspace(0.1, 0.9, 4), np.linspace(0.1, 0.2, 4)),
    ]
    fig = plotting.plot_batchnorm_comparison(results)
    axes = _visible_axes(fig)
    assert [ax.get_title() for ax in axes] == ["W: 1", "W: 0.01"]
    assert [t.get_text() for t in axes[0].texts] == ["normal diverged in epoch 1"]
    assert not axes[1].texts
    assert _legend(axes[0]) == ["Batch Normalization", "Normal (without BatchNorm)"]
    for ax, res in zip(axes, results, strict=True):
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("epochs", "train accuracy")
        lines = _lines(ax)
        np.testing.assert_array_equal(lines["Batch Normalization"].get_xdata(), np.arange(4))
        np.testing.assert_array_equal(lines["Batch Normalization"].get_ydata(), res.with_batchnorm)
        np.testing.assert_array_equal(  # NaN (diverged) entries stay NaN: not drawn
            lines["Normal (without BatchNorm)"].get_ydata(), res.without_batchnorm
        )


def test_overfitting_figure():
    h = History(train_acc=[0.5, 0.9, 1.0], test_acc=[0.4, 0.6, 0.7])
    d = History(train_acc=[0.4, 0.6, 0.8], test_acc=[0.35, 0.55, 0.7])
    fig = plotting.plot_overfitting({"plain": h, "dropout": d.to_dict()})
    assert [ax.get_title() for ax in fig.axes] == [
        "plain (final gap 0.30)",
        "dropout (final gap 0.10)",
    ]
    for ax, run in zip(fig.axes, (h, d), strict=True):
        assert _legend(ax) == ["train", "test"]
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("epochs", "accuracy")
        lines = _lines(ax)
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines["train"].get_ydata(), run.train_acc)
        np.testing.assert_array_equal(lines["test"].get_ydata(), run.test_acc)
    assert fig.get_suptitle() == "Overfitting and two cures (book figs. 6-20, 6-21, 6-23)"


def test_search_figure_draws_the_best_trials_first():
    trials = [
        Trial(i, i, 10.0**-i, 1e-6, (0.1, acc), (0.2, acc + 0.05))
        for i, acc in enumerate([0.3, 0.9, 0.5])
    ]
    fig = plotting.plot_search_results(trials, k=2)
    axes = _visible_axes(fig)
    assert len(axes) == 2
    assert axes[0].get_title() == "Best-1: val 0.900\nlr 1.00e-01, wd 1.00e-06"
    assert axes[1].get_title() == "Best-2: val 0.500\nlr 1.00e-02, wd 1.00e-06"
    assert _legend(axes[0]) == ["validation", "train"]
    for ax, tr in zip(axes, (trials[1], trials[2]), strict=True):
        lines = _lines(ax)
        np.testing.assert_array_equal(lines["validation"].get_xdata(), [1, 2])
        np.testing.assert_array_equal(lines["validation"].get_ydata(), tr.val_acc)
        np.testing.assert_array_equal(lines["train"].get_ydata(), tr.train_acc)
    assert fig.get_suptitle().startswith("Random search: best 2 of 3 trials")


def test_filters_figure_one_image_per_filter():
    w = np.random.default_rng(0).standard_normal((6, 1, 5, 5))
    one = plotting.plot_filters(w, ncols=4)
    images = _images(one)
    assert len(images) == 6 and len(_visible_axes(one)) == 6  # 2 rows of 4, 2 hidden
    for i, im in enumerate(images):  # filter i's first channel, in the book's gray_r
        np.testing.assert_array_equal(im.get_array(), w[i, 0])
        assert im.get_cmap().name == "gray_r"
    assert one.get_suptitle() == "6 filters of 5x5"
    fig = plotting.plot_filters(w, before=w * 0.01, ncols=4)
    assert len(_images(fig)) == 12
    before, after = (_images(sf) for sf in fig.subfigs)
    np.testing.assert_array_equal(before[5].get_array(), w[5, 0] * 0.01)
    np.testing.assert_array_equal(after[5].get_array(), w[5, 0])
    assert {sf._suptitle.get_text() for sf in fig.subfigs} == {
        "before training (random init)",
        "after training",
    }
    with pytest.raises(ShapeError):
        plotting.plot_filters(w[0])


def test_misclassified_figure():
    imgs = np.zeros((7, 784))
    fig = plotting.plot_misclassified(
        imgs, np.arange(7), np.arange(7)[::-1], [4, 8, 9, 10, 20, 21, 30]
    )
    imgs = np.random.default_rng(1).random((7, 784))
    fig = plotting.plot_misclassified(
        imgs, np.arange(7), np.arange(7)[::-1], [4, 8, 9, 10, 20, 21, 30]
    )
    axes = _visible_axes(fig)
    assert len(axes) == 7 and len(_images(fig)) == 7
    assert axes[0].get_title() == "#4: true 0, pred 6"
    assert axes[6].get_title() == "#30: true 6, pred 0"
    for i, im in enumerate(_images(fig)):
        np.testing.assert_array_equal(im.get_array(), imgs[i].reshape(28, 28))
    assert fig.get_suptitle() == "7 misclassified digits (book fig. 8-2)"
    with pytest.raises(ShapeError):
        plotting.plot_misclassified(imgs, np.arange(6), np.arange(7))


# -- the CLI -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["optimizers"],
        ["init-histograms", "--activation", "relu"],
    ],
)
def test_cli_plots_without_data(tmp_path, args, capsys):
    out = tmp_path / "fig.png"
    assert main(["plot", *args, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG


def test_cli_model_argument_errors(tmp_path, capsys):
    assert main(["plot", "filters"]) == 2
    assert "needs a MODEL file" in capsys.readouterr().err
    assert main(["plot", "optimizers", "x.npz", "-o", str(tmp_path / "a.png")]) == 2
    assert "takes no model file" in capsys.readouterr().err
    assert main(["plot", "filters", "a.npz", "--weights", "b.npz"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("name", "extra", "printed"),
    [
        ("optimizer-comparison", ["--iters", "5"], "Adam"),
        ("batchnorm", ["--epochs", "1", "--stds", "0.1,0.01", "--train-size", "200"], "with BN"),
        (
            "overfitting",
            ["--epochs", "2", "--train-size", "100", "--eval-samples", "100"],
            "dropout",
        ),
    ],
)
def test_cli_training_plots_write_pngs(mnist_dir, tmp_path, capsys, name, extra, printed):
    out = tmp_path / f"{name}.png"
    assert main(["plot", name, *extra, "--data-dir", str(mnist_dir), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG
    assert printed in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.mnist
def test_cli_filters_and_misclassified_of_the_book_convnet(
    book_weights, mnist_dir, tmp_path, capsys
):
    pkl = str(book_weights / "first-edition-2016" / "simple_convnet_params.pkl")
    out = tmp_path / "filters.png"
    assert main(["plot", "filters", pkl, "--model", "simple-conv", "--compare-init",
                 "-o", str(out)]) == 0  # fmt: skip
    assert out.read_bytes()[:8] == PNG
    assert "30 filters (30, 1, 5, 5)" in capsys.readouterr().out
    # Without --model, the book's file is recognised by its parameters' names and shapes.
    auto = tmp_path / "auto.png"
    assert main(["plot", "filters", pkl, "-o", str(auto)]) == 0
    assert auto.read_bytes()[:8] == PNG
    assert "SimpleConvNet: first convolution has 30 filters" in capsys.readouterr().out
    out = tmp_path / "mis.png"
    assert main(["plot", "misclassified", "--weights", pkl, "--model", "simple-conv",
                 "--count", "5", "--data-dir", str(mnist_dir), "-o", str(out)]) == 0  # fmt: skip
    assert out.read_bytes()[:8] == PNG
    rows = capsys.readouterr().out.strip().splitlines()[2:7]
    assert len(rows) == 5
    for row in rows:
        _, true, pred = (int(v) for v in row.split())
        assert true != pred
