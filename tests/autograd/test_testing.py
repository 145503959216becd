"""deltanet.testing.assert_close against torch.testing.assert_close (verdicts and messages), and make_tensor."""

import numpy as np
import pytest
from deltanet.testing import assert_close, make_tensor

import deltanet as dn

# (actual, expected, options) built from plain values, so that both libraries get the same case.
CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], {}),
    ([1.0, 2.0, 3.0], [1.0, 2.0 + 1e-6, 3.0], {}),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.001]], {}),
    ([1.0, 0.0], [1.0, 1e-3], {}),
    ([1.0], [1.1], {"rtol": 0.2, "atol": 0.0}),
    ([float("nan")], [float("nan")], {}),
    ([float("nan")], [float("nan")], {"equal_nan": True}),
    ([float("inf")], [float("inf")], {}),
    ([1, 2], [1, 3], {}),
    ([1, 2], [1.0, 2.5], {"check_dtype": False}),
    ([True, False], [True, True], {}),
    ([1.0, 2.0], [1.0, 2.1], {"msg": "custom"}),
]


def _message(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except AssertionError as error:
        return str(error)
    return None


@pytest.mark.parametrize("actual, expected, options", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_verdicts_and_messages_match_pytorch(actual, expected, options, dtype):
    torch = pytest.importorskip("torch")

    def kind(values):  # integers and bools keep their dtype
        return None if not isinstance(values[0], float) else dtype

    a, e = np.array(actual, dtype=kind(actual)), np.array(expected, dtype=kind(expected))
    ours = _message(assert_close, dn.tensor(a), dn.tensor(e), **options)
    theirs = _message(torch.testing.assert_close, torch.tensor(a), torch.tensor(e), **options)
    assert ours == theirs


@pytest.mark.parametrize(
    "actual, expected",
    [
        (1.0, 1.5),
        (1, 2),
        (1, 1.0),
        ([1.0, 2.0], [1.0, 3.0]),
        ({"a": 1.0}, {"a": 2.0}),
        ({"a": 1.0}, {"b": 1.0}),
        ([1.0, 2.0], [1.0, 2.0, 3.0]),
        ((1.0, 2.0), [1.0, 2.0]),
        ({"w": [1.0, {"b": 2.0}]}, {"w": [1.0, {"b": 2.5}]}),
    ],
)
def test_numbers_and_containers_match_pytorch(actual, expected):
    torch = pytest.importorskip("torch")
    assert _message(assert_close, actual, expected) == _message(torch.testing.assert_close, actual, expected)


def test_shape_dtype_and_type_mismatches():
    with pytest.raises(AssertionError, match=r"attribute 'shape' do not match: \(2,\) != \(1, 2\)"):
        assert_close(dn.ones(2), dn.ones(1, 2))
    with pytest.raises(AssertionError, match=r"attribute 'dtype' do not match: float32 != float64"):
        assert_close(dn.ones(2), dn.ones(2, dtype=dn.float64))
    assert_close(dn.ones(2), dn.ones(2, dtype=dn.float64), check_dtype=False)
    with pytest.raises(TypeError, match=r"No comparison pair was able to handle inputs"):
        assert_close(dn.ones(1), np.ones(1))
    with pytest.raises(
        ValueError, match=r"Both 'rtol' and 'atol' must be either specified or omitted, but got no atol"
    ):
        assert_close(dn.ones(1), dn.ones(1), rtol=0.1)
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert_close(dn.nn.Parameter(dn.ones(2)), dn.ones(2))
    with pytest.raises(AssertionError, match=r"^wrapped: Tensor-likes"):
        assert_close(dn.ones(2), dn.zeros(2), msg=lambda text: "wrapped: " + text)


def test_make_tensor():
    x = make_tensor(2, 3, dtype=dn.float64, low=-1, high=1)
    assert x.shape == (2, 3) and x.dtype == dn.float64 and ((x >= -1) & (x < 1)).all()
    i = make_tensor((50,), dtype=dn.int64, low=0, high=3, exclude_zero=True)
    assert set(i.tolist()) <= {1, 2}
    assert make_tensor(4, 4, dtype=dn.float32, noncontiguous=True).numpy().flags.c_contiguous is False
    assert make_tensor(3, dtype=dn.float32, requires_grad=True).requires_grad
    assert make_tensor(20, dtype=dn.bool).dtype == dn.bool
    with pytest.raises(ValueError, match=r"make_tensor: low must be below high for integers, got low=3, high=3"):
        make_tensor(2, dtype=dn.int64, low=3, high=3)
    with pytest.raises(ValueError, match=r"only floating-point tensors can require gradients"):
        make_tensor(2, dtype=dn.int64, requires_grad=True)


def test_deprecated_assert_allclose_matches_pytorch():
    torch = pytest.importorskip("torch")
    cases = [([1.0, 2.0], [1.0, 2.0001]), ([1.0, float("nan")], [1.0, float("nan")]), ([1.0, 2.0], [1.0, 2.1])]
    for actual, expected in cases:
        with pytest.warns(FutureWarning, match="assert_allclose"):
            ours = _message(dn.testing.assert_allclose, dn.tensor(actual), expected)
        with pytest.warns(FutureWarning):
            theirs = _message(torch.testing.assert_allclose, torch.tensor(actual), expected)
        assert ours == theirs


def test_generator_seed_and_state_bytes():
    g = dn.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    state = g.get_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    a = dn.rand(3, generator=g)
    dn.set_rng_state(state)  # a generator's state restarts the default generator too
    assert dn.equal(dn.rand(3), a)
