"""torch.nn.utils.parametrize and .parametrizations (weight_norm, spectral_norm), and the older
weight_norm/spectral_norm hooks: PyTorch's numbers, gradients, state_dict keys and errors."""

from __future__ import annotations

import threading

import deltanet.nn.utils.parametrize as P
import numpy as np
import pytest
from deltanet.nn.utils.parametrizations import orthogonal, spectral_norm, weight_norm

import deltanet as dn


class Symmetric(dn.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Double(dn.nn.Module):
    def forward(self, X):
        return 2 * X

    def right_inverse(self, W):
        return W / 2


class Shrink(dn.nn.Module):
    def forward(self, X):
        return X[:, :1]


def _linear(rng, n_in=4, n_out=3, dtype=np.float64):
    layer = dn.nn.Linear(n_in, n_out, dtype=dtype)
    layer.weight.array[...] = rng.normal(size=(n_out, n_in))
    layer.bias.array[...] = rng.normal(size=n_out)
    return layer


def _grad(fn, *tensors):
    out = fn()
    out.backward()
    return [np.asarray(t.grad) for t in tensors]


# -- parametrize --------------------------------------------------------------------------------
def test_symmetric_parametrization_trains_the_original_and_keeps_pytorchs_keys():
    layer = P.register_parametrization(_linear(np.random.default_rng(0), 3, 3), "weight", Symmetric())
    W = layer.weight
    assert np.array_equal(W.array, W.array.T)
    assert type(layer).__name__ == "ParametrizedLinear" and P.is_parametrized(layer, "weight")
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in layer.named_parameters()] == ["bias", "parametrizations.weight.original"]
    x = dn.tensor(np.ones((2, 3)))
    layer(x).sum().backward()
    original = layer.parametrizations.weight.original
    # d/dtheta of sum(x @ (triu + triu(1)^T)^T): the upper triangle gets both uses, the lower none
    g = np.asarray(original.grad)
    assert np.array_equal(g, [[2.0, 4.0, 4.0], [0.0, 2.0, 4.0], [0.0, 0.0, 2.0]])


def test_right_inverse_on_registration_and_assignment():
    layer = _linear(np.random.default_rng(1))
    before = layer.weight.array.copy()
    weight = layer.weight
    P.register_parametrization(layer, "weight", Double())
    assert layer.parametrizations.weight.original is weight  # the optimizer's parameter, kept
    assert np.allclose(layer.parametrizations.weight.original.array, before / 2)
    assert np.allclose(layer.weight.array, before)
    layer.weight = dn.tensor(np.ones((3, 4)))
    assert np.allclose(layer.parametrizations.weight.original.array, 0.5)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.weight = dn.nn.Parameter(np.ones((3, 4)))


def test_remove_parametrizations_leaves_the_value_or_the_original():
    layer = _linear(np.random.default_rng(2))
    weight = layer.weight
    before = weight.array.copy()
    P.register_parametrization(layer, "weight", Double())
    P.remove_parametrizations(layer, "weight")
    assert type(layer) is dn.nn.Linear and layer.weight is weight and np.allclose(layer.weight.array, before)
    assert list(layer.state_dict()) == ["bias", "weight"]  # as PyTorch: registered again, last
    P.register_parametrization(layer, "weight", Double())
    P.remove_parametrizations(layer, "weight", leave_parametrized=False)
    assert np.allclose(layer.weight.array, before / 2)
    assert not P.is_parametrized(layer) and not hasattr(layer, "parametrizations")


def test_two_parametrizations_stack_and_cached_reuses_the_value():
    layer = P.register_parametrization(_linear(np.random.default_rng(3), 3, 3), "weight", Symmetric())
    P.register_parametrization(layer, "weight", Double())
    assert len(layer.parametrizations.weight) == 2
    assert np.allclose(layer.weight.array, layer.weight.array.T)
    assert layer.weight is not layer.weight
    with P.cached():
        first = layer.weight
        assert layer.weight is first
        with P.cached():
            assert layer.weight is first
        assert layer.weight is first
    assert layer.weight is not first


def test_cached_belongs_to_its_thread():
    layer = P.register_parametrization(_linear(np.random.default_rng(4)), "weight", Double())
    seen = []
    with P.cached():
        first = layer.weight
        thread = threading.Thread(target=lambda: seen.append(layer.weight is first))
        thread.start()
        thread.join()
    assert seen == [False]


