"""``nn.init.dirac_`` and ``nn.init.sparse_``: PyTorch's structured initializers.

``dirac_`` makes a convolution the identity (each output channel copies one input channel: the
kernel is a centred delta), as used to initialise residual-free deep networks; ``sparse_`` gives
each column of a matrix a fraction of zeros and small normal values elsewhere (Martens 2010).
Both fill the tensor in place, as the rest of ``nn.init`` does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.autograd.tensor import leaf
from deltanet.backend import get_rng


def _as_tensor(tensor: Any, owner: str) -> Tensor:
    if isinstance(tensor, np.ndarray) and tensor.dtype.kind == "f":
        return leaf(tensor)  # a parameter's .array: filled in place through a tensor that shares it
    if not isinstance(tensor, Tensor):
        raise ValueError(f"{owner}: expected a Tensor or Parameter to fill, got {type(tensor).__name__}")
    return tensor


def dirac_(tensor: Any, groups: int = 1) -> Any:
    r"""Fill a convolution weight with the Dirac delta, in place: the layer copies its input channels.

    $W_{o, i, k} = 1$ when $i = o \bmod (c_{out} / g)$ and $k$ is the kernel's centre, else 0;
    with ``groups`` $g$, each group's outputs copy that group's inputs.

    Args:
        tensor: a weight with 3, 4 or 5 axes $(c_{out}, c_{in}/g, k\dots)$.
        groups: the convolution's groups $g$; $c_{out}$ must be divisible by it.

    Returns:
        ``tensor``.

    Raises:
        ValueError: another number of axes, or $c_{out}$ not divisible by ``groups``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.dirac_(dn.nn.Parameter(np.zeros((2, 2, 3))))
        >>> w.array[:, :, 1].tolist(), float(w.array.sum())
        ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    t = _as_tensor(tensor, "dirac_")
    if t.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {t.shape}")
    groups = check.integer(groups, "groups", "dirac_", low=1)
    if t.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got shape {t.shape} and groups={groups}")
    out_per_group = t.shape[0] // groups
    values = np.zeros(t.shape, dtype=t.dtype)
    centre = tuple(k // 2 for k in t.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, t.shape[1])):
            values[(g * out_per_group + d, d, *centre)] = 1
    t.array[...] = values
    changed_in_place((t,))
    return tensor


def sparse_(tensor: Any, sparsity: float, std: float = 0.01, generator: Any = None) -> Any:
    r"""Fill a 2-D tensor with $\mathcal{N}(0, \sigma^2)$ values and zero a fraction of each column, in place.

    In each column, $\lceil s \cdot \text{rows} \rceil$ entries at random rows are set to 0, the
    others drawn from $\mathcal{N}(0, \sigma^2)$ (Martens 2010), as PyTorch's ``sparse_``.

    Args:
        tensor: a 2-D tensor.
        sparsity: $s \in [0, 1]$, the fraction of each column set to zero.
        std: $\sigma \ge 0$.
        generator: a seed or ``numpy.random.Generator``; the default generator when None.

    Returns:
        ``tensor``.

    Raises:
        ValueError: ``tensor`` is not 2-D, or ``sparsity`` or ``std`` out of range.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.sparse_(dn.nn.Parameter(np.zeros((4, 3))), sparsity=0.5, generator=0)
        >>> (w.array == 0).sum(axis=0).tolist()
        [2, 2, 2]
    """
    t = _as_tensor(tensor, "sparse_")
    if t.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {t.shape}")
    sparsity = check.number(sparsity, "sparsity", "sparse_", low=0, high=1)
    std = check.number(std, "std", "sparse_", low=0)
    rng = get_rng(generator)
    rows, cols = t.shape
    num_zeros = int(math.ceil(sparsity * rows))
    values = rng.normal(0.0, std, size=t.shape)
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0.0
    t.array[...] = values
    changed_in_place((t,))
    return tensor
