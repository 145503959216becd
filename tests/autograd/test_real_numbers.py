"""Complex numbers' names on real tensors: the tensor itself, as PyTorch returns for a real tensor."""

import pytest

import deltanet as dn

SAME = ["real", "conj", "conj_physical", "resolve_conj", "resolve_neg"]


@pytest.mark.parametrize("name", SAME)
def test_returns_the_tensor_itself(name):
    x = dn.tensor([1.0, -2.0], requires_grad=True)
    assert getattr(dn, name)(x) is x
    got = x.real if name == "real" else getattr(x, name)()
    assert got is x


def test_writes_through_real_reach_the_tensor():
    x = dn.tensor([1.0, 2.0])
    x.real[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_imag_and_the_lazy_flags():
    x = dn.tensor([1.0])
    message = "imag is not implemented for tensors with non-complex dtypes"
    with pytest.raises(RuntimeError, match=message):
        _ = x.imag
    with pytest.raises(RuntimeError, match=message):
        dn.imag(x)
    assert x.is_conj() is False and x.is_neg() is False
    assert dn.is_conj(x) is False and dn.is_neg(x) is False
    with pytest.raises(TypeError):
        dn.real([1.0])


@pytest.mark.parametrize("name", SAME)
def test_torch_returns_a_real_tensor_itself_too(name):
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, -2.0])
    assert getattr(torch, name)(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        _ = x.imag
