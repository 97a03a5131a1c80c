"""Options shared by several commands."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from isaacsim.targets.isaac.mapping.build import CHIPS
from isaacsim.validate import IMAGES, JOBS, Bound, short_json


def arch_parent() -> argparse.ArgumentParser:
    """`--arch NAME_OR_FILE` and repeatable `--set key=value` into the architecture."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("architecture")
    g.add_argument("--arch", default="isaac-ce", metavar="NAME_OR_FILE", type=path_text,
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


def workload_argument(p: argparse.ArgumentParser) -> None:
    """The positional `WORKLOAD`: a built-in workload name or a workload file (the rule of
    `isaacsim.workload.resolve_workload`); the help lists the built-in names."""
    from isaacsim.workload import builtin_workloads
    names = ", ".join(builtin_workloads()) or "none found"
    p.add_argument("workload", metavar="WORKLOAD", type=path_text,
                   help=f"built-in workload name ({names}) or a workload JSON file; an argument "
                        f"with a / or ending in .json is a file (docs/workload-format.md)")


OPTION_BOUNDS: dict[str, Bound] = {"images": IMAGES, "jobs": JOBS, "chips": CHIPS}
"""The range of a count option by what it counts, unless the option gives its own."""


def at_least(minimum: int, what: str, bound: Bound | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number (of `what`) from `minimum` to the maximum of `bound`
    (default ``OPTION_BOUNDS[what]``). The type carries its `Bound` as ``.bound`` (the range
    documentation lists every option that has one)."""
    bound = bound or OPTION_BOUNDS[what]
    rng = Bound("integer", minimum, bound.maximum, bound.reason)

    def parse(text: str) -> int:
        value = _whole(text)
        if value is None or rng.problem(value):
            raise argparse.ArgumentTypeError(f"expected {what} as a whole number{rng.range_text}, "
                                             f"got {short_json(text)!r}")
        return value
    parse.bound = rng  # type: ignore[attr-defined]  # a function attribute, read by cli.ranges
    return parse


def whole_number(bound: Bound) -> Callable[[str], int]:
    """An argparse type: any whole number, its range checked by the command against `bound` (so
    that every bad option is reported at once); carries `bound` as ``.bound``."""
    def parse(text: str) -> int:
        value = _whole(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {short_json(text)!r}")
        return value
    parse.bound = bound  # type: ignore[attr-defined]  # a function attribute, read by cli.ranges
    return parse


def _whole(text: str) -> int | None:
    """The integer `text` spells (at most 40 digits, so never a slow conversion), else None."""
    return int(text) if _WHOLE.fullmatch(text) else None


_WHOLE = re.compile(r"\s*[+-]?[0-9]{1,40}\s*")


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


def report_model_notes(workload) -> None:
    """Print on stderr, as ``note: ...``, where the workload's mapping leaves shared tiles to equal
    shares rather than time order (`servers.equal_shares`: mostly with `shared` packing)."""
    import sys

    from isaacsim.targets.isaac.servers import equal_shares
    for note in equal_shares(workload.simulated_network(), workload.map()):
        print(f"note: {note}", file=sys.stderr)


def path_text(text: str) -> str:
    """An argparse type for file, folder and name arguments: not empty and without a NUL (which
    the operating system cannot take), so an empty value is never read as "not given" or "."."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path or name, got an empty value")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"a path cannot contain a NUL character: "
                                         f"{text.replace(chr(0), '<NUL>')!r}")
    return text
