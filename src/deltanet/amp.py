r"""PyTorch's mixed precision, ``torch.amp``: ``autocast`` and the dynamic loss scale ``GradScaler``.

deltanet computes in float32 and float64 only. What a PyTorch user gets on a machine without a
GPU, deltanet gives exactly:

- ``autocast("cuda", ...)`` and ``torch.cuda.amp.autocast()`` warn, as PyTorch does without CUDA,
  and change nothing; ``enabled=False`` changes nothing, silently.
- ``autocast("cpu")`` with bfloat16 or float16 would make PyTorch compute in that dtype: deltanet
  cannot, and raises a ``RuntimeError`` that says to pass ``enabled=False`` (float32) instead of
  computing something else. With another dtype PyTorch warns and disables itself, as here.
- ``GradScaler("cuda")`` (the default device) warns and is disabled: ``scale(loss)`` returns the
  loss, ``step(opt)`` calls ``opt.step()``, ``get_scale()`` is 1.0.
- ``GradScaler("cpu")`` works as PyTorch's: the loss is multiplied by the scale $S$, ``unscale_``
  multiplies the gradients by $1/S$ and looks for inf/NaN, ``step`` skips the optimizer's step when
  it found one, and ``update`` sets $S \leftarrow S \cdot \text{backoff}$ after a skipped step, and
  $S \leftarrow S \cdot \text{growth}$ after ``growth_interval`` steps in a row without one.

Examples:
    >>> import deltanet as dn
    >>> model = dn.nn.Linear(2, 1)
    >>> opt = dn.optim.SGD(model.parameters(), lr=0.1)
    >>> scaler = dn.amp.GradScaler("cpu", init_scale=8.0)
    >>> with dn.autocast(device_type="cpu", enabled=False):
    ...     loss = model(dn.ones(3, 2)).sum()
    >>> scaler.scale(loss).backward()
    >>> scaler.step(opt); scaler.update()
    >>> scaler.get_scale()
    8.0
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.backend import check_device, device

_NO_CUDA_AUTOCAST = "CUDA is not available or torch_xla is imported. Disabling autocast."
_CPU_DTYPE_WARNING = (
    "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
    "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently."
)
_NO_CUDA_SCALER = "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling."
_REDUCED = ("bfloat16", "float16", "half")


def _dtype_name(dtype: Any) -> str:
    """``float32`` for ``dn.float32``, ``np.float32`` or ``torch.float32``-like objects."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype).rpartition(".")[2]


