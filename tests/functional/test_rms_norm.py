"""F.rms_norm and nn.RMSNorm: forward against NumPy and PyTorch, float64 gradcheck, dtypes, bad input."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn


def ref_rms_norm(x, dims, weight=None, eps=None):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    axes = tuple(range(x.ndim - dims, x.ndim))
    y = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


@pytest.mark.parametrize(("shape", "normalized"), [((2, 5), 5), ((3, 2, 4), (2, 4)), ((4,), 4), ((0, 3), 3)])
def test_forward_matches_numpy_and_gradcheck(shape, normalized):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    dims = 1 if isinstance(normalized, int) else len(normalized)
    w = rng.standard_normal(shape[len(shape) - dims :])
    np.testing.assert_allclose(
        F.rms_norm(dn.tensor(x), normalized, dn.tensor(w), 1e-5).data, ref_rms_norm(x, dims, w, 1e-5)
    )
    np.testing.assert_allclose(F.rms_norm(dn.tensor(x), normalized).data, ref_rms_norm(x, dims))
    if x.size:
        assert dn.gradcheck(
            lambda a, b: F.rms_norm(a, normalized, b, 1e-3),
            [dn.tensor(x, requires_grad=True), dn.tensor(w, requires_grad=True)],
        )
        assert dn.gradcheck(lambda a: F.rms_norm(a, normalized), [dn.tensor(x, requires_grad=True)])


def test_float32_kept_and_non_contiguous_input():
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    y = F.rms_norm(dn.tensor(x, requires_grad=True), 4)
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_allclose(F.rms_norm(dn.tensor(x.T), 6).data, F.rms_norm(dn.tensor(x.T.copy()), 6).data)


def test_layer_state_repr_and_eval_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 4))
    for kwargs in [{}, {"eps": 1e-3}, {"elementwise_affine": False}]:
        ours, theirs = nn.RMSNorm((2, 4), **kwargs, dtype=np.float64), torch.nn.RMSNorm((2, 4), **kwargs).double()
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        if ours.weight is not None:
            w = rng.standard_normal((2, 4))
            ours.weight.data[...] = w
            with torch.no_grad():
                theirs.weight.copy_(torch.from_numpy(w))
        a, t = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours(a).pow(3).sum().backward()
        theirs(t).pow(3).sum().backward()
        np.testing.assert_allclose(ours(a).data, theirs(t).detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
        if ours.weight is not None:
            np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10)
    # eps=None is the machine epsilon of the input's dtype, float32 included.
    x32 = np.full((1, 3), 1e-4, dtype=np.float32)
    np.testing.assert_allclose(
        F.rms_norm(dn.tensor(x32), (3,)).data, torch.nn.functional.rms_norm(torch.tensor(x32), (3,)).numpy(), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: F.rms_norm(dn.tensor(np.ones((2, 3))), 4),
            r"rms_norm: expected an input whose last axes are normalized_shape=\(4,\)",
        ),
        (
            lambda: F.rms_norm(dn.tensor(np.ones((2, 3))), 3, dn.tensor(np.ones(2))),
            r"rms_norm: weight must have shape \(3,\)",
        ),
        (lambda: F.rms_norm(dn.tensor(np.ones((2, 3))), 3, eps=-1.0), r"rms_norm: eps must be a number >= 0"),
        (lambda: F.rms_norm(dn.tensor([1, 2]), 2), r"rms_norm: expected a floating-point input"),
        (lambda: nn.RMSNorm(0), r"RMSNorm: normalized_shape must be a positive integer"),
        (lambda: nn.RMSNorm(3, eps="small"), r"RMSNorm: eps must be a number"),
        (lambda: nn.RMSNorm(3, elementwise_affine=1), r"RMSNorm: elementwise_affine must be"),
    ],
)
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
