"""Dropout layers: ``Dropout`` (units), ``Dropout2d`` and ``Dropout3d`` (whole channels).

Inverted dropout (see ``deltanet.functional.dropout``): in training mode the kept units are
scaled by $1/(1 - p)$; in evaluation mode (``model.eval()``) the layer is the identity, so the
trained network needs no rescaling at test time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.dropout import _check_p, dropout, dropout2d, dropout3d, dropout_in_place
from deltanet.nn.module import Module, call_named


class _DropoutBase(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False, rng: Any = None) -> None:
        super().__init__()
        self.p = _check_p(p, type(self).__name__)
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)
        if rng is not None and not isinstance(rng, np.random.Generator):
            if not check.is_integer(rng):
                raise check.fail(type(self).__name__, "rng", "None, an int seed or a numpy.random.Generator", rng)
            # One generator for the layer's life: a seed gives a reproducible *sequence* of
            # masks, not the same mask on every step.
            rng = np.random.default_rng(int(rng))
        self.rng = rng

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutBase):
    r"""Zero each unit with probability $p$ during training and scale the kept ones by $1/(1 - p)$.

    $$
    a = \frac{x \odot m}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p)
    $$

    A new mask is drawn on every call in training mode; in evaluation mode the layer is the
    identity.

    Args:
        p: probability of dropping a unit, in $[0, 1)$ (default 0.5, as Srivastava et al. 2014).
        inplace: overwrite the input with the output and return it, as PyTorch does (in
            evaluation mode the input is returned untouched).
        rng: seed or ``numpy.random.Generator`` for the masks; the default generator
            (``dn.manual_seed``) when None. A seed starts a reproducible sequence of masks.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Dropout(0.5, rng=0)
        >>> sorted(set(layer(dn.tensor(np.ones(8))).array.tolist()))
        [0.0, 2.0]
        >>> layer.eval()(dn.tensor([1.0, 2.0])).array.tolist()
        [1.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            compute = lambda t: dropout(t, self.p, self.training, rng=self.rng)  # noqa: E731
            return call_named(self, dropout_in_place, x, compute, self.p, self.training, "dropout")
        return call_named(self, dropout, x, self.p, self.training, rng=self.rng)


class Dropout2d(_DropoutBase):
    r"""Zero whole channels with probability $p$ during training and scale the kept ones by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    One mask value per (sample, channel), shared by every position of that feature map; the
    identity in evaluation mode.

    Args:
        p: probability of dropping a channel, in $[0, 1)$.
        inplace: overwrite the input with the output and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the masks.

    Shape:
        - input: $(N, C, *)$.
        - output: $(N, C, *)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.nn.Dropout2d(0.5, rng=1)(dn.tensor(np.ones((1, 4, 3, 3))))
        >>> a.array.reshape(4, -1).max(axis=1).tolist()  # one value per whole channel
        [2.0, 2.0, 0.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            compute = lambda t: dropout2d(t, self.p, self.training, rng=self.rng)  # noqa: E731
            return call_named(self, dropout_in_place, x, compute, self.p, self.training, "dropout2d")
        return call_named(self, dropout2d, x, self.p, self.training, rng=self.rng)


class Dropout3d(_DropoutBase):
    r"""Zero whole 3-D channels with probability $p$ during training and scale the kept ones by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    One mask value per (sample, channel) of a volume batch, shared by every voxel of that
    channel (the 3-D U-Nets' and V-Nets' regularizer); the identity in evaluation mode.

    Args:
        p: probability of dropping a channel, in $[0, 1)$.
        inplace: overwrite the input with the output and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the masks.

    Shape:
        - input: $(N, C, D, H, W)$ or $(C, D, H, W)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.nn.Dropout3d(0.5, rng=1)(dn.tensor(np.ones((1, 4, 2, 2, 2))))
        >>> a.array.reshape(4, -1).max(axis=1).tolist()  # one value per whole channel
        [2.0, 2.0, 0.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        if self.inplace:
            compute = lambda t: dropout3d(t, self.p, self.training, rng=self.rng)  # noqa: E731
            return call_named(self, dropout_in_place, x, compute, self.p, self.training, "dropout3d")
        return call_named(self, dropout3d, x, self.p, self.training, rng=self.rng)
