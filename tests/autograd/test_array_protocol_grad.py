"""``np.asarray(t)``, ``np.array(t)`` and ``t.numpy()`` of a tensor that requires grad: PyTorch's
error outside ``no_grad``, the array inside it."""

import numpy as np
import pytest

import deltanet as dn

MESSAGE = r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead."
READS = [np.asarray, np.array, lambda t: np.array(t, dtype=np.float64), lambda t: t.numpy()]


@pytest.mark.parametrize("read", READS)
def test_refused_outside_no_grad(read):
    t = dn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=MESSAGE):
        read(t)
    with dn.no_grad():
        assert read(t).tolist() == [1.0, 1.0]
    assert read(t.detach()).tolist() == [1.0, 1.0]


def test_asarray_of_a_detached_tensor_shares_memory():
    t = dn.ones(2, requires_grad=True)
    assert np.shares_memory(np.asarray(t.detach()), t.array)
    with dn.no_grad():
        assert np.asarray(t) is t.array


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
@pytest.mark.parametrize("read", READS)
def test_pytorch_does_the_same(read):
    torch = pytest.importorskip("torch")
    t = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=MESSAGE):
        read(t)
    with torch.no_grad():
        assert read(t).tolist() == [1.0, 1.0]
