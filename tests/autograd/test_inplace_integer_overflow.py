"""In-place integer arithmetic with a Python number outside the dtype wraps, as PyTorch's does
(NumPy raised OverflowError); a number that becomes an element (``alpha``, a ``clamp_`` bound, a
``pow_`` exponent) must fit, as PyTorch checks."""

import pytest

import deltanet as dn

# name: (dtype, start, change, PyTorch's result)
WRAPS = {
    "int8 += 200": ("int8", 127, lambda x: x.__iadd__(200), [71]),
    "int8 += 1": ("int8", 127, lambda x: x.__iadd__(1), [-128]),
    "int8 add_(1000)": ("int8", 127, lambda x: x.add_(1000), [103]),
    "int8 add_(100, alpha=2)": ("int8", 5, lambda x: x.add_(100, alpha=2), [-51]),
    "int8 sub_(300)": ("int8", -100, lambda x: x.sub_(300), [112]),
    "int8 mul_(300)": ("int8", 100, lambda x: x.mul_(300), [48]),
    "int8 *= 3": ("int8", 100, lambda x: x.__imul__(3), [44]),
    "uint8 -= 1": ("uint8", 0, lambda x: x.__isub__(1), [255]),
    "uint8 add_(-1)": ("uint8", 0, lambda x: x.add_(-1), [255]),
    "uint8 += 256": ("uint8", 3, lambda x: x.__iadd__(256), [3]),
    "uint8 -= 300": ("uint8", 3, lambda x: x.__isub__(300), [215]),
    "int32 += 2**40": ("int32", 5, lambda x: x.__iadd__(2**40), [5]),
    "int64 += 2**63": ("int64", 5, lambda x: x.__iadd__(2**63), [-9223372036854775803]),
    "int64 sub_(2**63)": ("int64", 5, lambda x: x.sub_(2**63), [-9223372036854775803]),
    "int8 &= 300": ("int8", 100, lambda x: x.__iand__(300), [36]),
    "uint8 |= 256": ("uint8", 100, lambda x: x.__ior__(256), [100]),
}

# name: (dtype, start, change, the error's class, PyTorch's words)
REFUSED = {
    "int64 += 2**64": ("int64", 5, lambda x: x.__iadd__(2**64), OverflowError, "int too big to convert"),
    "int16 add_(1, alpha=40000)": ("int16", 5, lambda x: x.add_(1, alpha=40000), RuntimeError, "without overflow"),
    "int16 sub_(1, alpha=40000)": ("int16", 5, lambda x: x.sub_(1, alpha=40000), RuntimeError, "without overflow"),
    "int8 pow_(300)": ("int8", 3, lambda x: x.pow_(300), RuntimeError, "without overflow"),
    "int8 clamp_(max=300)": ("int8", 100, lambda x: x.clamp_(max=300), RuntimeError, "without overflow"),
    "int8 clamp_(min=-300)": ("int8", 1, lambda x: x.clamp_(min=-300), RuntimeError, "without overflow"),
    "float32 clamp_(max=1e40)": ("float32", 1.0, lambda x: x.clamp_(max=1e40), RuntimeError, "without overflow"),
}


def _tensor(lib, dtype, start):
    return lib.tensor([start], dtype=getattr(lib, dtype))


@pytest.mark.parametrize("name", list(WRAPS))
def test_a_number_outside_the_dtype_wraps(name):
    dtype, start, change, expected = WRAPS[name]
    x = _tensor(dn, dtype, start)
    assert change(x) is x and x.tolist() == expected and x.dtype == getattr(dn, dtype)


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_number_that_must_fit_is_refused(name):
    dtype, start, change, error, words = REFUSED[name]
    x = _tensor(dn, dtype, start)
    with pytest.raises(error, match=words):
        change(x)
    assert x.tolist() == [start]


def test_out_of_place_alpha_must_fit_as_in_place():
    with pytest.raises(
        RuntimeError, match=r"add: alpha: value 40000 cannot be converted to type int16 without overflow"
    ):
        dn.add(dn.tensor([5], dtype=dn.int16), 1, alpha=40000)
    with pytest.raises(RuntimeError, match=r"sub: alpha: value 40000 cannot be converted to type int16"):
        dn.sub(dn.tensor([5], dtype=dn.int16), 1, alpha=40000)
    assert dn.add(dn.tensor([5], dtype=dn.int8), 100, alpha=2).tolist() == [-51]


@pytest.mark.parametrize("name", list(WRAPS) + list(REFUSED))
def test_results_and_errors_equal_pytorchs(name):
    torch = pytest.importorskip("torch")
    case = WRAPS.get(name) or REFUSED[name]
    dtype, start, change = case[:3]
    outcomes = []
    for lib in (dn, torch):
        x = _tensor(lib, dtype, start)
        try:
            change(x)
            outcomes.append(x.tolist())
        except (RuntimeError, OverflowError) as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]
