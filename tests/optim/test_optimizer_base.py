"""The Optimizer base: validation, in-place updates, dtype, grad None, zero_grad, state_dict, get()."""

import inspect
import json

import numpy as np
import pytest

import deltanet as dn
from deltanet import optim


def _opt(name, params, kwargs):
    return getattr(optim, name)(params, **kwargs)


def _split_json(state_dict):
    """Simulate the JSON + .npy round trip: arrays aside, everything else through json (strict)."""
    arrays = {}

    def strip(obj, path):
        if isinstance(obj, np.ndarray):
            arrays[path] = obj.copy()
            return {"__npy__": path}
        if isinstance(obj, dict):
            return {str(k): strip(v, f"{path}/{k}") for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [strip(v, f"{path}/{i}") for i, v in enumerate(obj)]
        assert obj is None or isinstance(obj, (bool, int, float, str)), (path, type(obj))
        return obj

    text = json.dumps(strip(state_dict, ""), allow_nan=False)

    def restore(obj):
        if isinstance(obj, dict):
            if set(obj) == {"__npy__"}:
                return arrays[obj["__npy__"]]
            return {k: restore(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [restore(v) for v in obj]
        return obj

    return restore(json.loads(text))


# -- validation --------------------------------------------------------------------------------
def _param(shape=(2,)):
    return dn.nn.Parameter(np.zeros(shape))


BAD_HYPERPARAMETERS = [
    (lambda p: optim.SGD(p, lr=-0.1), r"SGD: lr must be a number >= 0, got -0\.1"),
    (lambda p: optim.SGD(p, lr="0.1"), r"SGD: lr must be a number >= 0, got '0\.1'"),
    (lambda p: optim.SGD(p, lr=float("nan")), r"SGD: lr must be a number >= 0, got nan"),
    (lambda p: optim.SGD(p, momentum=1.0), r"SGD: momentum must be a number in \[0, 1\), got 1\.0"),
    (lambda p: optim.SGD(p, momentum=-0.5), r"momentum must be a number in \[0, 1\), got -0\.5"),
    (lambda p: optim.SGD(p, dampening=1.5), r"dampening must be a number in \[0, 1\], got 1\.5"),
    (lambda p: optim.SGD(p, weight_decay=-1e-4), r"weight_decay must be a number >= 0, got -0\.0001"),
    (
        lambda p: optim.SGD(p, nesterov=True),
        r"nesterov=True needs momentum > 0 and dampening = 0, got momentum=0, dampening=0",
    ),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), r"dampening=0\.1"),
    (lambda p: optim.SGD(p, maximize=1), r"maximize must be True or False, got 1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), r"Adagrad: lr_decay must be a number >= 0, got -1"),
    (
        lambda p: optim.Adagrad(p, initial_accumulator_value=-0.1),
        r"initial_accumulator_value must be a number >= 0, got -0\.1",
    ),
    (lambda p: optim.Adagrad(p, eps=-1.0), r"Adagrad: eps must be a number >= 0, got -1\.0"),
    (lambda p: optim.RMSprop(p, alpha=1.5), r"RMSprop: alpha must be a number in \[0, 1\], got 1\.5"),
    (lambda p: optim.RMSprop(p, momentum=1.0), r"RMSprop: momentum must be a number in \[0, 1\), got 1\.0"),
    (lambda p: optim.RMSprop(p, centered="yes"), r"centered must be True or False, got 'yes'"),
    (lambda p: optim.RMSprop(p, eps=-1e-8), r"RMSprop: eps must be a number >= 0, got -1e-08"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), r"Adam: betas\[1\] must be a number in \[0, 1\), got 1\.0"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), r"Adam: betas\[0\] must be a number in \[0, 1\), got -0\.1"),
    (lambda p: optim.Adam(p, betas=0.9), r"Adam: betas must be a pair \(beta1, beta2\), got 0\.9"),
    (lambda p: optim.Adam(p, lr=-1e-3), r"Adam: lr must be a number >= 0, got -0\.001"),
    (lambda p: optim.Adam(p, eps=-1.0), r"Adam: eps must be a number >= 0, got -1\.0"),
    (lambda p: optim.Adam(p, weight_decay=-0.1), r"Adam: weight_decay must be a number >= 0, got -0\.1"),
    (lambda p: optim.AdamW(p, weight_decay=-0.01), r"AdamW: weight_decay must be a number >= 0, got -0\.01"),
    (lambda p: optim.AdamW(p, amsgrad=None), r"AdamW: amsgrad must be True or False, got None"),
    (lambda p: optim.Adadelta(p, rho=1.5), r"Adadelta: rho must be a number in \[0, 1\], got 1\.5"),
    (lambda p: optim.Adadelta(p, lr=-1.0), r"Adadelta: lr must be a number >= 0, got -1\.0"),
    (lambda p: optim.Adadelta(p, eps=-1e-6), r"Adadelta: eps must be a number >= 0, got -1e-06"),
    (lambda p: optim.Adadelta(p, weight_decay=-1), r"Adadelta: weight_decay must be a number >= 0, got -1"),
    (lambda p: optim.Adadelta(p, maximize="no"), r"Adadelta: maximize must be True or False, got 'no'"),
    (lambda p: optim.SGD(p, foreach="yes"), r"SGD: foreach must be True or False, got 'yes'"),
    (lambda p: optim.Adam(p, fused=1), r"Adam: fused must be True or False, got 1"),
    (lambda p: optim.RMSprop(p, capturable=None), r"RMSprop: capturable must be True or False, got None"),
    (lambda p: optim.Adagrad(p, differentiable=True), r"Adagrad: differentiable=True is not supported"),
    (lambda p: optim.Adadelta(p, differentiable=True), r"Adadelta: differentiable=True is not supported"),
]


