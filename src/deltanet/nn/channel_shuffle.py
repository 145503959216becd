"""``ChannelShuffle``: ShuffleNet's interleaving of channel groups (``deltanet.functional.channel_shuffle``)."""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.channel_shuffle import channel_shuffle
from deltanet.nn.module import Module, call_named


class ChannelShuffle(Module):
    r"""Interleave the channels of ``groups`` groups, as ``torch.nn.ChannelShuffle``.

    $$
    \text{out}_{n,\, i g + j} = x_{n,\, j m + i}, \qquad m = C / g
    $$

    Lets the next grouped convolution see channels of every group (ShuffleNet).

    Args:
        groups: $g$, the number of groups ($C$ must be divisible by it).

    Shape:
        - input: $(N, C, *)$
        - output: $(N, C, *)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> shuffle = dn.nn.ChannelShuffle(2)
        >>> shuffle
        ChannelShuffle(groups=2)
        >>> shuffle(dn.tensor(np.arange(4.0).reshape(1, 4, 1))).array.ravel().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = check.integer(groups, "groups", type(self).__name__, low=1)

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, channel_shuffle, x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
