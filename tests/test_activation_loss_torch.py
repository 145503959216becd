"""PyTorch parity in float64: every output activation followed by every loss that makes sense
after it (loss value, dL/dz and dL/dα for PReLU, to 1e-9), and every loss alone with every
reduction (value, input and target gradients)."""

import zlib

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

N, C = 6, 4
TOL = dict(rtol=1e-9, atol=1e-9)


def _close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), **TOL)


# name -> (ours(z, alpha), torch(z, alpha)); alpha is PReLU's per-channel slope, shape (C,)
ACTIVATIONS = {
    "sigmoid": (lambda z, al: F.sigmoid(z), lambda z, al: torch.sigmoid(z)),
    "tanh": (lambda z, al: F.tanh(z), lambda z, al: torch.tanh(z)),
    "relu": (lambda z, al: F.relu(z), lambda z, al: torch.relu(z)),
    "leaky_relu": (lambda z, al: F.leaky_relu(z, 0.1), lambda z, al: TF.leaky_relu(z, 0.1)),
    "prelu": (lambda z, al: F.prelu(z, al), lambda z, al: TF.prelu(z, al)),
    "elu": (lambda z, al: F.elu(z, 1.3), lambda z, al: TF.elu(z, 1.3)),
    "silu": (lambda z, al: F.silu(z), lambda z, al: TF.silu(z)),
    "softplus": (lambda z, al: F.softplus(z), lambda z, al: TF.softplus(z)),
    "softmax": (lambda z, al: F.softmax(z, axis=-1), lambda z, al: torch.softmax(z, dim=-1)),
    "identity": (lambda z, al: F.identity(z), lambda z, al: z),
}
PROBABILITY_OUTPUTS = {"sigmoid", "softmax"}
SCORE_OUTPUTS = sorted(set(ACTIVATIONS) - PROBABILITY_OUTPUTS)


def _real(rng, shape):
    return rng.uniform(0.1, 1.5, shape)  # positive targets, reachable by every activation


def _prob(rng, shape):
    return rng.uniform(0.0, 1.0, shape)


def _labels(rng, shape):
    return rng.integers(0, shape[1], shape[:1] + shape[2:])


