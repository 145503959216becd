"""Autoencoders: a 3-D convolutional one on tiny volumes and a variational one, as researchers write them.

The idioms of PyTorch's `examples/vae/main.py` (`fc1`/`fc21`/`fc22`/`fc3`/`fc4`, `encode`,
`reparameterize` as `mu + eps * std` with `std = torch.exp(0.5 * logvar)`, `decode` with
`torch.sigmoid`, the loss `F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")`
plus `-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())`, `train_loss += loss.item()`,
`len(train_loader.dataset)`), with `eps` drawn from NumPy (the two libraries' `randn_like` draw
different numbers); and of convolutional autoencoders for volumes (MONAI's `AutoEncoder`, course
notebooks): `nn.ReplicationPad3d(1)` before an unpadded `nn.Conv3d`, `nn.BatchNorm3d`,
`nn.Dropout3d`, `nn.MaxPool3d(2)`, `nn.ConvTranspose3d(..., stride=2)`,
`nn.LeakyReLU(0.1)`, `nn.Flatten` / `nn.Unflatten`; volumes built with `torch.stack` and
`x.permute(0, 4, 1, 2, 3)` (channels-last to channels-first); `nn.MSELoss()`, `nn.L1Loss()`,
`F.mse_loss(..., reduction="sum")`; `torch.optim.Adam`, `model.train()` / `model.eval()`,
`torch.no_grad()`, `optimizer.zero_grad(set_to_none=True)`; the latent code as
`model.encoder(x).detach()`, `torch.clamp(recon, 0, 1)`, `.mean(dim=0)`, `torch.norm`; a voxel
count `(recon > 0.25).sum().item()` (an int64 sum) and its fraction `/ recon.numel()`.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}
P_DROP = 0.0  # Dropout3d kept with p = 0: the two libraries' random masks differ


class VolumeAutoencoder(nn.Module):
    def __init__(self, channels=1, features=4, latent=8):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.ReplicationPad3d(1),
            nn.Conv3d(channels, features, kernel_size=3),
            nn.BatchNorm3d(features),
            nn.LeakyReLU(0.1),
            nn.Dropout3d(p=P_DROP),
            nn.MaxPool3d(2),
            nn.Conv3d(features, features * 2, kernel_size=3, padding=1),
            nn.LeakyReLU(0.1),
            nn.MaxPool3d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(features * 2 * 2 * 2 * 2, latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, features * 2 * 2 * 2 * 2),
            nn.Unflatten(1, (features * 2, 2, 2, 2)),
            nn.ConvTranspose3d(features * 2, features, kernel_size=2, stride=2),
            nn.ReLU(),
            nn.ConvTranspose3d(features, channels, kernel_size=2, stride=2),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


class VAE(nn.Module):
    def __init__(self, n_in=36, n_hidden=16, n_latent=3):
        super().__init__()
        self.n_in = n_in
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc21 = nn.Linear(n_hidden, n_latent)
        self.fc22 = nn.Linear(n_hidden, n_latent)
        self.fc3 = nn.Linear(n_latent, n_hidden)
        self.fc4 = nn.Linear(n_hidden, n_in)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps):
        mu, logvar = self.encode(x.view(-1, self.n_in))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


class Models(nn.Module):
    """Both autoencoders in one module, so that the port test hands both the same initial weights."""

    def __init__(self):
        super().__init__()
        self.volume = VolumeAutoencoder()
        self.vae = VAE()


def build_model():
    return Models()


def vae_loss(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 36), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def make_volumes(n, rng):
    # Channels-last slices stacked into volumes, then permuted to (N, C, D, H, W).
    zz, yy, xx = np.mgrid[:8, :8, :8]
    volumes = []
    for _ in range(n):
        c = rng.uniform(2.5, 5.5, size=3)
        blob = np.exp(-((zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2) / 4.0)
        noisy = blob + rng.normal(scale=0.05, size=blob.shape)
        volumes.append(torch.from_numpy(noisy[..., None].astype(np.float32)))
    return torch.stack(volumes).permute(0, 4, 1, 2, 3)


def make_patches(n, rng):
    patches = np.zeros((n, 1, 6, 6), dtype=np.float32)
    for i in range(n):
        r, c = rng.integers(0, 3, size=2)
        patches[i, 0, r : r + 3, c : c + 3] = 1.0
    return torch.from_numpy(np.clip(patches + rng.uniform(0, 0.2, size=patches.shape), 0, 1).astype(np.float32))


def train_volume(model, rng):
    volumes = make_volumes(6, rng)
    loader = DataLoader(TensorDataset(volumes), batch_size=3)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.MSELoss()
    l1 = nn.L1Loss()
    log = []
    for epoch in range(3):
        model.train()
        for (x,) in loader:
            optimizer.zero_grad(set_to_none=True)
            recon = model(x)
            loss = criterion(recon, x)
            loss.backward()
            optimizer.step()
            log.append(loss.item())
    model.eval()
    with torch.no_grad():
        recon = torch.clamp(model(volumes), 0, 1)
        codes = model.encoder(volumes).detach()
        return {
            "log": log,
            "sum_sq": F.mse_loss(recon, volumes, reduction="sum").item(),
            "l1": l1(recon, volumes).item(),
            "code_shape": list(codes.mean(dim=0).shape),
            "code_norm": torch.norm(codes).item(),
            "shape": list(recon.shape),
            "bright_voxels": (recon > 0.25).sum().item(),
            "bright_fraction": ((recon > 0.25).sum() / recon.numel()).item(),
        }


def train_vae(model, rng):
    data = make_patches(32, rng)
    train_loader = DataLoader(TensorDataset(data), batch_size=8, shuffle=False)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(1, 4):
        model.train()
        train_loss = 0
        for batch_idx, (x,) in enumerate(train_loader):
            eps = torch.from_numpy(rng.standard_normal((x.size(0), 3)).astype(np.float32))
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(x, eps)
            loss = vae_loss(recon_batch, x, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        losses.append(train_loss / len(train_loader.dataset))
    model.eval()
    with torch.no_grad():
        sample = model.decode(torch.from_numpy(rng.standard_normal((2, 3)).astype(np.float32)))
        return {"losses": losses, "sample": sample.view(2, 1, 6, 6).sum(dim=(2, 3)).flatten().tolist()}


def run(model, workdir=None):
    rng = np.random.default_rng(10)
    return {"volume": train_volume(model.volume, rng), "vae": train_vae(model.vae, rng)}
