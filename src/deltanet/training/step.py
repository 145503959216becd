r"""One training step, the seeds' four steps, for every optimizer; and the NaN policy that guards it.

```python
optimizer.zero_grad()
a = model(x)                       # 1. feed forward
L = loss(a, y) (+ penalty(model))  # 2. compute the loss
L.backward()                       # 3. backpropagate
optimizer.step()                   # 4. optimize
```

Step 3 gives every unit its error $\delta$ and every weight its gradient $\partial L / \partial W$;
step 4 is $W \leftarrow W - \eta \, \partial L / \partial W$ for plain SGD with learning rate
$\eta$ (or the rule of momentum, Adam, ...). Optimizers that evaluate the loss several times per
step (L-BFGS, CG: ``optimizer.requires_closure``) get steps 1 to 3 as a closure,
``optimizer.step(closure)``.

NaN policy: the update is applied only when it can leave the weights finite. Before step 4 the
step checks the loss and the squared gradient norm $\sum_W \lVert \partial L / \partial W \rVert^2$
(one dot product per parameter array, about half a microsecond each: the cheapest complete
check, since a NaN or an infinity anywhere in a gradient makes the sum non-finite). A non-finite
loss, a NaN or infinite gradient (a finite loss can have one: $\sqrt{L}$ at $L = 0$ gives $0/0$;
huge inputs overflow the backward pass), or a gradient so large that its square overflows the
dtype (above about $1.8 \cdot 10^{19}$ in float32, where any update would overflow the weights),
raises ``Diverged`` before the optimizer runs: the weights and the optimizer state (momentum,
Adam's moments) stay those of the last good step. With a finite squared norm, the updates of
deltanet's optimizers stay finite for the learning rates and weight decays training uses; above
``GUARDED_ABOVE`` ($10^3$), where a finite gradient times the learning rate can overflow a weight,
each step copies the weights and the optimizer state first, checks every weight after the update
and puts both back when one is not finite (one look at the param groups per step otherwise).
Closure optimizers
get the same check at their starting point; their line search may try any point, so their end
point is checked too, on every weight and on the loss that ``step`` returns (CG's at the end
point; LBFGS, as PyTorch's, returns the starting loss), and put back on failure (a copy of the
weights per step costs little next to their many loss evaluations).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.training.compiled import CompiledStep
from deltanet.training.validation import sums_over_samples

#: Learning rates and weight decays above this make ``Step`` copy the weights before each update
#: and check them after it. Below it an update is at most about $10^3 \cdot 1.8 \cdot 10^{19} / (1 - \mu)$
#: (a gradient whose square is finite in float32, momentum $\mu$), far from float32's $3.4 \cdot 10^{38}$.
GUARDED_ABOVE = 1e3


class TrainingDivergedError(FloatingPointError):
    """The loss or the gradients became NaN or infinite during ``fit``.

    A ``FloatingPointError`` (an arithmetic failure, like NumPy's ``errstate(all="raise")``), not a
    ``ValueError``: the inputs were valid, the optimization diverged. The update of the step that
    failed was not applied: the model (and every checkpoint) holds the weights of the last good
    step. Usual causes: a learning rate that is too high, unscaled inputs, a log of 0 or a square
    root of 0 in a hand-written loss.

    Args:
        message: what happened and what to try (the exception's text).
        epoch: the epoch (from 1) in which the step failed; kept as ``epoch``.
        step: the step within that epoch (from 1); kept as ``step``.
        loss: the loss of that step (finite when the gradients failed); kept as ``loss``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> X = np.array([[1e200], [2e200]]); y = np.array([[1.0], [2.0]])
        >>> try:
        ...     dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=1)
        ... except dn.training.TrainingDivergedError as error:
        ...     print(error.epoch, error.step, error.loss)
        1 1 inf
    """

    def __init__(self, message: str, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss


class Diverged(Exception):
    """Raised by ``Step`` instead of an update that would leave the weights non-finite.

    Args:
        what: what became non-finite, for the message ("the loss became nan").
        loss: the step's loss.
    """

    def __init__(self, what: str, loss: float) -> None:
        super().__init__(what)
        self.what, self.loss = what, loss


class Step:
    """The four steps for one batch: ``step(xb, yb)`` trains on it and returns the data loss, the
    penalty and the outputs, or raises ``Diverged`` without changing the weights.

    Steps 1 to 3 are replayed from the layers' Functions without the graph (``CompiledStep``, the
    same results bit for bit) whenever it can replay them: no regularizer, no closure optimizer,
    one process, and the replay's own guards (the layers it knows, no hooks, no anomaly mode, no
    ``DELTANET_REFERENCE=1``, an input of the model's dtype and width; see
    ``deltanet.training.compiled``). Every other step runs them eagerly. The loss and gradient
    checks are the same for both.

    Args:
        model: the ``Module`` being trained.
        optimizer: a ``deltanet.optim.Optimizer``; its parameters are the ones updated and checked.
        loss: the loss function ``loss(output, target)``, returning a scalar Tensor.
        regularizer: ``penalty(model)`` added to the loss, or None.
        sync: for a data-parallel ``fit``, the ``deltanet.distributed.GradientSync`` that runs
            step 3 on this rank's share of the batch and sums the gradients over the ranks (the
            loss is checked after that sum, so that every rank stops at the same step); None on
            one process.

    Attributes:
        replay: the ``CompiledStep`` that replays steps 1 to 3, or None (a regularizer, a closure
            optimizer, a data-parallel fit); its ``why`` says why the last step ran eagerly
            (None: it was replayed).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.step import Step
        >>> model = dn.nn.Linear(1, 1, dtype="float64"); model.weight.array[...] = 0.0; model.bias.array[...] = 0.0
        >>> step = Step(model, dn.optim.SGD(model.parameters(), lr=0.1), dn.losses.MSELoss(), None)
        >>> value, penalty, a = step(dn.tensor([[1.0]], dtype="float64"), dn.tensor([[2.0]], dtype="float64"))
        >>> value, float(model.weight.array[0, 0]), step.replay.why
        (4.0, 0.4, None)
    """

    def __init__(self, model: Any, optimizer: Any, loss: Any, regularizer: Any, sync: Any = None) -> None:
        self.model, self.optimizer, self.loss, self.regularizer = model, optimizer, loss, regularizer
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        self.uses_closure = bool(optimizer.requires_closure)
        self.sync = sync  # data-parallel fit: deltanet.distributed.GradientSync
        self.summed = sums_over_samples(loss)  # reduction="sum": each rank's loss has weight 1
        # Steps 1-3 replayed from the layers' Functions, without the graph, where CompiledStep can
        # (the same arithmetic: the same results bit for bit; its guards decide each step). Not
        # under a penalty (a graph of its own over the weights), a closure or a sync.
        replayable = regularizer is None and sync is None and not self.uses_closure
        self.replay = CompiledStep(model, loss, optimizer) if replayable else None

    def __call__(self, xb: Tensor, yb: Tensor) -> tuple[float, float, np.ndarray]:
        if self.uses_closure:
            return self._closure_step(xb, yb)
        replay = self.replay
        replayed = replay.feed_forward(xb, yb) if replay is not None else None
        if replay is not None and replayed is not None:  # zero_grad, 1. and 2., replayed without the graph
            L, a = replayed
            value, penalty = _scalar(L, "loss", "loss(output, target)"), 0.0
            _check_loss(value + penalty)
            replay.backpropagate()  # 3. backpropagate
        else:
            self.optimizer.zero_grad()
            L, value, penalty, a = self._objective(xb, yb, check=self.sync is None)  # 1. and 2.
            if self.sync is None:
                L.backward()  # 3. backpropagate
            else:  # 3. on this rank's share, then one all-reduce: every rank checks the same sums below
                value, penalty = self.sync.backward(L, value, penalty, self.summed)
                if not math.isfinite(value + penalty):
                    self.optimizer.zero_grad()
                    _check_loss(value + penalty)
        self._check_gradients(value + penalty)
        if self._large_hyperparameters():
            self._guarded_update(value + penalty)
        else:
            self.optimizer.step()  # 4. optimize
        return value, penalty, a

    def _large_hyperparameters(self) -> bool:
        """Whether a group's learning rate or weight decay exceeds ``GUARDED_ABOVE``: updates so
        large that a finite gradient can still overflow a weight."""
        for group in self.optimizer.param_groups:
            if group.get("lr", 0.0) > GUARDED_ABOVE or group.get("weight_decay", 0.0) > GUARDED_ABOVE:
                return True
        return False

    def _guarded_update(self, objective: float) -> None:
        """Step 4 with the weights and optimizer state copied first and put back when the update
        leaves a weight non-finite (only for hyperparameters above ``GUARDED_ABOVE``)."""
        weights = [p.array.copy() for p in self.params]
        state, count = self.optimizer.state_dict(), getattr(self.optimizer, "_step_count", None)
        self.optimizer.step()  # 4. optimize
        names = {id(p): name for name, p in self.model.named_parameters()}
        for i, p in enumerate(self.params):
            if not np.isfinite(p.array).all():
                bad = names.get(id(p), f"parameter {i} of the optimizer")
                for q, data in zip(self.params, weights):
                    q.array[...] = data
                changed_in_place(self.params)
                self.optimizer.load_state_dict(state)
                if count is not None:
                    self.optimizer._step_count = count
                self.optimizer.zero_grad()
                raise Diverged(f"the update overflowed {bad!r} (finite gradients, but too large a step)", objective)

    def _objective(self, xb: Tensor, yb: Tensor, check: bool = True) -> tuple[Tensor, float, float, np.ndarray]:
        """Steps 1 and 2: the objective (loss + penalty) to backpropagate, its two parts, the
        outputs; ``Diverged`` when the objective is not finite (if ``check``)."""
        a = self.model(xb)  # 1. feed forward
        L = self.loss(a, yb)  # 2. compute the loss
        value, penalty = _scalar(L, "loss", "loss(output, target)"), 0.0
        if self.regularizer is not None:
            P = self.regularizer(self.model)
            penalty = _scalar(P, "regularizer", "penalty(model)")
            if self.sync is not None and self.summed:
                P = P * self.sync.share  # weight 1 on the rank's summed loss, its share on the penalty
            L = L + P
        if check:
            _check_loss(value + penalty)
        return L, value, penalty, a.array

    def _check_gradients(self, objective: float) -> None:
        """``Diverged`` unless the squared gradient norm is finite: one dot product per parameter."""
        squared_norm = 0.0
        for p in self.params:
            grad = p._grad  # the slot behind the ``grad`` property: no call per parameter
            if grad is not None:
                g = grad.array.ravel()
                squared_norm += g.dot(g)
        if not math.isfinite(squared_norm):
            what = self._bad_gradient()
            self.optimizer.zero_grad()  # a later optimizer.step() must not apply it either
            raise Diverged(what, objective)

    def _closure_step(self, xb: Tensor, yb: Tensor) -> tuple[float, float, np.ndarray]:
        """``optimizer.step(closure)``: steps 1-3 as a closure the optimizer calls as often as it
        needs. The loss and gradients at the starting point are checked as in a plain step; the
        trial points of its line search may be anything, and the end point is checked instead."""
        before = [p.array.copy() for p in self.params]
        start: list[tuple[float, float, np.ndarray]] = []

        def closure() -> Tensor:
            self.optimizer.zero_grad()
            if start:  # a trial point of the line search: the optimizer judges it
                L = self._trial(xb, yb)
                L.backward()
                return L
            L, value, penalty, a = self._objective(xb, yb)  # the starting point: checked as a plain step
            L.backward()  # 3. backpropagate
            self._check_gradients(value + penalty)
            start.append((value, penalty, a))  # what the epoch's loss records
            return L

        final = self.optimizer.step(closure)  # 4. optimize (a Diverged at the start changes nothing)
        if not start:
            raise RuntimeError(f"{type(self.optimizer).__name__}.step(closure) never called the closure")
        value, penalty, a = start[0]
        end = value + penalty if final is None else float(final.array if isinstance(final, Tensor) else final)
        finite = all(np.isfinite(p.array).all() for p in self.params)
        if not (math.isfinite(end) and finite):
            for p, data in zip(self.params, before):
                p.array[...] = data
            changed_in_place(self.params)
            self.optimizer.zero_grad()
            what = (
                f"the loss at the end of the step became {end}" if finite else "a weight became non-finite in the step"
            )
            raise Diverged(what, value + penalty)
        return value, penalty, a

    def _trial(self, xb: Tensor, yb: Tensor) -> Tensor:
        """The objective at a trial point of a closure optimizer, unchecked (its line search backs off)."""
        L = self.loss(self.model(xb), yb)
        return L + self.regularizer(self.model) if self.regularizer is not None else L

    def _bad_gradient(self) -> str:
        """Which parameter's gradient failed, and how (called only when one did)."""
        names = {id(p): name for name, p in self.model.named_parameters()}
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad.array
            name = names.get(id(p), f"parameter {i} of the optimizer")
            if not np.isfinite(g).all():
                kind = "nan" if np.isnan(g).any() else "inf"
                return f"the gradient of {name!r} became {kind}"
            if not np.isfinite(g.ravel().dot(g.ravel())):
                return (
                    f"the gradient of {name!r} became too large for {g.dtype} (up to {np.abs(g).max():.3g}: "
                    f"its square overflows, and so would the update)"
                )
        return f"the squared gradient norm overflowed {self.params[0].dtype}"


def _check_loss(objective: float) -> None:
    """``Diverged`` unless the objective (loss + penalty) is finite: before any gradient reaches a weight."""
    if not math.isfinite(objective):
        raise Diverged(f"the loss became {objective}", objective)


def _scalar(value: Any, name: str, call: str) -> float:
    """The number in a one-number Tensor that the loss or the penalty returned, or a clear error."""
    try:
        return float(value.array)
    except (AttributeError, TypeError, ValueError):
        raise _not_a_scalar(name, call, value) from None


def _not_a_scalar(name: str, call: str, value: Any) -> ValueError:
    """The error for a loss or penalty that is not a one-number Tensor."""
    if isinstance(value, Tensor):
        got = f"a Tensor of shape {value.shape}; reduce it to one number (reduction='mean' or .mean())"
    else:
        got = (
            f"{type(value).__name__} {value!r:.60}: a plain number carries no gradient; compute it with "
            f"deltanet operations on the Tensors it is given"
        )
    return ValueError(f"fit: {name} must return a scalar Tensor ({call}), got {got}")
