r"""One time step of the recurrent layers, and the cells that run it: ``RNNCell``, ``LSTMCell``, ``GRUCell``.

A recurrent layer applies the same step to every element of a sequence, carrying a hidden state
$h$ (and the LSTM's cell state $c$) from one step to the next. Each step is written here from the
library's differentiable ops (``linear``, ``sigmoid``, ``tanh``, slicing), so backpropagation
through time is the engine's ordinary walk over the unrolled graph, exact to the last gradient.

The formulas, parameter names, shapes and gate orders are PyTorch's, so that a PyTorch
``state_dict`` loads as it is: with $a = W_{ih} x + b_{ih} + W_{hh} h + b_{hh}$ cut into gates,

- RNN: $h' = \tanh(a)$ (or ReLU);
- LSTM (gates $i, f, g, o$): $c' = f \odot c + i \odot g$, $h' = o \odot \tanh(c')$;
- GRU (gates $r, z, n$): $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$,
  $h' = (1 - z) \odot n + z \odot h$.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor
from deltanet.functional.linear import linear
from deltanet.nn.module import Module, Parameter, call_named

NONLINEARITIES = ("tanh", "relu")


def rnn_step(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    r"""One step of the Elman network: $h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})$.

    Args:
        x: the input of this step, $(N, H_{in})$.
        h: the previous hidden state, $(N, H)$.
        weight_ih: $W_{ih}$, $(H, H_{in})$.
        weight_hh: $W_{hh}$, $(H, H)$.
        bias_ih: $b_{ih}$, $(H,)$, or None.
        bias_hh: $b_{hh}$, $(H,)$, or None.
        nonlinearity: "tanh" or "relu".

    Returns:
        The new hidden state $h'$, $(N, H)$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.recurrent_cells import rnn_step
        >>> rnn_step(dn.ones(2, 3), dn.zeros(2, 4), dn.zeros(4, 3), dn.zeros(4, 4)).shape
        (2, 4)
    """
    a = linear(x, weight_ih, bias_ih) + linear(h, weight_hh, bias_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_step(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    weight_hr: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    r"""One step of the LSTM (Hochreiter & Schmidhuber 1997, with a forget gate), gates in PyTorch's order $i, f, g, o$.

    $$
    \begin{aligned}
    i &= \sigma(a_i), \quad f = \sigma(a_f), \quad g = \tanh(a_g), \quad o = \sigma(a_o), \\
    c' &= f \odot c + i \odot g, \qquad h' = o \odot \tanh(c') \quad (\text{then } h' \leftarrow W_{hr} h')
    \end{aligned}
    $$

    where $a = W_{ih} x + b_{ih} + W_{hh} h + b_{hh}$ is cut into four blocks of $H$.

    Args:
        x: the input of this step, $(N, H_{in})$.
        h: the previous hidden state, $(N, H_{out})$ ($H_{out}$ = proj_size if projected, else $H$).
        c: the previous cell state, $(N, H)$.
        weight_ih: $W_{ih}$, $(4H, H_{in})$.
        weight_hh: $W_{hh}$, $(4H, H_{out})$.
        bias_ih: $b_{ih}$, $(4H,)$, or None.
        bias_hh: $b_{hh}$, $(4H,)$, or None.
        weight_hr: the projection $W_{hr}$, $(H_{out}, H)$, or None.

    Returns:
        $(h', c')$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.recurrent_cells import lstm_step
        >>> h, c = lstm_step(dn.ones(2, 3), dn.zeros(2, 4), dn.zeros(2, 4), dn.zeros(16, 3), dn.zeros(16, 4))
        >>> h.shape, c.shape
        ((2, 4), (2, 4))
    """
    a = linear(x, weight_ih, bias_ih) + linear(h, weight_hh, bias_hh)
    H = a.shape[-1] // 4
    s = a.sigmoid()  # one call for i, f and o (g's block is computed and not used)
    i, f, o = s[:, :H], s[:, H : 2 * H], s[:, 3 * H :]
    g = a[:, 2 * H : 3 * H].tanh()
    c = f * c + i * g
    h = o * c.tanh()
    if weight_hr is not None:
        h = linear(h, weight_hr)
    return h, c


def gru_step(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> Tensor:
    r"""One step of the GRU (Cho et al. 2014), gates in PyTorch's order $r, z, n$.

    $$
    \begin{aligned}
    r &= \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}), \quad
    z = \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}), \\
    n &= \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})), \qquad
    h' = (1 - z) \odot n + z \odot h
    \end{aligned}
    $$

    Args:
        x: the input of this step, $(N, H_{in})$.
        h: the previous hidden state, $(N, H)$.
        weight_ih: $W_{ih}$, $(3H, H_{in})$.
        weight_hh: $W_{hh}$, $(3H, H)$.
        bias_ih: $b_{ih}$, $(3H,)$, or None.
        bias_hh: $b_{hh}$, $(3H,)$, or None.

    Returns:
        The new hidden state $h'$, $(N, H)$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.recurrent_cells import gru_step
        >>> gru_step(dn.ones(2, 3), dn.zeros(2, 4), dn.zeros(12, 3), dn.zeros(12, 4)).shape
        (2, 4)
    """
    a_x = linear(x, weight_ih, bias_ih)
    a_h = linear(h, weight_hh, bias_hh)
    H = a_h.shape[-1] // 3
    s = (a_x[:, : 2 * H] + a_h[:, : 2 * H]).sigmoid()
    r, z = s[:, :H], s[:, H:]
    n = (a_x[:, 2 * H :] + r * a_h[:, 2 * H :]).tanh()
    return n + z * (h - n)  # (1 - z) n + z h with one product fewer


def uniform_(parameters: list[Parameter], hidden_size: int, rng: Any) -> None:
    r"""PyTorch's initialisation of every recurrent weight and bias: uniform in $\pm 1/\sqrt{H}$."""
    generator = backend.get_rng(rng)
    bound = 1.0 / math.sqrt(hidden_size)
    for p in parameters:
        p.array[...] = generator.uniform(-bound, bound, p.shape)


