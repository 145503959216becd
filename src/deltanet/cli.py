"""The ``deltanet`` command.

    deltanet --version
    deltanet examples list
    deltanet examples run iris [--epochs N] [--seed S] [--quiet]

Errors are one line on stderr (``deltanet: error: ...``) and a non-zero exit status (2 for a
malformed command line, 1 for a failure while running), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn, Sequence

from deltanet._version import __version__


class CommandLineError(Exception):
    """A malformed command line (exit status 2)."""


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, raised instead of printed with the usage."""

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{message} (see '{self.prog} --help')")


def _build_parser() -> OneLineArgumentParser:
    parser = OneLineArgumentParser(
        prog="deltanet",
        description="deltanet: a deep-learning library on NumPy that you can read end to end.",
    )
    parser.add_argument("--version", action="version", version=f"deltanet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    examples = commands.add_parser(
        "examples", help="list or run the worked examples of the seeds",
        description="The worked examples of the lecture decks, as runnable programs.",
    )
    example_commands = examples.add_subparsers(dest="action", metavar="ACTION", parser_class=OneLineArgumentParser)
    example_commands.add_parser("list", help="list the examples", description="List the examples.")
    run = example_commands.add_parser(
        "run", help="run an example (extra options go to the example; try 'run iris --help')",
        description="Run an example; options after its name go to the example itself.",
    )
    run.add_argument("name", help="the example to run (see 'deltanet examples list')")
    run.add_argument("options", nargs=argparse.REMAINDER, help="options of the example, e.g. --epochs 100")
    return parser


def _examples(args: Any, parser: argparse.ArgumentParser) -> int:
    from deltanet import examples

    if args.action == "list":
        width = max(len(name) for name in examples.EXAMPLES)
        for name, (_, description) in sorted(examples.EXAMPLES.items()):
            print(f"{name:<{width}}  {description}")
        return 0
    if args.action == "run":
        if args.name not in examples.EXAMPLES:
            raise CommandLineError(
                f"unknown example {args.name!r}; available: {', '.join(sorted(examples.EXAMPLES))} "
                f"(see 'deltanet examples list')"
            )
        return int(examples.load(args.name).main(args.options) or 0)
    raise CommandLineError("examples needs an action: 'list' or 'run NAME' (see 'deltanet examples --help')")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "examples":
            return _examples(args, parser)
        raise CommandLineError(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first
    except CommandLineError as error:
        print(f"deltanet: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deltanet: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, ImportError, FloatingPointError, RuntimeError) as error:
        message = " ".join(str(error).split())  # one line
        print(f"deltanet: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
