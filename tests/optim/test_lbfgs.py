"""LBFGS is PyTorch's algorithm: iterates, losses, func_evals and state equal torch.optim.LBFGS's.

Three problems (a convex quadratic, the Rosenbrock function, a small MLP with cross-entropy) in
float64, with and without the strong-Wolfe line search, several lr / max_iter / history_size and
several ``step`` calls (the state carries over), compared with torch after every step.

The same algorithm does not give the same bits: torch's ``dot`` is MKL's (another summation
order than NumPy's) and its ``add_(d, alpha=t)`` a fused multiply-add, so the iterates differ in
the last bits from the first iteration on. L-BFGS amplifies that (the line search's cubic
divides differences of nearly equal losses): after some 20 iterations on Rosenbrock the
difference reaches 1e-10, after 40-60 the two runs can take different branches. The cases here
run up to 20 iterations (4 steps), where everything agrees to 1e-10 and ``func_evals`` exactly.
"""

import json

import numpy as np
import pytest

import deltanet as dn
from deltanet import optim
from deltanet.optim.lbfgs import lbfgs_direction
from deltanet.optim.line_search import cubic_interpolate, strong_wolfe


# -- the problems, each in deltanet and (given torch) in PyTorch, from the same NumPy arrays ---
def _quadratic_arrays(seed=0, n=6):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M @ M.T + 0.5 * np.eye(n)
    b = rng.standard_normal(n)
    return A, b


def quadratic(lib, dtype=np.float64):
    """E(w, v) = ½ xᵀAx − bᵀx with x = (w, v): two parameters, one flat vector."""
    A, b = _quadratic_arrays()
    init = [np.linspace(-1.0, 1.0, 4).astype(dtype), np.array([0.5, -2.0], dtype=dtype)]
    if lib == "dn":
        params = [dn.nn.Parameter(a.copy()) for a in init]
        At, bt = dn.tensor(A.astype(dtype)), dn.tensor(b.astype(dtype))

        def loss_fn():
            x = dn.cat(params)
            return 0.5 * (x * (At @ x)).sum() - (bt * x).sum()

        return params, loss_fn
    torch = lib
    params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
    At, bt = torch.from_numpy(A.astype(dtype)), torch.from_numpy(b.astype(dtype))

    def t_loss_fn():
        x = torch.cat(params)
        return 0.5 * (x * (At @ x)).sum() - (bt * x).sum()

    return params, t_loss_fn


def rosenbrock(lib, dtype=np.float64):
    """E(x) = Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)², from (−1.2, 1, −0.5, 0.8)."""
    init = np.array([-1.2, 1.0, -0.5, 0.8], dtype=dtype)
    if lib == "dn":
        x = dn.nn.Parameter(init.copy())
        return [x], lambda: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    torch = lib
    t_x = torch.nn.Parameter(torch.from_numpy(init.copy()))
    return [t_x], lambda: (100 * (t_x[1:] - t_x[:-1] ** 2) ** 2 + (1 - t_x[:-1]) ** 2).sum()


def mlp(lib, dtype=np.float64):
    """A 4-6-3 tanh MLP with cross-entropy on 20 samples of 3 classes."""
    rng = np.random.default_rng(7)
    W1, b1 = 0.5 * rng.standard_normal((6, 4)), 0.1 * rng.standard_normal(6)
    W2, b2 = 0.5 * rng.standard_normal((3, 6)), 0.1 * rng.standard_normal(3)
    X, labels = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    init = [a.astype(dtype) for a in (W1, b1, W2, b2)]
    if lib == "dn":
        params = [dn.nn.Parameter(a.copy()) for a in init]
        Xt, yt = dn.tensor(X.astype(dtype)), dn.tensor(labels)

        def loss_fn():
            h = dn.tanh(Xt @ params[0].T + params[1])
            return dn.nn.functional.cross_entropy(h @ params[2].T + params[3], yt)

        return params, loss_fn
    torch = lib
    params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
    Xt, yt = torch.from_numpy(X.astype(dtype)), torch.from_numpy(labels)

    def t_loss_fn():
        h = torch.tanh(Xt @ params[0].T + params[1])
        return torch.nn.functional.cross_entropy(h @ params[2].T + params[3], yt)

    return params, t_loss_fn


PROBLEMS = {"quadratic": quadratic, "rosenbrock": rosenbrock, "mlp": mlp}


