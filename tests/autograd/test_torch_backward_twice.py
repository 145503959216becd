"""A second ``backward()`` without ``retain_graph``: PyTorch's rule.

PyTorch frees what the functions of a graph saved for backward, not the graph: a second pass
through functions that saved nothing (sums, additions, reshapes, slices, ``cat``, ``mean``) works
and accumulates again; one that reaches a function that saved values raises "Trying to backward
through the graph a second time".
"""

import gc
import weakref

import numpy as np
import pytest

import deltanet as dn


def _xw():
    x = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = dn.tensor([0.5, 1.0, 2.0], requires_grad=True)
    return x, w


def test_sum_twice_accumulates():
    x, _ = _xw()
    y = x.sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.array, [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x, w: (x + w).sum(), [2.0, 2.0, 2.0]),
        (lambda x, w: x[1:].sum(), [0.0, 2.0, 2.0]),
        (lambda x, w: x.mean(), [2 / 3] * 3),
        (lambda x, w: dn.cat([x, w]).sum(), [2.0, 2.0, 2.0]),
        (lambda x, w: x.reshape(3, 1).expand(3, 2).sum(), [4.0, 4.0, 4.0]),
        (lambda x, w: x.sub(w, alpha=2).sum(), [2.0, 2.0, 2.0]),
        (lambda x, w: x.roll(1).sum(), [2.0, 2.0, 2.0]),
    ],
)
def test_graphs_that_saved_nothing_go_twice(build, expected):
    x, w = _xw()
    y = build(x, w)
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.array, expected, rtol=1e-6)


@pytest.mark.parametrize(
    "build",
    [
        lambda x, w: (x * w).sum(),
        lambda x, w: (x * 2).sum(),
        lambda x, w: x.exp().sum(),
        lambda x, w: x[dn.tensor([0, 2])].sum(),
        lambda x, w: x[[0, 1]].sum(),
        lambda x, w: dn.nn.functional.mse_loss(x, w),
    ],
)
def test_graphs_that_saved_values_raise(build):
    x, w = _xw()
    y = build(x, w)
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_goes_twice():
    x, w = _xw()
    y = (x * w).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.array, [1.0, 2.0, 4.0])


def test_autograd_grad_twice_through_a_sum():
    x, _ = _xw()
    y = (x + 1).sum()
    (g1,) = dn.autograd.grad(y, x)
    (g2,) = dn.autograd.grad(y, x)
    np.testing.assert_array_equal(g1.array, g2.array)


def test_freed_graph_holds_no_activations():
    x, _ = _xw()
    h = x.exp()
    y = (h + 1).sum()  # the addition saved nothing: it keeps an edge, not h
    ref = weakref.ref(h)
    del h
    y.backward()
    gc.collect()
    assert ref() is None
    with pytest.raises(RuntimeError, match="Exp saved values"):
        y.backward()


EXPRESSIONS = [
    "x.sum()",
    "(x * 2).sum()",
    "(x + 1).sum()",
    "(x + w).sum()",
    "(x * w).sum()",
    "x.mean()",
    "(-x).sum()",
    "x[0]",
    "x[1:].sum()",
    "x[t.tensor([0, 2])].sum()",
    "x[[0, 1]].sum()",
    "(x / 2).sum()",
    "x.relu().sum()",
    "t.cat([x, w]).sum()",
    "t.stack([x, x]).sum()",
    "x.expand(2, 3).sum()",
    "x.clone().sum()",
    "x.double().sum()",
    "x.cumsum(0).sum()",
    "x.flip(0).sum()",
    "x.roll(1).sum()",
    "x.repeat(2).sum()",
    "x.diag().sum()",
    "x.add(w, alpha=2).sum()",
    "x.sum() * 2",
    "t.where(t.tensor([True, False, True]), x, w).sum()",
    "x.index_select(0, t.tensor([0])).sum()",
    "x.split(1)[0].sum()",
    "t.nn.functional.pad(x, (1, 1)).sum()",
    "t.nn.functional.mse_loss(x, w)",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_second_backward_matches_torch(expression):
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = eval(expression, {"t": lib, "x": x, "w": w})
        y.backward()
        try:
            y.backward()
        except RuntimeError as e:
            assert "backward through the graph a second time" in str(e)
            return None
        return x.grad.detach().numpy().astype(np.float64)

    ours, theirs = run(dn), run(torch)
    assert (ours is None) == (theirs is None)
    if theirs is not None:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
