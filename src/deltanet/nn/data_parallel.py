r"""``nn.DataParallel``: PyTorch's one-process multi-GPU wrapper, as it behaves without a GPU.

PyTorch's ``DataParallel`` splits each batch over the GPUs in ``device_ids``; on a machine without
one it keeps the model, sets ``device_ids`` to ``[]`` and calls the model on the whole batch. So
does this class: the wrapped model is ``.module``, ``forward`` passes everything through, and the
``state_dict`` keys carry the ``module.`` prefix, as in PyTorch (strip it with
``model.module.state_dict()``). For data parallelism over processes, deltanet has
``deltanet.distributed`` (MPI).
"""

from __future__ import annotations

from typing import Any

from deltanet.nn.module import Module


class DataParallel(Module):
    r"""Wrap a model as PyTorch's ``nn.DataParallel`` does on a CPU: the forward pass is the model's.

    $$
    \mathrm{DataParallel}(f)(x) = f(x)
    $$

    Args:
        module: the model to wrap (``.module``).
        device_ids: the GPUs PyTorch would split batches over; accepted and, as in PyTorch
            without a GPU, replaced by ``[]``.
        output_device: the GPU PyTorch would gather outputs on; accepted and ignored.
        dim: the batch dimension PyTorch would split; accepted and ignored.

    Shape:
        - Input: whatever ``module`` takes.
        - Output: whatever ``module`` returns.

    Raises:
        TypeError: ``module`` is not a ``Module``.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.DataParallel(dn.nn.Linear(3, 2), device_ids=[0, 1])
        >>> list(model.state_dict()), model.device_ids
        (['module.weight', 'module.bias'], [])
        >>> model(dn.ones(4, 3)).shape
        (4, 2)
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be an nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids: list[int] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
