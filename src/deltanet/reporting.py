"""``report``: one self-contained HTML page about a training run, from its run folder.

``dn.report(run_dir)`` (or ``deltanet report RUN_DIR``) reads what ``fit(..., run_dir=...)`` and
its ``Monitor`` wrote (see ``deltanet.training.rundir``) and writes ``report.html`` with:

- the Monitor's warnings, each with its advice;
- the learning curves;
- the gradient flow per layer over the epochs, and the last per-layer statistics;
- the confusion matrix of a classifier, or segmentation examples;
- the model summary (layers, output shapes, parameter counts);
- the hyperparameters (``config.json``).

Images are PNGs embedded as base64 ``data:`` URIs and the styles are inline, so the file opens
anywhere, offline, and can be mailed as it is. Every text from the run folder is HTML-escaped.
Without matplotlib the page is written without figures, saying so.

(The module is not called ``report``: a submodule of that name would shadow the function
``dn.report``.)
"""

from __future__ import annotations

import base64
import html
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from deltanet.training import rundir
from deltanet.training.warnings_table import KINDS

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.meta { color: #666; } table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warning { border-left: 5px solid #e0a800; background: #fff8e1; padding: 0.6em 0.9em; margin: 0.6em 0; }
.warning.nonfinite { border-color: #c62828; background: #fdecea; }
.advice { color: #1b5e20; margin-top: 0.3em; } .kind { font-weight: bold; text-transform: uppercase; font-size: 0.8em; }
.ok { border-left: 5px solid #2e7d32; background: #edf7ed; padding: 0.6em 0.9em; }
.note { color: #666; font-style: italic; } img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
"""

_KIND_TITLES = {kind: row.title for kind, row in KINDS.items()}  # the Monitor's table of warnings


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.4g}"
    return str(value)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table(header: list[str], rows: list[list[Any]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_e(_number(v))}</td>' if i in numeric else f"<td>{_e(_number(v))}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Figures:
    """Renders figures to PNG when matplotlib is there; remembers why not otherwise."""

    def __init__(self) -> None:
        try:
            from deltanet import plot
            from deltanet.plot._figure import require_matplotlib

            require_matplotlib()
            self.plot: Any = plot
            self.missing: str | None = None
        except ImportError as error:
            self.plot = None
            self.missing = str(error)

    def render(self, alt: str, make: Any) -> str:
        if self.plot is None:
            return f'<p class="note">Figure "{_e(alt)}" not drawn: {_e(self.missing)}</p>'
        try:
            fig = make(self.plot)
        except ValueError as error:
            return f'<p class="note">Figure "{_e(alt)}" not drawn: {_e(error)}</p>'
        return _img(self.plot.to_png(fig), alt)


def _warnings_section(run_dir: Path) -> str:
    events = rundir.read_json(run_dir, "warnings.json")
    parts = ["<h2>Warnings and advice</h2>"]
    if events is None:
        if (run_dir / "layers.csv").exists() or (run_dir / "summary.json").exists():
            parts.append('<div class="ok">The Monitor watched this run and found nothing wrong.</div>')
        else:
            parts.append('<p class="note">No Monitor record in this run folder (fit(..., monitor=False)?).</p>')
        return "".join(parts)
    if not events:
        parts.append('<div class="ok">The Monitor watched this run and found nothing wrong.</div>')
    for event in events:
        kind = str(event.get("kind", ""))
        where = []
        if event.get("epoch") is not None:
            where.append(f"epoch {event['epoch']}")
        if event.get("layer") is not None:
            where.append(f"layer {event['layer']}")
        parts.append(
            f'<div class="warning {_e(kind)}"><span class="kind">{_e(_KIND_TITLES.get(kind, kind))}</span>'
            f"{' · ' + _e(', '.join(where)) if where else ''}"
            f"<div>{_e(event.get('message', ''))}</div>"
            f'<div class="advice">What to try: {_e(event.get("advice", ""))}</div></div>'
        )
    return "".join(parts)


def _curves_section(run_dir: Path, history: dict[str, list[float]], figures: _Figures) -> str:
    parts = ["<h2>Learning curves</h2>"]
    if not history:
        return parts[0] + '<p class="note">No history.csv in this run folder.</p>'
    if not history.get("epoch"):
        return parts[0] + '<p class="note">No epoch finished.</p>'
    parts.append(figures.render("learning curves", lambda plot: plot.learning_curves(run_dir)))
    last = {k: v[-1] for k, v in history.items() if k != "epoch" and v}
    rows = [
        [k, v, float(np.nanmin(history[k])) if k.endswith("loss") else float(np.nanmax(history[k]))]
        for k, v in last.items()
    ]
    parts.append(_table(["quantity", "last epoch", "best (min loss / max metric)"], rows, {1, 2}))
    return "".join(parts)


def _layers_section(run_dir: Path, figures: _Figures) -> str:
    rows = rundir.read_layers(run_dir)
    parts = ["<h2>Gradient flow and layer statistics</h2>"]
    if not rows:
        return parts[0] + '<p class="note">No per-layer statistics (layers.csv) in this run folder.</p>'
    if any(r.get("grad_norm") is not None for r in rows):
        parts.append(figures.render("gradient flow", lambda plot: plot.gradient_flow(run_dir)))
    last_epoch = max(r["epoch"] for r in rows)
    last = [r for r in rows if r["epoch"] == last_epoch]
    parts.append(
        f"<p>Per layer at epoch {last_epoch} (the activation statistics on the probe samples, in evaluation mode):</p>"
    )
    parts.append(
        _table(
            [
                "layer",
                "type",
                "gradient norm",
                "weight norm",
                "mean",
                "std",
                "fraction 0",
                "fraction saturated",
                "dead units",
            ],
            [
                [
                    r["layer"],
                    r["type"],
                    r["grad_norm"],
                    r["weight_norm"],
                    r["act_mean"],
                    r["act_std"],
                    r["fraction_zero"],
                    r["fraction_saturated"],
                    r["dead_fraction"],
                ]
                for r in last
            ],
            set(range(2, 9)),
        )
    )
    return "".join(parts)


def _evaluation_section(run_dir: Path, figures: _Figures) -> str:
    evaluation = rundir.read_json(run_dir, "evaluation.json")
    if not evaluation:
        return ""
    task = evaluation.get("task")
    if task == "classification":
        matrix = evaluation["confusion_matrix"]
        parts = [
            "<h2>Confusion matrix</h2>",
            f"<p>On {_e(_number(evaluation.get('samples')))} {_e(evaluation.get('data', ''))} samples after training; "
            f"accuracy {_e(_number(evaluation.get('accuracy')))}.</p>",
            figures.render("confusion matrix", lambda plot: plot.confusion_matrix(matrix)),
        ]
        return "".join(parts)
    if task == "segmentation":
        target = run_dir / "segmentation.npz"
        parts = ["<h2>Segmentation examples</h2>"]
        if not target.exists():
            return parts[0] + '<p class="note">segmentation.npz is missing.</p>'
        with np.load(target, allow_pickle=False) as data:
            image, label, prediction = data["image"], data["label"], data["prediction"]
        parts.append(
            f"<p>{len(image)} {_e(evaluation.get('data', ''))} samples: the image, the label, the prediction.</p>"
        )
        for i in range(len(image)):
            parts.append(
                figures.render(
                    f"segmentation example {i + 1}",
                    lambda plot, i=i: plot.segmentation_overlay(image[i], label[i], prediction[i]),
                )
            )
        return "".join(parts)
    return ""


def _summary_section(run_dir: Path, config: dict[str, Any]) -> str:
    summary = rundir.read_json(run_dir, "summary.json")
    parts = ["<h2>Model</h2>"]
    if summary:

        def shape(s: Any) -> str:
            return "-" if s is None else "(" + ", ".join(["N", *map(str, s)]) + ")"

        layers = summary.get("layers", [])
        parts.append(
            _table(
                ["layer", "type", "output shape", "parameters"],
                [
                    [layer["name"] or "(model)", layer["type"], shape(layer["output_shape"]), int(layer["params"])]
                    for layer in layers
                ],
                {3},
            )
        )
        parts.append(
            f"<p>Total parameters: <b>{_e(_number(int(summary.get('total_params', 0))))}</b> "
            f"(trainable {_e(_number(int(summary.get('trainable_params', 0))))}).</p>"
        )
    if config.get("model"):
        parts.append(f"<pre>{_e(config['model'])}</pre>")
    if len(parts) == 1:
        parts.append('<p class="note">No model summary in this run folder.</p>')
    return "".join(parts)


def _flatten(config: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            items += _flatten(value, name + ".")
        elif isinstance(value, list):
            items.append((name, ", ".join(map(str, value)) if value else "[]"))
        else:
            items.append((name, value))
    return items


def _hyperparameters_section(config: dict[str, Any]) -> str:
    if not config:
        return '<h2>Hyperparameters</h2><p class="note">No config.json in this run folder.</p>'
    rows = [[k, "None" if v is None else v] for k, v in _flatten({k: v for k, v in config.items() if k != "model"})]
    return "<h2>Hyperparameters</h2>" + _table(["setting", "value"], rows)


def report(run_dir: Any, path: Any = None, title: str | None = None) -> Path:
    """Write a self-contained HTML report of a training run and return its path.

    Args:
        run_dir: the folder that ``fit(..., run_dir=...)`` wrote.
        path: where to write the page (default ``RUN_DIR/report.html``).
        title: the page title (default: the folder's name).

    Returns:
        The path of the HTML file.

    Raises:
        ValueError: ``run_dir`` is not a folder, or holds neither ``history.csv`` nor
            ``config.json``.

    Examples:
        >>> import tempfile, numpy as np, deltanet as dn
        >>> from deltanet.training.monitor import Monitor
        >>> run = tempfile.mkdtemp()
        >>> model = dn.nn.Linear(2, 2, dtype="float64", rng=0)
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
        >>> _ = dn.fit(model, X, y, "cross_entropy", dn.optim.SGD(model.parameters(), lr=0.5), epochs=5,
        ...            batch_size=None, run_dir=run, callbacks=[Monitor(run_dir=run, warn=False)])
        >>> page = dn.report(run)
        >>> page.name, "<h2>Learning curves</h2>" in page.read_text(encoding="utf-8")
        ('report.html', True)
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise ValueError(
            f"report: run_dir must be a run folder written by fit(..., run_dir=...), got {str(folder)!r}, "
            f"which is not a folder"
        )
    if not (folder / "history.csv").exists() and not (folder / "config.json").exists():
        raise ValueError(
            f"report: {str(folder)!r} holds neither history.csv nor config.json; is it a run folder "
            f"written by fit(..., run_dir=...)?"
        )
    config = rundir.read_json(folder, "config.json", {}) or {}
    history = rundir.read_history(folder)
    figures = _Figures()
    title = title or f"Training report: {folder.resolve().name}"
    epochs_done = len(history.get("epoch", []))
    meta = [f"{epochs_done} epoch{'s' if epochs_done != 1 else ''} recorded"]
    if config.get("epochs") is not None:
        meta[0] += f" of {config['epochs']}"
    if config.get("started"):
        meta.append(f"started {config['started']}")
    if config.get("deltanet_version"):
        meta.append(f"deltanet {config['deltanet_version']}")
    meta.append(f"report written {time.strftime('%Y-%m-%d %H:%M')}")
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(" · ".join(meta))}</p>',
        _warnings_section(folder),
        _curves_section(folder, history, figures),
        _layers_section(folder, figures),
        _evaluation_section(folder, figures),
        _summary_section(folder, config),
        _hyperparameters_section(config),
    ]
    if figures.missing:
        body.insert(2, f'<p class="note">Figures are missing: {_e(figures.missing)}</p>')
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(part for part in body if part) + "\n</body></html>\n"
    )
    target = Path(path) if path is not None else folder / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    rundir.atomic_write_text(target, page)
    return target


def add_report_command(subparsers: Any) -> Any:
    """Add ``deltanet report RUN_DIR [-o PATH] [--title TEXT]`` to the command line's subparsers.

    The parser's ``handler`` default is ``run_report_command``, so ``cli.main`` can dispatch
    with ``args.handler(args)``.

    Args:
        subparsers: what ``argparse.ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``report`` subparser.

    Examples:
        >>> import argparse
        >>> from deltanet.reporting import add_report_command
        >>> parser = argparse.ArgumentParser(prog="deltanet")
        >>> _ = add_report_command(parser.add_subparsers())
        >>> args = parser.parse_args(["report", "runs/1", "-o", "page.html"])
        >>> args.run_dir, args.output, args.handler.__name__
        ('runs/1', 'page.html', 'run_report_command')
    """
    parser = subparsers.add_parser(
        "report",
        help="write the HTML training report of a run folder",
        description="Write a self-contained HTML report (learning curves, the Monitor's warnings with advice, "
        "gradient flow, confusion matrix or segmentation examples, model summary, hyperparameters) "
        "of a folder written by fit(..., run_dir=...).",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder")
    parser.add_argument(
        "-o", "--output", metavar="PATH", default=None, help="the HTML file (default RUN_DIR/report.html)"
    )
    parser.add_argument("--title", default=None, help="the page title")
    parser.set_defaults(handler=run_report_command)
    return parser


def run_report_command(args: Any) -> int:
    """Handle ``deltanet report``: write the page and print its path; return the exit status.

    Args:
        args: the parsed arguments, with ``run_dir``, ``output`` and ``title`` (see
            ``add_report_command``).

    Returns:
        0 (a failure raises instead).

    Examples:
        >>> import argparse, json, os, tempfile
        >>> from deltanet.reporting import run_report_command
        >>> run = tempfile.mkdtemp()
        >>> with open(os.path.join(run, "config.json"), "w") as f:
        ...     json.dump({"epochs": 0}, f)
        >>> run_report_command(argparse.Namespace(run_dir=run, output=None, title="An empty run"))
        /...report.html
        0
    """
    target = report(args.run_dir, path=args.output, title=args.title)
    print(target)
    return 0


__all__ = ["add_report_command", "report", "run_report_command"]
