"""Distances, bilinear forms, the metric-learning and likelihood losses, GLU and softmin: float64
gradcheck, outputs and gradients equal PyTorch's (every reduction, swap, p, full), float32 kept,
the layers' reprs, attributes and parameters as PyTorch's, and bad inputs rejected by name."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn

RNG = np.random.default_rng(7)
A, B, C = (RNG.standard_normal((5, 4)) for _ in range(3))
LABELS = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
COUNTS = RNG.poisson(2.0, (5, 4)).astype(float)
VAR = np.abs(RNG.standard_normal((5, 4))) + 0.1
W3 = RNG.standard_normal((3, 4, 2))
X2 = RNG.standard_normal((5, 2))
REDUCTIONS = ("mean", "sum", "none")

# name -> (fn(F, reduction, *floats, *constants) with F the functional module, the float inputs
# that get a gradient, the constants). reduction is None for the functions that have none.
CASES = {
    "pairwise_distance": (lambda F, r, a, b: F.pairwise_distance(a, b), (A, B), ()),
    "pairwise_distance p=1 keepdim": (lambda F, r, a, b: F.pairwise_distance(a, b, 1.0, keepdim=True), (A, B), ()),
    "pairwise_distance p=inf": (lambda F, r, a, b: F.pairwise_distance(a, b, float("inf")), (A, B), ()),
    "pairwise_distance broadcast": (lambda F, r, a, b: F.pairwise_distance(a, b[:1]), (A, B), ()),
    "bilinear": (lambda F, r, a, x, w, b: F.bilinear(a, x, w, b), (A, X2, W3, RNG.standard_normal(3)), ()),
    "glu": (lambda F, r, a: F.glu(a), (A,), ()),
    "glu dim 0": (lambda F, r, a: F.glu(a[:4], 0), (A,), ()),
    "softmin": (lambda F, r, a: F.softmin(a, dim=1), (A,), ()),
    "margin_ranking_loss": (
        lambda F, r, a, b, y: F.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.3, reduction=r),
        (A, B),
        (LABELS,),
    ),
    "hinge_embedding_loss": (
        lambda F, r, a, y: F.hinge_embedding_loss(a.abs(), y, 0.8, reduction=r),
        (A,),
        (np.sign(B),),
    ),
    "soft_margin_loss": (lambda F, r, a, y: F.soft_margin_loss(a, y, reduction=r), (A,), (np.sign(B),)),
    "multilabel_soft_margin_loss": (
        lambda F, r, a, y, w: F.multilabel_soft_margin_loss(a, y, w, reduction=r),
        (A,),
        ((B > 0).astype(float), np.array([1.0, 2.0, 0.5, 1.0])),
    ),
    "cosine_embedding_loss": (
        lambda F, r, a, b, y: F.cosine_embedding_loss(a, b, y, -0.2, reduction=r),
        (A, B),
        (LABELS,),
    ),
    "triplet_margin_loss": (
        lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, reduction=r),
        (A, A + 0.3 * B, C),
        (),
    ),
    "triplet_margin_loss swap p=1": (
        lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction=r),
        (A, B, C),
        (),
    ),
    "triplet_margin_with_distance_loss cosine swap": (
        lambda F, r, a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), swap=True, reduction=r
        ),
        (A, B, C),
        (),
    ),
    "poisson_nll_loss": (lambda F, r, a, y: F.poisson_nll_loss(a, y, reduction=r), (A,), (COUNTS,)),
    "poisson_nll_loss rate full": (
        lambda F, r, a, y: F.poisson_nll_loss(a.abs() + 0.1, y, log_input=False, full=True, reduction=r),
        (A,),
        (COUNTS,),
    ),
    "gaussian_nll_loss": (lambda F, r, a, b, v: F.gaussian_nll_loss(a, b, v, reduction=r), (A, B, VAR), ()),
    "gaussian_nll_loss shared var full": (
        lambda F, r, a, b, v: F.gaussian_nll_loss(a, b, v[:, 0], full=True, reduction=r),
        (A, B, VAR),
        (),
    ),
    # PyTorch clamps the variance under no_grad: its gradient passes the clamp unchanged, so a
    # central difference (which sees the clamp) disagrees by design; compared with PyTorch only.
    "gaussian_nll_loss var below eps": (
        lambda F, r, a, b, v: F.gaussian_nll_loss(a, b, v * 1e-7, reduction=r),
        (A, B, VAR),
        (),
    ),
}
NOT_GRADCHECKED = {"gaussian_nll_loss var below eps"}


def _reductions(name):
    return REDUCTIONS if "loss" in name else (None,)


@pytest.mark.parametrize("name", sorted(set(CASES) - NOT_GRADCHECKED))
def test_gradcheck_float64(name):
    fn, floats, constants = CASES[name]
    inputs = [dn.tensor(x, requires_grad=True) for x in floats]
    consts = [dn.tensor(c) for c in constants]
    for r in _reductions(name):
        assert fn(F, r, *inputs, *consts).dtype == np.float64
        assert dn.gradcheck(lambda *xs, r=r: fn(F, r, *xs, *consts), inputs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_and_gradients_equal_pytorch(name):
    torch = pytest.importorskip("torch")
    fn, floats, constants = CASES[name]
    for r in _reductions(name):
        ours = [dn.tensor(x, requires_grad=True) for x in floats]
        theirs = [torch.tensor(x, requires_grad=True) for x in floats]
        out = fn(F, r, *ours, *[dn.tensor(c) for c in constants])
        expected = fn(torch.nn.functional, r, *theirs, *[torch.tensor(c) for c in constants])
        assert out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        cotangent = RNG.standard_normal(out.shape)
        out.backward(dn.tensor(cotangent))
        expected.backward(torch.tensor(cotangent))
        for a, b in zip(ours, theirs, strict=True):
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_float32_stays_float32_with_integer_labels():
    a, b, c = (dn.tensor(x.astype(np.float32), requires_grad=True) for x in (A, B, C))
    labels = dn.tensor(np.array([1, -1, 1, -1, 1]))  # int64 labels must not promote to float64
    for loss in (
        F.margin_ranking_loss(a[:, 0], b[:, 0], labels),
        F.cosine_embedding_loss(a, b, labels),
        F.hinge_embedding_loss(a[:, 0].abs(), labels),
        F.triplet_margin_loss(a, b, c),
        F.pairwise_distance(a, b),
        F.poisson_nll_loss(a, dn.tensor(COUNTS.astype(np.int64))),
        F.gaussian_nll_loss(a, b, dn.tensor(VAR.astype(np.float32))),
    ):
        assert loss.dtype == np.float32
        loss.sum().backward()
    assert a.grad.dtype == np.float32


def test_all_minus_inf_rows_give_nan_as_pytorch():
    z = np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = F.softmax(dn.tensor(z), dim=1).array
        log_s = F.log_softmax(dn.tensor(z), dim=1).array
        ignored = F.cross_entropy(dn.tensor(z), dn.tensor([0, 1]), ignore_index=0).item()
        general = F.cross_entropy(dn.tensor(z), dn.tensor([0, 1]), label_smoothing=0.1, reduction="none").array
        tensor_log_s = dn.tensor(z).log_softmax(1).array
    # The common case's fast path (class indices, no options) keeps NumPy's warning: silencing it
    # costs a microsecond a call (functional/losses.py, SoftmaxCrossEntropy._forward_plain).
    with pytest.warns(RuntimeWarning, match="invalid value"):
        loss = F.cross_entropy(dn.tensor(z), dn.tensor([0, 1]), reduction="none").array
    assert np.isnan(s[0]).all() and np.isnan(log_s[0]).all() and np.isnan(tensor_log_s[0]).all()
    assert np.isnan(loss[0]) and np.isnan(general[0]) and np.isclose(loss[1], np.log1p(np.e) - 1)
    assert np.isclose(ignored, np.log1p(np.e) - 1)  # the ignored all -inf row adds 0, as in PyTorch


def test_cosine_similarity_of_short_vectors_is_their_cosine():
    """Each norm is clamped at eps on its own (PyTorch 2.x): vectors of length 1e-5 still give the
    cosine; clamping the product of the norms (1e-10 < 1e-8) gave 1 % of it."""
    a, b = dn.tensor([[3e-5, 4e-5]]), dn.tensor([[4e-5, 3e-5]])
    np.testing.assert_allclose(F.cosine_similarity(a, b).numpy(), [0.96], rtol=1e-6)
    np.testing.assert_allclose(nn.CosineSimilarity(eps=1e-4)(a, b).numpy(), [0.96 * 0.25], rtol=1e-6)
    zero = dn.zeros(1, 2, dtype=dn.float64, requires_grad=True)
    other = dn.tensor([[3.0, 4.0]], dtype=dn.float64, requires_grad=True)
    F.cosine_similarity(zero, other).sum().backward()
    np.testing.assert_allclose(zero.grad.numpy(), [[0.6e8, 0.8e8]])  # other / |other| / eps
    np.testing.assert_allclose(other.grad.numpy(), [[0.0, 0.0]])


def test_relu_keeps_the_sign_of_zero():
    torch = pytest.importorskip("torch")
    for n in (3, 20_000):
        z = np.zeros(n, dtype=np.float32)
        z[::2] = -0.0
        z[1::5] = -1.0
        expected = torch.relu(torch.tensor(z)).numpy().tobytes()
        assert F.relu(dn.tensor(z)).array.tobytes() == expected
        assert nn.ReLU()(dn.tensor(z)).array.tobytes() == expected
        inplace = dn.tensor(z.copy())
        inplace.relu_()
        assert inplace.array.tobytes() == expected


def test_layers_match_pytorch_reprs_attributes_and_parameters():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Hardtanh(), torch.nn.Hardtanh()),
        (nn.ReLU6(inplace=True), torch.nn.ReLU6(inplace=True)),
        (nn.Hardshrink(), torch.nn.Hardshrink()),
        (nn.Softshrink(0.3), torch.nn.Softshrink(0.3)),
        (nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)),
        (nn.RReLU(), torch.nn.RReLU()),
        (nn.CELU(2.0), torch.nn.CELU(2.0)),
        (nn.SELU(), torch.nn.SELU()),
        (nn.Mish(), torch.nn.Mish()),
        (nn.GLU(), torch.nn.GLU()),
        (nn.Softmin(dim=1), torch.nn.Softmin(dim=1)),
        (nn.Softmax2d(), torch.nn.Softmax2d()),
        (nn.LogSigmoid(), torch.nn.LogSigmoid()),
        (nn.Softsign(), torch.nn.Softsign()),
        (nn.Tanhshrink(), torch.nn.Tanhshrink()),
        (nn.Hardswish(), torch.nn.Hardswish()),
        (nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
        (nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
        (nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
        (nn.Bilinear(4, 2, 3), torch.nn.Bilinear(4, 2, 3)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    assert nn.PairwiseDistance(p=1.0).norm == torch.nn.PairwiseDistance(p=1.0).norm
    bilinear = nn.Bilinear(4, 2, 3)
    assert list(bilinear.state_dict()) == ["weight", "bias"]
    assert bilinear.weight.shape == (3, 4, 2) and bilinear.bias.shape == (3,)
    assert nn.Bilinear(4, 2, 3, bias=False).bias is None


def test_layers_compute_what_their_functions_do():
    x = dn.tensor(A)
    assert np.allclose(nn.Softmax2d()(dn.tensor(A.reshape(1, 5, 2, 2))).array.sum(axis=1), 1.0)
    assert np.array_equal(nn.Softmin(dim=1)(x).array, F.softmin(x, dim=1).array)
    assert np.array_equal(nn.RReLU(0.1, 0.3).eval()(x).array, F.rrelu(x, 0.1, 0.3).array)
    dn.manual_seed(0)
    trained = nn.RReLU(0.1, 0.3).train()(x).array
    negative = A < 0
    slopes = trained[negative] / A[negative]
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and np.unique(slopes).size > 1
    assert np.array_equal(trained[~negative], A[~negative])
    loss = nn.TripletMarginLoss(margin=0.5, swap=True, reduction="sum")
    assert np.isclose(
        loss(x, dn.tensor(B), dn.tensor(C)).item(),
        F.triplet_margin_loss(x, B, C, 0.5, swap=True, reduction="sum").item(),
    )
    assert np.isclose(
        nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance())(x, B, C).item(),
        F.triplet_margin_loss(x, B, C).item(),
    )
    assert np.isclose(
        nn.CosineEmbeddingLoss(0.1)(x, B, LABELS).item(), F.cosine_embedding_loss(x, B, LABELS, 0.1).item()
    )
    assert np.isclose(
        nn.MarginRankingLoss(0.2)(x[:, 0], B[:, 0], LABELS).item(),
        F.margin_ranking_loss(x[:, 0], B[:, 0], LABELS, 0.2).item(),
    )
    assert np.isclose(nn.GaussianNLLLoss(full=True)(x, B, VAR).item(), F.gaussian_nll_loss(x, B, VAR, full=True).item())
    weighted = nn.MultiLabelSoftMarginLoss(weight=[1.0, 2.0, 0.5, 1.0])
    assert list(weighted.state_dict()) == ["weight"]
    assert np.isclose(
        weighted(x, (B > 0) * 1.0).item(), F.multilabel_soft_margin_loss(x, (B > 0) * 1.0, [1.0, 2.0, 0.5, 1.0]).item()
    )


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: F.glu(dn.tensor(np.ones((2, 3)))),
            r"glu: the size along dim must be even \(it is halved\), got size 3",
        ),
        (lambda: F.glu(dn.tensor(1.0)), r"glu: expected an input with at least one axis"),
        (lambda: F.pairwise_distance(dn.tensor(A), dn.tensor(B), p=-1), r"pairwise_distance: p must be"),
        (lambda: F.pairwise_distance(dn.tensor(1.0), dn.tensor(2.0)), r"at least one axis"),
        (lambda: F.bilinear(dn.tensor(A), dn.tensor(X2), dn.tensor(W3[:, :3])), r"bilinear: input1 .* must match"),
        (lambda: F.bilinear(dn.tensor(A), dn.tensor(X2[:4]), dn.tensor(W3)), r"same leading axes"),
        (
            lambda: F.bilinear(dn.tensor(A), dn.tensor(X2), dn.tensor(W3), dn.tensor(np.ones(2))),
            r"bias must have shape \(3,\)",
        ),
        (lambda: F.triplet_margin_loss(dn.tensor(A), dn.tensor(B), dn.tensor(C[0])), r"same number of axes"),
        (lambda: F.triplet_margin_with_distance_loss(A, B, C, margin=0.0), r"margin must be greater than 0, got 0"),
        (lambda: F.triplet_margin_with_distance_loss(A, B, C, distance_function=3), r"must be callable"),
        (lambda: F.cosine_embedding_loss(dn.tensor(A), dn.tensor(B), dn.tensor(LABELS[:, None])), r"expected input1"),
        (lambda: F.margin_ranking_loss(dn.tensor(A), dn.tensor(B[:, 0]), dn.tensor(LABELS)), r"same number of axes"),
        (lambda: F.soft_margin_loss(dn.tensor(A), dn.tensor(B[:, 0])), r"input shape \(5, 4\) and target shape"),
        (lambda: F.gaussian_nll_loss(dn.tensor(A), dn.tensor(B), dn.tensor(-VAR)), r"var has negative"),
        (lambda: F.gaussian_nll_loss(dn.tensor(A), dn.tensor(B), dn.tensor(VAR[:2])), r"var is of incorrect size"),
        (lambda: F.poisson_nll_loss(dn.tensor(A), COUNTS, reduction="avg"), r"reduction must be 'mean'"),
        (lambda: F.hinge_embedding_loss(dn.tensor(A), B, size_average=True), r"size_average and reduce are deprecated"),
        (lambda: F.margin_ranking_loss(dn.tensor(np.arange(3)), np.ones(3), np.ones(3)), r"input1 must be floating"),
        (lambda: F.celu(dn.tensor(A), alpha=0), r"celu: alpha must not be 0"),
        (lambda: nn.Softmax2d()(dn.tensor(A)), r"expected a 3-D .* or 4-D .* input, got 2-D"),
        (lambda: nn.Bilinear(0, 2, 3), r"in1_features must be"),
        (lambda: nn.TripletMarginLoss(swap="yes"), r"swap must be"),
        (lambda: nn.Hardtanh(1.0, -1.0), r"max_val must be at least min_val"),
        (lambda: F.triplet_margin_loss(A, B, C, margin=0.0), r"triplet_margin_loss: margin must be greater than 0"),
        (lambda: nn.TripletMarginLoss(margin=-1.0), r"TripletMarginLoss: margin must be greater than 0, got -1"),
        (lambda: F.cosine_embedding_loss(A, B, [1.0, np.nan, 1.0, 1.0, 1.0]), r"target contains NaN or Inf \(1 of 5"),
    ],
)
def test_bad_inputs_are_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "name, args",
    [
        ("relu_", ()),
        ("elu_", (0.5,)),
        ("leaky_relu_", (0.2,)),
        ("hardtanh_", (-0.5, 0.5)),
        ("threshold_", (0.1, -2.0)),
        ("rrelu_", (0.1, 0.3)),
        ("celu_", (0.7,)),
        ("selu_", ()),
    ],
)
def test_inplace_functional_activations_overwrite_and_differentiate_as_pytorch(name, args):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(6)
    a = dn.tensor(x, requires_grad=True)
    b = a * 2
    result = getattr(F, name)(b, *args)
    assert result is b
    (result * dn.tensor(x)).sum().backward()
    ta = torch.tensor(x, requires_grad=True)
    expected = getattr(torch.nn.functional, name)(ta * 2, *args)
    (expected * torch.tensor(x)).sum().backward()
    # PyTorch's celu_ rounds 1 / alpha to float32 (its celu does not): 2e-8 apart in float64
    rtol = 1e-7 if name == "celu_" else 1e-12
    np.testing.assert_allclose(result.array, expected.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(a.grad.array, ta.grad.numpy(), rtol=rtol)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(dn.tensor(x, requires_grad=True), *args)
    with pytest.raises(ValueError, match=f"{name}: input must be a Tensor"):
        getattr(F, name)([1.0, 2.0], *args)


def test_integer_hyperparameters_print_as_given():
    torch = pytest.importorskip("torch")
    for ours, theirs in [
        (nn.Threshold(0.1, 20), torch.nn.Threshold(0.1, 20)),
        (nn.Hardtanh(-2, 2), torch.nn.Hardtanh(-2, 2)),
        (nn.CELU(2), torch.nn.CELU(2)),
        (nn.Softshrink(1), torch.nn.Softshrink(1)),
    ]:
        assert repr(ours) == repr(theirs)
    default = nn.TripletMarginWithDistanceLoss()
    assert isinstance(default.distance_function, nn.PairwiseDistance)  # PyTorch's attribute


def test_gaussian_nll_clamps_the_variance_in_its_own_dtype_as_pytorch():
    torch = pytest.importorskip("torch")
    var = np.zeros((5, 4), dtype=np.float32)  # clamped at float32(1e-6), then used in float64
    ours = F.gaussian_nll_loss(dn.tensor(A), dn.tensor(B), dn.tensor(var)).item()
    theirs = torch.nn.functional.gaussian_nll_loss(torch.tensor(A), torch.tensor(B), torch.tensor(var)).item()
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_poisson_nll_overflow_and_negative_rate_as_pytorch_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.poisson_nll_loss(dn.tensor([1000.0]), dn.tensor([1.0])).item() == np.inf
        assert np.isnan(F.poisson_nll_loss(dn.tensor([-1.0]), dn.tensor([1.0]), log_input=False).item())
