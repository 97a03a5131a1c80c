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


def workload_sets_parent() -> argparse.ArgumentParser:
    """Repeatable `--set key=value` into a workload (its own sections and `arch.*`)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a workload value by dotted key, e.g. precision.weight_bits=8, "
                        "crop.fraction=0.125, mapping.replication=none, run.mode=stream, "
                        "arch.ima.adc.bits=9; repeatable")
    return p


def at_least(minimum: int, what: str):
    """An argparse type: a whole number >= `minimum`, with `what` naming it in the message."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what} >= {minimum}, "
                                             f"got {text!r}")
        return value
    return parse


def strict_parent() -> argparse.ArgumentParser:
    """`--strict`: architecture warnings become errors (exit code 2)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--strict", action="store_true",
                   help="treat architecture warnings (e.g. an ADC too slow for its columns) as "
                        "errors: exit 2 before anything runs")
    return p


def report_warnings(warnings, source: str, strict: bool) -> None:
    """Print each architecture warning on stderr as ``warning: ...``; with `strict`, raise them as
    an `InputError` naming `source` (the architecture or workload) instead."""
    import sys

    from isaacsim.errors import InputError, Problem
    if strict and warnings:
        raise InputError([Problem(source, "", f"{w} (an error because of --strict)")
                          for w in warnings])
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
