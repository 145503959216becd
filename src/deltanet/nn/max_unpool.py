"""``MaxUnpool1d/2d/3d``: values back to where max pooling found them (``deltanet.functional.max_unpool``)."""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.functional import max_unpool as U
from deltanet.functional.conv import _ntuple
from deltanet.nn.module import Module, call_named


class _MaxUnpoolNd(Module):
    _dims = 0
    _function: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name, dims = type(self).__name__, self._dims
        # Kept as tuples, as PyTorch does (and prints).
        self.kernel_size = _ntuple(kernel_size, dims, "kernel_size", name, 1)
        self.stride = self.kernel_size if stride is None else _ntuple(stride, dims, "stride", name, 1)
        self.padding = _ntuple(padding, dims, "padding", name, 0)

    def forward(self, input: Tensor, indices: Any, output_size: Any = None) -> Tensor:
        return call_named(
            self, self._function, input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    r"""Put each value back where ``MaxPool1d(..., return_indices=True)`` found it, zeros elsewhere.

    $$
    z_{n,c,\text{index}_{n,c,i}} = x_{n,c,i}
    $$

    Args:
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.

    Shape:
        - input: $(N, C, L)$ and the indices of that shape.
        - output: $(N, C, (L - 1) s - 2p + k)$, or ``output_size`` given to the call.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a, i = dn.nn.MaxPool1d(2, return_indices=True)(dn.tensor(np.array([[[1.0, 3.0, 2.0, 0.0]]])))
        >>> dn.nn.MaxUnpool1d(2)(a, i).data.tolist()
        [[[0.0, 3.0, 2.0, 0.0]]]
    """

    _dims = 1
    _function = staticmethod(U.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    r"""Put each value back where ``MaxPool2d(..., return_indices=True)`` found it, zeros elsewhere (SegNet).

    $$
    z_{n,c,\text{index}_{n,c,i,j}} = x_{n,c,i,j}
    $$

    Args:
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.

    Shape:
        - input: $(N, C, H, W)$ and the indices of that shape.
        - output: $(N, C, (H - 1) s - 2p + k, (W - 1) s - 2p + k)$, or ``output_size`` given to the call.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> unpool = dn.nn.MaxUnpool2d(2)
        >>> unpool
        MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
        >>> a, i = dn.nn.MaxPool2d(2, return_indices=True)(dn.tensor(np.arange(16.0).reshape(1, 1, 4, 4)))
        >>> unpool(a, i).data[0, 0].tolist()[1]
        [0.0, 5.0, 0.0, 7.0]
    """

    _dims = 2
    _function = staticmethod(U.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    r"""Put each value back where ``MaxPool3d(..., return_indices=True)`` found it, zeros elsewhere.

    $$
    z_{n,c,\text{index}_{n,c,\mathbf{i}}} = x_{n,c,\mathbf{i}}
    $$

    Args:
        kernel_size: the pooling's $k$.
        stride: the pooling's $s$ (default $k$).
        padding: the pooling's $p$.

    Shape:
        - input: $(N, C, D, H, W)$ and the indices of that shape.
        - output: $(N, C, D_{out}, H_{out}, W_{out})$, each $(n - 1) s - 2p + k$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a, i = dn.nn.MaxPool3d(2, return_indices=True)(dn.tensor(np.ones((1, 1, 2, 2, 2))))
        >>> dn.nn.MaxUnpool3d(2)(a, i).shape
        (1, 1, 2, 2, 2)
    """

    _dims = 3
    _function = staticmethod(U.max_unpool3d)
