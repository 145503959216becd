"""The loss modules under PyTorch's names (``deltanet.nn.CrossEntropyLoss``, ...): values and
gradients equal PyTorch's in float64 for every argument combination, and deltanet's own names are
the same classes."""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(7)


def _both(ours, theirs, x, target, *, grad_target=False):
    """Loss value and input (and target) gradients of both libraries, on float64 copies."""
    r = None
    a = dn.tensor(x, requires_grad=True)
    t = dn.tensor(target, requires_grad=grad_target) if grad_target else target
    out = ours(a, t)
    r = RNG.standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    ta = torch.tensor(x, requires_grad=True)
    tt = torch.tensor(target, requires_grad=grad_target) if grad_target else torch.as_tensor(target)
    tout = theirs(ta, tt)
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    if grad_target:
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


W3 = np.array([0.5, 2.0, 1.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weight", [None, W3])
@pytest.mark.parametrize("ignore_index", [-100, 1, 255])
def test_cross_entropy_class_indices(reduction, label_smoothing, weight, ignore_index):
    z = RNG.standard_normal((5, 3))
    y = np.array([0, 2, 1, ignore_index if ignore_index != -100 else 2, 1])
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    tw = None if weight is None else torch.tensor(weight)
    _both(nn.CrossEntropyLoss(weight, **kw), torch.nn.CrossEntropyLoss(tw, **kw), z, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, W3])
def test_cross_entropy_n_d_maps_and_probabilities(reduction, weight):
    tw = None if weight is None else torch.tensor(weight)
    kw = dict(reduction=reduction, label_smoothing=0.1)
    z = RNG.standard_normal((2, 3, 4, 2))
    labels = RNG.integers(0, 3, (2, 4, 2))
    labels[0, 0, 0] = -100
    _both(nn.CrossEntropyLoss(weight, **kw), torch.nn.CrossEntropyLoss(tw, **kw), z, labels)
    p = RNG.uniform(0.05, 1, (2, 3, 4))
    p /= p.sum(axis=1, keepdims=True)
    z = RNG.standard_normal((2, 3, 4))
    _both(nn.CrossEntropyLoss(weight, **kw), torch.nn.CrossEntropyLoss(tw, **kw), z, p, grad_target=True)


def test_cross_entropy_all_targets_ignored_is_nan_with_zero_gradient_as_torch():
    z = dn.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    loss = nn.CrossEntropyLoss()(z, np.full(3, -100))
    loss.backward()
    assert np.isnan(loss.item()) and np.array_equal(z.grad, np.zeros((3, 4)))
    tz = torch.tensor(z.data, requires_grad=True)
    tloss = torch.nn.CrossEntropyLoss()(tz, torch.full((3,), -100))
    tloss.backward()
    assert torch.isnan(tloss) and not tz.grad.any()
    assert nn.CrossEntropyLoss(reduction="sum")(z, np.full(3, -100)).item() == 0.0


def test_ignore_index_is_exposed_and_read_at_each_call():
    loss_fn = nn.CrossEntropyLoss(ignore_index=255)
    assert loss_fn.ignore_index == 255
    z = RNG.standard_normal((2, 3))
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 3\).*got 255"):
        nn.CrossEntropyLoss()(dn.tensor(z), np.array([0, 255]))
    kept = loss_fn(dn.tensor(z), np.array([0, 255])).item()
    assert kept == pytest.approx(nn.CrossEntropyLoss()(dn.tensor(z[:1]), np.array([0])).item())
    loss_fn.ignore_index = 0  # a changed hyperparameter takes effect
    assert loss_fn(dn.tensor(z), np.array([0, 2])).item() == pytest.approx(
        nn.CrossEntropyLoss()(dn.tensor(z[1:]), np.array([2])).item()
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, W3])
def test_nll_loss(reduction, weight):
    x = np.log(RNG.dirichlet(np.ones(3), 4))
    y = np.array([0, -100, 2, 1])
    tw = None if weight is None else torch.tensor(weight)
    _both(nn.NLLLoss(weight, reduction=reduction), torch.nn.NLLLoss(tw, reduction=reduction), x, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda r: nn.MSELoss(reduction=r), lambda r: torch.nn.MSELoss(reduction=r)),
        (lambda r: nn.L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r)),
        (lambda r: nn.HuberLoss(r, 0.4), lambda r: torch.nn.HuberLoss(r, 0.4)),
        (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.4), lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.4)),
        (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.0), lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.0)),
    ],
    ids=["mse", "l1", "huber", "smooth_l1", "smooth_l1 beta 0"],
)
def test_regression_losses(reduction, ours, theirs):
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    _both(ours(reduction), theirs(reduction), x, y, grad_target=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_with_weight_and_pos_weight(reduction):
    w, pw = RNG.uniform(0.5, 2, 4), RNG.uniform(0.5, 3, 4)
    p, y = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))
    _both(
        nn.BCELoss(w, reduction=reduction),
        torch.nn.BCELoss(torch.tensor(w), reduction=reduction),
        p,
        y,
        grad_target=True,
    )
    z = RNG.standard_normal((3, 4)) * 3
    ours = nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)
    theirs = torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction, pos_weight=torch.tensor(pw))
    _both(ours, theirs, z, y, grad_target=True)


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(4), 3))
    p = RNG.dirichlet(np.ones(4), 3)
    target = np.log(p) if log_target else p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # both warn about "mean"
        _both(
            nn.KLDivLoss(reduction=reduction, log_target=log_target),
            torch.nn.KLDivLoss(reduction=reduction, log_target=log_target),
            x,
            target,
            grad_target=True,
        )


