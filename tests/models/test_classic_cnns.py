"""AlexNet and GoogLeNet: parameter counts equal torchvision's published numbers; torchvision's
architectures, rebuilt here in plain PyTorch (torchvision itself cannot be installed beside torch
2.13), have the same state_dict keys and shapes, and their weights give the same outputs."""

import numpy as np
import pytest

import deltanet as dn

# torchvision's model documentation, "num_params" of the ImageNet weights
# (docs.pytorch.org/vision/stable/models/generated/torchvision.models.alexnet.html and
# .../torchvision.models.googlenet.html): AlexNet_Weights.IMAGENET1K_V1 and
# GoogLeNet_Weights.IMAGENET1K_V1; the GoogLeNet weights are loaded with aux_logits=True and the
# auxiliary heads are then removed, so the count is that of aux_logits=False.
TORCHVISION_ALEXNET_PARAMS = 61_100_840
TORCHVISION_GOOGLENET_PARAMS = 6_624_904


def count(model):
    return sum(int(np.prod(p.shape)) for p in model.parameters())


# -- torchvision's architectures in plain PyTorch (torchvision/models/alexnet.py, googlenet.py) --
def torch_alexnet(num_classes=1000, lrn=False):
    tnn = pytest.importorskip("torch").nn

    def norm():
        return [tnn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)] if lrn else []

    class TorchAlexNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
                tnn.ReLU(inplace=True),
                *norm(),
                tnn.MaxPool2d(kernel_size=3, stride=2),
                tnn.Conv2d(64, 192, kernel_size=5, padding=2),
                tnn.ReLU(inplace=True),
                *norm(),
                tnn.MaxPool2d(kernel_size=3, stride=2),
                tnn.Conv2d(192, 384, kernel_size=3, padding=1),
                tnn.ReLU(inplace=True),
                tnn.Conv2d(384, 256, kernel_size=3, padding=1),
                tnn.ReLU(inplace=True),
                tnn.Conv2d(256, 256, kernel_size=3, padding=1),
                tnn.ReLU(inplace=True),
                tnn.MaxPool2d(kernel_size=3, stride=2),
            )
            self.avgpool = tnn.AdaptiveAvgPool2d((6, 6))
            self.classifier = tnn.Sequential(
                tnn.Dropout(p=0.5),
                tnn.Linear(256 * 6 * 6, 4096),
                tnn.ReLU(inplace=True),
                tnn.Dropout(p=0.5),
                tnn.Linear(4096, 4096),
                tnn.ReLU(inplace=True),
                tnn.Linear(4096, num_classes),
            )

        def forward(self, x):
            return self.classifier(self.avgpool(self.features(x)).flatten(1))

    return TorchAlexNet()


def torch_googlenet(num_classes=1000, aux_logits=True, dropout=0.2, dropout_aux=0.7):
    torch = pytest.importorskip("torch")
    tnn, F = torch.nn, torch.nn.functional

    class BasicConv2d(tnn.Module):
        def __init__(self, c_in, c_out, **kwargs):
            super().__init__()
            self.conv = tnn.Conv2d(c_in, c_out, bias=False, **kwargs)
            self.bn = tnn.BatchNorm2d(c_out, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Inception(tnn.Module):
        def __init__(self, c_in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
            super().__init__()
            self.branch1 = BasicConv2d(c_in, ch1x1, kernel_size=1)
            self.branch2 = tnn.Sequential(
                BasicConv2d(c_in, ch3x3red, kernel_size=1), BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1)
            )
            self.branch3 = tnn.Sequential(  # kernel 3, torchvision's known bug (vision issue 906)
                BasicConv2d(c_in, ch5x5red, kernel_size=1), BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1)
            )
            self.branch4 = tnn.Sequential(
                tnn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                BasicConv2d(c_in, pool_proj, kernel_size=1),
            )

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)

    class InceptionAux(tnn.Module):
        def __init__(self, c_in, num_classes):
            super().__init__()
            self.conv = BasicConv2d(c_in, 128, kernel_size=1)
            self.fc1 = tnn.Linear(2048, 1024)
            self.fc2 = tnn.Linear(1024, num_classes)
            self.dropout = tnn.Dropout(p=dropout_aux)

        def forward(self, x):
            x = torch.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
            return self.fc2(self.dropout(F.relu(self.fc1(x))))

    class GoogLeNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2 = BasicConv2d(64, 64, kernel_size=1)
            self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
            self.maxpool2 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
            self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
            self.maxpool3 = tnn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
            self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
            self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
            self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
            self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
            self.maxpool4 = tnn.MaxPool2d(2, stride=2, ceil_mode=True)
            self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
            self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
            self.aux1 = InceptionAux(512, num_classes) if aux_logits else None
            self.aux2 = InceptionAux(528, num_classes) if aux_logits else None
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.dropout = tnn.Dropout(p=dropout)
            self.fc = tnn.Linear(1024, num_classes)

        def forward(self, x):
            x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(x)))))
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            x = self.inception4a(x)
            aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
            x = self.inception4d(self.inception4c(self.inception4b(x)))
            aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
            x = self.inception5b(self.inception5a(self.maxpool4(self.inception4e(x))))
            x = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
            return (x, aux2, aux1) if self.training and self.aux1 is not None else x

    return GoogLeNet()


