"""Learning-rate schedules give PyTorch's sequence of rates (and momenta), and their state is JSON-able."""

import json
import math
import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import lr_scheduler

torch = pytest.importorskip("torch")


def _pair(lrs=(0.1, 0.02), name="SGD", **kwargs):
    """The same two-group optimizer in deltanet and in torch."""
    ours = getattr(dn.optim, name)(
        [{"params": [dn.nn.Parameter(np.zeros(2))], "lr": lr} for lr in lrs], lr=1.0, **kwargs
    )
    theirs = getattr(torch.optim, name)(
        [{"params": [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))], "lr": lr} for lr in lrs],
        lr=1.0,
        **kwargs,
    )
    return ours, theirs


def _make(name, opt, kwargs, module):
    kwargs = dict(kwargs)
    if name in ("LambdaLR", "MultiplicativeLR"):
        kwargs["lr_lambda"] = LAMBDAS[kwargs["lr_lambda"]]
    return getattr(module, name)(opt, **kwargs)


LAMBDAS = {
    "decay": lambda epoch: 0.95**epoch,
    "pair": [lambda epoch: 1.0 / (1 + epoch), lambda epoch: (epoch % 4) * 0.5 + 0.1],
}

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[7, 1], gamma=0.1)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.005)),
    ("LambdaLR", dict(lr_lambda="decay")),
    ("LambdaLR", dict(lr_lambda="pair")),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.5, total_iters=7)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=3)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3)),
    ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=2, eta_min=0.001)),
    ("MultiplicativeLR", dict(lr_lambda="decay")),
    ("MultiplicativeLR", dict(lr_lambda="pair")),
    ("ConstantLR", dict()),
    ("ConstantLR", dict(factor=0.25, total_iters=3)),
    ("ConstantLR", dict(factor=1.0, total_iters=0)),
    ("PolynomialLR", dict()),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("PolynomialLR", dict(total_iters=3, power=0.5)),
]
ONE_CYCLE = [
    ("SGD", dict(momentum=0.9), dict(max_lr=0.5, total_steps=25)),
    ("SGD", dict(momentum=0.9), dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=5, anneal_strategy="linear")),
    ("SGD", dict(), dict(max_lr=0.5, total_steps=25, three_phase=True, pct_start=0.4)),
    ("SGD", dict(momentum=0.5), dict(max_lr=0.3, total_steps=25, cycle_momentum=False, div_factor=5.0)),
    ("Adam", dict(), dict(max_lr=0.01, total_steps=25, base_momentum=[0.8, 0.7], max_momentum=0.9)),
    ("AdamW", dict(), dict(max_lr=0.01, total_steps=25, three_phase=True, final_div_factor=100.0)),
    ("RMSprop", dict(momentum=0.9), dict(max_lr=0.01, total_steps=25, pct_start=0.1, anneal_strategy="linear")),
]


def _momenta(opt):
    return [g["betas"] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _run_both(sched, t_sched, ours, theirs, steps):
    for step in range(steps):
        assert sched.get_last_lr() == t_sched.get_last_lr(), step
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups], step
        assert _momenta(ours) == [tuple(m) if isinstance(m, tuple) else m for m in _momenta(theirs)], step
        ours.step()
        theirs.step()
        sched.step()
        t_sched.step()
        assert sched.last_epoch == t_sched.last_epoch


@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_epoch_schedules_match_torch(name, kwargs):
    ours, theirs = _pair()
    sched = _make(name, ours, kwargs, lr_scheduler)
    t_sched = _make(name, theirs, kwargs, torch.optim.lr_scheduler)
    _run_both(sched, t_sched, ours, theirs, 20)
    assert [g["initial_lr"] for g in ours.param_groups] == [0.1, 0.02]


