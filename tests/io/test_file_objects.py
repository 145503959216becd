"""`save`/`load` with a binary file object, as `torch.save(obj, f)` and `torch.load(f)` take one.

The word_language_model example of pytorch/examples writes `with open(args.save, 'wb') as f:
torch.save(model, f)` and reads it back the same way; `io.BytesIO` buffers copy state in memory.
deltanet refused every file object before ("path must be a file path").
"""

import io

import numpy as np
import pytest

import deltanet as dn
from deltanet.io.errors import CheckpointError


def test_a_state_dict_through_a_bytes_buffer():
    model = dn.nn.Linear(3, 2)
    buffer = io.BytesIO()
    dn.save(model.state_dict(), buffer)
    buffer.seek(0)
    loaded = dn.load(buffer)
    assert list(loaded) == ["weight", "bias"]
    np.testing.assert_array_equal(loaded["weight"].numpy(), model.weight.detach().numpy())
    assert buffer.tell() == len(buffer.getvalue())  # read to its end, as torch.load does


def test_a_model_and_a_checkpoint_through_open_files(tmp_path):
    model = dn.nn.Sequential(dn.nn.Linear(2, 4), dn.nn.ReLU(), dn.nn.Linear(4, 1))
    with open(tmp_path / "model.pt", "wb") as f:
        dn.save(model, f)
    with open(tmp_path / "model.pt", "rb") as f:
        again = dn.load(f)
    x = dn.tensor(np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(again(x).detach().numpy(), model(x).detach().numpy())
    with open(tmp_path / "checkpoint.pt", "wb") as f:
        dn.save({"epoch": 3, "model": model.state_dict(), "note": "best"}, f)
    with open(tmp_path / "checkpoint.pt", "rb") as f:
        checkpoint = dn.load(f, weights_only=True)
    assert checkpoint["epoch"] == 3 and checkpoint["note"] == "best"
    assert sorted(checkpoint["model"]) == sorted(model.state_dict())


def test_text_file_objects_are_refused_with_the_mode_to_use(tmp_path):
    with open(tmp_path / "a.pt", "w") as f:
        with pytest.raises(CheckpointError, match=r"text file object; open it in binary mode, open\(path, 'wb'\)"):
            dn.save({"a": 1}, f)
    with open(tmp_path / "a.pt") as f:
        with pytest.raises(CheckpointError, match=r"text file object \(it read str\).*open\(path, 'rb'\)"):
            dn.load(f)


def test_damaged_bytes_in_a_buffer_are_refused_as_in_a_file():
    buffer = io.BytesIO()
    dn.save({"a": dn.ones(2)}, buffer)
    data = bytearray(buffer.getvalue())
    at = data.index(np.ones(2, np.float32).tobytes())  # the array's bytes: its checksum then differs
    data[at] ^= 0xFF
    with pytest.raises(CheckpointError, match=r"arrays/0.npy.: damaged"):
        dn.load(io.BytesIO(bytes(data)))


def test_file_objects_round_trip_as_pytorchs():
    torch = pytest.importorskip("torch")
    values = {}
    for lib in (torch, dn):
        buffer = io.BytesIO()
        lib.save({"w": lib.tensor([[1.0, 2.0]]), "step": 7, "names": ["a", "b"]}, buffer)
        buffer.seek(0)
        loaded = lib.load(buffer, weights_only=True)
        values[lib.__name__] = (loaded["w"].tolist(), loaded["step"], loaded["names"], buffer.tell() > 0)
    assert values["deltanet"] == values["torch"]
