"""``bincount``, ``diag`` and ``index_put_``: the confusion-matrix and class-count idioms of
classification code, against NumPy, gradcheck in float64, PyTorch, and bad input refused."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn


# -- bincount ------------------------------------------------------------------------------------
def test_bincount_counts_like_numpy(rng):
    x = rng.integers(0, 5, 40)
    assert dn.bincount(dn.tensor(x)).tolist() == np.bincount(x).tolist()
    assert dn.bincount(dn.tensor(x), minlength=9).tolist() == np.bincount(x, minlength=9).tolist()
    assert dn.tensor(x).bincount().dtype == dn.int64
    assert dn.bincount(dn.tensor(x.astype(np.uint8))).dtype == dn.int64
    empty = dn.bincount(dn.tensor(np.zeros(0, np.int64)), minlength=3)
    assert empty.tolist() == [0, 0, 0] and dn.bincount(dn.tensor(np.zeros(0, np.int64))).shape == (0,)


def test_bincount_confusion_matrix():
    y, pred = dn.tensor([0, 1, 2, 2, 1]), dn.tensor([0, 2, 2, 1, 1])
    cm = dn.bincount(y * 3 + pred, minlength=9).reshape(3, 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 1, 1]]


def test_bincount_weights_keep_a_float_dtype_and_are_differentiable(rng):
    x = rng.integers(0, 4, 12)
    w = t64(rng, (12,))
    out = dn.bincount(dn.tensor(x), weights=w, minlength=6)
    np.testing.assert_allclose(out.data, np.bincount(x, weights=w.data, minlength=6), rtol=1e-14)
    assert dn.gradcheck(lambda w: dn.bincount(dn.tensor(x), weights=w, minlength=6), [w])
    assert dn.bincount(dn.tensor(x), weights=dn.ones(12)).dtype == dn.float32
    assert dn.bincount(dn.tensor(x), weights=dn.tensor(np.ones(12, np.int64))).dtype == dn.float64


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: dn.bincount(dn.tensor([1, -1])), ValueError, r"bincount: input must hold non-negative integers"),
        (lambda: dn.bincount(dn.tensor([1.0, 2.0])), ValueError, r"bincount: input must be a 1-D tensor of non-neg"),
        (lambda: dn.bincount(dn.tensor([[1, 2]])), ValueError, r"got shape \(1, 2\)"),
        (lambda: dn.bincount(dn.tensor([True])), ValueError, r"dtype bool"),
        (lambda: dn.bincount(dn.tensor([1, 2]), minlength=-1), ValueError, r"minlength must be >= 0"),
        (lambda: dn.bincount(dn.tensor([1, 2]), minlength=2.5), TypeError, r"minlength must be an integer"),
        (lambda: dn.bincount(dn.tensor([1, 2]), weights=dn.ones(3)), ValueError, r"weights must be 1-D with the len"),
    ],
)
def test_bincount_refuses_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# -- diag ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 1, -1, 2, -3, 5])
def test_diag_of_a_matrix_and_of_a_vector(rng, k):
    a = t64(rng, (3, 4))
    np.testing.assert_array_equal(dn.diag(a, k).data, np.diag(a.data, k))
    v = t64(rng, (3,))
    np.testing.assert_array_equal(v.diag(k).data, np.diag(v.data, k))
    assert dn.gradcheck(lambda a: dn.diag(a, k), [a])
    assert dn.gradcheck(lambda v: dn.diag(v, k), [v])


def test_diag_keeps_the_dtype_and_refuses_other_ranks():
    assert dn.diag(dn.tensor([[5, 1], [2, 7]])).tolist() == [5, 7]
    assert dn.diag(dn.tensor([[5, 1], [2, 7]])).dtype == dn.int64
    with pytest.raises(ValueError, match=r"diag: input must be 1-D or 2-D, got shape \(2, 2, 2\)"):
        dn.diag(dn.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        dn.diag(dn.tensor(3.0))
    with pytest.raises(ValueError, match=r"diag: diagonal must be an integer"):
        dn.diag(dn.zeros(2, 2), 1.0)


# -- index_put_ ----------------------------------------------------------------------------------
def test_index_put_accumulates_repeated_positions():
    y, pred = dn.tensor([0, 1, 1, 1]), dn.tensor([0, 1, 1, 0])
    cm = dn.zeros(2, 2, dtype=dn.long)
    assert cm.index_put_((y, pred), dn.ones(4, dtype=dn.long), accumulate=True) is cm
    assert cm.tolist() == [[1, 0], [1, 2]] and cm.dtype == dn.int64
    z = dn.zeros(3)
    assert z.index_put((dn.tensor([0, 0, 2]),), dn.tensor(1.0), accumulate=True).tolist() == [2.0, 0.0, 1.0]
    assert z.tolist() == [0.0, 0.0, 0.0]  # index_put copies first
    m = dn.zeros(2, 3)
    m.index_put_((dn.tensor([True, False]),), dn.tensor(5.0))
    assert m.tolist() == [[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]


def test_index_put_gradient(rng):
    x, v = t64(rng, (3, 4)), t64(rng, (5,))
    index = (np.array([0, 2, 0, 1, 0]), np.array([1, 3, 1, 0, 1]))

    def put(x, v, accumulate):
        y = x * 1
        y.index_put_(tuple(dn.tensor(i) for i in index), v, accumulate=accumulate)
        return y

    assert dn.gradcheck(lambda x, v: put(x, v, True), [x, v])
    distinct = (np.array([0, 2, 1]), np.array([1, 3, 0]))
    assert dn.gradcheck(
        lambda x, v: (lambda y: (y.index_put_(tuple(map(dn.tensor, distinct)), v[:3]), y)[1])(x * 1), [x, v]
    )


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: dn.zeros(2).index_put_(dn.tensor([0]), dn.tensor([1.0])), TypeError, r"indices must be a tuple"),
        (
            lambda: dn.zeros(2, dtype=dn.long).index_put_((dn.tensor([0]),), dn.tensor([1.5])),
            ValueError,
            r"float values cannot be stored in this tensor of dtype int64",
        ),
        (lambda: dn.zeros(2).index_put_((dn.tensor([0.0]),), dn.tensor(1.0)), ValueError, r"integer or bool"),
        (
            lambda: dn.zeros(2, requires_grad=True).index_put_((dn.tensor([0]),), dn.tensor(1.0), accumulate=True),
            RuntimeError,
            r"a leaf Variable that requires grad is being used in an in-place operation",
        ),
        (lambda: dn.zeros(2).index_put_((dn.tensor([0]),), 1.0, accumulate=1), ValueError, r"accumulate"),
    ],
)
def test_index_put_refuses_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.integers(0, 4, 20)
    w = rng.standard_normal(20).astype(np.float32)
    for lib in (dn, torch):
        assert lib.bincount(lib.tensor(x), minlength=6).tolist() == np.bincount(x, minlength=6).tolist()
    ours = dn.bincount(dn.tensor(x), weights=dn.tensor(w))
    theirs = torch.bincount(torch.tensor(x), weights=torch.tensor(w))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    a = rng.standard_normal((4, 3))
    for k in (0, 1, -2, 4):
        np.testing.assert_array_equal(dn.diag(dn.tensor(a), k).data, torch.diag(torch.tensor(a), k).numpy())
        np.testing.assert_array_equal(dn.diag(dn.tensor(a[0]), k).data, torch.diag(torch.tensor(a[0]), k).numpy())
    results = []
    for lib in (dn, torch):
        base = lib.tensor(a, requires_grad=True)
        values = lib.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        y = base * 2
        y.index_put_((lib.tensor([0, 0, 3]), lib.tensor([1, 1, 2])), values, accumulate=True)
        (y * lib.tensor(np.arange(12.0).reshape(4, 3))).sum().backward()
        results.append((y.detach().numpy(), base.grad.numpy(), values.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
