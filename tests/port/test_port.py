"""The port suite: PyTorch programs that run on deltanet after renaming the import.

Each program in ``programs/`` is written for PyTorch, in the idioms of its tutorials, official
examples and well-known repositories (the docstring of each names them). The test runs it twice:
as written, with PyTorch, and after the one mechanical change a user makes, ``rename_imports``
(``import torch`` becomes ``import deltanet as torch``, ``from torch.x import y`` becomes
``from deltanet.x import y``, and so on; nothing else in the file changes). Both runs start from
the same weights (PyTorch's initial ``state_dict``, converted to NumPy arrays, loaded into
deltanet's model: itself a check that the parameter names and shapes agree), and their results
must agree to the program's ``TOLERANCE``.

Without PyTorch, the deltanet side still runs (its results are not compared).
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
import types
from pathlib import Path

import pytest

PROGRAMS = sorted((Path(__file__).parent / "programs").glob("p*.py"))
IMPORT = re.compile(r"^(\s*)(import|from)\s+torch\b")
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def rename_imports(source: str) -> str:
    """The mechanical rename: ``torch`` becomes ``deltanet`` in the import lines, nothing else."""
    lines = []
    for line in source.splitlines(keepends=True):
        if IMPORT.match(line):
            if re.match(r"^\s*import torch\s*(#.*)?$", line):
                line = line.replace("import torch", "import deltanet as torch", 1)
            else:
                line = re.sub(r"\btorch\b", "deltanet", line, count=1)
        lines.append(line)
    return "".join(lines)


def load(path: Path, source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def run(program: types.ModuleType, workdir: Path, weights: dict | None):
    model = None
    if hasattr(program, "build_model"):
        model = program.build_model()
        if weights is not None:
            model.load_state_dict(weights)
    return program.run(model, str(workdir)), model


def flatten(value, path="result"):
    """(path, leaf) pairs of nested dicts, lists and tuples."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from flatten(v, f"{path}[{i}]")
    else:
        yield path, value


def assert_results_match(ours, theirs, rtol, atol):
    ours_flat, theirs_flat = list(flatten(ours)), list(flatten(theirs))
    assert [p for p, _ in ours_flat] == [p for p, _ in theirs_flat], "the two runs return different structures"
    for (path, a), (_, b) in zip(ours_flat, theirs_flat, strict=True):
        if isinstance(b, str):  # printed text: the same words, the numbers in it to the tolerance
            assert isinstance(a, str) and NUMBER.split(a) == NUMBER.split(b), f"{path}: deltanet {a!r}, PyTorch {b!r}"
            for x, y in zip(NUMBER.findall(a), NUMBER.findall(b), strict=True):
                assert math.isclose(float(x), float(y), rel_tol=rtol, abs_tol=atol), (
                    f"{path}: deltanet {a!r}, PyTorch {b!r}"
                )
        elif isinstance(b, float) or isinstance(a, float):
            assert isinstance(a, (int, float)) and not isinstance(a, bool), f"{path}: {a!r} is not a number"
            assert math.isclose(a, b, rel_tol=rtol, abs_tol=atol), f"{path}: deltanet {a!r}, PyTorch {b!r}"
        else:
            assert a == b and type(a) is type(b), f"{path}: deltanet {a!r}, PyTorch {b!r}"


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_on_deltanet_and_matches_pytorch(path, tmp_path):
    source = path.read_text(encoding="utf-8")
    if "\nWORLD_SIZE = 2\n" in source:  # a DDP script: tests/distributed/test_torch_ddp_port.py runs it on two ranks
        pytest.skip("a program for two ranks: tests/distributed/test_torch_ddp_port.py runs it under mpiexec")
    for package in re.findall(r"^REQUIRES = \((.*)\)", source, re.MULTILINE)[:1]:
        for name in re.findall(r"\"(\w+)\"", package):  # an optional extra the program needs
            if importlib.util.find_spec(name) is None:
                pytest.skip(f"{path.stem} needs {name}, which is not installed")
    renamed = rename_imports(source)
    weights = theirs = None
    torch = sys.modules.get("torch") or (
        importlib.import_module("torch") if importlib.util.find_spec("torch") else None
    )
    if torch is not None:
        torch.manual_seed(0)
        reference = load(path, source, f"port_torch_{path.stem}")
        (tmp_path / "torch").mkdir()
        theirs, torch_model = run(reference, tmp_path / "torch", None)
    ours_program = load(path, renamed, f"port_deltanet_{path.stem}")
    if torch is not None and hasattr(ours_program, "build_model"):
        # Start from PyTorch's initial weights: rebuild them with the same seed.
        torch.manual_seed(0)
        weights = {k: v.detach().numpy().copy() for k, v in reference.build_model().state_dict().items()}
    (tmp_path / "deltanet").mkdir()
    ours, _ = run(ours_program, tmp_path / "deltanet", weights)
    if theirs is not None:
        assert_results_match(ours, theirs, **{k: ours_program.TOLERANCE[k] for k in ("rtol", "atol")})


def test_rename_touches_only_the_import_lines():
    source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.zeros(2)\n"
    assert rename_imports(source) == (
        "import deltanet as torch\n"
        "import deltanet.nn as nn\n"
        "from deltanet.utils.data import DataLoader\n"
        "x = torch.zeros(2)\n"
    )
