"""The DCGAN of `pytorch/examples` as it was written before PyTorch 0.4 (`dcgan/main.py` at commit
645c7c3^, April 2018), with its `.data` idioms.

Its idioms: `weights_init(m)` writing through `.data` (`m.weight.data.normal_(0.0, 0.02)` for a `Conv`
class name, `m.weight.data.normal_(1.0, 0.02)` and `m.bias.data.fill_(0)` for `BatchNorm`; the form the
example kept until 2020, commit 1877b87), applied with `netG.apply(weights_init)`; preallocated buffers
`input = torch.FloatTensor(opt.batchSize, nc, opt.imageSize, opt.imageSize)`, `noise =
torch.FloatTensor(opt.batchSize, nz, 1, 1)`, `label = torch.FloatTensor(opt.batchSize)` filled in
place each step (`input.resize_as_(real_cpu).copy_(real_cpu)`, `label.resize_(batch_size).fill_(real_label)`,
`noise.resize_(batch_size, nz, 1, 1)`), wrapped as `Variable(input)`, `Variable(label.fill_(fake_label))`;
`D_x = output.data.mean()` (a 0-d tensor, printed with `%.4f`), `netD(fake.detach())`, `errD = errD_real +
errD_fake`, and the line `'[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'`;
`fake.data` handed on (to `vutils.save_image` in the example; here its mean). Two changes: `errD.data[0]`
(an error since PyTorch 0.5) is `errD.data.item()`, and the noise, `.normal_(0, 1)` in the example,
is copied in from NumPy (`noise.resize_(...).copy_(...)`) so that both runs draw the same. Sizes are
small (16 x 16 images of one channel, three layers a side).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.autograd import Variable

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
nz, ngf, ndf, nc, imageSize, batchSize = 8, 4, 4, 1, 16, 8


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


class _netG(nn.Module):
    def __init__(self):
        super(_netG, self).__init__()  # noqa: UP008 (the example's spelling)
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class _netD(nn.Module):
    def __init__(self):
        super(_netD, self).__init__()  # noqa: UP008
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


class GAN(nn.Module):
    """The two networks in one module, so that the suite loads both from PyTorch's weights."""

    def __init__(self):
        super().__init__()
        self.netG = _netG()
        self.netG.apply(weights_init)
        self.netD = _netD()
        self.netD.apply(weights_init)


def build_model():
    return GAN()


def real_images(n, rng):
    """Blobs of light on a dark field, in [-1, 1] as the Tanh produces."""
    yy, xx = np.mgrid[:imageSize, :imageSize]
    centers = rng.uniform(4, 12, size=(n, 2))
    blobs = np.exp(-((yy - centers[:, :1, None]) ** 2 + (xx - centers[:, 1:, None]) ** 2) / 8.0)
    return (blobs[:, None] * 2 - 1).astype(np.float32)


def run(model, workdir=None):
    rng = np.random.default_rng(0)
    netG, netD = model.netG, model.netD
    init_check = _netD()
    init_check.apply(weights_init)  # the .data writes, on a fresh discriminator
    bn = init_check.main[3]
    initialised = [bn.bias.abs().sum().item(), bool(0.005 < init_check.main[0].weight.std().item() < 0.04)]
    criterion = nn.BCELoss()
    input = torch.FloatTensor(batchSize, nc, imageSize, imageSize)
    noise = torch.FloatTensor(batchSize, nz, 1, 1)
    label = torch.FloatTensor(batchSize)
    real_label = 1
    fake_label = 0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002 * 10, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002 * 10, betas=(0.5, 0.999))
    dataloader = [(torch.from_numpy(real_images(batchSize, rng)), torch.zeros(batchSize)) for _ in range(3)]
    niter, log, fakes = 2, [], []
    for epoch in range(niter):
        for i, data in enumerate(dataloader, 0):
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real_cpu, _ = data
            batch_size = real_cpu.size(0)
            input.resize_as_(real_cpu).copy_(real_cpu)
            label.resize_(batch_size).fill_(real_label)
            inputv = Variable(input)
            labelv = Variable(label)

            output = netD(inputv)
            errD_real = criterion(output, labelv)
            errD_real.backward()
            D_x = output.data.mean()

            # train with fake
            noise.resize_(batch_size, nz, 1, 1).copy_(torch.from_numpy(rng.standard_normal((batch_size, nz, 1, 1))))
            noisev = Variable(noise)
            fake = netG(noisev)
            labelv = Variable(label.fill_(fake_label))
            output = netD(fake.detach())
            errD_fake = criterion(output, labelv)
            errD_fake.backward()
            D_G_z1 = output.data.mean()
            errD = errD_real + errD_fake
            optimizerD.step()

            # (2) Update G network: maximize log(D(G(z)))
            netG.zero_grad()
            labelv = Variable(label.fill_(real_label))  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, labelv)
            errG.backward()
            D_G_z2 = output.data.mean()
            optimizerG.step()

            log.append(
                "[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f"
                % (epoch, niter, i, len(dataloader), errD.data.item(), errG.data.item(), D_x, D_G_z1, D_G_z2)
            )
        fakes.append(fake.data.mean().item())
    return {"initialised": initialised, "log": log, "fakes": fakes, "label": label.tolist()}
