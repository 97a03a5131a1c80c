"""`python -m isaacsim <command>`: the command-line interface.

Each command lives in its own module of this package with a ``register(subparsers, parents)``
function that adds its parser and sets ``func`` to a callable taking the parsed arguments and
returning an exit code. Only this package prints or exits. Input errors (`InputError`) become a
one-paragraph message on stderr and exit code 2; isaacsim's own bugs (`InternalError`) an
"internal error: ... please report" message and exit code 3; ``--debug`` shows the traceback
instead.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys

from isaacsim import __version__
from isaacsim.errors import InputError, InternalError

# Command modules, in the order `--help` lists them.
COMMANDS = ["arch", "map", "crop", "traces", "run", "sweep", "numerics", "import"]

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 3


class _Parser(argparse.ArgumentParser):
    """argparse reports usage errors with exit code 2 already; keep its message short."""


def build_parser() -> argparse.ArgumentParser:
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show a traceback on errors instead of a short message")
    parser = _Parser(prog="python -m isaacsim",
                     description="Cycle-level simulator of the ISAAC crossbar CNN accelerator with "
                                 "activation cropping and variable precision.",
                     parents=[debug])
    parser.add_argument("--version", action="version", version=f"isaacsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"isaacsim.cli.{name}_cmd")
        module.register(sub, [debug])
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        if debug:
            raise
        print(f"isaacsim {args.command}: error: {exc}", file=sys.stderr)
        print("(run with --debug to see a traceback)", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except InternalError as exc:
        if debug:
            raise
        print(f"isaacsim {args.command}: internal error: {exc}", file=sys.stderr)
        print("This is a bug in isaacsim, not in your input: please report it with the command "
              "line and its input files (run with --debug to see a traceback, and include it)",
              file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): stop quietly, like other Unix tools
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        if debug:
            raise
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: no traceback
        try:
            print(f"isaacsim {args.command}: interrupted; outputs are written whole or not at "
                  "all, so no file was half-written", file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT, previous)
        return 130
