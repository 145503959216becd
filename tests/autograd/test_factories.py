"""Factories: shapes given both ways, PyTorch's dtypes, ``requires_grad``, ``device``, seeded
randomness, copying (``tensor``) versus sharing (``as_tensor``, ``from_numpy``), dtype names."""

import numpy as np
import pytest

import deltanet as dn


def test_sizes_given_both_ways():
    for make in (dn.zeros, dn.ones, dn.empty, dn.rand, dn.randn):
        assert make(2, 3).shape == make((2, 3)).shape == make([2, 3]).shape == (2, 3)
        assert make(()).shape == ()
        assert make(dn.zeros(4, 1).size()).shape == (4, 1)
    with pytest.raises(ValueError, match=r"zeros\(\): sizes must be non-negative, got \(2, -1\)"):
        dn.zeros(2, -1)
    with pytest.raises(TypeError, match=r"ones\(\): the size must be integers, got \(2.5,\)"):
        dn.ones(2.5)


def test_dtypes_follow_pytorch():
    torch = pytest.importorskip("torch")
    cases = [
        (lambda lib: lib.zeros(2), "float32"),
        (lambda lib: lib.arange(5), "int64"),
        (lambda lib: lib.arange(0, 1, 0.25), "float32"),
        (lambda lib: lib.arange(5, dtype=lib.float64), "float64"),
        (lambda lib: lib.linspace(0, 1, 5), "float32"),
        (lambda lib: lib.full((2,), 3), "int64"),
        (lambda lib: lib.full((2,), 3.0), "float32"),
        (lambda lib: lib.full((2,), True), "bool"),
        (lambda lib: lib.eye(2, 3), "float32"),
        (lambda lib: lib.randint(0, 10, (3,)), "int64"),
        (lambda lib: lib.randperm(4), "int64"),
        (lambda lib: lib.rand(2), "float32"),
        (lambda lib: lib.randn(2, dtype=lib.float64), "float64"),
        (lambda lib: lib.tensor(3), "int64"),
        (lambda lib: lib.tensor([1.5]), "float32"),
        (lambda lib: lib.tensor(True), "bool"),
        (lambda lib: lib.tensor([]), "float32"),
        (lambda lib: lib.tensor(np.array([1.0])), "float64"),
        (lambda lib: lib.ones_like(lib.tensor([1, 2])), "int64"),
        (lambda lib: lib.zeros_like(lib.ones(2), dtype=lib.float64), "float64"),
        (lambda lib: lib.full_like(lib.ones(2), 7), "float32"),
        (lambda lib: lib.rand_like(lib.ones(2, dtype=lib.float64)), "float64"),
    ]
    for make, expected in cases:
        ours, theirs = make(dn), make(torch)
        assert str(ours.dtype) == expected == str(theirs.dtype).removeprefix("torch."), expected
        assert ours.shape == tuple(theirs.shape)


def test_values_match_pytorch():
    torch = pytest.importorskip("torch")
    for make in (
        lambda lib: lib.arange(5),
        lambda lib: lib.arange(2, 11, 3),
        lambda lib: lib.arange(0.5, 3),
        lambda lib: lib.arange(1, 0, -0.25),
        lambda lib: lib.linspace(-1, 1, 7),
        lambda lib: lib.eye(3, 2),
        lambda lib: lib.full((2, 2), 1.5),
        lambda lib: lib.ones(2, 3),
    ):
        np.testing.assert_allclose(make(dn).numpy(), make(torch).numpy(), rtol=1e-6, atol=1e-7)  # float32 rounding


def test_requires_grad_and_device():
    x = dn.zeros(2, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    assert dn.ones(2, device="cpu").device == dn.device("cpu")
    assert dn.arange(3, device=dn.device("cpu")).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"only floating-point tensors can require gradients, got dtype int64"):
        dn.arange(3, requires_grad=True)
    for make in (lambda: dn.zeros(2, device="cuda"), lambda: dn.tensor([1.0], device="cuda:0")):
        with pytest.raises(RuntimeError, match=r"deltanet has no GPU backend"):
            make()


def test_randomness_is_seeded():
    dn.manual_seed(7)
    a = (dn.rand(3).tolist(), dn.randn(2).tolist(), dn.randint(0, 100, (4,)).tolist(), dn.randperm(5).tolist())
    dn.manual_seed(7)
    b = (dn.rand(3).tolist(), dn.randn(2).tolist(), dn.randint(0, 100, (4,)).tolist(), dn.randperm(5).tolist())
    assert a == b
    assert dn.rand(4, generator=1).tolist() == dn.rand(4, generator=np.random.default_rng(1)).tolist()
    assert sorted(dn.randperm(6).tolist()) == list(range(6))
    x = dn.randint(3, 6, (200,))
    assert x.min().item() == 3 and x.max().item() == 5
    assert dn.randint(4, (3, 2)).shape == (3, 2)  # randint(high, size)
    with pytest.raises(ValueError, match=r"randint\(\): high must be greater than low"):
        dn.randint(5, 5, (2,))
    with pytest.raises(ValueError, match=r"rand: dtype must be float32 or float64, got int64"):
        dn.rand(2, dtype=dn.int64)


