"""``default_collate`` of dict samples whose keys differ: PyTorch's rule.

The batch has the keys of the first sample: a key that only later samples have is left out, a key
that a later sample lacks raises ``KeyError``. A mutable mapping type (``defaultdict``,
``OrderedDict``) is kept, as PyTorch copies the first sample and updates it.
"""

import collections

import numpy as np
import pytest

from deltanet.data.collate import collate_arrays
from deltanet.utils.data import default_collate


def test_keys_of_the_first_sample():
    batch = default_collate([{"a": 1}, {"a": 3, "b": 4}])
    assert list(batch) == ["a"]
    np.testing.assert_array_equal(batch["a"].array, [1, 3])
    assert list(collate_arrays([{"a": 1}, {"a": 3, "b": 4}])) == ["a"]


def test_order_of_the_first_sample():
    assert list(default_collate([{"b": 1, "a": 2}, {"a": 3, "b": 4}])) == ["b", "a"]


def test_missing_key_raises_key_error():
    with pytest.raises(KeyError, match=r"sample 1 has no key 'b'"):
        default_collate([{"a": 1, "b": 2}, {"a": 3}])
    with pytest.raises(KeyError, match=r"sample 1 has no key 'y'"):
        default_collate([{"a": {"x": 1, "y": 0}}, {"a": {"x": 2}}])


def test_mapping_type_is_kept():
    d, e = collections.defaultdict(list), collections.defaultdict(list)
    d["a"], e["a"] = 1, 2
    batch = default_collate([d, e])
    assert type(batch) is collections.defaultdict and batch.default_factory is list
    np.testing.assert_array_equal(batch["a"].array, [1, 2])
    ordered = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(ordered) is collections.OrderedDict


CASES = [
    [{"a": 1}, {"a": 3, "b": 4}],
    [{"a": 1, "b": 2}, {"a": 3}],
    [{"a": 1}, {"c": 3}],
    [{"a": {"x": 1}}, {"a": {"x": 2, "y": 3}}],
    [{"b": 1.5, "a": 2}, {"a": 3, "b": 4.5, "c": "x"}],
]


@pytest.mark.parametrize("samples", CASES)
def test_matches_torch(samples):
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    def flat(batch):
        if isinstance(batch, dict):
            return [(k, flat(v)) for k, v in batch.items()]
        return (str(batch.dtype).replace("torch.", ""), batch.numpy().tolist())

    try:
        expected = flat(torch_collate(samples))
    except KeyError:
        with pytest.raises(KeyError):
            default_collate(samples)
        return
    assert flat(default_collate(samples)) == expected
