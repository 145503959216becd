"""RELIABILITY.md item 6: hostile and broken files. Each raises CheckpointError whose message
names what is wrong; none runs code; none allocates much more than the file and the model."""

import json
import re
import tracemalloc

import numpy as np
import pytest
from tests.io._craft import build, members, npy_bytes, npy_with_header, refusal_peak, valid_file, with_config
from tests.io._craft import replace_member as _replace
from tests.io._craft import unsafe_pickle as _unsafe_pickle

import deltanet as dn
from deltanet.io import CheckpointError

W0 = "weights/0.weight.npy"  # the first layer's weight: (16, 4) float32, 256 bytes of data


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.dnet"
    valid_file(path)
    return path


def _items(path):
    return list(members(path).items())


def _size(items, name):
    return len(dict(items)[name])


# Each case: items of the good file -> (file bytes, regex the message must match).
def not_a_zip(items, tmp):
    return b"this is a text file, not a model\n" * 10, r"not a zip archive"


def truncated(fraction):
    def case(items, tmp):
        data = build(items, manifest=None)
        return data[: int(len(data) * fraction)], r"zip|damaged|truncated|missing"

    case.__name__ = f"truncated_{int(fraction * 100)}"
    return case


def missing_member(items, tmp):
    kept = [(n, d) for n, d in items if n != "weights/2.bias.npy"]
    return build(kept, manifest=None), r"member 'weights/2.bias.npy': listed in manifest.json but missing"


def missing_manifest(items, tmp):
    return build([(n, d) for n, d in items if n != "manifest.json"], manifest=False), r"'manifest.json' is missing"


def extra_member(items, tmp):
    return build(items + [("notes.txt", b"hello")]), r"member 'notes.txt': unexpected"


def extra_member_not_in_manifest(items, tmp):
    return build(
        items + [("weights/0.bias.npy.bak", b"x")], manifest=None
    ), r"unexpected \(not listed in manifest.json\)"


def duplicate_member(items, tmp):
    return build(items + [(W0, dict(items)[W0])]), r"member 'weights/0.weight.npy': appears twice"


def absolute_name(items, tmp):
    return build(items + [("/etc/evil.npy", b"x")]), r"member '/etc/evil.npy': absolute, '\.\.' or otherwise unsafe"


def dotdot_name(items, tmp):
    return build(items + [("weights/../../evil.npy", b"x")]), r"'weights/\.\./\.\./evil.npy': absolute, '\.\.'"


def oversized_json(items, tmp):
    padded = dict(items)["config.json"] + b" " * (17 << 20)  # valid JSON, 17 MiB, deflates to KBs
    return build(_replace(items, "config.json", padded), deflate={"config.json"}), (
        r"member 'config.json': declares \d+ bytes, more than the \d+ expected \(oversized member or zip bomb\)"
    )


def oversized_weight(items, tmp):
    return build(_replace(items, W0, dict(items)[W0] + b"\0" * 20000)), (
        r"member 'weights/0.weight.npy': declares 20384 bytes, but an array of shape \(16, 4\)"
    )


def trailing_bytes_after_array(items, tmp):
    return build(_replace(items, W0, dict(items)[W0] + b"\0" * 1000)), (
        r"weights/0.weight.npy: 1256 bytes of data, but shape \(16, 4\) of float32 needs 256"
    )


def zip_bomb_weight(items, tmp):
    bomb = npy_with_header({"descr": "<f4", "fortran_order": False, "shape": (16, 4)}, b"\0" * (64 << 20))
    return build(
        _replace(items, W0, bomb), deflate={W0}
    ), r"weights/0.weight.npy': declares 67108992 bytes, but an array of shape \(16, 4\)"


def bad_json(items, tmp):
    return build(
        _replace(items, "config.json", b'{"format": "deltanet", "version": 1,')
    ), r"config.json: not valid JSON"


def nan_in_json(items, tmp):
    data = dict(items)["config.json"].replace(b'"version": 1', b'"version": NaN')
    return build(_replace(items, "config.json", data)), r"config.json: not valid JSON \(NaN is not JSON\)"


def deeply_nested_json(items, tmp):
    return build(_replace(items, "config.json", b"[" * 100000 + b"]" * 100000)), r"config.json: not valid JSON"


