"""``kept_modes``: every module's training mode put back as it was, after code that switches it.

``model.train(mode)`` sets the mode of every module of the model. Code that evaluates a model
(``predict``, ``evaluate``, the validation pass of ``fit``, ``summary``, an ONNX export) switches
it to evaluation mode and must then give each module back its own mode, not the model's: a batch
norm frozen with ``model.bn.eval()`` inside a model in training mode (PyTorch's habit for fine-tuning)
must stay frozen, or its running statistics change at the next training step.
"""

from __future__ import annotations

from typing import Any

from deltanet.nn.module import Module


class kept_modes:
    """Context manager: on exit, every module of ``model`` gets back the mode it had on entry
    (or, used without ``with``, when ``kept_modes(model)`` was made and ``restore()`` is called).

    Args:
        model: a ``Module``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.modes import kept_modes
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 2), dn.nn.BatchNorm1d(2))
        >>> _ = model[1].eval()  # a frozen batch norm in a model that trains
        >>> with kept_modes(model):
        ...     _ = model.eval()
        >>> model.training, model[0].training, model[1].training
        (True, True, False)
    """

    def __init__(self, model: Module) -> None:
        self.model = model
        self.modes = [(m, m.training) for m in model.modules()]

    def __enter__(self) -> Module:
        self.modes = [(m, m.training) for m in self.model.modules()]
        return self.model

    def __exit__(self, *exc: Any) -> None:
        self.restore()

    def restore(self) -> None:
        """Give every module the mode it had when the modes were taken."""
        for module, mode in self.modes:
            object.__setattr__(module, "training", mode)


__all__ = ["kept_modes"]
