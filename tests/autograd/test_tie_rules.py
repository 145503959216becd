"""Which index wins among equal values: PyTorch's documented or stable rules matched (``max``/``min``
with ``dim``, ``argmax``/``argmin``: the first; ``sort``/``argsort``: stable on the CPU; ``mode``,
``median``, ``cummax``), and deltanet's own rule where PyTorch leaves it open (``topk``, ``kthvalue``:
the earliest position)."""

import numpy as np
import pytest

import deltanet as dn


def _tied_rows(seed):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 3, size=(3, n)).astype(np.float64) for n in range(1, 10) for _ in range(4)]


def test_topk_and_kthvalue_take_the_earliest_tied_position():
    values, indices = dn.topk(dn.tensor([-1.0, 3, 3, 7]), 2)
    assert values.tolist() == [7.0, 3.0] and indices.tolist() == [3, 1]
    assert dn.topk(dn.tensor([2.0, 1, 1, 1]), 2, largest=False).indices.tolist() == [1, 2]
    assert dn.kthvalue(dn.tensor([1.0, 0, 1, 1]), 3).indices.tolist() == 2
    for a in _tied_rows(0):
        k = max(1, a.shape[1] // 2)
        stable = np.argsort(-a, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(dn.topk(dn.tensor(a), k, dim=1).indices.numpy(), stable)
        kth = np.argsort(a, axis=1, kind="stable")[:, k - 1]
        np.testing.assert_array_equal(dn.kthvalue(dn.tensor(a), k, dim=1).indices.numpy(), kth)


RULES = {
    "max": lambda lib, x: tuple(lib.max(x, dim=1)),
    "min": lambda lib, x: tuple(lib.min(x, dim=1)),
    "argmax": lambda lib, x: (lib.argmax(x, dim=1), lib.argmax(x)),
    "argmin": lambda lib, x: (lib.argmin(x, dim=1),),
    "sort": lambda lib, x: tuple(lib.sort(x, dim=1)) + tuple(lib.sort(x, dim=1, descending=True)),
    "argsort": lambda lib, x: (lib.argsort(x, dim=1), lib.argsort(x, dim=1, descending=True)),
    "mode": lambda lib, x: tuple(lib.mode(x, dim=1)),
    "median": lambda lib, x: tuple(lib.median(x, dim=1)),
    "cummax": lambda lib, x: tuple(lib.cummax(x, dim=1)) + tuple(lib.cummin(x, dim=1)),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_tie_rules_match_pytorch(name):
    torch = pytest.importorskip("torch")
    for a in _tied_rows(1):
        theirs = [t.tolist() for t in RULES[name](torch, torch.tensor(a))]
        ours = [t.tolist() for t in RULES[name](dn, dn.tensor(a))]
        assert ours == theirs, (name, a.tolist())


def test_topk_and_kthvalue_give_pytorchs_values_among_ties():
    torch = pytest.importorskip("torch")
    for a in _tied_rows(2):
        k = max(1, a.shape[1] // 2)
        for largest in (True, False):
            theirs, ours = torch.topk(torch.tensor(a), k, 1, largest), dn.topk(dn.tensor(a), k, 1, largest)
            np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
            np.testing.assert_array_equal(np.take_along_axis(a, theirs.indices.numpy(), 1), ours.values.numpy())
        theirs, ours = torch.kthvalue(torch.tensor(a), k, 1), dn.kthvalue(dn.tensor(a), k, 1)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