def test_bad_input_is_refused_as_pytorch():
    layer = _linear(np.random.default_rng(5))
    with pytest.raises(
        ValueError, match="does not have a parameter, a buffer, or a parametrized element with name 'wieght'"
    ):
        P.register_parametrization(layer, "wieght", Double())
    with pytest.raises(ValueError, match="may not change the shape of the tensor, unless `unsafe`"):
        P.register_parametrization(layer, "weight", Shrink())
    assert type(layer) is dn.nn.Linear and "weight" in layer._parameters  # untouched by the refusal
    P.register_parametrization(layer, "weight", Shrink(), unsafe=True)
    assert layer.weight.shape == (3, 1)
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(layer, "bias")
    with pytest.raises(TypeError, match="parametrization must be a Module"):
        P.register_parametrization(_linear(np.random.default_rng(5)), "weight", lambda X: X)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        spectral_norm(dn.nn.Linear(2, 2), name="kernel")
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        spectral_norm(dn.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        spectral_norm(dn.nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        orthogonal(dn.nn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(weight_norm(dn.nn.Linear(2, 2)), "weight", leave_parametrized=False)


def test_weight_norm_gradcheck_float64():
    rng = np.random.default_rng(6)
    for dim in (0, 1, None):
        layer = weight_norm(_linear(rng), dim=dim)
        g, v = layer.parametrizations.weight.original0, layer.parametrizations.weight.original1
        x = dn.tensor(rng.normal(size=(2, 4)))

        def f(g_, v_, layer=layer, x=x):
            return layer.parametrizations.weight[0](g_, v_) @ x.T

        assert dn.gradcheck(
            f, (dn.tensor(g.array.copy(), requires_grad=True), dn.tensor(v.array.copy(), requires_grad=True))
        )


def test_spectral_norm_gradcheck_float64_in_eval():
    rng = np.random.default_rng(7)
    layer = spectral_norm(dn.nn.Conv2d(2, 3, 3, dtype=np.float64)).eval()
    sn = layer.parametrizations.weight[0]
    w = dn.tensor(rng.normal(size=(3, 2, 3, 3)), requires_grad=True)
    assert dn.gradcheck(lambda w_: sn(w_), (w,))


# -- against PyTorch ---------------------------------------------------------------------------
def _torch_linear(torch, layer):
    t = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(layer.weight.array.copy()))
        t.bias.copy_(torch.from_numpy(layer.bias.array.copy()))
    return t


@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_matches_pytorch(dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    ours = _linear(rng)
    theirs = torch.nn.utils.parametrizations.weight_norm(_torch_linear(torch, ours), dim=dim)
    weight_norm(ours, dim=dim)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key in theirs_sd:
        assert np.allclose(np.asarray(ours_sd[key]), theirs_sd[key].numpy()), key
    x = rng.normal(size=(5, 4))
    ours(dn.tensor(x)).pow(2).sum().backward()
    theirs(torch.from_numpy(x)).pow(2).sum().backward()
    for name in ("original0", "original1"):
        a = getattr(ours.parametrizations.weight, name).grad
        b = getattr(theirs.parametrizations.weight, name).grad
        assert np.allclose(np.asarray(a), b.numpy()), name


@pytest.mark.parametrize(
    ("make", "n_power_iterations"),
    [
        (lambda nn: nn.Linear(5, 4, dtype=_f64(nn)), 1),
        (lambda nn: nn.Conv2d(2, 3, 3, dtype=_f64(nn)), 2),
        (lambda nn: nn.ConvTranspose2d(2, 3, 3, dtype=_f64(nn)), 1),
    ],
)
def test_spectral_norm_matches_pytorch_over_training_and_eval(make, n_power_iterations):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.utils.parametrizations.spectral_norm(make(torch.nn), n_power_iterations=n_power_iterations)
    ours = spectral_norm(make(dn.nn), n_power_iterations=n_power_iterations)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})  # u, v and the weights
    rng = np.random.default_rng(9)
    shape = (2, 5) if isinstance(ours, dn.nn.Linear) else (2, 2, 6, 6)
    for mode in ("train", "train", "eval"):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        x = rng.normal(size=shape)
        ours.zero_grad()
        theirs.zero_grad()
        a, b = ours(dn.tensor(x)), theirs(torch.from_numpy(x))
        assert np.allclose(np.asarray(a.array), b.detach().numpy())
        (a**2).sum().backward()
        (b**2).sum().backward()
        ga = np.asarray(ours.parametrizations.weight.original.grad)
        assert np.allclose(ga, theirs.parametrizations.weight.original.grad.numpy())
        for key, value in theirs.state_dict().items():
            assert np.allclose(np.asarray(ours.state_dict()[key]), value.numpy()), key


def _f64(nn):
    return getattr(nn, "_f64", None) or (__import__("torch").float64 if nn.__name__.startswith("torch") else np.float64)


def test_spectral_norm_of_a_vector_normalises_it():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(10).normal(size=4)
    ours, theirs = dn.nn.Module(), torch.nn.Module()
    ours.scale = dn.nn.Parameter(x.copy())
    theirs.scale = torch.nn.Parameter(torch.from_numpy(x.copy()))
    spectral_norm(ours, name="scale")
    torch.nn.utils.parametrizations.spectral_norm(theirs, name="scale")
    assert np.allclose(np.asarray(ours.scale.array), theirs.scale.detach().numpy())
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_old_weight_norm_and_spectral_norm_hooks_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    for wrap, unwrap in (
        ("weight_norm", "remove_weight_norm"),
        ("spectral_norm", "remove_spectral_norm"),
    ):
        ours = _linear(rng)
        with pytest.warns(FutureWarning) if wrap == "weight_norm" else _nothing():
            theirs = getattr(torch.nn.utils, wrap)(_torch_linear(torch, ours))
        getattr(dn.nn.utils, wrap)(ours)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        for mode in (True, True, False):
            ours.train(mode)
            theirs.train(mode)
            x = rng.normal(size=(3, 4))
            ours.zero_grad()
            theirs.zero_grad()
            a, b = ours(dn.tensor(x)), theirs(torch.from_numpy(x))
            assert np.allclose(np.asarray(a.array), b.detach().numpy())
            a.pow(2).sum().backward()
            b.pow(2).sum().backward()
            for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
                assert np.allclose(np.asarray(p.grad), q.grad.numpy()), name
            for key, value in theirs.state_dict().items():
                assert np.allclose(np.asarray(ours.state_dict()[key]), value.numpy()), key
        getattr(dn.nn.utils, unwrap)(ours)
        getattr(torch.nn.utils, unwrap)(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert np.allclose(ours.weight.array, theirs.weight.detach().numpy())
        with pytest.raises(ValueError, match=f"{wrap} of 'weight' not found"):
            getattr(dn.nn.utils, unwrap)(ours)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_old_hooks_refuse_a_second_registration():
    layer = dn.nn.utils.weight_norm(dn.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        dn.nn.utils.weight_norm(layer)
    layer = dn.nn.utils.spectral_norm(dn.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        dn.nn.utils.spectral_norm(layer)


# -- saving and exporting -----------------------------------------------------------------------
def _reparametrized_models():
    return [
        ("parametrize", dn.nn.Sequential(spectral_norm(dn.nn.Linear(3, 2)))),
        ("weight_norm", dn.nn.Sequential(dn.nn.utils.weight_norm(dn.nn.Linear(3, 2)))),
        ("spectral_norm", dn.nn.Sequential(dn.nn.utils.spectral_norm(dn.nn.Linear(3, 2)))),
    ]


@pytest.mark.parametrize("index", range(3))
def test_save_refuses_a_reparametrized_model_by_name_and_its_state_dict_round_trips(index, tmp_path):
    kind, model = _reparametrized_models()[index]
    with pytest.raises(dn.io.CheckpointError, match=f"cannot save: layer '0' .*{kind}.*state_dict"):
        dn.save(model, tmp_path / "model.dn")
    model.eval()
    dn.save(model.state_dict(), tmp_path / "weights.pt")
    _, fresh = _reparametrized_models()[index]
    fresh.eval().load_state_dict(dn.load(tmp_path / "weights.pt"))
    x = dn.tensor(np.random.default_rng(12).normal(size=(2, 3)).astype(np.float32))
    assert np.array_equal(fresh(x).array, model(x).array)


@pytest.mark.parametrize("index", range(3))
def test_onnx_export_refuses_a_reparametrized_model_by_name(index, tmp_path):
    pytest.importorskip("onnx")
    kind, model = _reparametrized_models()[index]
    with pytest.raises(dn.onnx.ExportError, match=f"cannot export: layer '0' .*{kind}.*remove_"):
        dn.onnx.export(model, tmp_path / "model.onnx", input_shape=(1, 3))


def test_an_old_weight_norm_checkpoint_loads_into_the_parametrization():
    old = dn.nn.Sequential(dn.nn.utils.weight_norm(_linear(np.random.default_rng(13))))
    new = dn.nn.Sequential(weight_norm(dn.nn.Linear(4, 3, dtype=np.float64)))
    given = old.state_dict()
    result = new.load_state_dict(given)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert "0.weight_g" in given  # the caller's dict is left as it was
    x = dn.tensor(np.random.default_rng(14).normal(size=(2, 4)))
    assert np.allclose(new(x).array, old(x).array)


def test_load_state_dict_pre_hook_with_module():
    layer = dn.nn.Linear(2, 2)
    seen = []
    handle = layer._register_load_state_dict_pre_hook(lambda m, sd, prefix, *rest: seen.append((m, prefix)), True)
    layer.load_state_dict(layer.state_dict())
    handle.remove()
    layer.load_state_dict(layer.state_dict())
    assert seen == [(layer, "")]


def test_summary_shows_a_parametrized_layer_as_one_layer_with_its_originals():
    model = dn.nn.Sequential(spectral_norm(dn.nn.Linear(3, 2)), dn.nn.ReLU(), weight_norm(dn.nn.Linear(2, 2)))
    rows = model.summary(input_shape=(3,)).rows
    assert [(r.name, r.type, r.output_shape, r.params) for r in rows] == [
        ("0", "ParametrizedLinear", (2,), 8),
        ("1", "ReLU", (2,), 0),
        ("2", "ParametrizedLinear", (2,), 2 + 2 + 4),
    ]
