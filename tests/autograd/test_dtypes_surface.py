"""PyTorch's dtype surface: finfo/iinfo, promote_types/result_type/can_cast, Size,
is_floating_point/is_complex/is_nonzero, set_printoptions, the refused 16-bit floats, and
set_default_dtype followed by every family that makes floats (tensors from Python data, the
factories, integer inputs of float ops, layers' parameters, losses, distributions)."""

import itertools
import math
import threading
import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import backend

DTYPE_NAMES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64")


@pytest.fixture
def float64_default():
    """float64 as the default dtype inside the test, float32 again after it (also when it fails)."""
    with backend.default_dtype(dn.float64):
        yield


# -- finfo and iinfo -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16"])
def test_finfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = dn.finfo(getattr(dn, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)


def test_finfo_values_without_torch():
    f = dn.finfo(dn.float32)
    assert f.eps == 2.0**-23 and f.tiny == f.smallest_normal == 2.0**-126
    assert f.max == float(np.finfo(np.float32).max) == -f.min and f.bits == 32 and f.dtype == "float32"
    assert dn.finfo(dn.float64).eps == 2.0**-52 and dn.finfo(np.float64).eps == 2.0**-52
    assert dn.finfo() == dn.finfo(dn.float32) and dn.finfo(dn.float32) != dn.finfo(dn.float64)


def test_finfo_without_argument_follows_the_default_dtype(float64_default):
    assert dn.finfo().dtype == "float64" and dn.finfo().eps == 2.0**-52


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = dn.iinfo(getattr(dn, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert type(ours.max) is int and repr(ours) == repr(theirs)


def test_iinfo_int64_is_exact():
    assert dn.iinfo(dn.int64).max == 2**63 - 1 and dn.iinfo(dn.long).min == -(2**63)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: dn.finfo(dn.int64), "finfo\\(\\) requires a floating point input type, got int64; use dn.iinfo"),
        (lambda: dn.finfo(dn.bool), "requires a floating point input type"),
        (lambda: dn.iinfo(dn.float32), "iinfo\\(\\) requires an integer input type, got float32; use dn.finfo"),
        (lambda: dn.iinfo(dn.bool), "requires an integer input type, got bool"),
        (lambda: dn.iinfo(dn.bfloat16), "requires an integer input type, got bfloat16"),
        (lambda: dn.finfo("float32"), "argument 'type' must be a dtype such as dn.float32, got 'float32'"),
        (lambda: dn.finfo(3), "must be a dtype"),
        (lambda: dn.iinfo(None), "must be a dtype"),
    ],
)
def test_finfo_iinfo_refuse_the_wrong_kind(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_eps_guard_keeps_log_finite():
    p = dn.tensor([0.0, 0.5, 1.0], requires_grad=True)
    eps = dn.finfo(p.dtype).eps
    loss = -dn.log(p + eps).sum()
    loss.backward()
    assert math.isfinite(loss.item()) and np.isfinite(p.grad.data).all()


# -- promotion ---------------------------------------------------------------------------------------
def test_promote_types_and_can_cast_match_torch_for_every_pair():
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(DTYPE_NAMES, repeat=2):
        ours = dn.promote_types(getattr(dn, a), getattr(dn, b))
        theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert ours.name == str(theirs).replace("torch.", ""), (a, b)
        assert dn.can_cast(getattr(dn, a), getattr(dn, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_promote_types_is_pytorchs_not_numpys():
    assert dn.promote_types(dn.int64, dn.float32) == dn.float32  # NumPy: float64
    assert dn.promote_types(dn.uint8, dn.int8) == dn.int16


@pytest.mark.parametrize(
    "pair",
    [
        ("int64 tensor", 1.0),
        ("int32 tensor", 5),
        ("float32 tensor", "float64 scalar"),
        ("float32 scalar", "int64 tensor"),
        ("bool tensor", 2),
        ("bool tensor", True),
        (2, 3.0),
        (True, 2),
        ("float64 tensor", 1.5),
        ("int32 scalar", "int64 scalar"),
    ],
)
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_result_type_matches_torch(pair, default):
    torch = pytest.importorskip("torch")

    def make(lib, spec):
        if not isinstance(spec, str):
            return spec
        dtype, kind = spec.split()
        data = [1, 0] if kind == "tensor" else 1
        return lib.tensor(data, dtype=getattr(lib, dtype))

    try:
        torch.set_default_dtype(getattr(torch, default))
        dn.set_default_dtype(getattr(dn, default))
        ours = dn.result_type(*(make(dn, s) for s in pair))
        theirs = torch.result_type(*(make(torch, s) for s in pair))
    finally:
        torch.set_default_dtype(torch.float32)
    assert ours.name == str(theirs).replace("torch.", "")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dn.promote_types("float32", dn.int64), TypeError, "must be a dtype"),
        (lambda: dn.promote_types(dn.float16, dn.float32), ValueError, "float32 or float64, got float16"),
        (lambda: dn.can_cast(dn.bfloat16, dn.float32), TypeError, "float32 or float64, got bfloat16"),
        (lambda: dn.result_type([1.0], 2), TypeError, "expected a tensor or a number, got list"),
    ],
)
def test_promotion_refuses_what_is_not_a_dtype(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- predicates --------------------------------------------------------------------------------------
def test_is_floating_point_complex_nonzero():
    assert dn.is_floating_point(dn.tensor([1.0])) and not dn.is_floating_point(dn.tensor([1]))
    assert not dn.is_complex(dn.tensor([1.0])) and not dn.tensor([1.0]).is_complex()
    assert dn.is_nonzero(dn.tensor([2.0])) and not dn.is_nonzero(dn.tensor(0)) and dn.is_nonzero(dn.tensor(True))
    assert isinstance(dn.tensor([1.0]).dtype, dn.dtype) and isinstance(dn.int64, dn.dtype)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dn.is_floating_point([1.0]), TypeError, "argument 'input' must be a Tensor, got list"),
        (lambda: dn.is_complex(np.ones(2)), TypeError, "must be a Tensor, got ndarray"),
        (lambda: dn.is_nonzero(dn.tensor([1.0, 2.0])), ValueError, "2 elements is ambiguous"),
        (lambda: dn.is_nonzero(dn.tensor([])), ValueError, "0 elements is ambiguous"),
    ],
)
def test_predicates_refuse_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- Size ---------------------------------------------------------------------------------------------
def test_size_is_a_tuple_with_numel():
    s = dn.Size([2, 3, 4])
    assert isinstance(s, tuple) and s == (2, 3, 4) and s.numel() == 24 and dn.Size().numel() == 1
    assert type(s[1:]) is dn.Size and s[1:].numel() == 12 and s[0] == 2 and type(s[0]) is int
    assert type(s + (5,)) is dn.Size and (s + (5,)).numel() == 120 and type((1,) + s) is dn.Size
    assert dn.Size(np.array([2, 3])) == (2, 3) and dn.Size([dn.tensor(4)]) == (4,)
    assert np.zeros(s).shape == (2, 3, 4) and hash(s) == hash((2, 3, 4))