def _sign(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _rows(rng, shape):
    return np.moveaxis(rng.dirichlet(np.ones(shape[1]), size=shape[:1] + shape[2:]), -1, 1)


def _torch_reduce(terms, reduction):
    return terms if reduction == "none" else terms.sum() if reduction == "sum" else terms.mean()


_W = np.array([0.5, 2.0, 1.0, 1.5])  # class weights / pos_weight, one per class


# name -> (ours(a, y, reduction), torch(a, y, reduction), target maker, target differentiable)
LOSSES = {
    "mse": (lambda a, y, r: F.mse_loss(a, y, reduction=r), lambda a, y, r: TF.mse_loss(a, y, reduction=r), _real, True),
    "l1": (lambda a, y, r: F.l1_loss(a, y, reduction=r), lambda a, y, r: TF.l1_loss(a, y, reduction=r), _real, True),
    "huber": (
        lambda a, y, r: F.huber_loss(a, y, reduction=r, delta=0.5),
        lambda a, y, r: TF.huber_loss(a, y, reduction=r, delta=0.5),
        _real,
        True,
    ),
    "log_cosh": (
        lambda a, y, r: F.log_cosh_loss(a, y, reduction=r),
        lambda a, y, r: _torch_reduce(torch.log(torch.cosh(a - y)), r),
        _real,
        True,
    ),
    "bce": (
        lambda a, y, r: F.binary_cross_entropy(a, y, reduction=r),
        lambda a, y, r: TF.binary_cross_entropy(a, y, reduction=r),
        _prob,
        True,
    ),
    "nll_of_log": (
        lambda a, y, r: F.nll_loss(a.log(), y, reduction=r, weight=_W),
        lambda a, y, r: TF.nll_loss(a.log(), y, reduction=r, weight=torch.tensor(_W)),
        _labels,
        False,
    ),
    "bce_with_logits": (
        lambda a, y, r: F.binary_cross_entropy_with_logits(a, y, reduction=r),
        lambda a, y, r: TF.binary_cross_entropy_with_logits(a, y, reduction=r),
        _prob,
        True,
    ),
    "bce_with_logits_pos_weight": (
        lambda a, y, r: F.binary_cross_entropy_with_logits(a, y, reduction=r, pos_weight=_W),
        lambda a, y, r: TF.binary_cross_entropy_with_logits(a, y, reduction=r, pos_weight=torch.tensor(_W)),
        _prob,
        True,
    ),
    "cross_entropy": (
        lambda a, y, r: F.cross_entropy(a, y, reduction=r),
        lambda a, y, r: TF.cross_entropy(a, y, reduction=r),
        _labels,
        False,
    ),
    "cross_entropy_smoothing_weight": (
        lambda a, y, r: F.cross_entropy(a, y, reduction=r, label_smoothing=0.2, weight=_W),
        lambda a, y, r: TF.cross_entropy(a, y, reduction=r, label_smoothing=0.2, weight=torch.tensor(_W)),
        _labels,
        False,
    ),
    "cross_entropy_probabilities": (
        lambda a, y, r: F.cross_entropy(a, y, reduction=r, label_smoothing=0.1),
        lambda a, y, r: TF.cross_entropy(a, y, reduction=r, label_smoothing=0.1),
        _rows,
        True,
    ),
    "hinge": (
        lambda a, y, r: F.hinge_loss(a, y, reduction=r),
        lambda a, y, r: _torch_reduce(torch.clamp(1 - y * a, min=0), r),
        _sign,
        False,
    ),
    "multi_margin": (
        lambda a, y, r: F.multi_margin_loss(a, y, reduction=r),
        lambda a, y, r: TF.multi_margin_loss(a, y, reduction=r),
        _labels,
        False,
    ),
    "multi_margin_p2_weight": (
        lambda a, y, r: F.multi_margin_loss(a, y, p=2, margin=0.7, weight=_W, reduction=r),
        lambda a, y, r: TF.multi_margin_loss(a, y, p=2, margin=0.7, weight=torch.tensor(_W), reduction=r),
        _labels,
        False,
    ),
}
REGRESSION = ["mse", "l1", "huber", "log_cosh"]
AFTER_PROBABILITIES = ["bce", "nll_of_log"]  # losses of probabilities: after sigmoid/softmax
AFTER_SCORES = [
    "bce_with_logits",
    "bce_with_logits_pos_weight",
    "cross_entropy",
    "cross_entropy_smoothing_weight",
    "cross_entropy_probabilities",
    "hinge",
    "multi_margin",
    "multi_margin_p2_weight",
]  # losses of raw scores (logits)

PAIRS = (
    [(act, loss) for act in sorted(ACTIVATIONS) for loss in REGRESSION]
    + [("sigmoid", "bce"), ("softmax", "bce"), ("softmax", "nll_of_log")]
    + [(act, loss) for act in SCORE_OUTPUTS for loss in AFTER_SCORES]
)


def _pair(ours_or_torch, array, requires_grad=True):
    if ours_or_torch == "ours":
        return dn.tensor(array, requires_grad=requires_grad)
    return torch.tensor(array, requires_grad=requires_grad)


@pytest.mark.parametrize("act, loss", PAIRS, ids=[f"{a}-{lo}" for a, lo in PAIRS])
def test_activation_then_loss_matches_torch(act, loss):
    rng = np.random.default_rng(zlib.crc32(f"{act}-{loss}".encode()))
    z = rng.standard_normal((N, C)) * 1.5
    z[np.abs(z) < 1e-3] = 0.5  # away from the kinks of ReLU and friends
    alpha = rng.uniform(0.05, 0.5, C)
    ours_loss, torch_loss, make_target, _ = LOSSES[loss]
    y = make_target(rng, (N, C))

    zo, ao = dn.tensor(z, requires_grad=True), dn.tensor(alpha, requires_grad=True)
    lo = ours_loss(ACTIVATIONS[act][0](zo, ao), y, "mean")
    lo.backward()

    zt, at = torch.tensor(z, requires_grad=True), torch.tensor(alpha, requires_grad=True)
    lt = torch_loss(ACTIVATIONS[act][1](zt, at), torch.tensor(y), "mean")
    lt.backward()

    _close(lo.data, lt)
    _close(zo.grad, zt.grad)
    if act == "prelu":
        _close(ao.grad, at.grad)


def test_pairs_cover_every_activation_and_loss():
    assert {a for a, _ in PAIRS} == set(ACTIVATIONS)
    assert {lo for _, lo in PAIRS} == set(LOSSES)


# -- every loss alone, every reduction, input and target gradients --------------------------------
ALONE = {
    **{name: (name, (N, C), None) for name in LOSSES if name != "nll_of_log"},
    "bce_edge": ("bce", (N, C), "edge"),  # p ∈ {0, 1}: the clamped logs and PyTorch's gradient floor
    "cross_entropy_nd": ("cross_entropy_smoothing_weight", (2, C, 3, 2), None),
    "cross_entropy_nd_probabilities": ("cross_entropy_probabilities", (2, C, 3), None),
    "cross_entropy_ignore_index": ("cross_entropy_smoothing_weight", (N, C), "ignore"),
    "nll_nd_ignore_index": ("nll", (2, C, 3), "ignore"),
    "mse_3d": ("mse", (2, 3, 2), None),
}
NLL = (
    lambda a, y, r: F.nll_loss(a, y, reduction=r, weight=_W),
    lambda a, y, r: TF.nll_loss(a, y, reduction=r, weight=torch.tensor(_W)),
    _labels,
    False,
)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(ALONE))
def test_loss_alone_matches_torch(case, reduction):
    name, shape, variant = ALONE[case]
    ours_loss, torch_loss, make_target, target_grad = NLL if name == "nll" else LOSSES[name]
    rng = np.random.default_rng(zlib.crc32(f"{case}-{reduction}".encode()))
    if name == "bce":
        a = rng.uniform(0.02, 0.98, shape)
        if variant == "edge":
            a.reshape(-1)[:4] = [0.0, 1.0, 0.0, 1.0]
    else:
        a = rng.standard_normal(shape) * 2
    y = make_target(rng, shape)
    if variant == "edge":
        y.reshape(-1)[:4] = [0.0, 1.0, 1.0, 0.0]
    if variant == "ignore":
        y.reshape(-1)[[0, 3]] = -100

    ao, yo = dn.tensor(a, requires_grad=True), dn.tensor(y, requires_grad=target_grad)
    at, yt = torch.tensor(a, requires_grad=True), torch.tensor(y, requires_grad=target_grad)
    lo, lt = ours_loss(ao, yo, reduction), torch_loss(at, yt, reduction)
    _close(lo.data, lt)
    cotangent = rng.standard_normal(lt.shape)
    (lo * dn.tensor(cotangent)).sum().backward()
    (lt * torch.tensor(cotangent)).sum().backward()
    _close(ao.grad, at.grad)
    if target_grad and variant == "edge":
        # Deliberate difference: PyTorch's target gradient log(1 − p) − log p is ±inf at
        # p ∈ {0, 1}; ours is the derivative of the clamped loss actually computed, ±100.
        edge = (slice(0, 1), slice(0, 4))
        expected = np.array([100.0, -100.0, 100.0, -100.0]) * np.broadcast_to(cotangent, shape)[edge]
        expected /= a.size if reduction == "mean" else 1
        np.testing.assert_allclose(yo.grad[edge], expected, rtol=1e-12)
        assert np.isinf(yt.grad[edge].numpy()).all()
        _close(yo.grad[1:], yt.grad[1:])
    elif target_grad:
        _close(yo.grad, yt.grad)


def test_loss_modules_match_torch_modules():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((N, C))
    y = rng.integers(0, C, N)
    pairs = [
        (dn.losses.CrossEntropy(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1)),
        (dn.losses.MultiMarginLoss(), torch.nn.MultiMarginLoss()),
        (dn.losses.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum")),
    ]
    for ours, theirs in pairs:
        _close(ours(dn.tensor(z), y).data, theirs(torch.tensor(z), torch.tensor(y)))
    t = rng.uniform(0, 1, (N, C))
    _close(
        dn.losses.BCEWithLogitsLoss(pos_weight=_W)(dn.tensor(z), t).data,
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(_W))(torch.tensor(z), torch.tensor(t)),
    )
    _close(
        dn.losses.HuberLoss(delta=0.3)(dn.tensor(z), t).data,
        torch.nn.HuberLoss(delta=0.3)(torch.tensor(z), torch.tensor(t)),
    )
