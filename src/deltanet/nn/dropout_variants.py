r"""``AlphaDropout``, ``FeatureAlphaDropout`` (for SELU networks) and ``Dropout1d``, as PyTorch's.

Each calls its op of ``deltanet.functional.dropout_variants`` with the layer's $p$ in training
mode and is the identity in evaluation mode (``model.eval()``).
"""

from __future__ import annotations

from deltanet.autograd import Tensor
from deltanet.functional.dropout_variants import alpha_dropout, dropout1d, feature_alpha_dropout
from deltanet.nn.dropout import _DropoutBase
from deltanet.nn.module import call_named


class AlphaDropout(_DropoutBase):
    r"""Dropout that keeps a SELU network's activations at mean 0 and variance 1 (Klambauer et al. 2017).

    $$
    y = a \big(x m - \alpha' (1 - m)\big) + a \alpha' p, \qquad
    a = \big((1 - p)(1 + p \alpha'^2)\big)^{-1/2}, \quad m_i \sim \mathrm{Bernoulli}(1 - p)
    $$

    with $\alpha' \approx 1.7581$, SELU's negative saturation value; the identity in evaluation mode.

    Args:
        p: probability of dropping a unit, in $[0, 1)$ (default 0.5).
        inplace: overwrite the input with the output and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the masks; the default generator when None.

    Shape:
        - input: $(*)$.
        - output: $(*)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.AlphaDropout(0.2, rng=0)
        >>> y = layer(dn.tensor(np.random.default_rng(0).standard_normal(10000)))
        >>> round(float(y.array.std()), 1)
        1.0
        >>> layer.eval()(dn.tensor([1.0, -2.0])).tolist()
        [1.0, -2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, alpha_dropout, x, self.p, self.training, self.inplace, rng=self.rng)


class FeatureAlphaDropout(_DropoutBase):
    r"""Alpha dropout of whole channels: one mask value per (sample, channel).

    $$
    y_{nc} = a \big(x_{nc} m_{nc} - \alpha' (1 - m_{nc})\big) + a \alpha' p, \quad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    Args:
        p: probability of dropping a channel, in $[0, 1)$.
        inplace: overwrite the input with the output and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the masks.

    Shape:
        - input: $(N, C, *)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> y = dn.nn.FeatureAlphaDropout(0.5, rng=1)(dn.tensor(np.zeros((1, 3, 2))))
        >>> y.array.round(3).tolist()
        [[[0.779, 0.779], [0.779, 0.779], [-0.779, -0.779]]]
    """

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, feature_alpha_dropout, x, self.p, self.training, self.inplace, rng=self.rng)


class Dropout1d(_DropoutBase):
    r"""Zero whole channels of a sequence batch with probability $p$ and scale the rest by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    Args:
        p: probability of dropping a channel, in $[0, 1)$.
        inplace: overwrite the input with the output and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the masks.

    Shape:
        - input: $(N, C, L)$ or $(C, L)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.nn.Dropout1d(0.5, rng=1)(dn.tensor(np.ones((1, 4, 3))))
        >>> a.array[0].max(axis=1).tolist()  # one value per whole channel
        [2.0, 2.0, 0.0, 2.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, dropout1d, x, self.p, self.training, self.inplace, rng=self.rng)
