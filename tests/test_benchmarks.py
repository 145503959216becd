"""The benchmark workloads still build and train with every library installed here (the harness
itself is run by hand: benchmarks are never timed tests)."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def workloads():
    spec = importlib.util.spec_from_file_location("deltanet_benchmark_workloads", BENCHMARKS / "workloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.mark.parametrize("name", ["W1", "W2", "W3", "W4"])
@pytest.mark.parametrize("library", ["deltanet", "torch", "sklearn"])
def test_workload_steps_run(workloads, library, name):
    if library != "deltanet":
        pytest.importorskip({"torch": "torch", "sklearn": "sklearn"}[library])
    if not workloads.supports(library, name):
        pytest.skip(f"{library} has no {name}")
    step, samples = workloads.LIBRARIES[library](name)
    assert samples > 0
    step()
    step()


def test_unknown_pairs_are_refused(workloads):
    assert not workloads.supports("sklearn", "W3")
    with pytest.raises(ValueError, match="has no sklearn version"):
        workloads.LIBRARIES["sklearn"]("W4")
