"""Model builders: LeNet-5 shapes and parameter count, U-Net shapes in 2-D and 3-D and its input
checks, the MLP helper; with PyTorch installed, the same networks built in torch load our
``state_dict`` (and give theirs back) and compute the same outputs, gradients and BatchNorm
running statistics."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import models, nn

LENET_PARAMETERS = 156 + 2416 + 48120 + 10164 + 850  # C1, C3, F5, F6, output (see lenet5's table)


# -- LeNet-5 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_size", [28, 32])
@pytest.mark.parametrize("subsampling", ["max", "avg"])
def test_lenet_shapes_and_parameter_count(input_size, subsampling):
    model = models.lenet5(input_size=input_size, subsampling=subsampling, rng=0)
    x = dn.tensor(np.zeros((3, 1, input_size, input_size), dtype=np.float32))
    assert model(x).shape == (3, 10)
    assert LENET_PARAMETERS == 61706
    assert sum(p.size for p in model.parameters()) == LENET_PARAMETERS
    # the feature maps of the table: C1 6@28x28, S2 6@14x14, C3 16@10x10, S4 16@5x5
    sizes = []
    with dn.no_grad():
        for layer in model:
            x = layer(x)
            sizes.append(x.shape[1:])
    assert sizes[0] == (6, 28, 28) and sizes[2] == (6, 14, 14)
    assert sizes[3] == (16, 10, 10) and sizes[5] == (16, 5, 5) and sizes[6] == (400,)
    assert [name for name, _ in model.named_parameters()] == [
        f"{i}.{kind}" for i in (0, 3, 7, 9, 11) for kind in ("weight", "bias")
    ]


def test_lenet_options():
    model = models.lenet5(num_classes=5, in_channels=3, activation="tanh", rng=0)
    assert model(dn.tensor(np.zeros((2, 3, 28, 28), dtype=np.float32))).shape == (2, 5)
    assert sum(p.size for p in model.parameters()) == LENET_PARAMETERS + 6 * 25 * 2 - 85 * 10 + 85 * 5
    # max subsampling pools before the activation (they commute); averaging after it
    assert [type(m).__name__ for m in models.lenet5(subsampling="max")][:3] == ["Conv2d", "MaxPool2d", "ReLU"]
    assert [type(m).__name__ for m in models.lenet5(subsampling="avg", activation="tanh")][:3] == [
        "Conv2d",
        "Tanh",
        "AvgPool2d",
    ]
    assert models.lenet5(dtype="float64").parameters()[0].dtype == np.float64
    a, b = models.lenet5(rng=7).state_dict(), models.lenet5(rng=7).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = models.lenet5(rng=8).state_dict()
    assert not np.array_equal(a["0.weight"], c["0.weight"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(subsampling="min"), r"lenet5: subsampling must be one of 'max', 'avg', got 'min'"),
        (dict(activation="sigmoid"), r"lenet5: activation must be one of 'relu', 'tanh', got 'sigmoid'"),
        (dict(input_size=30), r"lenet5: input_size must be one of 28, 32, got 30"),
        (dict(num_classes=0), r"lenet5: num_classes must be a positive integer, got 0"),
        (dict(in_channels=1.5), r"lenet5: in_channels must be a positive integer, got 1.5"),
    ],
)
def test_lenet_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.lenet5(**kwargs)


def test_lenet_wrong_input_size_names_the_layer():
    model = models.lenet5(input_size=28, rng=0)
    with pytest.raises(ValueError, match=r"Linear\(in_features=400.*got shape \(1, 576\)"):
        model(dn.tensor(np.zeros((1, 1, 32, 32), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"Conv2d\(1, 6.*expects an input with 1 channels, got shape \(1, 3, 28, 28\)"):
        model(dn.tensor(np.zeros((1, 3, 28, 28), dtype=np.float32)))


# -- MLP -----------------------------------------------------------------------------------------
def test_mlp():
    model = models.mlp([784, 78, 10], flatten=True, rng=0)
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "ReLU", "Linear"]
    assert sum(p.size for p in model.parameters()) == 785 * 78 + 79 * 10
    assert model(dn.tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape == (2, 10)
    assert isinstance(models.mlp([2, 3, 3, 1], activation="tanh")[3], nn.Tanh)
    with pytest.raises(ValueError, match=r"mlp: sizes must be a list of at least two layer widths, got \[4\]"):
        models.mlp([4])
    with pytest.raises(ValueError, match=r"mlp: sizes\[1\] must be a positive integer, got 0"):
        models.mlp([4, 0, 2])
    with pytest.raises(ValueError, match=r"mlp: activation must be one of"):
        models.mlp([4, 2], activation="softmax")


# -- U-Net ---------------------------------------------------------------------------------------
def _unet_parameter_count(in_channels, classes, depth, width, dims, batch_norm):
    """Σ over the blocks of the table in UNet's docstring, written out independently."""
    k3, k2 = 3**dims, 2**dims
    w = [width * 2**level for level in range(depth + 1)]

    def double(c_in, c_out):
        per_conv = lambda ci: ci * c_out * k3 + (2 * c_out if batch_norm else c_out)  # noqa: E731
        return per_conv(c_in) + per_conv(c_out)

    total = double(in_channels, w[0]) + sum(double(w[l - 1], w[l]) for l in range(1, depth))
    total += double(w[depth - 1], w[depth])  # bottleneck
    total += sum(w[l + 1] * w[l] * k2 + w[l] for l in range(depth))  # transposed convolutions
    total += sum(double(2 * w[l], w[l]) for l in range(depth))  # decoders
    return total + w[0] * classes + classes  # head


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("dims", [2, 3])
def test_unet_shapes(depth, dims):
    size = 2**depth * (2 if dims == 2 else 1)
    model = models.unet(in_channels=2, classes=3, depth=depth, width=2, dims=dims, rng=0)
    x = dn.tensor(np.random.default_rng(0).standard_normal((2, 2) + (size,) * dims).astype(np.float32))
    out = model(x)
    assert out.shape == (2, 3) + (size,) * dims and out.dtype == np.float32
    assert len(model.encoders) == len(model.ups) == len(model.decoders) == depth
    expected = _unet_parameter_count(2, 3, depth, 2, dims, True)
    assert sum(p.size for p in model.parameters()) == expected


