"""torch.nn.utils.prune: the masks PyTorch computes (one-shot and iterative, ints and fractions,
importance scores, global pruning), its state_dict keys, gradients through the mask, remove,
and its errors; the random methods draw from deltanet's generator."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn.utils import prune


def _linear(rng, n_in=5, n_out=4, dtype=np.float64):
    layer = dn.nn.Linear(n_in, n_out, dtype=dtype)
    layer.weight.data[...] = rng.normal(size=(n_out, n_in))
    layer.bias.data[...] = rng.normal(size=n_out)
    return layer


# -- without PyTorch -------------------------------------------------------------------------------
def test_l1_unstructured_prunes_the_smallest_magnitudes():
    m = dn.nn.Linear(4, 1, bias=False, dtype=np.float64)
    m.weight.data[...] = [[0.3, -5.0, 0.1, -0.2]]
    prune.l1_unstructured(m, "weight", amount=2)
    assert m.weight_mask.tolist() == [[1.0, 1.0, 0.0, 0.0]]
    assert m.weight.tolist() == [[0.3, -5.0, 0.0, -0.0]]
    assert isinstance(m.weight_orig, dn.nn.Parameter) and m.weight_orig.tolist() == [[0.3, -5.0, 0.1, -0.2]]
    assert [n for n, _ in m.named_parameters()] == ["weight_orig"]
    assert [n for n, _ in m.named_buffers()] == ["weight_mask"]


def test_iterative_pruning_counts_the_units_still_unpruned():
    m = dn.nn.Linear(10, 1, bias=False, dtype=np.float64)
    m.weight.data[...] = np.arange(1.0, 11.0)
    prune.l1_unstructured(m, "weight", amount=0.5)  # 1..5
    prune.l1_unstructured(m, "weight", amount=0.4)  # 40 % of the 5 left: 6, 7
    assert m.weight_mask.tolist() == [[0.0] * 7 + [1.0] * 3]
    hook = [h for h in m._hooks["forward_pre"].values() if isinstance(h, prune.BasePruningMethod)]
    assert len(hook) == 1 and isinstance(hook[0], prune.PruningContainer) and len(hook[0]) == 2


def test_fraction_rounds_half_to_even():
    for amount, size, expected in [(0.5, 5, 2), (0.5, 7, 4), (0.25, 6, 2), (0.3, 10, 3)]:
        m = dn.nn.Linear(size, 1, bias=False, dtype=np.float64)
        m.weight.data[...] = np.arange(1.0, size + 1)
        prune.l1_unstructured(m, "weight", amount=amount)
        assert int((m.weight_mask == 0).sum()) == expected == round(amount * size)


def test_gradients_reach_weight_orig_through_the_mask():
    rng = np.random.default_rng(0)
    m = prune.l1_unstructured(_linear(rng), "weight", amount=0.4)
    x = dn.tensor(rng.normal(size=(3, 5)))
    m(x).sum().backward()
    mask = m.weight_mask.detach().numpy()
    expected = np.broadcast_to(x.detach().numpy().sum(0), (4, 5)) * mask
    np.testing.assert_allclose(m.weight_orig.grad.detach().numpy(), expected)
    np.testing.assert_allclose(
        m(x).detach().numpy(), x.detach().numpy() @ (m.weight_orig.detach().numpy() * mask).T + m.bias.detach().numpy()
    )


def test_training_keeps_pruned_weights_at_zero():
    rng = np.random.default_rng(1)
    m = prune.l1_unstructured(_linear(rng), "weight", amount=0.5)
    opt = dn.optim.SGD(m.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        m(dn.tensor(rng.normal(size=(4, 5)))).pow(2).sum().backward()
        opt.step()
    m(dn.tensor(rng.normal(size=(1, 5))))
    assert np.all(m.weight.detach().numpy()[m.weight_mask.detach().numpy() == 0] == 0)


def test_remove_makes_it_permanent_and_keeps_the_parameter_object():
    rng = np.random.default_rng(2)
    m = _linear(rng)
    original = m.weight
    prune.l1_unstructured(m, "weight", amount=7)
    opt = dn.optim.SGD(m.parameters(), lr=0.1)
    prune.remove(m, "weight")
    assert m.weight is original and any(p is original for p in opt.param_groups[0]["params"])
    assert list(m.state_dict()) == ["bias", "weight"] and int((m.weight == 0).sum()) == 7
    assert not prune.is_pruned(m) and not hasattr(m, "weight_mask") and not hasattr(m, "weight_orig")
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(m, "weight")


def test_random_methods_draw_from_deltanets_generator():
    def masks():
        dn.manual_seed(3)
        m = prune.random_unstructured(dn.nn.Linear(6, 5), "weight", amount=0.3)
        prune.random_unstructured(m, "weight", amount=4)
        c = prune.random_structured(dn.nn.Conv2d(2, 6, 3), "weight", amount=0.5, dim=0)
        prune.random_structured(c, "weight", amount=1, dim=0)
        return m.weight_mask.detach().numpy(), c.weight_mask.detach().numpy()

    (a, b), (c, d) = masks(), masks()
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert int((a == 0).sum()) == 9 + 4
    channels = d.reshape(6, -1)
    assert sorted(channels.sum(1).tolist()) == [0.0] * 4 + [18.0] * 2


def test_structured_keeps_an_earlier_unstructured_mask():
    m = dn.nn.Linear(3, 4, bias=False, dtype=np.float64)
    m.weight.data[...] = np.arange(12.0).reshape(4, 3) + 1
    prune.l1_unstructured(m, "weight", amount=1)  # the entry 1.0
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)  # row 0 has the smallest norm
    assert m.weight_mask.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    prune.ln_structured(m, "weight", amount=0.5, n=1, dim=-1)  # of 3 columns round(1.5) = 2: 0, 1
    assert (
        m.weight_mask.detach().numpy()[:, :2].sum() == 0 and m.weight_mask.detach().numpy()[1:, 2].tolist() == [1.0] * 3
    )


def test_ties_choose_pytorchs_units():
    # Which tied entries torch.topk (CPU, libstdc++'s nth_element/partial_sort) returns, recorded
    # from PyTorch 2.13: 12 equal magnitudes, prune 3 -> flat indices 7, 8, 9; keep 2 of 4 equal
    # columns -> 2, 3.
    m = dn.nn.Linear(4, 3, bias=False, dtype=np.float64)
    m.weight.data[...] = 1.0
    prune.l1_unstructured(m, "weight", amount=3)
    assert np.flatnonzero(m.weight_mask.detach().numpy() == 0).tolist() == [7, 8, 9]
    c = dn.nn.Linear(4, 3, bias=False, dtype=np.float64)
    c.weight.data[...] = 1.0
    prune.ln_structured(c, "weight", amount=2, n=2, dim=1)
    assert c.weight_mask.detach().numpy()[0].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_topk_ties_replay_pytorchs_selection():
    from deltanet.nn.topk_ties import torch_topk_set

    # torch.topk(torch.zeros(n), k, largest=False).indices in PyTorch 2.13 (either direction)
    for n, k, expected in [
        (10, 3, [6, 7, 8]),
        (10, 7, [1, 3, 5, 6, 7, 8, 9]),
        (100, 1, [0]),
        (1000, 5, [0, 1, 2, 3, 4]),
    ]:
        for largest in (False, True):
            assert sorted(torch_topk_set([0.0] * n, k, largest)) == expected
    # NaN counts as the largest value (torch.topk(tensor([1.0, nan, 1.0, 0.0]), 2): indices 1, 2)
    assert sorted(torch_topk_set([1.0, float("nan"), 1.0, 0.0], 2, largest=True)) == [1, 2]


def test_topk_ties_against_pytorch():
    torch = pytest.importorskip("torch")
    from deltanet.nn.topk_ties import torch_topk_set

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.choice([3, 5, 10, 33, 100, 200, 1000]))
        v = rng.integers(0, int(rng.integers(1, 4)), size=n).astype(np.float32)
        if rng.random() < 0.2:
            v[rng.integers(0, n, size=2)] = np.nan
        k, largest = int(rng.integers(1, n + 1)), bool(rng.integers(0, 2))
        expected = set(torch.topk(torch.from_numpy(v), k, largest=largest).indices.tolist())
        assert set(torch_topk_set(v.tolist(), k, largest)) == expected, (n, k, largest)


def test_a_failed_second_pruning_leaves_the_first():
    m = prune.l1_unstructured(_linear(np.random.default_rng(4)), "weight", amount=3)
    mask = m.weight_mask.detach().numpy().copy()
    with pytest.raises(ValueError, match="should be smaller than the number of parameters"):
        prune.l1_unstructured(m, "weight", amount=50)
    np.testing.assert_array_equal(m.weight_mask.detach().numpy(), mask)
    assert prune.is_pruned(m) and list(m.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    with pytest.raises(ValueError, match="should be smaller than the number of parameters"):
        prune.l1_unstructured(_linear(np.random.default_rng(4)), "weight", amount=50)


def test_a_failed_first_pruning_leaves_the_parameter():
    m = _linear(np.random.default_rng(5))
    with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional"):
        prune.ln_structured(m, "bias", amount=1, n=2, dim=0)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"] and not prune.is_pruned(m)
    assert list(m.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: prune.l1_unstructured(m, "weight", 1.5), ValueError, r"amount=1.5 should either be a float in"),
        (lambda m: prune.l1_unstructured(m, "weight", -1), ValueError, r"non-negative integer"),
        (lambda m: prune.l1_unstructured(m, "weight", "a"), TypeError, r"Invalid type for amount: a"),
        (lambda m: prune.l1_unstructured(m, "nope", 1), AttributeError, r"nope"),
        (lambda m: prune.ln_structured(m, "weight", 1, n=2, dim=2), IndexError, r"Invalid index 2"),
        (lambda m: prune.ln_structured(m, "weight", 1, n=2, dim=-3), IndexError, r"Invalid index -3"),
        (lambda m: prune.ln_structured(m, "weight", 1, n="bad", dim=0), RuntimeError, r"Order bad not supported"),
        (lambda m: prune.ln_structured(m, "weight", 1, n="nuc", dim=0), RuntimeError, r"dim must be a 2-tuple"),
        (
            lambda m: prune.l1_unstructured(m, "weight", 1, importance_scores=dn.ones(3)),
            AssertionError,
            r"importance_scores should have the same shape",
        ),
        (lambda m: prune.custom_from_mask(m, "weight", dn.ones(3)), AssertionError, r"must match self.mask shape"),
        (
            lambda m: prune.global_unstructured([(m, "weight")], prune.LnStructured, amount=1, n=2),
            TypeError,
            r'Only "unstructured" PRUNING_TYPE',
        ),
        (lambda m: prune.global_unstructured(5, prune.L1Unstructured, amount=1), TypeError, r"not an Iterable"),
        (
            lambda m: prune.global_unstructured([(m, "weight")], prune.L1Unstructured, importance_scores=[], amount=1),
            TypeError,
            r"importance_scores must be of type dict",
        ),
    ],
)
def test_errors_are_pytorchs(call, error, match):
    m = _linear(np.random.default_rng(6))
    with pytest.raises(error, match=match):
        call(m)
    assert not prune.is_pruned(m)


def test_container_refuses_other_tensors_and_non_methods():
    first = prune.L1Unstructured(1)
    first._tensor_name = "weight"
    container = prune.PruningContainer(first)
    other = prune.L1Unstructured(1)
    other._tensor_name = "bias"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'weight'"):
        container.add_pruning_method(other)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        container.add_pruning_method(3)


def test_save_refuses_and_state_dict_round_trips(tmp_path):
    rng = np.random.default_rng(7)
    model = dn.nn.Sequential(_linear(rng), dn.nn.ReLU(), _linear(rng, 4, 2))
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    with pytest.raises(dn.io.CheckpointError, match=r"layer '0' \(Linear\) is pruned on 'weight'.*prune.remove"):
        dn.save(model, tmp_path / "m.dnet")
    dn.save(model.state_dict(), tmp_path / "sd.dnet")
    fresh = dn.nn.Sequential(_linear(rng), dn.nn.ReLU(), _linear(rng, 4, 2))
    prune.identity(fresh[0], "weight")
    fresh.load_state_dict(dn.load(tmp_path / "sd.dnet"))
    x = dn.tensor(rng.normal(size=(3, 5)))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    prune.remove(model[0], "weight")
    dn.save(model, tmp_path / "m.dnet")
    np.testing.assert_array_equal(dn.load(tmp_path / "m.dnet")(x).detach().numpy(), model(x).detach().numpy())


def test_onnx_export_computes_with_the_pruned_weight(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(8)
    model = dn.nn.Sequential(_linear(rng, dtype=np.float32), dn.nn.ReLU(), _linear(rng, 4, 2, dtype=np.float32))
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    proto = dn.onnx.export(model, tmp_path / "m.onnx", input_shape=(1, 5))
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Relu", "Gemm", "Identity"]
    weight = next(i for i in proto.graph.initializer if i.name == "0.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight), model[0].weight.detach().numpy())
    x = rng.normal(size=(1, 5)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    out = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(out, model(dn.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_load_state_dict_says_how_to_load_a_pruned_state():
    rng = np.random.default_rng(9)
    pruned = dn.nn.Sequential(prune.l1_unstructured(_linear(rng), "weight", 3))
    plain = dn.nn.Sequential(_linear(rng))
    with pytest.raises(KeyError, match=r"pruned on '0.weight'.*prune.identity\(model.get_submodule\('0'\), 'weight'\)"):
        plain.load_state_dict(pruned.state_dict())
    with pytest.raises(KeyError, match=r"this model is pruned on '0.weight'.*prune.remove"):
        pruned.load_state_dict(plain.state_dict())


def test_gradcheck_through_the_mask():
    rng = np.random.default_rng(10)
    m = prune.ln_structured(prune.l1_unstructured(_linear(rng), "weight", 0.3), "weight", 1, n=2, dim=0)
    x = dn.tensor(rng.normal(size=(3, 5)))
    w = dn.tensor(m.weight_orig.detach().numpy().copy(), requires_grad=True)
    assert dn.gradcheck(lambda w: dn.func.functional_call(m, {"weight_orig": w}, x), (w,))
