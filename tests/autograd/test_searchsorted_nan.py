"""``searchsorted`` and ``bucketize`` with NaN in the sequence or the values follow PyTorch's binary
search (a NaN compares false: the search moves right past it), and an empty last axis works."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn

NAN = float("nan")


def test_nan_values_land_after_everything_and_nan_edges_count_as_smaller():
    seq = dn.tensor([1.0, 2.0, NAN])
    assert dn.searchsorted(seq, dn.tensor([0.0, 1.5, 3.0, NAN])).tolist() == [0, 1, 3, 3]
    assert dn.bucketize(dn.tensor([0.0, 1.5, 3.0, NAN]), seq, right=True).tolist() == [0, 1, 3, 3]
    # a NaN in the middle: the first probe (index 1) is NaN, so the search goes right
    assert dn.searchsorted(dn.tensor([1.0, NAN, 2.0]), dn.tensor([0.0, 1.5])).tolist() == [2, 2]
    assert dn.searchsorted(dn.tensor([NAN, 1.0, 2.0]), dn.tensor([0.0])).tolist() == [1]


def test_empty_last_axis():
    assert dn.searchsorted(dn.ones(2, 0), dn.ones(2, 3)).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert dn.searchsorted(dn.ones(0, 3), dn.ones(0, 2)).shape == (0, 2)


def test_matches_torch_on_random_sequences_with_nan():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(0, 8))
        seq = np.sort(rng.choice([0.0, 1.0, 2.0, 3.0], size=(2, n)), axis=-1)
        seq[rng.random((2, n)) < 0.25] = np.nan
        values = rng.choice([np.nan, -1.0, 0.0, 1.0, 2.5, 9.0], size=(2, 5))
        for right in (False, True):
            for a, v in ((seq[0], values[0]), (seq, values)):
                got = dn.searchsorted(dn.tensor(a), dn.tensor(v), right=right).tolist()
                want = torch.searchsorted(torch.tensor(a), torch.tensor(v), right=right).tolist()
                assert got == want, (a, v, right)
