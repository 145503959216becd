"""nn.init.dirac_ and nn.init.sparse_: PyTorch's values and rules."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


@pytest.mark.parametrize(
    ("shape", "groups"), [((4, 2, 3), 2), ((3, 3, 3, 3), 1), ((4, 2, 1, 3, 3), 2), ((2, 4, 3, 2), 1)]
)
def test_dirac_as_torch_and_an_identity_convolution(shape, groups):
    w = nn.init.dirac_(nn.Parameter(np.ones(shape)), groups)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(w.data, torch.nn.init.dirac_(torch.ones(shape), groups).numpy())


def test_dirac_conv_copies_its_input():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = dn.tensor(np.random.default_rng(0).standard_normal((1, 3, 4, 4)).astype(np.float32))
    np.testing.assert_allclose(conv(x).data, x.data, rtol=1e-6)


def test_sparse_zeros_per_column_and_std():
    w = nn.init.sparse_(nn.Parameter(np.zeros((200, 50))), sparsity=0.1, std=0.5, generator=0).data
    assert ((w == 0).sum(axis=0) == 20).all()
    assert abs(w[w != 0].std() - 0.5) < 0.02
    again = nn.init.sparse_(nn.Parameter(np.zeros((200, 50))), sparsity=0.1, std=0.5, generator=0).data
    np.testing.assert_array_equal(w, again)
    torch = pytest.importorskip("torch")
    t = torch.nn.init.sparse_(torch.zeros(200, 50), 0.1, 0.5)
    assert ((t == 0).sum(0) == 20).all()


def test_fills_a_data_array_in_place():
    p = nn.Parameter(np.zeros((2, 2, 1)))
    nn.init.dirac_(p.data)
    assert p.data[:, :, 0].tolist() == [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: nn.init.dirac_(nn.Parameter(np.zeros((2, 2)))), r"dirac_: only tensors with 3, 4, or 5 dimensions"),
        (lambda: nn.init.dirac_(nn.Parameter(np.zeros((3, 2, 3))), 2), r"dirac_: dim 0 must be divisible by groups"),
        (lambda: nn.init.sparse_(nn.Parameter(np.zeros((2, 2, 2))), 0.5), r"sparse_: only tensors with 2 dimensions"),
        (lambda: nn.init.sparse_(nn.Parameter(np.zeros((2, 2))), 1.5), r"sparse_: sparsity must be a number"),
        (lambda: nn.init.sparse_([1.0], 0.5), r"sparse_: expected a Tensor or Parameter to fill, got list"),
    ],
)
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
