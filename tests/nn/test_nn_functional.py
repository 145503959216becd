"""``deltanet.nn.functional`` is ``torch.nn.functional`` after renaming the import: PyTorch's
names, parameter names, positional order and defaults, with what deltanet does not implement
refused by name."""

import inspect
import warnings

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(5)

# Names deltanet implements; each must exist in both with compatible parameters.
NAMES = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh", "softmax", "log_softmax",
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "dropout", "dropout2d", "dropout3d", "cross_entropy", "nll_loss", "mse_loss",
    "l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss", "kl_div",
    "multi_margin_loss", "embedding", "pad", "one_hot", "interpolate", "upsample", "pixel_shuffle",
    "pixel_unshuffle", "prelu", "local_response_norm",
]  # fmt: skip


def _params(fn):
    """The parameter names after the first (the data, which deltanet's own functions call ``z`` or
    ``x`` after the seeds and PyTorch ``input``: pass it by position)."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None  # a C builtin of PyTorch: no Python signature to compare
    return None if names == ["args", "kwargs"] else names[1:]


@pytest.mark.parametrize("name", NAMES)
def test_torch_name_exists_with_torchs_parameters(name):
    ours, theirs = getattr(F, name), getattr(TF, name)
    assert name in F.__all__
    expected = _params(theirs)
    if expected is not None:
        got = _params(ours)
        # PyTorch's parameters, in its order (PyTorch 2.x added a trailing weight= to some losses).
        assert got == expected[: len(got)] and set(expected) - set(got) <= {"weight"}, (got, expected)


def test_every_op_of_deltanet_functional_that_torch_names_is_here():
    import deltanet.functional as own

    assert [name for name in own.__all__ if hasattr(TF, name) and not hasattr(F, name)] == []


def test_local_response_norm_matches_torch():
    x = RNG.standard_normal((2, 5, 3, 3))
    ours = F.local_response_norm(dn.tensor(x), 3, alpha=0.1, beta=0.5, k=2.0)
    theirs = TF.local_response_norm(torch.tensor(x), 3, alpha=0.1, beta=0.5, k=2.0)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)


def test_softmax_dim_and_implicit_dim():
    x = RNG.standard_normal((2, 3, 4))
    for dim in (0, 1, 2, -1):
        np.testing.assert_allclose(F.softmax(dn.tensor(x), dim).data, TF.softmax(torch.tensor(x), dim).detach().numpy())
        np.testing.assert_allclose(
            F.log_softmax(dn.tensor(x), dim=dim).data, TF.log_softmax(torch.tensor(x), dim=dim).detach().numpy()
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch warns about the implicit choice
        for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
            y = RNG.standard_normal(shape)
            np.testing.assert_allclose(F.softmax(dn.tensor(y)).data, TF.softmax(torch.tensor(y)).detach().numpy())
    assert F.softmax(dn.tensor(np.zeros(2, np.float32)), 0, dtype=np.float64).dtype == np.float64


def test_inplace_overwrites_the_input_as_torch_does():
    x = RNG.standard_normal((3, 4))
    for ours, theirs in [
        (lambda t: F.relu(t, inplace=True), lambda t: TF.relu(t, inplace=True)),
        (lambda t: F.leaky_relu(t, 0.2, True), lambda t: TF.leaky_relu(t, 0.2, True)),
        (lambda t: F.elu(t, 0.5, True), lambda t: TF.elu(t, 0.5, True)),
        (lambda t: F.silu(t, inplace=True), lambda t: TF.silu(t, inplace=True)),
        (lambda t: F.dropout(t, 0.3, False, True), lambda t: TF.dropout(t, 0.3, False, True)),
    ]:
        a, ta = dn.tensor(x.copy()), torch.tensor(x.copy())
        assert ours(a) is a and theirs(ta) is ta
        np.testing.assert_allclose(a.data, ta.detach().numpy())  # the input holds the result


def test_losses_take_torchs_positional_arguments():
    z, y = RNG.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    w = np.array([1.0, 2.0, 0.5])
    ours = F.cross_entropy(dn.tensor(z), y, w, None, 1, None, "sum", 0.1).item()
    theirs = TF.cross_entropy(torch.tensor(z), torch.tensor(y), torch.tensor(w), None, 1, None, "sum", 0.1).item()
    assert ours == pytest.approx(theirs, rel=1e-12)
    logp = np.log(RNG.dirichlet(np.ones(3), 4))
    assert F.nll_loss(dn.tensor(logp), y, w).item() == pytest.approx(
        TF.nll_loss(torch.tensor(logp), torch.tensor(y), torch.tensor(w)).item()
    )
    a, b = RNG.standard_normal(5), RNG.standard_normal(5)
    assert F.huber_loss(dn.tensor(a), b, "sum", 0.5).item() == pytest.approx(
        TF.huber_loss(torch.tensor(a), torch.tensor(b), "sum", 0.5).item()
    )
    p, t = RNG.uniform(0.1, 0.9, 5), RNG.uniform(0, 1, 5)
    assert F.binary_cross_entropy(dn.tensor(p), t, np.full(5, 2.0)).item() == pytest.approx(
        TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), torch.full((5,), 2.0, dtype=torch.float64)).item()
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: F.mse_loss(x, x, True), r"mse_loss: size_average and reduce are deprecated"),
        (lambda x: F.cross_entropy(x, np.zeros(2, np.int64), reduce=False), r"cross_entropy: size_average and reduce"),
        (lambda x: F.max_pool1d(x[None], 2, ceil_mode="yes"), r"max_pool1d: ceil_mode must be True or False"),
        (lambda x: F.max_pool1d(x[None], 2, return_indices="yes"), r"return_indices must be True or False"),
        (lambda x: F.max_pool1d(x[None], 2, dilation=0), r"max_pool1d: dilation must be >= 1, got 0"),
        (lambda x: F.avg_pool2d(x[None, None], 2, divisor_override=0), r"divisor_override must be a nonzero int"),
        (lambda x: F.relu(x, inplace="yes"), r"relu: inplace must be True or False, got 'yes'"),
        (
            lambda x: F.softmax(x, dim=1.5),
            r"softmax: dim must be an axis \(an integer such as 1 or -1\) or None, got 1\.5",
        ),
    ],
)
def test_what_is_not_implemented_is_refused_by_name(call, message):
    x = dn.tensor(RNG.standard_normal((2, 4)))
    with pytest.raises(ValueError, match=message):
        call(x)


def test_upsample_is_torchs_size_first_not_deltanets():
    x = dn.tensor(np.zeros((1, 1, 3)))
    assert F.upsample(x, 4).shape == (1, 1, 4)  # size 4, as torch.nn.functional.upsample
    assert dn.functional.upsample(x, 4).shape == (1, 1, 12)  # deltanet's own: a scale factor


def test_pooling_and_conv_with_torchs_argument_order():
    x = RNG.standard_normal((1, 2, 6, 6))
    w = RNG.standard_normal((2, 3, 3, 3))
    got = F.conv_transpose2d(dn.tensor(x), dn.tensor(w), None, 2, 1, 1, 1, 1).data
    expected = TF.conv_transpose2d(torch.tensor(x), torch.tensor(w), None, 2, 1, 1, 1, 1).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        F.avg_pool2d(dn.tensor(x), 3, 1, 1, False, False).data,
        TF.avg_pool2d(torch.tensor(x), 3, 1, 1, False, False).detach().numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        F.max_pool2d(dn.tensor(x), 2, 2, 0, 1, False, False).data,
        TF.max_pool2d(torch.tensor(x), 2, 2, 0, 1).detach().numpy(),
    )


# -- normalize and cosine_similarity ---------------------------------------------------------------
@pytest.mark.parametrize(("kwargs"), [{}, {"dim": 0}, {"p": 1.0, "dim": -1}, {"eps": 0.5}])
def test_normalize_matches_pytorch_with_gradients(kwargs):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((3, 4))
    data[1] = 0.0  # a zero row stays zero, with PyTorch's gradient
    x, xt = dn.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, outt = F.normalize(x, **kwargs), torch.nn.functional.normalize(xt, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12)
    weights = np.cos(np.arange(12.0)).reshape(3, 4)
    (out * dn.tensor(weights)).sum().backward()
    (outt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-10, atol=1e-12)
    data[1] = 0.5
    assert dn.gradcheck(lambda x: F.normalize(x, **kwargs), (dn.tensor(data, requires_grad=True),))
    assert F.normalize(dn.tensor(data.astype(np.float32)), **kwargs).dtype == dn.float32


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity_matches_pytorch_with_gradients(dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ours = [dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out, outt = F.cosine_similarity(*ours, dim=dim), torch.nn.functional.cosine_similarity(*theirs, dim=dim)
    np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    outt.sum().backward()
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x.grad.detach().numpy(), y.grad.detach().numpy(), rtol=1e-10, atol=1e-12)
    fn = lambda x, y: F.cosine_similarity(x, y, dim=dim)  # noqa: E731
    assert dn.gradcheck(fn, (dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True)))


@pytest.mark.parametrize("scale", [1e-9, 1e-5, 0.0])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity_of_short_vectors_clamps_each_norm_as_pytorch(scale, eps):
    """PyTorch 2.x clamps each norm at eps (not their product), with the norm's gradient where clamped."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a, b, w = rng.standard_normal((3, 4)) * scale, rng.standard_normal((1, 4)) * scale, rng.standard_normal(3)
    ours = [dn.tensor(a, requires_grad=True), dn.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out, outt = F.cosine_similarity(*ours, eps=eps), torch.nn.functional.cosine_similarity(*theirs, eps=eps)
    np.testing.assert_allclose(out.detach().numpy(), outt.detach().numpy(), rtol=1e-12, atol=0)
    (out * dn.tensor(w)).sum().backward()
    (outt * torch.tensor(w)).sum().backward()
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x.grad.detach().numpy(), y.grad.detach().numpy(), rtol=1e-10, atol=0)


def test_normalize_and_cosine_similarity_errors():
    with pytest.raises(ValueError, match=r"normalize: out= is not supported"):
        F.normalize(dn.ones(2, 2), out=dn.ones(2, 2))
    with pytest.raises(ValueError, match=r"eps"):
        F.normalize(dn.ones(2, 2), eps=-1.0)
    with pytest.raises(ValueError, match=r"eps"):
        F.cosine_similarity(dn.ones(2, 2), dn.ones(2, 2), eps=-1.0)
