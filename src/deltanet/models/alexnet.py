r"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), the "deep convolutional neural net" of [Suk 2015].

Five convolutions (the first two followed by max pooling, the last by a third pooling), then three
fully connected layers with dropout: LeNet's pairs of convolution and subsampling, made deeper and
wider, trained with ReLU ($h(z) = \max(0, z)$, faster than the saturating tanh) and dropout on
1.2 million ImageNet images. The layer sizes are torchvision's (the single-GPU variant of
Krizhevsky 2014, "One weird trick": 64, 192, 384, 256, 256 feature maps), so its weights load here
as they are.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet.autograd import Tensor


class AlexNet(nn.Module):
    r"""AlexNet as torchvision builds it: ``features``, ``avgpool`` (6×6), ``classifier``.

    | sub-module | layers | output for a 224×224 input |
    |---|---|---|
    | ``features.0``–``2`` | conv 64@11×11 stride 4 pad 2, ReLU, max-pool 3 stride 2 | 64 × 27 × 27 |
    | ``features.3``–``5`` | conv 192@5×5 pad 2, ReLU, max-pool 3 stride 2 | 192 × 13 × 13 |
    | ``features.6``–``11`` | conv 384, 256, 256 @3×3 pad 1, each with ReLU | 256 × 13 × 13 |
    | ``features.12`` | max-pool 3 stride 2 | 256 × 6 × 6 |
    | ``avgpool`` | adaptive average pooling to 6×6 | 256 × 6 × 6 |
    | ``classifier`` | dropout, 9216 → 4096, ReLU, dropout, 4096 → 4096, ReLU, 4096 → C | $C$ logits |

    61,100,840 parameters for $C = 1000$ (torchvision's count for ``AlexNet_Weights.IMAGENET1K_V1``).

    With ``local_response_norm=True`` a ``LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)``
    follows the first two ReLUs, as in the paper (its $k = 2$, $n = 5$, $\alpha = 10^{-4}$,
    $\beta = 0.75$ in a formula without PyTorch's division of $\alpha$ by $n$); torchvision leaves
    it out. It has no parameters, but it shifts the indices of the later layers in ``features``,
    so torchvision's ``state_dict`` keys then no longer match.

    Args:
        num_classes: $C$, the number of outputs (default 1000).
        dropout: the probability of dropping a unit before each hidden fully connected layer
            (default 0.5, the paper's).
        local_response_norm: add the paper's local response normalization (default False).
        rng: seed or ``numpy.random.Generator`` for the initial weights and the dropout masks.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, 3, H, W)$, 224 × 224 in the paper (at least 63 × 63, so that the last
          pooling has an input).
        - output: $(N, C)$, the logits.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.models.AlexNet(num_classes=10, rng=0).eval()
        >>> model(dn.tensor(np.zeros((1, 3, 63, 63), dtype=np.float32))).shape
        (1, 10)
        >>> sum(p.size for p in model.parameters())
        57044810
    """

    def __init__(
        self,
        num_classes: int = 1000,
        dropout: float = 0.5,
        local_response_norm: bool = False,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "AlexNet"
        self.num_classes = check.integer(num_classes, "num_classes", owner, low=1)
        self._dropout = check.number(dropout, "dropout", owner, low=0, high=1, high_open=True)
        self.local_response_norm = check.flag(local_response_norm, "local_response_norm", owner)
        g = backend.get_rng(rng)

        def conv(c_in: int, c_out: int, k: int, **options: Any) -> nn.Conv2d:
            return nn.Conv2d(c_in, c_out, k, rng=g, dtype=dtype, **options)

        def normalize() -> list:
            return [nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)] if self.local_response_norm else []

        self.features = nn.Sequential(
            conv(3, 64, 11, stride=4, padding=2),
            nn.ReLU(),
            *normalize(),
            nn.MaxPool2d(3, stride=2),
            conv(64, 192, 5, padding=2),
            nn.ReLU(),
            *normalize(),
            nn.MaxPool2d(3, stride=2),
            conv(192, 384, 3, padding=1),
            nn.ReLU(),
            conv(384, 256, 3, padding=1),
            nn.ReLU(),
            conv(256, 256, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(self._dropout, rng=g),
            nn.Linear(256 * 6 * 6, 4096, rng=g, dtype=dtype),
            nn.ReLU(),
            nn.Dropout(self._dropout, rng=g),
            nn.Linear(4096, 4096, rng=g, dtype=dtype),
            nn.ReLU(),
            nn.Linear(4096, self.num_classes, rng=g, dtype=dtype),
        )

    def forward(self, x: Tensor) -> Tensor:
        shape = tuple(x.shape)
        if len(shape) != 4 or shape[1] != 3 or min(shape[2:]) < 63:
            raise ValueError(f"AlexNet: expected input of shape (N, 3, H, W) with H, W >= 63, got shape {shape}")
        x = self.avgpool(self.features(x))
        return self.classifier(x.reshape(x.shape[0], -1))

    def extra_repr(self) -> str:
        return (
            f"num_classes={self.num_classes}, dropout={self._dropout}, local_response_norm={self.local_response_norm}"
        )


def alexnet(
    num_classes: int = 1000,
    dropout: float = 0.5,
    local_response_norm: bool = False,
    rng: Any = None,
    dtype: Any = None,
) -> AlexNet:
    r"""Build an ``AlexNet`` (torchvision's layer sizes; 61,100,840 parameters for 1000 classes).

    Args:
        num_classes: the number of outputs (default 1000).
        dropout: the dropout probability of the classifier (default 0.5).
        local_response_norm: add the paper's local response normalization after the first two
            ReLUs (default False, as torchvision).
        rng: seed or ``numpy.random.Generator`` for the initial weights and the dropout masks.
        dtype: float32 (default) or float64.

    Returns:
        ``AlexNet(num_classes, dropout, local_response_norm, rng, dtype)``.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.models.alexnet(num_classes=2, rng=0)
        >>> model.classifier[6]
        Linear(in_features=4096, out_features=2, bias=True)
    """
    return AlexNet(num_classes, dropout, local_response_norm, rng, dtype)


__all__ = ["AlexNet", "alexnet"]
