"""``Tensor.dim_order``: the axes from the outermost in memory to the innermost, by PyTorch's
algorithm, with its ambiguity checks."""

import itertools

import pytest

import deltanet as dn


def test_orders_of_common_layouts():
    x = dn.zeros(2, 3, 5, 7)
    assert x.dim_order() == (0, 1, 2, 3)
    assert x.transpose(1, 2).dim_order() == (0, 2, 1, 3)
    assert x.contiguous(memory_format=dn.channels_last).dim_order() == (0, 2, 3, 1)
    assert dn.zeros(4, 6)[:, ::2].dim_order() == (0, 1)
    assert dn.zeros(()).dim_order() == () and dn.zeros(3).dim_order() == (0,)


def test_ambiguity_checks():
    x = dn.zeros(1, 2, 3, 4)
    assert x.dim_order() == (0, 1, 2, 3)
    with pytest.raises(RuntimeError, match="does not have unique dim order"):
        x.dim_order(ambiguity_check=True)
    assert x.dim_order(ambiguity_check=[dn.contiguous_format, dn.channels_last]) == (0, 1, 2, 3)
    assert dn.zeros(2, 3).dim_order(ambiguity_check=True) == (0, 1)
    for bad in ("ILLEGAL", [dn.contiguous_format, "x"], None):
        with pytest.raises(TypeError, match="must be a bool or a list of memory formats"):
            x.dim_order(ambiguity_check=bad)


SHAPES = [(2, 3), (2, 3, 4), (2, 3, 4, 5), (1, 3, 4, 5), (2, 1, 4, 1), (3, 3), (2, 2, 2), (4,), ()]


def _outcome(call):
    try:
        return call()
    except RuntimeError as error:
        return str(error)


@pytest.mark.parametrize("shape", SHAPES)
def test_matches_pytorch_for_every_permutation(shape):
    torch = pytest.importorskip("torch")
    formats = {dn.contiguous_format: torch.contiguous_format, dn.channels_last: torch.channels_last}
    for perm, last in itertools.product(itertools.permutations(range(len(shape))), (False, True)):
        if last and len(shape) != 4:
            continue
        ours, theirs = dn.zeros(shape), torch.zeros(shape)
        if last:
            ours, theirs = (
                t.contiguous(memory_format=f) for t, f in ((ours, dn.channels_last), (theirs, torch.channels_last))
            )
        if perm:
            ours, theirs = ours.permute(*perm), theirs.permute(*perm)
        for check in (False, True, [dn.contiguous_format], [dn.contiguous_format, dn.channels_last]):
            their_check = check if isinstance(check, bool) else [formats[f] for f in check]
            assert _outcome(lambda o=ours, c=check: o.dim_order(ambiguity_check=c)) == _outcome(
                lambda t=theirs, c=their_check: t.dim_order(ambiguity_check=c)
            ), (shape, perm, last, check)
