r"""ONNX conversion of ``RNN``, ``LSTM`` and ``GRU``: one ONNX ``RNN``/``LSTM``/``GRU`` node per layer.

The layer's call ``layer(x, hx)`` gives ``(output, h_n)`` or ``(output, (h_n, c_n))``: the
exporter passes the converter the value names of the initial states and of the two or three
outputs. A state not given, or a constant of zeros (``torch.zeros(K, x.size(0), H)``, sized by
the traced batch), is left out: ONNX's default, zeros for any batch size. Per layer, the
weights of its directions are stacked, as ONNX wants them, with the gates in ONNX's order:

- LSTM: PyTorch's $(i, f, g, o)$ blocks of ``weight_ih`` become ONNX's $(i, o, f, c)$;
- GRU: PyTorch's $(r, z, n)$ become ONNX's $(z, r, h)$, with ``linear_before_reset=1``, PyTorch's
  $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$;
- RNN: one block, the activation ``Tanh`` or ``Relu``;

and the bias is ``[b_ih, b_hh]``. ONNX runs sequence-first: a ``batch_first`` input is transposed,
an unbatched one given a batch axis of 1. Each layer's $Y$, $(L, D, N, H)$, becomes the next
layer's input $(L, N, D H)$, the forward direction's features first as in PyTorch; the final
states of the layers are concatenated. ONNX's LSTM has no projection: ``proj_size`` is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.nn.recurrent import RNNBase

#: PyTorch's gate blocks, in ONNX's order.
GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _gates(array: np.ndarray, mode: str, hidden: int) -> np.ndarray:
    """``array``'s blocks of ``hidden`` rows (one per gate) in ONNX's order."""
    return np.concatenate([array[k * hidden : (k + 1) * hidden] for k in GATE_ORDER[mode]], axis=0)


def _int64(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def recurrent(g: Any, m: RNNBase, path: str, x: Any, src: str, dsts: list[str], states: list[Any]) -> None:
    """Write ``m(x, hx)``: ``dsts`` names output, h_n (and c_n); ``states`` names h_0 (and c_0), None
    for a state of zeros (ONNX's default), or is empty."""
    if m.proj_size:
        raise ValueError(f"proj_size={m.proj_size}: ONNX's LSTM operator has no projection of the hidden state")
    mode, H, D = m.mode, m.hidden_size, m.num_directions
    op = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    batched = x.ndim == 3
    current = g.fresh(f"{path}.steps")  # (L, N, H_in)
    if not batched:
        g.node("Unsqueeze", [src, g.constant(f"{path}.batch_axis", _int64([1]))], [current])
    elif m.batch_first:
        g.node("Transpose", [src], [current], perm=[1, 0, 2])
    else:
        g.node("Identity", [src], [current])
    given: list[str | None] = []
    for name in states:  # (K, N, H), or (K, H) unbatched; None: zeros
        if name is not None and not batched:
            one = g.fresh(f"{path}.state")
            g.node("Unsqueeze", [name, g.constant(f"{path}.state_axis", _int64([1]))], [one])
            name = one
        given.append(name)
    per = len(m._flat_weights_names) // (m.num_layers * D)
    weights = [getattr(m, n).array for n in m._flat_weights_names]
    finals: list[list[str]] = [[], []]  # h_n and c_n of each layer
    for layer in range(m.num_layers):
        blocks = [weights[(layer * D + d) * per : (layer * D + d + 1) * per] for d in range(D)]
        W = np.stack([_gates(b[0], mode, H) for b in blocks])
        R = np.stack([_gates(b[1], mode, H) for b in blocks])
        inputs = [current, g.initializer(f"{path}.W_l{layer}", W), g.initializer(f"{path}.R_l{layer}", R)]
        if m.bias:
            B = np.stack([np.concatenate([_gates(b[2], mode, H), _gates(b[3], mode, H)]) for b in blocks])
            inputs.append(g.initializer(f"{path}.B_l{layer}", B))
        else:
            inputs.append("")
        inputs.append("")  # sequence_lens: every sequence runs its L steps
        for name in given:  # this layer's rows of h_0 (and c_0)
            if name is None:
                inputs.append("")
                continue
            rows = g.fresh(f"{path}.initial_l{layer}")
            starts, ends = (g.constant(f"{path}.rows{layer}", _int64([layer * D + k * D])) for k in (0, 1))
            g.node("Slice", [name, starts, ends, g.constant(f"{path}.rows_axis", _int64([0]))], [rows])
            inputs.append(rows)
        while inputs[-1] == "":
            inputs.pop()
        attrs: dict[str, Any] = {"hidden_size": H, "direction": "bidirectional" if D == 2 else "forward"}
        if op == "RNN":
            attrs["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"] * D
        if op == "GRU":
            attrs["linear_before_reset"] = 1
        Y, Y_h = g.fresh(f"{path}.Y_l{layer}"), g.fresh(f"{path}.Y_h_l{layer}")
        outs = [Y, Y_h]
        if op == "LSTM":
            outs.append(g.fresh(f"{path}.Y_c_l{layer}"))
        g.node(op, inputs, outs, **attrs)
        for final, name in zip(finals, outs[1:]):
            final.append(name)
        current = g.fresh(f"{path}.output_l{layer}")  # (L, D, N, H) -> (L, N, D H)
        if D == 1:
            g.node("Squeeze", [Y, g.constant(f"{path}.direction_axis", _int64([1]))], [current])
        else:
            moved = g.fresh(f"{path}.moved_l{layer}")
            g.node("Transpose", [Y], [moved], perm=[0, 2, 1, 3])
            g.node("Reshape", [moved, g.constant(f"{path}.merged", _int64([0, 0, -1]))], [current])
    if not batched:
        g.node("Squeeze", [current, g.constant(f"{path}.squeeze_batch", _int64([1]))], [dsts[0]])
    elif m.batch_first:
        g.node("Transpose", [current], [dsts[0]], perm=[1, 0, 2])
    else:
        g.node("Identity", [current], [dsts[0]])
    for final, dst in zip(finals, dsts[1:]):
        if not batched:
            stacked = g.fresh(f"{path}.final")
            g.node("Concat", final, [stacked], axis=0)
            g.node("Squeeze", [stacked, g.constant(f"{path}.squeeze_state", _int64([1]))], [dst])
        else:
            g.node("Concat", final, [dst], axis=0)


recurrent.takes_states = True  # type: ignore[attr-defined]

CONVERTERS: dict[type, Any] = {RNNBase: recurrent}