@pytest.mark.parametrize("opt_name, opt_kwargs, kwargs", ONE_CYCLE)
def test_one_cycle_matches_torch(opt_name, opt_kwargs, kwargs):
    ours, theirs = _pair(name=opt_name, **opt_kwargs)
    sched = lr_scheduler.OneCycleLR(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(theirs, **kwargs)
    for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
        assert [g.get(key) for g in ours.param_groups] == [g.get(key) for g in theirs.param_groups], key
    _run_both(sched, t_sched, ours, theirs, 25)  # the last step reaches total_steps, allowed
    with pytest.raises(ValueError, match=r"OneCycleLR: tried to step 26 times, but the cycle has total_steps=25"):
        sched.step()


def test_one_cycle_drives_the_momentum_of_the_step():
    """The momentum OneCycleLR writes is the one SGD uses: the parameters follow torch's."""
    ours, theirs = _pair()
    sched = lr_scheduler.OneCycleLR(ours, max_lr=0.5, total_steps=10)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(theirs, max_lr=0.5, total_steps=10)
    for step in range(10):
        for group, t_group in zip(ours.param_groups, theirs.param_groups, strict=True):
            grad = np.array([math.sin(step + 1.0), math.cos(step * 0.5)])
            group["params"][0].grad = grad
            t_group["params"][0].grad = torch.from_numpy(grad.copy())
        ours.step()
        theirs.step()
        sched.step()
        t_sched.step()
    for group, t_group in zip(ours.param_groups, theirs.param_groups, strict=True):
        np.testing.assert_allclose(group["params"][0].data, t_group["params"][0].detach().numpy(), rtol=1e-12)


PLATEAU = [
    dict(),
    dict(mode="min", factor=0.5, patience=2, threshold=0.01),
    dict(mode="min", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
    dict(mode="max", factor=0.2, patience=0, min_lr=[0.01, 0.001]),
    dict(mode="max", factor=0.5, patience=1, threshold_mode="abs", threshold=0.1, min_lr=0.004, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_on_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1.0, 0.5, 5), 0.5 + 0.05 * rng.standard_normal(30), [np.nan]])
    ours, theirs = _pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    changes = 0
    for epoch, metric in enumerate(metrics):
        before = sched.get_last_lr()
        sched.step(float(metric))
        t_sched.step(float(metric))
        assert sched.get_last_lr() == t_sched.get_last_lr(), epoch
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
        assert sched.num_bad_epochs == t_sched.num_bad_epochs
        assert sched.last_epoch == t_sched.last_epoch
        changes += sched.get_last_lr() != before
    assert changes > 0
    assert isinstance(sched, lr_scheduler.LRScheduler)


def test_reduce_on_plateau_accepts_a_loss_tensor():
    ours, _ = _pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, patience=0)
    sched.step(dn.tensor(1.0))
    sched.step(dn.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.002])


def test_reduce_on_plateau_with_a_group_added_later():
    ours, theirs = _pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, patience=0, min_lr=0.001)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, patience=0, min_lr=0.001)
    ours.add_param_group({"params": [dn.nn.Parameter(np.zeros(1))], "lr": 0.5})
    theirs.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.5})
    for metric in [1.0, 2.0, 3.0]:
        sched.step(metric)
        t_sched.step(metric)
    assert sched.get_last_lr() == t_sched.get_last_lr()
    fixed = lr_scheduler.ReduceLROnPlateau(ours, patience=0, min_lr=[0.0, 0.0, 0.0])
    ours.add_param_group({"params": [dn.nn.Parameter(np.zeros(1))]})
    fixed.step(1.0)
    with pytest.raises(ValueError, match=r"the optimizer has 4 param groups, but min_lr was given for 3"):
        fixed.step(2.0)


def _step(sched, opt, name, e):
    if name == "ReduceLROnPlateau":
        sched.step(1.0 / (1 + e % 4))
    else:
        opt.step()
        sched.step()


CYCLIC = [
    ("SGD", dict(momentum=0.9), dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("SGD", dict(), dict(base_lr=[0.01, 0.001], max_lr=0.1, step_size_up=2, step_size_down=5, mode="triangular2")),
    ("SGD", dict(momentum=0.5), dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9)),
    ("SGD", dict(momentum=0.5), dict(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False)),
    ("Adam", dict(), dict(base_lr=0.001, max_lr=0.01, step_size_up=3, base_momentum=[0.8, 0.7], max_momentum=0.95)),
    ("RMSprop", dict(momentum=0.9), dict(base_lr=0.01, max_lr=0.05, step_size_up=2, mode="triangular2")),
]


