"""pdist: every pair of rows' p-norm distance, against a NumPy loop, float64 gradcheck and PyTorch."""

import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

P = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf]


def reference(x, p):
    n = x.shape[0]
    u = [np.abs(x[i] - x[j]) for i in range(n) for j in range(i + 1, n)]
    if p == 0:
        return np.array([np.count_nonzero(v) for v in u], dtype=x.dtype)
    if math.isinf(p):
        return np.array([v.max(initial=0.0) for v in u], dtype=x.dtype)
    return np.array([(v**p).sum() ** (1 / p) for v in u], dtype=x.dtype)


@pytest.mark.parametrize("p", P)
def test_forward_matches_numpy(p):
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(dn.pdist(dn.tensor(x), p).numpy(), reference(x, p), rtol=1e-12)
    assert F.pdist(dn.tensor(x, dtype=dn.float32), p).dtype == dn.float32


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0])
def test_gradcheck(p):
    x = dn.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.pdist(t, p), (x,))


@pytest.mark.parametrize("p", P)
def test_values_and_gradients_equal_torchs_with_ties_and_equal_rows(p):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((5, 3))
    x[3] = x[1]  # a zero distance
    x[4, 0] = x[0, 0]  # a zero difference
    w = np.random.default_rng(3).standard_normal(10)
    ours, theirs = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    d, t = dn.pdist(ours, p), torch.nn.functional.pdist(theirs, p)
    np.testing.assert_allclose(d.detach().numpy(), t.detach().numpy(), rtol=1e-13, atol=1e-15)
    (d * dn.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_shapes_of_edge_cases_as_torch():
    assert dn.pdist(dn.ones(1, 3)).shape == (0,) and dn.pdist(dn.ones(0, 3)).shape == (0,)
    assert dn.pdist(dn.ones(3, 0)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.ones((2, 2, 2)),), r"pdist only supports 2D tensors, got: 3D"),
        ((np.ones((3, 2)), -1.0), r"pdist only supports non-negative p values"),
        ((np.ones((3, 2), dtype=np.int64),), r"pdist only supports floating-point dtypes"),
    ],
)
def test_bad_inputs_are_refused_as_torch(args, match):
    with pytest.raises(RuntimeError, match=match):
        dn.pdist(dn.tensor(args[0]), *args[1:])
