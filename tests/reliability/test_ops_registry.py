"""One suite over every op of the registry (``op_registry.py``), as PyTorch's OpInfo tests do.

For every registered ``Function`` and every one of its samples:

- the forward equals the NumPy reference in float64 (and keeps float64);
- ``dn.gradcheck`` (central differences, float64) accepts the backward;
- float32 in gives float32 out, the op's own ``backward`` returns float32 gradients, the leaves'
  ``.grad`` are float32, and the result is within float32 rounding of the reference;
- non-contiguous inputs (strided views, Fortran order) give the same output and gradients;

and every declared invalid input raises the declared error with a matching message. A ``Function``
subclass of the package that is not registered fails ``test_every_function_is_registered``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from tests.reliability import op_registry as reg

import deltanet as dn
from deltanet.autograd import engine

SEED = 20240607


def _cases() -> list[tuple[reg.OpInfo, int, str]]:
    cases = []
    for info in reg.REGISTRY:
        for i, sample in enumerate(info.samples(np.random.default_rng(SEED))):
            cases.append(pytest.param(info, i, id=f"{info.name}-{sample.name}"))
    return cases


CASES = _cases()
DIFFERENTIABLE = [c for c in CASES if c.values[0].differentiable]
ERRORS = [pytest.param(info, case, id=f"{info.name}-{case.name}") for info in reg.REGISTRY for case in info.errors]


def fresh_sample(info: reg.OpInfo, index: int) -> reg.Sample:
    """The sample rebuilt from the seed: ops such as batch norm update their arguments in place."""
    return info.samples(np.random.default_rng(SEED))[index]


def _convert(value: Any, dtype: Any, layout: Callable | None) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        if dtype is not None:
            value = value.astype(dtype)
        if layout is not None:
            value = layout(value)
    return value


def build(
    sample: reg.Sample, dtype: Any = None, layout: Callable | None = None, only_float: bool = False
) -> tuple[list, dict, list]:
    """The call's arguments: tensors for the array inputs (float ones require a gradient unless
    constant), the rest as given; also returns the leaves that require a gradient. With
    ``only_float``, arrays of other dtypes are passed as they are (bad inputs must reach the op)."""
    args, leaves = [], []
    for i, value in enumerate(sample.inputs):
        value = _convert(value, dtype, layout)
        if (
            isinstance(value, np.ndarray)
            and i not in sample.constant
            and (value.dtype in (np.float32, np.float64) or not only_float)
        ):
            t = dn.as_tensor(value).requires_grad_(value.dtype.kind == "f")  # shares: strided inputs stay strided
            args.append(t)
            if t.requires_grad:
                leaves.append(t)
        else:
            args.append(value)
    kwargs = {k: _convert(v, dtype, None) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


def reference(info: reg.OpInfo, sample: reg.Sample) -> np.ndarray:
    return np.asarray(info.reference(*sample.inputs, **sample.kwargs))


def strided(a: np.ndarray) -> np.ndarray:
    """The same values as a view with a step of 2 along the last axis (not contiguous)."""
    if a.ndim == 0:
        return a
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


def fortran(a: np.ndarray) -> np.ndarray:
    return np.asfortranarray(a)


@contextlib.contextmanager
def recording_backward(cls: type) -> Iterator[list]:
    """Record the gradients that ``cls.backward`` returns while the block runs."""
    seen: list = []
    original = cls.backward
    own = "backward" in cls.__dict__

    def backward(self: Any, delta: Any) -> Any:
        grads = original(self, delta)
        seen.append((delta, grads if isinstance(grads, tuple) else (grads,)))
        return grads

    cls.backward = backward
    try:
        yield seen
    finally:
        if own:
            cls.backward = original
        else:
            del cls.backward


def run(
    info: reg.OpInfo, sample: reg.Sample, dtype: Any = None, layout: Callable | None = None, backward: bool = True
) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Output and the leaves' gradients of Σ r ⊙ op(inputs), r a fixed random cotangent."""
    args, kwargs, leaves = build(sample, dtype, layout)
    out = info.call(*args, **kwargs)
    grads: list[np.ndarray | None] = []
    if backward and info.differentiable and out.requires_grad:
        r = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
        (out * dn.tensor(r)).sum().backward()
        grads = [t.grad for t in leaves]
    return out.data, grads


# -- the registry is complete --------------------------------------------------------------------
def test_every_function_is_registered():
    known = set(reg.registered()) | reg.ABSTRACT
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in reg.package_functions() - known)
    assert not missing, (
        f"Function subclasses without an entry in tests/reliability/op_registry.py: {missing}; "
        f"register each with its public call, a NumPy reference, samples and invalid inputs"
    )


