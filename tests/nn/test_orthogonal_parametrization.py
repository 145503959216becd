"""``nn.utils.parametrizations.orthogonal``: orthogonal weights for every map, with and without the
trivialization, square, tall, wide and batched; assignment (``right_inverse``); float64
gradchecks; and weights and gradients equal to PyTorch's (after loading PyTorch's ``state_dict``,
whose ``base`` of a non-square weight PyTorch completes with its own random draws).
"""

import numpy as np
import pytest
from deltanet.nn.utils.parametrizations import orthogonal

import deltanet as dn

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(3, 3), (5, 3), (3, 5), (2, 4, 4)]


def _layer(shape, seed=0):
    rng = np.random.default_rng(seed)
    layer = dn.nn.Linear(shape[-1], shape[-2], dtype=np.float64)
    layer.weight = dn.nn.Parameter(dn.tensor(rng.standard_normal(shape)))
    return layer


def _orthogonality(W):
    W = W.detach().numpy()
    m, n = W.shape[-2:]
    return W.swapaxes(-1, -2) @ W if m >= n else W @ W.swapaxes(-1, -2)


@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_the_weight_is_orthogonal(orthogonal_map, shape, use_trivialization):
    layer = orthogonal(_layer(shape), orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    k = min(shape[-2:])
    np.testing.assert_allclose(
        _orthogonality(layer.weight), np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12
    )
    keys = set(layer.state_dict())
    assert ("parametrizations.weight.0.base" in keys) == use_trivialization


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5)])
def test_assigning_an_orthogonal_matrix_keeps_it(shape):
    Q = np.linalg.qr(np.random.default_rng(1).standard_normal((max(shape), min(shape))))[0]
    Q = Q if shape[0] >= shape[1] else Q.T
    for orthogonal_map in MAPS:
        layer = orthogonal(_layer(shape), orthogonal_map=orthogonal_map)
        layer.weight = dn.tensor(Q)
        np.testing.assert_allclose(layer.weight.detach().numpy(), Q, atol=1e-12)
    layer = orthogonal(_layer(shape), orthogonal_map="householder", use_trivialization=False)
    layer.weight = dn.tensor(Q)
    np.testing.assert_allclose(layer.weight.detach().numpy(), Q, atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_gradcheck_through_the_parametrization(orthogonal_map):
    layer = orthogonal(_layer((4, 3)), orthogonal_map=orthogonal_map)
    original = layer.parametrizations.weight.original
    original.array[...] += 0.1 * np.random.default_rng(2).standard_normal(original.shape)
    parametrization = layer.parametrizations.weight[0]
    assert dn.gradcheck(parametrization, [dn.tensor(original.array.copy(), requires_grad=True)])


@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_matches_pytorch(orthogonal_map, shape, use_trivialization):
    torch = pytest.importorskip("torch")
    ours = _layer(shape)
    theirs = torch.nn.Linear(shape[-1], shape[-2]).double()
    theirs.weight = torch.nn.Parameter(torch.tensor(ours.weight.detach().numpy()))
    theirs.bias = torch.nn.Parameter(torch.tensor(ours.bias.detach().numpy()))
    orthogonal(ours, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    torch.nn.utils.parametrizations.orthogonal(
        theirs, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
    )
    # The same weight from the same initial weight (a square base involves no random draws).
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-12)
    with torch.no_grad():  # move away from the starting point, then take PyTorch's state (its base)
        noise = np.random.default_rng(3).standard_normal(tuple(theirs.parametrizations.weight.original.shape))
        theirs.parametrizations.weight.original.add_(0.1 * torch.tensor(noise))
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(4).standard_normal((2, shape[-1]))
    if len(shape) == 2:
        y, ty = ours(dn.tensor(x)), theirs(torch.tensor(x))
    else:
        y, ty = ours.weight.sum(0), theirs.weight.sum(0)
    g = np.random.default_rng(5).standard_normal(tuple(ty.shape))
    (y * dn.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(
        ours.parametrizations.weight.original.grad.numpy(),
        theirs.parametrizations.weight.original.grad.numpy(),
        atol=1e-10,
    )


def test_bad_input_is_refused_as_pytorch():
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        orthogonal(dn.nn.LayerNorm(3))
    with pytest.raises(ValueError, match=r"has no parameter or buffer with name 'kernel'"):
        orthogonal(dn.nn.Linear(2, 2), name="kernel")
    layer = orthogonal(dn.nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match=r"not possible to assign to the matrix exponential or the Cayley"):
        layer.weight = dn.eye(3)
    layer = orthogonal(dn.nn.Linear(3, 3))
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape \(3, 3\)"):
        layer.weight = dn.eye(2)
