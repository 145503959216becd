"""The in-place twins of the elementwise math of ``logodds``, ``angles``, ``periodic``, ``signs``,
``gamma``, ``bessel``, ``powers``, ``clamping``, ``integers`` and ``trigonometry``: ``logit_``, ``xlogy_``, ``atan2_``,
``fmod_``, ``lgamma_``, ``bitwise_and_``, ``logical_not_``, ``renorm_``, ...

Each computes the out-of-place op and writes the result into the tensor with ``inplace.py``'s
rules (a recorded change when a gradient is involved, version counters, views, a clear error when
the result's dtype does not fit the tensor: ``int_tensor.sinc_()`` raises, as in PyTorch), so
none has rules of its own. ``float_power_`` needs a float64 tensor, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltanet.autograd import (
    angles,
    bessel,
    clamping,
    compare,
    elementwise,
    gamma,
    inplace,
    integers,
    logodds,
    periodic,
    powers,
    rounding,
    signs,
    trigonometry,
)
from deltanet.autograd.linalg import products as linalg_products
from deltanet.autograd.tensor import Tensor, leaf


def _inplace(name: str, compute: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        others = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))

        def fast() -> None:
            inplace._write(self, compute(leaf(self.array), *args, **kwargs).array, name)

        return inplace._apply(self, others, name, fast, lambda old: compute(old, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: ``self = {name[:-1]}(self, ...)``."
    return method


def _float_power(x: Tensor, exponent: Any) -> Tensor:
    if x.array.dtype != "float64":
        raise ValueError(
            f"float_power_: the result is float64 and cannot be stored in this tensor of dtype {x.dtype}; "
            "use t = t.double() first, or the out-of-place float_power"
        )
    return powers.float_power(x, exponent)


logit_ = _inplace("logit_", logodds.logit)
xlogy_ = _inplace("xlogy_", logodds.xlogy)
atan2_ = _inplace("atan2_", angles.atan2)
arctan2_ = _inplace("arctan2_", angles.atan2)
hypot_ = _inplace("hypot_", angles.hypot)
sinc_ = _inplace("sinc_", angles.sinc)
deg2rad_ = _inplace("deg2rad_", angles.deg2rad)
rad2deg_ = _inplace("rad2deg_", angles.rad2deg)
fmod_ = _inplace("fmod_", periodic.fmod)
remainder_ = _inplace("remainder_", elementwise.remainder)
frac_ = _inplace("frac_", periodic.frac)
copysign_ = _inplace("copysign_", signs.copysign)
heaviside_ = _inplace("heaviside_", signs.heaviside)
clamp_min_ = _inplace("clamp_min_", clamping.clamp_min)
clamp_max_ = _inplace("clamp_max_", clamping.clamp_max)
float_power_ = _inplace("float_power_", _float_power)
i0_ = _inplace("i0_", bessel.i0)
lgamma_ = _inplace("lgamma_", gamma.lgamma)
digamma_ = _inplace("digamma_", gamma.digamma)
polygamma_ = _inplace("polygamma_", lambda x, n: gamma.polygamma(n, x))
mvlgamma_ = _inplace("mvlgamma_", gamma.mvlgamma)
gcd_ = _inplace("gcd_", integers.gcd)
lcm_ = _inplace("lcm_", integers.lcm)
bitwise_and_ = _inplace("bitwise_and_", integers.bitwise_and)
bitwise_or_ = _inplace("bitwise_or_", integers.bitwise_or)
bitwise_xor_ = _inplace("bitwise_xor_", integers.bitwise_xor)
bitwise_not_ = _inplace("bitwise_not_", integers.bitwise_not)
tan_ = _inplace("tan_", trigonometry.tan)
atan_ = _inplace("atan_", trigonometry.atan)
arctan_ = _inplace("arctan_", trigonometry.arctan)
asin_ = _inplace("asin_", trigonometry.asin)
arcsin_ = _inplace("arcsin_", trigonometry.arcsin)
acos_ = _inplace("acos_", trigonometry.acos)
arccos_ = _inplace("arccos_", trigonometry.arccos)
sinh_ = _inplace("sinh_", trigonometry.sinh)
cosh_ = _inplace("cosh_", trigonometry.cosh)
asinh_ = _inplace("asinh_", trigonometry.asinh)
arcsinh_ = _inplace("arcsinh_", trigonometry.arcsinh)
acosh_ = _inplace("acosh_", trigonometry.acosh)
arccosh_ = _inplace("arccosh_", trigonometry.arccosh)
atanh_ = _inplace("atanh_", trigonometry.atanh)
arctanh_ = _inplace("arctanh_", trigonometry.arctanh)
exp2_ = _inplace("exp2_", trigonometry.exp2)


square_ = _inplace("square_", elementwise.square)
sign_ = _inplace("sign_", rounding.sign)
floor_ = _inplace("floor_", rounding.floor)
ceil_ = _inplace("ceil_", rounding.ceil)
round_ = _inplace("round_", rounding.round)
trunc_ = _inplace("trunc_", rounding.trunc)
reciprocal_ = _inplace("reciprocal_", rounding.reciprocal)
rsqrt_ = _inplace("rsqrt_", rounding.rsqrt)
clip_ = _inplace("clip_", elementwise.clamp)
true_divide_ = _inplace("true_divide_", elementwise.true_divide)
floor_divide_ = _inplace("floor_divide_", elementwise.floor_divide)
fix_ = _inplace("fix_", rounding.trunc)
negative_ = _inplace("negative_", elementwise.neg)
absolute_ = _inplace("absolute_", elementwise.abs)
sgn_ = _inplace("sgn_", rounding.sign)
renorm_ = _inplace("renorm_", linalg_products.renorm)
logical_not_ = _inplace("logical_not_", compare.logical_not)  # True/False stored as 1/0 in a numeric tensor
logical_and_ = _inplace("logical_and_", compare.logical_and)
logical_or_ = _inplace("logical_or_", compare.logical_or)
logical_xor_ = _inplace("logical_xor_", compare.logical_xor)


def polygamma_method(self: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)`` is ``polygamma(n, x)``: the tensor is the second argument of the function."""
    return gamma.polygamma(n, self)


__all__ = [name for name in dir() if name.endswith("_") and not name.startswith("_")] + ["polygamma_method"]
