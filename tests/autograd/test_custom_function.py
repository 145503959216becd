"""PyTorch's form of a custom ``Function``: static ``forward(ctx, ...)`` / ``backward(ctx, grad)``."""

import numpy as np
import pytest

import deltanet as dn


class Exp(dn.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


class ScaledMul(dn.autograd.Function):
    """x * w * k with a Python number k; gradients only where ``needs_input_grad`` asks."""

    @staticmethod
    def forward(ctx, x, w, k):
        ctx.k = k
        ctx.save_for_backward(x, w)
        return x * w * k

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output * w * ctx.k
        if ctx.needs_input_grad[1]:
            grad_w = grad_output * x * ctx.k  # (3, 4) for w of (4,): summed to w's shape, as PyTorch
        return grad_x, grad_w, None


class Cube(dn.autograd.Function):
    """PyTorch 2's form: forward without ctx, and setup_context."""

    @staticmethod
    def forward(x):
        return x**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad_output


def data(seed=0, shape=(3, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


def test_static_forward_backward_give_the_gradient():
    x = dn.tensor(data(), requires_grad=True)
    y = Exp.apply(x)
    assert y.requires_grad and not y.is_leaf and type(y.grad_fn).__name__ == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.exp(data()))


def test_gradcheck_float64():
    assert dn.gradcheck(Exp.apply, [dn.tensor(data(), requires_grad=True)])
    assert dn.gradcheck(Cube.apply, [dn.tensor(data(1), requires_grad=True)])
    w = dn.tensor(data(2, (4,)), requires_grad=True)
    assert dn.gradcheck(lambda x, w: ScaledMul.apply(x, w, 2.5), [dn.tensor(data(), requires_grad=True), w])


def test_needs_input_grad_and_non_tensor_arguments():
    seen = []

    class Probe(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, k):
            seen.append(ctx.needs_input_grad)
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return None, g.sum(0), None

    x, w = dn.tensor(data()), dn.tensor(data(1, (4,)), requires_grad=True)
    Probe.apply(x, w, 2.0).sum().backward()
    assert seen == [(False, True, False), (False, True, False)]
    assert x.grad is None and w.grad.shape == (4,)
    with dn.no_grad():
        assert not Probe.apply(x, w, 2.0).requires_grad
    assert seen[-1] == (False, False, False)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")

    class TorchScaledMul(torch.autograd.Function):
        forward = ScaledMul.forward
        backward = ScaledMul.backward

    x, w = dn.tensor(data(), requires_grad=True), dn.tensor(data(1, (4,)), requires_grad=True)
    tx = torch.tensor(data(), requires_grad=True)
    tw = torch.tensor(data(1, (4,)), requires_grad=True)
    out, ref = ScaledMul.apply(x, w, 1.5), TorchScaledMul.apply(tx, tw, 1.5)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy())
    np.testing.assert_allclose(w.grad.detach().numpy(), tw.grad.detach().numpy())
    assert x.grad.dtype == dn.float64


def test_float32_gradient_stays_float32():
    x = dn.tensor(data().astype(np.float32), requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.dtype == dn.float32


def test_wrong_number_of_gradients_is_a_clear_error():
    class Short(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = dn.tensor(data(), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        Short.apply(x, 2.0).sum().backward()


def test_wrong_gradient_shape_is_a_clear_error():
    class Bad(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g[:1, :2]

    x = dn.tensor(data(), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[1, 2\]"):
        Bad.apply(x).sum().backward()


def test_several_outputs_each_pass_their_gradient():  # tests/autograd/test_custom_function_outputs.py
    class Two(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = dn.tensor(data(), requires_grad=True)
    a, b = Two.apply(x)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.full(data().shape, 5.0))


def test_in_place_change_of_a_saved_tensor_raises_as_in_pytorch():
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    y = Exp.apply(x)
    y.add_(1)  # Exp saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    h = x * 1
    y = Cube.apply(h)
    h.add_(1)  # Cube saved its input
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_ctx_refuses_what_pytorch_refuses_or_deltanet_cannot_do():
    class SavesInt(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x, n):
            ctx.save_for_backward(x, n)
            return x * n

        @staticmethod
        def backward(ctx, g):
            return g, None

    with pytest.raises(TypeError, match="argument 1 is of type int"):
        SavesInt.apply(dn.tensor(data(), requires_grad=True), 3)

    class Dirty(dn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(NotImplementedError, match="mark_dirty"):
        Dirty.apply(dn.tensor(data(), requires_grad=True).clone())


def test_next_functions_walk_the_graph_as_in_the_blitz_tutorial():
    w = dn.tensor(data(), requires_grad=True)
    loss = (w * 2).relu().sum()
    relu = loss.grad_fn.next_functions[0][0]
    mul = relu.next_functions[0][0]
    assert loss.grad_fn.name() == "Sum" and relu.name() == "ReLU"
    assert mul.next_functions[0][0].variable is w and mul.next_functions[1] == (None, 0)
    assert mul.next_functions[0][0].name() == "AccumulateGrad"
    loss.backward()
    # The sum saved nothing: it keeps its edge, as PyTorch's node (a second backward reaches the
    # ReLU, which saved its output and was freed).
    assert loss.grad_fn.next_functions == ((relu, 0),)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_a_subclass_that_overrides_backward_uses_its_own():
    class Doubled(Exp):
        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return 2 * grad_output * y

    x = dn.tensor(data(), requires_grad=True)
    Doubled.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.exp(data()))
    assert type(Doubled.apply(x).grad_fn).__name__ == "DoubledBackward"
