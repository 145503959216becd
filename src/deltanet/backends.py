r"""PyTorch's ``torch.backends``: the switches that training scripts set in their first lines.

``torch.backends.cudnn.benchmark = True``, ``torch.backends.cudnn.deterministic = True``,
``torch.backends.cuda.matmul.allow_tf32 = True``, ``torch.set_float32_matmul_precision("high")``
and ``torch.backends.mps.is_available()`` choose GPU kernels. deltanet computes with NumPy on the
CPU in float32 or float64 and has no such kernels, so every switch here changes nothing: a
product is always computed in full float32 (PyTorch's ``"highest"``), every op is deterministic,
and the results are those PyTorch gives on a CPU. The switches are kept, each checked as True or
False, so that code reading them back gets what it wrote; a misspelt switch raises instead of
being stored where nothing reads it.

``import deltanet.backends.cudnn as cudnn`` works as ``import torch.backends.cudnn as cudnn``
does.

Examples:
    >>> import deltanet as dn
    >>> dn.backends.cudnn.benchmark = True
    >>> dn.backends.cudnn.benchmark, dn.backends.cudnn.is_available(), dn.backends.mps.is_available()
    (True, False, False)
    >>> dn.backends.cudnn.benchmark = False
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from deltanet import _checks as check

_PRECISIONS = ("highest", "high", "medium")
_matmul_precision = ["highest"]


class _Switches:
    """Named True/False switches with PyTorch's defaults; any other name or value raises."""

    _PATH = ""
    _DEFAULTS: dict[str, bool] = {}

    def __init__(self) -> None:
        for name, value in self._DEFAULTS.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._DEFAULTS:
            raise AttributeError(f"torch.{self._PATH} has no switch {name!r}; deltanet knows {sorted(self._DEFAULTS)}")
        object.__setattr__(self, name, check.flag(value, name, self._PATH))

    def __repr__(self) -> str:
        return f"<deltanet.{self._PATH}: " + ", ".join(f"{k}={getattr(self, k)}" for k in self._DEFAULTS) + ">"


class _Cudnn(_Switches):
    """``torch.backends.cudnn``: cuDNN's switches, which change nothing without cuDNN (as in PyTorch
    on a machine without CUDA)."""

    _PATH = "backends.cudnn"
    _DEFAULTS = {"enabled": True, "benchmark": False, "deterministic": False, "allow_tf32": True}

    @staticmethod
    def is_available() -> bool:
        """False: deltanet computes with NumPy on the CPU."""
        return False

    @staticmethod
    def version() -> None:
        """None: no cuDNN is loaded (PyTorch's answer without CUDA)."""
        return None


class _Matmul:
    """``torch.backends.cuda.matmul``: cuBLAS's precision switches.

    ``allow_tf32`` is the other face of ``set_float32_matmul_precision``: True means "high",
    False "highest", as in PyTorch.
    """

    _REDUCED = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self) -> None:
        for name in self._REDUCED:
            object.__setattr__(self, name, True)

    @property
    def allow_tf32(self) -> bool:
        return _matmul_precision[0] != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: Any) -> None:
        _matmul_precision[0] = "high" if check.flag(value, "allow_tf32", "backends.cuda.matmul") else "highest"

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "allow_tf32":
            object.__setattr__(self, name, value)  # the property's setter
        elif name in self._REDUCED:
            object.__setattr__(self, name, check.flag(value, name, "backends.cuda.matmul"))
        else:
            raise AttributeError(
                f"torch.backends.cuda.matmul has no switch {name!r}; deltanet knows {['allow_tf32', *self._REDUCED]}"
            )

    def __repr__(self) -> str:
        return f"<deltanet.backends.cuda.matmul: allow_tf32={self.allow_tf32}>"


