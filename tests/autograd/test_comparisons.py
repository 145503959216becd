"""Comparisons and logic: elementwise bool tensors, identity hashing, truth values, ``dn.where``."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

A = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
B = np.array([2.0, 2.0, 2.0])

COMPARISONS = [
    (lambda a, b: a == b, np.equal, "eq"),
    (lambda a, b: a != b, np.not_equal, "ne"),
    (lambda a, b: a < b, np.less, "lt"),
    (lambda a, b: a <= b, np.less_equal, "le"),
    (lambda a, b: a > b, np.greater, "gt"),
    (lambda a, b: a >= b, np.greater_equal, "ge"),
]


@pytest.mark.parametrize("op, ref, name", COMPARISONS, ids=[c[2] for c in COMPARISONS])
def test_comparisons_are_elementwise_bool_tensors_without_history(op, ref, name):
    a = dn.tensor(A, requires_grad=True)
    for other in (dn.tensor(B), B, 2.0, 2):
        out = op(a, other)
        assert isinstance(out, dn.Tensor) and out.dtype == np.bool_
        assert not out.requires_grad and out.is_leaf
        np.testing.assert_array_equal(out.data, ref(A, B))
    np.testing.assert_array_equal(getattr(dn, name)(a, dn.tensor(B)).data, ref(A, B))
    np.testing.assert_array_equal(getattr(a, name)(2.0).data, ref(A, 2.0))


def test_reflected_comparisons_with_numbers_and_arrays():
    t = dn.tensor([1, 2, 3])
    assert (2 < t).tolist() == [False, False, True]
    assert (B == dn.tensor(B)).data.all()
    assert isinstance(B == dn.tensor(B), dn.Tensor)  # NumPy hands the comparison to the tensor


def test_comparison_with_unrelated_objects_is_identity():
    t = dn.tensor([1.0, 2.0])
    assert (t == None) is False  # noqa: E711 - the point of the test
    assert (t != "a") is True
    with pytest.raises(TypeError):
        t < "a"  # noqa: B015
    with pytest.raises(TypeError, match=r"eq: cannot compare a tensor with a str"):
        dn.eq(t, "a")


def test_accuracy_idiom():
    pred = dn.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = dn.tensor([1, 0, 0])
    assert (pred.argmax(dim=1) == y).float().mean().item() == pytest.approx(2 / 3)
    assert (pred.argmax(1) == y).sum().item() == 2


def test_hash_is_identity_so_tensors_stay_dictionary_keys():
    a, b = dn.tensor([1.0, 2.0]), dn.tensor([1.0, 2.0])
    assert hash(a) != hash(b) and len({a, b}) == 2
    state = {a: 1, b: 2}
    assert state[a] == 1 and state[b] == 2
    params = [a, b]
    assert a in params  # found by identity before any comparison
    with pytest.raises(ValueError, match=r"ambiguous"):
        b in params  # noqa: B015 - compared with a first, by value: PyTorch raises here too
    model = dn.nn.Linear(3, 2)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)  # the optimizer's own checks go by identity
    model(dn.ones(1, 3)).sum().backward()
    opt.step()
    opt.zero_grad()


def test_truth_value():
    assert bool(dn.tensor([1.0])) and not bool(dn.tensor(0))
    assert bool(dn.tensor([[2]]) == 2)
    for t in (dn.tensor([1.0, 2.0]), dn.zeros(0)):
        with pytest.raises(ValueError, match=r"truth value of a tensor with \d elements is ambiguous"):
            bool(t)
    x = dn.tensor(3.0)
    assert (x if x > 2 else None) is x


def test_logical_and_bitwise_operators():
    a, b = dn.tensor([True, True, False]), dn.tensor([True, False, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, False]
    assert (a ^ b).tolist() == [False, True, False]
    assert (~a).tolist() == [False, False, True]
    assert dn.logical_and(a, b).tolist() == (a & b).tolist()
    assert dn.logical_or(a, b).tolist() == (a | b).tolist()
    assert dn.logical_xor(a, b).tolist() == (a ^ b).tolist()
    assert dn.logical_not(a).tolist() == (~a).tolist()
    assert (dn.tensor([6]) & 3).tolist() == [2]  # integers: bitwise, as in PyTorch
    m = dn.tensor([True, False])
    m &= dn.tensor([False, False])
    assert m.tolist() == [False, False]
    with pytest.raises(TypeError):
        ~dn.tensor([1.0])


def test_any_all_isnan_isfinite_allclose_equal():
    t = dn.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert t.any().item() and not t.all().item()
    assert t.any(dim=1).tolist() == [True, False]
    assert dn.all(t == 0, axis=0, keepdims=True).tolist() == [[True, False]]
    x = dn.tensor([1.0, float("nan"), float("inf")])
    assert dn.isnan(x).tolist() == [False, True, False]
    assert dn.isfinite(x).tolist() == [True, False, False]
    assert dn.isinf(x).tolist() == [False, False, True]
    assert dn.allclose(dn.tensor([1.0]), dn.tensor([1.0 + 1e-7])) is True
    assert dn.allclose(dn.tensor([1.0]), dn.tensor([1.1])) is False
    assert dn.equal(dn.tensor([1, 2]), dn.tensor([1, 2])) and not dn.equal(dn.tensor([1]), dn.tensor([1, 1]))
    with pytest.raises(ValueError, match=r"give dim or axis, not both"):
        t.any(dim=0, axis=0)


def test_where_chooses_and_routes_the_gradient(rng):
    x, y = t64(rng, (2, 3)), t64(rng, (3,))
    cond = rng.random((2, 3)) > 0.5
    out = dn.where(dn.tensor(cond), x, y)
    np.testing.assert_array_equal(out.data, np.where(cond, x.data, y.data))
    assert dn.gradcheck(lambda a, b: dn.where(cond, a, b), [x, y])
    assert dn.gradcheck(lambda a: dn.where(a > 0, a, 0.0) * 2, [x])
    assert dn.where(dn.tensor([True, False]), 1.0, dn.tensor([5.0, 6.0])).tolist() == [1.0, 6.0]
    with pytest.raises(ValueError, match=r"where: condition must be a bool tensor, got dtype float64"):
        dn.where(dn.tensor(np.ones(2)), x, y)


def test_where_and_comparisons_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    results = []
    for lib in (dn, torch):
        x = lib.tensor(a, requires_grad=True)
        y = lib.tensor(b, requires_grad=True)
        out = lib.where(x > y, x * 2, y)
        (out * lib.tensor(a)).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy(), (x >= y).numpy(), (x == x).numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_where_with_the_condition_alone_gives_indices_as_nonzero_does():
    torch = pytest.importorskip("torch")
    m = np.array([[0, 3, 0], [5, 0, 7]])
    for ours, theirs in zip(dn.where(dn.tensor(m) > 0), torch.where(torch.tensor(m) > 0), strict=True):
        assert ours.dtype == dn.int64 and ours.tolist() == theirs.tolist()
    assert dn.tensor(m).nonzero().tolist() == torch.tensor(m).nonzero().tolist()
    assert dn.nonzero(dn.tensor([0.0, 1.0])).shape == (1, 1)
    x = dn.tensor(m)
    assert x[x.nonzero(as_tuple=True)].tolist() == [3, 5, 7]
    with pytest.raises(TypeError, match=r"where: give both input and other .*got only input"):
        dn.where(x > 0, x)
    with pytest.raises(ValueError, match=r"where: condition must be a bool tensor, got dtype int64"):
        dn.where(x)
