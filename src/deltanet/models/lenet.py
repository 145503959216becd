r"""LeNet-5 (LeCun, Bottou, Bengio and Haffner 1998), the convolutional network of [Suk 2015].

Pairs of convolution and subsampling layers,

$$
C_j^{(l)} = h\Big(\sum_i S_i^{(l-1)} * W_{ji}^{(l)} + b_j^{(l)}\Big), \qquad
S_j^{(l)} = \mathrm{down}\big(C_j^{(l)}\big)
$$

($*$ the convolution, $h$ the activation, $\mathrm{down}$ the max or the average over 2×2
windows, $S^{(0)}$ the input channels): local receptive fields and shared weights find the
same feature anywhere in the image, and each subsampling halves the resolution while the number of
feature maps grows; fully connected layers end the network.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet.models._common import activation as _activation


def lenet5(
    num_classes: int = 10,
    in_channels: int = 1,
    subsampling: str = "max",
    activation: str = "relu",
    input_size: int = 28,
    rng: Any = None,
    dtype: Any = None,
) -> nn.Sequential:
    r"""LeNet-5 as an ``nn.Sequential``: conv 6@5×5, subsample, conv 16@5×5, subsample, 120, 84, C.

    | index | layer | output | parameters |
    |---|---|---|---|
    | 0 | C1 ``Conv2d(in, 6, 5, pad)`` | 6 × 28 × 28 | $6 \cdot c_{in} \cdot 25 + 6 = 156$ ($c_{in} = 1$) |
    | 1, 2 | S2 subsampling 2×2, $h$ | 6 × 14 × 14 | 0 |
    | 3 | C3 ``Conv2d(6, 16, 5)`` | 16 × 10 × 10 | $16 \cdot 6 \cdot 25 + 16 = 2416$ |
    | 4, 5 | S4 subsampling 2×2, $h$ | 16 × 5 × 5 | 0 |
    | 6 | ``Flatten`` | 400 | 0 |
    | 7, 8 | F5 ``Linear(400, 120)``, $h$ | 120 | 48,120 |
    | 9, 10 | F6 ``Linear(120, 84)``, $h$ | 84 | 10,164 |
    | 11 | output ``Linear(84, C)`` | $C$ (logits) | $85\, C = 850$ ($C = 10$) |

    61,706 parameters for one input channel and 10 classes ($150\, (c_{in} - 1)$ more for
    $c_{in}$ channels). The input is 32 × 32 as in the paper (C1 without padding), or 28 × 28 as
    MNIST (C1 with padding 2); both give 16 × 5 × 5 = 400 features before F5.

    The options are the ones the seeds discuss: the subsampling is max pooling (``"max"``,
    today's usual choice) or averaging (``"avg"``, as the paper), the activation $h$ is ReLU or
    tanh (the paper's squashing function). With max pooling the layer order is conv, pool, h
    (indices 1, 2 = ``MaxPool2d``, $h$): max-pooling commutes with any non-decreasing $h$,
    $\max(h(a), h(b)) = h(\max(a, b))$, so this gives exactly the output of conv, $h$, pool with
    $h$ applied to 4× fewer values. With averaging the order is conv, h, pool. The parameterized
    layers sit at the same indices either way (0, 3, 7, 9, 11), so the ``state_dict`` keys are
    PyTorch's for the same ``nn.Sequential``. Differences from the 1998 network, as in most
    reimplementations: C3 connects to all six S2 maps (the paper used a sparse table: 1,516
    weights instead of 2,416), subsampling has no trainable coefficient and bias, and the output
    layer is linear (logits for ``CrossEntropy``) instead of Euclidean RBF units.

    Args:
        num_classes: C, the number of outputs (default 10).
        in_channels: channels of the input images (default 1, grey levels).
        subsampling: "max" (default) or "avg".
        activation: "relu" (default) or "tanh".
        input_size: 28 (default; C1 pads by 2) or 32 (the paper's input, no padding).
        rng: seed or ``numpy.random.Generator`` for the initial weights (PyTorch's default
            initialization, $\mathcal{U}(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})$ with $n_{in}$ the fan-in).
        dtype: float32 (default) or float64.

    Returns:
        The network, an ``nn.Sequential`` of 12 layers.

    Shape:
        - input: $(N, c_{in}, S, S)$, with $S$ = ``input_size``.
        - output: $(N, C)$, the logits.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.models.lenet5(rng=0)
        >>> model(dn.tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape
        (2, 10)
        >>> sum(p.size for p in model.parameters())
        61706
    """
    owner = "lenet5"
    num_classes = check.integer(num_classes, "num_classes", owner, low=1)
    in_channels = check.integer(in_channels, "in_channels", owner, low=1)
    check.one_of(subsampling, "subsampling", ("max", "avg"), owner)
    act = _activation(activation, owner, ("relu", "tanh"))
    input_size = check.one_of(input_size, "input_size", (28, 32), owner)
    generator = backend.get_rng(rng)
    pool = nn.MaxPool2d if subsampling == "max" else nn.AvgPool2d

    def subsample_and_activate() -> list:
        # Max-pooling commutes with a non-decreasing activation: pool first, on 4x fewer values.
        return [pool(2), act()] if subsampling == "max" else [act(), pool(2)]

    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2 if input_size == 28 else 0, rng=generator, dtype=dtype),
        *subsample_and_activate(),
        nn.Conv2d(6, 16, 5, rng=generator, dtype=dtype),
        *subsample_and_activate(),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120, rng=generator, dtype=dtype),
        act(),
        nn.Linear(120, 84, rng=generator, dtype=dtype),
        act(),
        nn.Linear(84, num_classes, rng=generator, dtype=dtype),
    )


__all__ = ["lenet5"]