def unknown_version(items, tmp):
    return build(with_config(items, lambda c: c.update(version=99))), r"config.json: unknown format version 99"


def unknown_manifest_version(items, tmp):
    manifest = json.loads(dict(items)["manifest.json"])
    manifest["version"] = 2
    return build(items, manifest=json.dumps(manifest).encode()), r"manifest.json: unknown format version 2"


def wrong_format_name(items, tmp):
    return build(
        with_config(items, lambda c: c.update(format="keras"))
    ), r"config.json: format 'keras', expected 'deltanet'"


def unknown_layer_type(items, tmp):
    def edit(c):
        c["model"]["config"]["layers"][1]["class"] = "FancyLayer"

    return build(with_config(items, edit)), r"layers\[1\]\.class: unknown layer type 'FancyLayer'"


def module_path_layer_type(path):
    def case(items, tmp):
        def edit(c):
            c["model"]["class"] = path

        return build(with_config(items, edit)), (
            rf"model\.class: layer type {re.escape(repr(path))} is not a registered name \(a module path"
        )

    case.__name__ = "module_path_" + path.replace(".", "_")
    return case


def mistyped_kwarg(items, tmp):
    def edit(c):
        c["model"]["config"]["layers"][0]["config"]["in_features"] = "four"

    return (
        build(with_config(items, edit)),
        r"layers\[0\]\.config: Linear refused its arguments: ValueError: "
        r"Linear: in_features must be a positive integer, got 'four'",
    )


def deeply_nested_argument(items, tmp):
    def edit(c):
        value = 1
        for _ in range(500):
            value = [value]
        c["model"]["config"]["layers"][0]["config"]["in_features"] = value

    return build(with_config(items, edit)), r"in_features(\[0\])+: values nested deeper than 64"


def unknown_kwarg(items, tmp):
    def edit(c):
        c["model"]["config"]["layers"][2]["config"]["activation"] = "relu"

    return build(with_config(items, edit)), r"layers\[2\]\.config: Linear has no argument 'activation'"


def terabyte_layer_in_config(items, tmp):
    def edit(c):
        c["model"]["config"]["layers"][0]["config"].update(in_features=10**6, out_features=10**6)

    return build(
        with_config(items, edit)
    ), r"the layers ask for at least 4e\+12 bytes of weights, more than the file can hold"


def registered_model_asks_for_huge_layers(items, tmp):
    def edit(c):
        c["model"] = {"class": "UNet", "config": {"width": 4096, "depth": 4}}

    return build(with_config(items, edit)), (
        r"model.config: UNet refused its arguments: ValueError: Conv2d: the parameters built so far exceed"
    )


def huge_tree_of_layers_without_weights(items, tmp):
    def edit(c):
        c["model"]["config"]["layers"] += [{"class": "ReLU", "config": {}}] * 1500

    return build(with_config(items, edit), deflate={"config.json"}), (
        r"config.json: model: the config describes 1504 or more layers, more than a file of its size may describe"
    )


def missing_weight(items, tmp):
    kept = [(n, d) for n, d in items if n != "weights/2.bias.npy"]
    return build(kept), r"member 'weights/2.bias.npy' is missing \('2.bias' is a weight of the model\)"


def extra_weight(items, tmp):
    return build(items + [("weights/3.weight.npy", npy_bytes(np.zeros(3, np.float32)))]), (
        r"member 'weights/3.weight.npy': unexpected \('3.weight' is not a weight of the model\)"
    )


def wrong_shape(items, tmp):
    return build(_replace(items, W0, npy_bytes(np.zeros((4, 16), np.float32)))), (
        r"weights/0.weight.npy: shape \(4, 16\), expected the model's \(16, 4\)"
    )


def wrong_dtype(items, tmp):
    return build(_replace(items, W0, npy_bytes(np.zeros((16, 4), np.int32)))), (
        r"weights/0.weight.npy: dtype <i4, expected the model's <f4"
    )


def big_endian(items, tmp):
    return build(_replace(items, W0, npy_bytes(np.zeros((16, 4), ">f4")))), r"dtype >f4, expected the model's <f4"


def object_array(items, tmp):
    header = {"descr": "|O", "fortran_order": False, "shape": (16, 4)}
    data = npy_with_header(header, _unsafe_pickle(tmp / "pwned"), size=_size(items, W0))
    return build(_replace(items, W0, data)), (
        r"weights/0.weight.npy: dtype object is not a plain numeric "
        r"dtype \(object arrays, which hold pickles, are refused\)"
    )


