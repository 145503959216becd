import functools
import os
import pkgutil
import sys

import numpy as np
import pytest

import deltanet as dn

# Library code reads a tensor's NumPy array as ``t.array``; ``t.data`` is PyTorch's detached tensor,
# made on each access, for users. Every read or write of ``.data`` from inside the package during
# the tests is recorded here and fails the session (pytest_sessionfinish below).
_LIBRARY = os.path.dirname(dn.__file__) + os.sep
_LIBRARY_DATA_USES: set[str] = set()
_DATA = dn.Tensor.data


def _library_use(kind):
    frame = sys._getframe(2)
    if frame.f_code.co_filename.startswith(_LIBRARY):
        _LIBRARY_DATA_USES.add(f"{kind} {frame.f_code.co_filename}:{frame.f_lineno}")


@functools.wraps(_DATA.fget)
def _watched_get(self):
    _library_use("reads .data at")
    return _DATA.fget(self)


@functools.wraps(_DATA.fset)
def _watched_set(self, value):
    _library_use("sets .data at")
    _DATA.fset(self, value)


dn.Tensor.data = property(_watched_get, _watched_set, doc=_DATA.__doc__)


def pytest_sessionfinish(session, exitstatus):
    if _LIBRARY_DATA_USES:
        uses = "\n  ".join(sorted(_LIBRARY_DATA_USES))
        print(f"\nlibrary code used Tensor.data (write .array there):\n  {uses}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _global_settings_restored():
    """Every test ends with the global settings as they start, in deltanet and PyTorch: float32 as
    the default dtype, the default print options, the backends' switches, deterministic algorithms
    off; also when a test that sets them (``dn.set_default_dtype``, a port program's
    ``cudnn.benchmark = True``) fails midway."""
    yield
    if dn.backend.DEFAULT_DTYPE != dn.float32:
        dn.set_default_dtype(dn.float32)
    dn.set_printoptions(profile="default")
    # the switches of torch.backends a program sets (the port suite runs them in this process)
    cudnn = dn.backends.cudnn
    for name, value in cudnn._DEFAULTS.items():
        setattr(cudnn, name, value)
    if dn.get_float32_matmul_precision() != "highest":
        dn.set_float32_matmul_precision("highest")
    if dn.are_deterministic_algorithms_enabled():
        dn.use_deterministic_algorithms(False)
    torch = sys.modules.get("torch")  # the port suite runs the same programs with PyTorch
    if torch is not None:
        if torch.get_default_dtype() != torch.float32:
            torch.set_default_dtype(torch.float32)
        torch.backends.cudnn.benchmark = torch.backends.cudnn.deterministic = False
        if torch.get_float32_matmul_precision() != "highest":
            torch.set_float32_matmul_precision("highest")
        if torch.are_deterministic_algorithms_enabled():
            torch.use_deterministic_algorithms(False)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def t64(rng_or_array, shape=None, positive=False, requires_grad=True):
    """A float64 leaf tensor with random values (or from an array)."""
    if shape is None:
        data = np.asarray(rng_or_array, dtype=np.float64)
    else:
        data = rng_or_array.standard_normal(shape)
        if positive:
            data = np.abs(data) + 0.5
    return dn.tensor(data, requires_grad=requires_grad)


def deltanet_modules():
    """The names of ``deltanet`` and every module below it, sorted."""
    names = ["deltanet"] + [info.name for info in pkgutil.walk_packages(dn.__path__, "deltanet.")]
    return sorted(names)
