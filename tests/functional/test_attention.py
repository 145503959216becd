"""scaled_dot_product_attention: a NumPy reference, gradcheck in float64, PyTorch parity of every
option (masks, is_causal, scale, grouped-query heads, fully masked rows), and the errors."""

import math

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F


def t64(a, grad=True):
    return dn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def reference(q, k, v, bias):
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1]) + bias
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


def test_against_numpy_with_causal_mask():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 5))
    bias = np.where(np.tril(np.ones((3, 3), bool)), 0.0, -np.inf)
    out = F.scaled_dot_product_attention(t64(q), t64(k), t64(v), is_causal=True)
    np.testing.assert_allclose(out.array, reference(q, k, v, bias), rtol=1e-12)
    assert out.dtype == np.float64
    out32 = F.scaled_dot_product_attention(*(dn.tensor(a.astype(np.float32)) for a in (q, k, v)))
    assert out32.dtype == np.float32


@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float"])
def test_gradcheck(mask):
    rng = np.random.default_rng(1)
    q, k, v = (t64(rng.normal(size=(1, 2, 3, 2))) for _ in range(3))
    kwargs = {
        "none": {},
        "causal": {"is_causal": True},
        "bool": {"attn_mask": np.array([[True, False, True], [True, True, False], [False, True, True]])},
        "float": {"attn_mask": t64(rng.normal(size=(3, 3)))},
    }[mask]
    inputs = [q, k, v] + ([kwargs["attn_mask"]] if mask == "float" else [])

    def fn(q, k, v, *m):
        return F.scaled_dot_product_attention(q, k, v, **({"attn_mask": m[0]} if m else kwargs))

    assert dn.gradcheck(fn, inputs)


def test_fully_masked_row_gives_zeros_and_zero_gradient():
    rng = np.random.default_rng(2)
    q = t64(rng.normal(size=(3, 2)))
    keep = np.ones((3, 3), bool)
    keep[1] = False
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=keep)
    assert np.all(out.array[1] == 0) and np.isfinite(out.array).all()
    out.sum().backward()
    assert np.isfinite(q.grad.array).all()


@pytest.mark.parametrize("option", ["none", "causal", "causal_long_query", "bool", "float", "scale", "gqa", "full"])
def test_matches_pytorch(option):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    L = 5 if option == "causal_long_query" else 3
    q, k, v = rng.normal(size=(2, 2, L, 4)), rng.normal(size=(2, 2, 3, 4)), rng.normal(size=(2, 2, 3, 5))
    kwargs = {}
    if option in ("causal", "causal_long_query"):
        kwargs = {"is_causal": True}
    elif option == "bool":
        kwargs = {"attn_mask": rng.random((L, 3)) > 0.4}
    elif option == "float":
        kwargs = {"attn_mask": rng.normal(size=(2, 1, L, 3))}
    elif option == "scale":
        kwargs = {"scale": 0.3, "is_causal": True}
    elif option == "gqa":
        k, v = k[:, :1], v[:, :1]
        kwargs = {"enable_gqa": True}
    elif option == "full":
        keep = np.ones((L, 3), bool)
        keep[1] = False
        kwargs = {"attn_mask": keep}
    ours = [t64(a) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    t_kwargs = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    out = F.scaled_dot_product_attention(*ours, **kwargs)
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs, **t_kwargs)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out**2).sum().backward()
    (expected**2).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_errors():
    x = dn.tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"expected query \(..., L, E\), key \(..., S, E\)"):
        F.scaled_dot_product_attention(x, dn.tensor(np.ones((2, 3, 5))), x)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(2, 2\) does not fit"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((3, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="a float attn_mask must have the query's dtype float64, got float32"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.zeros((3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="dropout_p must be"):
        F.scaled_dot_product_attention(x, x, x, dropout_p=1.0)
    with pytest.raises(ValueError, match="query must be a floating-point tensor"):
        F.scaled_dot_product_attention(dn.tensor(np.ones((2, 3), dtype=np.int64)), x, x)
    q = dn.tensor(np.ones((1, 3, 2, 4)))
    with pytest.raises(ValueError, match="the key's 2 and the value's 2 heads must divide the query's 3"):
        F.scaled_dot_product_attention(
            q, dn.tensor(np.ones((1, 2, 2, 4))), dn.tensor(np.ones((1, 2, 2, 4))), enable_gqa=True
        )


def test_dropout_in_training_keeps_expectation_shape():
    x = dn.tensor(np.ones((1, 4, 2)))
    out = F.scaled_dot_product_attention(x, x, x, dropout_p=0.5)
    assert out.shape == (1, 4, 2)
    assert set(np.round(out.array.ravel(), 6)) <= {0.0, 0.5, 1.0, 1.5, 2.0}