@pytest.mark.parametrize("make, message", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make([_param()])


def test_hyperparameters_are_checked_before_params():
    with pytest.raises(ValueError, match="lr must be"):
        optim.SGD([], lr=-1.0)


def test_bad_params_raise():
    p = _param()
    interior = p * 2.0
    cases = [
        (lambda: optim.SGD([], lr=0.1), r"SGD: got an empty parameter list"),
        (lambda: optim.Adam(iter([])), r"Adam: got an empty parameter list"),
        (lambda: optim.SGD(p, lr=0.1), r"got a single Parameter; pass model\.parameters\(\) or \[tensor\]"),
        (lambda: optim.SGD(5, lr=0.1), r"params must be an iterable of Parameters or of dicts, got int"),
        (lambda: optim.SGD([np.zeros(2)], lr=0.1), r"parameter 0 is a ndarray, expected a Parameter"),
        (
            lambda: optim.SGD([p, ("w", _param())]),
            r"parameter 0 has no name while others are \(name, Parameter\) pairs",
        ),
        (lambda: optim.SGD([interior], lr=0.1), r"parameter 0 \(shape \(2,\)\) is not a leaf"),
        (lambda: optim.SGD([p, p], lr=0.1), r"parameter 1 \(shape \(2,\)\) appears twice"),
        (lambda: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), r"parameter 1 .* appears twice"),
        (lambda: optim.SGD([{"lr": 0.1}]), r"a param group needs a 'params' entry, got keys \['lr'\]"),
        (
            lambda: optim.SGD([{"params": [p], "learning_rate": 0.1}]),
            r"'learning_rate' is not a hyperparameter of SGD \(did you mean 'lr'\?\)",
        ),
        (
            lambda: optim.SGD([{"params": [p], "weight_deacy": 0.1}]),
            r"'weight_deacy' is not a hyperparameter of SGD \(did you mean 'weight_decay'\?\)",
        ),
        (
            lambda: optim.SGD([{"params": [p], "LR": 0.1}]),
            r"'LR' is not a hyperparameter of SGD \(did you mean 'lr'\?\)",
        ),
        (
            lambda: optim.Adam([{"params": [p], "Momentum": 0.9}]),
            r"'Momentum' is a hyperparameter of another optimizer, not of Adam",
        ),
        (
            lambda: optim.Adam([{"params": [p], "momentum": 0.9}]),
            r"'momentum' is a hyperparameter of another optimizer, not of Adam, which would ignore it",
        ),
        (lambda: optim.SGD([{"params": [p], "lr": -2.0}]), r"SGD: lr must be a number >= 0, got -2\.0"),
        (lambda: optim.SGD([{"params": [p]}, _param()]), r"params mixes dicts and Parameters"),
        (lambda: optim.SGD([{"params": {p}}]), r"ordered sequence"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "ASGD", "Rprop", "Adafactor"]
)
def test_torch_signature_and_param_groups_layout(name):
    """Every keyword of torch's constructor is accepted, and the groups hold torch's keys."""
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours) == list(theirs)
    for key, parameter in theirs.items():
        assert ours[key].kind == parameter.kind, key
        if key != "params":
            assert ours[key].default == parameter.default, key
    t_model = torch.nn.Linear(2, 1)
    model = dn.nn.Linear(2, 1)
    sd = getattr(optim, name)(model.named_parameters(), foreach=False).state_dict()
    t_sd = getattr(torch.optim, name)(t_model.named_parameters(), foreach=False).state_dict()
    assert sorted(sd["param_groups"][0]) == sorted(t_sd["param_groups"][0])
    assert sd["param_groups"][0]["param_names"] == t_sd["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_named_parameters_are_optimized_like_parameters():
    model = dn.nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["params"] == model.parameters()
    opt.add_param_group({"params": [("extra", _param())], "lr": 0.5})
    assert opt.param_groups[1]["param_names"] == ["extra"]
    model.weight.grad = np.ones_like(model.weight.array)
    before = model.weight.array.copy()
    opt.step()
    np.testing.assert_allclose(model.weight.array, before - 0.1)


def test_grad_as_tensor_is_read_like_an_array():
    """A gradient assigned as an array is wrapped in a Tensor (as torch's .grad): the same step either way."""
    a, b = _param(), _param()
    a.grad = np.array([1.0, -2.0])
    b.grad = dn.tensor(np.array([1.0, -2.0]))
    for p in (a, b):
        opt = optim.Adam([p], lr=0.1)
        opt.step()
        opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.array, b.array)
    assert isinstance(b.grad, dn.Tensor) and not b.grad.array.any()
    assert isinstance(a.grad, dn.Tensor) and not a.grad.array.any()  # an array assigned to .grad is wrapped


