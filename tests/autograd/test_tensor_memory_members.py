"""PyTorch's Tensor members about memory and Python callables: ``set_``, ``apply_``, ``map_``,
``storage()``/``untyped_storage()``, ``layout``, ``is_sparse``, ``get_device()``, ``is_inference()``,
the in-place logical ops and ``renorm_``, and ``numpy()`` on a tensor that requires grad."""

import warnings

import numpy as np
import pytest

import deltanet as dn


def _storage(t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return t.storage()


# -- NumPy-only ----------------------------------------------------------------------------------
def test_facts_of_a_dense_cpu_tensor():
    x = dn.zeros(2, 3)
    assert x.layout is dn.strided and repr(dn.strided) == "deltanet.strided"
    assert x.is_sparse is False and x.get_device() == -1
    with pytest.raises(RuntimeError, match="no inference mark"):
        x.is_inference()
    assert not (x.is_meta or x.is_quantized or x.is_mkldnn or x.is_pinned() or x.is_shared())
    assert x.to_dense() is x and x.to_dense(dn.float64).dtype == dn.float64
    signed = [dn.zeros(1, dtype=d).is_signed() for d in (dn.float32, dn.int64, dn.uint8, dn.bool, dn.int8)]
    assert signed == [True, True, False, False, True]


def test_untyped_storage_is_the_memory_a_view_sees():
    x = dn.arange(6.0).reshape(2, 3)
    s = x[:, 1:].untyped_storage()
    assert s.data_ptr() == x.data_ptr() and s.nbytes() == s.size() == len(s) == 24
    assert s.tolist() == x.array.view(np.uint8).ravel().tolist()
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        typed = x[1].storage()
    assert typed.size() == 6 and typed.dtype == np.float32 and typed.tolist() == list(range(6))
    assert typed.untyped().nbytes() == 24


def test_set_shares_memory_and_bumps_the_version():
    source = dn.arange(6.0)
    x = dn.zeros(2, 2)
    assert x.set_(source) is x and x.shape == (6,) and x._version == 1
    x.add_(1)
    assert source.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    y = dn.zeros(1).set_(source, 1, (2, 2), (1, 2))
    assert y.tolist() == [[2.0, 4.0], [3.0, 5.0]]
    assert dn.zeros(1).set_(source[2:], 1, (2,)).tolist() == [4.0, 5.0]  # from the source's first element
    assert dn.zeros(1).set_(source.untyped_storage(), 1, (2,), (2,)).tolist() == [2.0, 4.0]
    assert dn.zeros(3).set_().shape == (0,)


def test_set_refusals():
    with pytest.raises(RuntimeError, match="Could not set tensor of type float64"):
        dn.zeros(2).set_(dn.zeros(2, dtype=dn.float64))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        dn.zeros(2, requires_grad=True).set_(dn.zeros(2))
    with pytest.raises(RuntimeError, match="no history"):
        dn.zeros(2).set_(dn.zeros(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="past the source"):
        dn.zeros(2).set_(dn.zeros(6), 0, (7,))
    with pytest.raises(TypeError, match="give both"):
        dn.zeros(2).set_(dn.zeros(6), 1)
    w = dn.zeros(2, requires_grad=True)
    with dn.no_grad():
        w.set_(dn.ones(3))
    assert w.requires_grad and w.tolist() == [1.0, 1.0, 1.0]


def test_set_after_a_graph_saved_the_old_memory_refuses_backward():
    """PyTorch raises "modified by an inplace operation" here; backward through the old values
    (w.grad [1, 2, 3]) would be silently another gradient than the memory now holds."""
    w = dn.ones(3, requires_grad=True)
    x = dn.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.set_(dn.tensor([10.0, 20.0, 30.0]))
    with pytest.raises(RuntimeError, match=r"Mul saved a tensor of shape \(3,\).*set_\(\) gave"):
        y.backward()
    y = (w * x).sum()  # recorded after set_: the new memory
    y.backward()
    assert w.grad.tolist() == [10.0, 20.0, 30.0]


def test_apply_and_map_call_python_per_element():
    seen = []
    x = dn.tensor([1.0, -2.0]).apply_(lambda v: seen.append(type(v)) or v * 3)
    assert x.tolist() == [3.0, -6.0] and seen == [float, float] and x._version == 1
    assert dn.zeros(3, dtype=dn.int64).apply_(lambda v: v + 1.7).tolist() == [1, 1, 1]
    assert dn.zeros(2, 2).map_(dn.tensor([1.0, 2.0]), lambda v, w: v + w).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable that requires grad"):
        dn.zeros(2, requires_grad=True).apply_(abs)
    with pytest.raises(RuntimeError, match=r"Can't call map_\(\)"):
        dn.zeros(2).map_(dn.zeros(2, requires_grad=True), max)
    with pytest.raises(TypeError, match="must be real number, not str"):
        dn.zeros(2).apply_(str)
    with pytest.raises(TypeError, match="dtype float32"):
        dn.zeros(2).map_(dn.zeros(2, dtype=dn.int64), max)
    with pytest.raises(RuntimeError, match="expanded size"):
        dn.zeros(1).map_(dn.zeros(3), max)


def test_logical_and_renorm_in_place():
    x = dn.tensor([0.0, 2.0, -1.0])
    assert x.clone().logical_not_().tolist() == [1.0, 0.0, 0.0]
    assert x.clone().logical_and_(dn.tensor([1.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 0.0]
    assert dn.tensor([1, 0, 3]).logical_or_(dn.tensor([0, 0, 1])).tolist() == [1, 0, 1]
    assert dn.tensor([True, False]).logical_xor_(dn.tensor([True, True])).tolist() == [False, True]
    w = dn.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=dn.float64)
    expected = dn.renorm(w, 2, 0, 1.0).tolist()
    assert w.renorm_(2, 0, 1.0).tolist() == expected and w._version == 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        dn.ones(2, requires_grad=True).renorm_(2, 0, 1.0)


def test_renorm_in_place_is_differentiable():
    def f(x):
        return (x * 1).renorm_(2, 0, 1.0)

    x = dn.tensor(np.random.default_rng(0).normal(size=(3, 2)) * 2, requires_grad=True)
    assert dn.gradcheck(f, [x])


def test_numpy_refuses_a_tensor_that_requires_grad():
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    for t in (w, w * 2):
        with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
            t.numpy()
    with dn.no_grad():  # PyTorch 2.13 gives the array inside no_grad
        assert w.numpy() is w.array
    w.numpy(force=True)[0] = 5.0  # shared, as PyTorch's
    assert w.tolist() == [5.0, 2.0] and w.detach().numpy() is w.array
    with pytest.raises(TypeError):
        w.numpy(True)


# -- against PyTorch -----------------------------------------------------------------------------
def test_members_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (dn, torch):
        assert lib.zeros(2).layout is lib.strided
    for lib_t in (torch.zeros(2, 3), dn.zeros(2, 3)):
        assert (lib_t.get_device(), lib_t.is_sparse, lib_t.is_meta, lib_t.is_pinned(), lib_t.is_shared()) == (
            -1,
            False,
            False,
            False,
            False,
        )
        assert lib_t.to_dense() is lib_t
    for lib in (torch, dn):
        signs = [lib.zeros(1, dtype=d).is_signed() for d in (lib.float64, lib.int32, lib.uint8, lib.bool)]
        assert signs == [True, True, False, False]
        s = lib_t[1:, 1:].untyped_storage()
        assert (s.nbytes(), s.size(), s.data_ptr() == lib_t.data_ptr()) == (24, 24, True)
        assert _storage(lib_t[1]).size() == 6
    results = []
    for lib in (torch, dn):
        src = lib.arange(12.0, dtype=lib.float64)
        out = [
            lib.zeros(1, dtype=lib.float64).set_(src[3:], 2, (2, 3), (1, 2)),
            lib.zeros(1, dtype=lib.float64).set_(src.untyped_storage(), 1, (3,), (3,)),
            lib.zeros(1, dtype=lib.float64).set_(src[1:4]),
            lib.tensor([1.5, -2.0, 0.0], dtype=lib.float64).apply_(lambda v: v * v - 1),
            lib.tensor([1, 2, 3]).apply_(lambda v: v / 2),
            lib.ones(2, 3, dtype=lib.float64).map_(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64), lambda a, b: a - b),
            lib.tensor([0.0, 2.0, -1.0]).logical_not_(),
            lib.tensor([0, 2, -1]).logical_xor_(lib.tensor([1, 0, -1])),
            lib.tensor([0.0, 2.0, -1.0]).logical_or_(lib.tensor([0.0, 0.0, 1.0])),
            lib.tensor([[3.0, 4.0], [0.3, 0.4], [1.0, 0.0]], dtype=lib.float64).renorm_(1, 0, 2.0),
        ]
        results.append([(o.tolist(), str(o.dtype).split(".")[-1]) for o in out])
    assert results[0] == results[1]
    for lib in (torch, dn):
        with pytest.raises(RuntimeError, match="Can't call numpy"):
            lib.ones(1, requires_grad=True).numpy()


def test_renorm_in_place_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1).normal(size=(3, 4)) * 2
    grads = []
    for lib in (torch, dn):
        x = lib.tensor(data, requires_grad=True)
        y = (x * 1).renorm_(3, 1, 1.5)
        (y * lib.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-10, atol=1e-12)


def test_pin_memory_raises_pytorchs_error_without_an_accelerator():
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        dn.zeros(2).pin_memory()


def test_pin_memory_is_pytorchs_error_on_a_cpu_only_torch():
    torch = pytest.importorskip("torch")
    if torch.accelerator.is_available():
        pytest.skip("this torch has an accelerator: pin_memory works there")
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        torch.zeros(2).pin_memory()


def test_share_memory_refuses_instead_of_claiming_shared_memory():
    x = dn.zeros(2)
    with pytest.raises(RuntimeError, match=r"share_memory_\(\): deltanet tensors .* cannot be shared"):
        x.share_memory_()
    assert not x.is_shared()
