r"""Distances and bilinear forms between two batches of vectors: the building blocks of Siamese and
triplet networks (image retrieval, face verification), with PyTorch's names and arguments.

Both are written with deltanet's differentiable primitives (the difference, ``norm``, ``matmul``),
so their gradients are those of the primitives, each verified against PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, norm


def _float(x: Any, name: str, owner: str) -> Tensor:
    x = as_tensor(x, owner=owner)
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: {name} must be floating-point (float32 or float64), got dtype {x.dtype}")
    return x


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r"""The $p$-norm distance between matching rows of two batches, along the last axis.

    $$
    d(x_1, x_2) = \lVert x_1 - x_2 + \epsilon \rVert_p = \Big(\sum_j |x_{1j} - x_{2j} + \epsilon|^p\Big)^{1/p}
    $$

    As in PyTorch, $\epsilon$ is added to the difference (it keeps the gradient of the
    Euclidean norm finite when two rows coincide); the two inputs broadcast.

    Args:
        x1: a floating-point tensor $(N, D)$ or $(D,)$.
        x2: a tensor that broadcasts with ``x1``.
        p: the norm's order (default 2; 1, ``inf`` and any positive number work).
        eps: added to every difference (default $10^{-6}$).
        keepdim: keep the last axis with size 1.

    Shape:
        - x1, x2: $(N, D)$ or $(D,)$ (broadcasting).
        - output: $(N,)$, or $()$ for 1-D inputs; a last axis of size 1 with ``keepdim``.

    Examples:
        >>> import deltanet as dn
        >>> d = dn.nn.functional.pairwise_distance(dn.tensor([[3.0, 4.0]]), dn.tensor([[0.0, 0.0]]), eps=0.0)
        >>> d.tolist()
        [5.0]
    """
    a, b = _float(x1, "x1", "pairwise_distance"), _float(x2, "x2", "pairwise_distance")
    p = check.number(p, "p", "pairwise_distance", finite=False, low=0)
    eps = check.number(eps, "eps", "pairwise_distance")
    keepdim = check.flag(keepdim, "keepdim", "pairwise_distance")
    ndim = max(a.ndim, b.ndim)
    if ndim == 0:
        raise ValueError("pairwise_distance: x1 and x2 must have at least one axis (vectors), got 0-D tensors")
    return norm(a - b + eps, p, ndim - 1, keepdim)


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    r"""A bilinear form per output feature: $y_k = x_1^\top W_k \, x_2 + b_k$.

    $$
    y_{nk} = \sum_{i, j} x_{1, ni} \, W_{kij} \, x_{2, nj} + b_k
    $$

    Args:
        input1: $x_1$ of shape $(*, H_1)$.
        input2: $x_2$ of shape $(*, H_2)$, the same leading axes.
        weight: $W$ of shape $(K, H_1, H_2)$.
        bias: $b$ of shape $(K,)$, or None.

    Shape:
        - input1: $(*, H_1)$; input2: $(*, H_2)$.
        - weight: $(K, H_1, H_2)$; bias: $(K,)$.
        - output: $(*, K)$.

    Raises:
        ValueError: the shapes do not fit together (the message gives them).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> W = dn.tensor(np.eye(2, dtype=np.float32)[None])  # one output: x1 . x2
        >>> dn.nn.functional.bilinear(dn.tensor([[1.0, 2.0]]), dn.tensor([[3.0, 4.0]]), W).tolist()
        [[11.0]]
    """
    x1 = _float(input1, "input1", "bilinear")
    x2 = _float(input2, "input2", "bilinear")
    W = _float(weight, "weight", "bilinear")
    if W.ndim != 3:
        raise ValueError(
            f"bilinear: weight must be 3-D (out_features, in1_features, in2_features), got shape {W.shape}"
        )
    out_features, in1, in2 = W.shape
    if x1.ndim == 0 or x1.shape[-1] != in1 or x2.ndim == 0 or x2.shape[-1] != in2:
        raise ValueError(
            f"bilinear: input1 (*, {in1}) and input2 (*, {in2}) must match the weight's shape {W.shape}, "
            f"got {x1.shape} and {x2.shape}"
        )
    if x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(f"bilinear: input1 and input2 must have the same leading axes, got {x1.shape} and {x2.shape}")
    lead = x1.shape[:-1]
    common = np.result_type(x1.dtype, x2.dtype, W.dtype)  # a layer keeps NumPy's promotion, as Linear does
    x1, x2, W = (t if t.dtype == common else t.to(common) for t in (x1, x2, W))
    rows1, rows2 = x1.reshape(-1, in1), x2.reshape(-1, in2)
    # x1 W_k for every k at once: (B, H1) @ (H1, K * H2), then the dot product with x2 per k.
    left = (rows1 @ W.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    y = (left * rows2.unsqueeze(1)).sum(-1)
    if bias is not None:
        b = _float(bias, "bias", "bilinear")
        if b.shape != (out_features,):
            raise ValueError(f"bilinear: bias must have shape ({out_features},), got {b.shape}")
        y = y + b
    return y.reshape(*lead, out_features)
