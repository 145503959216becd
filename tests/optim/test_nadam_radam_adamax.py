"""NAdam, RAdam and Adamax: PyTorch's update rules, state and state_dict, for every option combination.

20 steps of the 3-5-2 MLP of conftest.py in float64, weights and state compared with
``torch.optim`` to 1e-6 after every step (PyTorch keeps ``step`` and NAdam's ``mu_product`` as
0-d tensors of its default dtype, float32 here, so the step coefficients agree to about 1e-7).
"""

import itertools

import numpy as np
import pytest

import deltanet as dn

torch = pytest.importorskip("torch")

SWITCHES = {
    "NAdam": ("weight_decay", "decoupled_weight_decay", "maximize", "momentum_decay"),
    "RAdam": ("weight_decay", "decoupled_weight_decay", "maximize"),
    "Adamax": ("weight_decay", "maximize"),
}
VALUES = {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True, "momentum_decay": 0.02}
STATE_KEYS = {
    "NAdam": ("exp_avg", "exp_avg_sq", "mu_product"),
    "RAdam": ("exp_avg", "exp_avg_sq"),
    "Adamax": ("exp_avg", "exp_inf"),
}


def _cases():
    for name, switches in SWITCHES.items():
        for on in itertools.product([False, True], repeat=len(switches)):
            kwargs = {k: VALUES[k] for k, flag in zip(switches, on, strict=True) if flag}
            yield name, dict(lr=0.02, betas=(0.8, 0.95), **kwargs)


CASES = list(_cases())


def _torch_state(t_opt, t_params, i, key):
    value = t_opt.state[t_params[i]][key]
    return value.detach().numpy() if value.ndim else value.item()


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{sorted(k)}" for n, k in CASES])
def test_twenty_steps_match_torch(problem, name, kwargs):
    prob = problem(np.float64, seed=1)
    params = prob.params()
    t_params, t_loss_step = prob.torch_copy(torch)
    opt = getattr(dn.optim, name)(params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    for step in range(1, 21):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
        for i, (p, t) in enumerate(zip(params[:-1], t_params[:-1], strict=True)):
            np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-6, atol=1e-9, err_msg=f"{name} step {step}")
            assert opt.state[p]["step"] == step == int(_torch_state(t_opt, t_params, i, "step"))
            for key in STATE_KEYS[name]:
                np.testing.assert_allclose(
                    opt.state[p][key], _torch_state(t_opt, t_params, i, key), rtol=1e-6, atol=1e-9, err_msg=key
                )
    assert params[-1] not in opt.state  # never had a gradient


@pytest.mark.parametrize("name", list(SWITCHES))
def test_load_state_dict_of_a_torch_optimizer_continues_its_trajectory(problem, name):
    prob = problem(np.float64, seed=2)
    params = prob.params()
    t_params, t_loss_step = prob.torch_copy(torch)
    t_opt = getattr(torch.optim, name)(t_params, lr=0.03, weight_decay=0.05)
    for _ in range(7):
        t_loss_step()
        t_opt.step()
    for p, t in zip(params, t_params, strict=True):
        p.array[...] = t.detach().numpy()
    opt = getattr(dn.optim, name)(params, lr=0.5)
    opt.load_state_dict(t_opt.state_dict())
    assert opt.param_groups[0]["lr"] == 0.03 and opt.state[params[0]]["step"] == 7
    for _ in range(5):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
    for p, t in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(SWITCHES))
