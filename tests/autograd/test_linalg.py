"""cdist and dn.linalg's norms (the spectral and nuclear ones too): against PyTorch (values and
gradients), gradcheck, errors."""

import math

import numpy as np
import pytest

import deltanet as dn


def _points(rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    b[2] = a[1]  # a zero distance: PyTorch's gradient there is 0
    return a, b


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_cdist_matches_pytorch_with_gradients(rng, p):
    torch = pytest.importorskip("torch")
    a, b = _points(rng)
    for shape in ((4, 3), (2, 2, 3)):
        x1, x2 = a.reshape(shape), b[: np.prod(shape[:-1]) + 1] if len(shape) == 2 else b[:4].reshape(2, 2, 3)
        ours = [dn.tensor(x1, requires_grad=True), dn.tensor(x2, requires_grad=True)]
        theirs = [torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)]
        d, dt = dn.cdist(*ours, p=p), torch.cdist(*theirs, p=p)
        np.testing.assert_allclose(d.detach().numpy(), dt.detach().numpy(), rtol=1e-12, atol=1e-12)
        weights = np.cos(np.arange(d.numel())).reshape(d.shape)
        (d * dn.tensor(weights)).sum().backward()
        (dt * torch.tensor(weights)).sum().backward()
        for x, y in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(x.grad.detach().numpy(), y.grad.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_cdist_gradcheck_and_errors(rng):
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    assert dn.gradcheck(dn.cdist, (dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True)))
    assert dn.cdist(dn.tensor(a.astype(np.float32)), dn.tensor(b.astype(np.float32))).dtype == dn.float32
    with pytest.raises(ValueError, match=r"cdist: expects x1 of shape \(N, D\)"):
        dn.cdist(dn.ones(3, 2), dn.ones(3, 3))
    with pytest.raises(ValueError, match=r"cdist: expects x1"):
        dn.cdist(dn.ones(3), dn.ones(3))
    with pytest.raises(ValueError, match=r"p"):
        dn.cdist(dn.ones(3, 2), dn.ones(3, 2), p=-1)
    with pytest.raises(ValueError, match=r"cdist: expects floating-point tensors \(as PyTorch\), got int64"):
        dn.cdist(dn.tensor([[1, 2]]), dn.tensor([[1, 2]]))


CALLS = [
    ("norm", {}),
    ("norm", {"dim": 1}),
    ("norm", {"dim": -1, "keepdim": True}),
    ("norm", {"ord": 1, "dim": 0}),
    ("norm", {"ord": math.inf, "dim": 1}),
    ("norm", {"ord": "fro"}),
    ("norm", {"ord": 1}),
    ("norm", {"ord": -math.inf}),
    ("norm", {"keepdim": True}),
    ("vector_norm", {}),
    ("vector_norm", {"ord": 3, "dim": (0, 1)}),
    ("vector_norm", {"ord": 0, "dim": 1}),
    ("matrix_norm", {}),
    ("matrix_norm", {"ord": -1, "keepdim": True}),
    ("matrix_norm", {"ord": math.inf}),
    ("matrix_norm", {"ord": 2}),
    ("matrix_norm", {"ord": -2, "keepdim": True}),
    ("matrix_norm", {"ord": "nuc", "dim": (1, 0)}),
    ("norm", {"ord": 2}),
    ("norm", {"ord": "nuc"}),
]


@pytest.mark.parametrize(("name", "kwargs"), CALLS)
def test_linalg_norms_match_pytorch(rng, name, kwargs):
    torch = pytest.importorskip("torch")
    data = rng.standard_normal((3, 4))
    x, xt = dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, outt = getattr(dn.linalg, name)(x, **kwargs), getattr(torch.linalg, name)(xt, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12)
    if kwargs.get("ord") != 0:
        out.sum().backward()
        outt.sum().backward()
        np.testing.assert_allclose(x.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-12)
        assert dn.gradcheck(lambda x: getattr(dn.linalg, name)(x, **kwargs), (dn.tensor(data, requires_grad=True),))
    assert getattr(dn.linalg, name)(dn.tensor(data.astype(np.float32)), **kwargs).dtype == dn.float32


def test_linalg_refuses_what_it_does_not_compute():
    with pytest.raises(ValueError, match=r"ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got 3"):
        dn.linalg.matrix_norm(dn.ones(2, 2), ord=3)
    with pytest.raises(ValueError, match=r"must be 1-D or 2-D"):
        dn.linalg.norm(dn.ones(2, 2, 2), ord=1)
    with pytest.raises(ValueError, match=r"expects a floating-point tensor, got dtype int64"):
        dn.linalg.norm(dn.tensor([3, 4]))
    assert dn.linalg.norm(dn.tensor([3, 4]), dtype=dn.float32).item() == 5.0
