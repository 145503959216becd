"""The parser of the ``deltanet`` command: every subcommand and option, in one place.

Errors of the command line are one line: ``OneLineArgumentParser`` raises ``CommandLineError``
instead of printing the usage, and ``deltanet.cli.main`` prints it as
``deltanet: error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from deltanet._version import __version__


class CommandLineError(Exception):
    """A malformed command line (exit status 2).

    Examples:
        >>> from deltanet.cli.parser import CommandLineError, build_parser
        >>> try:
        ...     build_parser().parse_args(["trian"])
        ... except CommandLineError as error:
        ...     print(str(error)[:40])
        argument COMMAND: invalid choice: 'trian
    """


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, raised instead of printed with the usage.

    Examples:
        >>> from deltanet.cli.parser import CommandLineError, OneLineArgumentParser
        >>> parser = OneLineArgumentParser(prog="demo")
        >>> _ = parser.add_argument("--n", type=int)
        >>> try:
        ...     parser.parse_args(["--n", "x"])
        ... except CommandLineError as error:
        ...     print(error)
        argument --n: invalid int value: 'x' (see 'demo --help')
    """

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{message} (see '{self.prog} --help')")


def _add_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train",
        help="train a model from a TOML config",
        description="Train the model a TOML config describes and write a run folder (model, history, "
        "held-out results, report.html). 'deltanet train --resume RUN' continues an interrupted run.",
    )
    train.add_argument("config", nargs="?", help="the TOML config (see the examples/ folder)")
    train.add_argument("--epochs", type=int, help="override the config's epochs")
    train.add_argument("--run-dir", help="override the config's run folder")
    train.add_argument("--overwrite", action="store_true", help="replace a run already in the run folder")
    train.add_argument("--resume", metavar="RUN", help="continue the interrupted run in this folder")
    train.add_argument("--quiet", action="store_true", help="no progress output")


def _add_evaluate_predict(commands: argparse._SubParsersAction) -> None:
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


def build_parser() -> OneLineArgumentParser:
    """The parser of ``deltanet``: ``examples``, ``train``, ``evaluate``, ``predict``, ``report``,
    ``download-mnist``.

    Returns:
        The parser; ``args.command`` names the subcommand (None when none was given).

    Examples:
        >>> from deltanet.cli.parser import build_parser
        >>> args = build_parser().parse_args(["train", "--resume", "runs/iris"])
        >>> args.command, args.config, args.resume
        ('train', None, 'runs/iris')
    """
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

    _add_train(commands)
    _add_evaluate_predict(commands)

    report = commands.add_parser(
        "report",
        help="write the HTML training report of a run folder",
        description="Write a self-contained HTML report (learning curves, the Monitor's warnings with advice, "
        "gradient flow, held-out results, confusion matrix or segmentation examples, model summary, "
        "hyperparameters) of a folder written by 'deltanet train' or fit(..., run_dir=...).",
    )
    report.add_argument("run_dir", metavar="RUN_DIR", help="the run folder")
    report.add_argument(
        "-o", "--output", metavar="PATH", default=None, help="the HTML file (default RUN_DIR/report.html)"
    )
    report.add_argument("--title", default=None, help="the page title")

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
    return parser


__all__ = ["CommandLineError", "OneLineArgumentParser", "build_parser"]
