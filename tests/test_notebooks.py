"""The three notebooks in notebooks/ run from top to bottom, quickly, and are stored clean.

They are executed with nbclient in a fresh kernel (skipped when nbclient, nbformat or ipykernel
are missing: ``pip install '.[notebooks]'``), each in an empty working folder. The notebooks check
their own numbers with ``assert`` (the deck's W = 0.88, b = 0.61; hand-computed = autograd;
test accuracy; the report written), so a cell that fails fails the test.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: notebook -> the optional packages it needs besides deltanet
NEEDS = {
    "01_one_neuron.ipynb": [],
    "02_iris_end_to_end.ipynb": ["matplotlib"],
    "03_lenet5_report.ipynb": ["sklearn"],
}
BUDGET_S = 60  # each notebook takes a few seconds; this only catches a runaway one


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NEEDS)


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
    if name == "03_lenet5_report.ipynb":
        assert (tmp_path / "runs" / "lenet5-digits" / "report.html").is_file()
