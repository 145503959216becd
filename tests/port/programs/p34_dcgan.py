"""A DCGAN, as PyTorch's official example trains it: a generator of transposed convolutions against a
convolutional discriminator.

The idioms of `examples/dcgan/main.py`: `weights_init(m)` reading `m.__class__.__name__` and
`classname.find('Conv') != -1` to call `torch.nn.init.normal_(m.weight, 0.0, 0.02)` (and
`normal_(m.weight, 1.0, 0.02)`, `zeros_(m.bias)` for `BatchNorm`), applied with `netG.apply(weights_init)`;
the generator `nn.Sequential(nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(...),
nn.ReLU(True), ..., nn.Tanh())` and the discriminator `nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
nn.LeakyReLU(0.2, inplace=True), ..., nn.Sigmoid()` whose `forward` returns `output.view(-1,
1).squeeze(1)`; `criterion = nn.BCELoss()`, `real_label = 1`, `fake_label = 0`,
`torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)` and `label.fill_(fake_label)`;
`optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))`; `netD.zero_grad()`, `errD_real.backward()`,
`netD(fake.detach())`, `D_x = output.mean().item()`, `errD = errD_real + errD_fake`; the printed line
`'[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'`; and the epoch's checkpoint
`torch.save(netG.state_dict(), '%s/netG_epoch_%d.pth' % (outf, epoch))`. The noise (`torch.randn` in
the example) comes from NumPy: the two libraries draw different numbers.
"""

import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
nz, ngf, ndf, nc = 8, 4, 4, 1


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 4 x 4
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 8 x 8
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
            # state size. (nc) x 16 x 16
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 16 x 16
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 8 x 8
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 4 x 4
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


def build_model():
    netG = Generator(1)
    netG.apply(weights_init)
    netD = Discriminator(1)
    netD.apply(weights_init)
    return nn.ModuleDict({"netG": netG, "netD": netD})


def real_images(n, rng):
    """Bright discs on a dark background, scaled to [-1, 1] as `transforms.Normalize((0.5,), (0.5,))` does."""
    yy, xx = np.mgrid[0:16, 0:16]
    images = np.empty((n, nc, 16, 16), dtype=np.float32)
    for i in range(n):
        cy, cx, r = rng.uniform(5, 11), rng.uniform(5, 11), rng.uniform(2, 5)
        images[i, 0] = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r * r, 1.0, -1.0)
    return images


def run(model, workdir):
    device = torch.device("cpu")
    outf = workdir
    netG, netD = model["netG"].to(device), model["netD"].to(device)
    init_std = [m.weight.std().item() for m in netD.modules() if m.__class__.__name__.find("Conv") != -1]
    rng = np.random.default_rng(34)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(real_images(32, rng)))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=False)

    criterion = nn.BCELoss()
    fixed_noise = torch.from_numpy(rng.normal(size=(4, nz, 1, 1)).astype(np.float32))
    real_label = 1
    fake_label = 0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

    niter, lines = 2, []
    for epoch in range(niter):
        for i, data in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)

            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            # train with fake
            noise = torch.from_numpy(rng.normal(size=(batch_size, nz, 1, 1)).astype(np.float32)).to(device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            lines.append(
                "[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f"
                % (epoch, niter, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)
            )
        # do checkpointing
        torch.save(netG.state_dict(), "%s/netG_epoch_%d.pth" % (outf, epoch))
        torch.save(netD.state_dict(), "%s/netD_epoch_%d.pth" % (outf, epoch))

    netG.eval()
    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    reloaded = Generator(1)
    reloaded.load_state_dict(torch.load("%s/netG_epoch_%d.pth" % (outf, niter - 1), weights_only=True))
    reloaded.eval()
    with torch.no_grad():
        same = torch.equal(reloaded(fixed_noise), fake)
    return {
        "init_std_is_small": [s < 0.05 for s in init_std],
        "lines": lines,
        "fake": fake.flatten().tolist()[:32],
        "fake_range": [fake.min().item(), fake.max().item()],
        "shape": list(fake.shape),
        "files": sorted(os.listdir(outf)),
        "reloaded_same": same,
        "running_var": netD.main[3].running_var.tolist(),
    }
