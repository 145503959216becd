"""`Tensor.type_as`: the dtype of another tensor, or of a tensor's `.data` (a NumPy array in deltanet).

The language-translation example of pytorch/examples writes `torch.ones(1, 1).type_as(src.data)`;
in deltanet `src.data` is the NumPy array, so `type_as` takes its dtype.
"""

import numpy as np
import pytest

import deltanet as dn


def test_type_as_takes_the_dtype_of_a_tensors_data():
    src = dn.tensor([[3, 1]])
    out = dn.ones(1, 1).type_as(src.data).fill_(7)
    assert out.dtype == np.int64 and out.tolist() == [[7]]


def test_type_as_takes_the_dtype_of_a_tensor():
    out = dn.ones(2).type_as(dn.zeros(1, dtype=dn.float64))
    assert out.dtype == np.float64 and out.tolist() == [1.0, 1.0]


def test_type_as_refuses_other_objects_with_a_type_error():
    with pytest.raises(TypeError, match="must be a Tensor, got list"):
        dn.ones(2).type_as([1, 2])


def test_type_as_of_data_matches_pytorch():
    torch = pytest.importorskip("torch")
    src_t = torch.tensor([[3, 1]])
    src_d = dn.tensor([[3, 1]])
    expected = torch.ones(1, 1).type_as(src_t.data).fill_(7)
    got = dn.ones(1, 1).type_as(src_d.data).fill_(7)
    assert str(expected.dtype) == f"torch.{got.dtype}" and got.tolist() == expected.tolist()
    with pytest.raises(TypeError):
        torch.ones(2).type_as([1, 2])
