"""``dlscratch chapters``: list the book's examples, or run one by name (ch. 2-8)."""

from __future__ import annotations

import argparse

from dlscratch.cli._common import out


def cmd_chapters(args: argparse.Namespace) -> int:
    from dlscratch.chapters import list_scripts, run_script

    if args.script is not None:
        run_script(args.script, args.script_args)
        return 0
    scripts = list_scripts()
    width = max(len(s.name) for s in scripts)
    chapter = ""
    for s in scripts:
        if s.name.split("/")[0] != chapter:
            chapter = s.name.split("/")[0]
            out(f"\n{chapter}" if chapter != scripts[0].name.split("/")[0] else chapter)
        out(f"  {s.name:{width}s}  {s.section:7s} {s.title_ko} / {s.title_en}")
    out(
        "\nrun one: dlscratch chapters NAME [--help | options], e.g. "
        "dlscratch chapters ch03/neuralnet_mnist"
    )
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "chapters",
        help="the book's examples as scripts: list them, or run one by name (ch. 2-8)",
        description="Without NAME, list the chapter scripts (book section, Korean and English "
        "title). With NAME (e.g. ch03/neuralnet_mnist), run that script; the options after "
        "NAME are the script's own (NAME --help lists them).",
    )
    p.add_argument("script", nargs="?", metavar="NAME", help="the script to run")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_chapters)
