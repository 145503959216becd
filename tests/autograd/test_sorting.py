"""``sort``, ``argsort``, ``topk``, ``flip`` and ``cumsum``: PyTorch's values and indices (a stable
order, NaN as the largest value), its gradients, and bad arguments refused by name."""

import numpy as np
import pytest

import deltanet as dn

RNG = np.random.default_rng(7)
ARRAYS = [
    np.array([3.0, 1.0, 3.0, np.nan, 2.0, np.nan, -np.inf, np.inf]),  # ties, NaN and infinities
    RNG.integers(0, 3, (4, 6)).astype(np.float64),  # many ties on both axes
    RNG.standard_normal((3, 4, 5)),
    RNG.integers(-3, 3, (3, 5)),  # int64
    RNG.integers(0, 4, (3, 5)).astype(np.uint8),  # unsigned: no negation trick may be used
    np.array([True, False, True, True]),
]


@pytest.mark.parametrize("a", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_match_pytorchs_stable_sort(a, descending):
    torch = pytest.importorskip("torch")
    for dim in range(-a.ndim, a.ndim):
        ours = dn.tensor(a).sort(dim=dim, descending=descending)
        theirs = torch.sort(torch.tensor(a), dim=dim, descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        assert ours.indices.dtype == dn.int64
        argsort = dn.argsort(dn.tensor(a), dim, descending)
        np.testing.assert_array_equal(argsort.numpy(), theirs.indices.numpy())


@pytest.mark.parametrize("a", ARRAYS[:5], ids=lambda a: f"{a.dtype}{a.shape}")
def test_topk_values_match_pytorch(a):
    torch = pytest.importorskip("torch")
    for dim in range(-a.ndim, a.ndim):
        for k in range(a.shape[dim] + 1):
            for largest in (True, False):
                ours = dn.tensor(a).topk(k, dim, largest)
                theirs = torch.tensor(a).topk(k, dim, largest)
                np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
                # Indices agree where the values are distinct (PyTorch leaves the order of ties open).
                picked = np.take_along_axis(a, ours.indices.numpy(), axis=dim)
                np.testing.assert_array_equal(picked, ours.values.numpy())


def test_topk_accuracy_idiom_and_ties_keep_their_order():
    output = dn.tensor([[0.1, 0.5, 0.2, 0.2], [0.9, 0.05, 0.03, 0.02]])
    target = dn.tensor([2, 0])
    _, pred = output.topk(2, 1, True, True)
    correct = pred.t().eq(target.view(1, -1).expand_as(pred.t()))
    assert pred.tolist() == [[1, 2], [0, 1]] and correct[:2].reshape(-1).float().sum(0).item() == 2.0
    assert dn.tensor([1.0, 1.0, 1.0]).topk(2).indices.tolist() == [0, 1]


def test_values_are_differentiable():
    x = dn.tensor(RNG.standard_normal((3, 5)), requires_grad=True)
    weights = dn.tensor(np.arange(5.0))
    assert dn.gradcheck(lambda t: t.sort(dim=1, descending=True).values * weights, [x])
    assert dn.gradcheck(lambda t: t.topk(2, dim=0, largest=False).values, [x])
    y = dn.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (y.sort().values * dn.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert y.grad.tolist() == [100.0, 1.0, 10.0]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: dn.tensor(3.0).sort(dim=1), IndexError, r"sort: dimension out of range"),  # 0-d: dim -1 or 0
        (lambda: dn.tensor(3.0).topk(2), ValueError, r"topk: k must be an integer in \[0, 1\], got 2"),
        (lambda: dn.ones(3).topk(4), ValueError, r"topk: k must be an integer in \[0, 3\], got 4"),
        (lambda: dn.ones(3).topk(1.5), ValueError, r"topk: k must be an integer in \[0, 3\], got 1.5"),
        (lambda: dn.ones(3).sort(descending="yes"), ValueError, r"sort: descending must be True or False"),
        (lambda: dn.ones(3).argsort(dim=2), IndexError, r"argsort: dimension out of range"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_flip_and_cumsum_match_pytorch():
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((2, 3, 4))
    for call in (
        lambda lib, t: lib.flip(t, [0, 2]),
        lambda lib, t: t.flip(-1),
        lambda lib, t: t.cumsum(1),
        lambda lib, t: lib.cumsum(t, dim=-1),
    ):
        results = []
        for lib in (dn, torch):
            t = lib.tensor(a, requires_grad=True)
            out = call(lib, t)
            (out * lib.tensor(a)).sum().backward()
            results.append((out.detach().numpy(), t.grad.numpy()))
        for ours, theirs in zip(*results, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    ints = dn.tensor([1, 2, 3])
    assert ints.cumsum(0).dtype == dn.int64 and dn.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert dn.ones(2, dtype=dn.float32).cumsum(0, dtype=dn.float64).dtype == dn.float64


def test_flip_is_a_copy_as_in_pytorch():
    x = dn.ones(3)
    x.flip(0).add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_flip_method_takes_the_axes_one_by_one_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    x, tx = dn.tensor(a), torch.tensor(a)
    for ours, theirs in [
        (x.flip(1, 2), tx.flip(1, 2)),
        (x.flip([0, 2]), tx.flip([0, 2])),
        (x.flip(-1), tx.flip(-1)),
        (x.flip(dims=(0,)), tx.flip(dims=(0,))),
        (dn.flip(x, dims=[2]), torch.flip(tx, dims=[2])),
    ]:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(TypeError, match=r"flip\(\) missing the axes"):
        x.flip()
    with pytest.raises(ValueError, match=r"flip: each axis may appear once"):
        x.flip(1, 1)


def test_clip_is_clamp():
    x = dn.tensor([-2.0, 0.5, 3.0])
    assert dn.clip(x, 0, 1).tolist() == x.clip(0, 1).tolist() == [0.0, 0.5, 1.0]
