"""default_collate of NumPy scalars mixed with Python numbers: PyTorch's dtype (hunt7)."""

from __future__ import annotations

import numpy as np
import pytest

from deltanet.utils.data import default_collate

CASES = [
    ([np.float64(1.5), 2.5], np.float64),
    ([np.float32(1.5), 2.5], np.float32),  # a Python float counts as float32 (the default dtype)
    ([np.int32(1), 2], np.int64),  # a Python int counts as int64
    ([np.int64(1), 2.5], np.float32),
    ([np.float32(1), True], np.float32),
    ([np.int32(1), np.float32(2)], np.float32),
    ([np.int32(1), np.int32(2)], np.int32),
]


@pytest.mark.parametrize(("batch", "dtype"), CASES)
def test_dtype(batch, dtype):
    out = default_collate(batch)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, np.array(batch, dtype=np.float64))


@pytest.mark.parametrize(("batch", "dtype"), CASES)
def test_matches_torch(batch, dtype):
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.default_collate(batch)
    assert str(theirs.dtype).replace("torch.", "") == str(default_collate(batch).dtype)