def test_tensor_copies_as_tensor_and_from_numpy_share():
    a = np.zeros(3)
    t = dn.tensor(a)
    t.add_(1)
    assert a.tolist() == [0.0, 0.0, 0.0]  # torch.tensor copies too
    s = dn.as_tensor(a)
    s.add_(1)
    assert a.tolist() == [1.0, 1.0, 1.0]
    f = dn.from_numpy(a)
    a[0] = 5.0
    assert f.array is a and f.tolist()[0] == 5.0
    x = dn.ones(2)
    assert dn.as_tensor(x) is x and dn.as_tensor(x, dtype=dn.float32) is x
    assert dn.as_tensor(x, dtype=dn.float64).dtype == dn.float64
    assert dn.as_tensor([1, 2]).dtype == dn.int64
    copy = dn.tensor(x)
    assert copy is not x and not np.shares_memory(copy.array, x.array)
    with pytest.raises(TypeError, match=r"from_numpy expects a numpy.ndarray, got list"):
        dn.from_numpy([1.0])
    with pytest.raises(ValueError, match=r"float32 or float64, got float16"):
        dn.from_numpy(np.zeros(2, np.float16))


def test_dtype_names():
    assert dn.float32 == dn.float == np.float32 and dn.float64 == dn.double == np.float64
    assert dn.int64 == dn.long and dn.int32 == dn.int and dn.int16 == dn.short
    assert dn.bool == np.bool_ and dn.uint8 == np.uint8 and dn.int8 == np.int8
    x = dn.zeros(2)
    assert x.dtype == dn.float32 and x.dtype == dn.float
    for dtype in (dn.float64, dn.int64, dn.bool, dn.uint8, "float64", np.float64, float, int):
        assert dn.zeros(2, dtype=dtype).dtype == np.dtype(dtype)
        assert dn.tensor([1, 0], dtype=dtype).dtype == np.dtype(dtype)
        assert x.to(dtype).dtype == np.dtype(dtype)
    with pytest.raises(ValueError, match=r"dtype must be a NumPy dtype such as dn.float32"):
        dn.zeros(2, dtype="nonsense")
    with pytest.raises(ValueError, match=r"float32 or float64, got float16"):
        dn.zeros(2, dtype=np.float16)


def test_new_tensors_take_this_ones_dtype():
    x = dn.ones(2, dtype=dn.float64)
    assert x.new_zeros(2, 3).dtype == dn.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(4).tolist() == [1.0] * 4 and x.new_empty(1).dtype == dn.float64
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == dn.float64
    assert x.new_tensor([1, 2]).dtype == dn.float64 and x.new_zeros(2, dtype=dn.int64).dtype == dn.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_as_pytorchs_keyword(name):
    factory = getattr(dn, name)
    assert factory(size=(2, 3)).shape == factory(2, 3).shape == factory((2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match=rf"{name}\(\): give the size once, positionally or as size=, got both"):
        factory(2, size=(3,))


def test_generator_is_seeded_like_torchs_and_taken_by_every_generator_argument():
    g = dn.Generator().manual_seed(42)
    assert g.initial_seed() == 42
    first = dn.randperm(6, generator=g).tolist()
    assert dn.randperm(6, generator=dn.Generator().manual_seed(42)).tolist() == first
    state = g.get_state()
    a = dn.rand(3, generator=g).tolist()
    assert dn.rand(3, generator=g.set_state(state)).tolist() == a
    assert dn.Generator().manual_seed(-5).initial_seed() == 2**64 - 5  # PyTorch's wrap
    with pytest.raises(ValueError, match=r"manual_seed: Overflow"):
        dn.Generator().manual_seed(-(2**63) - 1)
    with pytest.raises(RuntimeError, match="cuda"):
        dn.Generator("cuda")


def test_as_tensor_names_its_caller_when_the_data_cannot_become_a_tensor():
    with pytest.raises(ValueError, match=r"^relu: deltanet expects numeric data .*got dtype <U1"):
        dn.functional.relu(["a"])
    with pytest.raises(ValueError, match=r"^conv2d: deltanet expects numeric data"):
        dn.functional.conv2d([[["x"]]], dn.ones(1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"^my_op: deltanet computes in float32 or float64, got float16"):
        dn.as_tensor(np.ones(2, np.float16), owner="my_op")
    with pytest.raises(ValueError, match=r"^deltanet expects numeric data"):
        dn.as_tensor(["a"])  # PyTorch's call: no owner, the message as it is
    x = dn.ones(2)
    assert dn.as_tensor(x, owner="f") is x
