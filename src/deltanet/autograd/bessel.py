r"""The modified Bessel function of the first kind of order 0, ``i0`` (PyTorch's name): the Kaiser
window's and the von Mises density's normaliser,

$$
I_0(x) = \sum_{k \ge 0} \frac{(x / 2)^{2k}}{(k!)^2}, \qquad \frac{d}{dx} I_0(x) = I_1(x).
$$

No SciPy needed: the forward is NumPy's ``np.i0`` and the derivative $I_1$ is Cephes' Chebyshev
expansion (the coefficients PyTorch and SciPy use), in NumPy. Float32 inputs are computed in
float64 and rounded once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd.elementwise import _floating
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor

# Cephes (3-clause BSD): Chebyshev coefficients of exp(-x) I1(x) / x on [0, 8] ...
_I1_A = [
    2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
    -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
    3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
    -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
    9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
    -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
    4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
    -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
    2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
    -1.76416518357834055153e-1, 2.52587186443633654823e-1,
]  # fmt: skip
# ... and of exp(-x) sqrt(x) I1(x) on [8, infinity), in the variable 32/x - 2.
_I1_B = [
    7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
    -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
    -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
    4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
    -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
    3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
    -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
    -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
    7.78576235018280120474e-1,
]  # fmt: skip


def _chebyshev(t: np.ndarray, coefficients: list[float]) -> np.ndarray:
    """Cephes' ``chbevl``: the Chebyshev series with ``coefficients`` at ``t`` (Clenshaw's recurrence)."""
    b0, b1, b2 = np.full_like(t, coefficients[0]), np.zeros_like(t), np.zeros_like(t)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def i1_array(x: np.ndarray) -> np.ndarray:
    r"""$I_1(x)$ elementwise in float64 (odd: $I_1(-x) = -I_1(x)$), Cephes' ``i1``."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        near = np.exp(a) * a * _chebyshev(a / 2 - 2, _I1_A)
        far = np.exp(a) * _chebyshev(32 / a - 2, _I1_B) / np.sqrt(a)
        out = np.where(a <= 8, near, far)
    return np.where(x < 0, -out, out)


class I0(Function):
    r"""$a = I_0(x)$; $\partial a / \partial x = I_1(x)$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        with np.errstate(over="ignore", invalid="ignore"):  # i0(inf) is NaN (NumPy's and PyTorch's value)
            return np.asarray(np.i0(x.astype(np.float64)), dtype=x.dtype)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * i1_array(x).astype(x.dtype, copy=False)


def i0(input: Any) -> Tensor:
    r"""The modified Bessel function $I_0(x) = \sum_k (x/2)^{2k} / (k!)^2$, elementwise; derivative $I_1(x)$.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.i0(dn.tensor([0.0, 1.0], dtype="float64")).tolist()
        [1.0, 1.2660658777520082]
    """
    return I0.apply(_floating(input))


__all__ = ["I0", "i0"]