class _CudaBackend:
    """``torch.backends.cuda``: cuBLAS's switches and the attention kernels' on/off switches."""

    def __init__(self) -> None:
        self.matmul = _Matmul()
        self._sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}

    @staticmethod
    def is_built() -> bool:
        """False: deltanet has no CUDA support built in."""
        return False

    def _enable(self, kernel: str, enabled: Any) -> None:
        self._sdp[kernel] = check.flag(enabled, "enabled", f"backends.cuda.enable_{kernel}_sdp")

    def enable_flash_sdp(self, enabled: bool) -> None:
        """Record the switch (deltanet's attention is one NumPy computation whatever it says)."""
        self._enable("flash", enabled)

    def enable_mem_efficient_sdp(self, enabled: bool) -> None:
        """Record the switch (deltanet's attention is one NumPy computation whatever it says)."""
        self._enable("mem_efficient", enabled)

    def enable_math_sdp(self, enabled: bool) -> None:
        """Record the switch (deltanet's attention is one NumPy computation whatever it says)."""
        self._enable("math", enabled)

    def enable_cudnn_sdp(self, enabled: bool) -> None:
        """Record the switch (deltanet's attention is one NumPy computation whatever it says)."""
        self._enable("cudnn", enabled)

    def flash_sdp_enabled(self) -> bool:
        """What ``enable_flash_sdp`` last set (True at start)."""
        return self._sdp["flash"]

    def mem_efficient_sdp_enabled(self) -> bool:
        """What ``enable_mem_efficient_sdp`` last set (True at start)."""
        return self._sdp["mem_efficient"]

    def math_sdp_enabled(self) -> bool:
        """What ``enable_math_sdp`` last set (True at start)."""
        return self._sdp["math"]

    def cudnn_sdp_enabled(self) -> bool:
        """What ``enable_cudnn_sdp`` last set (True at start)."""
        return self._sdp["cudnn"]

    @contextlib.contextmanager
    def sdp_kernel(
        self,
        enable_flash: bool = True,
        enable_math: bool = True,
        enable_mem_efficient: bool = True,
        enable_cudnn: bool = True,
    ) -> Iterator[None]:
        """PyTorch's deprecated context manager for the attention kernels: sets the switches, then restores them."""
        warnings.warn(
            "`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
            "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with "
            "updated signature.",
            FutureWarning,
            stacklevel=3,
        )
        before = dict(self._sdp)
        wanted = {"flash": enable_flash, "math": enable_math, "mem_efficient": enable_mem_efficient}
        wanted["cudnn"] = enable_cudnn
        for kernel, enabled in wanted.items():
            self._enable(kernel, enabled)
        try:
            yield
        finally:
            self._sdp = before


class _NoDevice:
    """``torch.backends.mps`` (Apple GPUs): answered for a library without a GPU backend."""

    @staticmethod
    def is_available() -> bool:
        """False: deltanet computes with NumPy on the CPU."""
        return False

    @staticmethod
    def is_built() -> bool:
        """False: no GPU support is built in."""
        return False


class _Mkldnn(_Switches):
    """``torch.backends.mkldnn``: oneDNN's switch, which changes nothing (NumPy computes every op)."""

    _PATH = "backends.mkldnn"
    _DEFAULTS = {"enabled": True}

    @staticmethod
    def is_available() -> bool:
        """False: deltanet does not use oneDNN (PyTorch's CPU build does)."""
        return False


class _MpsDevice:
    """``torch.mps`` (the Apple-GPU device module), answered as PyTorch answers without MPS."""

    @staticmethod
    def is_available() -> bool:
        """False: deltanet computes with NumPy on the CPU."""
        return False

    @staticmethod
    def device_count() -> int:
        """0: no MPS device."""
        return 0

    @staticmethod
    def manual_seed(seed: Any) -> None:
        """Nothing to seed without MPS (PyTorch ignores it too)."""

    @staticmethod
    def _no_mps(call: str) -> RuntimeError:
        return RuntimeError(
            f"torch.mps.{call}: deltanet has no MPS backend (torch.backends.mps.is_available() is False; "
            f"PyTorch without MPS raises too); guard it with `if torch.backends.mps.is_available():`"
        )

    def empty_cache(self) -> None:
        """Refused: there is no MPS memory (PyTorch without MPS raises too)."""
        raise self._no_mps("empty_cache()")

    def synchronize(self) -> None:
        """Refused: there is no MPS device to wait for (PyTorch without MPS raises too)."""
        raise self._no_mps("synchronize()")


mps_device = _MpsDevice()
cudnn = _Cudnn()
cuda = _CudaBackend()
mps = _NoDevice()
mkldnn = _Mkldnn()


def set_float32_matmul_precision(precision: str) -> None:
    r"""PyTorch's switch between full float32 products and faster TF32/bfloat16 ones on GPUs.

    deltanet's products are NumPy's, always in full float32 (or float64): the setting is recorded
    for ``get_float32_matmul_precision`` and ``backends.cuda.matmul.allow_tf32`` and changes no
    result, which is what PyTorch gives on a CPU. A value other than the three PyTorch knows raises
    (PyTorch only warns and ignores it).

    Args:
        precision: ``"highest"``, ``"high"`` or ``"medium"``.

    Raises:
        ValueError: any other value.

    Examples:
        >>> import deltanet as dn
        >>> dn.set_float32_matmul_precision("high")
        >>> dn.get_float32_matmul_precision(), dn.backends.cuda.matmul.allow_tf32
        ('high', True)
        >>> dn.set_float32_matmul_precision("highest")
    """
    _matmul_precision[0] = check.one_of(precision, "precision", _PRECISIONS, "set_float32_matmul_precision")


def get_float32_matmul_precision() -> str:
    r"""What ``set_float32_matmul_precision`` last set: ``"highest"`` at start, as in PyTorch.

    Examples:
        >>> import deltanet as dn
        >>> dn.get_float32_matmul_precision() in ("highest", "high", "medium")
        True
    """
    return _matmul_precision[0]


# ``import torch.backends.cudnn as cudnn`` after the rename: each switch board by its module path.
for _name, _board in (("cudnn", cudnn), ("cuda", cuda), ("mps", mps), ("mkldnn", mkldnn)):
    sys.modules.setdefault(f"{__name__}.{_name}", _board)  # type: ignore[arg-type]
