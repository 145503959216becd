"""``inplace=True`` of ``deltanet.nn.functional`` and of the layers, as PyTorch's: the input is
overwritten and returned, its version bumps, autograd records the change (gradients equal
PyTorch's, through the old value), and PyTorch's errors are raised (a leaf that requires grad, a
view of one, a graph that saved the old value)."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn

X = np.array([-3.5, -0.2, 0.0, 0.4, 6.5])
W = np.array([1.0, -2.0, 3.0, 0.5, -1.0])

# name: (our call, PyTorch's call); deterministic ones only (the random ones are tested below)
CALLS = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2, inplace=True),
    "elu": lambda F, x: F.elu(x, 0.7, inplace=True),
    "celu": lambda F, x: F.celu(x, 1.3, inplace=True),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "hardtanh": lambda F, x: F.hardtanh(x, -1.0, 0.5, inplace=True),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "threshold": lambda F, x: F.threshold(x, 0.1, -2.0, inplace=True),
    "rrelu eval": lambda F, x: F.rrelu(x, 0.1, 0.3, training=False, inplace=True),
    "dropout eval": lambda F, x: F.dropout(x, 0.5, training=False, inplace=True),
}
# the same, out of place (NumPy references of their values are in the functional tests)
OUT_OF_PLACE = {
    "relu": lambda x: F.relu(x),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "elu": lambda x: F.elu(x, 0.7),
    "celu": lambda x: F.celu(x, 1.3),
    "selu": lambda x: F.selu(x),
    "silu": lambda x: F.silu(x),
    "mish": lambda x: F.mish(x),
    "hardtanh": lambda x: F.hardtanh(x, -1.0, 0.5),
    "relu6": lambda x: F.relu6(x),
    "hardsigmoid": lambda x: F.hardsigmoid(x),
    "hardswish": lambda x: F.hardswish(x),
    "threshold": lambda x: F.threshold(x, 0.1, -2.0),
    "rrelu eval": lambda x: F.rrelu(x, 0.1, 0.3, training=False),
    "dropout eval": lambda x: F.dropout(x, 0.5, training=False),
}
# PyTorch's backward of these reads the result: changing it afterwards raises at backward()
SAVES_RESULT = {"relu", "leaky_relu", "elu", "celu", "selu", "rrelu eval"}


@pytest.mark.parametrize("name", list(CALLS))
def test_the_input_is_overwritten_and_returned(name):
    x = dn.tensor(X.copy())
    before = x._version
    expected = OUT_OF_PLACE[name](dn.tensor(X.copy())).array
    assert CALLS[name](F, x) is x
    np.testing.assert_allclose(x.array, expected, rtol=1e-15)
    assert x._version > before or name == "dropout eval"


def test_relu_writes_zeros_into_the_very_array():
    a = np.array([-1.0, 2.0])
    x = dn.from_numpy(a)
    assert F.relu(x, inplace=True) is x and a.tolist() == [0.0, 2.0] and x._version == 1


@pytest.mark.parametrize("name", list(CALLS))
def test_gradients_flow_through_the_old_value(name):
    """d/dx of sum(w * f(x)) through an intermediate that f overwrites: f'(x) * w."""

    def fn(x):
        return (CALLS[name](F, x * 1) * dn.tensor(W)).sum()

    a = dn.tensor(X + 0.05, requires_grad=True)  # away from the kinks
    assert dn.gradcheck(fn, [a])


@pytest.mark.parametrize("name", sorted(SAVES_RESULT))
def test_a_later_change_of_a_result_that_backward_reads_raises(name):
    a = dn.tensor(X.copy(), requires_grad=True)
    y = CALLS[name](F, a * 1)
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("name", sorted(set(CALLS) - SAVES_RESULT - {"dropout eval"}))
def test_a_later_change_of_a_result_that_backward_does_not_read_is_fine(name):
    a = dn.tensor(X.copy(), requires_grad=True)
    b = dn.tensor(X.copy(), requires_grad=True)
    CALLS[name](F, a * 1).mul_(2).sum().backward()
    (OUT_OF_PLACE[name](b) * 2).sum().backward()
    np.testing.assert_allclose(a.grad.array, b.grad.array, rtol=1e-15)