def test_shape_and_size_return_size():
    x = dn.zeros(2, 3, 4)
    assert type(x.shape) is dn.Size and type(x.size()) is dn.Size
    assert x.shape == dn.Size([2, 3, 4]) and x.size() == torch_free_size(2, 3, 4)
    assert x.shape[1:].numel() == 12 and x.size()[1:].numel() == 12 and x.size(-1) == 4
    assert x.size == 24  # NumPy's spelling still reads the count
    assert x.reshape(x.shape[0], -1).shape == (2, 12) and dn.zeros(x.shape).shape == x.shape


def torch_free_size(*n):
    return tuple(n)


def test_size_matches_torch():
    torch = pytest.importorskip("torch")
    x, t = dn.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.shape == t.shape and tuple(x.shape[1:]) == tuple(t.shape[1:]) and x.shape.numel() == t.shape.numel()
    assert dn.Size(t.shape) == x.shape


@pytest.mark.parametrize("bad", [[2.5], [True], ["3"], [dn.tensor(2.0)]])
def test_size_refuses_non_integers(bad):
    with pytest.raises(TypeError, match="Size\\(\\) takes an iterable of 'int' \\(item 0 is"):
        dn.Size(bad)


# -- 16-bit floats: the names exist, using them says why not ----------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: dn.zeros(2, dtype=dn.float16),
        lambda: dn.zeros(2, dtype=dn.bfloat16),
        lambda: dn.tensor([1.0], dtype=dn.half),
        lambda: dn.tensor([1.0]).to(dn.bfloat16),
        lambda: dn.tensor([1.0]).to(dn.float16),
        lambda: dn.tensor([1.0]).half(),
        lambda: dn.tensor([1.0]).bfloat16(),
        lambda: dn.nn.Linear(2, 2, dtype=dn.bfloat16),
        lambda: dn.nn.Linear(2, 2).half(),
        lambda: dn.nn.Linear(2, 2).bfloat16(),
        lambda: dn.nn.Linear(2, 2).to(dn.bfloat16),
    ],
)
def test_16_bit_floats_are_refused_by_name(call):
    with pytest.raises(ValueError, match="float32 or float64"):
        call()
    assert repr(dn.bfloat16) == "bfloat16" and dn.half == dn.float16