class autocast:  # noqa: N801 - PyTorch's name
    r"""PyTorch's ``torch.autocast``: run a region in a lower precision where it is safe.

    deltanet has no bfloat16 or float16 arithmetic, so no region ever runs in one. For a CUDA
    device it warns and changes nothing (PyTorch's behaviour without CUDA); for the CPU with
    bfloat16/float16 (PyTorch's default there) it refuses, naming ``enabled=False``; disabled,
    or for a device whose tensors deltanet cannot hold, it changes nothing. The precision is the
    tensors' own, float32 or float64, to the last bit.

    Args:
        device_type: ``"cuda"``, ``"cpu"``, ``"mps"``, ...
        dtype: the lower precision PyTorch would use (bfloat16 by default on the CPU, float16 on CUDA).
        enabled: False makes it a plain no-op (``enabled=use_amp``).
        cache_enabled: accepted for PyTorch's signature.

    Raises:
        ValueError: ``device_type`` is not a string, or not a device type.
        RuntimeError: enabled on the CPU in bfloat16 or float16, which deltanet cannot compute.

    Examples:
        >>> import deltanet as dn
        >>> with dn.autocast(device_type="cpu", dtype=dn.float32, enabled=False):
        ...     y = dn.ones(2, 2) @ dn.ones(2, 2)
        >>> y.dtype == dn.float32, dn.is_autocast_enabled()
        (True, False)
    """

    def __init__(
        self, device_type: str, dtype: Any = None, enabled: bool = True, cache_enabled: bool | None = None
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device(device_type).type
        self.fast_dtype = dtype
        self._enabled = False  # deltanet never computes in a lower precision
        if not check.flag(enabled, "enabled", "autocast"):
            return
        name = _dtype_name(dtype) if dtype is not None else ("bfloat16" if self.device == "cpu" else "float16")
        if self.device == "cuda":
            warnings.warn(_NO_CUDA_AUTOCAST, UserWarning, stacklevel=2)
        elif self.device == "cpu" and name in _REDUCED:
            raise RuntimeError(
                f"autocast(device_type='cpu', dtype={name}) would make PyTorch compute in {name}; "
                f"deltanet computes in float32 and float64 only and will not give other numbers "
                f"silently. Pass enabled=False (e.g. enabled=use_amp with use_amp=False on the CPU) "
                f"to run in float32, as PyTorch does then"
            )
        elif self.device == "cpu":
            warnings.warn(_CPU_DTYPE_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Use as a decorator: the function runs inside this region."""

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return run


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an autocast region is active: always False, as deltanet never enables one.

    Args:
        device_type: the device to ask about (``"cuda"``, ``"cpu"``); any answers False.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_autocast_enabled("cuda")
        False
    """
    if device_type is not None:
        device(device_type)
    return False


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` can lower the precision on ``device_type``: never, in deltanet.

    PyTorch answers True for the CPU (where it computes in bfloat16); deltanet computes in
    float32 and float64 only, so code that asks first (``if torch.amp.is_autocast_available(...)``)
    takes its float32 branch.

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ...

    Examples:
        >>> import deltanet as dn
        >>> dn.amp.is_autocast_available("cpu")
        False
    """
    device(device_type)
    return False


def custom_fwd(fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: Any = None) -> Any:
    """PyTorch's decorator for a custom ``Function.forward`` under autocast: returns ``fwd`` unchanged.

    PyTorch casts the inputs to ``cast_inputs`` only inside an enabled autocast region, which deltanet
    never has; so the forward runs on its inputs as they are, as in PyTorch outside such a region.

    Args:
        fwd: the forward to decorate (or None, for ``@custom_fwd(device_type=...)``).
        device_type: ``"cuda"``, ``"cpu"``, ... (required, as in PyTorch).
        cast_inputs: the dtype PyTorch would cast the inputs to inside autocast.

    Examples:
        >>> import deltanet as dn
        >>> dn.amp.custom_fwd(device_type="cuda")(abs)(-1)
        1
    """
    device(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Any:
    """PyTorch's decorator for a custom ``Function.backward`` under autocast: returns ``bwd`` unchanged.

    Args:
        bwd: the backward to decorate (or None, for ``@custom_bwd(device_type=...)``).
        device_type: ``"cuda"``, ``"cpu"``, ... (required, as in PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.amp.custom_bwd(device_type="cuda")(abs)(-1)
        1
    """
    device(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


class GradScaler:
    r"""PyTorch's ``torch.amp.GradScaler``: a dynamic loss scale that skips steps with inf/NaN gradients.

    The loss is multiplied by $S$ before ``backward``; ``unscale_`` multiplies each gradient by the
    float32 value of $1/S$ and records whether any is inf or NaN; ``step`` then skips
    ``optimizer.step()`` if so; ``update`` halves $S$ (``backoff_factor``) after a skip and doubles
    it (``growth_factor``) after ``growth_interval`` clean steps, as PyTorch's CPU kernel does. For
    ``device="cuda"`` (the default) it warns and is disabled, as PyTorch is without CUDA.

    Args:
        device: ``"cuda"`` (disabled here) or ``"cpu"``.
        init_scale: the first scale $S$.
        growth_factor: the factor $S$ grows by (> 1).
        backoff_factor: the factor $S$ shrinks by (in (0, 1)).
        growth_interval: clean steps in a row before $S$ grows.
        enabled: False makes every method a pass-through.

    Raises:
        ValueError: a bad hyperparameter.
        RuntimeError: a device deltanet cannot use, or methods called in the wrong order.

    Examples:
        >>> import deltanet as dn
        >>> scaler = dn.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
        >>> model = dn.nn.Linear(2, 1)
        >>> opt = dn.optim.SGD(model.parameters(), lr=0.1)
        >>> scaler.scale(model(dn.ones(1, 2)).sum()).backward()
        >>> scaler.step(opt); scaler.update(); scaler.get_scale()
        8.0
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        name = "GradScaler"
        enabled = check.flag(enabled, "enabled", name)
        self._device = device if isinstance(device, str) else str(device)
        if enabled and self._device == "cuda":
            warnings.warn(_NO_CUDA_SCALER, UserWarning, stacklevel=2)
            enabled = False
        elif enabled:
            check_device(self._device)
        self._enabled = enabled
        if not enabled:
            return
        self._scale = np.float32(check.number(init_scale, "init_scale", name, low=0, low_open=True))
        self._growth_factor = check.number(growth_factor, "growth_factor", name, low=1, low_open=True)
        self._backoff_factor = check.number(
            backoff_factor, "backoff_factor", name, low=0, high=1, low_open=True, high_open=True
        )
        self._growth_interval = check.integer(growth_interval, "growth_interval", name, low=1)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False for ``"cuda"`` or ``enabled=False``)."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale $S$ as a Python float (1.0 when disabled)."""
        return float(self._scale) if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by (> 1)."""
        self._growth_factor = check.number(new_factor, "new_factor", "GradScaler", low=1, low_open=True)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale shrinks by (in (0, 1))."""
        self._backoff_factor = check.number(
            new_factor, "new_factor", "GradScaler", low=0, high=1, low_open=True, high_open=True
        )

    def get_growth_interval(self) -> int:
        """The number of clean steps in a row before the scale grows."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of clean steps in a row before the scale grows."""
        self._growth_interval = check.integer(new_interval, "new_interval", "GradScaler", low=1)

    def scale(self, outputs: Any) -> Any:
        """The loss (or a list, tuple or iterable of them) multiplied by the scale $S$.

        Args:
            outputs: a tensor, or an iterable of tensors.
        """
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * float(self._scale)
        if isinstance(outputs, Iterable):
            scaled = map(self.scale, outputs)
            return type(outputs)(scaled) if isinstance(outputs, (list, tuple)) else scaled
        raise ValueError(f"GradScaler.scale: outputs must be a Tensor or an iterable of Tensors, got {outputs!r}")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": "ready", "found_inf": None})

    def unscale_(self, optimizer: Any) -> None:
        """Divide the optimizer's gradients by the scale (in place) and record any inf or NaN.

        Args:
            optimizer: the optimizer whose parameters' gradients to unscale.
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == "unscaled":
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        # PyTorch: the reciprocal in float64, rounded to float32, multiplies each gradient.
        inv_scale = np.float32(1.0 / np.float64(self._scale))
        found_inf = None
        seen: set[int] = set()  # an array shared by two gradients is unscaled once
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None or id(p.grad.array) in seen:
                    continue
                g = p.grad.array
                seen.add(id(g))
                found_inf = bool(found_inf) or not bool(np.isfinite(g).all())
                if inv_scale != 1:
                    with np.errstate(invalid="ignore", over="ignore"):
                        g *= inv_scale  # in place, as clip_grad_norm_: the optimizer reads these arrays
        state["found_inf"], state["stage"] = found_inf, "unscaled"

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients if not done yet, then ``optimizer.step()`` unless one is inf/NaN.

        Args:
            optimizer: the optimizer to step.
            args: passed to ``optimizer.step``.
            kwargs: passed to ``optimizer.step`` (no ``closure`` while enabled, as in PyTorch).

        Returns:
            What ``optimizer.step`` returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == "ready":
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise RuntimeError(
                "No inf checks were recorded for this optimizer: none of its parameters has a gradient; "
                "call scaler.scale(loss).backward() before scaler.step(optimizer)"
            )
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = "stepped"
        return result

    def update(self, new_scale: Any = None) -> None:
        """Set the scale for the next iteration: backoff after a skipped step, growth after a clean run.

        Args:
            new_scale: a number (or a one-element tensor) to set the scale to instead.
        """
        if not self._enabled:
            return
        if new_scale is not None:
            value = new_scale.item() if isinstance(new_scale, Tensor) and new_scale.numel() == 1 else new_scale
            self._scale = np.float32(check.number(value, "new_scale", "GradScaler.update", low=0, low_open=True))
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("No inf checks were recorded prior to update(); call scaler.step(optimizer) first")
            if any(found):
                self._scale = np.float32(float(self._scale) * self._backoff_factor)
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = np.float32(float(self._scale) * self._growth_factor)
                if np.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer = {}

    def state_dict(self) -> dict[str, Any]:
        """The scale and its settings as plain numbers; empty when disabled (as PyTorch's)."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` (PyTorch's too).

        Args:
            state_dict: what ``state_dict()`` returned.

        Raises:
            RuntimeError: an empty state (saved from a disabled scaler) into an enabled one.
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._scale = np.float32(check.number(_plain(state_dict["scale"]), "scale", "GradScaler", low=0, low_open=True))
        self.set_growth_factor(_plain(state_dict["growth_factor"]))
        self.set_backoff_factor(_plain(state_dict["backoff_factor"]))
        self.set_growth_interval(_plain(state_dict["growth_interval"]))
        if "_growth_tracker" in state_dict:
            self._growth_tracker = check.integer(
                _plain(state_dict["_growth_tracker"]), "_growth_tracker", "GradScaler", low=0
            )


def _plain(value: Any) -> Any:
    """A number from a number or a one-element tensor/array."""
    return value.item() if hasattr(value, "item") else value


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}(args...)` instead.", FutureWarning, stacklevel=3)


class _CudaAutocast(autocast):
    """``torch.cuda.amp.autocast``: deprecated by PyTorch for ``autocast("cuda", ...)``; warns as it does."""

    def __init__(self, enabled: bool = True, dtype: Any = "float16", cache_enabled: bool = True) -> None:
        _deprecated("torch.cuda.amp.autocast", "torch.amp.autocast('cuda', ")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CpuAutocast(autocast):
    """``torch.cpu.amp.autocast``: deprecated by PyTorch for ``autocast("cpu", ...)``; warns as it does."""

    def __init__(self, enabled: bool = True, dtype: Any = "bfloat16", cache_enabled: bool = True) -> None:
        _deprecated("torch.cpu.amp.autocast", "torch.amp.autocast('cpu', ")
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CudaGradScaler(GradScaler):
    """``torch.cuda.amp.GradScaler``: deprecated by PyTorch; disabled without CUDA, with its warnings."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        _deprecated("torch.cuda.amp.GradScaler", "torch.amp.GradScaler('cuda', ")
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class _CpuGradScaler(GradScaler):
    """``torch.cpu.amp.GradScaler``: deprecated by PyTorch for ``GradScaler("cpu")``; works as it."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        _deprecated("torch.cpu.amp.GradScaler", "torch.amp.GradScaler('cpu', ")
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def _cuda_custom_fwd(fwd: Callable[..., Any] | None = None, *, cast_inputs: Any = None) -> Any:
    warnings.warn(
        "`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def _cuda_custom_bwd(bwd: Callable[..., Any]) -> Any:
    warnings.warn(
        "`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return custom_bwd(bwd, device_type="cuda")


def _namespace(name: str, **members: Any) -> types.ModuleType:
    module = types.ModuleType(name, f"PyTorch's ``{name.replace('deltanet', 'torch')}``, as deltanet answers it.")
    for key, value in members.items():
        if isinstance(value, type):  # PyTorch's name in its module: torch.cuda.amp.GradScaler
            value.__name__ = value.__qualname__ = key
        setattr(module, key, value)
    return module


cuda_amp = _namespace("deltanet.cuda.amp", autocast=_CudaAutocast, GradScaler=_CudaGradScaler)
cuda_amp.custom_fwd = _cuda_custom_fwd  # type: ignore[attr-defined]
cuda_amp.custom_bwd = _cuda_custom_bwd  # type: ignore[attr-defined]
cpu_amp = _namespace("deltanet.cpu.amp", autocast=_CpuAutocast, GradScaler=_CpuGradScaler)


def _true() -> bool:
    return True


def _one() -> int:
    return 1


def _cpu() -> str:
    return "cpu"


def _nothing() -> None:
    return None


# ``torch.cpu``: the CPU "device module" (``torch.cpu.amp``, ``torch.cpu.is_available()``).
cpu_module = _namespace("deltanet.cpu", amp=cpu_amp)
cpu_module.is_available = _true  # type: ignore[attr-defined]
cpu_module.device_count = _one  # type: ignore[attr-defined]
cpu_module.current_device = _cpu  # type: ignore[attr-defined]
cpu_module.synchronize = _nothing  # type: ignore[attr-defined]
