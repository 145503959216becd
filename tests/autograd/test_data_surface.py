"""The Tensor methods programs call on ``x.data`` and ``x.grad.data``, compared with PyTorch's.

Each expression below is run with ``t`` bound to deltanet and, with torch installed, to torch; the
results (values, dtypes, shapes, flags) must be equal. The assignments ``p.data = value`` are
checked as PyTorch checks them: a tensor only, and a floating-point one for a tensor that
requires grad.
"""

import ast

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn

SETUP = "p = t.nn.Parameter(t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])); p.grad = t.ones(2, 3) * 0.5"

EXPRESSIONS = [
    # what .data is
    "(type(p.data).__name__, p.data.requires_grad, p.data.is_leaf, p.data.grad_fn is None, p.data.grad)",
    "(p.data.data.requires_grad, type(p.data.data).__name__, p.data.data.data_ptr() == p.data_ptr())",
    "(p.grad.data.requires_grad, p.grad.data.grad is None, isinstance(p.data, t.nn.Parameter))",
    "(p.data.size(), p.data.size(-1), p.data.dim(), p.data.numel(), p.data.nelement(), len(p.data))",
    "(p.data.type(), p.grad.data.type(), t.tensor([1, 2]).data.type(), p.data.type(t.float64).dtype)",
    "(p.data.new_zeros(2), p.data.new_ones((1, 2)), p.data.new_full((2,), 3.0), p.data.new_tensor([1, 2]))",
    "(p.data.stride(), p.t().data.stride(), p.t().data.is_contiguous(), p[:, 1:].data.storage_offset())",
    "(p[1].data.data_ptr() == p[1].data_ptr(), p[0].data._base is None)",
    "x = p * 2; (x.data.is_leaf, x.data.grad_fn is None, x.data.requires_grad, x.is_leaf)",
    "with t.no_grad(): d = p.data\n(d.requires_grad, type(d).__name__, d.data_ptr() == p.data_ptr())",
    "p.requires_grad_(False); d = p.data; (d.requires_grad, d.requires_grad_().requires_grad, p.requires_grad)",
    "i = t.tensor([1, 2, 3]); (i.data, i.data.dtype, i.data.requires_grad, i.data.float().mean())",
    # writes through .data: seen by the tensor, not by autograd's version counter
    "d = p.data; d.add_(1); (d._version, p._version, p)",
    "p.data.mul_(2).add_(1).div_(3); p",
    "p.data.sub_(p.grad, alpha=2); p.data.addcmul_(p.grad, p.grad, value=2); p",
    "p.data.masked_fill_(p.data > 3, 0); p.data.index_fill_(1, t.tensor([0]), -1.0); p",
    "p.data[:, 0] = 0; p.data[p.data > 2] = -1; p.data += 1; p.data *= p.grad; p",
    "p.data.copy_(t.ones(3, dtype=t.float64) * 2); (p.dtype, p)",
    "p.grad.data.clamp_(-0.1, 0.1); p.grad.data.mul_(3); p.grad",
    "p.grad.data.zero_(); p.grad",
    "v = p.t(); v.data[0, 1] = 7; p",
    "v = p.view(3, 2); v.data.mul_(2); p",
    "x = t.arange(6.).reshape(2, 3)[:, ::2]; x.data.fill_(0); (x.data.stride(), x.data.is_contiguous(), x)",
    "x = p * 2; x.data.add_(1); x.sum().backward(); (x, p.grad)",
    "y = p.exp(); y.data.zero_(); y.sum().backward(); p.grad",
    "x = t.tensor([1.0, 1.0], requires_grad=True); z = x * x; x.data.mul_(5); z.backward(t.ones(2)); x.grad",
    "i = t.tensor([1, 2, 3]); i.data.add_(1); i.data.fill_(2.7); i",
    "i = t.tensor([1, 2, 3]); i.data.copy_(t.tensor([1.9, 2.2, -1.5])); i",
    # reads through .data
    "(p.data.max(1), p.data.max(1, keepdim=True)[1], p.data.argmax(1), p.data.topk(1)[1])",
    "(p.data.sum(), p.data.mean(0), p.data.std(), p.data.var(1), p.data.norm(dim=1))",
    "p.data.eq(t.tensor([[1.0, 0.0, 3.0], [0, 5, 0]])).cpu().sum()",
    "(p.grad.data.norm(2).item() ** 2, p.data[0, 0].item(), p.data.tolist())",
    "(p.data.numpy(), p.data.cpu().numpy(), p.grad.data.numpy(), p.data.cpu().data_ptr() == p.data_ptr())",
    "x = t.tensor(3.5, requires_grad=True); (x.data.numpy(), float(x.data), int(x.data), x.data.tolist())",
    "(p.data * p).sum().backward(); ((p.data * 2).requires_grad, p.grad)",
    # assignments
    "p.data = t.zeros(3); (p.shape, p.requires_grad, type(p).__name__, p.grad.shape)",
    "p.data = t.zeros(3, dtype=t.float64); (p.dtype, p.requires_grad, p.is_leaf)",
    "q = t.nn.Parameter(t.ones(2)); p.data = q.data; q.data.add_(1); p",
    "q = t.nn.Parameter(t.ones(2)); p.data = q; q.data.add_(1); (type(p).__name__, p.requires_grad, p)",
    "x = t.ones(2, requires_grad=True) * 3; p.data = x; (p.requires_grad, p.is_leaf, p.grad_fn is None)",
    "p.data = p.data.clone(); (p.requires_grad, p.is_leaf, type(p).__name__, p)",
    "p.data = p.data.t(); (p.shape, p.is_contiguous(), p.stride())",
    "x = t.ones(2, 3); x.data = x.data[:, ::2]; (x.shape, x.is_contiguous(), x.stride())",
    "i = t.tensor([1, 2, 3]); i.data = t.tensor([1.5]); i",
    "p.requires_grad_(False); p.data = t.tensor([1, 2]); (p.dtype, p.requires_grad)",
    "x = t.arange(6.); v = x[1:4]; v.data = t.zeros(3); (x, v)",
    "x = t.arange(6., requires_grad=True); v = x[1:4]; v.data = t.zeros(3); v.sum().backward(); x.grad",
    "p.grad.data = t.zeros(2, 3); p.grad",
    "m = t.nn.Linear(2, 2); m.weight.data = t.ones(2, 2); m.bias.data.fill_(0.5); (m.state_dict(), m(t.ones(1, 2)))",
]

