"""ch07/apply_filter — 7.6.1 1번째 층의 가중치 시각화하기 / First-layer weights.

Book 7.6.1, fig. 7-25: what the first layer of a trained SimpleConvNet responds to. Its
first 16 filters (5x5) are each applied alone to one image, as a ``Convolution(w, b)``
layer with one filter and the book's scalar bias b = 0; each output shows where the
image has the edge or blob that filter looks for (vertical edges light up for one
filter, horizontal edges for another). The book applies them to a photo it ships; this
script uses an MNIST test digit instead. Prints the image, filter and output shapes
and the range of each response; draws the 16 filters and the 16 responses.

Uses: dlscratch.networks.SimpleConvNet (load_params), dlscratch.layers.Convolution,
dlscratch.datasets.load_mnist
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlscratch.chapters._common import book_weights, parser_for, show_figure
from dlscratch.datasets import load_mnist
from dlscratch.layers import Convolution
from dlscratch.networks import SimpleConvNet

SECTION = "7.6.1"
TITLE_KO = "학습된 1번째 층 필터를 이미지에 적용"
TITLE_EN = "Trained first-layer filters applied to an image"
USES = (
    "dlscratch.networks.SimpleConvNet",
    "dlscratch.layers.Convolution",
    "dlscratch.datasets.load_mnist",
)


def main(argv: Sequence[str] | None = None) -> None:
    args = parser_for(__name__, weights="simple_convnet_params.pkl").parse_args(argv)
    import matplotlib.pyplot as plt

    def filter_show(filters: Any, show_num: int = 16) -> Any:
        """The first ``show_num`` filters (their first channel) in a 4x4 grid."""
        fig = plt.figure()
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
        for i in range(show_num):
            ax = fig.add_subplot(4, 4, i + 1, xticks=[], yticks=[])
            ax.imshow(filters[i, 0], cmap="gray_r", interpolation="nearest")
        return fig

    network = SimpleConvNet(
        input_dim=(1, 28, 28),
        conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
        hidden_size=100,
        output_size=10,
        weight_init_std=0.01,
    )

    # 학습된 가중치 / the trained weights
    network.load_params(book_weights(args.weights))

    fig = filter_show(network.params["W1"], 16)
    show_figure(fig, "apply_filter_filters", args)

    # The book reads a photo here; we take the first MNIST test digit.
    _, (x_test, t_test) = load_mnist(normalize=True, flatten=False, data_dir=args.data_dir)
    img = x_test[0]
    img = img.reshape(1, *img.shape)  # (1, 1, 28, 28): a batch of one image
    print(f"image: MNIST test digit #0 (label {t_test[0]}), shape {img.shape}")

    fig = plt.figure()
    for i in range(16):
        w = network.params["W1"][i]
        b: Any = 0  # network.params['b1'][i]

        w = w.reshape(1, *w.shape)  # (1, 1, 5, 5): one filter
        # b = b.reshape(1, *b.shape)
        conv_layer = Convolution(w, b)
        out = conv_layer.forward(img)
        if i == 0:
            print(f"filter: shape {w.shape}, bias {b} -> output shape {out.shape}")
        out = out.reshape(out.shape[2], out.shape[3])
        print(f"filter {i + 1:2d}: response from {out.min():+.3f} to {out.max():+.3f}")

        ax = fig.add_subplot(4, 4, i + 1, xticks=[], yticks=[])
        ax.imshow(out, cmap="gray_r", interpolation="nearest")

    show_figure(fig, "apply_filter", args)


if __name__ == "__main__":
    main()