def test_state_dict_round_trip_and_defaults_as_torch(problem, name):
    prob = problem(np.float64, seed=3)
    opt = getattr(dn.optim, name)(prob.params())
    t_opt = getattr(torch.optim, name)(prob.torch_copy(torch)[0])
    ours = {k: v for k, v in opt.defaults.items()}
    theirs = {k: v for k, v in t_opt.defaults.items()}
    assert set(ours) == set(theirs)
    assert {k: ours[k] for k in ours} == {k: theirs[k] for k in ours}
    prob.loss_step()
    opt.step()
    again = getattr(dn.optim, name)(prob.params())
    again.load_state_dict(opt.state_dict())
    for key in STATE_KEYS[name]:
        np.testing.assert_array_equal(again.state[prob.params()[0]][key], opt.state[prob.params()[0]][key])


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("NAdam", dict(lr=-1.0), "lr"),
        ("NAdam", dict(momentum_decay=-0.1), "momentum_decay"),
        ("NAdam", dict(decoupled_weight_decay="yes"), "decoupled_weight_decay"),
        ("RAdam", dict(betas=(0.9, 1.0)), r"betas\[1\]"),
        ("RAdam", dict(eps=-1e-8), "eps"),
        ("Adamax", dict(weight_decay=-0.1), "weight_decay"),
        ("Adamax", dict(betas=(0.9,)), "betas"),
        ("Adamax", dict(differentiable=True), "differentiable"),
    ],
)
def test_bad_hyperparameters_are_refused(name, kwargs, match):
    w = dn.nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=match):
        getattr(dn.optim, name)([w], **kwargs)


def test_optim_get_knows_the_new_names():
    w = dn.nn.Parameter(np.zeros(2))
    assert type(dn.optim.get("nadam", [w])).__name__ == "NAdam"
    assert type(dn.optim.get("RAdam", [w])).__name__ == "RAdam"
    assert type(dn.optim.get("adamax", [w])).__name__ == "Adamax"


@pytest.mark.parametrize("name", list(SWITCHES))
def test_state_survives_dn_save_and_load(tmp_path, name):
    model = dn.nn.Sequential(dn.nn.Linear(3, 2), dn.nn.RMSNorm(2))
    opt = getattr(dn.optim, name)(model.parameters(), lr=0.01, weight_decay=0.1)
    for _ in range(2):
        opt.zero_grad()
        (model(dn.ones(4, 3)) ** 2).sum().backward()
        opt.step()
    dn.save(model, tmp_path / "m.dnet", optimizer=opt)
    ckpt = dn.io.load_checkpoint(tmp_path / "m.dnet")
    again = getattr(dn.optim, name)(ckpt.model.parameters())
    again.load_state_dict(ckpt.optimizer_state)
    assert ckpt.optimizer_class == name and again.param_groups[0]["weight_decay"] == 0.1
    for i, values in opt.state_dict()["state"].items():
        for key, value in values.items():
            np.testing.assert_array_equal(np.asarray(again.state_dict()["state"][i][key]), np.asarray(value))


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize(
    "options", [{}, {"weight_decay": 0.1, "decoupled_weight_decay": True}, {"momentum_decay": 0.01}]
)
def test_nadam_keeps_mu_product_in_torchs_scalar_dtype(default, options):
    # PyTorch holds NAdam's mu_product in a 0-d tensor of its default scalar dtype (float32 unless
    # the default dtype is float64) and multiplies it there: float64 weights then agree to the last bits.
    torch.set_default_dtype(getattr(torch, default))
    dn.set_default_dtype(getattr(dn, default))
    try:
        rng = np.random.default_rng(0)
        start = rng.standard_normal(5)
        theirs = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
        ours = dn.nn.Parameter(dn.tensor(start, dtype=dn.float64))
        opt_t = torch.optim.NAdam([theirs], lr=0.05, **options)
        opt_d = dn.optim.NAdam([ours], lr=0.05, **options)
        for _ in range(30):
            g = rng.standard_normal(5)
            theirs.grad, ours.grad = torch.tensor(g, dtype=torch.float64), dn.tensor(g, dtype=dn.float64)
            opt_t.step()
            opt_d.step()
        np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-14, atol=1e-15)
        assert opt_d.state[ours]["mu_product"] == float(opt_t.state[theirs]["mu_product"])
    finally:
        torch.set_default_dtype(torch.float32)
