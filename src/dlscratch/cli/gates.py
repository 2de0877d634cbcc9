"""``dlscratch gates``: the perceptron gates' truth tables (ch. 2)."""

from __future__ import annotations

import argparse

from dlscratch.cli._common import out


def cmd_gates(args: argparse.Namespace) -> int:
    from dlscratch.perceptron import AND, NAND, OR, XOR, truth_table

    gates = {"AND": AND, "NAND": NAND, "OR": OR, "XOR": XOR}
    for name, gate in gates.items():
        note = "  (two layers: AND(NAND(x), OR(x)))" if name == "XOR" else f"  {gate!r}"
        out(f"{name}{note}")
        out("  x1 x2 | y")
        for x1, x2, y in truth_table(gate):
            out(f"   {x1}  {x2} | {y}")
        out()
    return 0


def add_parsers(sub: argparse._SubParsersAction, data_parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("gates", help="truth tables of AND, NAND, OR and XOR (ch. 2)")
    p.set_defaults(func=cmd_gates)
