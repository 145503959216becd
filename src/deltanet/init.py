"""Weight initializers: the table of ``seeds/001…``, each filling a tensor in place.

Fan-in and fan-out are PyTorch's: for a weight of shape (out, in, *kernel),
fan_in = in·∏kernel and fan_out = out·∏kernel. Every initializer takes ``rng=`` (a seed or a
``numpy.random.Generator``); without it the default generator that ``dn.manual_seed`` sets is used.

| name | distribution | reference |
|---|---|---|
| ``constant`` | W = c | (breaks nothing: all units stay identical) |
| ``uniform`` | U(a, b); Rumelhart et al. used U(−0.3, 0.3) | Rumelhart, Hinton & Williams 1986 |
| ``normal`` | N(mean, std²) | |
| ``glorot_uniform`` | U(−α, α), α = gain·√(6 / (fan_in + fan_out)) | Glorot & Bengio 2010 |
| ``glorot_normal`` | N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)) | Glorot & Bengio 2010 |
| ``he_uniform`` | U(−α, α), α = √(6 / fan_in) | He et al. 2015 |
| ``he_normal`` | N(0, σ²), σ = √(2 / fan_in) | He et al. 2015 |
| ``orthogonal`` | a random orthogonal matrix (QR of a Gaussian), times gain | Saxe, McClelland & Ganguli 2013 |
| ``lsuv`` | orthogonal, then each layer rescaled to unit output variance on data | Mishkin & Matas 2015 |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd import Tensor, no_grad
from deltanet.backend import get_rng


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape`` = (out, in, *kernel), as PyTorch computes them."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 axes, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data[...] = values
    return tensor


def constant(tensor: Tensor, value: float = 0.0) -> Tensor:
    """Fill with one value. Every unit of a layer then computes the same thing and receives the
    same gradient, so the symmetry never breaks.

    Example:
        >>> import deltanet as dn
        >>> dn.init.constant(dn.nn.Parameter([0.0, 0.0]), 0.5).data.tolist()
        [0.5, 0.5]
    """
    tensor.data[...] = value
    return tensor


def zeros(tensor: Tensor) -> Tensor:
    """Fill with 0 (the usual bias initialization)."""
    return constant(tensor, 0.0)


def ones(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant(tensor, 1.0)


def uniform(tensor: Tensor, a: float = -0.3, b: float = 0.3, rng: Any = None) -> Tensor:
    """Draw from U(a, b); the default ±0.3 is Rumelhart, Hinton & Williams (1986).

    Example:
        >>> import deltanet as dn
        >>> w = dn.init.uniform(dn.nn.Parameter([[0.0] * 6] * 2), rng=0)
        >>> bool((abs(w.data) <= 0.3).all())
        True
    """
    if not a < b:
        raise ValueError(f"uniform needs a < b, got a={a}, b={b}")
    return _fill(tensor, get_rng(rng).uniform(a, b, tensor.shape))


def normal(tensor: Tensor, mean: float = 0.0, std: float = 0.01, rng: Any = None) -> Tensor:
    """Draw from N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal needs std >= 0, got {std}")
    return _fill(tensor, get_rng(rng).normal(mean, std, tensor.shape))


def glorot_uniform(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """Xavier/Glorot uniform: U(−α, α) with α = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).

    Example:
        >>> import deltanet as dn
        >>> w = dn.init.glorot_uniform(dn.nn.Parameter([[0.0] * 4] * 3), rng=0)
        >>> bool((abs(w.data) <= (6 / 7) ** 0.5).all())
        True
    """
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, get_rng(rng).uniform(-bound, bound, tensor.shape))


