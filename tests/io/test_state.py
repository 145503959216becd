"""Saving the PyTorch way: dn.save(model.state_dict(), path), model.load_state_dict(dn.load(path)),
optimizer state dicts and checkpoint dicts, through the same safe format; what cannot be saved is
refused with what can be."""

import math
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError


def _model():
    dn.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))


def _train(model, opt, steps=2):
    x = dn.tensor(np.random.default_rng(0).normal(size=(4, 1, 4, 4)).astype(np.float32))
    for _ in range(steps):
        opt.zero_grad()
        (model(x) ** 2).sum().backward()
        opt.step()
    return x


def test_state_dict_round_trip_loads_into_a_fresh_model(tmp_path):
    model = _model()
    x = _train(model, dn.optim.Adam(model.parameters(), lr=0.01))
    dn.save(model.state_dict(), tmp_path / "weights.dnet")
    state = dn.load(tmp_path / "weights.dnet")
    assert type(state) is OrderedDict and list(state) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert type(state[key]) is dn.Tensor, key  # saved as Tensors, loaded as Tensors (torch.load's habit)
        assert state[key].dtype == value.dtype and state[key].numpy().tobytes() == value.numpy().tobytes(), key
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    fresh.load_state_dict(dn.load(tmp_path / "weights.dnet"))
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_optimizer_state_dict_round_trip_continues_the_same_steps(tmp_path):
    model = _model()
    opt = dn.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    _train(model, opt)
    dn.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.dnet")
    ckpt = dn.load(tmp_path / "ckpt.dnet")
    assert ckpt["epoch"] == 3 and set(ckpt) == {"model", "optimizer", "epoch"}
    again = _model()
    again.load_state_dict(ckpt["model"])
    opt2 = dn.optim.Adam(again.parameters(), lr=0.5)
    opt2.load_state_dict(ckpt["optimizer"])
    expected = opt.state_dict()
    got = opt2.state_dict()
    assert got["param_groups"] == expected["param_groups"]
    for i, values in expected["state"].items():
        for k, v in values.items():
            np.testing.assert_array_equal(got["state"][i][k], v)
    _train(model, opt, 1)
    _train(again, opt2, 1)
    for (key, a), b in zip(model.state_dict().items(), again.state_dict().values(), strict=True):
        assert a.numpy().tobytes() == b.numpy().tobytes(), key


def test_every_kind_of_value_comes_back_with_its_type(tmp_path):
    tensor = dn.tensor(np.arange(3.0, dtype=np.float32), requires_grad=True)
    value = {
        "int": 3,
        "float": 0.25,
        "inf": math.inf,
        "-inf": -math.inf,
        "str": "run-1",
        "numpy str": np.str_("x"),
        "none": None,
        "bools": [True, False],
        "tuple": (0.9, 0.999),
        7: "an int key",
        "nested": OrderedDict([("b", {"c": [1, (2, [3])]}), ("a", [])]),
        "float32": np.float32(1.5),
        "int64": np.int64(-7),
        "bool_": np.bool_(True),
        "0-d": np.array(2.5),
        "ints": np.arange(6, dtype=np.int64).reshape(2, 3),
        "uint8": np.array([[0, 255]], dtype=np.uint8),
        "float16": np.array([1.5], dtype=np.float16),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "tensor": tensor,
        "frozen": dn.tensor([1.0, 2.0]),
        "parameter": nn.Parameter(np.ones((2, 2))),
    }
    dn.save(value, tmp_path / "v.dnet")
    got = dn.load(tmp_path / "v.dnet")
    assert list(got) == list(value)
    for key in ("int", "float", "inf", "-inf", "str", "none", "bools", "tuple", 7, "nested"):
        assert got[key] == value[key] and type(got[key]) is type(value[key]), key
    assert type(got["nested"]) is OrderedDict and type(got["nested"]["b"]) is dict
    assert got["nested"]["b"]["c"] == [1, (2, [3])] and type(got["nested"]["b"]["c"][1]) is tuple
    assert type(got["numpy str"]) is str and got["numpy str"] == "x"
    for key in ("float32", "int64", "bool_"):
        assert type(got[key]) is type(value[key]) and got[key] == value[key], key
    for key in ("0-d", "ints", "uint8", "float16", "empty"):
        assert type(got[key]) is np.ndarray and got[key].dtype == value[key].dtype, key
        np.testing.assert_array_equal(got[key], value[key])
    assert type(got["tensor"]) is dn.Tensor and got["tensor"].requires_grad
    assert type(got["frozen"]) is dn.Tensor and not got["frozen"].requires_grad
    assert type(got["parameter"]) is nn.Parameter and got["parameter"].dtype == np.float64
    np.testing.assert_array_equal(got["tensor"].data, tensor.data)


def test_nan_comes_back(tmp_path):
    dn.save({"loss": math.nan}, tmp_path / "n.dnet")
    assert math.isnan(dn.load(tmp_path / "n.dnet")["loss"])


def test_loaded_arrays_are_writable_native_copies(tmp_path):
    big_endian = np.arange(4, dtype=">f4")
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    dn.save([big_endian, fortran, fortran[:, ::2]], tmp_path / "a.dnet")
    a, f, strided = dn.load(tmp_path / "a.dnet")
    np.testing.assert_array_equal(a, big_endian)
    assert a.dtype == np.dtype("<f4")
    np.testing.assert_array_equal(f, fortran)
    np.testing.assert_array_equal(strided, fortran[:, ::2])
    a[0] = 10.0  # writable
    assert a[0] == 10.0


