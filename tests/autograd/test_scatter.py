"""scatter, scatter_add, index_add and their in-place forms: PyTorch's values and gradients."""

import numpy as np
import pytest

import deltanet as dn

INDEX = np.array([[1, 0, 2], [0, 2, 1]])  # a permutation per row: scatter's result is defined


def _pair(torch, data):
    return dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_and_scatter_add_match_pytorch_with_gradients(rng, dim):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    index_ = INDEX if dim != 0 else np.array([[1, 0, 2, 1], [2, 1, 0, 0]])
    src = rng.standard_normal(index_.shape)  # PyTorch's backward fails for a src larger than index
    for name in ("scatter", "scatter_add"):
        (a, at), (b, bt) = _pair(torch, x), _pair(torch, src)
        out = getattr(a, name)(dim, dn.tensor(index_), b)
        outt = getattr(at, name)(dim, torch.tensor(index_), bt)
        np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12)
        w = np.cos(np.arange(12.0)).reshape(3, 4)
        (out * dn.tensor(w)).sum().backward()
        (outt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.detach().numpy(), at.grad.detach().numpy())
        np.testing.assert_allclose(b.grad.detach().numpy(), bt.grad.detach().numpy())
        assert dn.gradcheck(lambda p, q, name=name, i=index_: getattr(dn, name)(p, dim, dn.tensor(i), q), (a, b))


def test_in_place_forms_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (dn, torch):
        z = lib.zeros(3, 4)
        z.scatter_(1, lib.tensor([[1], [2], [0]]), 1.0)
        z.scatter_(0, lib.tensor([[2, 0]]), lib.full((1, 2), 5.0))
        counts = lib.zeros(3).scatter_add_(0, lib.tensor([0, 1, 0, 2, 0]), lib.ones(5))
        rows = lib.zeros(3, 2).index_add_(0, lib.tensor([0, 2, 0]), lib.ones(3, 2), alpha=2)
        onehot = lib.zeros(2, 3).scatter(1, lib.tensor([[2], [0]]), value=1.0)
        if lib is dn:
            ours = [z.tolist(), counts.tolist(), rows.tolist(), onehot.tolist()]
        else:
            assert ours == [z.tolist(), counts.tolist(), rows.tolist(), onehot.tolist()]


def test_in_place_scatter_on_a_computed_tensor_is_recorded(rng):
    torch = pytest.importorskip("torch")
    data, src = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    grads = []
    for lib in (dn, torch):
        x, s = lib.tensor(data, requires_grad=True), lib.tensor(src, requires_grad=True)
        y = x * 2
        y.scatter_add_(1, lib.tensor(INDEX), s)
        y.index_add_(0, lib.tensor([1, 1]), s)
        (y**2).sum().backward()
        grads.append((x.grad.detach().numpy().copy(), s.grad.detach().numpy().copy()))
    for ours, theirs in zip(grads[0], grads[1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_index_add_gradcheck_and_float32(rng):
    x = dn.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    s = dn.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    assert dn.gradcheck(lambda x, s: dn.index_add(x, 0, dn.tensor([2, 0, 2]), s, alpha=0.5), (x, s))
    s3 = dn.tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    assert dn.gradcheck(lambda x, s: x.index_add(2, dn.tensor([1, 1, 0]), s), (x, s3))
    f = dn.zeros(3, dtype=dn.float32).scatter_add(0, dn.tensor([0, 0]), dn.ones(2, dtype=dn.float32))
    assert f.dtype == dn.float32 and f.tolist() == [2.0, 0.0, 0.0]


def test_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = dn.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad"):
        w.scatter_add_(0, dn.tensor([0]), dn.ones(1))
    with dn.no_grad():
        w.scatter_add_(0, dn.tensor([0, 0]), dn.ones(2))
    assert w.tolist() == [2.0, 0.0, 0.0]


def test_bad_arguments_raise_clear_errors():
    z = dn.zeros(2, 3)
    with pytest.raises(ValueError, match=r"scatter: index must be an integer \(int64\) tensor, got dtype float32"):
        z.scatter(1, dn.tensor([[0.0]]), 1.0)
    with pytest.raises(ValueError, match=r"index out of range: values must be in \[0, 3\)"):
        z.scatter(1, dn.tensor([[3]]), 1.0)
    with pytest.raises(ValueError, match=r"index out of range"):
        z.scatter_add_(1, dn.tensor([[-1]]), dn.ones(1, 1))
    with pytest.raises(ValueError, match=r"index must have as many dimensions as input"):
        z.scatter(1, dn.tensor([0]), 1.0)
    with pytest.raises(ValueError, match=r"src must have index's rank and be at least as large"):
        z.scatter(1, dn.tensor([[0, 1]]), dn.ones(1, 1))
    with pytest.raises(ValueError, match=r"src must have input's dtype float32, got float64"):
        z.scatter(1, dn.tensor([[0]]), dn.ones(1, 1, dtype=dn.float64))
    with pytest.raises(ValueError, match=r"exactly one of the two"):
        z.scatter(1, dn.tensor([[0]]))
    with pytest.raises(ValueError, match=r"reduce='add' is not supported"):
        z.scatter_(1, dn.tensor([[0]]), 1.0, reduce="add")
    with pytest.raises(ValueError, match=r"index_add_: source must have shape \(2, 3\)"):
        z.index_add_(0, dn.tensor([0, 1]), dn.ones(3, 2))
    with pytest.raises(ValueError, match=r"index_add: index must be 1-D"):
        dn.index_add(z, 0, dn.tensor([[0]]), dn.ones(1, 3))
    with pytest.raises(ValueError, match=r"dim"):
        z.scatter_add(2, dn.tensor([[0]]), dn.ones(1, 1))