def glorot_normal(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """Xavier/Glorot normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, get_rng(rng).normal(0.0, std, tensor.shape))


def he_uniform(tensor: Tensor, rng: Any = None) -> Tensor:
    """He/Kaiming uniform for ReLU layers: U(−α, α), α = √(6 / fan_in) (He et al. 2015)."""
    fan_in, _ = fan_in_and_fan_out(tensor.shape)
    bound = math.sqrt(6.0 / fan_in)
    return _fill(tensor, get_rng(rng).uniform(-bound, bound, tensor.shape))


def he_normal(tensor: Tensor, rng: Any = None) -> Tensor:
    """He/Kaiming normal for ReLU layers: N(0, σ²), σ = √(2 / fan_in) (He et al. 2015)."""
    fan_in, _ = fan_in_and_fan_out(tensor.shape)
    return _fill(tensor, get_rng(rng).normal(0.0, math.sqrt(2.0 / fan_in), tensor.shape))


def orthogonal(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """A random orthogonal matrix (rows or columns orthonormal), times ``gain``
    (Saxe, McClelland & Ganguli 2013). Higher-rank weights are flattened to (out, in·∏kernel).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.orthogonal(dn.nn.Parameter(np.zeros((3, 3))), rng=0).data
        >>> bool(np.allclose(w @ w.T, np.eye(3)))
        True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal needs a weight with at least 2 axes, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.size // rows
    a = get_rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def lsuv(
    model: Any,
    X: Any,
    tol: float = 0.1,
    max_iter: int = 10,
    rng: Any = None,
) -> Any:
    """Layer-sequential unit-variance initialization (Mishkin & Matas 2015).

    Every layer with a ``weight`` of rank ≥ 2 is first made orthogonal; then, from the input side
    on, its weight is divided by the standard deviation of its output on the batch ``X`` until
    that variance is within ``tol`` of 1 (at most ``max_iter`` times). Biases are set to 0.

    Args:
        model: an ``nn.Module``.
        X: a batch of inputs (array or tensor).

    Returns:
        the model, initialized in place.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(10, 20), dn.nn.Tanh(), dn.nn.Linear(20, 5))
        >>> X = np.random.default_rng(0).standard_normal((256, 10)).astype(np.float32)
        >>> _ = dn.init.lsuv(model, X, rng=0)
        >>> round(float(model[0](dn.tensor(X)).data.var()), 1)
        1.0
    """
    generator = get_rng(rng)
    x = X if isinstance(X, Tensor) else Tensor(np.asarray(X, dtype=np.float32))
    layers = [m for m in model.modules() if isinstance(getattr(m, "weight", None), Tensor) and m.weight.ndim >= 2]
    if not layers:
        raise ValueError("lsuv: the model has no layer with a weight matrix to initialize")
    for layer in layers:
        orthogonal(layer.weight, rng=generator)
        if isinstance(getattr(layer, "bias", None), Tensor):
            zeros(layer.bias)
    for layer in layers:
        captured: list[np.ndarray] = []
        original = layer.forward

        def capture(*args: Any, _f: Callable = original, _into: list = captured, **kwargs: Any) -> Any:
            out = _f(*args, **kwargs)
            _into.append(out.data)
            return out

        layer.forward = capture  # instance attribute: Module.__call__ finds it first
        try:
            with no_grad():
                for _ in range(max_iter):
                    captured.clear()
                    model(x)
                    std = float(np.std(captured[-1])) if captured else 0.0
                    if std == 0.0 or abs(std**2 - 1.0) < tol:
                        break
                    layer.weight.data /= std
        finally:
            del layer.forward
    return model


_BY_NAME: dict[str, Callable[..., Tensor]] = {
    "zeros": zeros,
    "ones": ones,
    "uniform": uniform,
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "xavier_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_normal": glorot_normal,
    "he_uniform": he_uniform,
    "kaiming_uniform": he_uniform,
    "he_normal": he_normal,
    "kaiming_normal": he_normal,
    "orthogonal": orthogonal,
}


def get(spec: str | Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Resolve ``init=`` arguments: a name from the table above, or a function ``f(tensor, rng=)``."""
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in _BY_NAME:
        return _BY_NAME[spec]
    raise ValueError(f"unknown initializer {spec!r}; expected one of {sorted(_BY_NAME)} or a function")