def test_top_level_values_other_than_dicts(tmp_path):
    for value in ([1, 2], (np.ones(2),), np.eye(2), 5, "text", None):
        dn.save(value, tmp_path / "x.dnet")
        got = dn.load(tmp_path / "x.dnet")
        assert type(got) is type(value)


def test_the_same_dict_gives_the_same_bytes_and_a_version_2_file(tmp_path):
    model = _model()
    dn.save(model.state_dict(), tmp_path / "a.dnet")
    dn.save(model.state_dict(), tmp_path / "b.dnet")
    assert (tmp_path / "a.dnet").read_bytes() == (tmp_path / "b.dnet").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.dnet") as archive:
        names = archive.namelist()
        config = archive.read("config.json").decode()
    assert names[0] == "config.json" and names[-1] == "manifest.json"
    assert all(n.startswith("arrays/") for n in names[1:-1]) and len(names) == 2 + len(model.state_dict())
    assert '"version": 2' in config and '"content": "state"' in config


class _Thing:
    pass


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ({"model": nn.ReLU()}, r"obj\['model'\] is a ReLU module: put model.state_dict\(\) in it instead"),
        ({"opt": "OPT"}, r"obj\['opt'\] is a SGD optimizer: put optimizer.state_dict\(\) in it instead"),
        ({"x": _Thing()}, r"obj\['x'\] is a tests.io.test_state._Thing. dn.save saves a Module .*or a value made of"),
        ({"s": {1, 2}}, r"obj\['s'\] is a builtins.set"),
        ({"b": b"raw"}, r"obj\['b'\] is a builtins.bytes"),
        ({(1, 2): 3}, r"obj has a key \(1, 2\); dict keys must be str or int"),
        ({True: 3}, r"obj has a key True; dict keys must be str or int"),
        ({"c": np.ones(2, dtype=complex)}, r"obj\['c'\] has dtype complex128; only arrays of numbers are saved"),
        ({"o": np.array([None, 1], dtype=object)}, r"obj\['o'\] has dtype object; only arrays of numbers"),
        ({"m": np.ma.masked_array([1.0, 2.0], mask=[0, 1])}, r"obj\['m'\] is a MaskedArray \(masked arrays are not"),
        ({"f": lambda: 1}, r"obj\['f'\] is a builtins.function\. dn.save saves"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else None,
)
def test_what_cannot_be_saved_is_refused_with_what_can(value, pattern, tmp_path):
    if isinstance(value, dict) and value.get("opt") == "OPT":
        value = {"opt": dn.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)}
    with pytest.raises(CheckpointError, match=pattern):
        dn.save(value, tmp_path / "x.dnet")
    assert not (tmp_path / "x.dnet").exists()


def test_a_dict_that_holds_itself_is_refused(tmp_path):
    loop = {}
    loop["self"] = loop
    with pytest.raises(CheckpointError, match=r"nested deeper than 64 \(a list or dict that holds itself\?\)"):
        dn.save(loop, tmp_path / "x.dnet")


def test_optimizer_argument_goes_with_a_module_only(tmp_path):
    model = nn.Linear(2, 1)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(CheckpointError, match=r"optimizer= goes with a Module; to save a OrderedDict, put"):
        dn.save(model.state_dict(), tmp_path / "x.dnet", optimizer=opt)


def test_load_checkpoint_of_a_state_file_says_to_use_load(tmp_path):
    dn.save({"w": np.ones(2)}, tmp_path / "s.dnet")
    with pytest.raises(CheckpointError, match=r"holds a saved dict \(a state file\), not a model; dn.load"):
        dn.io.load_checkpoint(tmp_path / "s.dnet")


def test_map_location_and_weights_only_are_accepted_and_checked(tmp_path):
    dn.save({"w": np.ones(2)}, tmp_path / "s.dnet")
    for location in (None, "cpu", {"cuda:0": "cpu"}):
        for weights_only in (None, True, False):
            assert dn.load(tmp_path / "s.dnet", map_location=location, weights_only=weights_only)["w"].shape == (2,)
    for location in ("cuda", "cuda:0", lambda storage, loc: storage, {"cpu": "cuda:1"}, 0):
        with pytest.raises(ValueError, match=r"load: map_location must be None or 'cpu' \(deltanet arrays are NumPy"):
            dn.load(tmp_path / "s.dnet", map_location=location)
    with pytest.raises(ValueError, match=r"load: weights_only must be True, False or None, got 'yes'"):
        dn.load(tmp_path / "s.dnet", weights_only="yes")


def test_map_location_takes_a_torch_cpu_device(tmp_path):
    torch = pytest.importorskip("torch")
    dn.save(nn.Linear(2, 1), tmp_path / "m.dnet")
    assert isinstance(dn.load(tmp_path / "m.dnet", map_location=torch.device("cpu")), nn.Linear)
    with pytest.raises(ValueError, match="map_location"):
        dn.load(tmp_path / "m.dnet", map_location=torch.device("meta"))