@pytest.mark.parametrize("opt_name, opt_kwargs, kwargs", CYCLIC)
def test_cyclic_matches_torch(opt_name, opt_kwargs, kwargs):
    ours, theirs = _pair(name=opt_name, **opt_kwargs)
    sched = lr_scheduler.CyclicLR(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.CyclicLR(theirs, **kwargs)
    _run_both(sched, t_sched, ours, theirs, 25)


def test_cyclic_with_a_scale_function_and_its_errors():
    ours, theirs = _pair(momentum=0.9)
    half = lambda x: 0.5 ** (x - 1)  # noqa: E731
    sched = lr_scheduler.CyclicLR(ours, 0.01, 0.1, step_size_up=2, scale_fn=half, scale_mode="cycle")
    t_sched = torch.optim.lr_scheduler.CyclicLR(theirs, 0.01, 0.1, step_size_up=2, scale_fn=half, scale_mode="cycle")
    _run_both(sched, t_sched, ours, theirs, 12)
    adagrad = dn.optim.Adagrad([dn.nn.Parameter(np.zeros(1))])
    with pytest.raises(ValueError, match=r"CyclicLR: cycle_momentum=True needs an optimizer with momentum or betas"):
        lr_scheduler.CyclicLR(adagrad, 0.01, 0.1)
    with pytest.raises(ValueError, match=r"CyclicLR: mode must be one of"):
        lr_scheduler.CyclicLR(ours, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match=r"CyclicLR: step_size_up \+ step_size_down must not be 0"):
        lr_scheduler.CyclicLR(ours, 0.01, 0.1, step_size_up=0)


def test_chained_scheduler_matches_torch_and_resumes():
    def build(opt, module):
        return module.ChainedScheduler(
            [module.ConstantLR(opt, factor=0.5, total_iters=3), module.ExponentialLR(opt, gamma=0.9)]
        )

    ours, theirs = _pair()
    sched, t_sched = build(ours, lr_scheduler), build(theirs, torch.optim.lr_scheduler)
    for step in range(6):
        assert sched.get_last_lr() == t_sched.get_last_lr(), step
        ours.step(), theirs.step(), sched.step(), t_sched.step()
    resumed, _ = _pair()
    other = build(resumed, lr_scheduler)
    for group, values in zip(resumed.param_groups, ours.param_groups, strict=True):
        group["lr"] = values["lr"]
    other.load_state_dict(json.loads(json.dumps(t_sched.state_dict())))
    for step in range(4):
        resumed.step(), ours.step(), other.step(), sched.step()
        assert other.get_last_lr() == sched.get_last_lr(), step
    plateau = lr_scheduler.ReduceLROnPlateau(ours)
    with pytest.raises(ValueError, match=r"ChainedScheduler: schedulers\[0\] is a ReduceLROnPlateau"):
        lr_scheduler.ChainedScheduler([plateau])
    with pytest.raises(ValueError, match=r"ChainedScheduler: expects at least one scheduler"):
        lr_scheduler.ChainedScheduler([])


STATEFUL = SCHEDULES + [
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("ReduceLROnPlateau", dict(patience=1, cooldown=1)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=14)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=14, three_phase=True, anneal_strategy="linear")),
]


