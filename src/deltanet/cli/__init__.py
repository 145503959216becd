"""The ``deltanet`` command.

```text
deltanet --version
deltanet examples list
deltanet examples run NAME [--quick] [--plot out.png] [options of the example]
deltanet train CONFIG.toml [--epochs N] [--run-dir DIR] [--quiet]
deltanet evaluate RUN_DIR|MODEL.dnet [--data SPEC] [--target COLUMN] [--x KEY] [--y KEY]
deltanet predict RUN_DIR|MODEL.dnet --data SPEC [--output FILE.csv] [--target COLUMN] [--x KEY]
deltanet download-mnist DIR
deltanet playground [--port PORT] [--no-browser]
```

``SPEC`` is a dataset name (iris, breast_cancer, diabetes, digits, ...), a ``.csv`` or ``.npz``
file, or a folder of MNIST IDX files. The TOML format is described in
``deltanet.cli.train``; sample configs are in the repository's ``examples/`` folder.

Errors are one line on stderr (``deltanet: error: ...``) and a non-zero exit status (2 for a
malformed command line, 1 for a failure while running: a bad config, a missing or malformed
file), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

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
        "examples",
        help="list or run the worked examples of the seeds",
        description="The worked examples of the lecture decks, as runnable programs.",
    )
    example_commands = examples.add_subparsers(dest="action", metavar="ACTION", parser_class=OneLineArgumentParser)
    example_commands.add_parser("list", help="list the examples", description="List the examples.")
    run = example_commands.add_parser(
        "run",
        help="run an example (extra options go to the example; try 'run iris --help')",
        description="Run an example; options after its name go to the example itself "
        "(every example takes --quick, --plot OUT.png and --quiet).",
    )
    run.add_argument("name", help="the example to run (see 'deltanet examples list')")
    run.add_argument("options", nargs=argparse.REMAINDER, help="options of the example, e.g. --quick")

    train = commands.add_parser(
        "train",
        help="train a model from a TOML config",
        description="Train the model a TOML config describes and write a run folder.",
    )
    train.add_argument("config", help="the TOML config (see the examples/ folder)")
    train.add_argument("--epochs", type=int, help="override the config's epochs")
    train.add_argument("--run-dir", help="override the config's run folder")
    train.add_argument("--quiet", action="store_true", help="no progress output")

    evaluate = commands.add_parser(
        "evaluate",
        help="loss and metrics of a trained model",
        description="Evaluate a run folder's model (or a .dnet file) on labelled data.",
    )
    evaluate.add_argument("model", help="a run folder written by 'deltanet train', or a model file (.dnet)")
    evaluate.add_argument("--data", help="dataset name, .csv, .npz or MNIST folder (default: the run's held-out part)")
    evaluate.add_argument("--target", help="the CSV target column (name or index)")
    evaluate.add_argument("--x", help="the NPZ member with the samples (default: the run's, or X)")
    evaluate.add_argument("--y", help="the NPZ member with the targets (default: the run's, or y)")

    predict = commands.add_parser(
        "predict",
        help="predictions of a trained model",
        description="Predict with a run folder's model (or a .dnet file).",
    )
    predict.add_argument("model", help="a run folder written by 'deltanet train', or a model file (.dnet)")
    predict.add_argument("--data", required=True, help="dataset name, .csv, .npz or MNIST folder")
    predict.add_argument("--output", help="write the predictions to this CSV file instead of printing them")
    predict.add_argument("--target", help="a CSV column to leave out (the target, if the file has it)")
    predict.add_argument("--x", help="the NPZ member with the samples (default: the run's, or X)")

    download = commands.add_parser(
        "download-mnist",
        help="download and verify the four MNIST files",
        description="Download MNIST from the public mirrors, verify SHA-256, write atomically.",
    )
    download.add_argument("directory", help="the folder to write the files into")
    playground = commands.add_parser(
        "playground",
        help="train a network live in the browser",
        description="Serve the playground on http://127.0.0.1:PORT/ and open it (needs deltanet[playground]).",
    )
    playground.add_argument("--port", type=int, default=8765, help="the port to listen on (default 8765)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    from deltanet.reporting import add_report_command

    add_report_command(commands)
    return parser


def _examples(args: Any) -> int:
    from deltanet import examples

    if args.action == "list":
        width = max(len(name) for name in examples.EXAMPLES)
        for name, example in examples.EXAMPLES.items():
            print(f"{name:<{width}}  {example.description}  [{example.deck}]")
        return 0
    if args.action == "run":
        if args.name not in examples.EXAMPLES:
            raise CommandLineError(
                f"unknown example {args.name!r}; available: {', '.join(examples.EXAMPLES)} "
                f"(see 'deltanet examples list')"
            )
        return int(examples.load(args.name).main(args.options) or 0)
    raise CommandLineError("examples needs an action: 'list' or 'run NAME' (see 'deltanet examples --help')")


def _target(text: str | None) -> Any:
    if text is None:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "examples":
            return _examples(args)
        if args.command == "train":
            from deltanet.cli import train as cli_train

            if args.epochs is not None and args.epochs < 0:
                raise CommandLineError(f"--epochs must be >= 0, got {args.epochs}")
            cli_train.train(
                args.config,
                run_dir=args.run_dir,
                epochs=args.epochs,
                verbose=0 if args.quiet else 2,
                say=(lambda *a, **k: None) if args.quiet else print,
            )
            return 0
        if args.command == "evaluate":
            from deltanet.cli import train as cli_train

            cli_train.evaluate(args.model, args.data, target=_target(args.target), x=args.x, y=args.y)
            return 0
        if args.command == "predict":
            from deltanet.cli import train as cli_train

            cli_train.predict(args.model, args.data, output=args.output, target=_target(args.target), x=args.x)
            return 0
        if args.command == "playground":
            from deltanet import playground

            return playground.main(args)
        if args.command == "report":
            return int(args.handler(args))
        if args.command == "download-mnist":
            from deltanet.data import download_mnist

            download_mnist(args.directory)
            return 0
        raise CommandLineError(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first
    except CommandLineError as error:
        print(f"deltanet: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deltanet: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, ImportError, FloatingPointError) as error:
        message = " ".join(str(error).split())  # one line
        print(f"deltanet: error: {message}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug; still one line, with the kind of error to report
        message = " ".join(str(error).split())
        print(f"deltanet: error: unexpected {type(error).__name__}: {message}", file=sys.stderr)
        return 1
