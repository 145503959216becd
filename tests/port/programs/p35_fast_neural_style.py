r"""Fast neural style transfer, as PyTorch's official example trains it: a feed-forward image transformer
with a perceptual loss from a frozen feature network.

The idioms of `examples/fast_neural_style/neural_style/`: `ConvLayer` as `torch.nn.ReflectionPad2d(kernel_size
// 2)` then `torch.nn.Conv2d`, `torch.nn.InstanceNorm2d(channels, affine=True)`, a `ResidualBlock` with
`out = out + residual`, `UpsampleConvLayer` calling `torch.nn.functional.interpolate(x_in, mode='nearest',
scale_factor=self.upsample)`; the loss network `Vgg16` made of slices filled by `self.slice1.add_module(str(x),
features[x])`, frozen with `param.requires_grad = False`, returning a `namedtuple("VggOutputs", ['relu1_2',
'relu2_2'])`; `utils.gram_matrix` (`y.view(b, ch, w * h)`, `features.bmm(features_t) / (ch * h * w)`) and
`utils.normalize_batch` (`batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)`, `batch.div_(255.0)`);
the style batch `style.repeat(batch_size, 1, 1, 1)`; the loop's `mse_loss(features_y.relu2_2,
features_x.relu2_2)`, `style_loss = 0.` then `style_loss += mse_loss(gm_y, gm_s[:n_batch, :, :])`,
`style_loss *= style_weight`, the log line `"{}\tEpoch {}:\t[{}/{}]\tcontent: {:.6f}\tstyle: {:.6f}\ttotal:
{:.6f}"`; `transformer.eval().cpu()` and `torch.save(transformer.state_dict(), path)`; `stylize`'s
deletion of the keys matching `re.search(r'in\d+\.running_(mean|var)$', k)` before `load_state_dict`;
and `save_image`'s `data.clone().clamp(0, 255).numpy()`, `.transpose(1, 2, 0).astype("uint8")`. The
images are synthetic, the network and the images tiny, and the loss network's weights random.
"""

import os
import re
from collections import namedtuple

import numpy as np
import torch
from torch.optim import Adam
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}


class ConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super(ConvLayer, self).__init__()
        reflection_padding = kernel_size // 2
        self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        out = self.reflection_pad(x)
        out = self.conv2d(out)
        return out


class ResidualBlock(torch.nn.Module):
    def __init__(self, channels):
        super(ResidualBlock, self).__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.relu(self.in1(self.conv1(x)))
        out = self.in2(self.conv2(out))
        out = out + residual
        return out


class UpsampleConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super(UpsampleConvLayer, self).__init__()
        self.upsample = upsample
        reflection_padding = kernel_size // 2
        self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        x_in = x
        if self.upsample:
            x_in = torch.nn.functional.interpolate(x_in, mode="nearest", scale_factor=self.upsample)
        out = self.reflection_pad(x_in)
        out = self.conv2d(out)
        return out


