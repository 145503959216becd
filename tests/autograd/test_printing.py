"""A tensor prints in PyTorch's format (``autograd/printing.py``): the same text as PyTorch for
every shape, dtype and magnitude, under every print option, with NumPy's dtype names."""

import re

import numpy as np
import pytest

import deltanet as dn


@pytest.fixture(autouse=True)
def default_options():
    yield
    dn.set_printoptions(profile="default")


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.1, 0.2], "tensor([0.1000, 0.2000])"),
        ([1.123456789], "tensor([1.1235])"),
        ([1.0, -2.0], "tensor([ 1., -2.])"),
        ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
        ([1e10, 1.0], "tensor([1.0000e+10, 1.0000e+00])"),
        ([np.nan, np.inf, -0.0, 0.5], "tensor([   nan,    inf, -0.0000, 0.5000])"),
        ([np.nan, 0.0], "tensor([nan, 0.])"),
        (3.5, "tensor(3.5000)"),
        ([[1.5, 2.25], [3.0, 4.0]], "tensor([[1.5000, 2.2500],\n        [3.0000, 4.0000]])"),
        ([True, False], "tensor([ True, False])"),
        ([], "tensor([])"),
    ],
)
def test_pytorch_format(values, expected):
    assert repr(dn.tensor(values)) == expected
    assert str(dn.tensor(values)) == expected


def test_suffixes():
    assert repr(dn.tensor([1, 2])) == "tensor([1, 2])"  # int64, like bool and float32, needs no dtype
    assert repr(dn.tensor([1, 2], dtype=dn.int32)) == "tensor([1, 2], dtype=int32)"
    assert repr(dn.zeros(2, dtype=dn.float64)) == "tensor([0., 0.], dtype=float64)"
    assert repr(dn.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(dn.zeros(0, dtype=dn.int64)) == "tensor([], dtype=int64)"
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == f"tensor([2., 4.], grad_fn=<{(x * 2).grad_fn.name()}>)"
    wide = repr(dn.ones(2, 4, dtype=dn.float64) / 3)
    assert wide.endswith("[0.3333, 0.3333, 0.3333, 0.3333]], dtype=float64)")  # fits on the last line


def test_summarized_and_wrapped():
    assert repr(dn.arange(2000)).startswith("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])")
    lines = repr(dn.arange(30.0) / 7).splitlines()
    assert len(lines) == 4 and all(len(line) <= 80 for line in lines)  # 9 numbers a line
    assert lines[1].startswith("        ")  # continued rows line up under the first element


def test_set_printoptions_and_the_context_manager():
    dn.set_printoptions(precision=2)
    assert repr(dn.tensor([1.12345])) == "tensor([1.12])"
    dn.set_printoptions(sci_mode=True)  # every call without precision keeps it; sci_mode is set each time
    assert repr(dn.tensor([1.5])) == "tensor([1.50e+00])"
    dn.set_printoptions(profile="default")
    with dn.printoptions(threshold=5, edgeitems=1):
        assert repr(dn.arange(10)) == "tensor([0,  ..., 9])"
    assert repr(dn.arange(4)) == "tensor([0, 1, 2, 3])" and dn.get_printoptions()["threshold"] == 1000
    with pytest.raises(ValueError, match=r"set_printoptions: profile must be one of"):
        dn.set_printoptions(profile="long")
    with pytest.raises(ValueError, match=r"set_printoptions: precision must be a non-negative integer, got 2.5"):
        dn.set_printoptions(precision=2.5)
    assert dn.get_printoptions()["precision"] == 4  # a refused call changes nothing


OPTIONS = [{}, {"precision": 2}, {"threshold": 5}, {"edgeitems": 1, "threshold": 10}, {"linewidth": 40}]
OPTIONS += [{"sci_mode": True}, {"sci_mode": False}, {"profile": "short"}, {"edgeitems": 0, "threshold": 3}]


def _arrays(rng):
    for shape in [(), (1,), (5,), (3, 4), (2, 3, 4), (0,), (0, 3), (1200,), (3, 500), (2, 2, 2, 2)]:
        for scale in (1, 1e-5, 1e5, 1e9, 0.5):
            a = rng.standard_normal(shape) * scale
            yield a.astype(np.float32)
            yield np.round(a * 10)  # whole numbers, float64
            if a.size > 2:
                a.flat[:3] = (np.nan, np.inf, -0.0)
                yield a
        yield rng.integers(-1000, 1000, shape)
        yield rng.integers(0, 255, shape).astype(np.uint8)
        yield rng.random(shape) > 0.5


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_the_same_text_as_pytorch(options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    dn.set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        for a in _arrays(rng):
            theirs = repr(torch.from_numpy(np.array(a))).replace("torch.", "")
            ours = repr(dn.tensor(np.array(a)))
            # PyTorch's dtype names are 6 characters longer ("torch.float64"), so it may wrap the
            # suffix onto a line of its own where ours still fits: compare with suffixes joined.
            join = lambda text: re.sub(r",\n +(dtype|size)=", r", \1=", text)  # noqa: E731
            assert join(ours) == join(theirs), (a.dtype, a.shape)
    finally:
        torch.set_printoptions(profile="default")