def to_numpy(state):
    return {k: v.detach().cpu().numpy() for k, v in state.items()}


def assert_same_state_dict_layout(ours, theirs):
    mine = {k: tuple(np.shape(v)) for k, v in ours.state_dict().items()}
    their = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert mine == their


# -- AlexNet ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def alexnets():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return dn.models.alexnet(rng=0), torch_alexnet()


def test_alexnet_parameter_count_is_torchvisions(alexnets):
    ours, theirs = alexnets
    assert count(ours) == TORCHVISION_ALEXNET_PARAMS
    assert sum(p.numel() for p in theirs.parameters()) == TORCHVISION_ALEXNET_PARAMS


def test_alexnet_loads_torchvision_weights_and_agrees(alexnets):
    torch = pytest.importorskip("torch")
    ours, theirs = alexnets
    assert_same_state_dict_layout(ours, theirs)
    ours.load_state_dict(to_numpy(theirs.state_dict()))
    x = np.random.default_rng(0).normal(size=(2, 3, 67, 67)).astype(np.float32)
    with torch.no_grad():
        expected = theirs.eval()(torch.from_numpy(x)).numpy()
    got = ours.eval()(dn.tensor(x)).data
    assert got.shape == (2, 1000)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def test_alexnet_with_the_papers_local_response_norm():
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    ours, theirs = dn.models.alexnet(num_classes=10, local_response_norm=True, rng=0), torch_alexnet(10, lrn=True)
    assert [type(m).__name__ for m in ours.features][:8] == [type(m).__name__ for m in theirs.features][:8]
    assert isinstance(ours.features[2], dn.nn.LocalResponseNorm)
    assert isinstance(ours.features[6], dn.nn.LocalResponseNorm)
    ours.load_state_dict(to_numpy(theirs.state_dict()))
    x = 10 * np.random.default_rng(1).normal(size=(1, 3, 63, 63)).astype(np.float32)
    with torch.no_grad():
        expected = theirs.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.eval()(dn.tensor(x)).data, expected, rtol=1e-4, atol=1e-6)


# -- GoogLeNet ----------------------------------------------------------------------------------
def test_googlenet_parameter_counts():
    assert count(dn.models.googlenet(aux_logits=False, rng=0)) == TORCHVISION_GOOGLENET_PARAMS
    with_aux = torch_googlenet(aux_logits=True)  # torchvision's default configuration
    assert count(dn.models.googlenet(rng=0)) == sum(p.numel() for p in with_aux.parameters()) == 13_004_888
    # The paper's 5x5 kernels in the third branch: 16 more weights per (reduce, out) channel pair.
    extra = sum(red * out * 16 for _, _, _, _, red, out, _ in dn.models.googlenet.__globals__["_BLOCKS"].values())
    paper = dn.models.googlenet(aux_logits=False, ch5x5_kernel_size=5, rng=0)
    assert count(paper) == TORCHVISION_GOOGLENET_PARAMS + extra == 7_005_832


