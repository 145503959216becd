"""``Tensor.data`` is PyTorch's: a detached tensor sharing memory; ``Tensor.array`` is the NumPy array.

PyTorch programs write through ``.data`` (manual SGD, DCGAN's ``weights_init``, target-network
soft updates) and read through it (``output.data.max(1)[1]``); each idiom here has the result
written down, and, with torch installed, equals PyTorch's.
"""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


def test_data_is_a_detached_tensor_sharing_memory():
    p = nn.Parameter(dn.tensor([1.0, 2.0]))
    d = p.data
    assert type(d) is dn.Tensor  # not a Parameter, as in PyTorch
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.array, p.array)
    assert d.dtype == p.dtype and d.shape == p.shape


def test_array_is_the_numpy_array_itself():
    t = dn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(t.array, np.ndarray)
    assert t.array is t.array
    assert np.asarray(t) is t.array and t.numpy() is t.array


def test_writes_through_data_change_the_parameter():
    p = nn.Parameter(dn.tensor([1.0, 2.0]))
    p.grad = dn.tensor([10.0, 20.0])
    p.data.add_(p.grad, alpha=-0.1)  # the manual SGD step of PyTorch's tutorials
    np.testing.assert_array_equal(p.array, [0.0, 0.0])
    p.data.fill_(3.0)
    np.testing.assert_array_equal(p.array, [3.0, 3.0])
    p.data[1] = 5.0
    np.testing.assert_array_equal(p.array, [3.0, 5.0])
    p.data -= 1.0
    np.testing.assert_array_equal(p.array, [2.0, 4.0])
    assert p.requires_grad and p.is_leaf


def test_a_write_through_data_is_not_seen_by_autograd():
    """As in PyTorch, ``.data`` has a version counter of its own: a graph that saved the tensor
    runs backward with the new values instead of raising."""
    w = dn.tensor([2.0], requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(10)  # w.mul_(10) under no_grad would make backward raise
    assert w._version == 0
    y.backward()
    np.testing.assert_array_equal(w.grad.array, [40.0])  # 2 * 20: the saved w is the written memory


def test_assigning_data_replaces_the_memory():
    p = nn.Parameter(dn.zeros(2))
    new = dn.tensor([[1.0, 2.0, 3.0]], dtype=dn.float64)
    p.data = new
    assert p.shape == (1, 3) and p.dtype == dn.float64
    assert p.array is new.array and p.requires_grad
    p.array = np.array([7.0])  # a NumPy array is assigned as .array (.data takes tensors, as PyTorch's)
    np.testing.assert_array_equal(p.array, [7.0])


def test_assigning_data_to_a_saved_tensor_before_backward_is_refused():
    """PyTorch's backward reads a saved input's current values (``x.grad`` 10 here), deltanet's
    the array it saved (2): backward refuses instead of giving the old values' gradient."""
    x = dn.ones(3, requires_grad=True)
    z = (x * x).sum()
    x.data = dn.full((3,), 5.0)
    with pytest.raises(RuntimeError, match=r"Mul saved a tensor of shape \(3,\).*\.data = \.\.\..*copy_"):
        z.backward()


def test_assigning_data_where_no_saved_array_is_read_backpropagates():
    # assigned before the forward pass: the new values
    x = dn.ones(3, requires_grad=True)
    x.data = dn.full((3,), 5.0)
    (x * x).sum().backward()
    assert x.grad.tolist() == [10.0, 10.0, 10.0]
    # exp saves its output, not x (as PyTorch's): the gradient is e^1, PyTorch's too
    x = dn.ones(2, requires_grad=True)
    z = x.exp().sum()
    x.data = dn.full((2,), 5.0)
    z.backward()
    assert np.allclose(x.grad.array, np.e)
    # a detached tensor keeps the old memory: the function that saved it reads it rightly
    x = dn.ones(2, requires_grad=True)
    w = dn.ones(2, requires_grad=True)
    z = (x.detach() * w).sum()
    x.data = dn.full((2,), 5.0)
    z.backward()
    assert w.grad.tolist() == [1.0, 1.0]
    # new values written in place: the saved memory holds them, as in PyTorch (10)
    x = dn.ones(3, requires_grad=True)
    z = (x * x).sum()
    x.data.copy_(dn.full((3,), 5.0))
    z.backward()
    assert x.grad.tolist() == [10.0, 10.0, 10.0]


def test_reading_idioms_give_tensors_with_pytorch_semantics():
    output = dn.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]])
    np.testing.assert_array_equal(output.data.max(1)[1].array, [1, 0])  # argmax, not the 2nd row
    np.testing.assert_array_equal(output.data.max(1, keepdim=True)[1].array, [[1], [0]])
    x = dn.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.data.std().item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))  # unbiased, as PyTorch
    assert x.data.size(0) == 4
    np.testing.assert_array_equal(x.data.numpy(), [1, 2, 3, 4])


def test_module_initialisation_through_data():
    layer = nn.Linear(3, 2)
    layer.weight.data.normal_(0.0, 0.02, generator=np.random.default_rng(0))
    layer.bias.data.fill_(0.01)
    assert abs(layer.weight.array).max() < 0.1
    np.testing.assert_array_equal(layer.bias.array, np.full(2, 0.01, np.float32))
    nn.init.constant_(layer.weight.data, 0.5)
    np.testing.assert_array_equal(layer.weight.array, np.full((2, 3), 0.5, np.float32))


def test_idioms_equal_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    W0, x0, t0 = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    results = []
    for lib in (dn, torch):
        W = lib.tensor(W0.copy(), requires_grad=True)
        target = lib.tensor(W0.copy() * 0.5)
        x, t = lib.tensor(x0), lib.tensor(t0)
        for _ in range(3):
            loss = ((x @ W.T - t) ** 2).mean()
            if W.grad is not None:
                W.grad.data.zero_()
            loss.backward()
            W.data.add_(W.grad.data, alpha=-0.1)  # manual SGD
            target.data.copy_(0.9 * target.data + 0.1 * W.data)  # soft update of a target network
        scores = x @ W.T
        results.append(
            (
                np.array(W.detach().numpy()),
                np.array(target.numpy()),
                np.array(scores.data.max(1)[1].numpy()),
                float(loss.data.item()),
            )
        )
    ours, theirs = results
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    np.testing.assert_array_equal(ours[2], theirs[2])
    assert ours[3] == pytest.approx(theirs[3], rel=1e-12)
