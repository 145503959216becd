"""``randint(high, size=...)`` counts from 0, and bounds outside the dtype raise as in PyTorch
(``randint(0, 300, dtype=uint8)`` wrapped the values)."""

from __future__ import annotations

import pytest

import deltanet as dn


def test_high_with_size_keyword():
    x = dn.randint(5, size=(200,), generator=0)
    assert x.shape == (200,) and x.dtype == dn.int64
    assert 0 <= x.min().item() and x.max().item() < 5


@pytest.mark.parametrize(
    ("low", "high", "dtype", "message"),
    [
        (0, 300, dn.uint8, "to - 1 is out of bounds"),
        (-1, 3, dn.uint8, "from is out of bounds"),
        (-200, 0, dn.int8, "from is out of bounds"),
        (0, 3, dn.bool, "to - 1 is out of bounds"),
    ],
)
def test_bounds_outside_the_dtype_raise(low, high, dtype, message):
    with pytest.raises(RuntimeError, match=message):
        dn.randint(low, high, (3,), dtype=dtype)


def test_bounds_at_the_edges_of_the_dtype():
    x = dn.randint(0, 256, (500,), dtype=dn.uint8, generator=1)
    assert x.dtype == dn.uint8 and x.max().item() <= 255
    assert set(dn.randint(0, 2, (100,), dtype=dn.bool, generator=1).tolist()) == {False, True}


def test_same_errors_as_torch():
    torch = pytest.importorskip("torch")
    for low, high, dtype in [(0, 300, "uint8"), (-1, 3, "uint8"), (0, 256, "uint8"), (-128, 128, "int8")]:
        outcomes = []
        for lib in (torch, dn):
            try:
                lib.randint(low, high, (3,), dtype=getattr(lib, dtype))
                outcomes.append(None)
            except RuntimeError:
                outcomes.append(RuntimeError)
        assert outcomes[0] == outcomes[1], (low, high, dtype)
