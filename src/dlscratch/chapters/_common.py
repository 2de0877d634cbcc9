"""What the chapter scripts share: their options, where figures go, the book's files.

Every script accepts ``--data-dir`` (MNIST, as ``load_mnist``) and ``--out-dir``
(where figures are saved); training scripts add ``--quick`` (a shortened run, the same
code with fewer iterations or samples); scripts that read the book's weights add
``--weights``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dlscratch.errors import DataNotFoundError

__all__ = ["book_weights", "parser_for", "show_figure"]


def parser_for(
    module: ModuleType | str,
    *,
    quick: str | None = None,
    weights: str | None = None,
) -> argparse.ArgumentParser:
    """An argument parser for a chapter script, described by its module docstring.

    Args:
        module: the script's module (or its ``__name__``).
        quick: if given, add ``--quick`` with this help text (what it shortens).
        weights: if given, add ``--weights PATH`` defaulting to this book file name
            (looked up by :func:`book_weights`).
    """
    mod = sys.modules[module] if isinstance(module, str) else module
    name = mod.__name__.removeprefix("dlscratch.chapters.").replace(".", "/")
    p = argparse.ArgumentParser(
        prog=f"dlscratch chapters {name}",
        description=(mod.__doc__ or "").strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data-dir", help="folder with the MNIST files (default: as load_mnist)")
    p.add_argument(
        "--out-dir",
        default=".",
        help="folder for figures when there is no display (default: the current folder)",
    )
    if quick is not None:
        p.add_argument("--quick", action="store_true", help=quick)
    if weights is not None:
        p.add_argument(
            "--weights",
            default=weights,
            help=f"the book's weight file (default: {weights} in $DLSCRATCH_BOOK_WEIGHTS "
            "or the current folder)",
        )
    return p


def book_weights(name: str) -> Path:
    """The path of one of the book's weight files.

    ``name`` is used as it is when it names an existing file; otherwise it is looked
    up in the folder ``$DLSCRATCH_BOOK_WEIGHTS``.

    Raises:
        DataNotFoundError: the file is in neither place.
    """
    path = Path(name)
    if path.is_file():
        return path
    folder = os.environ.get("DLSCRATCH_BOOK_WEIGHTS")
    if folder and (Path(folder) / name).is_file():
        return Path(folder) / name
    raise DataNotFoundError(
        f"--weights: the book's weight file {name!r} was not found, neither as given nor in "
        f"$DLSCRATCH_BOOK_WEIGHTS ({folder or 'unset'}); download it from the book's "
        "repository and pass its path with --weights"
    )


def _has_display() -> bool:
    import matplotlib

    backend = matplotlib.get_backend().lower()
    if backend in ("agg", "pdf", "svg", "ps", "cairo", "template") or "inline" in backend:
        return False
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def show_figure(fig: Any, name: str, args: argparse.Namespace) -> None:
    """Show a pyplot figure in a window, or save it as ``OUT_DIR/NAME.png`` when there
    is no display (a server, CI, ``MPLBACKEND=Agg``), and say where. A figure made
    without pyplot (``dlscratch.plotting``'s) cannot open a window and is saved."""
    import matplotlib.pyplot as plt

    if _has_display() and plt.fignum_exists(getattr(fig, "number", -1)):
        plt.show()
        return
    from dlscratch.plotting import save_figure

    out = Path(args.out_dir) / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"saved figure: {save_figure(fig, out)}")
    plt.close(fig)