def test_googlenet_agrees_with_torchvisions_architecture():
    size = 60  # every ceil-mode pooling keeps a partial window: 30 -> 15 -> 7 -> 3 -> 2
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch_googlenet(num_classes=7, dropout=0.0, dropout_aux=0.0)
    ours = dn.models.googlenet(num_classes=7, dropout=0.0, dropout_aux=0.0, rng=0)
    assert_same_state_dict_layout(ours, theirs)
    ours.load_state_dict(to_numpy(theirs.state_dict()))
    x = np.random.default_rng(size).normal(size=(2, 3, size, size)).astype(np.float32)
    # Training mode: batch statistics, and the auxiliary heads' logits in torchvision's order.
    expected = [t.detach().numpy() for t in theirs.train()(torch.from_numpy(x))]
    got = ours.train()(dn.tensor(x))
    assert isinstance(got, dn.models.GoogLeNetOutputs)
    for ours_out, their_out in zip(got, expected, strict=True):
        np.testing.assert_allclose(ours_out.data, their_out, rtol=1e-3, atol=1e-4)
    with torch.no_grad():
        expected_eval = theirs.eval()(torch.from_numpy(x)).numpy()
    got_eval = ours.eval()(dn.tensor(x))
    assert got_eval.shape == (2, 7)
    np.testing.assert_allclose(got_eval.data, expected_eval, rtol=1e-3, atol=1e-4)


def test_ceil_mode_pooling_matches_torch():
    """GoogLeNet's poolings between stages (torchvision's ceil_mode=True)."""
    torch = pytest.importorskip("torch")

    x = np.random.default_rng(0).normal(size=(1, 2, 9, 8))
    for kernel, stride in ((3, 2), (2, 2)):
        t = torch.tensor(x, requires_grad=True)
        expected = torch.nn.functional.max_pool2d(t, kernel, stride, ceil_mode=True)
        ours = dn.tensor(x, requires_grad=True)
        got = dn.nn.functional.max_pool2d(ours, kernel, stride, ceil_mode=True)
        np.testing.assert_array_equal(got.data, expected.detach().numpy())
        got.sum().backward()
        expected.sum().backward()
        np.testing.assert_array_equal(ours.grad, t.grad.numpy())


def test_inception_block_output():
    block = dn.models.Inception(16, 4, 3, 5, 2, 6, 7, rng=0)
    y = block(dn.tensor(np.ones((2, 16, 5, 5), dtype=np.float32)))
    assert y.shape == (2, 4 + 5 + 6 + 7, 5, 5)
    assert dn.models.Inception(16, 4, 3, 5, 2, 6, 7, ch5x5_kernel_size=5).branch3[1].conv.weight.shape == (6, 2, 5, 5)


def test_googlenet_save_and_load(tmp_path):
    model = dn.models.googlenet(num_classes=3, aux_logits=False, rng=0).eval()
    x = np.random.default_rng(0).normal(size=(1, 3, 32, 32)).astype(np.float32)
    dn.save(model, tmp_path / "googlenet.dnet")
    again = dn.load(tmp_path / "googlenet.dnet").eval()
    np.testing.assert_array_equal(again(dn.tensor(x)).data, model(dn.tensor(x)).data)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dn.models.googlenet(num_classes=0), r"GoogLeNet: num_classes must be a positive integer, got 0"),
        (lambda: dn.models.googlenet(aux_logits="no"), r"GoogLeNet: aux_logits must be True or False, got 'no'"),
        (lambda: dn.models.googlenet(ch5x5_kernel_size=7), r"GoogLeNet: ch5x5_kernel_size must be one of 3, 5, got 7"),
        (lambda: dn.models.googlenet(dropout=1.0), r"GoogLeNet: dropout must be a number in \[0, 1\), got 1\.0"),
        (lambda: dn.models.alexnet(dropout=-0.1), r"AlexNet: dropout must be a number in \[0, 1\), got -0\.1"),
        (lambda: dn.models.Inception(8, 0, 1, 1, 1, 1, 1), r"Inception: ch1x1 must be a positive integer, got 0"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_input_shapes():
    model = dn.models.googlenet(num_classes=2, aux_logits=False, rng=0)
    with pytest.raises(ValueError, match=r"GoogLeNet: expected input of shape \(N, 3, H, W\) with H, W >= 32, got"):
        model(dn.tensor(np.zeros((1, 1, 64, 64), dtype=np.float32)))
