"""PyTorch weights, both ways: torch → NumPy state_dict → deltanet (→ .dnet file → deltanet)
→ torch, for an MLP, LeNet-5 and a U-Net. Outputs agree and the weights come back bit for bit."""

import numpy as np
import pytest

import deltanet as dn

torch = pytest.importorskip("torch")
tnn = torch.nn


def torch_mlp():
    return tnn.Sequential(tnn.Linear(4, 16), tnn.Tanh(), tnn.Linear(16, 3))


def torch_lenet5():
    return tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2),
        tnn.MaxPool2d(2),
        tnn.ReLU(),
        tnn.Conv2d(6, 16, 5),
        tnn.MaxPool2d(2),
        tnn.ReLU(),
        tnn.Flatten(),
        tnn.Linear(400, 120),
        tnn.ReLU(),
        tnn.Linear(120, 84),
        tnn.ReLU(),
        tnn.Linear(84, 10),
    )


class TorchUNet(tnn.Module):
    """The twin of dn.models.UNet(in_channels, classes, depth, width) with the same state_dict keys."""

    def __init__(self, in_channels=1, classes=2, depth=2, width=4):
        super().__init__()
        widths = [width * 2**level for level in range(depth + 1)]

        def block(c_in, c_out):
            return tnn.Sequential(
                tnn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                tnn.BatchNorm2d(c_out),
                tnn.ReLU(),
                tnn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                tnn.BatchNorm2d(c_out),
                tnn.ReLU(),
            )

        self.encoders = tnn.ModuleList(
            [block(in_channels if l == 0 else widths[l - 1], widths[l]) for l in range(depth)]
        )
        self.pool = tnn.MaxPool2d(2)
        self.bottleneck = block(widths[-2], widths[-1])
        self.ups = tnn.ModuleList([tnn.ConvTranspose2d(widths[l + 1], widths[l], 2, stride=2) for l in range(depth)])
        self.decoders = tnn.ModuleList([block(2 * widths[l], widths[l]) for l in range(depth)])
        self.head = tnn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for level in reversed(range(len(self.ups))):
            x = self.decoders[level](torch.cat([skips[level], self.ups[level](x)], dim=1))
        return self.head(x)


CASES = {
    "mlp": (torch_mlp, lambda: dn.nn.Sequential(dn.nn.Linear(4, 16), dn.nn.Tanh(), dn.nn.Linear(16, 3)), (5, 4)),
    "lenet5": (torch_lenet5, lambda: dn.models.lenet5(), (3, 1, 28, 28)),
    "unet": (TorchUNet, lambda: dn.models.unet(in_channels=1, classes=2, depth=2, width=4), (2, 1, 16, 16)),
}


def to_numpy(state):
    return {k: v.detach().cpu().numpy() for k, v in state.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_torch_to_deltanet_to_torch(name, tmp_path):
    make_torch, make_ours, shape = CASES[name]
    torch.manual_seed(0)
    theirs = make_torch()
    # Batch-norm statistics of a real batch, so that the running buffers are not the defaults.
    with torch.no_grad():
        theirs.train()(torch.randn(4, *shape[1:]))
    theirs.eval()
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)

    # torch -> deltanet: the state_dict, converted to NumPy, loads as it is.
    ours = make_ours()
    ours.load_state_dict(to_numpy(theirs.state_dict()))  # returns the missing/unexpected keys, as PyTorch
    ours.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=1e-5, atol=1e-5)

    # ... through a deltanet file ...
    dn.save(ours, tmp_path / "model.dnet")
    ours = dn.load(tmp_path / "model.dnet").eval()

    # ... and back to torch: every tensor bit for bit, the same outputs.
    back = make_torch()
    back.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    back.eval()
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    with torch.no_grad():
        np.testing.assert_array_equal(back(torch.from_numpy(x)).numpy(), expected)


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_a_pytorch_file_is_refused_with_how_to_convert_it(zipped, tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "model.pt"
    torch.save(torch_mlp().state_dict(), path, _use_new_zipfile_serialization=zipped)
    with pytest.raises(dn.io.CheckpointError) as caught:
        dn.load(path)
    message = str(caught.value)
    assert "PyTorch file" in message and "never loads" in message
    assert "dn.save(torch.load(path, weights_only=True), 'weights.dnet')" in message
    assert "model.load_state_dict(dn.load('weights.dnet'))" in message
    assert "numpy.savez('weights.npz', **{k: v.cpu().numpy() for k, v in sd.items()})" in message


def test_the_conversion_the_message_gives_works(tmp_path):
    torch.manual_seed(0)
    theirs = torch_mlp()
    torch.save(theirs.state_dict(), tmp_path / "model.pt")
    # Where PyTorch is installed: the line from the message ...
    dn.save(torch.load(tmp_path / "model.pt", weights_only=True), tmp_path / "weights.dnet")
    sd = torch.load(tmp_path / "model.pt", weights_only=True)
    np.savez(tmp_path / "weights.npz", **{k: v.cpu().numpy() for k, v in sd.items()})
    # ... and here.
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    for state in (dn.load(tmp_path / "weights.dnet"), dict(np.load(tmp_path / "weights.npz"))):
        ours = CASES["mlp"][1]()
        ours.load_state_dict(state)
        np.testing.assert_allclose(ours(dn.tensor(x)).data, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(dn.io.CheckpointError, match=r"is a NumPy .npz archive, not a deltanet file; read it with"):
        dn.load(tmp_path / "weights.npz")


def test_a_torch_state_dict_saves_as_numpy_arrays(tmp_path):
    torch.manual_seed(0)
    theirs = torch_lenet5()
    dn.save(theirs.state_dict(), tmp_path / "lenet.dnet")
    state = dn.load(tmp_path / "lenet.dnet")
    assert all(isinstance(v, np.ndarray) for v in state.values())
    ours = dn.models.lenet5()
    ours.load_state_dict(state)
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    with pytest.raises(dn.io.CheckpointError, match=r"a PyTorch tensor that NumPy cannot hold .*tensor.float\(\)"):
        dn.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.dnet")
