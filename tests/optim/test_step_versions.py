"""An optimizer step changes the parameters in place and bumps their versions, as in PyTorch:
``backward()`` through a graph recorded before the step raises where a function saved a parameter
(a hidden layer's weight), and runs with the old values where none did (a first layer, whose input
needs no gradient, saves only that input). Compared with PyTorch for one layer, an MLP and a CNN."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn, optim

VERSION_ERROR = r"modified by an inplace operation"


def _models():
    """Deltanet models (float64) with their PyTorch twins' builders, and input shapes."""
    return {
        "one layer": (lambda: nn.Sequential(nn.Linear(3, 2, rng=0, dtype="float64")), (4, 3)),
        "one layer, 3-d input": (lambda: nn.Sequential(nn.Linear(3, 2, rng=0, dtype="float64")), (2, 4, 3)),
        "two-layer MLP": (
            lambda: nn.Sequential(
                nn.Linear(3, 5, rng=0, dtype="float64"), nn.Tanh(), nn.Linear(5, 2, rng=1, dtype="float64")
            ),
            (4, 3),
        ),
        "small CNN": (
            lambda: nn.Sequential(
                nn.Conv2d(1, 2, 3, rng=0, dtype="float64"),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(18, 2, rng=1, dtype="float64"),
            ),
            (2, 1, 5, 5),
        ),
    }


def _torch_twin(torch, model):
    """The same layers in PyTorch (float64), with the same weights."""
    layers = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            layers.append(torch.nn.Linear(layer.in_features, layer.out_features))
        elif isinstance(layer, nn.Conv2d):
            layers.append(torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size))
        else:
            layers.append(
                {"Tanh": torch.nn.Tanh, "ReLU": torch.nn.ReLU, "Flatten": torch.nn.Flatten}[type(layer).__name__]()
            )
    twin = torch.nn.Sequential(*layers).double()
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    return twin


def _backward_after_step(make_optimizer, params, forward):
    """backward(retain_graph=True), a step, backward again: None when the second raised the
    version error, else the gradients accumulated by both."""
    loss = forward()
    loss.backward(retain_graph=True)
    make_optimizer(params).step()
    try:
        loss.backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return None
    return [np.array(p.grad.detach().numpy() if hasattr(p.grad, "detach") else p.grad.data) for p in params]


@pytest.mark.parametrize("name", list(_models()))
@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_backward_through_a_graph_kept_across_a_step_behaves_as_in_pytorch(name, opt):
    torch = pytest.importorskip("torch")
    build, shape = _models()[name]
    model = build()
    twin = _torch_twin(torch, model)
    X = np.random.default_rng(2).standard_normal(shape)
    Y = np.random.default_rng(3).standard_normal(model(dn.tensor(X)).shape)

    got = _backward_after_step(
        lambda ps: getattr(optim, opt)(ps, lr=0.1),
        model.parameters(),
        lambda: ((model(dn.tensor(X)) - dn.tensor(Y)) ** 2).mean(),
    )
    want = _backward_after_step(
        lambda ps: getattr(torch.optim, opt)(ps, lr=0.1),
        list(twin.parameters()),
        lambda: ((twin(torch.from_numpy(X)) - torch.from_numpy(Y)) ** 2).mean(),
    )
    assert (got is None) == (want is None), f"{name}: deltanet raised {got is None}, PyTorch {want is None}"
    if want is not None:
        assert got is not None
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", [lambda x, w: x @ w, lambda x, w: x * w], ids=["matmul", "mul"])
def test_matmul_and_mul_save_a_parameter_only_for_the_other_operands_gradient(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, W0, V0 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for hidden in (False, True):
        results = []
        for lib in ("deltanet", "torch"):
            if lib == "deltanet":
                W, V = nn.Parameter(W0.copy()), nn.Parameter(V0.copy())
                x = dn.tensor(X)
                opt = optim.SGD([W, V], lr=0.1)
            else:
                W, V = torch.nn.Parameter(torch.from_numpy(W0.copy())), torch.nn.Parameter(torch.from_numpy(V0.copy()))
                x = torch.from_numpy(X)
                opt = torch.optim.SGD([W, V], lr=0.1)
            h = x @ V if hidden else x  # a hidden operand needs a gradient, so the parameter is saved
            loss = op(h, W).sum()
            loss.backward(retain_graph=True)
            opt.step()
            try:
                loss.backward()
                results.append(False)
            except RuntimeError as error:
                assert "modified by an inplace operation" in str(error)
                results.append(True)
        assert results[0] == results[1] == hidden


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_every_step_bumps_the_version_of_each_parameter_it_changes(name):
    w, unused = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2))
    opt = getattr(optim, name)([w, unused], lr=0.1)
    for step in (1, 2):
        w.grad = np.full(3, 0.5)
        opt.step()
        assert w._version == step
        assert unused._version == 0  # no gradient: not changed, not bumped (as PyTorch)


