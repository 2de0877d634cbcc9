"""The book's examples, chapter by chapter, as short scripts of our own (ch. 2-8).

Each script lives in ``dlscratch/chapters/chNN/NAME.py`` under the name of the book's
own example file (``ch03/neuralnet_mnist`` does what the book's
``ch03/neuralnet_mnist.py`` does), uses only dlscratch's public API, and prints the
numbers the book prints. Run one with ``dlscratch chapters ch03/neuralnet_mnist`` or
``python -m dlscratch.chapters.ch03.neuralnet_mnist``; ``dlscratch chapters`` lists
them all.

A script module defines:

- ``SECTION``: the book section it follows, e.g. ``"3.6.2"``;
- ``TITLE_KO`` and ``TITLE_EN``: what it shows, in Korean and English;
- ``USES``: the dlscratch functions and classes it calls;
- ``main(argv=None)``: parses its options (``--help`` lists them) and runs.

Importing a script does nothing but define these; all work happens in ``main``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from dlscratch.errors import DlscratchError

__all__ = ["ChapterScript", "UnknownScriptError", "find_script", "list_scripts", "run_script"]


class UnknownScriptError(DlscratchError, LookupError):
    """A chapter script name that does not exist."""


@dataclass(frozen=True)
class ChapterScript:
    """One chapter script: its name (``'ch03/neuralnet_mnist'``) and what it shows."""

    name: str
    module: str
    section: str
    title_ko: str
    title_en: str
    uses: tuple[str, ...]

    def load(self) -> ModuleType:
        """The script's module (imported on demand)."""
        return importlib.import_module(self.module)


def _describe(module: ModuleType, name: str) -> ChapterScript:
    return ChapterScript(
        name=name,
        module=module.__name__,
        section=str(module.SECTION),
        title_ko=str(module.TITLE_KO),
        title_en=str(module.TITLE_EN),
        uses=tuple(module.USES),
    )


def _section_key(script: ChapterScript) -> tuple[tuple[int, ...], str]:
    parts = tuple(int(p) for p in script.section.split(".") if p.isdigit())
    return parts, script.name


def list_scripts() -> list[ChapterScript]:
    """Every chapter script, in the book's order (chapter, then section, then name)."""
    scripts = []
    for chapter in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg):
        package = importlib.import_module(f"{__name__}.{chapter}")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            if hasattr(module, "main"):
                scripts.append(_describe(module, f"{chapter}/{info.name}"))
    return sorted(scripts, key=lambda s: (s.name.split("/")[0], *_section_key(s)))


def find_script(name: str) -> ChapterScript:
    """The script called ``name``: ``'ch03/neuralnet_mnist'`` (or with a dot, or a
    ``.py`` suffix).

    Raises:
        UnknownScriptError: no such script; the message lists the close names.
    """
    key = name.strip().removesuffix(".py").replace(".", "/").replace("\\", "/")
    chapter, _, file_name = key.partition("/")
    if file_name and chapter.startswith("ch") and "/" not in file_name:
        try:  # the usual case: import that one script, not every chapter
            return _describe(importlib.import_module(f"{__name__}.{chapter}.{file_name}"), key)
        except ModuleNotFoundError as e:
            if not (e.name or "").startswith(f"{__name__}.{chapter}"):
                raise  # the script exists but an import inside it failed
    scripts = list_scripts()
    for script in scripts:
        if script.name == key:
            return script
    # A bare file name is enough when only one chapter has it.
    matches = [s for s in scripts if s.name.split("/")[1] == key]
    if len(matches) == 1:
        return matches[0]
    hint = [s.name for s in matches] or [s.name for s in scripts if key.split("/")[0] in s.name]
    raise UnknownScriptError(
        f"chapter script: no script named {name!r}"
        + (f"; did you mean one of {hint}?" if hint else "; `dlscratch chapters` lists them")
    )


def run_script(name: str, argv: Sequence[str] = ()) -> None:
    """Run the chapter script ``name`` with command-line arguments ``argv``.

    Raises:
        UnknownScriptError: see :func:`find_script`.
    """
    find_script(name).load().main(list(argv))
