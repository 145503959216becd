"""The documentation tells the truth: its code runs, its names exist, and the site builds.

- Every ```python block of the getting-started page, of "the four steps", of the tutorials and of
  the "coming from" pages runs, in order, in one namespace (as a reader would type them into one
  Python session), in an empty folder; the numbers the pages promise are checked.
- Every ``dn.…`` / ``deltanet.…`` name written anywhere in docs/ resolves by import, and every
  ``deltanet examples run NAME`` names a registered example.
- ``mkdocs build --strict`` passes (skipped when mkdocs is not installed: ``pip install
  '.[docs]'``), the site loads nothing from the network, and Chromium (where installed) shows
  its formulas and figures opened from disk with the network refused.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Debian's Chromium, kept from calling home (the machine has no network); see tests/playground
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of a docs page (top level, not indented), in order."""
    return FENCE.findall((DOCS / page).read_text(encoding="utf-8"))


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """One BLAS thread: on a shared 2-core machine, idle BLAS threads spin and slow small GEMMs."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def run_page(page: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the page's blocks in one namespace inside ``folder`` and return what they printed."""
    monkeypatch.chdir(folder)
    namespace: dict = {"__name__": "__docs__"}
    out = io.StringIO()
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python blocks"
    with contextlib.redirect_stdout(out), _one_blas_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the Monitor's advice is for readers
        for number, block in enumerate(blocks, 1):
            try:
                exec(compile(block, f"{page}, block {number}", "exec"), namespace)  # noqa: S102 (our own pages)
            except Exception as error:  # name the block: the traceback alone points at exec
                raise AssertionError(f"{page}, python block {number} failed:\n{block}") from error
    return out.getvalue()


def test_getting_started_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")  # its last (optional) step plots the learning curves
    printed = run_page("getting-started.md", tmp_path, monkeypatch)
    lines = printed.splitlines()
    assert lines[0] == importlib.import_module("deltanet").__version__
    assert "14.0" in lines and "tensor([2., 4., 6.])" in lines  # the autograd example's y and dy/dx
    assert "(150, 4) (150,)" in lines and "(100, 4) (50, 4)" in lines
    assert "Total params: 131" in printed  # 4·16 + 16 + 16·3 + 3
    assert lines[-1] == "True"  # the loaded model predicts exactly as the saved one
    assert (tmp_path / "iris.dnet").is_file() and (tmp_path / "curves.png").stat().st_size > 0
    # the page promises a trained network: the evaluations it prints are good ones
    accuracies = [float(a) for a in re.findall(r"'accuracy': ([0-9.]+)", printed)]
    assert len(accuracies) == 2 and min(accuracies) >= 0.9, accuracies


def test_four_steps_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("four-steps.md", tmp_path, monkeypatch)
    # every comparison of the page (forward, loss, deltas, gradients, update, softmax delta,
    # gradcheck) prints True, and none prints False
    assert "False" not in printed, printed
    assert printed.count("True") == 11, printed
    assert "tensor([0.1192, 0.5000, 0.9526], dtype=float64, grad_fn=<MySigmoid>)" in printed  # PyTorch's format
    assert "δ[1] = [-0.0082, -0.0058,  0.01  ]" in printed  # explain.backward's own numbers
    lines = printed.splitlines()
    final_loss = float(lines[-3])  # then fit's 50 epochs, then compile_step's why: None (replayed)
    assert final_loss < 0.0527 / 5
    assert lines[-2:] == ["50", "None"], lines[-2:]


def test_tutorials_index_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/index.md", tmp_path, monkeypatch)
    assert printed.startswith("tumor: 15/15 deck lines reproduced")