# -- set_default_dtype --------------------------------------------------------------------------------
def test_get_and_set_default_dtype():
    assert dn.get_default_dtype() == dn.float32
    dn.set_default_dtype(dn.float64)
    try:
        assert dn.get_default_dtype() == dn.float64
        dn.set_default_dtype(np.float32)  # the NumPy scalar type names the dtype too
        assert dn.get_default_dtype() == dn.float32
    finally:
        dn.set_default_dtype(dn.float32)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (dn.int64, "only floating-point types are supported as the default type"),
        (dn.bool, "only floating-point types"),
        ("float64", "only floating-point types .* got 'float64'"),
        (float, "only floating-point types"),
        (dn.float16, "deltanet computes in float32 or float64, got float16"),
        (dn.bfloat16, "deltanet computes in float32 or float64, got bfloat16"),
    ],
)
def test_set_default_dtype_refuses_all_but_float32_and_float64(value, match):
    with pytest.raises(TypeError, match=match):
        dn.set_default_dtype(value)
    assert dn.get_default_dtype() == dn.float32


def test_default_dtype_block_restores_after_an_exception():
    with pytest.raises(RuntimeError, match="midway"), backend.default_dtype(dn.float64):
        assert dn.zeros(1).dtype == dn.float64
        raise RuntimeError("midway")
    assert dn.get_default_dtype() == dn.float32 and dn.zeros(1).dtype == dn.float32


def test_default_dtype_is_process_wide_as_in_pytorch(float64_default):
    seen = []
    worker = threading.Thread(target=lambda: seen.append(dn.tensor([1.0]).dtype))
    worker.start()
    worker.join()
    assert seen == [dn.float64]