def test_add_param_group_fills_defaults_and_rejects_duplicates():
    a, b = _param(), _param((3,))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["params"] == [b]
    with pytest.raises(ValueError, match="appears twice"):
        opt.add_param_group({"params": [a]})


# -- the step ----------------------------------------------------------------------------------
def test_update_is_in_place_and_grad_untouched(problem, optimizer_case):
    name, kwargs = optimizer_case
    prob = problem(np.float64)
    params = prob.params()
    arrays = [p.array for p in params]
    opt = _opt(name, params, kwargs)
    for _ in range(3):
        prob.loss_step()
        grads = [None if p.grad is None else p.grad.array.copy() for p in params]
        grad_arrays = [None if p.grad is None else p.grad.array for p in params]
        opt.step()
        for p, g, g_array in zip(params, grads, grad_arrays, strict=True):
            assert (p.grad is None and g_array is None) or p.grad.array is g_array
            if g is not None:
                np.testing.assert_array_equal(p.grad, g)
    assert all(p.array is a for p, a in zip(params, arrays, strict=True))


def test_float32_stays_float32_and_follows_float64(problem, optimizer_case):
    name, kwargs = optimizer_case
    prob32, prob64 = problem(np.float32), problem(np.float64)
    opt32 = _opt(name, prob32.params(), kwargs)
    opt64 = _opt(name, prob64.params(), kwargs)
    for _ in range(3):
        prob32.loss_step()
        prob64.loss_step()
        opt32.step()
        opt64.step()
    for p32, p64 in zip(prob32.params(), prob64.params(), strict=True):
        assert p32.array.dtype == np.float32
        np.testing.assert_allclose(p32.array, p64.array, rtol=1e-4, atol=1e-5)
    for state in opt32.state.values():
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, key


def test_grad_none_params_are_skipped():
    a, b = dn.nn.Parameter(np.ones(2)), dn.nn.Parameter(np.ones(3))
    for cls, kwargs in [
        (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
        (optim.Adam, dict(lr=0.1, weight_decay=0.1)),
        (optim.AdamW, dict(lr=0.1)),
        (optim.Adagrad, dict(lr=0.1)),
        (optim.RMSprop, dict(lr=0.1, centered=True)),
    ]:
        a.array[...] = 1.0
        b.array[...] = 1.0
        opt = cls([a, b], **kwargs)
        a.grad, b.grad = np.full(2, 0.5), None
        opt.step()
        assert (a.array != 1.0).all(), cls.__name__
        np.testing.assert_array_equal(b.array, np.ones(3))
        assert a in opt.state
        if cls is optim.Adagrad:  # as PyTorch's, Adagrad's state starts at construction
            assert opt.state[b]["step"] == 0
        else:
            assert b not in opt.state


def test_zero_grad():
    p = dn.nn.Parameter(np.ones(2))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(2)
    opt.zero_grad()
    assert p.grad is None
    old = np.ones(2)
    p.grad = old
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, np.zeros(2))
    assert p.grad.array is not old and (old == 1).all()  # a new array: the old one may be shared
    assert p.grad is grad  # the same tensor, as PyTorch's zero_grad(set_to_none=False)


