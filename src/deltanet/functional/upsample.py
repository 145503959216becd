r"""Upsampling (resizing) of 1-, 2- and 3-D feature maps with PyTorch's ``interpolate`` rules.

Both modes are separable: the output along each spatial axis is a fixed linear map of the input
along that axis, $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$, so the op applies one small
matrix per axis and its backward applies the transposed matrices. With scale factor $r$
($\text{scale} = 1/r$) or output size ($\text{scale} = n_{in}/n_{out}$), output index $i$ reads
source coordinate

| mode | source coordinate |
|---|---|
| nearest | $j = \min(\lfloor i \cdot \text{scale} \rfloor, n_{in} - 1)$ ($M$ one-hot) |
| linear, ``align_corners=False`` | $x = \max((i + \tfrac12) \cdot \text{scale} - \tfrac12, 0)$ |
| linear, ``align_corners=True`` | $x = i \cdot (n_{in} - 1)/(n_{out} - 1)$ |

and the linear modes then take $j_0 = \lfloor x \rfloor$, $j_1 = \min(j_0 + 1, n_{in} - 1)$,
$\lambda = x - j_0$ and set $M_{i j_0} \mathrel{+}= 1 - \lambda$, $M_{i j_1} \mathrel{+}= \lambda$.

"bilinear" (2-D) and "trilinear" (3-D) are "linear" along each axis in turn. Nearest upsampling
by an integer factor is a plain ``repeat`` (and its backward a reshape and sum), which is what
U-Net decoders use.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.functional.conv import _LAYOUT
from deltanet.functional.pooling import _adaptive_avg_pool, apply_along, tap_matrix

_LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}
INTERPOLATE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def _nearest_source(n_in: int, n_out: int, scale: float, exact: bool = False, planar: bool = False) -> np.ndarray:
    # "nearest-exact" reads the pixel whose centre is nearest, (i + 1/2) * scale; "nearest" the
    # legacy i * scale (PyTorch's two modes).
    if planar and not exact and n_out in (n_in, 2 * n_in):
        # PyTorch 2.x's 2-D nearest kernel (nearest_idx) copies or halves the index at these sizes
        # whatever the scale factor (1.1 on 5 pixels copies them); its 1-D and 3-D kernels do not.
        return np.arange(n_out) // (n_out // n_in)
    position = (np.arange(n_out) + 0.5) * scale if exact else np.arange(n_out) * scale
    return np.minimum(np.floor(position).astype(np.int64), n_in - 1)


def _linear_matrix(n_in: int, n_out: int, scale: float, align_corners: bool) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(n_out, dtype=np.float64)
    if n_in == n_out:
        # PyTorch's copy: each output reads its own input twice, with weights 1 and 0.
        j0 = j1 = np.arange(n_out)
        lam = np.zeros(n_out)
    else:
        if align_corners:
            x = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            x = np.maximum((i + 0.5) * scale - 0.5, 0.0)
        j0 = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
        j1 = np.minimum(j0 + 1, n_in - 1)
        lam = x - j0
    # Two taps: where j0 == j1 (the border) both weights add up in M.
    return tap_matrix(n_out, n_in, [(j0, 1.0 - lam), (j1, lam)])


def _cubic_matrix(n_in: int, n_out: int, scale: float, align_corners: bool) -> tuple[np.ndarray, np.ndarray]:
    r"""Keys' cubic convolution with $A = -0.75$ over the 4 pixels around each source coordinate.

    The source coordinate is that of the linear modes without the clamp at 0 (PyTorch's
    ``cubic=True``); pixels past the borders read the border pixel (their weights add up there).
    """
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        x = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        x = (i + 0.5) * scale - 0.5
    j0 = np.floor(x).astype(np.int64)
    t = x - j0
    A = CUBIC_A

    def near(d: np.ndarray) -> np.ndarray:  # |d| <= 1
        return ((A + 2) * d - (A + 3)) * d * d + 1

    def far(d: np.ndarray) -> np.ndarray:  # 1 < |d| < 2
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A

    taps = [(-1, far(t + 1)), (0, near(t)), (1, near(1 - t)), (2, far(2 - t))]
    return tap_matrix(n_out, n_in, [(np.clip(j0 + offset, 0, n_in - 1), weight) for offset, weight in taps])


class Interpolate(Function):
    """out = x with each spatial axis mapped by ``steps``: an int $r$ (repeat $r$ times) or a
    matrix $M$ with the marks of its taps (``tap_matrix``, see ``apply_along``)."""

    def forward(self, x: np.ndarray, *, steps: tuple) -> np.ndarray:
        self.steps = steps
        a = x
        for axis, step in enumerate(steps, 2):
            if isinstance(step, int):
                a = np.repeat(a, step, axis=axis)
            else:
                M, marks = step
                a = apply_along(a, M.astype(x.dtype, copy=False), axis, marks)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = delta
        for axis, step in enumerate(self.steps, 2):
            if isinstance(step, int):
                # The sizes in full: -1 cannot be inferred for an empty batch.
                g = g.reshape(g.shape[:axis] + (g.shape[axis] // step, step) + g.shape[axis + 1 :])
                g = g.sum(axis=axis + 1)
            else:
                M, marks = step
                g = apply_along(g, M.T.astype(delta.dtype, copy=False), axis, marks.transpose(0, 2, 1))
        return g


def upsample(
    x: Tensor,
    scale_factor: Any = 2,
    mode: str = "nearest",
    align_corners: bool = False,
    size: Any = None,
) -> Tensor:
    r"""Resize the spatial axes of x by ``scale_factor`` (or to ``size``), as PyTorch's ``interpolate``.

    Along each spatial axis the output is a linear map of the input,
    $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$, with $M$ picking the nearest source pixel or
    interpolating linearly between the two nearest (see the module docstring for $M$); the backward
    pass applies $M^\top$ to $\delta$.

    Args:
        x: input $(N, C, L)$, $(N, C, H, W)$ or $(N, C, D, H, W)$.
        scale_factor: $r > 0$, one number or one per spatial axis; the output size is
            $\lfloor n_{in} \cdot r \rfloor$.
        mode: "nearest" (any rank), "linear" (1-D), "bilinear" (2-D) or "trilinear" (3-D).
        align_corners: for the linear modes, map the corner pixels' centres onto each other
            (True) or the corners of the pixel grids (False, PyTorch's default).
        size: the output size instead of ``scale_factor`` (an int or one per spatial axis).

    Raises:
        ValueError: the rank, mode, scale factor or size does not fit.

    Shape:
        - input: $(N, C, *S)$ with 1 to 3 spatial axes $S$.
        - output: $(N, C, *S_{out})$, $S_{out} = \lfloor S \cdot r \rfloor$ per axis, or ``size``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
        >>> dn.functional.upsample(x, 2).data[0, 0].tolist()[0]
        [1.0, 1.0, 2.0, 2.0]
        >>> dn.functional.upsample(x, 2, mode="bilinear").array[0, 0].tolist()[0]
        [1.0, 1.25, 1.75, 2.0]
    """
    x = as_tensor(x, owner="upsample")
    if x.dtype.kind != "f":
        x = Tensor._make(x.array.astype(backend.DEFAULT_DTYPE))
    dims = x.ndim - 2
    if dims not in _LAYOUT:
        raise ValueError(f"upsample expects an input (N, C, L), (N, C, H, W) or (N, C, D, H, W), got shape {x.shape}")
    if mode not in ("nearest", "linear", "bilinear", "trilinear"):
        raise ValueError(f"upsample: mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got {mode!r}")
    if mode != "nearest" and mode != _LINEAR_MODE[dims]:
        raise ValueError(
            f"upsample: mode {mode!r} needs a {dict((v, k) for k, v in _LINEAR_MODE.items())[mode] + 2}-D "
            f"input, got shape {x.shape} (use mode={_LINEAR_MODE[dims]!r})"
        )
    if mode == "nearest" and align_corners:
        raise ValueError("upsample: align_corners=True only applies to the linear modes, not to 'nearest'")
    in_size = x.shape[2:]
    if size is not None:
        out_size = _per_axis(size, dims, "size", int)
        if min(out_size) < 1:
            raise ValueError(f"upsample: size must be positive, got {size!r}")
        scales = [n / o for n, o in zip(in_size, out_size)]
    else:
        factors = _per_axis(scale_factor, dims, "scale_factor", float)
        if min(factors) <= 0:
            raise ValueError(f"upsample: scale_factor must be positive, got {scale_factor!r}")
        out_size = tuple(int(math.floor(n * r)) for n, r in zip(in_size, factors))
        if min(out_size) < 1:
            raise ValueError(f"upsample: scale_factor {scale_factor!r} gives an empty output from shape {x.shape}")
        scales = [1.0 / r for r in factors]
    return _resize(x, out_size, scales, mode, bool(align_corners))


def _resize(x: Tensor, out_size: tuple, scales: list[float], mode: str, align_corners: bool) -> Tensor:
    """The ``Interpolate`` op from sizes and source-coordinate scales already checked."""
    steps: list[Any] = []
    for n_in, n_out, scale in zip(x.shape[2:], out_size, scales):
        if mode in ("nearest", "nearest-exact"):
            source = _nearest_source(n_in, n_out, scale, exact=mode == "nearest-exact", planar=len(out_size) == 2)
            factor = n_out // n_in
            if n_out == factor * n_in and np.array_equal(source, np.arange(n_out) // factor):
                steps.append(factor)
            else:
                steps.append(tap_matrix(n_out, n_in, [(source, np.ones(n_out))]))
        elif mode == "bicubic":
            steps.append(_cubic_matrix(n_in, n_out, scale, align_corners))
        else:
            steps.append(_linear_matrix(n_in, n_out, scale, align_corners))
    return Interpolate.apply(x, steps=tuple(steps))


def _per_axis(value: Any, dims: int, name: str, kind: type) -> tuple:
    values = value if isinstance(value, (tuple, list)) else (value,) * dims
    ok = len(values) == dims and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values
    )
    if not ok or (kind is int and any(float(v) != int(v) for v in values)):
        raise ValueError(f"upsample: {name} must be a number or a tuple of {dims} numbers, got {value!r}")
    return tuple(kind(v) for v in values)


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    r"""Resize the spatial axes to ``size`` or by ``scale_factor``, as ``torch.nn.functional.interpolate``.

    Along each spatial axis $\text{out}_i = \sum_j M_{ij} \, \text{in}_j$ (see the module
    docstring for $M$); the backward pass applies $M^\top$ to $\delta$. "area" is adaptive average
    pooling to the output size. The arguments and their checks are PyTorch's: exactly one of
    ``size`` and ``scale_factor``, and ``align_corners`` only with the linear modes.

    Args:
        input: $(N, C, L)$, $(N, C, H, W)$ or $(N, C, D, H, W)$.
        size: the output size, an int or one per spatial axis.
        scale_factor: $r > 0$, a number or one per spatial axis; the output size is
            $\lfloor n_{in} \cdot r \rfloor$ and the source coordinates use $1/r$ (unless
            ``recompute_scale_factor``).
        mode: "nearest" (default), "nearest-exact", "linear" (1-D), "bilinear" (2-D),
            "bicubic" (2-D; Keys' cubic convolution with $A = -0.75$, as PyTorch: it can overshoot
            the input's range), "trilinear" (3-D) or "area".
        align_corners: for the linear and cubic modes, map the corner pixels' centres onto each other
            (True) or the pixel grids' corners (False; None means False); None for the others.
        recompute_scale_factor: with ``scale_factor``, compute the source coordinates from the
            sizes ($n_{in}/n_{out}$) instead of $1/r$.
        antialias: not supported; must be False.

    Raises:
        ValueError: both or neither of ``size`` and ``scale_factor``, a mode that does not fit
            the rank, ``align_corners`` with a mode that does not interpolate, or ``antialias``.

    Shape:
        - input: $(N, C, *S)$ with 1 to 3 spatial axes.
        - output: $(N, C, *S_{out})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[1.0, 2.0]]]))
        >>> dn.functional.interpolate(x, scale_factor=2, mode="linear").array.tolist()
        [[[1.0, 1.25, 1.75, 2.0]]]
        >>> dn.functional.interpolate(x, size=3, mode="linear", align_corners=True).data.tolist()
        [[[1.0, 1.5, 2.0]]]
    """
    owner = "interpolate"
    x = as_tensor(input, owner=owner)
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: expected a floating-point input, got dtype {x.dtype}")
    dims = x.ndim - 2
    if dims not in _LAYOUT:
        raise ValueError(f"{owner} expects an input (N, C, L), (N, C, H, W) or (N, C, D, H, W), got shape {x.shape}")
    check.one_of(mode, "mode", INTERPOLATE_MODES, owner)
    linear = mode in _LINEAR_MODE.values() or mode == "bicubic"
    if linear and mode != _LINEAR_MODE[dims] and not (mode == "bicubic" and dims == 2):
        use = "'bilinear' or 'bicubic'" if dims == 2 else repr(_LINEAR_MODE[dims])
        raise ValueError(f"{owner}: mode {mode!r} does not fit an input of shape {x.shape} (use mode={use})")
    if align_corners is not None and not linear:
        raise ValueError(
            f"{owner}: align_corners can only be set with the interpolating modes 'linear', 'bilinear', "
            f"'bicubic' and 'trilinear', got align_corners={align_corners!r} with mode={mode!r}"
        )
    if check.flag(antialias, "antialias", owner):
        raise ValueError(f"{owner}: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"{owner}: give exactly one of size and scale_factor, got size={size!r}, scale_factor={scale_factor!r}"
        )
    in_size = x.shape[2:]
    if size is not None:
        if recompute_scale_factor is not None:
            raise ValueError(f"{owner}: recompute_scale_factor is not meaningful with an explicit size")
        out_size = _per_axis(size, dims, "size", int)
        if min(out_size) < 1:
            raise ValueError(f"{owner}: size must be positive, got {size!r}")
        scales = [n / o for n, o in zip(in_size, out_size)]
    else:
        factors = _per_axis(scale_factor, dims, "scale_factor", float)
        if min(factors) <= 0 or not all(math.isfinite(r) for r in factors):
            raise ValueError(f"{owner}: scale_factor must be positive and finite, got {scale_factor!r}")
        out_size = tuple(int(math.floor(n * r)) for n, r in zip(in_size, factors))
        if min(out_size) < 1:
            raise ValueError(f"{owner}: scale_factor {scale_factor!r} gives an empty output from shape {x.shape}")
        recompute = recompute_scale_factor is not None and check.flag(
            recompute_scale_factor, "recompute_scale_factor", owner
        )
        scales = [n / o for n, o in zip(in_size, out_size)] if recompute else [1.0 / r for r in factors]
    if mode == "area":
        return _adaptive_avg_pool(x, out_size, dims)
    return _resize(x, out_size, scales, mode, bool(align_corners))
