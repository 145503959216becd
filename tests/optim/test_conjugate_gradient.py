"""CG: full-batch conjugate gradients through scipy.optimize, checked against exact minima."""

import sys

import numpy as np
import pytest

import deltanet as dn
from deltanet import optim

pytest.importorskip("scipy")


def _quadratic(seed=0, n=6):
    """E(w) = ½ wᵀAw − bᵀw with A symmetric positive definite: minimum at w* = A⁻¹b."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M @ M.T + 0.5 * np.eye(n)
    b = rng.standard_normal(n)
    return A, b, np.linalg.solve(A, b)


def test_reaches_the_minimum_of_a_convex_quadratic():
    cls = optim.CG
    A, b, w_star = _quadratic()
    w = dn.nn.Parameter(np.zeros(len(b)))
    opt = cls([w], max_iter=200, tol=1e-10)
    At, bt = dn.tensor(A), dn.tensor(b)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w * (At @ w)).sum() - (bt * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    np.testing.assert_allclose(w.data, w_star, atol=1e-6)
    assert loss.item() == pytest.approx(-0.5 * b @ w_star, abs=1e-10)
    # The returned loss and the gradients left in the parameters belong to the final point.
    np.testing.assert_allclose(w.grad, A @ w.data - b, atol=1e-12)
    state = opt.state[w]
    assert state["n_iter"] >= 1 and state["func_evals"] >= state["n_iter"]
    assert opt.requires_closure and not optim.SGD([w]).requires_closure


def test_least_squares_fit_of_a_linear_layer():
    cls = optim.CG
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([[1.5], [-2.0], [0.3]]) + 0.7 + 0.1 * rng.standard_normal((40, 1))
    layer = dn.nn.Linear(3, 1, dtype=np.float64, rng=0)
    opt = cls(layer.parameters(), max_iter=300, tol=1e-10)
    Xt, yt = dn.tensor(X), dn.tensor(y)

    def closure():
        opt.zero_grad()
        loss = ((layer(Xt) - yt) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    coef, *_ = np.linalg.lstsq(np.hstack([X, np.ones((40, 1))]), y, rcond=None)
    np.testing.assert_allclose(layer.weight.data.ravel(), coef[:3].ravel(), atol=1e-6)
    np.testing.assert_allclose(layer.bias.data, coef[3], atol=1e-6)


def test_beats_the_same_number_of_gradient_descent_steps_on_an_mlp(problem):
    cls = optim.CG
    iterations = 30
    gd = problem(np.float64, seed=5)
    sgd = optim.SGD(gd.model.parameters(), lr=0.1)
    for _ in range(iterations):
        for p in gd.model.parameters():
            p.grad = None
        gd.loss().backward()
        sgd.step()
    gd_loss = gd.loss().item()

    qn = problem(np.float64, seed=5)
    opt = cls(qn.model.parameters(), max_iter=iterations)

    def closure():
        opt.zero_grad()
        loss = qn.loss()
        loss.backward()
        return loss

    initial = qn.loss().item()
    final = opt.step(closure).item()
    assert final == pytest.approx(qn.loss().item(), abs=1e-15)
    assert final < gd_loss < initial


def test_closure_forgetting_zero_grad_still_gets_fresh_gradients():
    A, b, w_star = _quadratic(seed=3, n=3)
    w = dn.nn.Parameter(np.zeros(3))
    opt = optim.CG([w], tol=1e-10)
    At, bt = dn.tensor(A), dn.tensor(b)

    def closure():  # no zero_grad: CG clears the gradients before each evaluation
        loss = 0.5 * (w * (At @ w)).sum() - (bt * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.data, w_star, atol=1e-6)


def test_errors():
    w = dn.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=r"CG\.step needs a closure that zeroes the gradients"):
        optim.CG([w]).step()
    with pytest.raises(ValueError, match=r"the closure must return a scalar loss, got shape \(2,\)"):
        optim.CG([w]).step(lambda: w * 1.0)
    with pytest.raises(ValueError, match=r"the closure must return the loss \(a Tensor or a number\), got None"):
        optim.CG([w]).step(lambda: None)
    with pytest.raises(ValueError, match=r"CG minimizes all parameters together and takes one param group"):
        optim.CG([{"params": [w]}, {"params": [dn.nn.Parameter(np.zeros(1))]}])
    cases = [
        (lambda: optim.CG([w], tol=-1.0), r"CG: tol must be a number >= 0, got -1\.0"),
        (lambda: optim.CG([w], max_iter=-3), r"CG: max_iter must be a positive integer, got -3"),
        (lambda: optim.get("cg", [w], tol="small"), r"CG: tol must be a number >= 0, got 'small'"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


def test_missing_scipy_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(ImportError, match=r"pip install 'deltanet\[scipy\]' \(or pip install scipy\)"):
        optim.CG([dn.nn.Parameter(np.zeros(2))])
