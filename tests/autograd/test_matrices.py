"""tril, triu, outer, mv, einsum, mT, numel, isclose, true_divide and div's rounding_mode:
against NumPy and PyTorch, gradchecked, and their errors."""

import numpy as np
import pytest

import deltanet as dn


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [-1, 0, 1])
def test_triangles_match_numpy_and_gradcheck(rng, name, diagonal):
    data = rng.standard_normal((2, 3, 4))
    x = dn.tensor(data, requires_grad=True)
    out = getattr(dn, name)(x, diagonal)
    np.testing.assert_array_equal(out.detach().numpy(), getattr(np, name)(data, diagonal))
    assert getattr(x, name)(diagonal=diagonal).tolist() == out.tolist()
    assert dn.gradcheck(lambda x: getattr(dn, name)(x, diagonal), (x,))
    assert dn.tril(dn.ones(3, 3, dtype=dn.int64)).dtype == dn.int64


def test_causal_mask_idiom_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    scores = rng.standard_normal((2, 4, 4)).astype(np.float32)
    results = []
    for lib in (dn, torch):
        mask = lib.tril(lib.ones(4, 4))
        s = lib.tensor(scores).masked_fill(mask == 0, float("-inf"))
        results.append(lib.softmax(s, dim=-1).detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


EQUATIONS = [
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bqd,bkd->bqk", [(2, 3, 4), (2, 5, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,j", [(3, 4), (4,)]),
    ("ij,jkl->ik", [(2, 3), (3, 4, 2)]),
    ("nc,nc->n", [(5, 3), (5, 3)]),
    ("ij,jk,k->i", [(2, 3), (3, 4), (4,)]),
    ("ij->", [(2, 3)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EQUATIONS)
def test_einsum_matches_pytorch_with_gradients(rng, equation, shapes):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [dn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    z, zt = dn.einsum(equation, *ours), torch.einsum(equation, *theirs)
    np.testing.assert_allclose(z.detach().numpy(), zt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (z * dn.tensor(np.cos(np.arange(z.numel())).reshape(z.shape))).sum().backward()
    (zt * torch.tensor(np.cos(np.arange(zt.numel())).reshape(zt.shape))).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.detach().numpy(), b.grad.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert dn.einsum(equation, *[dn.tensor(a.astype(np.float32)) for a in arrays]).dtype == dn.float32
    assert dn.einsum(equation, [dn.tensor(a) for a in arrays]).shape == tuple(zt.shape)  # one list, as PyTorch


def test_einsum_refuses_what_it_does_not_support():
    with pytest.raises(ValueError, match=r"ellipsis"):
        dn.einsum("...ij->...j", dn.ones(2, 3))
    with pytest.raises(ValueError, match=r"repeated"):
        dn.einsum("ii->i", dn.ones(3, 3))
    with pytest.raises(TypeError, match=r"equation must be a string"):
        dn.einsum(dn.ones(2), "i->i")
    with pytest.raises(ValueError, match=r"subscripts must be letters"):
        dn.einsum("i1->i", dn.ones(2, 3))


def test_outer_mv_mT_numel_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a, b, m = rng.standard_normal(3), rng.standard_normal(4), rng.standard_normal((3, 4))
    np.testing.assert_allclose(
        dn.outer(dn.tensor(a), dn.tensor(b)).detach().numpy(),
        torch.outer(torch.tensor(a), torch.tensor(b)).detach().numpy(),
    )
    np.testing.assert_allclose(
        dn.tensor(m).mv(dn.tensor(b)).detach().numpy(), torch.tensor(m).mv(torch.tensor(b)).detach().numpy()
    )
    assert dn.gradcheck(
        lambda x, y: dn.outer(x, y), (dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True))
    )
    assert dn.gradcheck(dn.mv, (dn.tensor(m, requires_grad=True), dn.tensor(b, requires_grad=True)))
    s = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(dn.tensor(s).mT.detach().numpy(), torch.tensor(s).mT.detach().numpy())
    assert dn.gradcheck(lambda x: x.mT, (dn.tensor(s, requires_grad=True),))
    assert dn.numel(dn.zeros(2, 3, 4)) == torch.numel(torch.zeros(2, 3, 4)) == 24
    assert dn.zeros(2, 3).nelement() == torch.zeros(2, 3).nelement() == 6
    with pytest.raises(ValueError, match=r"outer: expects two 1-D tensors"):
        dn.outer(dn.ones(2, 2), dn.ones(2))
    with pytest.raises(ValueError, match=r"mv: expects an \(n, m\) matrix"):
        dn.mv(dn.ones(2, 3), dn.ones(2))
    with pytest.raises(ValueError, match=r"mT: expects a tensor of at least 2 dimensions"):
        _ = dn.ones(3).mT
    with pytest.raises(ValueError, match=r"tril: input must have at least 2 dimensions"):
        dn.tril(dn.ones(3))
    with pytest.raises(ValueError, match=r"diagonal"):
        dn.triu(dn.ones(3, 3), 0.5)


def test_isclose_and_division_spellings_match_pytorch():
    torch = pytest.importorskip("torch")
    x, y = np.array([1.0, 2.0, np.nan, 4.0]), np.array([1.0 + 1e-9, 2.1, np.nan, 4.0])
    for kwargs in ({}, {"equal_nan": True}, {"atol": 0.2}):
        ours = dn.isclose(dn.tensor(x), dn.tensor(y), **kwargs)
        assert ours.dtype == dn.bool
        assert ours.tolist() == torch.isclose(torch.tensor(x), torch.tensor(y), **kwargs).tolist()
    for a, b in (([5, -7, 6], 2), ([5.5, -7.5, 6.0], 2.0), ([5, -7, 6], [2, 3, -4])):
        for mode in (None, "floor", "trunc"):
            ours = dn.div(dn.tensor(a), b if isinstance(b, int | float) else dn.tensor(b), rounding_mode=mode)
            theirs = torch.div(
                torch.tensor(a), b if isinstance(b, int | float) else torch.tensor(b), rounding_mode=mode
            )
            np.testing.assert_allclose(
                ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6
            )  # x * (1/y): within an ulp
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        ours = dn.true_divide(dn.tensor(a), 4)
        assert ours.tolist() == torch.true_divide(torch.tensor(a), 4).tolist() and ours.dtype == dn.float32


def test_rounded_division_has_a_zero_gradient_as_in_pytorch():
    x = dn.tensor([5.5, -7.5], requires_grad=True)
    dn.div(x, 2, rounding_mode="trunc").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_clip_is_clamp_at_the_top_level_as_in_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([-2.0, 0.5, 3.0])
    assert dn.clip(dn.tensor(data), -1, 1).tolist() == torch.clip(torch.tensor(data), -1, 1).tolist()
