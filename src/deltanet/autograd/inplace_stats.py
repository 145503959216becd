"""The in-place twins of the statistics and fused ops: ``cumprod_``, ``lerp_``, ``nan_to_num_``,
``erf_``, ``erfc_``, ``erfinv_``, ``addmm_``, ``baddbmm_`` and ``scatter_reduce_``.

Each computes the out-of-place op and writes the result into the tensor with ``inplace.py``'s
rules (a recorded change when a gradient is involved, version counters, views, a clear error when
the result's dtype does not fit), so none has rules of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltanet.autograd import cumulative, inplace, scatter_reduce, special
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


cumprod_ = _inplace("cumprod_", cumulative.cumprod)
lerp_ = _inplace("lerp_", special.lerp)
nan_to_num_ = _inplace("nan_to_num_", special.nan_to_num)
erf_ = _inplace("erf_", special.erf)
erfc_ = _inplace("erfc_", special.erfc)
erfinv_ = _inplace("erfinv_", special.erfinv)
addmm_ = _inplace("addmm_", special.addmm)
baddbmm_ = _inplace("baddbmm_", special.baddbmm)
scatter_reduce_ = _inplace("scatter_reduce_", scatter_reduce.scatter_reduce)