def test_tutorial_neuron(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/01-neuron.md", tmp_path, monkeypatch)
    lines = printed.splitlines()
    # the deck's first three gradient steps ([Ibragimov])
    assert ["1 0.88 0.61", "2 0.19 0.54", "3 0.5 0.88"] == [l for l in lines if l[:2] in ("1 ", "2 ", "3 ")]
    assert lines[-1] == "True"  # two stacked linear layers are one
    assert "   sigmoid [0.047 0.269 0.5   0.731 0.953]" in lines


def test_tutorial_losses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/02-losses.md", tmp_path, monkeypatch)
    lines = printed.splitlines()
    # the cats-and-dogs table of [de Back 2018]: error, MSE, cross-entropy
    assert "NN1 0.33 0.25 0.38" in lines and "NN2 0.33 0.71 1.06" in lines
    assert "0.5108 0.5108 0.5108" in lines  # [de Back 2018]'s five-class example: -log 0.6
    # MAE, MSE, Huber (delta 1), log-cosh of the errors (0.5, 0, 1, 4), by hand
    d = [0.5, 0.0, 1.0, 4.0]
    import math

    expected = {
        "mae": sum(d) / 4,
        "mse": sum(x * x for x in d) / 4,
        "huber": sum(0.5 * x * x if x < 1 else x - 0.5 for x in d) / 4,
        "log_cosh": sum(math.log(math.cosh(x)) for x in d) / 4,
    }
    for name, value in expected.items():
        assert f"{name:>8} {round(value, 4)}" in lines
    pairs = [line.split() for line in lines if len(line.split()) == 2]
    for a, b in pairs:  # every "library vs by hand" line prints the same number twice
        try:
            assert math.isclose(float(a), float(b), rel_tol=1e-6), (a, b)
        except ValueError:
            continue


def test_tutorial_backprop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    printed = run_page("tutorials/03-backprop.md", tmp_path, monkeypatch)
    assert "(3, 2) True" in printed and "\nTrue\n" in printed
    # [Desrosiers 2024]'s chain-rule recap: f = u², u = 2v, v = 1/x gives df/dx = -8/x³
    assert "df/dx [-64.0, -8.0, -1.0] -8/x^3 [-64.0, -8.0, -1.0]" in printed
    norms = dict(re.findall(r"(sigmoid|ReLU \+ He): first layer ([0-9.e+-]+)", printed))
    assert float(norms["sigmoid"]) < 1e-4 and float(norms["ReLU + He"]) > 0.1  # vanishing vs not


def test_tutorial_optimizers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/04-optimizers.md", tmp_path, monkeypatch)
    assert "[0.2, 0.34, 0.398] [0.2, 0.34, 0.398]" in printed  # PyTorch's momentum = Rumelhart's
    online = re.findall(r"on-line, shuffle=(.*?): loss ([0-9.]+)", printed)  # [Suk 2015]'s three orders
    assert [k for k, _ in online] == ["False", "True", "'with_replacement'"] and len({v for _, v in online}) == 3
    assert printed.rstrip().endswith("[0.0125]")  # 0.1 halved three times
    suggestion = float(re.search(r"suggested learning rate: ([0-9.e+-]+)", printed).group(1))
    assert 0.01 < suggestion < 5


def test_tutorial_regularization(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/05-regularization.md", tmp_path, monkeypatch)
    zeros = dict(re.findall(r"^\s*(none|L1|L2) .* weights at 0: (\d+)$", printed, re.MULTILINE))
    assert int(zeros["L1"]) == 8 and int(zeros["L2"]) == 0  # L1 removes the 8 useless inputs
    assert "\nTrue\n" in printed  # l2 penalty == SGD weight decay
    assert "[0. 0. 0.] [1. 1. 1.]" in printed  # batch norm output: mean 0, std 1
    assert "0.088 0.088" in printed and "\n1.0\n" in printed  # He std, LSUV variance
    assert "\n0.0 True\n" in printed  # init= starts the bias at 0, the default does not
    assert "diverging - " in printed


def test_tutorial_cnn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    printed = run_page("tutorials/06-cnn.md", tmp_path, monkeypatch)
    assert "784 inputs -> 10 units: 7,850 parameters" in printed
    assert "65536 inputs -> 10 units: 655,370 parameters" in printed  # [Desrosiers 2024]'s counts
    assert "22500 3" in printed and "Total params: 61,706" in printed
    assert "[4.9, -14.5] [4.9, -14.5]" in printed  # [Desrosiers 2024]'s mini-batch: one by one = batched
    assert "[0.9926085, 5e-07]" in printed
    assert "GoogLeNet: 6,624,904 parameters" in printed and "inception 3a: (1, 256, 28, 28)" in printed
    last = re.findall(r"^\[([0-9., ]+)\]$", printed, re.MULTILINE)[-1]
    assert float(last.split(",")[-1]) > 0.8  # the small CNN learns the digits in 3 epochs


def test_tutorial_segmentation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("tutorials/07-segmentation.md", tmp_path, monkeypatch)
    assert "0.1053\n0.1053" in printed
    dice = re.findall(r"^\[([0-9. ]+)\]$", printed, re.MULTILINE)[-1].split()  # last: Dice
    assert float(dice[0]) > 0.95 and float(dice[1]) > 0.8  # background and cells are found


def test_from_pytorch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    printed = run_page("from-pytorch.md", tmp_path, monkeypatch)
    assert "False" not in printed and printed.count("True") == 3
    assert "float32 float64" in printed


def test_from_keras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_page("from-keras.md", tmp_path, monkeypatch)
    assert "['accuracy', 'loss', 'val_accuracy', 'val_loss']" in printed
    assert "\n10\n" in printed  # the resumed run has all 10 epochs
    assert "DivergingLossWarning" in printed
    assert (tmp_path / "runs" / "iris" / "report.html").is_file()


def test_your_own_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for package in ("nibabel", "pydicom", "PIL", "scipy"):
        pytest.importorskip(package)
    printed = run_page("your-own-images.md", tmp_path, monkeypatch)
    assert "(1, 33, 41, 25) (2.0, 2.0, 2.0) (32.0, -40.0, -16.0)" in printed
    assert "CT (1, 128, 128) -896.0 1167.0" in printed  # Hounsfield units
    assert (
        "494 -3024.0 the pixel data was compressed lossily" in printed and "\n-1024.0\n" in printed
    )  # PixelPaddingValue: kept, counted, warned
    assert "(1, 8, 128, 128) [2.5, 0.661, 0.661]" in printed  # the shuffled slices, sorted
    assert "inconsistent slice spacing" in printed and "5 mm apart" in printed
    assert "SPL LAS" in printed and "RAS (1, 128, 128, 8)" in printed  # Image.axcodes, Orientation
    assert "(1, 85, 85, 20) [1.0, 1.0, 1.0]" in printed  # Spacing: round(n * spacing / pixdim), exactly 1 mm
    dice = float(re.search(r"^Dice ([0-9.]+)$", printed, re.MULTILINE).group(1))
    hd95 = float(re.search(r"^HD95 \(mm\) ([0-9.]+)$", printed, re.MULTILINE).group(1))
    assert dice > 0.6 and hd95 < 30  # a network trained for seconds finds the (derived) brain mask
    assert "['little_brain', 'much_brain']" in printed
    assert re.search(r"^batch by batch, last loss [0-9.]+$", printed, re.MULTILINE)  # the DataLoader loop ran
    written = tmp_path / "case02_prediction.nii.gz"
    from deltanet.data import read_image

    assert read_image(written).affine == pytest.approx(read_image(tmp_path / "images" / "case02.nii.gz").affine)


NAME = re.compile(r"(?<![\w.\"'])(?:dn|deltanet)((?:\.[A-Za-z_]\w*)+)")


def _resolves(dotted: str) -> bool:
    """Whether ``deltanet`` + dotted resolves by attribute access (importing submodules)."""
    obj = importlib.import_module("deltanet")
    path = "deltanet"
    for part in dotted.strip(".").split("."):
        path = f"{path}.{part}"
        try:  # a submodule first: deltanet.models.mlp is both a module and the function in it
            obj = importlib.import_module(path)
        except ImportError:
            with contextlib.suppress(ImportError, AttributeError, ValueError):  # a name inside a module
                if importlib.util.find_spec(path) is not None:
                    return True  # a module of an optional extra that is not installed (its error names it)
            try:
                obj = getattr(obj, part)
            except AttributeError:
                return False
    return True


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def test_every_name_in_the_docs_exists() -> None:
    missing = set()
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        for match in NAME.finditer(text):
            dotted = match.group(1)
            if dotted.endswith((".md", ".py", ".png", ".dnet", ".onnx", ".html", ".csv")):
                continue  # a file name such as deltanet.onnx in prose is checked below anyway
            if not _resolves(dotted):
                missing.add(f"{page.relative_to(DOCS)}: deltanet{dotted}")
    assert not missing, sorted(missing)


def test_examples_named_in_the_docs_exist() -> None:
    from deltanet.examples import EXAMPLES

    named, modules = set(), set()
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        named |= set(re.findall(r"deltanet examples run ([a-z0-9-]+)", text))
        modules |= set(re.findall(r"python -m (deltanet\.examples\.\w+)", text))
    assert named, "the tutorials run no example"
    assert named <= set(EXAMPLES), sorted(named - set(EXAMPLES))
    for module in modules:
        importlib.import_module(module)
    # every registered example is used by some page
    assert set(EXAMPLES) <= named, sorted(set(EXAMPLES) - named)


# The lecture decks do not ship: the text cites them by label ([Hosny et al.], docs/references.md).
DECK_PATH = re.compile("seeds" + r"/0\d\d")
#: folders whose text is checked for references to files that do not ship
SHIPPED_TEXT = ("src", "docs", "tests", "examples", "notebooks", "benchmarks")
LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)#\s]+)")


def test_no_reference_points_to_the_unshipped_decks() -> None:
    found = []
    for folder in SHIPPED_TEXT:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".md", ".toml", ".ipynb", ".js", ".html", ".txt", ".csv"):
                continue
            if path == DOCS / "cite_decks.py":  # the tool that rewrote them names the pattern
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in DECK_PATH.finditer(text)]
    for page in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        found += [f"{page}: {m.group(0)}" for m in DECK_PATH.finditer(text)]
    assert not found, found[:20]


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md"])
def test_the_repository_pages_link_to_files_that_exist(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    targets = [m.group(1) for m in LINK.finditer(text)]
    assert targets, page
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"{page} links to files that do not exist: {missing}"


def test_nav_and_api_pages_cover_every_package() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in doc_pages():
        relative = page.relative_to(DOCS).as_posix()
        assert relative in nav, f"{relative} is not in the nav of mkdocs.yml"
    packages = [
        "autograd",
        "functional",
        "nn",
        "losses",
        "optim",
        "init",
        "regularizers",
        "metrics",
        "data",
        "training",
        "models",
        "io",
        "onnx",
        "diagnostics",
        "plot",
        "reporting",
        "explain",
        "distributed",
        "inference",
        "playground",
        "cli",
    ]
    for package in packages:
        text = (DOCS / "api" / f"{package}.md").read_text(encoding="utf-8")
        assert f"::: deltanet.{package}\n" in text


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict`` (its hooks draw figures, copy MathJax)."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("mathjax", reason="the docs extra's django-static-mathjax ships MathJax")
    folder = tmp_path_factory.mktemp("site") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return folder


def test_mkdocs_build_strict(site: Path) -> None:
    assert (site / "api" / "nn.html").is_file()  # page.html: the site also works opened from disk
    assert (site / "javascripts" / "mathjax" / "tex-svg-full.js").stat().st_size > 1_000_000
    for figure in ("universal-approximator", "vanishing-gradients", "regularization"):
        assert (site / "figures" / f"{figure}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing is loaded from the network: no script, stylesheet, font or image from elsewhere
    loads = re.compile(r"<(?:script|img|link)\b[^>]*\b(?:src|href)=\"(https?:)?//", re.IGNORECASE)
    for page in site.rglob("*.html"):
        match = loads.search(page.read_text(encoding="utf-8"))
        assert match is None, f"{page.relative_to(site)} loads {match.group(0)}"


def test_site_renders_offline_from_disk(site: Path) -> None:
    """Debian's Chromium opens the built pages from file:// with every network request refused:
    the formulas are typeset by the site's own MathJax and the examples' figures show."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("no Chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            outside: list[str] = []
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith("file:")
                    else (outside.append(route.request.url), route.abort())
                ),
            )
            page.goto((site / "four-steps.html").as_uri())
            page.wait_for_selector("mjx-container svg", timeout=20000)
            assert page.locator("mjx-container").count() > 20
            assert page.locator("span.arithmatex:not(:has(mjx-container))").count() == 0  # all typeset
            page.goto((site / "tutorials" / "01-neuron.html").as_uri())
            page.wait_for_function(
                "[...document.images].some(i => i.src.endsWith('universal-approximator.png') && i.naturalWidth > 0)"
            )
            assert outside == []
        finally:
            browser.close()