REFUSED = [
    ("p.data = [1.0, 2.0]", TypeError, "Variable data has to be a tensor, but got list"),
    ("p.data = np.zeros(3)", TypeError, "Variable data has to be a tensor, but got numpy.ndarray"),
    ("p.data = 3.0", TypeError, "Variable data has to be a tensor, but got float"),
    ("p.data = None", TypeError, "Variable data has to be a tensor, but got NoneType"),
    ("p.data = t.zeros(3, dtype=t.int64)", RuntimeError, "must be floating point or complex dtype"),
    ("x = t.ones(2, requires_grad=True) * 2; x.data = t.tensor([1, 2])", RuntimeError, "floating point"),
]


def run(lib, code):
    """Run ``SETUP`` and ``code`` with ``t`` bound to ``lib``; the value of its last statement."""
    space = {"t": lib, "np": np}
    exec(SETUP, space)
    body = ast.parse(code.replace("; ", "\n")).body
    last = body.pop() if isinstance(body[-1], ast.Expr) else None
    exec(compile(ast.Module(body=body, type_ignores=[]), "<expression>", "exec"), space)
    return None if last is None else eval(compile(ast.Expression(last.value), "<expression>", "eval"), space)


def canonical(value):
    if isinstance(value, (dn.Tensor,)) or type(value).__name__ in ("Tensor", "Parameter"):
        array = np.array(value.detach().numpy())
        return ("tensor", str(value.dtype).replace("torch.", ""), array.shape, array.tolist())
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tolist())
    if isinstance(value, tuple):  # also torch.Size and the (values, indices) of max/topk
        return tuple(canonical(v) for v in value)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):  # a state_dict
        return {k: canonical(v) for k, v in value.items()}
    if type(value).__name__ == "dtype":
        return str(value).replace("torch.", "")
    return value


@pytest.mark.parametrize("code", EXPRESSIONS)
def test_data_surface_runs_on_deltanet(code):
    run(dn, code)


@pytest.mark.parametrize("code", EXPRESSIONS)
def test_data_surface_equals_pytorch(code):
    torch = pytest.importorskip("torch")
    assert canonical(run(dn, code)) == canonical(run(torch, code))


@pytest.mark.parametrize(("code", "error", "message"), REFUSED)
def test_assigning_data_is_checked_as_pytorch_checks_it(code, error, message):
    with pytest.raises(error, match=message):
        run(dn, code)


@pytest.mark.parametrize(("code", "error", "message"), REFUSED)
def test_pytorch_refuses_the_same_assignments(code, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        run(torch, code)


def test_a_refused_assignment_leaves_the_tensor_as_it_was():
    p = nn.Parameter(dn.tensor([1.0, 2.0]))
    before = p.array
    with pytest.raises(TypeError, match=r"t\.array = a"):
        p.data = np.zeros(3)
    with pytest.raises(RuntimeError, match="got int64"):
        p.data = dn.tensor([1, 2])
    assert p.array is before and p.dtype == dn.float32


def test_deepcopy_of_parameters_is_pytorchs():
    """``Parameter.__deepcopy__`` copies the values and ``requires_grad``, not the gradient, and
    gives memory of its own to two parameters that shared it through ``.data`` (before, the
    gradient was copied and the copies still shared memory)."""
    import copy

    def facts(lib):
        p = lib.nn.Parameter(lib.ones(2))
        q = lib.nn.Parameter(lib.zeros(2))
        q.data = p.data
        p.grad = lib.ones(2)
        frozen = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        cp, cq, again, cf = copy.deepcopy([p, q, p, frozen])
        cp.data.fill_(3.0)
        return (cp.grad is None, cq.tolist(), again is cp, cf.requires_grad, type(cp).__name__, p.tolist())

    assert facts(dn) == (True, [1.0, 1.0], True, False, "Parameter", [1.0, 1.0])
    torch = pytest.importorskip("torch")
    assert facts(dn) == facts(torch)
    layer = nn.Linear(2, 1)
    layer(dn.ones(1, 2)).sum().backward()
    assert copy.deepcopy(layer).weight.grad is None  # as torch's copy.deepcopy(model)
