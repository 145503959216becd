"""Gradients of ``inf`` and ``-inf`` that meet where the engine sums them (a leaf's ``.grad`` across
passes, two paths into one tensor in a pass, hooks, ``retain_grad``, ``autograd.grad``) give ``nan``
silently, and sums that overflow give ``inf``, as in PyTorch: no NumPy RuntimeWarning (which the
test suite, like any warnings-as-errors run, turns into an error). Also ``einsum``'s backward run
twice through a retained graph."""

import warnings

import numpy as np
import pytest

import deltanet as dn

INF = float("inf")
G = [[INF, INF], [-INF, -INF]]

PROGRAMS = {
    "leaf two paths": lambda L, x: (L.stack([x, x]).backward(L.tensor(G)), x.grad)[1],
    "hook": lambda L, x: (x.register_hook(lambda g: g), L.stack([x, x]).backward(L.tensor(G)), x.grad)[2],
    "autograd.grad": lambda L, x: L.autograd.grad(L.stack([x, x]), x, L.tensor(G))[0],
    "backward twice": lambda L, x: (x.backward(L.tensor([INF, INF])), x.backward(L.tensor([-INF, -INF])), x.grad)[2],
    "backward inputs": lambda L, x: (
        (x * 1).backward(L.tensor([INF, INF]), inputs=[x]),
        (x * 1).backward(L.tensor([-INF, -INF]), inputs=[x]),
        x.grad,
    )[2],
    "overflow": lambda L, x: (x.backward(L.tensor([3e38, 3e38])), x.backward(L.tensor([3e38, 3e38])), x.grad)[2],
}


def _retained(L, x):
    z = x * 1
    z.retain_grad()
    z.backward(L.tensor([INF, INF]), retain_graph=True)
    z.backward(L.tensor([-INF, -INF]))
    return z.grad


def _interior(L, x):
    z = x * 1  # one interior tensor reached by two paths
    L.stack([z, z]).backward(L.tensor(G))
    return x.grad


PROGRAMS["retain_grad twice"] = _retained
PROGRAMS["interior two paths"] = _interior


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_infinite_gradients_sum_silently(name):
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = PROGRAMS[name](dn, x)
    expected = [INF, INF] if name == "overflow" else [np.nan, np.nan]
    np.testing.assert_array_equal(grad.numpy(), np.array(expected, dtype=np.float32))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_infinite_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours = PROGRAMS[name](dn, dn.tensor([1.0, 2.0], requires_grad=True))
    theirs = PROGRAMS[name](torch, torch.tensor([1.0, 2.0], requires_grad=True))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("equation, shapes", [("i->", [(3,)]), ("i->", [(1,)]), ("ij,jk->ik", [(2, 3), (3, 4)])])
def test_einsum_backward_twice_through_a_retained_graph(equation, shapes):
    torch = pytest.importorskip("torch")
    grads = []
    for L in (torch, dn):
        xs = [L.tensor(np.arange(1.0, 1 + np.prod(s)).reshape(s), requires_grad=True) for s in shapes]
        y = L.einsum(equation, *xs).sum()
        y.backward(retain_graph=True)
        y.backward()
        grads.append([x.grad.numpy() for x in xs])
    for ours, theirs in zip(grads[1], grads[0], strict=True):
        np.testing.assert_array_equal(ours, theirs)
