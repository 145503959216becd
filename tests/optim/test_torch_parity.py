"""Every optimizer and option follows PyTorch's trajectory to 1e-9 in float64 (5 steps, 3-5-2 MLP)."""

import numpy as np
import pytest

import deltanet as dn

torch = pytest.importorskip("torch")


def _compare(ours, theirs, step, label):
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(
            a.array,
            b.detach().numpy(),
            rtol=1e-9,
            atol=1e-9,
            err_msg=f"{label}: parameter {i} after step {step}",
        )


def test_trajectory_matches_torch(problem, optimizer_case):
    name, kwargs = optimizer_case
    prob = problem(np.float64, seed=0)
    params = prob.params()
    t_params, t_loss_step = prob.torch_copy(torch)
    opt = getattr(dn.optim, name)(params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    unused_before = prob.unused.array.copy()
    moved = False
    for step in range(1, 6):
        loss = prob.loss_step()
        t_loss = t_loss_step()
        np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-9, atol=1e-12)
        before = [p.array.copy() for p in params]
        opt.step()
        t_opt.step()
        _compare(params, t_params, step, f"{name}{kwargs}")
        moved = moved or any(not np.array_equal(b, p.array) for b, p in zip(before, params, strict=True))
    assert moved
    # The parameter that never had a gradient is skipped: unchanged, and no state for it (Adagrad
    # keeps the state it made at construction, step 0, as PyTorch's).
    np.testing.assert_array_equal(prob.unused.array, unused_before)
    assert opt.state.get(prob.unused, {}).get("step", 0) == 0
    assert sorted(opt.state_dict()["state"]) == sorted(t_opt.state_dict()["state"])


def test_param_groups_match_torch(problem):
    prob = problem(np.float64, seed=3)
    first, second = prob.model[0], prob.model[2]
    t_params, t_loss_step = prob.torch_copy(torch)
    groups = [
        {"params": [first.weight, first.bias], "lr": 0.2},
        {"params": [second.weight, second.bias], "momentum": 0.5, "nesterov": True},
    ]
    t_groups = [
        {"params": t_params[:2], "lr": 0.2},
        {"params": t_params[2:4], "momentum": 0.5, "nesterov": True},
    ]
    opt = dn.optim.SGD(groups, lr=0.05, momentum=0.9)
    t_opt = torch.optim.SGD(t_groups, lr=0.05, momentum=0.9)
    for step in range(1, 6):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
        _compare(prob.model.parameters(), t_params[:4], step, "SGD groups")


def test_lr_changed_between_steps_matches_torch(problem):
    # A scheduler writes group["lr"]; the next step must use it (Adam: step size and decay).
    prob = problem(np.float64, seed=4)
    params = prob.params()
    t_params, t_loss_step = prob.torch_copy(torch)
    opt = dn.optim.AdamW(params, lr=0.05, weight_decay=0.1)
    t_opt = torch.optim.AdamW(t_params, lr=0.05, weight_decay=0.1)
    for step in range(1, 6):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
        _compare(params, t_params, step, "AdamW lr changes")
        opt.param_groups[0]["lr"] *= 0.5
        t_opt.param_groups[0]["lr"] *= 0.5


def test_rumelhart_momentum_rule_is_sgd_momentum():
    """Δw(t) = −ε ∂E/∂w + α Δw(t−1) (Rumelhart et al. 1986, eq. 9) equals SGD(lr=ε, momentum=α)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A @ A.T + np.eye(4)
    b = rng.standard_normal(4)
    w0 = rng.uniform(-0.3, 0.3, 4)
    eps, alpha = 0.02, 0.9

    w = w0.copy()
    delta_w = np.zeros(4)
    for _ in range(20):
        grad = A @ w - b  # E = ½ wᵀAw − bᵀw
        delta_w = -eps * grad + alpha * delta_w
        w = w + delta_w

    p = dn.nn.Parameter(w0.copy())
    opt = dn.optim.SGD([p], lr=eps, momentum=alpha)
    for _ in range(20):
        p.grad = A @ p.array - b
        opt.step()
    np.testing.assert_allclose(p.array, w, rtol=1e-12, atol=1e-12)
