"""``gradcheck_model``: check the backward pass of a whole model, every parameter of every layer,
against central differences of its loss."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.diagnostics.gradcheck import GradcheckError, gradcheck
from deltanet.nn.module import Module
from deltanet.training import validation as checks
from deltanet.training.evaluation import output_shape, resolve_loss


def gradcheck_model(
    model: Module,
    X: Any,
    y: Any,
    loss: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    max_params: int = 20_000,
) -> bool:
    r"""Check the gradient $\partial L / \partial \theta$ of every parameter of ``model`` against central differences.

    The check runs on a float64 copy of the model in evaluation mode (dropout would draw new
    masks between the two sides of a difference), so the model itself is left untouched. $L$ is
    ``loss(model(X), y)``; each parameter element costs two forward passes, hence ``max_params``.

    Args:
        model: the network.
        X: a few samples (as for ``fit``).
        y: their targets (as for ``fit``).
        loss: a loss module, callable or name.
        eps: the step $\epsilon$ of the central differences, as in ``gradcheck``.
        atol: the absolute tolerance, as in ``gradcheck``.
        rtol: the relative tolerance, as in ``gradcheck``.
        max_params: refuse models with more parameters than this (the check would be slow).

    Returns:
        True when every parameter agrees.

    Raises:
        GradcheckError: naming the parameter (``"0.weight"``), the element and both values.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(3, 4, rng=0), dn.nn.Tanh(), dn.nn.Linear(4, 2, rng=1))
        >>> X = np.random.default_rng(0).standard_normal((5, 3)); y = np.array([0, 1, 1, 0, 1])
        >>> dn.diagnostics.gradcheck_model(model, X, y, "cross_entropy")
        True
    """
    checks.check_model(model, "gradcheck_model")
    total = sum(p.array.size for p in model.parameters() if p.requires_grad)
    if total > max_params:
        raise ValueError(
            f"gradcheck_model: the model has {total:,} trainable parameters, more than max_params={max_params:,} "
            f"(each costs two forward passes); check a smaller model of the same layers, or raise max_params"
        )
    loss_fn = resolve_loss(loss)
    checked = copy.deepcopy(model).double().eval()
    X = checks.check_X(X, checked, np.float64)
    y = checks.check_y(y, len(X), checks.loss_kind(loss_fn), output_shape(checked, X), X.dtype)
    names, params = zip(*[(n, p) for n, p in checked.named_parameters() if p.requires_grad]) if total else ((), ())
    if not params:
        raise ValueError("gradcheck_model: the model has no trainable parameters")
    x_tensor, y_tensor = Tensor._make(X), Tensor._make(y)

    def objective(*_: Tensor) -> Tensor:
        return loss_fn(checked(x_tensor), y_tensor)

    try:
        return gradcheck(objective, list(params), eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as error:
        message = str(error)
        for i, name in enumerate(names):
            message = (
                message.replace(f"for input {i} ", f"for parameter {name!r} ", 1)
                if f"input {i} " in message
                else message
            )
        raise GradcheckError(message) from None


__all__ = ["gradcheck_model"]