def _json_groups(opt):
    keep = ("lr", "momentum", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")
    return [{k: v for k, v in g.items() if k in keep} for g in opt.param_groups]


@pytest.mark.parametrize("name, kwargs", STATEFUL)
def test_state_dict_is_json_and_resumes(name, kwargs):
    def run(sched, opt, epochs, start):
        lrs = []
        for e in range(start, start + epochs):
            _step(sched, opt, name, e)
            lrs.append(sched.get_last_lr())
        return lrs

    ours, _ = _pair(momentum=0.9)
    sched = _make(name, ours, kwargs, lr_scheduler)
    run(sched, ours, 4, 0)
    text = json.dumps({"opt": _json_groups(ours), "sched": sched.state_dict()}, allow_nan=False)
    expected = run(sched, ours, 8, 4)

    resumed, _ = _pair(momentum=0.9)
    saved = json.loads(text)
    # As PyTorch advises: build the scheduler (LinearLR's scales the current rate), then restore
    # the optimizer's rates, then the scheduler's state.
    other = _make(name, resumed, kwargs, lr_scheduler)
    for group, values in zip(resumed.param_groups, saved["opt"], strict=True):
        group.update(values)
    other.load_state_dict(saved["sched"])
    assert run(other, resumed, 8, 4) == expected


@pytest.mark.parametrize("name, kwargs", [c for c in STATEFUL if c[0] != "ReduceLROnPlateau"])
def test_loads_torch_state_dict(name, kwargs):
    """A torch scheduler's state_dict (private keys and all) resumes a deltanet one."""
    ours, theirs = _pair(momentum=0.9)
    t_sched = _make(name, theirs, kwargs, torch.optim.lr_scheduler)
    for _ in range(5):
        theirs.step()
        t_sched.step()
    # As PyTorch advises: build the scheduler, then load the optimizer's state, then the scheduler's.
    sched = _make(name, ours, kwargs, lr_scheduler)
    for group, t_group in zip(ours.param_groups, theirs.param_groups, strict=True):
        group.update({k: v for k, v in t_group.items() if k in _json_groups(theirs)[0]})
    sched.load_state_dict(t_sched.state_dict())
    _run_both(sched, t_sched, ours, theirs, 8)


def test_lambda_lr_saves_callable_objects_but_not_functions():
    class Warmup:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)

    ours, _ = _pair()
    sched = lr_scheduler.LambdaLR(ours, [Warmup(5), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"steps": 5}, None]
    other = lr_scheduler.LambdaLR(_pair()[0], [Warmup(2), lambda e: 0.5])
    other.load_state_dict(json.loads(json.dumps(state)))
    assert other.lr_lambdas[0].steps == 5 and other.lr_lambdas[1](0) == 0.5


def test_resume_with_last_epoch_needs_initial_lr():
    ours, _ = _pair()
    with pytest.raises(ValueError, match=r"resuming with last_epoch=3 needs 'initial_lr' in param group 0"):
        lr_scheduler.StepLR(ours, step_size=2, last_epoch=3)


