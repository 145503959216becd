r"""``explain.backward``: the backpropagation of one sample through a small network, in numbers.

It prints the derivation of [Suk 2015] ("the error backpropagation algorithm") with the
network's own values, so that a student can redo the lecture by hand and compare:

1. forward: every unit computes $a_j = \sum_i w_{ji} z_i + b_j$ and $z_j = h(a_j)$, layer by
   layer ($z$ of the input layer is $x$);
2. the output units' $\delta_k = \partial L / \partial a_k = h'(a_k) \, \partial L / \partial z_k$
   (for the squared error with a linear output that is $z_k - t_k$ up to the loss's factor, $t$
   the target; for softmax cross-entropy on logits, $\mathrm{softmax}(a)_k - t_k$);
3. backward: $\delta_j = h'(a_j) \sum_k w_{kj} \delta_k$, i.e.
   $\delta^{(l)} = h'(a^{(l)}) \odot (W^{(l+1)})^\top \delta^{(l+1)}$;
4. the gradients: $\partial L / \partial w_{ji} = \delta_j z_i$ (that is,
   $\partial L / \partial W^{(l)} = \delta^{(l)} (z^{(l-1)})^\top$) and
   $\partial L / \partial b_j = \delta_j$.

Notation: as in [Suk 2015], **$a$ is the weighted sum and $z$ the activation** ([de Back 2018]
and the rest of deltanet's documentation use the letters the other way round). Steps 2–4 are
computed here in NumPy from those formulas, not by the autograd engine; only
$\partial L / \partial z$ of the output comes from the loss function itself.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple, TextIO

import numpy as np

from deltanet.autograd import Tensor
from deltanet.nn import ELU, Flatten, Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, SiLU, Softplus, Tanh
from deltanet.nn.module import Module
from deltanet.training import validation as checks
from deltanet.training.evaluation import resolve_loss


class LayerTrace(NamedTuple):
    r"""The numbers of one layer $l$ (one Linear and its activation) for the sample, as a named tuple.

    In the notation of [Suk 2015] (see the module docstring): $a$ is the weighted sum, $z$ the
    activation.

    Attributes:
        name: the module names of the layer (``"0+1"`` for a Linear '0' followed by a Sigmoid '1').
        activation: the activation's name (``"identity"`` when the Linear has none).
        a: the weighted sums $a^{(l)} = W^{(l)} z^{(l-1)} + b^{(l)}$, shape (units,).
        z: the activations $z^{(l)} = h(a^{(l)})$.
        h_prime: $h'(a^{(l)})$.
        delta: $\delta^{(l)} = \partial L / \partial a^{(l)}$.
        grad_weight: $\partial L / \partial W^{(l)} = \delta^{(l)} (z^{(l-1)})^\top$, shape
            (units, inputs), as ``weight.grad``.
        grad_bias: $\partial L / \partial b^{(l)} = \delta^{(l)}$ (None without a bias).

    Examples:
        >>> import io, deltanet as dn
        >>> model = dn.nn.Linear(2, 1, dtype="float64")
        >>> model.weight.array[...] = [[1.0, 2.0]]; model.bias.array[...] = 0.0
        >>> layer = dn.explain.backward(model, [1.0, 1.0], [0.0], "mse", file=io.StringIO()).layers[0]
        >>> layer.activation, layer.a.tolist(), layer.delta.tolist(), layer.grad_weight.tolist()
        ('identity', [3.0], [6.0], [[6.0, 6.0]])
    """

    name: str
    activation: str
    a: np.ndarray
    z: np.ndarray
    h_prime: np.ndarray
    delta: np.ndarray
    grad_weight: np.ndarray
    grad_bias: np.ndarray | None


class BackwardTrace(NamedTuple):
    r"""What ``backward`` computed, as a named tuple: the input, the loss, and every layer's numbers.

    Attributes:
        x: the sample, shape (features,).
        loss: the loss $L$ on the sample.
        dloss_doutput: $\partial L / \partial z$ of the output layer, from the loss function.
        layers: one ``LayerTrace`` per layer, input side first.

    Examples:
        >>> import io, deltanet as dn
        >>> model = dn.nn.Linear(2, 1, dtype="float64")
        >>> model.weight.array[...] = [[1.0, 2.0]]; model.bias.array[...] = 0.0
        >>> trace = dn.explain.backward(model, [1.0, 1.0], [0.0], "mse", file=io.StringIO())
        >>> trace.loss, trace.dloss_doutput.tolist(), len(trace.layers)
        (9.0, [6.0], 1)
    """

    x: np.ndarray
    loss: float
    dloss_doutput: np.ndarray
    layers: list[LayerTrace]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -a))


def _activation(module: Module | None) -> tuple[str, Any, Any, str]:
    """(name, h, h', formula of h') of an elementwise activation module."""
    if module is None or isinstance(module, Identity):
        return "identity", lambda a: a, lambda a, z: np.ones_like(a), "1"
    if isinstance(module, Sigmoid):
        return "sigmoid", _sigmoid, lambda a, z: z * (1 - z), "z(1 − z)"
    if isinstance(module, Tanh):
        return "tanh", np.tanh, lambda a, z: 1 - z * z, "1 − z²"
    if isinstance(module, ReLU):
        return "relu", lambda a: np.maximum(a, 0), lambda a, z: (a > 0).astype(a.dtype), "[a > 0]"
    if isinstance(module, LeakyReLU):
        s = module.negative_slope
        return (
            f"leaky_relu({s:g})",
            lambda a: np.where(a > 0, a, s * a),
            lambda a, z: np.where(a > 0, 1.0, s),
            f"1 if a > 0 else {s:g}",
        )
    if isinstance(module, ELU):
        al = module.alpha
        return (
            f"elu({al:g})",
            lambda a: np.where(a > 0, a, al * np.expm1(np.minimum(a, 0))),
            lambda a, z: np.where(a > 0, 1.0, z + al),
            f"1 if a > 0 else z + {al:g}",
        )
    if isinstance(module, SiLU):
        return (
            "swish",
            lambda a: a * _sigmoid(a),
            lambda a, z: _sigmoid(a) * (1 + a * (1 - _sigmoid(a))),
            "σ(a)(1 + a(1 − σ(a)))",
        )
    if isinstance(module, Softplus):
        b, t = module.beta, module.threshold
        return (
            "softplus",
            lambda a: np.where(a * b > t, a, np.logaddexp(0.0, a * b) / b),
            lambda a, z: np.where(a * b > t, 1.0, _sigmoid(a * b)),
            "σ(βa)",
        )
    raise ValueError(
        f"explain.backward: {type(module).__name__} is not an elementwise activation it can explain; "
        f"it explains Linear layers followed by Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SiLU, Softplus or Identity"
    )


def _layers(model: Module) -> list[tuple[str, Linear, Module | None]]:
    """Group a Sequential (or one Linear) into (names, Linear, activation or None)."""
    if isinstance(model, Linear):
        return [("", model, None)]
    if not isinstance(model, Sequential):
        raise ValueError(
            f"explain.backward explains a Sequential of Linear layers and activations (or one Linear), "
            f"got {type(model).__name__}"
        )
    flat: list[tuple[str, Module]] = []

    def walk(seq: Sequential, prefix: str) -> None:
        for name, m in seq.named_children():
            full = f"{prefix}{name}"
            if isinstance(m, Sequential):
                walk(m, full + ".")
            else:
                flat.append((full, m))

    walk(model, "")
    groups: list[tuple[str, Linear, Module | None]] = []
    for name, m in flat:
        if isinstance(m, Linear):
            groups.append((name, m, None))
        elif isinstance(m, Flatten) and not groups:
            continue
        elif isinstance(m, Identity):
            continue
        else:
            _activation(m)  # refuse what it cannot explain, with the list of what it can
            if not groups or groups[-1][2] is not None:
                raise ValueError(
                    f"explain.backward: module {name!r} ({type(m).__name__}) does not follow a Linear layer; "
                    f"it explains Linear → activation → Linear → ... networks"
                )
            names, lin, _ = groups[-1]
            groups[-1] = (f"{names}+{name}", lin, m)
    if not groups:
        raise ValueError("explain.backward: the model has no Linear layer")
    return groups


def _fmt(v: np.ndarray, precision: int) -> str:
    return np.array2string(
        np.asarray(v, dtype=np.float64) + 0.0,
        precision=precision,
        suppress_small=True,
        separator=", ",
        max_line_width=100,
    )


def backward(model: Module, x: Any, y: Any, loss: Any, file: TextIO | None = None, precision: int = 4) -> BackwardTrace:
    r"""Print (and return) the forward and backward pass of one sample, layer by layer.

    See the module docstring for the formulas; $a$ is the weighted sum, $z = h(a)$ the activation,
    $\delta = \partial L / \partial a$ (the notation of [Suk 2015]). The numbers are computed
    in float64 from the model's weights.

    Args:
        model: a ``Sequential`` of ``Linear`` layers each optionally followed by an elementwise
            activation (Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SiLU, Softplus), or one ``Linear``.
        x: one sample, shape (features,) or (1, features).
        y: its target: a class label for cross-entropy, a value or vector for regression.
        loss: a loss module, callable or name (the mean over the one sample's outputs).
        file: where to print (default ``sys.stdout``; pass ``io.StringIO()`` to capture).
        precision: digits printed.

    Returns:
        A ``BackwardTrace``; ``trace.layers[l].grad_weight`` equals what ``loss.backward()``
        leaves in that Linear's ``weight.grad``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 2, dtype="float64"), dn.nn.Sigmoid(),
        ...                          dn.nn.Linear(2, 1, dtype="float64"))
        >>> model[0].weight.data[...] = [[0.5, -0.5], [1.0, 1.0]]; model[0].bias.data[...] = 0.0
        >>> model[2].weight.data[...] = [[1.0, -1.0]]; model[2].bias.data[...] = 0.5
        >>> trace = dn.explain.backward(model, [1.0, 0.0], [1.0], "mse", precision=3)
        Forward: a = W z_prev + b, z = h(a)   (z of the input layer is x)
          z[0] = x = [1., 0.]
          layer 1 (modules 0+1, Linear 2→2, sigmoid)
            a[1] = W[1] z[0] + b[1] = [0.5, 1. ]
            z[1] = h(a[1]) = [0.622, 0.731]
          layer 2 (module 2, Linear 2→1, identity)
            a[2] = W[2] z[1] + b[2] = [0.391]
            z[2] = h(a[2]) = [0.391]
          loss L = 0.370
        Backward: δ = ∂L/∂a
          ∂L/∂z[2] (from the loss) = [-1.217]
          layer 2 (output): δ[2] = h'(a[2]) ⊙ ∂L/∂z[2],  h'(a) = 1
            h'(a[2]) = [1.]
            δ[2] = [-1.217]
            ∂L/∂W[2] = δ[2] z[1]ᵀ = [[-0.758, -0.89 ]]
            ∂L/∂b[2] = δ[2] = [-1.217]
          layer 1: δ[1] = h'(a[1]) ⊙ W[2]ᵀ δ[2],  h'(a) = z(1 − z)
            W[2]ᵀ δ[2] = [-1.217,  1.217]
            h'(a[1]) = [0.235, 0.197]
            δ[1] = [-0.286,  0.239]
            ∂L/∂W[1] = δ[1] z[0]ᵀ = [[-0.286,  0.   ],
                                     [ 0.239,  0.   ]]
            ∂L/∂b[1] = δ[1] = [-0.286,  0.239]
        >>> loss = dn.losses.MSELoss()(model(dn.tensor([[1.0, 0.0]])), dn.tensor([[1.0]])); loss.backward()
        >>> bool(np.allclose(trace.layers[0].grad_weight, model[0].weight.grad))
        True
    """
    out = sys.stdout if file is None else file
    groups = _layers(model)
    loss_fn = resolve_loss(loss)
    x_arr = np.asarray(x.array if isinstance(x, Tensor) else x, dtype=np.float64)
    if x_arr.ndim == 2 and x_arr.shape[0] == 1:
        x_arr = x_arr[0]
    first = groups[0][1]
    if x_arr.ndim != 1 or x_arr.shape[0] != first.in_features:
        raise ValueError(
            f"explain.backward: x must be one sample of {first.in_features} features, shape "
            f"({first.in_features},) or (1, {first.in_features}), got shape {np.shape(x)}"
        )

    # 1. forward, a = W z_prev + b and z = h(a)
    lines = [
        "Forward: a = W z_prev + b, z = h(a)   (z of the input layer is x)",
        f"  z[0] = x = {_fmt(x_arr, precision)}",
    ]
    zs = [x_arr]
    forward: list[tuple[np.ndarray, np.ndarray, Any, str, str]] = []
    for l, (names, lin, act) in enumerate(groups, start=1):
        W = lin.weight.array.astype(np.float64)
        b = lin.bias.array.astype(np.float64) if lin.bias is not None else np.zeros(W.shape[0])
        act_name, h, h_prime, formula = _activation(act)
        a = W @ zs[-1] + b
        z = h(a)
        label = "module" if "+" not in names else "modules"
        where = f"{label} {names}, " if names else ""
        lines += [
            f"  layer {l} ({where}Linear {lin.in_features}→{lin.out_features}, {act_name})",
            f"    a[{l}] = W[{l}] z[{l - 1}] + b[{l}] = {_fmt(a, precision)}",
            f"    z[{l}] = h(a[{l}]) = {_fmt(z, precision)}",
        ]
        forward.append((a, z, h_prime, formula, act_name))
        zs.append(z)

    # dL/dz of the output, from the loss function itself
    kind = checks.loss_kind(loss_fn)
    y_arr = np.asarray(y.array if isinstance(y, Tensor) else y)
    if y_arr.ndim == 0:
        y_arr = y_arr.reshape(1) if kind == "class_index" else y_arr.reshape(1, 1)
    elif y_arr.ndim == 1 and (kind != "class_index" or y_arr.shape[0] > 1):
        y_arr = y_arr[None]
    y_arr = checks.check_y(y_arr, 1, kind, (groups[-1][1].out_features,), np.dtype(np.float64))
    output = Tensor._make(zs[-1][None], requires_grad=True)
    L = loss_fn(output, Tensor._make(y_arr))
    L.backward()
    assert output.grad is not None  # output requires grad and L depends on it
    dLdz = output.grad.array[0]
    lines.append(f"  loss L = {float(L.array):.{precision}f}")

    # 2.-4. backward: delta = h'(a) * (W_next^T delta_next); dL/dW = delta z_prev^T; dL/db = delta
    lines += ["Backward: δ = ∂L/∂a", f"  ∂L/∂z[{len(groups)}] (from the loss) = {_fmt(dLdz, precision)}"]
    traces: list[LayerTrace | None] = [None] * len(groups)
    delta_next: np.ndarray | None = None
    for l in range(len(groups), 0, -1):
        names, lin, act = groups[l - 1]
        a, z, h_prime, formula, act_name = forward[l - 1]
        hp = h_prime(a, z)
        if delta_next is None:
            incoming = dLdz
            lines.append(f"  layer {l} (output): δ[{l}] = h'(a[{l}]) ⊙ ∂L/∂z[{l}],  h'(a) = {formula}")
        else:
            W_next = groups[l][1].weight.array.astype(np.float64)
            incoming = W_next.T @ delta_next
            lines += [
                f"  layer {l}: δ[{l}] = h'(a[{l}]) ⊙ W[{l + 1}]ᵀ δ[{l + 1}],  h'(a) = {formula}",
                f"    W[{l + 1}]ᵀ δ[{l + 1}] = {_fmt(incoming, precision)}",
            ]
        delta = hp * incoming
        grad_W = np.outer(delta, zs[l - 1])
        grad_b = delta.copy() if lin.bias is not None else None
        indent = " " * len(f"    ∂L/∂W[{l}] = δ[{l}] z[{l - 1}]ᵀ = ")
        lines += [
            f"    h'(a[{l}]) = {_fmt(hp, precision)}",
            f"    δ[{l}] = {_fmt(delta, precision)}",
            f"    ∂L/∂W[{l}] = δ[{l}] z[{l - 1}]ᵀ = " + _fmt(grad_W, precision).replace("\n", "\n" + indent),
        ]
        if grad_b is not None:
            lines.append(f"    ∂L/∂b[{l}] = δ[{l}] = {_fmt(grad_b, precision)}")
        traces[l - 1] = LayerTrace(names, act_name, a, z, hp, delta, grad_W, grad_b)
        delta_next = delta
    print("\n".join(lines), file=out)
    return BackwardTrace(x_arr, float(L.array), dLdz, [t for t in traces if t is not None])


__all__ = ["BackwardTrace", "LayerTrace", "backward"]
