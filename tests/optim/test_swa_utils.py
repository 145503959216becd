"""``optim.swa_utils``: averaged weights, SWALR and update_bn, against PyTorch's numbers."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import swa_utils


def build(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def batches(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)) for _ in range(n)]


def train_and_average(lib, make_averaged, steps=5):
    lib.manual_seed(0)
    model = build(lib)
    rng = np.random.default_rng(0)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.normal(size=tuple(p.shape)).astype(np.float32)))
    averaged = make_averaged(lib, model)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches(steps):
        opt.zero_grad()
        lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y)).backward()
        opt.step()
        averaged.update_parameters(model)
    return {k: v.detach().numpy().copy() for k, v in averaged.state_dict().items()}


VARIANTS = {
    "ema_multi_buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.9), use_buffers=True
    ),
    "ema_multi_high_weight": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.3)
    ),
    "ema_avg_fn": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, avg_fn=lib.optim.swa_utils.get_ema_avg_fn(0.8)),
    "swa_default": lambda lib, m: lib.optim.swa_utils.AveragedModel(m),
    "swa_default_buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, use_buffers=True),
    "swa_multi": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()
    ),
    "swa_avg_fn": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, avg_fn=lib.optim.swa_utils.get_swa_avg_fn()),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_averaged_weights_match_pytorch(variant):
    torch = pytest.importorskip("torch")
    ours = train_and_average(dn, VARIANTS[variant])
    theirs = train_and_average(torch, VARIANTS[variant])
    assert list(ours) == list(theirs)
    for key in theirs:
        assert ours[key].dtype == theirs[key].dtype, key
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, atol=1e-7, err_msg=key)


def test_first_update_copies_and_mean_is_exact():
    model = dn.nn.Linear(1, 1, bias=False)
    swa = swa_utils.AveragedModel(model)
    assert swa.module is not model and swa.module.weight is not model.weight
    for w in (1.0, 2.0, 6.0):
        model.weight.array.fill(w)
        swa.update_parameters(model)
    assert swa.module.weight.item() == 3.0 and swa.n_averaged.item() == 3
    assert np.array_equal(swa(dn.ones(2, 1)).array, [[3.0], [3.0]])


def test_bad_arguments():
    model = dn.nn.Linear(2, 1)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\] range."):
        swa_utils.get_ema_multi_avg_fn(1.5)
    with pytest.raises(ValueError, match="Invalid decay value"):
        swa_utils.get_ema_avg_fn(-0.1)
    with pytest.raises(RuntimeError, match="no GPU backend"):
        swa_utils.AveragedModel(model, device="cuda")
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        swa_utils.AveragedModel(lambda x: x)
    with pytest.raises(ValueError, match="use_buffers must be True or False"):
        swa_utils.AveragedModel(model, use_buffers="yes")
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        swa_utils.SWALR(opt, swa_lr=0.05, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
        swa_utils.SWALR(opt, swa_lr=[0.05, 0.01])


def swalr_rates(lib, strategy, anneal_epochs):
    w1 = lib.nn.Parameter(lib.zeros(2))
    w2 = lib.nn.Parameter(lib.zeros(2))
    opt = lib.optim.SGD([{"params": [w1]}, {"params": [w2], "lr": 0.3}], lr=0.1)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    swa = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.02, 0.05], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    rates = []
    for epoch in range(9):
        opt.step()
        (swa if epoch >= 3 else sched).step()
        rates.append([g["lr"] for g in opt.param_groups])
    return (
        rates,
        swa.get_last_lr(),
        {k: swa.state_dict()[k] for k in ("anneal_epochs", "_anneal_strategy", "last_epoch")},
    )


@pytest.mark.parametrize(("strategy", "anneal_epochs"), [("cos", 4), ("linear", 3), ("cos", 0), ("linear", 1)])
def test_swalr_matches_pytorch(strategy, anneal_epochs):
    torch = pytest.importorskip("torch")
    ours = swalr_rates(dn, strategy, anneal_epochs)
    theirs = swalr_rates(torch, strategy, anneal_epochs)
    assert ours[2] == theirs[2]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-15)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-15)


def bn_after_update(lib, momentum):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4, momentum=momentum), lib.nn.Linear(4, 1))
    with lib.no_grad():
        model[0].weight.copy_(lib.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10))
        model[0].bias.fill_(0.5)
    model.eval()
    loader = [(lib.tensor(x), lib.tensor(y)) for x, y in batches(4, seed=3)]
    lib.optim.swa_utils.update_bn(loader, model)
    bn = model[1]
    return (
        bn.running_mean.numpy().copy(),
        bn.running_var.numpy().copy(),
        int(bn.num_batches_tracked),
        model.training,
        bn.momentum,
    )


def test_update_bn_matches_pytorch():
    torch = pytest.importorskip("torch")
    for momentum in (0.1, None):
        ours, theirs = bn_after_update(dn, momentum), bn_after_update(torch, momentum)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
        assert ours[2:] == theirs[2:]


def test_update_bn_without_batchnorm_does_nothing():
    model = dn.nn.Linear(2, 1)
    swa_utils.update_bn([dn.ones(1, 2)], model)
    swa_utils.update_bn([[dn.ones(1, 2)]], swa_utils.AveragedModel(model))
