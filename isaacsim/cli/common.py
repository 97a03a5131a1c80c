"""Options shared by several commands."""

from __future__ import annotations

import argparse


def arch_parent() -> argparse.ArgumentParser:
    """`--arch NAME_OR_FILE` and repeatable `--set key=value` into the architecture."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("architecture")
    g.add_argument("--arch", default="isaac-ce", metavar="NAME_OR_FILE",
                   help="built-in architecture name or a JSON architecture file (default: isaac-ce)")
    g.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter by dotted key, e.g. ima.adc.bits=9 or chip.tiles=84; "
                        "repeatable")
    return p


def json_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p
