"""mkdocs hooks: what the site needs that the repository does not hold, made at build time.

- MathJax, so that the formulas render without a CDN (the site works offline and opened from
  disk): ``tex-svg-full.js`` from the ``django-static-mathjax`` package (MathJax 3's own files, in
  the ``docs`` extra; the package needs no Django). One file, every TeX extension included, SVG
  output: nothing more is fetched, not even fonts.
- The tutorials' figures, drawn by the examples themselves (``--quick --plot``), so that the
  pictures are always those of the code the pages describe.

Both are added to the site as generated files; nothing is written into docs/.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import logging
import tempfile
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.plugins.deltanet")
MATHJAX = "javascripts/mathjax/tex-svg-full.js"
#: figure file -> (example, the example's options besides --plot)
FIGURES = {
    "figures/universal-approximator.png": ("universal-approximator", ["--quick"]),
    "figures/vanishing-gradients.png": ("vanishing-gradients", ["--quick"]),
    "figures/regularization.png": ("regularization", ["--quick"]),
}


def _mathjax() -> bytes:
    try:
        source = importlib.resources.files("mathjax").joinpath("static", "mathjax", "es5", "tex-svg-full.js")
        return source.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise PluginError(
            f"the docs need MathJax's files from the django-static-mathjax package ({error}); "
            f"run: pip install '.[docs]'"
        ) from None


def _figure(example: str, options: list[str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from deltanet import examples

    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        path = Path(folder) / "figure.png"
        examples.load(example).main([*options, "--quiet", "--plot", str(path)])
        return path.read_bytes()


def on_files(files: Files, config: dict) -> Files:
    """Add MathJax and the examples' figures to the site's files."""
    files.append(File.generated(config, MATHJAX, content=_mathjax()))
    for name, (example, options) in FIGURES.items():
        start = time.perf_counter()
        files.append(File.generated(config, name, content=_figure(example, options)))
        log.info("%s drawn by 'deltanet examples run %s' in %.1f s", name, example, time.perf_counter() - start)
    return files
