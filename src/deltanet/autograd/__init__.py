"""Layer 2: the tensor, the function protocol, the engine and the primitive math ops."""

# isort: off
# tensor.py first: function.py and ops.py import Tensor from it, and it imports ops at its end.
from deltanet.autograd.tensor import Tensor, tensor
from deltanet.autograd.function import Function, enable_grad, is_grad_enabled, no_grad
from deltanet.autograd.ops import cat, stack, unbroadcast
# isort: on

__all__ = [
    "Function",
    "Tensor",
    "cat",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "stack",
    "tensor",
    "unbroadcast",
]