def terabyte_header(items, tmp):
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)}
    data = npy_with_header(header, b"", size=_size(items, W0))  # the right member size, a huge shape
    return build(
        _replace(items, W0, data)
    ), r"weights/0.weight.npy: shape \(1000000, 1000000\), expected the model's \(16, 4\)"


def terabyte_header_small_member(items, tmp):
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)}
    return build(_replace(items, W0, npy_with_header(header, b""))), (
        r"member 'weights/0.weight.npy': declares 128 bytes, but an array of shape \(16, 4\)"
    )


def shape_larger_than_file(items, tmp):
    data = npy_bytes(np.zeros((16, 4), np.float32))[:-100]  # the header promises 256 bytes of data
    return build(
        _replace(items, W0, data)
    ), r"weights/0.weight.npy: 156 bytes of data, but shape \(16, 4\) of float32 needs 256"


def bad_npy_magic(items, tmp):
    data = b"\x93NUMPZ" + dict(items)[W0][6:]
    return build(_replace(items, W0, data)), r"weights/0.weight.npy: not a .npy array"


def npy_version_3(items, tmp):
    data = bytearray(dict(items)[W0])
    data[6] = 3
    return build(_replace(items, W0, bytes(data))), r"weights/0.weight.npy: unsupported .npy format version \(3, 0\)"


def checksum_mismatch(items, tmp):
    data = bytearray(dict(items)[W0])
    data[-1] ^= 0xFF  # a valid zip (new CRC) with the original manifest
    changed = [(n, bytes(data) if n == W0 else d) for n, d in items]
    return build(changed, manifest=None), r"member 'weights/0.weight.npy': checksum mismatch"


def manifest_size_lies(items, tmp):
    manifest = json.loads(dict(items)["manifest.json"])
    manifest["members"][W0]["size"] += 1
    return build(
        items, manifest=json.dumps(manifest).encode()
    ), r"member 'weights/0.weight.npy': size 384 in the zip directory, 385 in manifest.json"


def optimizer_array_wrong_shape(items, tmp):
    name = "optimizer/0.momentum_buffer.npy"
    return build(_replace(items, name, npy_bytes(np.zeros((4, 16), np.float32)))), (
        r"optimizer/0.momentum_buffer.npy: shape \(4, 16\), expected the model's \(16, 4\)"
    )


def optimizer_param_index_out_of_range(items, tmp):
    def edit(c):
        c["optimizer"]["arrays"]["99"] = ["momentum_buffer"]

    return build(with_config(items, edit)), r"config.json: optimizer.arrays: '99' is not a parameter index"


def dtype_field_unknown(items, tmp):
    return build(
        with_config(items, lambda c: c.update(dtype="float16"))
    ), r"config.json: dtype 'float16', expected 'float32' or 'float64'"


def unknown_top_field(items, tmp):
    return build(
        with_config(items, lambda c: c.update(__class__="os.system"))
    ), r"config.json: unknown field\(s\) \['__class__'\]"


def frozen_names_a_missing_parameter(items, tmp):
    return build(
        with_config(items, lambda c: c.update(frozen=["0.weight", "9.weight"]))
    ), r"config.json: 'frozen' must be a list of the model's parameter names, got \['0.weight', '9.weight'\]"


