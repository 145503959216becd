"""The ``deltanet`` command.

```text
deltanet --version
deltanet examples list
deltanet examples run NAME [--quick] [--plot out.png] [options of the example]
deltanet train CONFIG.toml [--epochs N] [--run-dir DIR] [--overwrite] [--quiet]
deltanet train --resume RUN_DIR [--quiet]
deltanet evaluate RUN_DIR|MODEL.dnet [--data SPEC] [--target COLUMN] [--x KEY] [--y KEY]
deltanet predict RUN_DIR|MODEL.dnet --data SPEC [--output FILE.csv] [--target COLUMN] [--x KEY]
deltanet report RUN_DIR [-o PAGE.html] [--title TEXT]
deltanet download-mnist DIR
deltanet playground [--port PORT] [--no-browser]
```

``SPEC`` is a dataset name (iris, breast_cancer, diabetes, digits, ...), a ``.csv`` or ``.npz``
file, or a folder of MNIST IDX files. The TOML format is described in ``deltanet.cli.config``
and the run folder in ``deltanet.training.rundir``; sample configs are in the repository's
``examples/`` folder. ``python -m deltanet`` is the same command.

The package has one file per idea: ``parser`` (every option), ``config`` (the TOML schema and
its checks), ``build`` (model, loss, optimizer, callbacks), ``data`` (loading, split,
preprocessing, digests), ``train`` (the run folder and resuming), ``results`` (held-out results,
report), ``runs`` (opening a run consistently), ``evaluate``, ``predict``, ``report``, and
``console`` (output that a cp1252 console can show).

Errors are one line on stderr (``deltanet: error: ...``) and a non-zero exit status (2 for a
malformed command line, 1 for a failure while running: a bad config, a missing or malformed
file, a run folder that is not consistent; 130 for Ctrl-C), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from deltanet.cli.console import tolerant_output
from deltanet.cli.parser import CommandLineError, build_parser


def _keep_freed_memory() -> None:
    """The training commands are programs of their own: they let glibc keep freed memory for the
    next step (``deltanet.backend.keep_freed_memory``, which a library must not do on import)."""
    from deltanet import backend

    backend.keep_freed_memory()


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
        _keep_freed_memory()
        return int(examples.load(args.name).main(args.options) or 0)
    raise CommandLineError("examples needs an action: 'list' or 'run NAME' (see 'deltanet examples --help')")


def _target(text: str | None) -> Any:
    if text is None:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _quiet(*args: Any, **kwargs: Any) -> None:
    """``say`` for --quiet: nothing."""


def _train(args: Any) -> int:
    from deltanet import distributed
    from deltanet.cli import train

    _keep_freed_memory()
    say = _quiet if args.quiet else print
    verbose = 0 if args.quiet else 2
    if distributed.launched_size() > 1:  # mpiexec -n W deltanet train ...: data-parallel, rank 0 speaks
        world = distributed.init()
        if not world.is_root:
            say, verbose = _quiet, 0
        with world.abort_on_error(describe=lambda error: f"deltanet: error: {_one_line(error)}"):
            return _train_here(args, train, say, verbose)
    return _train_here(args, train, say, verbose)


def _train_here(args: Any, train: Any, say: Any, verbose: int) -> int:
    if args.resume is not None:
        if args.config is not None or args.epochs is not None or args.run_dir is not None or args.overwrite:
            raise CommandLineError(
                "--resume RUN continues a run with its own config, epochs and folder; give it alone "
                "(see 'deltanet train --help')"
            )
        train.resume(args.resume, verbose=verbose, say=say)
        return 0
    if args.config is None:
        raise CommandLineError("train needs a config file, or --resume RUN (see 'deltanet train --help')")
    if args.epochs is not None and args.epochs < 0:
        raise CommandLineError(f"--epochs must be >= 0, got {args.epochs}")
    train.train(
        args.config, run_dir=args.run_dir, epochs=args.epochs, overwrite=args.overwrite, verbose=verbose, say=say
    )
    return 0


def _run(args: Any) -> int:
    if args.command == "examples":
        return _examples(args)
    if args.command == "train":
        return _train(args)
    if args.command == "evaluate":
        from deltanet.cli.evaluate import evaluate

        evaluate(args.model, args.data, target=_target(args.target), x=args.x, y=args.y)
        return 0
    if args.command == "predict":
        from deltanet.cli.predict import predict

        predict(args.model, args.data, output=args.output, target=_target(args.target), x=args.x)
        return 0
    if args.command == "report":
        from deltanet.cli.report import report_command

        report_command(args.run_dir, output=args.output, title=args.title)
        return 0
    if args.command == "playground":
        from deltanet import playground

        return playground.main(args)
    if args.command == "download-mnist":
        from deltanet.data import download_mnist

        download_mnist(args.directory)
        return 0
    raise CommandLineError(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Output never fails on a console that cannot encode a character (``deltanet.cli.console``).

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Returns:
        0 on success, 1 for a failure while running, 2 for a malformed command line, 130 for Ctrl-C.

    Examples:
        >>> from deltanet.cli import main
        >>> main(["examples", "run", "no-such-example"])
        2
    """
    with tolerant_output():
        parser = build_parser()
        try:
            args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
            if args.command is None:
                parser.print_help()
                return 2
            return _run(args)
        except CommandLineError as error:
            print(f"deltanet: error: {_one_line(error)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as interrupt:
            message = _one_line(interrupt)
            print(f"deltanet: interrupted{': ' + message if message else ''}", file=sys.stderr)
            return 130
        except (ValueError, OSError, ImportError, FloatingPointError) as error:
            print(f"deltanet: error: {_one_line(error)}", file=sys.stderr)
            return 1
        except Exception as error:  # a bug; still one line, with the kind of error to report
            print(f"deltanet: error: unexpected {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
            return 1


__all__ = ["CommandLineError", "main"]