@pytest.mark.parametrize("name", sorted(set(CALLS) - {"dropout eval"}))
def test_a_function_that_saved_the_old_value_raises_at_backward(name):
    a = dn.tensor(X.copy(), requires_grad=True)
    y = a * 1
    s = y.sin()  # saves y
    CALLS[name](F, y)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation"):
        s.sum().backward()


@pytest.mark.parametrize("name", ["relu", "elu", "silu", "hardtanh", "threshold"])
def test_a_leaf_that_requires_grad_and_views_of_it_are_refused(name):
    a = dn.tensor(X.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^a leaf Variable that requires grad is being used in an in-place"):
        CALLS[name](F, a)
    with pytest.raises(RuntimeError, match=r"^a view of a leaf Variable that requires grad"):
        CALLS[name](F, a[1:])
    assert a.array.tolist() == X.tolist()
    with dn.no_grad():  # allowed there, as in PyTorch
        assert CALLS[name](F, a) is a
    assert a.array.tolist() != X.tolist()


def test_a_view_made_under_no_grad_is_refused_with_grad_on():
    y = dn.tensor(X.copy(), requires_grad=True) * 1
    with dn.no_grad():
        v = y[:2]
    with pytest.raises(RuntimeError, match=r"a view was created in no_grad mode"):
        F.relu(v, inplace=True)


def test_a_view_of_an_intermediate_writes_through_to_its_base():
    a = dn.tensor(X.reshape(5, 1).copy(), requires_grad=True)
    y = a * 1
    v = y[:, 0]
    assert F.elu(v, inplace=True) is v
    np.testing.assert_allclose(y.array[:, 0], F.elu(dn.tensor(X)).array)
    (y[:, 0] * dn.tensor(W)).sum().backward()
    np.testing.assert_allclose(a.grad.array[:, 0], W * np.where(X > 0, 1.0, np.exp(X)))


def test_refusals_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"relu_: input must be a Tensor \(it is overwritten in place\)"):
        F.relu([1.0, -1.0], inplace=True)
    with pytest.raises(TypeError, match=r"silu_: input must be a Tensor"):
        F.silu(np.ones(2), inplace=True)
    with pytest.raises(TypeError, match=r"dropout: input must be a Tensor"):
        F.dropout([1.0], 0.5, inplace=True)
    with pytest.raises(ValueError, match=r"elu: expected a floating-point input|cannot be stored"):
        F.elu(dn.tensor([1, -1]), inplace=True)
    x = dn.tensor([1, -2])
    assert F.relu(x, inplace=True) is x and x.tolist() == [1, 0]  # an integer ReLU, as in PyTorch


def test_eval_dropout_and_p_zero_return_the_input_untouched():
    for call in (
        lambda x: F.dropout(x, 0.5, training=False, inplace=True),
        lambda x: F.dropout(x, 0.0, inplace=True),
        lambda x: F.alpha_dropout(x, 0.5, training=False, inplace=True),
        lambda x: F.dropout2d(x.reshape(1, 5, 1), 0.0, inplace=True),
        lambda x: nn.Dropout(0.5, inplace=True).eval()(x),
    ):
        a = dn.tensor(X.copy(), requires_grad=True)  # even a leaf that requires grad: nothing is written
        out = call(a)
        assert out.array.reshape(-1).tolist() == X.tolist() and a._version == 0
        assert np.shares_memory(out.array, a.array)


@pytest.mark.parametrize(
    "call",
    [
        lambda x, inplace: F.dropout(x, 0.4, inplace=inplace),
        lambda x, inplace: F.dropout1d(x, 0.4, inplace=inplace),
        lambda x, inplace: F.dropout2d(x, 0.4, inplace=inplace),
        lambda x, inplace: F.dropout3d(x.reshape(2, 3, 2, 1, 2), 0.4, inplace=inplace),
        lambda x, inplace: F.alpha_dropout(x, 0.4, True, inplace=inplace),
        lambda x, inplace: F.feature_alpha_dropout(x, 0.4, True, inplace=inplace),
        lambda x, inplace: F.rrelu(x, 0.1, 0.3, True, inplace=inplace),
        lambda x, inplace: nn.Dropout(0.4, inplace=inplace)(x),
        lambda x, inplace: nn.Dropout2d(0.4, inplace=inplace)(x),
        lambda x, inplace: nn.AlphaDropout(0.4, inplace=inplace)(x),
        lambda x, inplace: nn.RReLU(0.1, 0.3, inplace=inplace)(x),
    ],
)
def test_random_ones_draw_what_out_of_place_draws_and_backpropagate_through_it(call):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    grads = []
    for inplace in (False, True):
        dn.manual_seed(7)
        a = dn.tensor(x, requires_grad=True)
        y = a * 1
        out = call(y, inplace)
        assert (out is y or out._base is y) == inplace
        (out * dn.tensor(np.arange(24.0).reshape(out.shape))).sum().backward()
        grads.append((out.array.copy(), a.grad.array))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


