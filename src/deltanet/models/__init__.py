"""Layer 6: ready-made networks of the seeds: LeNet-5, a configurable U-Net and plain MLPs.

Each builder returns an ordinary ``nn.Module`` (``lenet5`` and ``mlp`` an ``nn.Sequential``,
``unet`` a ``UNet``), so the models train with ``dn.fit``, save with ``dn.save`` and load
their weights from (and into) the equivalent PyTorch model. Constructor arguments are JSON
scalars, so a model can be rebuilt from a saved configuration.
"""

from deltanet.models.alexnet import AlexNet, alexnet
from deltanet.models.googlenet import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet
from deltanet.models.lenet import lenet5
from deltanet.models.mlp import mlp
from deltanet.models.unet import UNet, unet

__all__ = ["UNet", "lenet5", "mlp", "unet"]
__all__ += ["AlexNet", "alexnet"]
__all__ += ["BasicConv2d", "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet"]