MAKERS = {
    "tensor from list": lambda: dn.tensor([1.0, 2.0]),
    "tensor from float": lambda: dn.tensor(2.5),
    "as_tensor": lambda: dn.as_tensor([1.0]),
    "zeros": lambda: dn.zeros(2),
    "ones": lambda: dn.ones(2, 2),
    "empty": lambda: dn.empty(2),
    "rand": lambda: dn.rand(2),
    "randn": lambda: dn.randn(2),
    "full": lambda: dn.full((2,), 1.5),
    "arange float": lambda: dn.arange(0, 1, 0.25),
    "linspace": lambda: dn.linspace(0, 1, 3),
    "logspace": lambda: dn.logspace(0, 1, 3),
    "eye": lambda: dn.eye(2),
    "int / int": lambda: dn.arange(3) / 2,
    "int ** 0.5": lambda: dn.arange(3) ** 0.5,
    "int * float": lambda: dn.arange(3) * 1.5,
    "sqrt of int": lambda: dn.sqrt(dn.arange(3)),
    "sigmoid of int": lambda: dn.sigmoid(dn.arange(3)),
    "clamp int by floats": lambda: dn.clamp(dn.arange(3), 0.5, 1.5),
    "where of floats": lambda: dn.where(dn.tensor([True, False]), 1.0, 0.0),
    "Linear weight": lambda: dn.nn.Linear(2, 2).weight,
    "Linear bias": lambda: dn.nn.Linear(2, 2).bias,
    "Conv1d": lambda: dn.nn.Conv1d(1, 1, 3).weight,
    "Conv2d": lambda: dn.nn.Conv2d(1, 1, 3).bias,
    "Conv3d": lambda: dn.nn.Conv3d(1, 1, 3).weight,
    "ConvTranspose2d": lambda: dn.nn.ConvTranspose2d(1, 1, 3).weight,
    "BatchNorm1d running_var": lambda: dn.nn.BatchNorm1d(2).running_var,
    "BatchNorm2d weight": lambda: dn.nn.BatchNorm2d(2).weight,
    "LayerNorm": lambda: dn.nn.LayerNorm(2).weight,
    "GroupNorm": lambda: dn.nn.GroupNorm(1, 2).bias,
    "InstanceNorm2d": lambda: dn.nn.InstanceNorm2d(2, affine=True).weight,
    "Embedding": lambda: dn.nn.Embedding(3, 2).weight,
    "RNN": lambda: dn.nn.RNN(2, 2).weight_ih_l0,
    "LSTM": lambda: dn.nn.LSTM(2, 2).weight_hh_l0,
    "GRU": lambda: dn.nn.GRU(2, 2).bias_ih_l0,
    "MultiheadAttention": lambda: dn.nn.MultiheadAttention(4, 2).in_proj_weight,
    "PReLU": lambda: dn.nn.PReLU().weight,
    "Bilinear": lambda: dn.nn.Bilinear(2, 2, 2).weight,
    "TransformerEncoderLayer": lambda: dn.nn.TransformerEncoderLayer(4, 2, 8).linear1.weight,
    "square subsequent mask": lambda: dn.nn.Transformer.generate_square_subsequent_mask(3),
    "mse_loss": lambda: dn.nn.functional.mse_loss(dn.randn(3), dn.randn(3)),
    "cross_entropy": lambda: dn.nn.functional.cross_entropy(dn.randn(3, 4), dn.tensor([0, 1, 2])),
    "bce with logits": lambda: dn.nn.functional.binary_cross_entropy_with_logits(
        dn.randn(3), dn.tensor([0.0, 1.0, 1.0])
    ),
    "Linear forward of a list": lambda: dn.nn.Linear(2, 2)(dn.tensor([[1.0, 2.0]])),
    "interpolate": lambda: dn.nn.functional.interpolate(dn.rand(1, 1, 2, 2), scale_factor=2),
    "Normal sample": lambda: dn.distributions.Normal(0.0, 1.0).sample(),
    "Normal log_prob": lambda: dn.distributions.Normal(0.0, 1.0).log_prob(dn.tensor(0.5)),
    "clip_grad_norm_ without grads": lambda: dn.nn.utils.clip_grad_norm_([dn.nn.Parameter(dn.randn(2))], 1.0),
    "parameters_to_vector of nothing": lambda: dn.nn.utils.parameters_to_vector([]),
    "kaiming_normal_": lambda: dn.nn.init.kaiming_normal_(dn.empty(2, 2)),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_every_family_follows_the_default_dtype_and_back(name):
    with backend.default_dtype(dn.float64):
        assert MAKERS[name]().dtype == dn.float64
    assert MAKERS[name]().dtype == dn.float32


def test_families_match_torch_under_float64():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    try:
        assert torch.tensor([1.0]).dtype == torch.nn.Linear(2, 2).weight.dtype == torch.float64
        assert (torch.arange(3) / 2).dtype == torch.distributions.Normal(0.0, 1.0).sample().dtype == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)