class TransformerNet(torch.nn.Module):
    def __init__(self):
        super(TransformerNet, self).__init__()
        self.conv1 = ConvLayer(3, 4, kernel_size=5, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(4, affine=True)
        self.conv2 = ConvLayer(4, 8, kernel_size=3, stride=2)
        self.in2 = torch.nn.InstanceNorm2d(8, affine=True)
        self.res1 = ResidualBlock(8)
        self.res2 = ResidualBlock(8)
        self.deconv1 = UpsampleConvLayer(8, 4, kernel_size=3, stride=1, upsample=2)
        self.in4 = torch.nn.InstanceNorm2d(4, affine=True)
        self.deconv3 = ConvLayer(4, 3, kernel_size=5, stride=1)
        self.relu = torch.nn.ReLU()

    def forward(self, X):
        y = self.relu(self.in1(self.conv1(X)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res1(y)
        y = self.res2(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.deconv3(y)
        return y


class Vgg16(torch.nn.Module):
    def __init__(self, requires_grad=False):
        super(Vgg16, self).__init__()
        features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 6, 3, padding=1),
            torch.nn.ReLU(inplace=True),
            torch.nn.Conv2d(6, 6, 3, padding=1),
            torch.nn.ReLU(inplace=True),
            torch.nn.MaxPool2d(2, 2),
            torch.nn.Conv2d(6, 8, 3, padding=1),
            torch.nn.ReLU(inplace=True),
        )
        self.slice1 = torch.nn.Sequential()
        self.slice2 = torch.nn.Sequential()
        for x in range(4):
            self.slice1.add_module(str(x), features[x])
        for x in range(4, 7):
            self.slice2.add_module(str(x), features[x])
        if not requires_grad:
            for param in self.parameters():
                param.requires_grad = False

    def forward(self, X):
        h = self.slice1(X)
        h_relu1_2 = h
        h = self.slice2(h)
        h_relu2_2 = h
        vgg_outputs = namedtuple("VggOutputs", ["relu1_2", "relu2_2"])
        out = vgg_outputs(h_relu1_2, h_relu2_2)
        return out


def gram_matrix(y):
    (b, ch, h, w) = y.size()
    features = y.view(b, ch, w * h)
    features_t = features.transpose(1, 2)
    gram = features.bmm(features_t) / (ch * h * w)
    return gram


def normalize_batch(batch):
    # normalize using imagenet mean and std
    mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    batch = batch.div_(255.0)
    return (batch - mean) / std


def save_image(data):
    img = data.clone().clamp(0, 255).numpy()
    img = img.transpose(1, 2, 0).astype("uint8")
    return img


def build_model():
    return torch.nn.ModuleDict({"transformer": TransformerNet(), "vgg": Vgg16(requires_grad=False)})


def run(model, workdir):
    device = torch.device("cpu")
    rng = np.random.default_rng(35)
    content = rng.uniform(0, 1, size=(8, 3, 16, 16)).astype(np.float32)
    content[:, :, 4:12, 4:12] *= 0.3  # a dark square in every image
    train_dataset = TensorDataset(torch.from_numpy(content), torch.zeros(8, dtype=torch.long))
    train_loader = DataLoader(train_dataset, batch_size=4)
    stripes = np.zeros((3, 16, 16), dtype=np.float32)
    stripes[0, :, ::4] = 1.0
    stripes[2, ::3, :] = 1.0
    style = torch.from_numpy(stripes).mul(255)  # transforms.Lambda(lambda x: x.mul(255))

    transformer = model["transformer"].to(device)
    vgg = model["vgg"].to(device)
    optimizer = Adam(transformer.parameters(), 1e-2)
    mse_loss = torch.nn.MSELoss()
    content_weight, style_weight, batch_size = 1e5, 1e10, 4

    style = style.repeat(batch_size, 1, 1, 1).to(device)
    features_style = vgg(normalize_batch(style))
    gram_style = [gram_matrix(y) for y in features_style]

    messages = []
    for e in range(2):
        transformer.train()
        agg_content_loss = 0.0
        agg_style_loss = 0.0
        count = 0
        for batch_id, (x, _) in enumerate(train_loader):
            n_batch = len(x)
            count += n_batch
            optimizer.zero_grad()

            x = x.mul(255).to(device)
            y = transformer(x)

            y = normalize_batch(y)
            x = normalize_batch(x)

            features_y = vgg(y)
            features_x = vgg(x)

            content_loss = content_weight * mse_loss(features_y.relu2_2, features_x.relu2_2)

            style_loss = 0.0
            for ft_y, gm_s in zip(features_y, gram_style):
                gm_y = gram_matrix(ft_y)
                style_loss += mse_loss(gm_y, gm_s[:n_batch, :, :])
            style_loss *= style_weight

            total_loss = content_loss + style_loss
            total_loss.backward()
            optimizer.step()

            agg_content_loss += content_loss.item()
            agg_style_loss += style_loss.item()
            messages.append(
                "{}\tEpoch {}:\t[{}/{}]\tcontent: {:.6f}\tstyle: {:.6f}\ttotal: {:.6f}".format(
                    "time",
                    e + 1,
                    count,
                    len(train_dataset),
                    agg_content_loss / (batch_id + 1),
                    agg_style_loss / (batch_id + 1),
                    (agg_content_loss + agg_style_loss) / (batch_id + 1),
                )
            )

    transformer.eval().cpu()
    save_model_path = os.path.join(workdir, "epoch_2.model")
    torch.save(transformer.state_dict(), save_model_path)

    content_image = torch.from_numpy(content[0]).mul(255).unsqueeze(0).to(device)
    with torch.no_grad():
        style_model = TransformerNet()
        state_dict = torch.load(save_model_path)
        deleted = []
        for k in list(state_dict.keys()):
            if re.search(r"in\d+\.running_(mean|var)$", k):
                del state_dict[k]
                deleted.append(k)
        style_model.load_state_dict(state_dict)
        style_model.to(device)
        style_model.eval()
        output = style_model(content_image).cpu()
    img = save_image(output[0])
    frozen = [p.requires_grad for p in vgg.parameters()]
    return {
        "messages": messages,
        "deleted": deleted,
        "keys": list(state_dict.keys())[:6],
        "frozen": frozen,
        "gram_shapes": [list(g.shape) for g in gram_style],
        "gram_style": [g[0].sum().item() for g in gram_style],
        "output": output.flatten().tolist()[::17],
        "image": [img.shape, str(img.dtype), float(img.astype(np.int64).sum())],
        "vgg_repr": repr(vgg.slice2),
    }