def test_registry_entries_are_usable():
    assert len(reg.REGISTRY) == len(reg.registered()), "an op is registered twice"
    for info in reg.REGISTRY:
        samples = info.samples(np.random.default_rng(SEED))
        assert len(samples) >= 2, f"{info.name}: give at least two samples"
        assert info.reference is not None, f"{info.name}: give a NumPy reference"
        nonempty = [s for s in samples if all(not isinstance(v, np.ndarray) or v.size for v in s.inputs)]
        assert nonempty, f"{info.name}: give at least one sample without empty inputs"
        if not info.differentiable:
            assert info.backward_error is not None, f"{info.name}: say what backward raises"


@pytest.mark.parametrize("info, index", CASES)
def test_call_reaches_the_registered_function(info, index):
    args, kwargs, _ = build(fresh_sample(info, index))
    out = info.call(*args, **kwargs)
    assert out.requires_grad, f"{info.name}: the sample records no graph"
    assert info.function in {type(fn) for fn in engine.reachable_functions(out)}


# -- forward against the NumPy reference, float64 kept -------------------------------------------
@pytest.mark.parametrize("info, index", CASES)
def test_forward_matches_reference_float64(info, index):
    sample = fresh_sample(info, index)
    expected = reference(info, fresh_sample(info, index))
    out, _ = run(info, sample, backward=False)
    assert out.dtype == np.float64
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


# -- gradients by central differences in float64 -------------------------------------------------
@pytest.mark.parametrize("info, index", DIFFERENTIABLE)
def test_gradcheck_float64(info, index):
    args, kwargs, leaves = build(fresh_sample(info, index))
    assert leaves, f"{info.name}: the sample has nothing to differentiate"

    def fn(*a: Any) -> dn.Tensor:
        return info.call(*a, **kwargs)

    assert dn.gradcheck(fn, args)


def test_gradcheck_keeps_0d_inputs():
    x = dn.tensor(np.array(0.3), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.functional.hinge_loss(t, np.array(1.0)), [x])
    assert x.shape == ()


# -- float32 stays float32 -----------------------------------------------------------------------
@pytest.mark.parametrize("info, index", CASES)
def test_float32_kept(info, index):
    sample = fresh_sample(info, index)
    expected = reference(info, fresh_sample(info, index))
    args, kwargs, leaves = build(sample, dtype=np.float32)
    with recording_backward(info.function) as seen:
        out = info.call(*args, **kwargs)
        assert out.dtype == np.float32, f"{info.name}: float32 in, {out.dtype} out"
        scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
        np.testing.assert_allclose(out.data, expected, rtol=2e-4, atol=2e-5 * scale)
        if not info.differentiable:
            return
        r = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
        (out * dn.tensor(r)).sum().backward()
    assert seen, f"{info.name}.backward was not called"
    for _, grads in seen:
        for g in grads:
            assert g is None or g.dtype == np.float32, f"{info.name}.backward returned {g.dtype}"
    for t in leaves:
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape


# -- non-contiguous inputs -----------------------------------------------------------------------
@pytest.mark.parametrize("layout", [strided, fortran], ids=["strided", "fortran"])
@pytest.mark.parametrize("info, index", CASES)
def test_noncontiguous_inputs(info, index, layout):
    sample = fresh_sample(info, index)
    views = [layout(v) for v in sample.inputs if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    if not any(not v.flags.c_contiguous for v in views):
        pytest.skip("no input of this sample can be laid out otherwise (0-D, empty or a single axis)")
    out, grads = run(info, sample)
    out_nc, grads_nc = run(info, fresh_sample(info, index), layout=layout)
    np.testing.assert_allclose(out_nc, out, rtol=1e-12, atol=1e-13)
    assert len(grads_nc) == len(grads)
    for g_nc, g in zip(grads_nc, grads, strict=True):
        np.testing.assert_allclose(g_nc, g, rtol=1e-12, atol=1e-13)


# -- declared bad inputs -------------------------------------------------------------------------
@pytest.mark.parametrize("info, case", ERRORS)
def test_declared_errors(info, case):
    sample = reg.Sample(case.name, case.inputs, {})
    kwargs = dict(case.kwargs)
    args, _, _ = build(sample, only_float=True)
    with pytest.raises(case.exc, match=case.match):
        info.call(*args, **kwargs)


@pytest.mark.parametrize("info", [i for i in reg.REGISTRY if not i.differentiable], ids=lambda i: i.name)
def test_forward_only_ops_refuse_backward(info):
    args, kwargs, _ = build(info.samples(np.random.default_rng(SEED))[0])
    out = info.call(*args, **kwargs)
    exc, match = info.backward_error
    with pytest.raises(exc, match=match):
        out.sum().backward()


def test_every_op_declares_bad_inputs():
    # The exceptions: elementwise primitives reached through Tensor methods, whose only bad input
    # (a non-numeric array) cannot become a Tensor in the first place.
    without = sorted(info.name for info in reg.REGISTRY if not info.errors)
    assert without == ["activations.SiLU", "ops.Exp", "ops.Log", "ops.Neg"], (
        f"declare the invalid inputs of {without} in op_registry.py"
    )
