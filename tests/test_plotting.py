"""Figures of chapters 6-8 (dlscratch.plotting) and the `dlscratch plot` commands that
draw them."""

import numpy as np
import pytest
from matplotlib.image import AxesImage

from dlscratch import plotting
from dlscratch.cli import main
from dlscratch.errors import ShapeError
from dlscratch.experiments import BatchNormComparison, init_activations
from dlscratch.search import Trial
from dlscratch.trainer import History

PNG = b"\x89PNG\r\n\x1a\n"


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def _images(fig):
    return [im for ax in fig.axes for im in ax.get_images() if isinstance(im, AxesImage)]


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


def test_optimizer_comparison_figure():
    losses = {name: np.linspace(2, 0.1, 200) for name in ("SGD", "Adam")}
    fig = plotting.plot_optimizer_comparison(losses)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    assert all(len(ln.get_xdata()) == 200 for ln in ax.get_lines())
    assert ax.get_ylim() == (0.0, 1.0)


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


def test_overfitting_figure():
    h = History(train_acc=[0.5, 0.9, 1.0], test_acc=[0.4, 0.6, 0.7])
    fig = plotting.plot_overfitting({"plain": h, "dropout": h.to_dict()})
    assert [ax.get_title() for ax in fig.axes] == [
        "plain (final gap 0.30)",
        "dropout (final gap 0.30)",
    ]


def test_search_figure_draws_the_best_trials_first():
    trials = [
        Trial(i, i, 10.0**-i, 1e-6, (0.1, acc), (0.2, acc + 0.05))
        for i, acc in enumerate([0.3, 0.9, 0.5])
    ]
    fig = plotting.plot_search_results(trials, k=2)
    axes = _visible_axes(fig)
    assert len(axes) == 2
    assert axes[0].get_title().startswith("Best-1: val 0.900\nlr 1.00e-01")
    assert axes[1].get_title().startswith("Best-2: val 0.500")


def test_filters_figure_one_image_per_filter():
    w = np.random.default_rng(0).standard_normal((6, 1, 5, 5))
    assert len(_images(plotting.plot_filters(w, ncols=4))) == 6
    fig = plotting.plot_filters(w, before=w * 0.01, ncols=4)
    assert len(_images(fig)) == 12
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
    axes = _visible_axes(fig)
    assert len(axes) == 7 and len(_images(fig)) == 7
    assert axes[0].get_title() == "#4: true 0, pred 6"
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
    assert main(["plot", "filters", pkl]) == 2
    assert "--model simple-conv" in capsys.readouterr().err
    out = tmp_path / "mis.png"
    assert main(["plot", "misclassified", "--weights", pkl, "--model", "simple-conv",
                 "--count", "5", "--data-dir", str(mnist_dir), "-o", str(out)]) == 0  # fmt: skip
    assert out.read_bytes()[:8] == PNG
    rows = capsys.readouterr().out.strip().splitlines()[2:7]
    assert len(rows) == 5
    for row in rows:
        _, true, pred = (int(v) for v in row.split())
        assert true != pred
