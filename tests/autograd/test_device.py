"""Devices on a CPU library: ``dn.device``, ``t.device``, ``to``/``cpu``/``cuda``, ``dn.cuda``, and
``parse_to_args``, the reader of every ``to(...)`` call (``Module.to`` uses it too)."""

import pytest

import deltanet as dn
from deltanet.autograd import parse_to_args

NO_GPU = r"deltanet has no GPU backend: it computes with NumPy on the CPU"


def test_device_objects():
    cpu = dn.device("cpu")
    assert cpu == dn.device(cpu) == dn.device("cpu") and hash(cpu) == hash(dn.device("cpu"))
    assert str(cpu) == "cpu" and repr(cpu) == "device(type='cpu')"
    assert cpu != "cpu"  # as in PyTorch, a device is not equal to its name
    gpu = dn.device("cuda:1")
    assert gpu.type == "cuda" and gpu.index == 1 and str(gpu) == "cuda:1" and dn.device("cuda", 1) == gpu
    with pytest.raises(ValueError, match=r"device type must be one of cpu, cuda.*got 'tpu'"):
        dn.device("tpu")
    with pytest.raises(ValueError, match=r"the index must be a non-negative integer"):
        dn.device("cuda:x")
    with pytest.raises(AttributeError, match=r"a device cannot be changed"):
        cpu.type = "cuda"


def test_tensors_live_on_the_cpu():
    x = dn.ones(2)
    assert x.device == dn.device("cpu") and not x.is_cuda
    device = dn.device("cuda" if dn.cuda.is_available() else "cpu")  # the usual PyTorch preamble
    assert x.to(device) is x and dn.zeros(2, device=device).device == device


def test_gpus_are_refused_clearly():
    x = dn.ones(2)
    for call in (
        lambda: x.cuda(),
        lambda: x.to("cuda"),
        lambda: x.to(dn.device("cuda:0")),
        lambda: x.to(device="cuda", dtype=dn.float64),
        lambda: x.to(0),
        lambda: dn.ones(2, device="mps"),
    ):
        with pytest.raises(RuntimeError, match=NO_GPU):
            call()


def test_cuda_namespace():
    assert dn.cuda.is_available() is False and dn.cuda.device_count() == 0
    dn.cuda.manual_seed(0)
    dn.cuda.manual_seed_all(0)
    dn.cuda.empty_cache()


def test_parse_to_args():
    cpu = dn.device("cpu")
    assert parse_to_args(dn.float64) == (None, dn.float64, False, False)
    assert parse_to_args("cpu") == (cpu, None, False, False)
    assert parse_to_args("cpu", dn.float64, True) == (cpu, dn.float64, True, False)
    assert parse_to_args(dn.float32, False, True) == (None, dn.float32, False, True)
    assert parse_to_args(device="cpu", dtype="float64", non_blocking=True) == (cpu, dn.float64, True, False)
    assert parse_to_args(dn.zeros(1, dtype=dn.float64)) == (cpu, dn.float64, False, False)
    assert parse_to_args() == (None, None, False, False)
    with pytest.raises(ValueError, match=r"the dtype is given twice"):
        parse_to_args(dn.float32, dtype=dn.float64)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['devise'\]"):
        parse_to_args(devise="cpu")
    with pytest.raises(ValueError, match=r"float32 or float64, got float16"):
        parse_to_args("float16")
    with pytest.raises(ValueError, match=r"copy must be True or False, got 'yes'"):
        parse_to_args(dn.float32, copy="yes")
    with pytest.raises(RuntimeError, match=NO_GPU):
        parse_to_args("cuda")


def test_tensor_to_converts_dtypes():
    x = dn.tensor([1.5, 2.5])
    assert x.to(dn.float64).dtype == dn.float64
    assert x.to("cpu", dn.int64).tolist() == [1, 2]
    assert x.to(dn.zeros(1, dtype=dn.float64)).dtype == dn.float64
    y = x.to(copy=True)
    y.add_(1)
    assert x.tolist() == [1.5, 2.5]


def test_seed_setting_and_device_selection_code_runs():
    """The lines of PyTorch's seed functions and device pickers: accepted, read back, and typos refused."""
    backends = dn.backends
    before = (backends.cudnn.deterministic, backends.cudnn.benchmark)
    try:
        backends.cudnn.deterministic, backends.cudnn.benchmark = True, False
        assert backends.cudnn.deterministic is True and backends.cudnn.benchmark is False
        with pytest.raises(AttributeError, match="no switch 'benchmak'"):
            backends.cudnn.benchmak = True
        with pytest.raises(ValueError, match="benchmark must be True or False"):
            backends.cudnn.benchmark = "yes"
    finally:
        backends.cudnn.deterministic, backends.cudnn.benchmark = before
    device = "cuda" if dn.cuda.is_available() else "mps" if dn.backends.mps.is_available() else "cpu"
    assert device == "cpu" and not dn.backends.cudnn.is_available()
    assert not dn.accelerator.is_available() and dn.accelerator.current_accelerator() is None
    dn.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert dn.are_deterministic_algorithms_enabled()
    finally:
        dn.use_deterministic_algorithms(False)
    assert not dn.are_deterministic_algorithms_enabled()
    with pytest.raises(ValueError, match="mode must be True or False"):
        dn.use_deterministic_algorithms(1)


def test_the_namespaces_answer_as_pytorchs_on_a_machine_without_a_gpu():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        pytest.skip("this PyTorch has a GPU")
    assert dn.backends.mps.is_available() == torch.backends.mps.is_available()
    assert dn.backends.cudnn.deterministic == torch.backends.cudnn.deterministic
    assert dn.backends.cudnn.benchmark == torch.backends.cudnn.benchmark
    assert dn.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
