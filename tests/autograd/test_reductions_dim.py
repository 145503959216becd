"""Reductions with PyTorch's ``dim=``/``keepdim=`` beside NumPy's ``axis=``/``keepdims=``: values,
gradients (gradcheck and PyTorch), ``max``/``min`` with ``(values, indices)``, ``var``/``std``
defaults, norms and the softmax family."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

X = np.array([[1.0, 5.0, 2.0], [7.0, 2.0, 7.0]])


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "prod"])
def test_dim_and_axis_spellings_agree(name):
    x = dn.tensor(X)
    reduce = getattr(x, name)
    ref = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min, "prod": np.prod}[name]
    for dim in (0, 1, -1):
        for keep in (False, True):
            expected = ref(X, axis=dim, keepdims=keep)
            np.testing.assert_allclose(reduce(dim=dim, keepdim=keep).data, expected)
            np.testing.assert_allclose(reduce(axis=dim, keepdims=keep).data, expected)
            np.testing.assert_allclose(reduce(dim, keep).data, expected)
    np.testing.assert_allclose(reduce().data, ref(X))
    with pytest.raises(ValueError, match=r"give dim or axis, not both"):
        reduce(dim=0, axis=0)
    with pytest.raises(ValueError, match=r"give keepdim or keepdims, not both"):
        reduce(dim=0, keepdim=True, keepdims=True)


def test_tuple_dims_and_bad_dims():
    x = dn.tensor(np.ones((2, 3, 4)))
    assert x.sum(dim=(0, 2)).tolist() == [8.0, 8.0, 8.0]
    assert x.mean(dim=[0, 1], keepdim=True).shape == (1, 1, 4)
    with pytest.raises(ValueError, match=r"dim must be an integer or a tuple of integers, got 1.5"):
        x.sum(dim=1.5)
    with pytest.raises(ValueError, match=r"keepdim must be True or False, got 1"):
        x.sum(0, 1)
    with pytest.raises(ValueError, match=r"prod: dim must be one axis"):
        x.prod(dim=(0, 1))


def test_sum_of_integers_and_bools_is_int64_and_mean_averages():
    assert dn.tensor([1, 2], dtype=dn.int32).sum().dtype == dn.int64
    assert dn.tensor([True, True, False]).sum().item() == 2
    assert dn.tensor([1, 2, 3, 4]).mean().item() == 2.5
    assert dn.tensor([1.0, 2.0]).sum(dtype=dn.float64).dtype == dn.float64


def test_max_and_min_follow_pytorch():
    x = dn.tensor(X)
    assert x.max().item() == 7.0 and x.min().item() == 1.0
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]  # the first maximum
    assert indices.dtype == dn.int64 and not indices.requires_grad
    result = dn.max(x, 1, keepdim=True)
    assert result.values.shape == (2, 1) and result.indices.tolist() == [[1], [0]]
    _, predicted = dn.max(x, 1)  # the idiom of many PyTorch scripts
    assert predicted.tolist() == [1, 0]
    assert x.min(dim=0).indices.tolist() == [0, 1, 0]
    assert x.max(axis=1).tolist() == [5.0, 7.0]  # NumPy's spelling: the values only
    assert x.max(dn.tensor([6.0, 0.0, 9.0])).tolist() == [[6.0, 5.0, 9.0], [7.0, 2.0, 9.0]]  # elementwise
    assert dn.min(x, dn.tensor(3.0)).tolist() == [[1.0, 3.0, 2.0], [3.0, 2.0, 3.0]]
    with pytest.raises(ValueError, match=r"max\(dim=...\) takes one axis"):
        x.max(dim=(0, 1))
    with pytest.raises(ValueError, match=r"reduction axis 0 of a tensor of shape \(0, 3\) is empty"):
        dn.zeros(0, 3).max(dim=0)
    with pytest.raises(IndexError, match=r"dimension out of range"):
        x.max(dim=2)


def test_max_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (dn, torch):
        per = []
        for reduce in (
            lambda t: t.max(),  # ties share
            lambda t: t.max(dim=1).values.sum(),  # to the index found
            lambda t: t.min(0)[0].sum(),
            lambda t: t.amax(dim=1).sum(),  # ties share
            lambda t: t.max(t * 0 + 7.0).sum(),  # elementwise: ties halve
        ):
            x = lib.tensor(X, requires_grad=True)
            reduce(x).backward()
            per.append(x.grad.numpy())
        grads.append(per)
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_argmax_and_argmin():
    x = dn.tensor(X)
    assert x.argmax().item() == 3 and x.argmin().item() == 0  # flat positions
    assert x.argmax(dim=1).tolist() == [1, 0] and x.argmax(1, keepdim=True).shape == (2, 1)
    assert dn.argmin(x, axis=0).tolist() == [0, 1, 0]
    assert x.argmax(dim=1).dtype == dn.int64
    with pytest.raises(ValueError, match=r"argmax\(\) of an empty tensor"):
        dn.zeros(0).argmax()


def test_var_and_std_use_the_unbiased_default_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    for call in (
        lambda t: t.var(),
        lambda t: t.var(dim=1),
        lambda t: t.var(0, False),
        lambda t: t.var(dim=1, unbiased=False, keepdim=True),
        lambda t: t.var(dim=1, correction=2),
        lambda t: t.std(),
        lambda t: t.std(dim=0, keepdim=True),
        lambda t: t.std(unbiased=False),
    ):
        results = []
        for lib in (dn, torch):
            x = lib.tensor(a, requires_grad=True)
            out = call(x)
            out.sum().backward()
            results.append((out.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)
    assert dn.tensor([1.0, 2.0, 3.0, 4.0]).var(axis=0).item() == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match=r"give unbiased or correction, not both"):
        dn.ones(3).var(unbiased=True, correction=1)


def test_var_with_too_few_values_is_nan_as_in_pytorch():
    assert np.isnan(dn.tensor([3.0]).var().item())


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, float("inf"), float("-inf"), 0])
def test_norms_match_pytorch(p):
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, -4.0, 0.5], [0.0, 0.0, 0.0]])
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        results = []
        for lib in (dn, torch):
            x = lib.tensor(a, requires_grad=True)
            out = x.norm(p=p, **kwargs)
            out.sum().backward()
            grad = np.zeros_like(a) if x.grad is None else x.grad.numpy()  # p=0: PyTorch leaves None
            results.append((out.detach().numpy(), grad))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, equal_nan=True)


def test_norm_errors():
    with pytest.raises(ValueError, match=r"norm: p must be 'fro' or a number, got 'nuc'"):
        dn.ones(2, 2).norm(p="nuc")
    with pytest.raises(ValueError, match=r"norm: p must be positive"):
        dn.ones(2).norm(p=-1)


def test_gradchecks(rng):
    x = t64(rng, (3, 4))
    for f in (
        lambda t: t.sum(dim=1, keepdim=True) * t,
        lambda t: t.mean(dim=(0, 1)),
        lambda t: t.prod(dim=1),
        lambda t: t.var(dim=0),
        lambda t: t.std(dim=1, correction=0),
        lambda t: t.norm(dim=1),
        lambda t: t.norm(p=3),
        lambda t: t.max(dim=1).values,
        lambda t: t.min(dim=0, keepdim=True)[0],
        lambda t: t.softmax(dim=1),
        lambda t: t.log_softmax(dim=0),
        lambda t: dn.logsumexp(t, dim=1),
    ):
        assert dn.gradcheck(f, [x])
    zeros = dn.tensor(np.array([[0.0, 2.0, 0.5], [0.0, 0.0, 3.0]]), requires_grad=True)
    assert dn.gradcheck(lambda t: t.prod(dim=1), [zeros])  # exact where elements are 0
    assert dn.gradcheck(lambda t: t.prod(), [t64(rng, (4,))])


def test_softmax_family_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((3, 5)) * 30  # large values: computed after subtracting the maximum
    for call in (
        lambda t: t.softmax(dim=1),
        lambda t: t.log_softmax(dim=0),
        lambda t: t.softmax(-1),
        lambda t: t.logsumexp(dim=1),
    ):
        results = []
        for lib in (dn, torch):
            x = lib.tensor(a, requires_grad=True)
            out = call(x)
            (out * lib.tensor(np.arange(out.numel()).reshape(out.shape) / 7.0)).sum().backward()
            results.append((out.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9, atol=1e-12)
    assert dn.tensor([[0.0, float("-inf")]]).softmax(dim=1).tolist() == [[1.0, 0.0]]
    with pytest.raises(ValueError, match=r"softmax: give the axis that holds the classes"):
        dn.ones(2, 3).softmax()


def test_float32_is_kept(rng):
    x = dn.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    for out in (x.sum(1), x.mean(0), x.var(1), x.std(), x.norm(), x.prod(1), x.softmax(1), x.max(dim=0).values):
        assert out.dtype == dn.float32
        out.sum().backward()
        assert x.grad.dtype == dn.float32
        x.grad = None


def test_cat_and_stack_take_dim():
    a, b = dn.ones(2, 3), dn.zeros(2, 3)
    assert dn.cat([a, b], dim=1).shape == (2, 6) and dn.cat((a, b), 0).shape == (4, 3)
    assert dn.cat([a, b], axis=-1).shape == (2, 6)
    assert dn.stack([a, b], dim=2).shape == (2, 3, 2) and dn.stack([a, b]).shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"cat: give dim or axis, not both"):
        dn.cat([a, b], dim=0, axis=0)
    with pytest.raises(ValueError, match=r"cat\(\) takes a sequence of tensors, got one tensor"):
        dn.cat(a)


EMPTY_DIM_REDUCTIONS = ["sum", "mean", "amax", "amin", "std", "var", "norm", "nansum", "nanmean", "count_nonzero"]


@pytest.mark.parametrize("name", EMPTY_DIM_REDUCTIONS)
@pytest.mark.parametrize("empty", [(), []])
def test_an_empty_dim_reduces_over_every_axis_as_in_pytorch(name, empty):
    # PyTorch reads dim=() as "every axis" (x.sum(()) is x.sum()), where NumPy's axis=() reduces over
    # none: keeping NumPy's meaning gave back the whole tensor, silently.
    x = dn.tensor(X)
    reduce = getattr(x, name)
    np.testing.assert_allclose(reduce(dim=empty).data, reduce().data)
    if name not in ("count_nonzero", "nansum", "nanmean"):
        assert reduce(dim=empty, keepdim=True).shape == (1, 1)
        np.testing.assert_allclose(reduce(axis=empty).data, reduce().data)


@pytest.mark.parametrize("name", EMPTY_DIM_REDUCTIONS)
def test_an_empty_dim_against_pytorch(name):
    torch = pytest.importorskip("torch")
    expected = getattr(torch.tensor(X), name)(dim=())
    got = getattr(dn.tensor(X), name)(dim=())
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got.data, expected.numpy())


def test_an_empty_dim_leaves_any_all_and_squeeze_alone_as_in_pytorch():
    x = dn.tensor([[1.5, 0.0, 3.0]])
    assert x.any(()).shape == x.all(()).shape == x.squeeze(()).shape == (1, 3)


def test_std_of_equal_values_sends_back_zero_not_nan():
    # sqrt'(0) is infinite and var' is 0 there: PyTorch takes the product as 0, and so does deltanet
    # (before, NaN reached every value of a constant slice, e.g. a flat patch of an image).
    x = dn.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.std(dim=1).sum().backward()
    assert x.grad[0].tolist() == [0.0, 0.0, 0.0] and np.isfinite(x.grad.data).all()
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x.data, requires_grad=True)
    xt.std(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-6)


def test_atan2_at_the_origin_has_gradient_zero_as_in_pytorch():
    y = dn.tensor([0.0, 1.0], requires_grad=True)
    x = dn.tensor([0.0, 1.0], requires_grad=True)
    dn.atan2(y, x).sum().backward()
    assert y.grad.tolist() == [0.0, 0.5] and x.grad.tolist() == [0.0, -0.5]
