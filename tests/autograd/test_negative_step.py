"""A slice with a step below 1 raises PyTorch's ``ValueError`` (NumPy would reverse, so a program
relying on it would differ between the two libraries)."""

from __future__ import annotations

import pytest

import deltanet as dn


@pytest.mark.parametrize(
    "index",
    [
        slice(None, None, -1),
        slice(4, 0, -1),
        slice(None, None, -2),
        (slice(None), slice(None, None, -1)),
        (Ellipsis, slice(None, None, -1)),
    ],
)
def test_negative_steps_raise(index):
    x = dn.arange(6.0).reshape(2, 3) if isinstance(index, tuple) else dn.arange(5)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[index]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[index] = 0


def test_positive_steps_and_flip_still_work():
    x = dn.arange(5)
    assert x[::2].tolist() == [0, 2, 4]
    assert x.flip(0).tolist() == [4, 3, 2, 1, 0]


def test_torch_raises_the_same():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="step must be greater than zero"):
        torch.arange(5)[::-1]
