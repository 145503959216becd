r"""Recurrent layers over whole sequences: ``RNN``, ``LSTM`` and ``GRU``, as in PyTorch.

Each layer runs the step of ``deltanet.nn.recurrent_cells`` over the time axis, layer after
layer (``num_layers``), optionally in both directions (``bidirectional``), and returns every
step's hidden state of the last layer and the final states of every layer and direction:

$$
h_t^{(l)} = \text{step}\big(h_t^{(l-1)}, h_{t-1}^{(l)}\big), \qquad h_t^{(0)} = x_t
$$

Parameter names, shapes, gate orders, initialisation, argument order and output shapes are
PyTorch's (``weight_ih_l0`` of shape $(4H, H_{in})$ for an LSTM, ``_reverse`` for the second
direction), so that a PyTorch ``state_dict`` loads as it is.

Why each step computes its own input projection $W_{ih} x_t$ rather than one product over all
steps cut into slices afterwards: the gradient of each slice is scattered into an array of the
whole sequence's size, so the slices' backward would cost $O(L^2)$ for a sequence of length $L$.
One small product per step keeps backward linear in $L$.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, cat, stack, where
from deltanet.functional.dropout import dropout as dropout_fn
from deltanet.nn.module import Module, Parameter, call_named
from deltanet.nn.recurrent_cells import NONLINEARITIES, floating, gru_step, lstm_step, rnn_step, uniform_
from deltanet.nn.rnn_utils import PackedSequence, lengths_of, unpack_padded

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    r"""What ``RNN``, ``LSTM`` and ``GRU`` share: the stacked, optionally bidirectional loop over time.

    Args:
        mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU".
        input_size: $H_{in}$, the features of each step's input.
        hidden_size: $H$, the size of the hidden state.
        num_layers: recurrent layers stacked, each reading the previous one's outputs.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        batch_first: inputs and outputs are $(N, L, \cdot)$ instead of $(L, N, \cdot)$ (the states
            keep the batch in their second axis either way, as in PyTorch).
        dropout: probability of dropout on the outputs of every layer but the last, in training.
        bidirectional: also run each layer from the last step back to the first.
        proj_size: LSTM only: project $h$ to this size with ``weight_hr_l{k}`` (0: no projection).
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(L, N, H_{in})$, $(N, L, H_{in})$ with batch_first, or $(L, H_{in})$ unbatched.
        - output: $(L, N, D H_{out})$ (likewise), with the final states; see ``RNN``, ``LSTM``, ``GRU``.

    Examples:
        >>> import deltanet as dn
        >>> isinstance(dn.nn.LSTM(3, 4), dn.nn.RNNBase)
        True
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self._mode = check.one_of(mode, "mode", tuple(GATES), owner)
        self.input_size = check.integer(input_size, "input_size", owner, low=1)
        self.hidden_size = check.integer(hidden_size, "hidden_size", owner, low=1)
        self.num_layers = check.integer(num_layers, "num_layers", owner, low=1)
        self.bias = check.flag(bias, "bias", owner)
        self.batch_first = check.flag(batch_first, "batch_first", owner)
        self.dropout = float(check.number(dropout, "dropout", owner, low=0, high=1))
        self.bidirectional = check.flag(bidirectional, "bidirectional", owner)
        self.proj_size = check.integer(proj_size, "proj_size", owner, low=0)
        if self.proj_size and mode != "LSTM":
            raise ValueError(f"{owner}: proj_size is supported by LSTM only, got proj_size={proj_size}")
        if self.proj_size >= self.hidden_size:
            raise ValueError(
                f"{owner}: proj_size must be smaller than hidden_size, got proj_size={proj_size} and "
                f"hidden_size={hidden_size}"
            )
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(  # PyTorch's warning, word for word
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                UserWarning,
                stacklevel=3,
            )
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        G = GATES[self._mode] * self.hidden_size
        out = self.proj_size or self.hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            for suffix in ("", "_reverse")[: self.num_directions]:
                inputs = self.input_size if layer == 0 else out * self.num_directions
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (G, inputs), "weight_hh": (G, out)}
                if self.bias:
                    shapes |= {"bias_ih": (G,), "bias_hh": (G,)}
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                for name, shape in shapes.items():
                    full = f"{name}_l{layer}{suffix}"
                    setattr(self, full, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(full)
        self.reset_parameters(rng)

    @property
    def mode(self) -> str:
        """PyTorch's name of the step: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"."""
        return str(self._mode)

    @property
    def num_directions(self) -> int:
        """2 for a bidirectional layer, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in PyTorch's order.

        Per layer and direction: ``weight_ih``, ``weight_hh``, the biases, ``weight_hr``.
        """
        per = len(self._flat_weights_names) // (self.num_layers * self.num_directions)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[k : k + per]] for k in range(0, len(names), per)]

    def reset_parameters(self, rng: Any = None) -> None:
        r"""Draw every weight and bias again, uniform in $\pm 1/\sqrt{H}$ (PyTorch's default)."""
        uniform_(list(self.parameters()), self.hidden_size, rng)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch's call packs the weights for cuDNN, and deltanet runs on NumPy."""

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x = call_named(self, as_tensor, input)
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{self!r}: expected an input of 3 axes ({'N, L, H_in' if self.batch_first else 'L, N, H_in'}) "
                f"(batch_first={self.batch_first}) or 2 axes (L, H_in) unbatched, got shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected input_size={self.input_size} features in the last axis of the input, "
                f"got shape {x.shape}"
            )
        floating(self, x, "input")
        batched = x.ndim == 3
        time_axis = 1 if batched and self.batch_first else 0
        if x.shape[time_axis] == 0:
            raise ValueError(f"{self!r}: expected a sequence of at least one step, got shape {x.shape}")
        steps = list(x.unbind(time_axis)) if batched else [s.unsqueeze(0) for s in x.unbind(0)]
        N = steps[0].shape[0]
        h0, c0 = self._initial_states(hx, N, batched)
        outputs, h_n, c_n = self._run(steps, h0, c0)
        if batched:
            output = stack(outputs, dim=time_axis)
        else:
            output = stack(outputs, dim=0).squeeze(1)
        h = stack(h_n, dim=0) if batched else stack(h_n, dim=0).squeeze(1)
        if self.mode != "LSTM":
            return output, h
        c = stack(c_n, dim=0) if batched else stack(c_n, dim=0).squeeze(1)
        return output, (h, c)

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple[Any, Any]:
        """Each sequence stops at its own length: a step past it keeps the state it had (masks)."""
        x = unpack_padded(packed)  # (T, N, H_in), the sequences sorted by decreasing length
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected packed steps of shape (*, {self.input_size}) (input_size="
                f"{self.input_size}), got data of shape {as_tensor(packed.data).shape}"
            )
        floating(self, x, "input")
        sizes = lengths_of(packed.batch_sizes)
        N = len(sizes)
        h0, c0 = self._initial_states(hx, N, True)
        if packed.sorted_indices is not None:  # the given states follow the original batch order
            order = np.asarray(packed.sorted_indices.array)
            h0 = [h[order] for h in h0]
            c0 = [c[order] for c in c0] if c0 is not None else None
        masks = [
            None if n == N else Tensor._make((sizes > t)[:, None]) for t, n in enumerate(packed.batch_sizes.tolist())
        ]
        outputs, h_n, c_n = self._run(list(x.unbind(0)), h0, c0, masks)
        steps, rows = np.nonzero(sizes[None, :] > np.arange(len(outputs))[:, None])
        output = PackedSequence(
            stack(outputs, dim=0)[steps, rows], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices
        )
        h = stack(h_n, dim=0)
        unsort = None if packed.unsorted_indices is None else np.asarray(packed.unsorted_indices.array)
        if unsort is not None:
            h = h[:, unsort]
        if self.mode != "LSTM":
            return output, h
        c = stack(c_n, dim=0)
        return output, (h, c if unsort is None else c[:, unsort])

    def _initial_states(self, hx: Any, N: int, batched: bool) -> tuple[list[Tensor], list[Tensor] | None]:
        """The given initial states (checked), or zeros, one $(N, \\cdot)$ tensor per layer and direction."""
        K = self.num_layers * self.num_directions
        out = self.proj_size or self.hidden_size
        lstm = self.mode == "LSTM"
        if hx is not None and lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError(f"{self!r}: hx must be a tuple (h_0, c_0) for an LSTM, got {type(hx).__name__}")
        if hx is not None and not lstm and isinstance(hx, (tuple, list)):
            raise ValueError(
                f"{self!r}: hx must be one tensor h_0 for {type(self).__name__}, got a {type(hx).__name__}"
            )
        h_0, c_0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)
        h = self._states(h_0, "h_0", out, K, N, batched)
        return h, (self._states(c_0, "c_0", self.hidden_size, K, N, batched) if lstm else None)

    def _states(self, state: Any, name: str, size: int, K: int, N: int, batched: bool) -> list[Tensor]:
        """One given initial state (checked against the input), or zeros, cut into its K rows."""
        if state is None:
            zeros = np.zeros((N, size), dtype=self.all_weights[0][1].dtype)
            return [Tensor._make(zeros) for _ in range(K)]
        s = call_named(self, as_tensor, state)
        floating(self, s, name)
        expected = (K, N, size) if batched else (K, size)
        if s.shape != expected:
            what = "proj_size" if size != self.hidden_size else "hidden_size"
            raise ValueError(
                f"{self!r}: expected {name} of shape {expected} (num_layers * num_directions, "
                f"{'batch, ' if batched else ''}{what}) for {'a batched' if batched else 'an unbatched'} input of "
                f"{'3' if batched else '2'} axes, got shape {s.shape}"
                + (
                    " (the states keep the batch in their second axis, also with batch_first=True)"
                    if self.batch_first
                    else ""
                )
            )
        return list(s.unbind(0)) if batched else [r.unsqueeze(0) for r in s.unbind(0)]

    def _run(
        self,
        steps: list[Tensor],
        h0: list[Tensor],
        c0: list[Tensor] | None,
        masks: list[Tensor | None] | None = None,
    ) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """The loop over layers, directions and time: the last layer's outputs and the final states.

        ``masks[t]`` (packed sequences), where given, marks the sequences still running at step t;
        the others keep their state, so that the final state of each is the one after its last step.
        """
        per = len(self._flat_weights_names) // (self.num_layers * self.num_directions)
        weights = [getattr(self, n) for n in self._flat_weights_names]
        L = len(steps)
        nonlinearity = "relu" if self.mode == "RNN_RELU" else "tanh"
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        for layer in range(self.num_layers):
            directions = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                W = weights[k * per : (k + 1) * per]
                W_ih, W_hh = W[0], W[1]
                b_ih, b_hh = (W[2], W[3]) if self.bias else (None, None)
                h = h0[k]
                c = c0[k] if c0 is not None else None
                outs: list[Tensor] = [h] * L
                for t in range(L) if direction == 0 else range(L - 1, -1, -1):
                    c_new = None
                    if self.mode == "LSTM":
                        assert c is not None
                        W_hr = W[-1] if self.proj_size else None
                        h_new, c_new = lstm_step(steps[t], h, c, W_ih, W_hh, b_ih, b_hh, W_hr)
                    elif self.mode == "GRU":
                        h_new = gru_step(steps[t], h, W_ih, W_hh, b_ih, b_hh)
                    else:
                        h_new = rnn_step(steps[t], h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
                    mask = masks[t] if masks is not None else None
                    if mask is not None:  # a finished sequence keeps its state
                        h_new = where(mask, h_new, h)
                        c_new = where(mask, c_new, c) if c_new is not None else None
                    h, c = h_new, c_new
                    outs[t] = h
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
                directions.append(outs)
            steps = directions[0] if len(directions) == 1 else [cat(pair, dim=1) for pair in zip(*directions)]
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                steps = [dropout_fn(s, self.dropout) for s in steps]
        return steps, h_n, c_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    r"""A multi-layer Elman recurrent network, as ``torch.nn.RNN``.

    $$
    h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})
    $$

    Args:
        input_size: $H_{in}$, the features of each step's input.
        hidden_size: $H$, the size of the hidden state.
        num_layers: recurrent layers stacked.
        nonlinearity: "tanh" (default) or "relu" (PyTorch's fourth positional argument).
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        batch_first: inputs and outputs are $(N, L, \cdot)$.
        dropout: dropout on the outputs of every layer but the last, in training.
        bidirectional: also run each layer backwards in time.
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(L, N, H_{in})$, $(N, L, H_{in})$ with batch_first, or $(L, H_{in})$ unbatched.
        - hx: $h_0$, $(D \cdot \text{num\_layers}, N, H)$ or $(D \cdot \text{num\_layers}, H)$; zeros if
          not given ($D = 2$ if bidirectional, else 1).
        - output: the tuple (output, $h_n$): output $(L, N, D H)$ (or $(N, L, D H)$, $(L, D H)$), $h_n$ shaped as $h_0$.
        - weight_ih_l0: $(H, H_{in})$, weight_ih_l{k}: $(H, D H)$; weight_hh_l{k}: $(H, H)$; biases $(H)$.

    Examples:
        >>> import deltanet as dn
        >>> rnn = dn.nn.RNN(3, 5, num_layers=2, batch_first=True, rng=0)
        >>> out, h_n = rnn(dn.ones(4, 7, 3))
        >>> out.shape, h_n.shape
        ((4, 7, 5), (2, 4, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        nonlinearity = check.one_of(nonlinearity, "nonlinearity", NONLINEARITIES, "RNN")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, rng=rng, dtype=dtype
        )
        self.nonlinearity = nonlinearity

    @property
    def mode(self) -> str:
        """ "RNN_TANH" or "RNN_RELU", from ``nonlinearity`` (which may be changed after construction)."""
        return "RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH"


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory, as ``torch.nn.LSTM``: ``out, (h_n, c_n) = lstm(x, (h_0, c_0))``.

    Each step (gates $i, f, g, o$; see ``lstm_step``):

    $$
    c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
    $$

    Args:
        input_size: $H_{in}$, the features of each step's input.
        hidden_size: $H$, the size of the hidden and cell states.
        num_layers: recurrent layers stacked.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        batch_first: inputs and outputs are $(N, L, \cdot)$.
        dropout: dropout on the outputs of every layer but the last, in training.
        bidirectional: also run each layer backwards in time.
        proj_size: if positive, $h_t \leftarrow W_{hr} h_t$ of this size (Sak et al. 2014).
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(L, N, H_{in})$, $(N, L, H_{in})$ with batch_first, or $(L, H_{in})$ unbatched.
        - hx: the tuple $(h_0, c_0)$: $h_0$ $(D \cdot \text{num\_layers}, N, H_{out})$, $c_0$
          $(D \cdot \text{num\_layers}, N, H)$ (no $N$ unbatched); zeros if not given.
          $H_{out}$ = proj_size or $H$.
        - output: (output, $(h_n, c_n)$): output $(L, N, D H_{out})$ (or $(N, L, D H_{out})$,
          $(L, D H_{out})$); $h_n$, $c_n$ shaped as $h_0$, $c_0$.
        - weight_ih_l{k}: $(4H, \cdot)$; weight_hh_l{k}: $(4H, H_{out})$; biases $(4H)$; weight_hr_l{k}: $(H_{out}, H)$.

    Examples:
        >>> import deltanet as dn
        >>> lstm = dn.nn.LSTM(3, 5, num_layers=2, batch_first=True, rng=0)
        >>> out, (h, c) = lstm(dn.ones(4, 7, 3))
        >>> out.shape, h.shape, c.shape
        ((4, 7, 5), (2, 4, 5), (2, 4, 5))
        >>> out[:, -1].shape  # the last step's features, for a classifier
        (4, 5)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            rng=rng,
            dtype=dtype,
        )


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit, as ``torch.nn.GRU``: $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$.

    See ``gru_step`` for the gates $r, z, n$.

    Args:
        input_size: $H_{in}$, the features of each step's input.
        hidden_size: $H$, the size of the hidden state.
        num_layers: recurrent layers stacked.
        bias: whether to learn $b_{ih}$ and $b_{hh}$.
        batch_first: inputs and outputs are $(N, L, \cdot)$.
        dropout: dropout on the outputs of every layer but the last, in training.
        bidirectional: also run each layer backwards in time.
        rng: seed or ``numpy.random.Generator`` for the initial values (uniform in $\pm 1/\sqrt{H}$).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(L, N, H_{in})$, $(N, L, H_{in})$ with batch_first, or $(L, H_{in})$ unbatched.
        - hx: $h_0$, $(D \cdot \text{num\_layers}, N, H)$ or $(D \cdot \text{num\_layers}, H)$; zeros if not given.
        - output: the tuple (output, $h_n$): output $(L, N, D H)$ (or $(N, L, D H)$, $(L, D H)$), $h_n$ shaped as $h_0$.
        - weight_ih_l{k}: $(3H, \cdot)$; weight_hh_l{k}: $(3H, H)$; biases $(3H)$.

    Examples:
        >>> import deltanet as dn
        >>> gru = dn.nn.GRU(3, 5, bidirectional=True, rng=0)
        >>> out, h_n = gru(dn.ones(7, 3))  # unbatched: (L, H_in)
        >>> out.shape, h_n.shape
        ((7, 10), (2, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, rng=rng, dtype=dtype
        )


__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]
