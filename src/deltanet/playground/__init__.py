"""Layer 8: the playground, a local web page where a real deltanet network learns as you watch.

```text
deltanet playground [--port 8765] [--no-browser]
```

Like TensorFlow Playground, but the network is deltanet's own: ``nn.Linear`` layers and
activations, a loss from ``losses``, an optimizer from ``optim``, a penalty from
``regularizers``, initial weights from ``init``, trained by ``dn.fit`` and watched by the
``Monitor``. The page draws every unit's output over the input plane, the weights as edges, the
decision boundary (or the fitted curve), the training and test loss, and the Monitor's warnings
as they are given; "Explain" prints $z$, $a$, $\\delta$ and $\\partial L / \\partial W$ for one
sample (``deltanet.explain``); and the run can be taken away as a ``.dnet`` model and as a
Python script that repeats it with ``dn.fit``.

The parts: ``datasets`` (the data), ``config`` (the form's fields, checked), ``network`` (the
model and the script), ``views`` (what is drawn), ``session`` (one tab's training thread),
``server`` (Starlette and the WebSocket; needs the ``playground`` extra:
``pip install 'deltanet[playground]'``), ``static/`` (the page, plain JavaScript and CSS).
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check


def main(args: Any) -> int:
    """Run ``deltanet playground`` with the parsed command-line ``args`` (``port``, ``no_browser``).

    Args:
        args: an ``argparse.Namespace`` with ``port`` (int) and ``no_browser`` (bool).

    Returns:
        The exit status (0 after Ctrl+C).

    Raises:
        ImportError: the ``playground`` extra is not installed (the message names the pip command).
        ValueError: a port outside 1 to 65535.
    """
    from deltanet.playground.server import serve

    port = check.integer(args.port, "--port", "deltanet playground", low=1, high=65535)
    try:
        serve(port, open_browser=not args.no_browser)
    except KeyboardInterrupt:
        pass
    return 0


__all__ = ["main"]