LAYERS = [
    "ReLU(inplace=True)",
    "LeakyReLU(0.1, True)",
    "ELU(0.5, True)",
    "CELU(0.5, True)",
    "SELU(True)",
    "SiLU(True)",
    "Mish(True)",
    "Hardtanh(-0.5, 0.5, True)",
    "ReLU6(True)",
    "Hardsigmoid(True)",
    "Hardswish(True)",
    "Threshold(0.1, 20.0, True)",
    "RReLU(0.1, 0.3, True).eval()",
    "Dropout(0.5, True).eval()",
]


@pytest.mark.parametrize("spec", LAYERS)
def test_layers_overwrite_their_input(spec):
    layer = eval("nn." + spec)  # noqa: S307 (our own specs)
    x = dn.tensor(X.copy())
    expected = eval("nn." + spec.replace("True)", "False)"))(dn.tensor(X.copy())).array  # noqa: S307
    assert layer(x) is x
    np.testing.assert_allclose(x.array, expected, rtol=1e-15)


@pytest.mark.parametrize("before", ["MaxPool2d(2)", "MaxPool1d(2)", "ELU()", "SiLU()"])
def test_an_in_place_relu_after_a_layer_that_saved_its_output_backpropagates(before):
    """PyTorch's max pooling saves indices, its elu and silu their input: ReLU(inplace=True) after
    them must not make backward raise (as it did when those saved their output here)."""
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 4) if "2d" in before else (2, 2, 4))
    grads = []
    for inplace in (False, True):
        a = dn.tensor(x, requires_grad=True)
        out = nn.Sequential(eval("nn." + before), nn.ReLU(inplace))(a)  # noqa: S307
        (out * out.detach()).sum().backward()
        grads.append(a.grad.array)
    np.testing.assert_array_equal(grads[0], grads[1])