CASES = [
    not_a_zip,
    truncated(0.1),
    truncated(0.5),
    truncated(0.9),
    missing_member,
    missing_manifest,
    extra_member,
    extra_member_not_in_manifest,
    duplicate_member,
    absolute_name,
    dotdot_name,
    oversized_json,
    oversized_weight,
    trailing_bytes_after_array,
    zip_bomb_weight,
    bad_json,
    nan_in_json,
    deeply_nested_json,
    unknown_version,
    unknown_manifest_version,
    wrong_format_name,
    unknown_layer_type,
    module_path_layer_type("os.system"),
    module_path_layer_type("deltanet.nn.Linear"),
    module_path_layer_type("__import__('os').system"),
    mistyped_kwarg,
    deeply_nested_argument,
    unknown_kwarg,
    terabyte_layer_in_config,
    registered_model_asks_for_huge_layers,
    huge_tree_of_layers_without_weights,
    missing_weight,
    extra_weight,
    wrong_shape,
    wrong_dtype,
    big_endian,
    object_array,
    terabyte_header,
    terabyte_header_small_member,
    shape_larger_than_file,
    bad_npy_magic,
    npy_version_3,
    checksum_mismatch,
    manifest_size_lies,
    optimizer_array_wrong_shape,
    optimizer_param_index_out_of_range,
    dtype_field_unknown,
    unknown_top_field,
    frozen_names_a_missing_parameter,
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_hostile_file_raises_checkpoint_error_naming_the_problem(case, good, tmp_path):
    data, pattern = case(_items(good), tmp_path)
    bad = tmp_path / "bad.dnet"
    bad.write_bytes(data)
    peak = refusal_peak(bad, pattern)
    model_bytes = sum(a.numel() * a.element_size() for a in dn.load(good).state_dict().values())
    # "none allocates more than about twice the file plus the model" (+ 1 MiB of Python bookkeeping)
    assert peak < 2 * min(len(data), 1 << 20) + model_bytes + (1 << 20), f"peak {peak} bytes"
    assert not (tmp_path / "pwned").exists()


def test_there_are_at_least_twenty_distinct_cases():
    assert len({c.__name__ for c in CASES}) >= 20


def test_the_pickle_payload_is_live_but_never_runs(good, tmp_path):
    """The object-array payload would create a folder if unpickled; loading leaves no trace."""
    marker = tmp_path / "pwned"
    payload = _unsafe_pickle(marker)
    assert payload.startswith(b"cposix\nmkdir\n") and payload.endswith(b"tR.")
    data, _ = object_array(_items(good), tmp_path)
    (tmp_path / "bad.dnet").write_bytes(data)
    for _ in range(3):
        with pytest.raises(CheckpointError):
            dn.load(tmp_path / "bad.dnet")
    assert not marker.exists()


def test_terabyte_header_is_refused_without_allocating(tmp_path):
    """A model of about 1 MB; its weight's header declares 4 TB: the peak stays below twice the
    file plus the model, where "the model" is what building it costs (Linear draws its initial
    values in float64, a temporary twice the size of its float32 weight)."""
    model = dn.nn.Linear(512, 512, rng=0)
    good = tmp_path / "big.dnet"
    dn.save(model, good)
    items = _items(good)
    name = "weights/weight.npy"
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)}
    items = _replace(items, name, npy_with_header(header, b"", size=_size(items, name)))
    bad = tmp_path / "bad.dnet"
    bad.write_bytes(build(items))
    tracemalloc.start()
    dn.nn.Linear(512, 512, rng=0)
    _, model_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    file_bytes = bad.stat().st_size
    peak = refusal_peak(bad, r"weights/weight.npy: shape \(1000000, 1000000\)")
    assert peak < 2 * file_bytes + model_bytes, (peak, file_bytes, model_bytes)


def test_fortran_ordered_array_loads_as_the_same_values(good, tmp_path):
    items = _items(good)
    original = np.lib.format.read_array(__import__("io").BytesIO(dict(items)[W0]), allow_pickle=False)
    fortran = np.asfortranarray(original)
    buffer = __import__("io").BytesIO()
    np.lib.format.write_array(buffer, fortran, allow_pickle=False)
    path = tmp_path / "f.dnet"
    path.write_bytes(build(_replace(items, W0, buffer.getvalue())))
    loaded = dn.load(path)
    np.testing.assert_array_equal(loaded[0].weight.data, original)


def test_missing_file_and_folder_errors(tmp_path):
    with pytest.raises(CheckpointError, match=r"nope.dnet'?: cannot open"):
        dn.load(tmp_path / "nope.dnet")
    with pytest.raises(CheckpointError, match=r"is a folder, not a regular file; deltanet reads only regular files"):
        dn.load(tmp_path)
    with pytest.raises(CheckpointError, match=r"folder .* does not exist"):
        dn.save(dn.nn.ReLU(), tmp_path / "no" / "such" / "m.dnet")


def test_saving_under_a_file_says_it_is_a_file(tmp_path):
    (tmp_path / "notes").write_text("x")
    with pytest.raises(CheckpointError, match=r"folder '.*notes' is a file, not a folder"):
        dn.save(dn.nn.ReLU(), tmp_path / "notes" / "m.dnet")