def test_step_calls_closure_with_grad_enabled_and_returns_its_loss():
    p = dn.nn.Parameter(np.array([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with dn.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_array_equal(p.array, [3.0 - 0.25 * 6.0])
    assert optim.SGD([p], lr=0.1).step() is None


def test_hyperparameters_are_read_at_each_step():
    p = dn.nn.Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(p.array, [1.0 - 0.1 - 0.5])


def test_repr_lists_groups():
    text = repr(optim.SGD([_param()], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# -- state_dict --------------------------------------------------------------------------------
def test_state_dict_round_trip_continues_identically(problem, optimizer_case):
    name, kwargs = optimizer_case
    prob = problem(np.float64, seed=1)
    opt = _opt(name, prob.params(), kwargs)
    for _ in range(3):
        prob.loss_step()
        opt.step()
    saved = opt.state_dict()
    saved_copy = _split_json(saved)  # JSON-able apart from the arrays
    weights = prob.weights()

    other = problem(np.float64, seed=1)
    for p, w in zip(other.params(), weights, strict=True):
        p.array[...] = w
    other_opt = _opt(name, other.params(), dict(kwargs, lr=123.0))  # lr comes from the state
    other_opt.load_state_dict(saved_copy)
    assert other_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(3):
        prob.loss_step()
        other.loss_step()
        opt.step()
        other_opt.step()
    for p, q in zip(prob.params(), other.params(), strict=True):
        np.testing.assert_array_equal(p.array, q.array)
    # The saved dict holds copies, which the later steps could not change.
    for key, values in saved["state"].items():
        for k, v in values.items():
            if isinstance(v, np.ndarray):
                assert not np.shares_memory(v, opt.state[prob.params()[key]][k])


def test_state_dict_layout_is_pytorch_like():
    p, q = _param(), _param((3,))
    opt = optim.Adam([{"params": [p], "lr": 0.1}, {"params": [q]}], amsgrad=True)
    p.grad = np.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][0]["betas"] == [0.9, 0.999] and sd["param_groups"][1]["lr"] == 0.001
    assert list(sd["state"]) == [0]  # q never had a gradient
    assert sd["state"][0]["step"] == 1 and isinstance(sd["state"][0]["step"], int)
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]


def test_load_state_dict_casts_to_param_dtype():
    p64 = dn.nn.Parameter(np.ones(2))
    opt64 = optim.SGD([p64], lr=0.1, momentum=0.9)
    p64.grad = np.ones(2)
    opt64.step()
    p32 = dn.nn.Parameter(np.ones(2, dtype=np.float32))
    opt32 = optim.SGD([p32], lr=0.1, momentum=0.9)
    opt32.load_state_dict(opt64.state_dict())
    assert opt32.state[p32]["momentum_buffer"].dtype == np.float32


def test_load_state_dict_rejects_mismatches():
    p, q = _param(), _param((3,))
    opt = optim.SGD([p, q], lr=0.1, momentum=0.9)
    p.grad, q.grad = np.ones(2), np.ones(3)
    opt.step()
    good = opt.state_dict()
    before = {k: v.copy() for k, v in opt.state[p].items()}

    def changed(**edits):
        sd = {
            "state": {k: dict(v) for k, v in good["state"].items()},
            "param_groups": [dict(g) for g in good["param_groups"]],
        }
        for path, value in edits.items():
            if path == "groups":
                sd["param_groups"] = value
            elif path == "state":
                sd["state"] = value
            else:
                sd["param_groups"][0][path] = value
        return sd

    cases = [
        ({"momentum_buffer": 1}, None),
        (changed(groups=[]), r"the state has 0 parameter group\(s\), this optimizer has 1"),
        (changed(params=[0]), r"parameter group 0 has 1 parameter\(s\) in the state, 2 in this optimizer"),
        (
            changed(state={0: {"momentum_buffer": np.ones(5)}}),
            r"state 'momentum_buffer' of parameter 0 has shape \(5,\), expected the parameter's \(2,\)",
        ),
        (
            changed(state={7: {"momentum_buffer": np.ones(2)}}),
            r"state for parameter 7, but the param groups' 'params' lists hold \[0, 1\]",
        ),
        (changed(state={"w": {}}), r"state key 'w' is not a parameter index"),
        (changed(state={0: {"momentum_buffer": np.array(["a", "b"])}}), r"has dtype <U1, expected numbers"),
        (changed(lr=-1.0), r"SGD: lr must be a number >= 0, got -1\.0"),
    ]
    for sd, message in cases:
        with pytest.raises(ValueError, match=message or "expected a dict with 'state' and 'param_groups'"):
            opt.load_state_dict(sd)
    # Nothing changed on the failed loads.
    assert opt.param_groups[0]["lr"] == 0.1
    for k, v in before.items():
        np.testing.assert_array_equal(opt.state[p][k], v)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
        ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
        ("Adam", dict(lr=0.05, amsgrad=True, betas=(0.9, 0.5))),
        ("AdamW", dict(lr=0.05)),
        ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
        ("ASGD", dict(lr=0.05, t0=1)),
        ("Rprop", dict(lr=0.05)),
        ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
    ],
)
def test_loads_a_pytorch_state_dict(problem, name, kwargs):
    torch = pytest.importorskip("torch")
    prob = problem(np.float64, seed=2)
    t_params, t_loss_step = prob.torch_copy(torch)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    for _ in range(2):
        t_loss_step()
        t_opt.step()
    for p, t in zip(prob.params(), t_params, strict=True):
        p.array[...] = t.detach().numpy()
    sd = t_opt.state_dict()
    sd = {
        "state": {
            k: {n: (v.numpy() if torch.is_tensor(v) else v) for n, v in s.items()} for k, s in sd["state"].items()
        },
        "param_groups": sd["param_groups"],
    }
    opt = _opt(name, prob.params(), kwargs)
    opt.load_state_dict(sd)
    for _ in range(3):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
    for p, t in zip(prob.params(), t_params, strict=True):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-9, atol=1e-9)


