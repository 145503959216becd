import pkgutil
import sys

import numpy as np
import pytest

import deltanet as dn


@pytest.fixture(autouse=True)
def _default_dtype_and_printing_restored():
    """Every test starts and ends with float32 as the default dtype and the default print options,
    even when one that sets them (``dn.set_default_dtype``, ``dn.set_printoptions``) fails midway."""
    yield
    if dn.backend.DEFAULT_DTYPE != dn.float32:
        dn.set_default_dtype(dn.float32)
    dn.set_printoptions(profile="default")
    torch = sys.modules.get("torch")  # the port suite runs the same programs with PyTorch
    if torch is not None and torch.get_default_dtype() != torch.float32:
        torch.set_default_dtype(torch.float32)


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
