"""``unique``, ``bincount`` and ``count_nonzero``: PyTorch's values, dtypes and shapes on label maps;
bad arguments refused by name."""

import numpy as np
import pytest

import deltanet as dn

RNG = np.random.default_rng(4)
LABELS = RNG.integers(0, 4, size=(2, 5, 6))


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
        return
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "array", [LABELS, LABELS.astype(np.uint8), LABELS > 1, RNG.normal(size=7).round(1).astype(np.float32)]
)
@pytest.mark.parametrize("flags", [{}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}])
def test_unique_is_pytorchs(array, flags):
    torch = pytest.importorskip("torch")
    _same(dn.unique(dn.tensor(array), **flags), torch.unique(torch.from_numpy(array), **flags))
    _same(dn.tensor(array).unique(**flags), torch.from_numpy(array).unique(**flags))


def test_bincount_and_count_nonzero_are_pytorchs():
    torch = pytest.importorskip("torch")
    flat = LABELS.ravel()
    w32, w64 = RNG.uniform(size=flat.size).astype(np.float32), RNG.uniform(size=flat.size)
    cases = [
        (dn.bincount(dn.tensor(flat)), torch.bincount(torch.from_numpy(flat))),
        (dn.bincount(dn.tensor(flat), minlength=7), torch.bincount(torch.from_numpy(flat), minlength=7)),
        (dn.tensor(flat).bincount(dn.tensor(w32)), torch.from_numpy(flat).bincount(torch.from_numpy(w32))),
        (
            dn.bincount(dn.tensor(flat), weights=dn.tensor(w64)),
            torch.bincount(torch.from_numpy(flat), torch.from_numpy(w64)),
        ),
        (dn.bincount(dn.tensor(np.zeros(0, np.int64))), torch.bincount(torch.zeros(0, dtype=torch.int64))),
        (dn.count_nonzero(dn.tensor(LABELS)), torch.count_nonzero(torch.from_numpy(LABELS))),
        (
            dn.count_nonzero(dn.tensor(LABELS > 1), dim=(1, 2)),
            torch.count_nonzero(torch.from_numpy(LABELS > 1), dim=(1, 2)),
        ),
        (dn.tensor(LABELS).count_nonzero(dim=-1), torch.from_numpy(LABELS).count_nonzero(dim=-1)),
    ]
    for ours, theirs in cases:
        if ours.dtype.kind == "f":
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
        else:
            _same(ours, theirs)


def test_bad_arguments_are_refused():
    with pytest.raises(IndexError, match=r"count_nonzero"):  # an axis out of range, as PyTorch
        dn.count_nonzero(dn.tensor([1, 0]), dim=3)
