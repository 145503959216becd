"""Shape methods with PyTorch's names and semantics: values against NumPy and PyTorch, gradients by
gradcheck, which results are views, and the errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

A = np.arange(24.0).reshape(2, 3, 4)

# (name, our call, PyTorch's call): the same expression in both libraries.
CASES = [
    ("view", lambda t: t.view(6, 4), None),
    ("view -1", lambda t: t.view(t.size(0), -1), None),
    ("view tuple", lambda t: t.view((4, 6)), None),
    ("view_as", lambda t: t.view_as(t.reshape(4, 6)), None),
    ("reshape", lambda t: t.reshape(3, -1), None),
    ("flatten", lambda t: t.flatten(), None),
    ("flatten 1", lambda t: t.flatten(1), None),
    ("flatten 0..1", lambda t: t.flatten(0, 1), None),
    ("unsqueeze", lambda t: t.unsqueeze(1), None),
    ("unsqueeze -1", lambda t: t.unsqueeze(-1), None),
    ("squeeze", lambda t: t[:, :1].squeeze(), None),
    ("squeeze dim", lambda t: t[:1].squeeze(0), None),
    ("squeeze other dim", lambda t: t.squeeze(1), None),
    ("permute", lambda t: t.permute(2, 0, 1), None),
    ("permute tuple", lambda t: t.permute((1, 2, 0)), None),
    ("transpose", lambda t: t.transpose(0, 2), None),
    ("transpose 2-D", lambda t: t[0].transpose(0, 1), None),
    ("t", lambda t: t[0].t(), None),
    ("T", lambda t: t[0].T, None),
    ("expand", lambda t: t[:, :1].expand(2, 5, 4), None),
    ("expand new axis", lambda t: t[0, 0].expand(3, -1), None),
    ("expand_as", lambda t: t[:1].expand_as(t), None),
    ("repeat", lambda t: t[0].repeat(2, 1), None),
    ("repeat new axes", lambda t: t[0, 0].repeat(2, 1, 3), None),
    ("contiguous", lambda t: t.transpose(0, 1).contiguous(), None),
    ("clone", lambda t: t.clone(), None),
    ("index_select", lambda t, lib: t.index_select(1, lib.tensor([2, 0, 2])), True),
    ("gather", lambda t, lib: t.gather(2, lib.tensor(np.array([[[0, 3], [1, 1], [2, 0]]] * 2))), True),
    ("gather smaller", lambda t, lib: t.gather(0, lib.tensor(np.array([[[1, 0]]]))), True),
    ("masked_fill", lambda t: t.masked_fill(t > 10, -1.0), None),
    ("type_as", lambda t, lib: t.type_as(lib.ones(1, dtype=lib.float32)), True),
    ("bool index", lambda t, lib: t[lib.tensor(A > 11.5)], True),
    ("int index", lambda t, lib: t[lib.tensor([1, 0, 1])], True),
    ("int tensor at an axis", lambda t, lib: t[:, lib.tensor([2, 2])], True),
    ("integer index", lambda t: t[1, 2, 3], None),
]


def _call(case, t, lib):
    _, fn, needs_lib = case
    return fn(t, lib) if needs_lib else fn(t)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_pytorch(case):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (dn, torch):
        x = lib.tensor(A, requires_grad=True)
        out = _call(case, x, lib)
        if out.dtype == lib.float64:
            weights = lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))
            (out * weights).sum().backward()
        results.append((out.detach().numpy(), None if x.grad is None else x.grad.numpy(), tuple(out.shape)))
    (ours, g_ours, s_ours), (theirs, g_theirs, s_theirs) = results
    assert s_ours == s_theirs
    np.testing.assert_array_equal(ours, theirs)
    if g_theirs is not None:
        np.testing.assert_array_equal(g_ours, g_theirs)


DIFFERENTIABLE = [c for c in CASES if c[0] != "type_as"]


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradcheck(rng, case):
    x = t64(rng, A.shape)
    assert dn.gradcheck(lambda t: _call(case, t, dn), [x])


def test_size_numel_dim():
    x = dn.zeros(4, 2, 3)
    assert x.size() == (4, 2, 3) and x.size(0) == 4 and x.size(-1) == 3
    assert x.size == 24  # NumPy's meaning of the attribute is kept
    assert x.numel() == 24 and x.dim() == x.ndim == x.ndimension() == 3
    with pytest.raises(IndexError, match=r"dim 3 is out of range for a tensor of 3 dimensions"):
        x.size(3)


VIEWS = {
    "basic index": lambda t: t[0],
    "integer index": lambda t: t[0, 1, 2],
    "slice": lambda t: t[:, 1:],
    "view": lambda t: t.view(-1),
    "reshape": lambda t: t.reshape(6, 4),
    "permute": lambda t: t.permute(1, 0, 2),
    "transpose": lambda t: t.transpose(0, 1),
    "squeeze": lambda t: t[:1].squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "flatten": lambda t: t.flatten(1),
    "chunk": lambda t: t.chunk(2, dim=2)[1],
    "split": lambda t: t.split([1, 2], dim=1)[1],
    "unbind": lambda t: t.unbind(1)[0],
    "detach": lambda t: t.detach(),
    "contiguous (already)": lambda t: t.contiguous(),
    "float (already)": lambda t: t.float(),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_memory_as_in_pytorch(name):
    x = dn.zeros(2, 3, 4)
    v = VIEWS[name](x)
    v.fill_(7.0)  # writes through to x
    assert (x == 7.0).any().item(), name
    assert v._version == x._version == 1


def test_view_refuses_what_needs_a_copy():
    x = dn.zeros(2, 3).t()
    with pytest.raises(ValueError, match=r"view\(\): .* cannot be viewed as \(6,\) without a copy.*use reshape"):
        x.view(6)
    assert x.reshape(6).shape == (6,)
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) to \(4,\)"):
        dn.zeros(2, 3).view(4)


def test_chunk_and_split_follow_pytorch():
    torch = pytest.importorskip("torch")
    for args in ((3,), (4,), (2, 1), (6,)):
        ours = [c.shape for c in dn.zeros(5, 3).chunk(*args)]
        theirs = [tuple(c.shape) for c in torch.zeros(5, 3).chunk(*args)]
        assert ours == theirs, args
    for args in ((2,), ([1, 4],), (2, 1), ([3, 0, 2],)):
        ours = [c.shape for c in dn.zeros(5, 3).split(*args)] if args != (2, 1) else []
        theirs = [tuple(c.shape) for c in torch.zeros(5, 3).split(*args)] if args != (2, 1) else []
        assert ours == theirs, args
    assert [c.shape for c in dn.zeros(5, 3).split(2, dim=1)] == [(5, 2), (5, 1)]
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] must be non-negative and sum to 5"):
        dn.zeros(5).split([1, 1])
    with pytest.raises(ValueError, match=r"chunk: chunks must be a positive integer, got 0"):
        dn.zeros(5).chunk(0)


def test_shape_errors():
    x = dn.zeros(2, 3)
    with pytest.raises(ValueError, match=r"permute: dims must be a permutation of the 2 axes, got \(0, 0\)"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match=r"unsqueeze: dimension out of range"):
        x.unsqueeze(4)
    with pytest.raises(ValueError, match=r"expand: size 4 does not match axis 1 of size 3"):
        x.expand(2, 4)
    with pytest.raises(ValueError, match=r"repeat: needs at least 2 non-negative counts"):
        x.repeat(2)
    with pytest.raises(ValueError, match=r"t\(\) expects a tensor of at most 2 dimensions"):
        dn.zeros(2, 2, 2).t()
    with pytest.raises(ValueError, match=r"flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(ValueError, match=r"gather: index must be an integer tensor with 2 axes"):
        x.gather(0, dn.tensor([0]))
    with pytest.raises(ValueError, match=r"index_select: index must be a 1-D integer tensor"):
        x.index_select(0, dn.tensor([[0]]))
    with pytest.raises(ValueError, match=r"masked_fill: mask must be a bool tensor"):
        x.masked_fill(dn.ones(2, 3), 0.0)


def test_iteration_and_len():
    x = dn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(x) == 2 and [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * rows[1]).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0], [1.0, 2.0]]
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(dn.tensor(1.0))
    with pytest.raises(TypeError, match=r"iteration over a 0-d tensor"):
        iter(dn.tensor(1.0))
    assert 3.0 in x and 5.0 not in x