def test_scheduler_step_before_optimizer_step_warns_as_torch():
    ours, _ = _pair()
    sched = lr_scheduler.StepLR(ours, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`"):
        sched.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()  # only the first call warns
        fine, _ = _pair()
        good = lr_scheduler.StepLR(fine, step_size=1)
        fine.step()
        good.step()


# CosineAnnealingWarmRestarts.step(epoch) is not deprecated (tests/optim/test_warm_restarts.py).
@pytest.mark.parametrize(
    "name, kwargs",
    [c for c in SCHEDULES if c[0] not in ("LambdaLR", "MultiplicativeLR", "CosineAnnealingWarmRestarts")],
)
def test_step_with_epoch_uses_the_closed_form_as_torch(name, kwargs):
    ours, theirs = _pair()
    sched = _make(name, ours, kwargs, lr_scheduler)
    t_sched = _make(name, theirs, kwargs, torch.optim.lr_scheduler)
    ours.step()
    theirs.step()
    for epoch in [3, 4, 9, 2]:
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            sched.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sched.step(epoch)
        np.testing.assert_allclose(sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-15)


def test_bad_arguments_raise():
    ours, _ = _pair()
    adagrad = dn.optim.Adagrad([dn.nn.Parameter(np.zeros(1))])
    cases = [
        (lambda: lr_scheduler.StepLR(ours, step_size=0), r"StepLR: step_size must not be 0 \(PyTorch accepts it"),
        (lambda: lr_scheduler.StepLR(ours, step_size="2"), r"step_size must be a finite number, got '2'"),
        (lambda: lr_scheduler.StepLR(ours, step_size=2, gamma=math.nan), r"StepLR: gamma must be a finite number"),
        (lambda: lr_scheduler.StepLR(ours, 2, last_epoch=-2), r"StepLR: last_epoch must be an integer >= -1, got -2"),
        (
            lambda: lr_scheduler.MultiStepLR(ours, milestones=[3, "4"]),
            r"milestones must be numbers \(epochs\), got \[3, '4'\]",
        ),
        (lambda: lr_scheduler.StepLR("sgd", step_size=2), r"StepLR: expected a deltanet Optimizer, got str"),
        (lambda: lr_scheduler.CosineAnnealingLR(ours, T_max=0), r"CosineAnnealingLR: T_max must not be 0"),
        (
            lambda: lr_scheduler.LambdaLR(ours, lr_lambda=[lambda e: 1.0]),
            r"lr_lambda has 1 functions, expected one per param group \(2\)",
        ),
        (lambda: lr_scheduler.OneCycleLR(ours, max_lr=0.1), r"give total_steps, or both epochs and steps_per_epoch"),
        (lambda: lr_scheduler.OneCycleLR(ours, 0.1, epochs=3), r"give total_steps, or both epochs and steps_per_epoch"),
        (lambda: lr_scheduler.OneCycleLR(ours, 0.1, total_steps=0), r"total_steps must be a positive integer, got 0"),
        (
            lambda: lr_scheduler.OneCycleLR(ours, 0.1, epochs=2, steps_per_epoch=2.5),
            r"steps_per_epoch must be a positive integer, got 2\.5",
        ),
        (
            lambda: lr_scheduler.OneCycleLR(ours, 0.1, 10, pct_start=1.5),
            r"pct_start must be a number in \[0, 1\], got 1\.5",
        ),
        (
            lambda: lr_scheduler.OneCycleLR(ours, 0.1, 10, pct_start=0),
            r"pct_start must be a float between 0 and 1 \(PyTorch's check\), got 0",
        ),
        (
            lambda: lr_scheduler.OneCycleLR(ours, 0.1, 10, anneal_strategy="cosine"),
            r"anneal_strategy must be one of 'cos', 'linear', got 'cosine'",
        ),
        (
            lambda: lr_scheduler.OneCycleLR(ours, [0.1], 10),
            r"OneCycleLR: max_lr has 1 values, expected one per param group \(2\)",
        ),
        (lambda: lr_scheduler.OneCycleLR(ours, 0.1, 10, div_factor=0), r"OneCycleLR: div_factor must not be 0"),
        (lambda: lr_scheduler.OneCycleLR(adagrad, 0.1, 10), r"cycle_momentum=True needs an optimizer with momentum"),
        (
            lambda: lr_scheduler.OneCycleLR(_pair()[0], 0.1, 10, last_epoch=3),
            r"OneCycleLR: resuming with last_epoch=3 needs \['initial_lr', 'max_lr', 'min_lr', 'max_momentum'",
        ),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, mode="lowest"), r"mode must be 'min' or 'max', got 'lowest'"),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, factor=1.0), r"factor must be a number < 1, got 1\.0"),
        (
            lambda: lr_scheduler.ReduceLROnPlateau(ours, threshold_mode="pct"),
            r"threshold_mode must be 'rel' or 'abs', got 'pct'",
        ),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, patience=None), r"patience must be a finite number, got None"),
        (
            lambda: lr_scheduler.ReduceLROnPlateau(ours, min_lr=[0.1]),
            r"min_lr has 1 values, expected one per param group \(2\)",
        ),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.raises(TypeError, match=r"milestones must be a list of epochs, got 4"):
        lr_scheduler.MultiStepLR(ours, milestones=4)  # PyTorch's TypeError too
    with pytest.raises(TypeError, match=r"LambdaLR: lr_lambda must be a function of the epoch"):
        lr_scheduler.LambdaLR(ours, lr_lambda=0.5)
    sched = lr_scheduler.StepLR(ours, step_size=2)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['optimizer'\]"):
        sched.load_state_dict({"optimizer": 1})
    with pytest.raises(ValueError, match=r"base_lrs has 1 values, expected one per param group \(2\)"):
        sched.load_state_dict({"base_lrs": [0.1]})


def test_scheduled_lr_drives_the_optimizer():
    p = dn.nn.Parameter(np.zeros(1))
    opt = dn.optim.SGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = np.ones(1)
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-(1.0 + 0.5 + 0.25)])


@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_resuming_with_last_epoch_matches_torch(name, kwargs):
    ours, theirs = _pair()
    for group in ours.param_groups + theirs.param_groups:
        group["initial_lr"] = group["lr"] * 2
    sched = _make(name, ours, dict(kwargs, last_epoch=4), lr_scheduler)
    t_sched = _make(name, theirs, dict(kwargs, last_epoch=4), torch.optim.lr_scheduler)
    _run_both(sched, t_sched, ours, theirs, 8)


def test_schedulers_are_importable_as_in_torch():
    from deltanet.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, OneCycleLR  # noqa: F401

    for name in lr_scheduler.__all__:
        assert getattr(dn.optim, name) is getattr(lr_scheduler, name)


def test_one_cycle_resumes_from_the_optimizer_state_dict_and_last_epoch():
    """The keys OneCycleLR writes into the groups travel with the optimizer's state_dict, as in torch."""
    ours, _ = _pair(momentum=0.9)
    sched = lr_scheduler.OneCycleLR(ours, max_lr=0.4, total_steps=12)
    for _ in range(5):
        ours.step()
        sched.step()
    saved = json.loads(json.dumps(ours.state_dict()))
    expected = []
    for _ in range(6):
        ours.step()
        sched.step()
        expected.append((sched.get_last_lr(), _momenta(ours)))

    resumed, _ = _pair(momentum=0.9)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["max_lr"] == 0.4
    other = lr_scheduler.OneCycleLR(resumed, max_lr=0.4, total_steps=12, last_epoch=4)
    assert other.get_last_lr() == sched_lrs_at(5)
    got = []
    for _ in range(6):
        resumed.step()
        other.step()
        got.append((other.get_last_lr(), _momenta(resumed)))
    assert got == expected


def sched_lrs_at(step):
    ours, _ = _pair(momentum=0.9)
    sched = lr_scheduler.OneCycleLR(ours, max_lr=0.4, total_steps=12)
    for _ in range(step):
        ours.step()
        sched.step()
    return sched.get_last_lr()


@pytest.mark.parametrize("name", lr_scheduler.__all__)
def test_signatures_match_torch(name):
    import inspect

    ours, theirs = getattr(lr_scheduler, name), getattr(torch.optim.lr_scheduler, name)
    for a, b in [(ours, theirs), (ours.step, theirs.step)]:
        mine, torchs = inspect.signature(a).parameters, inspect.signature(b).parameters
        assert list(mine) == list(torchs)
        assert [p.default for p in mine.values()] == [p.default for p in torchs.values()]


def test_one_cycle_checks_everything_before_changing_the_optimizer():
    ours, _ = _pair(momentum=0.9)
    before = [dict(g) for g in ours.param_groups]
    for kwargs in (dict(total_steps=10, pct_start=0.1), dict(total_steps=10, pct_start=1.5), dict(total_steps=0)):
        with pytest.raises((ValueError, ZeroDivisionError)):
            lr_scheduler.OneCycleLR(ours, max_lr=0.5, **kwargs)
    assert ours.param_groups == before


def test_one_cycle_phases_of_zero_length_fail_where_pytorchs_do():
    ours, _ = _pair()
    with pytest.raises(ZeroDivisionError, match="phase 1 of the cycle has no steps at step 0"):
        lr_scheduler.OneCycleLR(ours, 0.1, total_steps=10, pct_start=0.1)  # PyTorch: ZeroDivisionError too
    sched = lr_scheduler.OneCycleLR(ours, 1.0, total_steps=10, pct_start=1.0, cycle_momentum=False)
    lrs = [ours.param_groups[0]["lr"]]
    for _ in range(9):
        ours.step()
        sched.step()
        lrs.append(ours.param_groups[0]["lr"])
    assert lrs[0] == pytest.approx(0.04) and lrs[-1] == 1.0 and lrs == sorted(lrs)  # warm-up only
    with pytest.raises(ZeroDivisionError, match="phase 2 of the cycle has no steps at step 10"):
        sched.step()


def test_one_cycle_with_pct_start_one_matches_pytorch():
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (torch, dn):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.0)
        seen = []
        for _ in range(10):
            seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
            opt.step()
            if len(seen) < 10:
                sched.step()
        with pytest.raises(ZeroDivisionError):
            sched.step()
        runs.append(seen)
    assert runs[0] == runs[1]