def test_a_retained_graph_raises_after_the_step_instead_of_using_the_new_weights():
    w = nn.Parameter(np.array([1.0, 2.0]))
    h = nn.Parameter(np.array([3.0, 4.0]))
    loss = ((h * w) ** 2).sum()  # Mul saves w for dL/dh
    loss.backward(retain_graph=True)
    optim.SGD([w, h], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"is at version 1; expected version 0 instead"):
        loss.backward()


def test_lbfgs_bumps_the_parameters_it_writes():
    w = nn.Parameter(np.array([1.0, -1.0]))
    h = nn.Parameter(np.array([0.5, 0.5]))
    stale = (h * w).sum()
    stale.backward(retain_graph=True)
    opt = optim.LBFGS([w, h], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((w - 2.0) ** 2).sum() + ((h - 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert w._version > 0
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        stale.backward()


def test_a_step_that_fails_part_way_still_bumps_what_it_changed():
    class Failing(optim.SGD):
        def _update_group(self, group):
            super()._update_group(group)
            raise ArithmeticError("stop")

    w = nn.Parameter(np.ones(2))
    w.grad = np.ones(2)
    with pytest.raises(ArithmeticError):
        Failing([w], lr=0.1).step()
    assert w._version == 1


def test_load_state_dict_bumps_the_parameters_it_copies_into():
    model = nn.Sequential(nn.Linear(2, 2, rng=0, dtype="float64"), nn.Tanh(), nn.Linear(2, 1, rng=1, dtype="float64"))
    loss = model(dn.tensor(np.ones((3, 2)))).sum()
    loss.backward(retain_graph=True)
    model.load_state_dict({k: v * 2 for k, v in model.state_dict().items()})
    assert all(p._version == 1 for p in model.parameters())
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        loss.backward()


def test_init_functions_bump_the_tensor_they_fill():
    w = nn.Parameter(np.ones((2, 2)))
    h = nn.Parameter(np.ones((3, 2)))
    loss = (h @ w).sum()
    loss.backward(retain_graph=True)
    dn.nn.init.constant_(w, 0.5)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        loss.backward()


def test_after_many_steps_the_error_still_names_the_version_seen():
    w, h = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    loss = (h * w).sum()
    loss.backward(retain_graph=True)
    opt = optim.SGD([w, h], lr=0.1)
    for _ in range(40):  # more steps than the stamps a version keeps
        opt.step()
    assert w._version == 40
    with pytest.raises(RuntimeError, match=r"is at version 40; expected an earlier version instead"):
        loss.backward()


def test_vector_to_parameters_gives_new_arrays_and_leaves_the_old_ones_to_old_graphs():
    """As PyTorch's ``param.data = vec[i:j].view_as(param)``: no version changes, and a graph that
    saved the old weight backpropagates with it."""
    layer = nn.Linear(2, 1, dtype="float64")
    layer.weight.data[...] = [[3.0, 5.0]]
    h = nn.Parameter(np.ones((3, 2)))
    loss = layer(h).sum()  # Linear saves the weight for dL/dh
    dn.nn.utils.vector_to_parameters(np.arange(3.0), layer.parameters())
    assert layer.weight._version == layer.bias._version == 0
    assert layer.weight.tolist() == [[0.0, 1.0]]
    loss.backward()
    assert h.grad.tolist() == [[3.0, 5.0]] * 3


def test_a_graph_made_after_the_step_is_unaffected():
    model = nn.Sequential(nn.Linear(3, 4, rng=0, dtype="float64"), nn.Tanh(), nn.Linear(4, 1, rng=1, dtype="float64"))
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = dn.tensor(np.ones((2, 3)))
    for _ in range(3):  # the ordinary loop: each graph is used before the step that follows it
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        opt.step()
    assert all(p._version == 3 for p in model.parameters())
