"""The activations beyond the seeds' (hard tanh ... tanhshrink, GLU, softmin) at the edges a user
meets: -0.0, values on the kinks, +-inf, NaN and huge inputs give PyTorch's values (the sign of
zero included) and gradients, without a NumPy warning; and float32 stays float32."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

NAMES = [
    "hardtanh",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "hardshrink",
    "softshrink",
    "rrelu",
    "celu",
    "selu",
    "mish",
    "logsigmoid",
    "softsign",
    "tanhshrink",
]
EDGES = [-0.0, 0.0, -4.0, -3.0, 3.0, -1e-30, 0.5, -0.5, 1.0, -1.0, np.inf, -np.inf, np.nan, 100.0, -100.0]
# Where PyTorch's gradient is NaN at +-inf (a composite formula) and deltanet's the limit, 0.
GRADIENT_AT_INF_DIFFERS = {"softsign"}
# PyTorch's softshrink gives -0.0 inside in float32 and +0.0 in float64; deltanet gives -0.0 in both.
ZERO_SIGN_DIFFERS = {("softshrink", np.float64)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_edge_values_equal_pytorch_without_warnings(name, dtype):
    torch = pytest.importorskip("torch")
    x = np.array(EDGES, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = dn.tensor(x, requires_grad=True)
        out = getattr(F, name)(ours)
        out.backward(dn.ones(*out.shape))
    theirs = torch.tensor(x, requires_grad=True)
    expected = getattr(torch.nn.functional, name)(theirs)
    expected.backward(torch.ones(expected.shape))
    assert out.dtype == dtype and ours.grad.dtype == dtype
    a, b = out.data, expected.detach().numpy()
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(a, b, rtol=2e-6 if dtype == np.float32 else 1e-12, atol=tiny * 8)
    zeros = (b == 0) & (np.abs(x) < 1)
    assert (name, dtype) in ZERO_SIGN_DIFFERS or np.array_equal(np.signbit(a[zeros]), np.signbit(b[zeros])), (
        "the sign of a zero differs"
    )
    finite = np.isfinite(x) if name in GRADIENT_AT_INF_DIFFERS else np.ones(x.shape, bool)
    # float32: PyTorch's composite softsign gradient cancels (1e-5 off at z = 100); deltanet's is 1 / (1 + |z|)^2
    rtol = 1e-5 if dtype == np.float32 else 1e-7  # PyTorch's hardsigmoid slope is float32(1/6) in float64 too
    np.testing.assert_allclose(ours.grad.data[finite], theirs.grad.numpy()[finite], rtol=rtol, atol=1e-30)


def test_glu_and_softmin_edges():
    torch = pytest.importorskip("torch")
    x = np.array([[-np.inf, 0.0, 1.0, np.inf], [1.0, 2.0, -np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = F.softmin(dn.tensor(x), dim=1).data
    np.testing.assert_allclose(ours, torch.softmax(-torch.tensor(x), dim=1).numpy(), equal_nan=True)
    y = np.random.default_rng(0).standard_normal((2, 6))
    np.testing.assert_allclose(F.glu(dn.tensor(y), dim=-1).data, torch.nn.functional.glu(torch.tensor(y)).numpy())
