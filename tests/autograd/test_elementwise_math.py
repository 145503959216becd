"""The elementwise math of logodds.py, angles.py, periodic.py, signs.py, gamma.py, bessel.py,
integers.py, clamping.py and powers.py against PyTorch: values, dtypes (integers computed in
float32, float_power in float64), gradients in float64, edges (0 log 0, logit of 0 and 1, the poles
of the gamma functions, signed zeros), the in-place forms and the refusals; and the sign of zero
through clamp, maximum and minimum, and exp's silent overflow."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import deltanet as dn

RNG = np.random.default_rng(7)
P = RNG.uniform(0.05, 0.95, (3, 4))  # probabilities
Q = RNG.uniform(0.2, 3.0, (4,))  # positive, broadcast against P
X = RNG.uniform(-6.0, 6.0, (3, 4))
X_OFF = np.floor(X) + 0.1 + 0.8 * (X - np.floor(X))  # 0.1 away from the integers (poles, jumps)

TRIGONOMETRY = (
    "tan atan arctan asin arcsin acos arccos sinh cosh asinh arcsinh acosh arccosh atanh arctanh exp2".split()
)
# name -> (call on a library, inputs, rtol of values and gradients against PyTorch in float64)
DIFFERENTIABLE = {
    "logit": (lambda L, x: L.logit(x), [P], 1e-13),
    "logit eps": (lambda L, x: L.logit(x, eps=0.2), [P], 1e-13),
    "xlogy": (lambda L, x, y: L.xlogy(x, y), [X, Q], 1e-13),
    "logaddexp": (lambda L, x, y: L.logaddexp(x, y), [X, Q], 1e-13),
    "logaddexp2": (lambda L, x, y: x.logaddexp2(y), [X, Q], 1e-13),
    "atan2": (lambda L, y, x: L.atan2(y, x), [X, Q - 1.5], 1e-13),
    "arctan2": (lambda L, y, x: y.arctan2(x), [X, Q], 1e-13),
    "hypot": (lambda L, x, y: L.hypot(x, y), [X, Q], 1e-13),
    "sinc": (lambda L, x: L.sinc(x), [X], 1e-12),
    "deg2rad": (lambda L, x: L.deg2rad(x), [X], 1e-15),
    "rad2deg": (lambda L, x: x.rad2deg(), [X], 1e-15),
    "fmod": (lambda L, x, y: L.fmod(x, y), [X, Q], 1e-13),
    "frac": (lambda L, x: x.frac(), [X_OFF], 1e-13),
    "copysign": (lambda L, x, y: L.copysign(x, y), [X, Q - 1.5], 1e-15),
    "clamp_min": (lambda L, x: L.clamp_min(x, 0.5), [X], 1e-15),
    "clamp_max": (lambda L, x: x.clamp_max(0.5), [X], 1e-15),
    "float_power": (lambda L, x, y: L.float_power(x, y), [P, Q], 1e-14),
    "float_power number": (lambda L, x: x.float_power(2.5), [P], 1e-14),
    "i0": (lambda L, x: L.i0(x), [X * 3], 1e-14),
    "lgamma": (lambda L, x: L.lgamma(x), [X_OFF], 1e-12),
    "digamma": (lambda L, x: L.digamma(x), [X_OFF], 1e-9),  # its gradient: PyTorch's trigamma, 5e-10
    "polygamma 1": (lambda L, x: x.polygamma(1), [X_OFF], 1e-9),  # PyTorch's trigamma series
    "polygamma 2": (lambda L, x: L.polygamma(2, x), [X_OFF], 1e-12),
    "polygamma 4": (lambda L, x: L.polygamma(4, x), [X_OFF + 7], 1e-12),
    "mvlgamma": (lambda L, x: L.mvlgamma(x, p=3), [P + 2], 1e-13),
    **{
        name: (lambda L, x, name=name: getattr(L, name)(x), [P * 2 - 1 + (name in ("acosh", "arccosh")) * 3], 1e-13)
        for name in TRIGONOMETRY
    },
    "trigonometry methods": (lambda L, x: x.tan() + x.arcsinh() + x.cosh() + x.exp2() + x.atanh(), [P - 0.5], 1e-13),
}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_values_and_gradients_are_pytorchs_in_float64(name):
    torch = pytest.importorskip("torch")
    fn, inputs, rtol = DIFFERENTIABLE[name]
    ours = [dn.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    a, b = fn(dn, *ours), fn(torch, *theirs)
    assert a.dtype == np.float64 and a.shape == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-300)
    weights = RNG.standard_normal(a.shape)
    (a * dn.tensor(weights)).sum().backward()
    (b * torch.tensor(weights)).sum().backward()
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("name", [n for n in DIFFERENTIABLE if not n.startswith("float_power")])
def test_float32_stays_float32_with_float32_gradients(name):
    fn, inputs, _ = DIFFERENTIABLE[name]
    ours = [dn.tensor(x.astype(np.float32), requires_grad=True) for x in inputs]
    out = fn(dn, *ours)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(t.grad.dtype == np.float32 for t in ours)


@pytest.mark.parametrize(
    "name", ["logit", "sinc", "deg2rad", "rad2deg", "i0", "lgamma", "digamma", "mvlgamma", "tan", "acosh", "exp2"]
)
def test_integers_compute_in_float32(name):
    fn = {"mvlgamma": lambda x: dn.mvlgamma(x, 2)}.get(name, getattr(dn, name))
    assert fn(dn.tensor([3, 4])).dtype == np.float32
    assert dn.atan2(dn.tensor([1]), dn.tensor([2])).dtype == np.float32
    assert dn.xlogy(dn.tensor([1]), dn.tensor([2])).dtype == np.float32
    assert dn.copysign(dn.tensor([1]), -1).dtype == np.float32
    assert dn.polygamma(1, dn.tensor([1, 2])).dtype == np.float32


def test_fmod_and_heaviside_keep_integers_and_float_power_is_float64():
    assert dn.fmod(dn.tensor([-7, 7]), 3).tolist() == [-1, 1]
    assert dn.fmod(dn.tensor([-7, 7]), 3).dtype == np.int64
    assert dn.heaviside(dn.tensor([-1, 0, 2]), dn.tensor(7)).tolist() == [0, 7, 1]
    for y in (dn.float_power(dn.tensor([2.0], dtype="float32"), 2), dn.float_power(2, dn.tensor([1, 2]))):
        assert y.dtype == np.float64
    x = dn.tensor([2.0], dtype="float32", requires_grad=True)
    dn.float_power(x, 3).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [12.0]


def test_edges_are_pytorchs():
    inf, nan = float("inf"), float("nan")
    assert dn.xlogy(dn.tensor([0.0, 0.0, 1.0]), dn.tensor([0.0, nan, 0.0])).tolist()[::2] == [0.0, -inf]
    assert np.isnan(dn.xlogy(dn.tensor([0.0]), dn.tensor([nan])).item())
    assert dn.xlogy(2, dn.tensor([1.0])).tolist() == [0.0]  # a number as input
    logits = dn.logit(dn.tensor([0.0, 1.0, 1.5])).tolist()
    assert logits[:2] == [-inf, inf] and np.isnan(logits[2])
    assert dn.logit(dn.tensor([0.0], dtype="float64"), eps=1e-6).item() == pytest.approx(-13.815509557963773)
    assert dn.lgamma(dn.tensor([0.0, -1.0, -inf, inf])).tolist() == [inf] * 4
    digamma = dn.digamma(dn.tensor([0.0, -0.0, -2.0]))
    assert digamma.tolist()[:2] == [-inf, inf] and np.isnan(digamma.tolist()[2])
    assert dn.polygamma(1, dn.tensor([0.0, inf])).tolist() == [inf, 0.0]
    assert dn.sinc(dn.tensor([0.0])).item() == 1.0
    assert dn.logaddexp(dn.tensor([-inf, inf]), dn.tensor([-inf, inf])).tolist() == [-inf, inf]
    assert dn.heaviside(dn.tensor([nan, 0.0]), dn.tensor(0.5)).tolist() == [0.0, 0.5]
    assert dn.signbit(dn.tensor([-0.0, 0.0, -1.0])).tolist() == [True, False, True]
    assert dn.copysign(dn.tensor([2.0]), dn.tensor([-0.0])).tolist() == [-2.0]
    assert np.isnan(dn.fmod(dn.tensor([1.0]), 0.0).item())


def test_gradients_at_the_edges_are_pytorchs():
    x = dn.tensor([0.0, 0.5], dtype="float64", requires_grad=True)
    y = dn.tensor([0.0, 2.0], dtype="float64", requires_grad=True)
    dn.xlogy(x, y).sum().backward()
    assert x.grad.tolist()[0] == 0.0  # x = 0 and y <= 0: 0, not log(0)
    p = dn.tensor([0.01, 0.5], dtype="float64", requires_grad=True)
    dn.logit(p, eps=0.05).sum().backward()
    assert p.grad.tolist() == [0.0, 4.0]  # cut by the clamp: no gradient
    s = dn.tensor([0.0], requires_grad=True)
    dn.sinc(s).sum().backward()
    assert s.grad.tolist() == [0.0]


def test_in_place_forms_write_through_and_record():
    t = dn.tensor([0.25, 0.5])
    assert t.logit_() is t and t.tolist() == dn.logit(dn.tensor([0.25, 0.5])).tolist()
    t = dn.tensor([5.0, -5.0])
    t.fmod_(3)
    assert t.tolist() == [2.0, -2.0]
    t = dn.tensor([12, 18])
    t.gcd_(dn.tensor([8, 12]))
    assert t.tolist() == [4, 6]
    t = dn.tensor([0.5, 3.0])
    t.polygamma_(2)
    assert t.tolist() == dn.polygamma(2, dn.tensor([0.5, 3.0])).tolist()
    w = dn.tensor([1.0, -2.0], requires_grad=True)
    h = w * 1.0
    h.clamp_min_(0.0)  # a recorded change: the gradient is clamp's
    h.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0]
    base = dn.zeros(4)
    base[1:3].copysign_(-1.0)
    assert dn.signbit(base).tolist() == [False, True, True, False]


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="gcd: needs integer tensors, got dtype float32"):
        dn.gcd(dn.tensor([1.0]), dn.tensor([2.0]))
    with pytest.raises(TypeError, match="bitwise_and: needs integer or bool tensors, got dtype float32"):
        dn.tensor([1.0]).bitwise_and(1)
    with pytest.raises(TypeError, match="bitwise_not: needs integer or bool tensors"):
        dn.bitwise_not(dn.tensor([1.0]))
    with pytest.raises(TypeError, match=r"& needs integer or bool tensors, got float32, int64"):
        dn.tensor([1.0]) & 1
    with pytest.raises(TypeError, match="~ needs integer or bool tensors, got float32"):
        ~dn.tensor([1.0])
    with pytest.raises(TypeError, match="gcd: needs integers, got a float"):
        dn.gcd(dn.tensor([4]), 2.0)
    with pytest.raises(TypeError, match="hypot: needs floating-point tensors, got dtype int64"):
        dn.hypot(dn.tensor([3]), dn.tensor([4]))
    with pytest.raises(ValueError, match="heaviside: values must have the input's dtype float32, got float64"):
        dn.heaviside(dn.tensor([1.0]), dn.tensor([1.0], dtype="float64"))
    with pytest.raises(TypeError, match="heaviside: values must be a tensor"):
        dn.heaviside(dn.tensor([1.0]), 0.5)
    with pytest.raises(ZeroDivisionError, match="fmod: integer division by zero"):
        dn.fmod(dn.tensor([1]), 0)
    with pytest.raises(ValueError, match="mvlgamma: p must be a positive integer, got 0"):
        dn.mvlgamma(dn.tensor([1.0]), 0)
    with pytest.raises(ValueError, match="float_power_: the result is float64 and cannot be stored"):
        dn.tensor([2.0]).float_power_(2)
    with pytest.raises(ValueError, match="sinc_: the result cannot be stored in this tensor of dtype int64"):
        dn.tensor([1, 2]).sinc_()
    with pytest.raises(TypeError, match="float_power: give at least one tensor"):
        dn.float_power(2, 3)
    with pytest.raises(RuntimeError, match="derivative for heaviside is not implemented"):
        dn.heaviside(dn.tensor([1.0], requires_grad=True), dn.tensor(0.5)).sum().backward()


def test_integer_and_bit_operations_are_pytorchs():
    torch = pytest.importorskip("torch")
    cases = [
        lambda L: L.gcd(L.tensor([12, 18, -4, 0]), L.tensor([8, 0, 6, 0])),
        lambda L: L.lcm(L.tensor([4, 0, -6]), L.tensor([6, 3, 4])),
        lambda L: L.bitwise_and(L.tensor([12, 10]), 6),
        lambda L: L.bitwise_or(L.tensor([True, False]), L.tensor([False, False])),
        lambda L: L.bitwise_xor(L.tensor([1], dtype=L.int8), L.tensor([3])),
        lambda L: L.bitwise_and(L.tensor([True, False]), 1),
        lambda L: L.tensor([0, -1, 5]).bitwise_not(),
        lambda L: L.bitwise_and(L.tensor([255, 7], dtype=L.uint8), 15),
    ]
    for case in cases:
        ours, theirs = case(dn), case(torch)
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_the_sign_of_zero_through_clamp_maximum_and_minimum_is_pytorchs():
    torch = pytest.importorskip("torch")
    values = [-0.0, 0.0, -1.0, 2.0]
    cases = [
        lambda L, t: L.clamp(t, min=0),
        lambda L, t: L.clamp(t, max=-0.0),
        lambda L, t: t.clamp(-0.0, 1.0),
        lambda L, t: L.clamp_min(t, 0.0),
        lambda L, t: L.maximum(t, L.zeros(4)),
        lambda L, t: L.maximum(L.zeros(4), t),
        lambda L, t: L.minimum(t, L.zeros(4)),
        lambda L, t: t.clamp_(min=0.0),
        lambda L, t: L.relu(t),
    ]
    for case in cases:
        ours, theirs = case(dn, dn.tensor(values)), case(torch, torch.tensor(values))
        assert np.signbit(ours.numpy()).tolist() == np.signbit(theirs.numpy()).tolist()
        assert ours.tolist() == theirs.tolist()


def test_exp_overflows_to_inf_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dn.exp(dn.tensor([100.0, 1000.0])).tolist() == [float("inf")] * 2
        t = dn.tensor([100.0])
        t.exp_()
        assert t.tolist() == [float("inf")]
        x = dn.tensor([1000.0], requires_grad=True)
        x.exp().backward(dn.tensor([0.0]))
        assert np.isnan(x.grad.item())  # 0 * inf, as PyTorch's


def test_special_functions_need_no_scipy():
    code = (
        "import sys; sys.modules['scipy'] = None\n"
        "import deltanet as dn\n"
        "x = dn.tensor([0.7, 2.5], dtype='float64', requires_grad=True)\n"
        "(dn.lgamma(x) + dn.digamma(x) + dn.polygamma(2, x) + dn.i0(x) + dn.mvlgamma(x + 1, 2)).sum().backward()\n"
        "print(x.grad.tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert len(eval(out)) == 2


def test_remainder_gives_a_zero_the_sign_of_x_as_pytorch_and_has_an_in_place_form():
    torch = pytest.importorskip("torch")
    values, divisors = [-4.0, 4.0, -0.0, 0.0, -7.5, 7.5], [2.0, -2.0]
    for d in divisors:
        ours, theirs = dn.remainder(dn.tensor(values), d), torch.remainder(torch.tensor(values), d)
        assert ours.tolist() == theirs.tolist()
        assert np.signbit(ours.numpy()).tolist() == np.signbit(theirs.numpy()).tolist()
    t = dn.tensor([5.0, -5.0])
    assert t.remainder_(3) is t and t.tolist() == [2.0, 1.0]


def test_logarithms_and_square_roots_of_edge_values_are_silent_as_pytorchs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dn.log(dn.tensor([0.0])).tolist() == [float("-inf")]
        assert np.isnan(dn.log(dn.tensor([-1.0])).item())
        assert np.isnan(dn.sqrt(dn.tensor([-1.0])).item())
        assert dn.log1p(dn.tensor([-1.0])).tolist() == [float("-inf")]
        assert dn.log2(dn.tensor([0.0])).tolist() == [float("-inf")]
        assert dn.log10(dn.tensor([0.0])).tolist() == [float("-inf")]


def test_trigonometry_out_of_its_domain_is_nan_or_infinite_silently_as_pytorchs():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, values in [("asin", [2.0]), ("acos", [-2.0]), ("acosh", [0.5]), ("atanh", [1.0, -1.0, 2.0])]:
            ours, theirs = getattr(dn, name)(dn.tensor(values)), getattr(torch, name)(torch.tensor(values))
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert dn.cosh(dn.tensor([100.0])).tolist() == [float("inf")]
        t = dn.tensor([0.25, -0.5])
        assert t.atan_() is t and t.tolist() == dn.atan(dn.tensor([0.25, -0.5])).tolist()


def test_the_special_namespace_is_pytorchs():
    torch = pytest.importorskip("torch")
    x = np.array([-0.5, 0.0, 0.3, 0.7, 2.0])
    for name in ["expit", "entr", "gammaln", "psi", "i0", "sinc", "erf", "erfc", "expm1", "exp2", "log1p", "ndtr"]:
        ours, theirs = dn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        a, b = getattr(dn.special, name)(ours), getattr(torch.special, name)(theirs)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-13)
        a.sum().backward()
        b.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9)  # psi: trigamma
    p = dn.tensor([0.2, 0.8])
    assert dn.special.xlogy(p, p).tolist() == dn.xlogy(p, p).tolist()
    assert dn.special.multigammaln(dn.tensor([3.0]), 2).tolist() == dn.mvlgamma(dn.tensor([3.0]), 2).tolist()
    with pytest.raises(AttributeError, match="deltanet.special has no 'bessel_j0'.*the functions it has: digamma"):
        dn.special.bessel_j0  # noqa: B018 - the attribute access is the test


def test_aliases_fmax_fmin_and_the_in_place_forms_are_pytorchs():
    torch = pytest.importorskip("torch")
    cases = [
        lambda L: L.fmax(L.tensor([1, 5]), L.tensor([2.5, 2.5])),
        lambda L: L.fmin(L.tensor([1.0, float("nan"), 2.0]), L.tensor([1.0, 0.5, float("nan")])),
        lambda L: L.rsub(L.tensor([1.0, 2.0]), 5, alpha=2),
        lambda L: L.ldexp(L.tensor([1]), L.tensor([2])),
        lambda L: L.subtract(L.multiply(L.tensor([4.0]), 2), 2, alpha=3),
        lambda L: L.tensor([4.0, -3.0]).divide(2, rounding_mode="floor"),
        lambda L: L.isposinf(L.tensor([float("inf"), -float("inf")])),
        lambda L: L.tensor([1, 2]).square_(),
        lambda L: L.tensor([1.5, -1.5]).fix_(),
        lambda L: L.tensor([7, -7]).floor_divide_(2),
        lambda L: L.tensor([7.0, -7.0]).clip_(-1, 1),
        lambda L: L.tensor([2.5, 3.5]).round_(),
        lambda L: L.tensor([-2.0, 3.0]).sgn_(),
    ]
    for case in cases:
        ours, theirs = case(dn), case(torch)
        assert ours.tolist() == theirs.tolist() or np.allclose(ours.numpy(), theirs.numpy(), equal_nan=True)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    x = dn.tensor([1.0, float("nan"), 2.0, 3.0], requires_grad=True)
    y = dn.tensor([1.0, 0.5, float("nan"), 4.0], requires_grad=True)
    dn.fmax(x, y).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0, 0.0] and y.grad.tolist() == [0.0, 1.0, 0.0, 1.0]  # no split on a tie


def test_the_special_module_imports_by_pytorchs_path():
    # After renaming the import, ``import torch.special`` becomes ``import deltanet.special``.
    import deltanet.special as S
    from deltanet.special import expit

    assert S is dn.special and expit is dn.special.expit
    assert expit(dn.tensor([0.0])).tolist() == [0.5]
