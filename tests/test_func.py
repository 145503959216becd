"""torch.func's names: functional_call, grad, grad_and_value, jacrev, vmap (PyTorch's values)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.func import functional_call, grad, grad_and_value, jacrev, vmap


def _linear():
    dn.manual_seed(0)
    return dn.nn.Linear(3, 2)


def test_functional_call_replaces_for_one_call_only():
    m = _linear()
    weight, bias = m.weight, m.bias
    x = dn.ones(4, 3)
    out = functional_call(m, {"weight": dn.zeros(2, 3)}, (x,))
    np.testing.assert_array_equal(out.detach().numpy(), np.broadcast_to(bias.data, (4, 2)))
    assert m.weight is weight and m._parameters["weight"] is weight and m.bias is bias
    both = functional_call(m, ({"weight": dn.zeros(2, 3)}, {"bias": dn.ones(2)}), x)  # a single arg
    assert both.tolist() == [[1.0, 1.0]] * 4


def test_functional_call_restores_when_the_call_raises():
    m = _linear()
    weight = m.weight
    with pytest.raises(ValueError):
        functional_call(m, {"weight": dn.zeros(2, 3)}, (dn.ones(4, 5),))
    assert m.weight is weight


def test_functional_call_refusals():
    m = _linear()
    with pytest.raises(ValueError, match=r"\['weight'\] appeared in multiple dictionaries"):
        functional_call(m, ({"weight": dn.zeros(2, 3)}, {"weight": dn.ones(2, 3)}), dn.ones(1, 3))
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        functional_call(m, {"weight": dn.zeros(2, 3)}, dn.ones(1, 3), strict=True)


def test_functional_call_ties_weights():
    m = dn.nn.Sequential(dn.nn.Linear(2, 2, bias=False), dn.nn.Linear(2, 2, bias=False))
    m[1].weight = m[0].weight
    out = functional_call(m, {"0.weight": dn.eye(2) * 2}, dn.ones(1, 2))
    assert out.tolist() == [[4.0, 4.0]]  # both layers took the replacement


def test_grad_and_its_options():
    assert grad(lambda w: (w**3).sum())(dn.tensor([1.0, 2.0])).tolist() == [3.0, 12.0]
    ga, gb = grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0]))
    assert (ga.tolist(), gb.tolist()) == ([3.0, 4.0], [1.0, 2.0])
    g, aux = grad(lambda a: ((a**2).sum(), a * 2), has_aux=True)(dn.tensor([1.0, 2.0]))
    assert g.tolist() == [2.0, 4.0] and aux.tolist() == [2.0, 4.0] and aux.grad_fn is None
    g, (value, aux) = grad_and_value(lambda a: ((a**2).sum(), a), has_aux=True)(dn.tensor([1.0, 2.0]))
    assert value.item() == 5.0
    unused = grad(lambda a, b: a.sum(), argnums=1)(dn.ones(2), dn.ones(3))
    assert unused.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 1 dims"):
        grad(lambda a: a**2)(dn.tensor([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="grad inside grad or jacrev"):
        grad(grad(lambda a: (a**3).sum()))(dn.tensor([1.0, 2.0]))


def test_per_sample_gradients_with_vmap_of_grad_of_functional_call():
    m = _linear()
    params = {k: v.detach() for k, v in m.named_parameters()}
    X = dn.tensor(np.arange(12.0).reshape(4, 3) / 10, dtype=dn.float32)
    y = dn.tensor([0, 1, 1, 0])

    def loss(p, x, t):
        return dn.nn.functional.cross_entropy(functional_call(m, p, (x.unsqueeze(0),)), t.unsqueeze(0))

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, X, y)
    assert per_sample["weight"].shape == (4, 2, 3)
    for i in range(4):  # each equals the gradient of that sample alone
        m.zero_grad()
        loss({k: v for k, v in m.named_parameters()}, X[i], y[i]).backward()
        np.testing.assert_allclose(per_sample["weight"][i].detach().numpy(), m.weight.grad.detach().numpy(), rtol=1e-6)


def test_vmap_dims_and_refusals():
    assert vmap(dn.dot)(dn.ones(3, 2), dn.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]
    out = vmap(lambda a, b: a * b, in_dims=(1, None))(dn.ones(2, 3), dn.tensor([1.0, 2.0]))
    assert out.shape == (3, 2)
    total, doubled = vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(dn.ones(3, 2))
    assert total.shape == (3,) and doubled.shape == (2, 3)
    with pytest.raises(ValueError, match="in_dim=1 for some input, but that input is a Tensor of dimensionality 1"):
        vmap(lambda a: a, in_dims=1)(dn.ones(3))
    with pytest.raises(ValueError, match="got sizes \\[3, 4\\]"):
        vmap(lambda a, b: a + b)(dn.ones(3, 2), dn.ones(4, 2))
    with pytest.raises(NotImplementedError, match="randomness='same'"):
        vmap(lambda a: a, randomness="same")


def test_jacrev():
    assert jacrev(lambda a: a**2)(dn.tensor([1.0, 2.0])).tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_the_same_as_torch_func():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    W, b, X = rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal((5, 3))

    def run(lib):
        m = lib.nn.Linear(3, 2).double()
        p = {"weight": lib.tensor(W), "bias": lib.tensor(b)}

        def loss(p, x):
            return (lib.func.functional_call(m, p, (x,)) ** 2).sum()

        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0))(p, lib.tensor(X))
        jac = lib.func.jacrev(lambda x: lib.tanh(x) * 3)(lib.tensor(X[0]))
        return per_sample["weight"].detach().numpy(), jac.detach().numpy()

    for ours, theirs in zip(run(dn), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_vjp_jvp_jacfwd_hessian():
    from deltanet.func import hessian, jacfwd, jvp, vjp

    x = dn.tensor([1.0, 2.0], dtype=dn.float64)
    out, vjp_fn = vjp(lambda a, b: a * b, x, x * 3)
    ga, gb = vjp_fn(dn.ones(2, dtype=dn.float64))
    assert out.tolist() == [3.0, 12.0] and ga.tolist() == [3.0, 6.0] and gb.tolist() == [1.0, 2.0]
    out, tangent = jvp(lambda a, b: a * b, (x, x * 3), (dn.ones(2), dn.zeros(2)))
    assert tangent.tolist() == [3.0, 6.0]
    assert jacfwd(lambda a: a**2)(x).tolist() == [[2.0, 0.0], [0.0, 4.0]]
    with pytest.raises(RuntimeError, match="Expected primals and tangents to be tuples"):
        jvp(dn.sin, x, dn.ones(2))
    with pytest.raises(NotImplementedError, match="hessian: create_graph=True"):
        hessian(lambda a: (a**3).sum())(x)


def test_vjp_and_jvp_equal_torch():
    torch = pytest.importorskip("torch")
    data, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
    got = []
    for lib in (dn, torch):
        x = lib.tensor(data)
        out, vjp_fn = lib.func.vjp(lambda a, lib=lib: lib.tanh(a) * a, x)
        _, tangent = lib.func.jvp(lambda a, lib=lib: lib.tanh(a) * a, (x,), (lib.tensor(v),))
        got.append([out.detach().numpy(), vjp_fn(lib.tensor(v))[0].detach().numpy(), tangent.detach().numpy()])
    for ours, theirs in zip(*got, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
