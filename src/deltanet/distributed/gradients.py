r"""One step of data parallelism: each rank backpropagates its share of the global batch's loss,
and one ``Allreduce`` over a flat buffer sums the gradients of every rank.

With the global batch $B$ split into shares $B_r$ of $n_r$ samples ($\sum_r n_r = N$), the loss
one process would minimize is the mean over $B$:

$$
L = \frac{1}{N} \sum_{i \in B} \ell_i = \sum_r \frac{n_r}{N} L_r, \qquad
\frac{\partial L}{\partial W} = \sum_r \frac{\partial}{\partial W} \Big( \frac{n_r}{N} L_r \Big)
$$

with $L_r$ the mean loss of rank $r$'s share. So rank $r$ backpropagates $\frac{n_r}{N} L_r$
(``L.backward(n_r / N)``: the backward pass seeded with its share instead of 1), and the sum of
the ranks' gradients is the gradient of the global batch, equal to one process's to rounding.
With equal shares this is PyTorch DDP's average of the gradients; with unequal ones (the last
batch of an epoch) it weighs each rank by its samples. Seeding the backward pass, rather than
scaling the gradients after it, keeps ``SyncBatchNorm`` exact: its backward sums the ranks'
$\delta$ of that one objective. A regularizer's penalty, the same on every rank, enters each
rank's objective with weight $\frac{n_r}{N}$ and so once in the sum.

A mean over weighted or ignored class labels (``CrossEntropy(weight=..., ignore_index=...)``)
divides by the kept labels' weights $D$, not by $N$: rank $r$'s loss then enters with weight
$\frac{D_r}{D}$ (``GradientSync.weigh_loss``), the penalty and the buffers still with
$\frac{n_r}{N}$.

A loss that sums its samples (``reduction="sum"``) has $L = \sum_{i \in B} \ell_i = \sum_r L_r$:
each rank then backpropagates its $L_r$ with weight 1 (weighting it by $\frac{n_r}{N}$ too gave
$\frac{1}{R}$ of one process's gradient on $R$ ranks), and only the penalty with $\frac{n_r}{N}$.

The buffer holds, in one ``Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)`` per step: every
gradient, the float buffers of the layers that are not synchronized otherwise (batch norm's
running statistics, each weighted by $\frac{n_r}{N}$, so that ``running_mean`` follows the global
batch mean as in one process; each enters as its change since the value the ranks last agreed
on, so that a buffer no rank changed stays bit for bit the same), one flag per parameter (how
many ranks have a gradient for it: a parameter no rank used keeps ``grad`` None, as in one
process), and the weighted loss and
penalty (their sums are the global batch's). Every rank then holds the same gradients, the same
statistics and the same loss: the NaN check after it stops every rank at the same step, and the
optimizers' updates keep the weights equal on every rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.distributed.sharding import shard
from deltanet.distributed.world import World, checksums


def synchronized(module: Any) -> bool:
    """Whether a layer keeps its statistics equal on every rank itself (``nn.SyncBatchNorm``)."""
    return bool(getattr(module, "synchronizes_statistics", False))


def averaged_buffers(model: Any) -> list[tuple[str, np.ndarray]]:
    """The float buffers that ranks update apart and the step averages (per-rank batch norm's
    running statistics), by name."""
    found = []
    for path, module in model.named_modules():
        if synchronized(module):
            continue
        for name, value in module.named_buffers(prefix=path, recurse=False):
            array = value.array if isinstance(value, Tensor) else value
            if isinstance(array, np.ndarray) and array.dtype.kind == "f":
                found.append((name, array))
    return found


def model_arrays(model: Any) -> list[tuple[str, np.ndarray]]:
    """Every parameter and buffer of the model as ``(name, array)``: what must be equal on all ranks."""
    arrays = [(name, p.array) for name, p in model.named_parameters()]
    for name, value in model.named_buffers():
        array = value.array if isinstance(value, Tensor) else value
        if isinstance(array, np.ndarray):
            arrays.append((name, array))
    return arrays


class GradientSync:
    """The data-parallel part of ``fit``'s step: this rank's share of each global batch, the
    backward pass of its share of the loss, and the one ``Allreduce`` (see the module docstring).

    Args:
        world: the job's ``World``.
        model: the model being trained.
        params: the optimizer's parameters, in its order.

    Examples:
        >>> from deltanet.distributed.gradients import GradientSync
        >>> GradientSync.__name__
        'GradientSync'
    """

    def __init__(self, world: World, model: Any, params: list[Any]) -> None:
        self.world, self.model, self.params = world, model, params
        self.buffers = [array for _, array in averaged_buffers(model)]
        self.dtype = np.result_type(*[p.array.dtype for p in params], *self.buffers)
        self.grad_size = sum(p.array.size for p in params)
        self.buffer_size = sum(b.size for b in self.buffers)
        self.flat = np.zeros(self.grad_size + self.buffer_size + len(params) + 2, dtype=self.dtype)
        self.share = 1.0
        # The weight of this rank's mean loss: its share of the mean's denominator (``weigh_loss``).
        self.loss_share = 1.0
        self.steps = 0
        self.reference: list[np.ndarray] | None = None  # the buffers' values the ranks agree on

    def local(self, start: int, stop: int) -> tuple[int, int]:
        """This rank's rows of the global batch ``[start, stop)``; remembers its share ``n_r / N``."""
        if self.reference is None:  # the first step: the values fit started (or resumed) with
            self.reference = [array.copy() for array in self.buffers]
        lo, hi = shard(stop - start, self.world.rank, self.world.size)
        self.share = self.loss_share = (hi - lo) / (stop - start)
        return start + lo, start + hi

    def weigh_loss(self, mine: float, whole: float) -> None:
        r"""Weigh this rank's mean loss by its share of the mean's denominator, after ``local``.

        A mean over weighted or ignored class labels (``CrossEntropy(weight=..., ignore_index=...)``)
        divides by $D = \sum_i w_{y_i}$ over the kept labels, so that the global batch's loss is
        $\sum_r \frac{D_r}{D} L_r$, not $\sum_r \frac{n_r}{N} L_r$
        (``deltanet.training.validation.mean_denominator``).

        Args:
            mine: $D_r$, the denominator of this rank's share.
            whole: $D$, that of the global batch (nothing changes when it is 0: the loss is NaN).
        """
        if whole:
            self.loss_share = mine / whole

    def backward(self, L: Tensor, value: float, penalty: float, sums: bool = False) -> tuple[float, float]:
        r"""Backpropagate this rank's share of the objective ``L``, sum everything over the ranks
        (one ``Allreduce``), and return the global batch's loss and penalty.

        Args:
            L: the objective of this rank's rows, a scalar Tensor: loss + penalty, or, for a
                summed loss, loss + ``share`` $\cdot$ penalty (``Step`` builds it so).
            value: its data loss, a float.
            penalty: its penalty, a float.
            sums: the loss sums its samples (``reduction="sum"``): ``L`` enters with weight 1.
        """
        if self.world.check_weights:
            self.check_weights(f"before step {self.steps + 1}")
        share = self.share
        weight = 1.0 if sums else self.loss_share  # of this rank's loss in the global batch's
        L.backward(np.asarray(weight, dtype=L.array.dtype))
        flat, offset = self.flat, 0
        for p in self.params:
            n = p.array.size
            if p.grad is None:
                flat[offset : offset + n] = 0
            else:
                flat[offset : offset + n] = p.grad.array.ravel()
            offset += n
        assert self.reference is not None  # local() came first
        for array, reference in zip(self.buffers, self.reference):
            n = array.size
            change = flat[offset : offset + n]
            np.subtract(array.ravel(), reference.ravel(), out=change)
            change *= share
            offset += n
        flags = flat[offset : offset + len(self.params)]
        flags[:] = [p.grad is not None for p in self.params]
        flat[-2:] = (value * weight, penalty * share)
        self.world.sum_(flat)  # the one collective of the step
        offset = 0
        for p, has in zip(self.params, flags):
            n = p.array.size
            if has:
                summed = flat[offset : offset + n].reshape(p.array.shape)
                if p.grad is None:
                    p.grad = summed.astype(p.array.dtype, copy=True)
                else:
                    p.grad.array[...] = summed
            offset += n
        for array, reference in zip(self.buffers, self.reference):
            n = array.size
            reference += flat[offset : offset + n].reshape(array.shape)
            array[...] = reference
            offset += n
        self.steps += 1
        return float(flat[-2]), float(flat[-1])

    def check_weights(self, when: str) -> None:
        """Raise ``RuntimeError`` on every rank if some weight or buffer differs between ranks.

        Args:
            when: where in the run, for the message ("before step 3").
        """
        named = model_arrays(self.model)
        differ = self.world.differ(checksums([a for _, a in named]))
        if differ.any():
            names = [name for (name, _), bad in zip(named, differ) if bad]
            raise RuntimeError(
                f"distributed check_weights: the ranks hold different values of {', '.join(names[:5])}"
                f"{' and more' if len(names) > 5 else ''} {when}: a layer draws or updates something "
                f"differently on each rank"
            )