def test_kl_div_mean_warns_as_torch_and_zero_probabilities_add_nothing():
    x = dn.tensor(np.log(np.full((1, 2), 0.5)))
    with pytest.warns(UserWarning, match="batchmean"):
        nn.KLDivLoss()(x, np.array([[1.0, 0.0]]))
    assert nn.KLDivLoss(reduction="sum")(x, np.array([[1.0, 0.0]])).item() == pytest.approx(np.log(2))


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_positional_arguments_as_torch(p):
    x, y = RNG.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    _both(nn.MultiMarginLoss(p, 0.7, W3), torch.nn.MultiMarginLoss(p, 0.7, torch.tensor(W3)), x, y)


def test_deltanet_names_are_the_same_classes():
    assert losses.CrossEntropy is nn.CrossEntropyLoss is losses.CrossEntropyLoss
    assert losses.MAELoss is nn.L1Loss
    for name in [
        "MSELoss",
        "L1Loss",
        "HuberLoss",
        "SmoothL1Loss",
        "NLLLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "KLDivLoss",
    ]:
        assert getattr(losses, name) is getattr(nn, name)
        assert issubclass(getattr(nn, name), losses.Loss)
    assert isinstance(losses.get("smooth_l1"), nn.SmoothL1Loss) and isinstance(losses.get("kl_div"), nn.KLDivLoss)


def test_state_dict_keys_are_torchs():
    for ours, theirs in [
        (nn.CrossEntropyLoss(W3), torch.nn.CrossEntropyLoss(torch.tensor(W3))),
        (nn.BCEWithLogitsLoss(pos_weight=W3), torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(W3))),
        (nn.MSELoss(), torch.nn.MSELoss()),
    ]:
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_misplaced_positional_arguments_are_refused_not_misread():
    with pytest.raises(TypeError):
        nn.MSELoss("sum")  # PyTorch's first positional is the deprecated size_average
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(None, None, 5)  # (weight, size_average, ignore_index) in PyTorch


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.SmoothL1Loss(beta=-1.0), r"SmoothL1Loss: beta must be a number >= 0, got -1\.0"),
        (lambda: nn.SmoothL1Loss(beta=float("nan")), r"SmoothL1Loss: beta must be a number >= 0, got nan"),
        (lambda: nn.KLDivLoss(reduction="avg"), r"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none'"),
        (lambda: nn.CrossEntropyLoss(ignore_index=1.5), r"CrossEntropyLoss: ignore_index must be an integer, got 1\.5"),
        (lambda: nn.CrossEntropyLoss(label_smoothing=float("nan")), r"label_smoothing must be in \[0, 1\], got nan"),
        (lambda: nn.BCELoss(weight=[1.0, np.nan]), r"BCELoss: weight must be a finite number"),
        (lambda: nn.HuberLoss(delta=float("inf")), r"HuberLoss: delta must be a positive finite number, got inf"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bce_weight_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: weight of shape \(3,\) does not broadcast"):
        nn.BCELoss(weight=[1.0, 2.0, 3.0])(dn.tensor(np.full((2, 4), 0.5)), np.ones((2, 4)))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("BCEWithLogitsLoss", {"pos_weight": np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)}),
        (
            "BCEWithLogitsLoss",
            {"pos_weight": np.full((1, 4, 5), 2.5), "weight": np.linspace(0.5, 1.5, 20).reshape(4, 5)},
        ),
        ("BCELoss", {"weight": np.linspace(0.5, 1.5, 20).reshape(1, 1, 4, 5)}),
    ],
)
def test_binary_cross_entropy_weights_of_any_broadcasting_shape_are_pytorchs(name, kwargs):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(2, 3, 4, 5))
    y = (rng.uniform(size=z.shape) > 0.6).astype(np.float64)
    a = 1 / (1 + np.exp(-z)) if name == "BCELoss" else z
    ours = getattr(nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**{k: torch.tensor(v) for k, v in kwargs.items()})
    x, tx = dn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss, tloss = ours(x, dn.tensor(y)), theirs(tx, torch.tensor(y))
    loss.backward(), tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: weight must be a finite number or a 1-D array"):
        nn.CrossEntropyLoss(weight=np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(5, 5\) does not broadcast to the input's shape"):
        nn.BCEWithLogitsLoss(pos_weight=np.ones((5, 5)))(dn.tensor(z), dn.tensor(y))


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "SmoothL1Loss"])  # PyTorch's Huber fails in backward
def test_a_float64_target_makes_a_float64_loss_with_a_float32_gradient_as_pytorch(name):
    a = np.random.default_rng(5).normal(size=(4, 3)).astype(np.float32)
    y = np.random.default_rng(6).normal(size=(4, 3))  # float64, as data from NumPy often is
    x, tx = dn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss, tloss = getattr(nn, name)()(x, dn.tensor(y)), getattr(torch.nn, name)()(tx, torch.tensor(y))
    assert loss.dtype == dn.float64 and tloss.dtype == torch.float64
    loss.backward(), tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    assert x.grad.dtype == np.float32 and tx.grad.dtype == torch.float32
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)
    # a float32 target keeps the float32 loss
    assert getattr(nn, name)()(x, dn.tensor(y.astype(np.float32))).dtype == dn.float32
