"""An integer tensor beside a float one: true division and ``clamp`` with a float bound give a
float result (never an error from ``int ** -1``, never float64 where PyTorch gives float32)."""

import numpy as np
import pytest

import deltanet as dn


def test_float_tensor_divided_by_integer_tensor():
    counts = dn.tensor([1, 2, 4])
    assert (dn.ones(3) / counts).tolist() == [1.0, 0.5, 0.25]
    assert (counts / dn.ones(3)).tolist() == [1.0, 2.0, 4.0]
    assert (dn.ones(3, dtype=dn.float64) / counts).dtype == dn.float64
    small = dn.tensor(np.array([1, 2, 4], dtype=np.int8))
    assert (dn.ones(3) / small).dtype == dn.float32
    assert (dn.ones(3) / counts).dtype == dn.float32  # PyTorch's promotion: the float operand's dtype
    x = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x / counts).sum().backward()
    assert x.grad.tolist() == [1.0, 0.5, 0.25]


def test_clamp_of_an_integer_tensor_with_a_float_bound_is_float32():
    s = dn.tensor([1, 2, 3])
    assert s.clamp(min=1.5).dtype == dn.float32 and s.clamp(min=1.5).tolist() == [1.5, 2.0, 3.0]
    assert dn.clamp(s, 0.5, 2).dtype == dn.float32 and s.clamp(max=2.0).tolist() == [1.0, 2.0, 2.0]
    assert s.clamp(min=2).dtype == dn.int64 and s.clamp(min=2).tolist() == [2, 2, 3]


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    for call in (lambda lib: lib.ones(3) / lib.tensor([1, 2, 4]), lambda lib: lib.tensor([1, 2, 4]) / lib.ones(3)):
        ours, theirs = call(dn), call(torch)
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    calls = [
        lambda lib: lib.tensor([1, 2, 3]).clamp(min=1.5),
        lambda lib: lib.tensor([1, 2, 3]).clamp(max=2.0),
        lambda lib: lib.tensor([1, 2, 3]).clamp(min=2),
    ]
    for call in calls:
        ours, theirs = call(dn), call(torch)
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