def _closure(opt, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    return closure


def _as_numpy(value):
    if hasattr(value, "detach"):
        return value.detach().numpy()
    if isinstance(value, list):
        return [_as_numpy(v) for v in value]
    return value


def _close(ours, theirs, rtol, key):
    """Equal to rtol, and to rtol of the largest magnitude (the last iterations' tiny values cancel)."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * np.abs(theirs).max(initial=0.0), err_msg=key)


def _assert_state_equal(state, t_state, rtol):
    assert sorted(state) == sorted(t_state)
    for key, value in t_state.items():
        ours, theirs = state[key], _as_numpy(value)
        if key in ("func_evals", "n_iter"):
            assert ours == theirs, key
        elif key == "al":
            assert [v is None for v in ours] == [v is None for v in theirs]
            _close([v for v in ours if v is not None], [v for v in theirs if v is not None], rtol, key)
        else:
            _close(ours, theirs, rtol, key)


CASES = [
    ("quadratic", dict()),
    ("quadratic", dict(line_search_fn="strong_wolfe")),
    ("quadratic", dict(lr=0.5, max_iter=7, history_size=3)),
    ("quadratic", dict(lr=0.8, max_iter=5, history_size=2, line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(lr=0.1, max_iter=5, history_size=2)),
    ("rosenbrock", dict(lr=0.5, max_iter=3)),
    ("rosenbrock", dict(max_iter=5, line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(max_iter=5, max_eval=6, history_size=4, line_search_fn="strong_wolfe")),
    ("mlp", dict(lr=0.5, max_iter=5)),
    ("mlp", dict(max_iter=5, history_size=3)),
    ("mlp", dict(max_iter=5, line_search_fn="strong_wolfe")),
    ("mlp", dict(lr=0.7, max_iter=4, history_size=5, line_search_fn="strong_wolfe")),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{sorted(k.items())}" for n, k in CASES])
def test_steps_follow_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    params, loss_fn = PROBLEMS[name]("dn")
    t_params, t_loss_fn = PROBLEMS[name](torch)
    opt = optim.LBFGS(params, **kwargs)
    t_opt = torch.optim.LBFGS(t_params, **kwargs)
    for step in range(4):
        loss = opt.step(_closure(opt, loss_fn))
        t_loss = t_opt.step(_closure(t_opt, t_loss_fn))
        np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-10, err_msg=f"step {step}")
        for p, t_p in zip(params, t_params, strict=True):
            np.testing.assert_allclose(p.array, t_p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
        _assert_state_equal(opt.state[params[0]], t_opt.state[t_params[0]], rtol=1e-9)
    assert opt.state[params[0]]["n_iter"] > 4  # it did iterate


def test_float32_parameters_compute_in_float32_as_torch():
    torch = pytest.importorskip("torch")
    params, loss_fn = quadratic("dn", np.float32)
    t_params, t_loss_fn = quadratic(torch, np.float32)
    arrays = [p.array for p in params]
    opt = optim.LBFGS(params, max_iter=5, line_search_fn="strong_wolfe")
    t_opt = torch.optim.LBFGS(t_params, max_iter=5, line_search_fn="strong_wolfe")
    for _ in range(2):
        opt.step(_closure(opt, loss_fn))
        t_opt.step(_closure(t_opt, t_loss_fn))
    state = opt.state[params[0]]
    assert all(p.array is a and a.dtype == np.float32 for p, a in zip(params, arrays, strict=True))
    assert state["d"].dtype == state["prev_flat_grad"].dtype == np.float32
    assert state["H_diag"].dtype == np.float32 and state["ro"][0].dtype == np.float32
    assert state["func_evals"] == t_opt.state[t_params[0]]["func_evals"]
    for p, t_p in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p.array, t_p.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_continues_the_trajectory():
    """state_dict → JSON + .npy-able values → load_state_dict in a new optimizer: the same steps."""
    params, loss_fn = mlp("dn")
    opt = optim.LBFGS(params, max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    for _ in range(2):
        opt.step(_closure(opt, loss_fn))
    sd = opt.state_dict()
    # Nothing in it but JSON-able scalars, lists and arrays (no pickle needed).
    arrays = {}

    def to_json(value, path):
        if isinstance(value, np.ndarray):
            arrays[path] = value
            return {"array": path}
        if isinstance(value, dict):
            return {str(k): to_json(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [to_json(v, f"{path}.{i}") for i, v in enumerate(value)]
        return value

    def from_json(value):
        if isinstance(value, dict):
            return (
                arrays[value["array"]].copy()
                if set(value) == {"array"}
                else {k: from_json(v) for k, v in value.items()}
            )
        if isinstance(value, list):
            return [from_json(v) for v in value]
        return value

    restored = from_json(json.loads(json.dumps(to_json(sd, "sd"))))
    weights = [p.array.copy() for p in params]
    expected = []
    for _ in range(2):
        opt.step(_closure(opt, loss_fn))
    expected = [p.array.copy() for p in params]
    for p, w in zip(params, weights, strict=True):
        p.array[...] = w
    fresh = optim.LBFGS(params, lr=0.1)
    fresh.load_state_dict(restored)
    assert fresh.param_groups[0]["line_search_fn"] == "strong_wolfe" and fresh.param_groups[0]["lr"] == 1
    for _ in range(2):
        fresh.step(_closure(fresh, loss_fn))
    for p, e in zip(params, expected, strict=True):
        np.testing.assert_array_equal(p.array, e)
    # The saved arrays are copies: later steps did not change them.
    assert sd["state"][0]["d"] is not opt.state[params[0]]["d"]
    assert sd["state"][0]["old_dirs"][0] is not opt.state[params[0]]["old_dirs"][0]


def test_loads_a_torch_state_dict():
    torch = pytest.importorskip("torch")
    params, loss_fn = rosenbrock("dn")
    t_params, t_loss_fn = rosenbrock(torch)
    t_opt = torch.optim.LBFGS(t_params, max_iter=5, line_search_fn="strong_wolfe")
    t_opt.step(_closure(t_opt, t_loss_fn))
    params[0].array[...] = t_params[0].detach().numpy()
    opt = optim.LBFGS(params)
    opt.load_state_dict(t_opt.state_dict())
    opt.step(_closure(opt, loss_fn))
    t_opt.step(_closure(t_opt, t_loss_fn))
    np.testing.assert_allclose(params[0].array, t_params[0].detach().numpy(), rtol=1e-10)
    assert opt.state[params[0]]["func_evals"] == t_opt.state[t_params[0]]["func_evals"]


def test_signature_matches_torch():
    torch = pytest.importorskip("torch")
    import inspect

    ours = inspect.signature(optim.LBFGS).parameters
    theirs = inspect.signature(torch.optim.LBFGS).parameters
    assert [k for k, v in ours.items() if v.kind is not v.VAR_KEYWORD] == list(theirs)
    for key in theirs:
        if key != "params":
            assert ours[key].default == theirs[key].default, key
    t_sd = torch.optim.LBFGS([torch.nn.Parameter(torch.zeros(2))]).state_dict()
    sd = optim.LBFGS([dn.nn.Parameter(np.zeros(2))]).state_dict()
    assert sd["param_groups"] == t_sd["param_groups"]  # max_eval = 25 filled in, as torch


def test_closure_without_zero_grad_accumulates_as_in_torch():
    """PyTorch's LBFGS does not clear the gradients between evaluations; neither does deltanet's."""
    torch = pytest.importorskip("torch")
    params, loss_fn = quadratic("dn")
    t_params, t_loss_fn = quadratic(torch)
    opt = optim.LBFGS(params, max_iter=3)
    t_opt = torch.optim.LBFGS(t_params, max_iter=3)

    def closure():
        loss = loss_fn()
        loss.backward()
        return loss

    def t_closure():
        loss = t_loss_fn()
        loss.backward()
        return loss

    opt.step(closure)
    t_opt.step(t_closure)
    for p, t_p in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p.array, t_p.detach().numpy(), rtol=1e-10)


def test_reaches_the_minimum_of_a_quadratic_and_stops():
    A, b = _quadratic_arrays()
    params, loss_fn = quadratic("dn")
    opt = optim.LBFGS(params, max_iter=100, tolerance_change=1e-15, line_search_fn="strong_wolfe")
    opt.step(_closure(opt, loss_fn))
    np.testing.assert_allclose(np.concatenate([p.array for p in params]), np.linalg.solve(A, b), atol=1e-7)
    state = opt.state[params[0]]
    assert state["n_iter"] < 100  # a stopping rule ended it
    # At the optimum a further step evaluates once and returns at once (tolerance_grad).
    opt = optim.LBFGS(params, tolerance_grad=1e-5)
    opt.step(_closure(opt, loss_fn))
    assert opt.state[params[0]] == {"func_evals": 1, "n_iter": 0}


def test_two_loop_recursion_applies_the_bfgs_inverse_hessian():
    """The two-loop direction is −H g for H built by the BFGS update from γI over the pairs."""
    rng = np.random.default_rng(1)
    A, _ = _quadratic_arrays(n=5)
    S = [rng.standard_normal(5) for _ in range(3)]
    Y = [A @ s for s in S]  # y·s > 0
    ro = [1 / y.dot(s) for s, y in zip(S, Y, strict=True)]
    gamma = S[-1].dot(Y[-1]) / Y[-1].dot(Y[-1])
    H = gamma * np.eye(5)
    for s, y, r in zip(S, Y, ro, strict=True):
        V = np.eye(5) - r * np.outer(y, s)
        H = V.T @ H @ V + r * np.outer(s, s)
    g = rng.standard_normal(5)
    al = [None] * 4
    d = lbfgs_direction(g, Y, S, ro, gamma, al)
    np.testing.assert_allclose(d, -H @ g, rtol=1e-10)
    assert al[3] is None and all(a is not None for a in al[:3])
    # the secant condition of the newest pair: H y = s
    np.testing.assert_allclose(lbfgs_direction(-Y[-1], Y, S, ro, gamma, al), S[-1], rtol=1e-10)


def test_line_search_helpers():
    # the cubic through (0, 1, -2) and (3, 4, 4) is (t - 1)^2: minimum at 1, also with x1 > x2
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0) == pytest.approx(1.0)
    assert cubic_interpolate(3.0, 4.0, 4.0, 0.0, 1.0, -2.0) == pytest.approx(1.0)
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0, bounds=(1.5, 2.0)) == 1.5
    # no real minimizer (d1² < g1 g2): the middle of the bounds
    assert cubic_interpolate(0.0, 0.0, 1.0, 1.0, 2.0, 4.0) == 0.5

    def obj_func(x, t, d):
        w = x[0] + t * d
        return float((w**4).sum()), 4 * w**3

    x, g = [np.array([2.0])], np.array([32.0])
    loss, grad, t, evals = strong_wolfe(obj_func, x, 1.0, -g, 16.0, g, g @ -g)
    assert loss <= 16.0 + 1e-4 * t * (g @ -g)  # sufficient decrease
    assert abs(grad @ -g) <= 0.9 * abs(g @ -g)  # curvature
    assert evals >= 2 and x[0][0] == 2.0  # the start is not changed


def test_errors():
    w = dn.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=r"LBFGS\.step needs a closure that zeroes the gradients"):
        optim.LBFGS([w]).step()
    with pytest.raises(ValueError, match=r"the closure must return a scalar loss, got shape \(2,\)"):
        optim.LBFGS([w]).step(lambda: w * 1.0)
    with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options \(parameter groups\)$"):
        optim.LBFGS([{"params": [w]}, {"params": [dn.nn.Parameter(np.zeros(1))]}])
    for old, new in (("tol", "tolerance_grad"), ("ftol", "tolerance_change")):
        with pytest.raises(TypeError, match=rf"LBFGS: {old}= is not an option of PyTorch's LBFGS.*use {new}="):
            optim.LBFGS([w], **{old: 1e-5})
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'momentum'"):
        optim.LBFGS([w], momentum=0.9)
    cases = [
        (dict(lr=-1.0), r"LBFGS: lr must be a number >= 0, got -1\.0"),
        (dict(max_iter=0), r"LBFGS: max_iter must be a positive integer, got 0"),
        (dict(max_eval=2.5), r"LBFGS: max_eval must be a positive integer, got 2\.5"),
        (dict(tolerance_grad=-1.0), r"LBFGS: tolerance_grad must be a number >= 0, got -1\.0"),
        (dict(tolerance_change="small"), r"LBFGS: tolerance_change must be a number >= 0, got 'small'"),
        (dict(history_size=0), r"LBFGS: history_size must be a positive integer, got 0"),
        (
            dict(line_search_fn="backtracking"),
            r"LBFGS: line_search_fn must be None or 'strong_wolfe', got 'backtracking'",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            optim.LBFGS([w], **kwargs)
    opt = optim.LBFGS([w])
    sd = opt.state_dict()
    sd["state"] = {0: {"d": np.zeros(3)}}
    with pytest.raises(ValueError, match=r"state 'd' has shape \(3,\), expected \(2,\)"):
        opt.load_state_dict(sd)
