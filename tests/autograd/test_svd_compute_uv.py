"""``torch.svd(A, compute_uv=False)`` gives square zero matrices $U$ $(m, m)$ and $V$ $(n, n)$ as
PyTorch does, whatever ``some`` says."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (4, 2, 3), (4, 3, 2)])
@pytest.mark.parametrize("some", [True, False])
def test_zero_factors_are_square(shape, some):
    A = dn.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape))
    U, S, V = dn.svd(A, some=some, compute_uv=False)
    m, n = shape[-2:]
    assert U.shape == shape[:-2] + (m, m) and V.shape == shape[:-2] + (n, n)
    assert not U.numpy().any() and not V.numpy().any()
    assert U.dtype == V.dtype == dn.float64
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A.numpy(), compute_uv=False))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    for shape in [(3, 2), (2, 3), (4, 2, 3)]:
        for some in (True, False):
            a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
            ours = dn.svd(dn.tensor(a), some=some, compute_uv=False)
            theirs = torch.svd(torch.tensor(a), some=some, compute_uv=False)
            assert [tuple(r.shape) for r in ours] == [tuple(r.shape) for r in theirs]