def test_unet_binary_head_and_no_batch_norm():
    model = models.UNet(classes=1, depth=2, width=4, batch_norm=False, rng=0)
    assert model(dn.tensor(np.zeros((1, 1, 12, 8), dtype=np.float32))).shape == (1, 1, 12, 8)
    assert not any("running_mean" in k for k in model.state_dict())
    assert model.encoders[0][0].bias is not None  # no batch norm: the convolutions keep their bias
    assert sum(p.size for p in model.parameters()) == _unet_parameter_count(1, 1, 2, 4, 2, False)


def test_unet_state_dict_keys_are_stable():
    keys = list(models.UNet(depth=2, width=4, rng=0).state_dict())
    assert keys[:6] == [
        "encoders.0.0.weight",
        "encoders.0.1.weight",
        "encoders.0.1.bias",
        "encoders.0.1.running_mean",
        "encoders.0.1.running_var",
        "encoders.0.1.num_batches_tracked",
    ]
    for key in [
        "encoders.1.3.weight",
        "bottleneck.4.running_var",
        "ups.0.weight",
        "ups.1.bias",
        "decoders.1.0.weight",
        "decoders.0.4.bias",
        "head.weight",
        "head.bias",
    ]:
        assert key in keys
    assert keys == list(models.UNet(depth=2, width=4, rng=1).state_dict())
    a, b = models.UNet(width=4, rng=3).state_dict(), models.UNet(width=4, rng=3).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    "shape, match",
    [
        (
            (1, 1, 30, 30),
            r"UNet\(depth=2, dims=2\): every spatial size must be divisible by 2\*\*depth = 4 .* "
            r"spatial size \(30, 30\); need e.g. crop to \(28, 28\) or pad to \(32, 32\)",
        ),
        ((1, 1, 2, 8), r"need at least 4 pixels per axis, e.g. pad to \(4, 8\)"),
        ((1, 2, 8, 8), r"expected input of shape \(N, C, H, W\) with C = 1, got shape \(1, 2, 8, 8\)"),
        ((1, 1, 8, 8, 8), r"expected input of shape \(N, C, H, W\) with C = 1, got shape \(1, 1, 8, 8, 8\)"),
    ],
)
def test_unet_refuses_bad_inputs(shape, match):
    model = models.UNet(depth=2, width=2, rng=0)
    with pytest.raises(ValueError, match=match):
        model(dn.tensor(np.zeros(shape, dtype=np.float32)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dims=1), r"UNet: dims must be one of 2, 3, got 1"),
        (dict(depth=0), r"UNet: depth must be a positive integer, got 0"),
        (dict(width=2.0), r"UNet: width must be a positive integer, got 2.0"),
        (dict(classes=-1), r"UNet: classes must be a positive integer, got -1"),
        (dict(batch_norm="yes"), r"UNet: batch_norm must be True or False, got 'yes'"),
    ],
)
def test_unet_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.UNet(**kwargs)


def test_unet_gradcheck_tiny():
    model = models.UNet(in_channels=1, classes=2, depth=1, width=2, batch_norm=False, rng=0, dtype="float64")
    x = dn.tensor(np.random.default_rng(1).standard_normal((1, 1, 4, 4)), requires_grad=True)
    assert dn.gradcheck(model, [x])


# -- PyTorch parity ------------------------------------------------------------------------------
def _torch_lenet(torch, subsampling, activation, input_size, num_classes=10, in_channels=1):
    """LeNet-5 in the textbook order conv, h, pool (ours pools first when it may)."""
    tnn = torch.nn
    act = {"relu": tnn.ReLU, "tanh": tnn.Tanh}[activation]
    pool = {"max": tnn.MaxPool2d, "avg": tnn.AvgPool2d}[subsampling]
    return tnn.Sequential(
        tnn.Conv2d(in_channels, 6, 5, padding=2 if input_size == 28 else 0),
        act(),
        pool(2),
        tnn.Conv2d(6, 16, 5),
        act(),
        pool(2),
        tnn.Flatten(),
        tnn.Linear(400, 120),
        act(),
        tnn.Linear(120, 84),
        act(),
        tnn.Linear(84, num_classes),
    )