# -- against PyTorch ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CALLS))
def test_values_gradients_and_identity_equal_pytorchs(name):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a, ta = dn.tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    y, ty = a * 1, ta * 1
    out, tout = CALLS[name](F, y), CALLS[name](tf, ty)
    assert (out is y) == (tout is ty)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-7, atol=1e-7)  # hardsigmoid: float32 1/6
    (out * dn.tensor(W)).sum().backward()
    (tout * torch.tensor(W)).sum().backward()
    np.testing.assert_allclose(a.grad.array, ta.grad.numpy(), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", list(CALLS))
def test_errors_and_their_absence_equal_pytorchs(name):
    torch = pytest.importorskip("torch")

    def outcome(lib, F, scenario):
        a = lib.tensor(X.copy(), requires_grad=True)
        try:
            if scenario == "leaf":
                CALLS[name](F, a)
            elif scenario == "saved old":
                y = a * 1
                s = y.sin()
                CALLS[name](F, y)
                s.sum().backward()
            elif scenario == "changed later":
                y = CALLS[name](F, a * 1)
                y.mul_(2)
                y.sum().backward()
            elif scenario == "saved by exp":
                y = a.exp()
                CALLS[name](F, y)
                y.sum().backward()
        except RuntimeError as error:
            return str(error).split(":")[0].split(" is at version")[0][:60]
        return "fine"

    for scenario in ("leaf", "saved old", "changed later", "saved by exp"):
        ours, theirs = outcome(dn, F, scenario), outcome(torch, torch.nn.functional, scenario)
        assert (ours == "fine") == (theirs == "fine"), (scenario, ours, theirs)
        if theirs != "fine":
            assert ours.split(" ")[:4] == theirs.split(" ")[:4], (scenario, ours, theirs)


@pytest.mark.parametrize(
    "before", ["MaxPool2d(2)", "MaxPool2d(2, ceil_mode=True)", "ELU()", "SiLU()", "Conv2d(2, 2, 1)"]
)
def test_an_in_place_relu_after_a_layer_matches_pytorch(before):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 5))
    results = []
    for lib in (dn, torch):
        lib.manual_seed(0)
        layer = eval("lib.nn." + before.replace("1)", "1, dtype=lib.float64)"))  # noqa: S307
        if before.startswith("Conv"):
            with lib.no_grad():
                layer.weight.copy_(lib.tensor(np.eye(2).reshape(2, 2, 1, 1)))
                layer.bias.fill_(0.1)
        a = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.relu(layer(a), inplace=True)
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))).sum().backward()
        results.append((np.asarray(out.detach()), np.asarray(a.grad)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


NEGATIVE = {
    "leaky_relu": (lambda F, x: F.leaky_relu(x, -0.1, inplace=True), "leakyReLu"),
    "elu": (lambda F, x: F.elu(x, -1.0, inplace=True), "elu"),
    "celu": (lambda F, x: F.celu(x, -1.0, inplace=True), "elu"),
    "rrelu eval": (lambda F, x: F.rrelu(x, -0.5, -0.1, inplace=True), "leakyReLu"),
}


@pytest.mark.parametrize("name", list(NEGATIVE))
def test_a_negative_slope_in_place_computes_but_refuses_backward_as_pytorch(name):
    """PyTorch's in-place backward reads the result, from which a negative slope hides the input's sign."""
    call, words = NEGATIVE[name]
    a = dn.tensor(X.copy(), requires_grad=True)
    y = a * 1
    expected = call(F, dn.tensor(X.copy())).array
    call(F, y)
    np.testing.assert_allclose(y.array, expected)
    with pytest.raises(
        RuntimeError, match=rf"^In-place {words} backward calculation is triggered with a negative slope"
    ):
        y.sum().backward()
    with dn.no_grad():  # nothing recorded: nothing refused
        assert call(F, a) is a


@pytest.mark.parametrize("name", list(NEGATIVE))
def test_a_negative_slope_in_place_refuses_as_pytorch_does(name):
    torch = pytest.importorskip("torch")
    call, _ = NEGATIVE[name]
    messages = []
    for lib, F_ in ((dn, F), (torch, torch.nn.functional)):
        y = lib.tensor(X.copy(), requires_grad=True) * 1
        call(F_, y)
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        messages.append(str(error.value)[:60])
    assert messages[0] == messages[1]


CHAINS = {  # two in-place calls on one tensor: PyTorch raises where the first one's backward reads its result
    "relu, relu": (lambda F, y: (F.relu(y, inplace=True), F.relu(y, inplace=True)), None),
    "relu, hardtanh": (lambda F, y: (F.relu(y, inplace=True), F.hardtanh(y, inplace=True)), None),
    "hardtanh, relu": (lambda F, y: (F.hardtanh(y, inplace=True), F.relu(y, inplace=True)), [0.0, 0.0]),
    "elu, silu": (lambda F, y: (F.elu(y, inplace=True), F.silu(y, inplace=True)), None),
    "relu, eval dropout": (lambda F, y: (F.relu(y, inplace=True), F.dropout(y, 0.5, False, inplace=True)), [0.0, 4.0]),
    "relu, a view changed": (lambda F, y: (F.relu(y, inplace=True), y[:1].mul_(2)), None),
}


def _chain_gradient(lib, F, chain):
    x = lib.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 1
    chain(F, y)
    try:
        (y * lib.tensor([3.0, 4.0])).sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return None
    return x.grad.tolist()


@pytest.mark.parametrize("name", list(CHAINS))
def test_chains_of_in_place_calls(name):
    chain, expected = CHAINS[name]
    assert _chain_gradient(dn, F, chain) == expected


@pytest.mark.parametrize("name", list(CHAINS))
def test_chains_of_in_place_calls_match_pytorch(name):
    torch = pytest.importorskip("torch")
    chain = CHAINS[name][0]
    assert _chain_gradient(dn, F, chain) == _chain_gradient(torch, torch.nn.functional, chain)
