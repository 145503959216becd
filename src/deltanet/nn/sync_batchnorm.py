r"""``SyncBatchNorm``: batch normalization over the global batch of a data-parallel run.

In data-parallel training (``deltanet.distributed``) a ``BatchNorm`` layer normalizes each rank's
share of the batch with that share's own statistics: fine for large shares, but not what one
process with the whole batch computes. ``SyncBatchNorm`` sums the statistics over the ranks
(``deltanet.functional.sync_batchnorm``), so that two ranks with half the batch each compute
what one process computes with the whole batch, to rounding, gradients included. It costs two
small all-reduces in the forward pass and one in the backward pass of each layer ($2C + 1$,
$C$ and $2C$ numbers).

The ranks are those of ``process_group``: by default the MPI job's ``COMM_WORLD`` when MPI runs
in this process (``deltanet.distributed.init()`` or any ``mpi4py`` program), else this process
alone, where the layer is exactly ``BatchNorm``. Inside ``local_statistics()`` the default is
this process alone: ``fit(distributed=False)`` and each run of a distributed ``sweep`` train
there, so that a rank training on its own never waits for the others. Like PyTorch's, it takes inputs of any rank
$(N, C, *)$; ``SyncBatchNorm.convert_sync_batchnorm(model)`` swaps every ``BatchNorm*d`` of a
model for one, keeping the weights and the statistics.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional.sync_batchnorm import sync_batch_norm
from deltanet.nn.batchnorm import _BatchNorm
from deltanet.nn.module import Module

_alone: contextvars.ContextVar[bool] = contextvars.ContextVar("deltanet_sync_batchnorm_alone", default=False)


@contextlib.contextmanager
def local_statistics() -> Iterator[None]:
    """Inside the block (in this thread), ``SyncBatchNorm`` layers without a ``process_group``
    normalize with this process's batch alone, as ``BatchNorm`` does.

    Examples:
        >>> from deltanet.nn.sync_batchnorm import local_statistics
        >>> with local_statistics():
        ...     pass
    """
    token = _alone.set(True)
    try:
        yield
    finally:
        _alone.reset(token)


class SyncBatchNorm(_BatchNorm):
    r"""Batch normalization per channel with the batch statistics of every rank of a data-parallel run.

    $$
    y = \gamma \, \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta
    $$

    with $\mu$, $\sigma^2$ the mean and biased variance of the channel over the whole global
    batch (every rank's share) in training, and the running statistics in evaluation; the
    running statistics follow the global batch, and so are equal on every rank.

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ added to the variance.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            average.
        affine: learn $\gamma$ (``weight``) and $\beta$ (``bias``).
        track_running_stats: keep running statistics for evaluation.
        process_group: the ranks to synchronize over: None for the MPI job's ``COMM_WORLD`` (when
            MPI runs in this process, else this process alone), an ``mpi4py`` communicator, or an
            object with ``size`` and ``sum_(array)`` (a ``deltanet.distributed.World``).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, C, *)$, this rank's share of the batch.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> bn = dn.nn.SyncBatchNorm(2)  # one process: the same as BatchNorm1d
        >>> np.round(bn(dn.tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))).array, 3).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
    """

    _ranks = (2, 3, 4, 5, 6)
    _shapes = "(N, C, *)"
    #: Read by deltanet.distributed: this layer keeps its statistics equal on every rank itself.
    synchronizes_statistics = True

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)
        if process_group is not None and not (hasattr(process_group, "Allreduce") or hasattr(process_group, "sum_")):
            raise ValueError(
                f"SyncBatchNorm: process_group must be None, an mpi4py communicator or a "
                f"deltanet.distributed.World, got {process_group!r}"
            )
        self.process_group = process_group

    def _reduce(self) -> Callable[[np.ndarray], Any] | None:
        """The in-place sum over the ranks of the group, or None for one rank."""
        group = self.process_group
        if group is None and _alone.get():
            return None
        if hasattr(group, "sum_"):
            return group.sum_ if group.size > 1 else None
        MPI = sys.modules.get("mpi4py.MPI")  # no MPI in this process: no other rank to ask
        if MPI is None or not MPI.Is_initialized() or MPI.Is_finalized():
            return None
        comm = MPI.COMM_WORLD if group is None else group
        if comm.Get_size() == 1:
            return None

        def reduce(array: np.ndarray) -> np.ndarray:
            comm.Allreduce(MPI.IN_PLACE, array, op=MPI.SUM)
            return array

        return reduce

    def _normalize(self, x: Tensor, update: bool, use_batch: bool, momentum: float) -> Tensor:
        if not use_batch:
            return super()._normalize(x, update, use_batch, momentum)  # running statistics: no rank is asked
        return sync_batch_norm(
            x,
            self.running_mean.array if update and self.running_mean is not None else None,
            self.running_var.array if update and self.running_var is not None else None,
            self.weight,
            self.bias,
            momentum=momentum,
            eps=self.eps,
            reduce=self._reduce(),
        )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every ``BatchNorm1d/2d/3d`` in ``module`` by a ``SyncBatchNorm`` with the same
        settings, weights and running statistics (PyTorch's classmethod of the same name).

        Args:
            module: a model, or a batch-norm layer itself.
            process_group: as for ``SyncBatchNorm``.

        Returns:
            The model with its batch-norm layers replaced (a new layer if ``module`` was one).

        Examples:
            >>> import deltanet as dn
            >>> model = dn.nn.Sequential(dn.nn.Linear(3, 4), dn.nn.BatchNorm1d(4))
            >>> type(dn.nn.SyncBatchNorm.convert_sync_batchnorm(model)[1]).__name__
            'SyncBatchNorm'
        """
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            dtype = (
                module.weight.array.dtype
                if module.affine
                else (module.running_mean.dtype if module.track_running_stats else None)
            )
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                dtype,
            )
            converted.load_state_dict(module.state_dict())
            converted.train(module.training)
            return converted
        for name, child in list(module.named_children()):
            setattr(module, name, cls.convert_sync_batchnorm(child, process_group))
        return module

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.process_group is None else f", process_group={self.process_group!r}")
