"""The benchmark workloads still build and train with every library installed here (the harness
itself is run by hand: benchmarks are never timed tests)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
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


@pytest.mark.parametrize("name", ["W1", "W2", "W3", "W4", "W5"])
@pytest.mark.parametrize("library", ["deltanet", "deltanet-compiled", "torch", "sklearn"])
def test_workload_steps_run(workloads, library, name):
    if not library.startswith("deltanet"):
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


def test_w5_is_the_same_network_in_both_libraries(workloads):
    """Same data, same initial weights, same architecture: two SGD steps land on the same weights."""
    pytest.importorskip("torch")
    ours, _ = workloads.LIBRARIES["deltanet"]("W5")
    theirs, _ = workloads.LIBRARIES["torch"]("W5")
    for _ in range(2):
        ours()
        theirs()
    for p, q in zip(ours.model.parameters(), theirs.model.parameters(), strict=True):
        np.testing.assert_allclose(p.array, q.detach().numpy(), rtol=1e-3, atol=1e-5)


def _script(name):
    """The benchmark script ``benchmarks/<name>.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location(f"deltanet_benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _eager_w1_steps(script, steps=5):
    """Yield the loss of each of ``steps`` eager W1 training steps (deltanet's API, from the
    script's own data and initial model), then the model itself."""
    import deltanet as dn
    from deltanet import losses

    X, y = script._data(script.WORKLOADS["W1"])
    model, opt = script.deltanet_mlp("W1")
    for _ in range(steps):
        opt.zero_grad()
        loss = losses.CrossEntropy()(model(dn.tensor(X)), dn.tensor(y))
        loss.backward()
        opt.step()
        yield loss.item()
    yield model


def test_w1_floor_is_the_same_training_step_as_deltanet():
    # benchmarks/w1_floor.py times W1 as bare NumPy calls; it must compute what deltanet computes.
    floor = _script("w1_floor")
    step = floor.bare_step()
    *losses, _ = _eager_w1_steps(floor)
    for loss in losses:
        np.testing.assert_allclose(step(), loss, rtol=1e-5)


def test_w2_floor_is_the_same_training_step_as_deltanet():
    # benchmarks/w2_floor.py times W2 as bare NumPy calls; it must compute what deltanet computes.
    import deltanet as dn
    from deltanet import losses

    floor = _script("w2_floor")
    step = floor.bare_step()
    X, y = floor._data(floor.WORKLOADS["W2"])
    model, opt = floor.deltanet_mlp("W2")
    for _ in range(3):
        opt.zero_grad()
        loss = losses.CrossEntropy()(model(dn.tensor(X)), dn.tensor(y))
        loss.backward()
        opt.step()
        np.testing.assert_allclose(step(), loss.item(), rtol=1e-5)


def test_run_compares_with_a_baseline_tree(tmp_path):
    # run.py --baseline SRC times deltanet from another source tree as "baseline"; here the same
    # tree, which the worker must report it imported, and a folder without deltanet is refused.
    import subprocess

    src = Path(__file__).resolve().parents[1] / "src"
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--workloads", "W1", "--libraries", "deltanet"]
    command += ["--rounds", "1", "--seconds", "0.05"]
    done = subprocess.run(command + ["--baseline", str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "round 1 W1 baseline" in done.stdout and "\nW1       baseline" in done.stdout
    refused = subprocess.run(command + ["--baseline", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "no deltanet package there" in refused.stderr