def test_what_keeps_its_dtype_under_a_float64_default(float64_default):
    assert dn.from_numpy(np.ones(2, np.float32)).dtype == dn.float32
    assert dn.tensor(np.ones(2, np.float32)).dtype == dn.float32
    assert (dn.zeros(2, dtype=dn.float32) + 1.5).dtype == dn.float32
    assert dn.tensor([1, 2]).dtype == dn.int64 and dn.arange(3).dtype == dn.int64 and dn.full((2,), 1).dtype == dn.int64
    assert dn.zeros(2, dtype=dn.float32).new_zeros(2).dtype == dn.float32
    assert dn.nn.Linear(2, 2, dtype=dn.float32).weight.dtype == dn.float32
    assert dn.tensor([1.0]).float().dtype == dn.float32  # .float() is float32 whatever the default


def test_a_float64_model_trains_under_the_default(float64_default):
    rng = np.random.default_rng(0)
    x = dn.tensor(rng.standard_normal((16, 3)).tolist())
    y = x @ dn.tensor([[1.0], [-2.0], [0.5]]) + 0.25
    model = dn.nn.Linear(3, 1)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = dn.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert loss.dtype == model.weight.grad.dtype == dn.float64 and losses[-1] < 1e-2 * losses[0]


def test_repr_leaves_out_the_default_dtype(float64_default):
    assert repr(dn.tensor([1.0])) == "tensor([1.])"
    assert repr(dn.tensor([1.0], dtype=dn.float32)) == "tensor([1.], dtype=float32)"


# -- set_printoptions (the format itself: test_printing.py) -----------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"precision": -1}, "precision must be a non-negative integer, got -1"),
        ({"precision": 2.5}, "precision must be a non-negative integer"),
        ({"profile": "long"}, "profile must be one of"),
        ({"sci_mode": "yes"}, "sci_mode must be"),
        ({"linewidth": 0}, "linewidth must be"),
        ({"threshold": -1}, "threshold must be"),
    ],
)
def test_set_printoptions_refuses_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dn.set_printoptions(**kwargs)


# -- dtypes inferred from Python data ---------------------------------------------------------------
DATA = {
    "Python floats": lambda lib: [1.0, 2.0],
    "numpy float64 scalars": lambda lib: [np.float64(1.0), 2.0],
    "numpy float32 scalar and a Python float": lambda lib: [np.float32(1.0), 2.0],
    "numpy float32 scalar and an int": lambda lib: [np.float32(1.0), 2],
    "nested float64 scalar": lambda lib: [[np.float64(1.0)], [2.0]],
    "list of float64 arrays": lambda lib: [np.ones(2), np.ones(2)],
    "list of float32 arrays": lambda lib: [np.ones(2, np.float32)],
    "list of 0-d float64 tensors": lambda lib: [lib.tensor(1.0, dtype=lib.float64), lib.tensor(2.0, dtype=lib.float64)],
    "numpy statistics": lambda lib: [np.mean([1.0, 2.0]), np.std([1.0, 2.0])],
}


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("name", list(DATA))
def test_dtype_of_python_data_matches_torch(name, default):
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(getattr(torch, default))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PyTorch: "a list of numpy.ndarrays is extremely slow"
            theirs = torch.tensor(DATA[name](torch)).dtype
        with backend.default_dtype(getattr(dn, default)):
            ours = dn.tensor(DATA[name](dn)).dtype
    finally:
        torch.set_default_dtype(torch.float32)
    assert ours.name == str(theirs).replace("torch.", "")


def test_python_floats_with_numpy_float64_give_float64_without_torch():
    assert dn.tensor([np.float64(1.0), 2.0]).dtype == dn.float64
    assert dn.tensor([1.0, 2.0]).dtype == dn.float32 and dn.tensor([np.float32(1.0), 2.0]).dtype == dn.float32


def test_integers_beyond_int64_are_refused():
    with pytest.raises(ValueError, match="integers must fit in int64"):
        dn.tensor([2**63])
    assert dn.tensor([2**63 - 1]).dtype == dn.int64