# -- get ---------------------------------------------------------------------------------------
def test_get_resolves_names_classes_and_instances():
    params = dn.nn.Linear(2, 1).parameters()
    for name, cls in [
        ("sgd", optim.SGD),
        ("Adam", optim.Adam),
        ("ADAMW", optim.AdamW),
        ("adagrad", optim.Adagrad),
        ("rms_prop", optim.RMSprop),
        ("RMSprop", optim.RMSprop),
        ("asgd", optim.ASGD),
        ("Rprop", optim.Rprop),
        ("adafactor", optim.Adafactor),
    ]:
        opt = optim.get(name, params, lr=0.05)
        assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.05
    assert type(optim.get(optim.SGD, params)) is optim.SGD
    existing = optim.Adam(params)
    assert optim.get(existing) is existing
    with pytest.raises(
        ValueError,
        match=(
            r"unknown optimizer 'adabelief'; expected one of \['adadelta', 'adafactor', 'adagrad', "
            r"'adam', 'adamax', 'adamw', 'asgd', 'cg', 'lbfgs', 'nadam', 'radam', 'rmsprop', 'rprop', 'sgd'\]"
        ),
    ):
        optim.get("adabelief", params)
    with pytest.raises(ValueError, match=r"set them when creating the optimizer"):
        optim.get(existing, lr=0.1)
    with pytest.raises(ValueError, match=r"needs the parameters to optimize"):
        optim.get("sgd")
    with pytest.raises(ValueError, match=r"expected an optimizer name, class or instance, got int"):
        optim.get(3, params)


def test_dn_optim_is_the_package():
    assert dn.optim is optim and dn.optim.lr_scheduler.StepLR is optim.StepLR


def test_a_param_groups_labels_are_kept_as_pytorch_keeps_them():
    """A ported program names its groups ("name", "lr_scale" for layer-wise decay): PyTorch keeps
    any key in a group, and its state_dict; deltanet refused them as unknown hyperparameters."""
    a, b = _param(), _param()
    opt = optim.SGD([{"params": [a], "name": "backbone", "lr_scale": 0.1}, {"params": [b], "name": "head"}], lr=0.1)
    assert [g["name"] for g in opt.param_groups] == ["backbone", "head"] and opt.param_groups[0]["lr_scale"] == 0.1
    saved = opt.state_dict()
    assert saved["param_groups"][0]["name"] == "backbone"
    fresh = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    fresh.load_state_dict(saved)
    assert [g.get("name") for g in fresh.param_groups] == ["backbone", "head"]
    torch = pytest.importorskip("torch")
    t = torch.nn.Parameter(torch.zeros(2))
    kept = torch.optim.SGD([{"params": [t], "name": "backbone", "lr_scale": 0.1}], lr=0.1).param_groups[0]
    assert kept["name"] == "backbone" and kept["lr_scale"] == 0.1
