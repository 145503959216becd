"""torch.nn.modules and torch.nn.parameter by their paths: real importable modules after the rename."""

import importlib
import subprocess
import sys

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("deltanet.nn.modules.loss", "_Loss"),
        ("deltanet.nn.modules.loss", "_WeightedLoss"),
        ("deltanet.nn.modules.loss", "CrossEntropyLoss"),
        ("deltanet.nn.modules.utils", "_pair"),
        ("deltanet.nn.modules.conv", "_ConvNd"),
        ("deltanet.nn.modules.batchnorm", "_BatchNorm"),
        ("deltanet.nn.modules.module", "Module"),
        ("deltanet.nn.modules.activation", "ReLU"),
        ("deltanet.nn.modules.container", "Sequential"),
        ("deltanet.nn.modules.linear", "Linear"),
        ("deltanet.nn.parameter", "Parameter"),
    ],
)
def test_paths_import_as_in_torch(path, name):
    module = importlib.import_module(path)
    assert getattr(module, name) is not None
    pytest.importorskip("torch")
    assert hasattr(importlib.import_module(path.replace("deltanet", "torch", 1)), name)


def test_import_statements_work_in_a_fresh_interpreter():
    code = (
        "import deltanet.nn.modules.loss, deltanet.nn.modules.conv\n"
        "import deltanet as torch\n"
        "from deltanet.nn.modules.utils import _pair, _single, _triple, _quadruple\n"
        "assert torch.nn.modules.conv._ConvNd is torch.nn.conv._ConvNd\n"
        "assert torch.nn.modules.batchnorm._BatchNorm.__name__ == '_BatchNorm'\n"
        "assert torch.nn.modules.module.Module is torch.nn.Module\n"
        "assert (_single(2), _pair(3), _triple((1, 2, 3)), _quadruple(0)) == ((2,), (3, 3), (1, 2, 3), (0, 0, 0, 0))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_custom_losses_subclass_loss_and_weighted_loss_as_torch():
    from deltanet.nn.modules.loss import _Loss, _WeightedLoss

    class Charbonnier(_Loss):
        def __init__(self, eps=1e-3, reduction="mean"):
            super().__init__(reduction=reduction)
            self.eps = eps

        def forward(self, input, target):
            loss = ((input - target) ** 2 + self.eps**2).sqrt()
            return loss.mean() if self.reduction == "mean" else loss.sum()

    class WeightedMSE(_WeightedLoss):
        def forward(self, input, target):
            return (self.weight * (input - target) ** 2).mean()

    assert repr(Charbonnier()) == "Charbonnier()"
    a, b = dn.tensor([1.0, 2.0]), dn.tensor([0.0, 0.0])
    assert Charbonnier(reduction="sum")(a, b).item() == pytest.approx(np.sqrt(1 + 1e-6) + np.sqrt(4 + 1e-6))
    w = WeightedMSE(dn.tensor([1.0, 3.0]))
    assert list(w.state_dict()) == ["weight"] and w(a, b).item() == pytest.approx(6.5)
    assert WeightedMSE().weight is None
    with pytest.raises(ValueError, match=r"WeightedMSE: size_average and reduce are deprecated.*size_average=True"):
        WeightedMSE(None, True)
    with pytest.raises(ValueError, match=r"Charbonnier: reduction must be .mean., .sum. or .none., got .avg."):
        Charbonnier(reduction="avg")


def test_pair_in_a_custom_conv_layer():
    from deltanet.nn.modules.utils import _pair

    class MyConv(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.kernel_size = _pair(k)
            self.weight = nn.Parameter(dn.ones(1, 1, *self.kernel_size))

        def forward(self, x):
            return nn.functional.conv2d(x, self.weight)

    assert MyConv(2)(dn.ones(1, 1, 3, 3)).shape == (1, 1, 2, 2)
    assert MyConv((1, 3)).kernel_size == (1, 3)


def test_parameter_path_and_uninitialized_parameter_refused():
    from deltanet.nn.parameter import Parameter

    assert Parameter is nn.Parameter
    with pytest.raises(ImportError):
        from deltanet.nn.parameter import UninitializedParameter  # noqa: F401
