"""``nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` equal PyTorch's (gradients after, total
norm returned), and ``parameters_to_vector``/``vector_to_parameters`` round-trip."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

torch = pytest.importorskip("torch")


def _pair(scale):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)) * scale, rng.standard_normal(4) * scale]
    ours = [nn.Parameter(np.zeros(g.shape)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads, strict=True):
        (p * dn.tensor(g)).sum().backward()
        t.grad = torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3, float("inf")])
@pytest.mark.parametrize("scale, max_norm", [(1.0, 0.5), (0.01, 10.0)])
def test_clip_grad_norm_matches_torch(norm_type, scale, max_norm):
    ours, theirs = _pair(scale)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, dn.Tensor) and total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(p.grad), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_on_a_model_and_single_tensor():
    model = nn.Linear(3, 2)
    model(dn.tensor(np.full((4, 3), 100.0))).sum().backward()
    clip_grad_norm_(model.parameters(), 1.0)
    norm = np.sqrt(sum(float((np.asarray(p.grad) ** 2).sum()) for p in model.parameters()))
    assert norm == pytest.approx(1.0, rel=1e-5)
    assert clip_grad_norm_(nn.Parameter(np.zeros(2)), 1.0).item() == 0.0  # no gradient: norm 0


def test_clip_grad_norm_nonfinite():
    w = nn.Parameter(np.zeros(2))
    w.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    t = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor([np.inf, 1.0], dtype=torch.float64)
    assert np.isinf(clip_grad_norm_([w], 1.0).item()) and np.isinf(torch.nn.utils.clip_grad_norm_([t], 1.0).item())
    np.testing.assert_array_equal(np.asarray(w.grad), t.grad.numpy())  # [nan, 0], as PyTorch


def test_clip_grad_value_matches_torch():
    ours, theirs = _pair(2.0)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(p.grad), t.grad.numpy())


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda ps: clip_grad_norm_(ps, float("nan")), r"clip_grad_norm_: max_norm must be a number >= 0, got nan"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="p"), r"norm_type must be a number or 'inf', got 'p'"),
        (lambda ps: clip_grad_value_(ps, -1.0), r"clip_grad_value_: clip_value must be a number >= 0, got -1\.0"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call([nn.Parameter(np.zeros(2))])


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (13,)
    vector_to_parameters(np.arange(13.0), model.parameters())
    assert model[0].weight.data.ravel().tolist() == [0, 1, 2, 3, 4, 5] and model[1].bias.data.tolist() == [12]
    with pytest.raises(ValueError, match=r"expected a vector of 13 values, got shape \(12,\)"):
        vector_to_parameters(np.zeros(12), model.parameters())


def test_vector_to_parameters_gives_the_parameters_the_vectors_dtype_and_memory():
    model = nn.Linear(2, 1)  # float32
    vec = dn.tensor(np.arange(3.0))  # float64
    vector_to_parameters(vec, model.parameters())
    assert model.weight.dtype == model.bias.dtype == np.float64 and isinstance(model.weight, nn.Parameter)
    vec[0] = 9.0  # the parameters are views of the vector, as in PyTorch
    assert model.weight.tolist() == [[9.0, 1.0]] and model.weight.is_leaf and model.weight.requires_grad


def test_vector_to_parameters_matches_pytorch():
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (dn, torch):
        model = lib.nn.Linear(2, 1)
        h = lib.ones(3, 2, requires_grad=True)
        loss = model(h).sum()
        old, version = model.weight.tolist(), model.weight._version
        vec = lib.tensor([1.5, 2.5, 3.5], dtype=lib.float64)
        lib.nn.utils.vector_to_parameters(vec, model.parameters())
        vec[2] = -1.0
        loss.backward()
        seen.append(
            (
                str(model.weight.dtype)[-7:],
                model.weight.tolist(),
                model.bias.tolist(),
                model.weight._version - version,
                h.grad.tolist() == [old[0]] * 3,
            )
        )
    assert seen[0] == seen[1]


def test_parameters_to_vector_is_differentiable_as_pytorchs():
    torch = pytest.importorskip("torch")
    model = dn.nn.Linear(3, 2)
    ref = torch.nn.Linear(3, 2).double()
    ref.load_state_dict({k: torch.tensor(v.numpy().astype(np.float64)) for k, v in model.state_dict().items()})
    model.double()
    vec, their_vec = parameters_to_vector(model.parameters()), torch.nn.utils.parameters_to_vector(ref.parameters())
    assert vec.requires_grad and their_vec.requires_grad
    (vec**3).sum().backward()
    (their_vec**3).sum().backward()
    for p, q in zip(model.parameters(), ref.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)
    assert dn.gradcheck(lambda w, b: parameters_to_vector([w, b]) ** 2, [model.weight, model.bias])


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf", -float("inf")])
def test_get_total_norm_and_clip_grads_with_norm_as_pytorch(norm_type):
    torch = pytest.importorskip("torch")
    values = [np.array([3.0, -4.0, 0.5], np.float32), np.array([[1.0, -2.0]], np.float32)]
    total = dn.nn.utils.get_total_norm([dn.tensor(v) for v in values], norm_type)
    expected = torch.nn.utils.get_total_norm([torch.tensor(v) for v in values], norm_type)
    assert total.dtype == dn.float32 and total.item() == pytest.approx(expected.item(), rel=1e-6)
    ours = [dn.nn.Parameter(np.zeros_like(v)) for v in values]
    theirs = [torch.nn.Parameter(torch.zeros_like(torch.tensor(v))) for v in values]
    for p, q, v in zip(ours, theirs, values, strict=True):
        p.grad, q.grad = dn.tensor(v.copy()), torch.tensor(v.copy())
    got = dn.nn.utils.clip_grad_norm_(ours, 1.0, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type)
    assert got.item() == pytest.approx(want.item(), rel=1e-6)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-6)


def test_clip_grads_with_a_norm_from_elsewhere():
    w = dn.nn.Parameter(np.zeros(2, np.float32))
    w.grad = dn.tensor([3.0, 4.0])
    assert dn.nn.utils.get_total_norm([]).item() == 0.0
    dn.nn.utils.clip_grads_with_norm_([w], 1.0, 10.0)  # e.g. the norm over two models: halves these
    np.testing.assert_allclose(w.grad.data, [0.3, 0.4], rtol=1e-6)
    with pytest.raises(ValueError, match=r"get_total_norm: norm_type must be a number or 'inf', got 'big'"):
        dn.nn.utils.get_total_norm([w.grad], "big")
    with pytest.raises(RuntimeError, match=r"get_total_norm: the total norm of order 2.0 of the gradients is inf"):
        dn.nn.utils.get_total_norm([dn.tensor([np.inf])], error_if_nonfinite=True)


def test_total_norm_of_float32_and_float64_gradients_is_float64_as_pytorch():
    ours = [nn.Parameter(np.zeros(2, np.float32)), nn.Parameter(np.zeros(3))]
    theirs = [torch.zeros(2, requires_grad=True), torch.zeros(3, dtype=torch.float64, requires_grad=True)]
    for p in ours:
        p.grad = dn.ones(*p.shape, dtype=p.dtype)
    for p in theirs:
        p.grad = torch.ones_like(p)
    total, expected = clip_grad_norm_(ours, 1.0), torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.dtype == dn.float64 and expected.dtype == torch.float64
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-7)
    assert [p.grad.dtype for p in ours] == [dn.float32, dn.float64]
    assert dn.nn.utils.get_total_norm([dn.ones(2, dtype=dn.float32), dn.ones(2, dtype=dn.float64)]).dtype == dn.float64