def _to_torch(torch, state):
    return {k: torch.from_numpy(np.array(v)) for k, v in state.items()}


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-10)])
@pytest.mark.parametrize(
    "subsampling, activation, input_size",
    [("max", "relu", 28), ("avg", "tanh", 32), ("max", "tanh", 32), ("avg", "relu", 28)],
)
def test_lenet_matches_torch(subsampling, activation, input_size, dtype, tol):
    torch = pytest.importorskip("torch")
    ours = models.lenet5(subsampling=subsampling, activation=activation, input_size=input_size, rng=0, dtype=dtype)
    theirs = _torch_lenet(torch, subsampling, activation, input_size).to(getattr(torch, np.dtype(dtype).name))
    theirs.load_state_dict(_to_torch(torch, ours.state_dict()))
    x = np.random.default_rng(0).standard_normal((4, 1, input_size, input_size)).astype(dtype)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=tol, atol=tol)
    # and back: torch's own initial weights into ours
    fresh = _torch_lenet(torch, subsampling, activation, input_size).to(getattr(torch, np.dtype(dtype).name))
    ours.load_state_dict(fresh.state_dict())
    with torch.no_grad():
        expected = fresh(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=tol, atol=tol)


def test_lenet_gradients_match_torch():
    torch = pytest.importorskip("torch")
    ours = models.lenet5(rng=0, dtype="float64")
    theirs = _torch_lenet(torch, "max", "relu", 28).double()
    theirs.load_state_dict(_to_torch(torch, ours.state_dict()))
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 1, 28, 28)), rng.integers(0, 10, 5)
    dn.losses.CrossEntropy()(ours(dn.tensor(x)), y).backward()
    torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def _torch_unet(torch, in_channels, classes, depth, width, dims, batch_norm):
    tnn = torch.nn
    conv, norm, pool, up = {
        2: (tnn.Conv2d, tnn.BatchNorm2d, tnn.MaxPool2d, tnn.ConvTranspose2d),
        3: (tnn.Conv3d, tnn.BatchNorm3d, tnn.MaxPool3d, tnn.ConvTranspose3d),
    }[dims]

    def block(c_in, c_out):
        layers = []
        for c in (c_in, c_out):
            layers.append(conv(c, c_out, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(norm(c_out))
            layers.append(tnn.ReLU())
        return tnn.Sequential(*layers)

    w = [width * 2**level for level in range(depth + 1)]

    class TorchUNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.encoders = tnn.ModuleList([block(in_channels if l == 0 else w[l - 1], w[l]) for l in range(depth)])
            self.pool = pool(2)
            self.bottleneck = block(w[-2], w[-1])
            self.ups = tnn.ModuleList([up(w[l + 1], w[l], 2, stride=2) for l in range(depth)])
            self.decoders = tnn.ModuleList([block(2 * w[l], w[l]) for l in range(depth)])
            self.head = conv(w[0], classes, 1)

        def forward(self, x):
            skips = []
            for encoder in self.encoders:
                x = encoder(x)
                skips.append(x)
                x = self.pool(x)
            x = self.bottleneck(x)
            for level in reversed(range(depth)):
                x = self.decoders[level](torch.cat([skips[level], self.ups[level](x)], dim=1))
            return self.head(x)

    return TorchUNet().double()


@pytest.mark.parametrize("dims, depth, batch_norm", [(2, 2, True), (2, 1, False), (3, 1, True)])
def test_unet_matches_torch(dims, depth, batch_norm):
    torch = pytest.importorskip("torch")
    kwargs = dict(in_channels=2, classes=3, depth=depth, width=3, dims=dims, batch_norm=batch_norm)
    ours = models.UNet(**kwargs, rng=0, dtype="float64")
    theirs = _torch_unet(torch, **kwargs)
    assert list(theirs.state_dict()) == list(ours.state_dict())
    theirs.load_state_dict(_to_torch(torch, ours.state_dict()))
    rng = np.random.default_rng(2)
    size = (8, 12) if dims == 2 else (4, 4, 6)
    x = rng.standard_normal((2, 2) + size)
    r = rng.standard_normal((2, 3) + size)  # a random cotangent: L = Σ r ⊙ out
    # training mode: batch statistics; gradients of every parameter; running statistics updated
    out = ours(dn.tensor(x))
    (out * dn.tensor(r)).sum().backward()
    t_out = theirs(torch.from_numpy(x))
    (t_out * torch.from_numpy(r)).sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-10)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
    t_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value, t_state[key].numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
    # evaluation mode: running statistics
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=1e-10, atol=1e-10)
