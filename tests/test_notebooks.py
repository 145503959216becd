"""The three notebooks in notebooks/ run from top to bottom, quickly, and are stored clean.

They are executed with nbclient in a fresh kernel (skipped when nbclient, nbformat or ipykernel
are missing: ``pip install '.[notebooks]'``), each in an empty working folder. The notebooks check
their own numbers with ``assert`` (the deck's W = 0.88, b = 0.61; hand-computed = autograd;
test accuracy; the report written), so a cell that fails fails the test.

Every cell that draws with ``dn.plot`` must show its figure: an ``image/png`` output, as a reader
sees it in Jupyter (not the text ``<Figure size ... with 2 Axes>``). Every cell that trains with
``dn.fit`` shows its progress as tqdm's notebook bar: a widget (ipywidgets, in the notebooks
extra), not lines of text.
"""

from __future__ import annotations

import base64
import importlib.util
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: notebook -> the optional packages it needs besides deltanet
NEEDS = {
    "01_one_neuron.ipynb": [],
    "02_iris_end_to_end.ipynb": ["matplotlib"],
    "03_lenet5_report.ipynb": ["sklearn", "matplotlib"],
}
#: notebook -> how many of its cells show a figure
FIGURES = {"01_one_neuron.ipynb": 0, "02_iris_end_to_end.ipynb": 2, "03_lenet5_report.ipynb": 1}
BUDGET_S = 60  # each notebook takes a few seconds; this only catches a runaway one


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NEEDS) == sorted(FIGURES)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_stored_without_outputs(name: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, name
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: strip the outputs"


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_notebook_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for module in NEEDS[name]:
        pytest.importorskip(module)
    # one BLAS thread in the kernel: on a shared 2-core machine idle BLAS threads spin
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=BUDGET_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{name} took {elapsed:.0f} s"
    errors = [
        out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"
    ]
    assert not errors
    pictures = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or "dn.plot." not in cell.source:
            continue
        images = [out for out in cell.outputs if "image/png" in out.get("data", {})]
        assert images, f"{name}: a plotting cell shows no picture:\n{cell.source}\n{cell.outputs}"
        assert base64.b64decode(images[0]["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
        pictures += 1
    assert pictures == FIGURES[name]
    if importlib.util.find_spec("ipywidgets") is not None:  # tqdm.auto's bar is a widget only with it
        for cell in notebook.cells:
            if cell.cell_type != "code" or "dn.fit(" not in cell.source:
                continue
            kinds = [kind for out in cell.outputs for kind in out.get("data", {})]
            assert "application/vnd.jupyter.widget-view+json" in kinds, f"{name}: no progress bar:\n{cell.source}"
            text = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
            assert "step/s" not in text and "s/step" not in text, f"{name}: a progress bar printed as text"
    if name == "03_lenet5_report.ipynb":
        assert (tmp_path / "runs" / "lenet5-digits" / "report.html").is_file()
