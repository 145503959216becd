"""``mlp``: a multi-layer perceptron of the seeds as an ``nn.Sequential``."""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet.models._common import activation as _activation


def mlp(
    sizes: list[int],
    activation: str = "relu",
    flatten: bool = False,
    rng: Any = None,
    dtype: Any = None,
) -> nn.Sequential:
    r"""Fully connected layers ``sizes[0] → sizes[1] → … → sizes[-1]`` with the activation $h$ between them.

    The hidden layers compute

    $$
    a^{(l)} = h\big(W^{(l)} a^{(l-1)} + b^{(l)}\big)
    $$

    and the last layer is linear, $z^{(L)} = W^{(L)} a^{(L-1)} + b^{(L)}$ (logits for
    ``CrossEntropy``, values for ``MSELoss``). With $n_l$ = ``sizes[l]`` the network has
    $\sum_l (n_l + 1)\, n_{l+1}$ parameters.

    Args:
        sizes: the widths, inputs first and outputs last (at least two entries).
        activation: h for the hidden layers: "relu" (default), "tanh", "sigmoid", "elu",
            "leaky_relu", "silu" or "swish".
        flatten: put an ``nn.Flatten()`` first, for image inputs (N, C, H, W); the layer
            indices in the ``state_dict`` then start at 1.
        rng: seed or ``numpy.random.Generator`` for the initial weights.
        dtype: float32 (default) or float64.

    Returns:
        The network, an ``nn.Sequential``.

    Shape:
        - input: $(N, n_0)$, or $(N, C, H, W)$ with $C H W = n_0$ and ``flatten=True``.
        - output: $(N, n_L)$, with $n_L$ = ``sizes[-1]``.

    Examples:
        >>> import deltanet as dn
        >>> dn.models.mlp([4, 16, 3], activation="sigmoid", rng=0)
        Sequential(
          (0): Linear(in_features=4, out_features=16, bias=True)
          (1): Sigmoid()
          (2): Linear(in_features=16, out_features=3, bias=True)
        )
    """
    owner = "mlp"
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
        raise check.fail(owner, "sizes", "a list of at least two layer widths", sizes)
    sizes = [check.integer(n, f"sizes[{i}]", owner, low=1) for i, n in enumerate(sizes)]
    act = _activation(activation, owner)
    flatten = check.flag(flatten, "flatten", owner)
    generator = backend.get_rng(rng)
    layers: list = [nn.Flatten()] if flatten else []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], rng=generator, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


__all__ = ["mlp"]
