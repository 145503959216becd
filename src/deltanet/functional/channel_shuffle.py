r"""Channel shuffle (ShuffleNet, Zhang et al. 2018): interleave the channels of ``groups`` groups.

With $C = g m$ channels seen as a $g \times m$ grid (group, index in the group), the output lists
them column by column: output channel $i g + j$ is input channel $j m + i$. It is a reshape, a
transpose and a reshape, so its gradient is the inverse permutation of $\delta$.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor


def channel_shuffle(input: Any, groups: int) -> Tensor:
    r"""Interleave the channels of ``groups`` groups, as ``torch.nn.functional.channel_shuffle``.

    $$
    \text{out}_{n,\, i g + j} = x_{n,\, j m + i}, \qquad m = C / g
    $$

    Args:
        input: $(N, C, *)$ with $C$ divisible by ``groups``.
        groups: $g$, the number of groups.

    Shape:
        - input: $(N, C, *)$
        - output: $(N, C, *)$

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.arange(6.0).reshape(1, 6, 1))
        >>> dn.functional.channel_shuffle(x, 2).data.ravel().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    owner = "channel_shuffle"
    x = as_tensor(input, owner=owner)
    g = check.integer(groups, "groups", owner, low=1)
    if x.ndim < 3:
        raise ValueError(f"{owner}: expected an input (N, C, *) of at least 3 axes, got shape {x.shape}")
    C = x.shape[1]
    if C % g:
        raise ValueError(f"{owner}: the number of channels {C} must be divisible by groups={g}")
    rest = x.shape[2:]
    return x.reshape((x.shape[0], g, C // g, *rest)).transpose(1, 2).reshape(x.shape)
