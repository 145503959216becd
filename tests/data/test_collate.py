"""default_collate / default_convert give PyTorch's batch structure, types, dtypes and values (as deltanet Tensors)."""

from collections import namedtuple

import numpy as np
import pytest

import deltanet as dn
from deltanet.data import collate_arrays
from deltanet.utils.data import default_collate, default_convert

torch = pytest.importorskip("torch")

Point = namedtuple("Point", ["x", "label"])


def assert_same_batch(ours, theirs, where="batch"):
    """The same structure, container types, Tensor shapes, dtypes and values as torch's batch."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, dn.Tensor), f"{where}: {type(ours).__name__}, torch has a Tensor"
        assert ours.shape == tuple(theirs.shape), where
        assert ours.dtype == theirs.numpy().dtype, f"{where}: {ours.dtype} vs {theirs.dtype}"
        np.testing.assert_array_equal(ours.array, theirs.numpy(), err_msg=where)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs), where
        for key in theirs:
            assert_same_batch(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__, f"{where}: {type(ours)} vs {type(theirs)}"
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same_batch(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def _torchify(sample):
    """The sample with deltanet Tensors replaced by torch tensors (for torch's collate)."""
    if isinstance(sample, dn.Tensor):
        return torch.from_numpy(sample.array.copy())
    if isinstance(sample, dict):
        return {k: _torchify(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_torchify(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(_torchify(v) for v in sample)
    return sample


SAMPLES = {
    "float32 arrays and int labels": lambda i: (np.full((2, 3), i, np.float32), i),
    "float64 array": lambda i: np.arange(4.0) * i,
    "int32 array": lambda i: np.arange(3, dtype=np.int32) + i,
    "0-d array": lambda i: np.array(i * 0.5),
    "python floats": lambda i: i * 1.5,
    "python ints": lambda i: i,
    "bools": lambda i: i % 2 == 0,
    "numpy scalars": lambda i: (np.float32(i), np.int64(i), np.bool_(i % 2)),
    "strings ride along": lambda i: (np.zeros(2), f"case{i}"),
    "dict": lambda i: {"image": np.full((1, 2, 2), i, np.float32), "label": i, "name": "n"},
    "nested list": lambda i: [np.ones(2) * i, [i, float(i)]],
    "namedtuple": lambda i: Point(np.zeros(3) + i, i),
    "tensors": lambda i: (dn.tensor(np.full(2, float(i))), dn.tensor(np.array(i))),
    # PyTorch's stack promotes (int64 with float32 is float32, int8 with uint8 int16); NumPy's would give float64.
    "samples of different dtypes": lambda i: (
        np.arange(2, dtype=[np.float32, np.int64, np.uint8][i]),
        dn.tensor(float(i)) if i % 2 else dn.tensor(i),
        [np.int8, np.uint8, np.int8][i](i),
    ),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_default_collate_matches_torch(kind):
    batch = [SAMPLES[kind](i) for i in range(3)]
    ours = default_collate(batch)
    theirs = torch.utils.data.default_collate([_torchify(s) for s in batch])
    assert_same_batch(ours, theirs)


@pytest.mark.parametrize("kind", SAMPLES)
def test_default_convert_matches_torch(kind):
    sample = SAMPLES[kind](2)
    ours = default_convert(sample)
    theirs = torch.utils.data.default_convert(_torchify(sample))
    if isinstance(sample, dn.Tensor) or (isinstance(sample, tuple) and isinstance(sample[0], dn.Tensor)):
        assert [s is o for s, o in zip(sample, ours, strict=True)] == [True, True]
        return
    assert_same_batch(ours, theirs)


def test_collate_arrays_keeps_numpy_and_tuples():
    batch = [(np.full(2, i, np.float32), i, {"w": float(i)}) for i in range(3)]
    x, y, d = collate_arrays(batch)
    assert isinstance(collate_arrays(batch), tuple)
    assert isinstance(x, np.ndarray) and x.dtype == np.float32 and x.shape == (3, 2)
    assert y.tolist() == [0, 1, 2] and d["w"].dtype == np.float64
    names = collate_arrays([np.array(["a"]), np.array(["b"])])
    assert names.tolist() == [["a"], ["b"]]


def test_a_float_among_python_ints_gives_float32_as_torch():
    ours = default_collate([1, 2.5])
    theirs = torch.utils.data.default_collate([1, 2.5])
    assert_same_batch(ours, theirs)


def test_samples_of_different_dtypes_promote_as_torch_stack():
    assert default_collate([dn.tensor(1), dn.tensor(2.0)]).dtype == np.float32
    assert default_collate([np.zeros(2, np.int64), np.zeros(2, np.float32)]).dtype == np.float32
    assert default_collate([np.int8(1), np.uint8(2)]).dtype == np.int16
    assert collate_arrays([np.zeros(2, np.int64), np.zeros(2, np.float32)]).dtype == np.float64  # NumPy's batches


def test_collated_batches_have_no_graph_and_feed_a_model():
    model = dn.nn.Linear(3, 2, dtype="float64")
    x, y = default_collate([(np.ones(3), 0), (np.zeros(3), 1)])
    assert not x.requires_grad and model(x).shape == (2, 2)


def test_bad_batches_raise():
    cases = [
        ([np.zeros(2), np.zeros(3)], ValueError, r"default_collate: sample 1 has shape \(3,\), sample 0 has \(2,\)"),
        ([(1, 2), (1, 2, 3)], ValueError, r"default_collate: sample 1 has 3 fields, sample 0 has 2"),
        ([{"a": 1}, {"b": 1}], ValueError, r"default_collate: sample 1 has keys \['b'\], sample 0 has \['a'\]"),
        ([None, None], TypeError, r"default_collate: batch must contain tensors, numpy arrays, numbers.*NoneType"),
        ([object()], TypeError, r"batch must contain tensors, numpy arrays, numbers, dicts or lists; found"),
        ([np.array(["a"]), np.array(["b"])], TypeError, r"default_collate: batch must contain .*found <U1"),
        ([], ValueError, r"default_collate: expected at least one sample, got an empty batch"),
        ([np.zeros(2, np.float16)] * 2, ValueError, r"deltanet computes in float32 or float64, got float16"),
    ]
    for batch, error, message in cases:
        with pytest.raises(error, match=message):
            default_collate(batch)
    with pytest.raises(ValueError, match=r"collate_arrays: sample 1 has shape \(3,\), sample 0 has \(2,\)"):
        collate_arrays([np.zeros(2), np.zeros(3)])