def floating(layer: Module, t: Tensor, name: str) -> None:
    """Refuse integer inputs and states, as PyTorch does (token indices go through an ``Embedding`` first).

    A float input of another dtype than the weights follows deltanet's rule for every layer
    (NumPy's promotion: float64 data in a float32 model computes in float64), where PyTorch refuses.
    """
    if t.dtype.kind != "f":
        raise ValueError(
            f"{layer!r}: expected a floating-point {name}, got dtype {t.dtype} (token indices? pass "
            f"them through nn.Embedding first)"
        )


class RNNCellBase(Module):
    """What the three cells share: PyTorch's parameters, their initialisation and the checks of the input.

    Args:
        input_size: $H_{in}$, the features of each input.
        hidden_size: $H$, the size of the hidden state.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        num_chunks: the number of gate blocks (1 for RNN, 4 for LSTM, 3 for GRU).
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, H_{in})$ or $(H_{in})$.
        - output: the new state(s), $(N, H)$ or $(H)$; see ``RNNCell``, ``LSTMCell``, ``GRUCell``.

    Examples:
        >>> import deltanet as dn
        >>> isinstance(dn.nn.GRUCell(3, 4), dn.nn.RNNCellBase)
        True
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, rng: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = check.integer(input_size, "input_size", owner, low=1)
        self.hidden_size = check.integer(hidden_size, "hidden_size", owner, low=1)
        self.bias = check.flag(bias, "bias", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        G = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((G, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((G, self.hidden_size), dtype=dtype))
        self.bias_ih = Parameter(np.empty(G, dtype=dtype)) if self.bias else None
        self.bias_hh = Parameter(np.empty(G, dtype=dtype)) if self.bias else None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        r"""Draw every weight and bias again, uniform in $\pm 1/\sqrt{H}$ (PyTorch's default)."""
        uniform_(list(self.parameters()), self.hidden_size, rng)

    def _input(self, input: Any) -> tuple[Tensor, bool]:
        """The input as a batch of rows, and whether it came without a batch axis."""
        x = call_named(self, as_tensor, input)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected an input of shape (N, {self.input_size}) or ({self.input_size},) "
                f"(input_size={self.input_size}), got shape {x.shape}"
            )
        floating(self, x, "input")
        return (x, False) if x.ndim == 2 else (x.unsqueeze(0), True)

    def _state(self, state: Any, x: Tensor, unbatched: bool, size: int, name: str) -> Tensor:
        """A state given by the caller (checked against the input's batch) or zeros."""
        if state is None:
            return Tensor._make(np.zeros((x.shape[0], size), dtype=self.weight_hh.dtype))
        s = call_named(self, as_tensor, state)
        floating(self, s, name)
        expected = (size,) if unbatched else (x.shape[0], size)
        if s.shape != expected:
            raise ValueError(
                f"{self!r}: expected {name} of shape {expected} for an input of shape "
                f"{(x.shape[1],) if unbatched else x.shape}, got shape {s.shape}"
            )
        return s.unsqueeze(0) if unbatched else s

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")  # RNNCell's
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    r"""One step of an Elman recurrent network, as ``torch.nn.RNNCell``.

    $$
    h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})
    $$

    Args:
        input_size: $H_{in}$, the features of each input.
        hidden_size: $H$, the size of the hidden state.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        nonlinearity: "tanh" (default) or "relu".
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, H_{in})$ or $(H_{in})$; hx: $(N, H)$ or $(H)$, zeros if not given.
        - output: $h'$, $(N, H)$ or $(H)$.
        - weight_ih: $(H, H_{in})$; weight_hh: $(H, H)$; bias_ih, bias_hh: $(H)$.

    Examples:
        >>> import deltanet as dn
        >>> cell = dn.nn.RNNCell(3, 4, rng=0)
        >>> h = cell(dn.ones(2, 3))
        >>> cell(dn.ones(2, 3), h).shape
        (2, 4)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 1, rng=rng, dtype=dtype)
        self.nonlinearity = check.one_of(nonlinearity, "nonlinearity", NONLINEARITIES, "RNNCell")

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched, self.hidden_size, "hx")
        h = rnn_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    r"""One step of a long short-term memory, as ``torch.nn.LSTMCell`` (gates $i, f, g, o$).

    $$
    c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh(c')
    $$

    See ``lstm_step`` for the gates.

    Args:
        input_size: $H_{in}$, the features of each input.
        hidden_size: $H$, the size of the hidden and cell states.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, H_{in})$ or $(H_{in})$; hx: a tuple $(h, c)$ of $(N, H)$ or $(H)$, zeros if not given.
        - output: the tuple $(h', c')$, each $(N, H)$ or $(H)$.
        - weight_ih: $(4H, H_{in})$; weight_hh: $(4H, H)$; bias_ih, bias_hh: $(4H)$.

    Examples:
        >>> import deltanet as dn
        >>> cell = dn.nn.LSTMCell(3, 4, rng=0)
        >>> h, c = cell(dn.ones(2, 3))
        >>> h, c = cell(dn.ones(2, 3), (h, c))
        >>> h.shape, c.shape
        ((2, 4), (2, 4))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, rng: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, rng=rng, dtype=dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._input(input)
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError(f"{self!r}: hx must be a tuple (h, c) of two tensors, got {type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        h = self._state(h0, x, unbatched, self.hidden_size, "h")
        c = self._state(c0, x, unbatched, self.hidden_size, "c")
        h, c = lstm_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    r"""One step of a gated recurrent unit, as ``torch.nn.GRUCell`` (gates $r, z, n$).

    $$
    h' = (1 - z) \odot n + z \odot h
    $$

    See ``gru_step`` for the gates.

    Args:
        input_size: $H_{in}$, the features of each input.
        hidden_size: $H$, the size of the hidden state.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, H_{in})$ or $(H_{in})$; hx: $(N, H)$ or $(H)$, zeros if not given.
        - output: $h'$, $(N, H)$ or $(H)$.
        - weight_ih: $(3H, H_{in})$; weight_hh: $(3H, H)$; bias_ih, bias_hh: $(3H)$.

    Examples:
        >>> import deltanet as dn
        >>> cell = dn.nn.GRUCell(3, 4, rng=0)
        >>> cell(dn.ones(3)).shape
        (4,)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, rng: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, rng=rng, dtype=dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched, self.hidden_size, "hx")
        h = gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h


__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase", "gru_step", "lstm_step", "rnn_step"]
