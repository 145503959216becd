"""Hostile and broken saved-dict files (config.json version 2, ``deltanet.io.state``): each raises
CheckpointError whose message names what is wrong; none runs code; none allocates much more than
the file."""

import json

import numpy as np
import pytest
from tests.io._craft import build, good_state_file, members, npy_bytes, npy_with_header, refusal_peak, with_config
from tests.io._craft import replace_member as _replace
from tests.io._craft import unsafe_pickle as _unsafe_pickle

import deltanet as dn


def _items(path):
    return list(members(path).items())


def _state_edit(edit):
    def case(items, tmp):
        return build(with_config(items, edit)), case.pattern

    return case


def _set(path, value):
    def edit(c):
        target = c
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


STATE_MODEL = ["state", "dict", 0, 1, "OrderedDict"]  # the pairs of obj["model"]
STATE_CASES = {
    "array_larger_than_file": (
        _set(["arrays", 0, "shape"], [10**6, 10**6]),
        r"config.json: arrays\[0\]: the arrays listed so far need more bytes than the file has",
    ),
    "array_spec_with_extra_field": (
        _set(["arrays", 1, "pickle"], True),
        r"config.json: arrays\[1\]: expected \{'shape': \[ints\], 'dtype': name\}",
    ),
    "array_spec_object_dtype": (_set(["arrays", 0, "dtype"], "object"), r"config.json: arrays\[0\]: expected"),
    "array_shape_differs_from_member": (
        _set(["arrays", 0, "shape"], [4, 8]),
        r"member 'arrays/0.npy': declares \d+ bytes|arrays/0.npy: shape \(8, 4\), expected the model's \(4, 8\)",
    ),
    "array_dtype_differs_from_member": (_set(["arrays", 0, "dtype"], "int32"), r"arrays/0.npy: dtype <f4, expected"),
    "unused_array": (
        _set(STATE_MODEL + [0, 1], None),
        r"config.json: arrays: 1 listed array\(s\) are not used in 'state'",
    ),
    "array_used_twice": (
        _set(STATE_MODEL + [1, 1], {"array": 0, "as": "ndarray"}),
        r"config.json: state\['model'\]\['0.bias'\].array: 0 is not the index of an unused listed array",
    ),
    "array_index_out_of_range": (
        _set(STATE_MODEL + [0, 1, "array"], 99),
        r"state\['model'\]\['0.weight'\].array: 99 is not the index of an unused listed array",
    ),
    "scalar_with_a_shape": (
        _set(STATE_MODEL + [0, 1], {"array": 0, "as": "scalar"}),  # a state_dict value is a Tensor node
        r"state\['model'\]\['0.weight'\]: a scalar, but array 0 has shape \(8, 4\)",
    ),
    "unknown_array_kind": (
        _set(STATE_MODEL + [0, 1, "as"], "pickle"),
        r"state\['model'\]\['0.weight'\]: expected \['array', 'as'\] with 'as' one of",
    ),
    "requires_grad_not_a_bool": (
        _set(["state", "dict", 4, 1, "requires_grad"], "yes"),
        r"state\['loss'\].requires_grad: expected true or false",
    ),
    "unknown_tag": (_set(["state", "dict", 2, 1], {"pickle": "cos\nsystem"}), r"state\['epoch'\]: unknown value"),
    "tag_with_an_extra_key": (
        _set(["state", "dict", 5, 1], {"list": [], "exec": 1}),
        r"state\['history'\]: unknown value \['exec', 'list'\]",
    ),
    "duplicate_key": (
        _set(["state", "dict", 1, 0], "model"),
        r"config.json: state.dict\[1\]: key 'model' is not a new str or int",
    ),
    "float_key": (_set(["state", "dict", 2, 0], 1.5), r"state.dict\[2\]: key 1.5 is not a new str or int"),
    "pair_not_a_pair": (_set(["state", "dict", 2], ["epoch"]), r"state.dict\[2\]: expected \[key, value\]"),
    "bad_special_float": (_set(["state", "dict", 2, 1], {"float": "1e999"}), r"state\['epoch'\]: unknown value"),
    "deep_nesting": (
        _set(["state", "dict", 2, 1], json.loads('{"list": [' * 100 + "]}" * 100)),
        r"state\['epoch'\](\[0\])+: nested deeper than 64",
    ),
    "content_model": (_set(["content"], "model"), r"config.json: content 'model', expected 'state'"),
    "unknown_top_field": (_set(["weights"], []), r"config.json: unknown field\(s\) \['weights'\]"),
    "missing_state": (lambda c: c.pop("state"), r"config.json: field 'state' is missing"),
    "tensor_of_float16": (
        lambda c: _set(["arrays", 9, "dtype"], "float16")(c),
        r"arrays/9.npy: dtype <f4, expected the model's <f2",
    ),
}


def _state_case(name):
    edit, pattern = STATE_CASES[name]
    case = _state_edit(edit)
    case.pattern = pattern
    case.__name__ = name
    return case


def extra_state_member(items, tmp):
    return build(items + [("arrays/99.npy", npy_bytes(np.zeros(1)))]), r"member 'arrays/99.npy': unexpected"


def zero_padded_state_member(items, tmp):
    renamed = [("arrays/01.npy" if n == "arrays/1.npy" else n, d) for n, d in items]
    return build(renamed), r"member 'arrays/01.npy': unexpected \(not an array listed in config.json\)"


def missing_state_member(items, tmp):
    return build([(n, d) for n, d in items if n != "arrays/2.npy"], manifest=None), (
        r"member 'arrays/2.npy': listed in manifest.json but missing"
    )


def missing_state_member_and_manifest_entry(items, tmp):
    return build([(n, d) for n, d in items if n != "arrays/2.npy"]), (
        r"member 'arrays/2.npy' is missing \(listed in config.json\)"
    )


def pickled_state_member(items, tmp):
    header = {"descr": "|O", "fortran_order": False, "shape": (8, 4)}
    data = npy_with_header(header, _unsafe_pickle(tmp / "pwned"), size=len(dict(items)["arrays/0.npy"]))
    return build(_replace(items, "arrays/0.npy", data)), r"arrays/0.npy: dtype object is not a plain numeric dtype"


def float16_tensor(items, tmp):
    items = with_config(items, _set(["arrays", 9, "dtype"], "float16"))
    return build(_replace(items, "arrays/9.npy", npy_bytes(np.ones(1, np.float16)))), (
        r"config.json: state: array 9 cannot be a Tensor \(deltanet computes in float32 or float64"
    )


STATE_FILE_CASES = [_state_case(name) for name in STATE_CASES] + [
    extra_state_member,
    zero_padded_state_member,
    missing_state_member,
    missing_state_member_and_manifest_entry,
    pickled_state_member,
    float16_tensor,
]


@pytest.mark.parametrize("case", STATE_FILE_CASES, ids=lambda c: c.__name__)
def test_hostile_state_file_raises_checkpoint_error_naming_the_problem(case, tmp_path):
    good = tmp_path / "good.dnet"
    good_state_file(good)
    data, pattern = case(_items(good), tmp_path)
    bad = tmp_path / "bad.dnet"
    bad.write_bytes(data)
    peak = refusal_peak(bad, pattern)
    assert peak < 2 * len(data) + (1 << 20), f"peak {peak} bytes"
    assert not (tmp_path / "pwned").exists()


def test_the_good_state_file_of_the_hostile_cases_loads(tmp_path):
    value = good_state_file(tmp_path / "good.dnet")
    got = dn.load(tmp_path / "good.dnet")
    assert got["epoch"] == 3 and got["history"] == [1.0, (2, "x")] and got["best"] == np.float32(0.5)
    assert list(got["model"]) == list(value["model"]) and got["loss"].requires_grad
    config = json.loads(members(tmp_path / "good.dnet")["config.json"])
    assert [pair[0] for pair in config["state"]["dict"]] == list(value)
    assert config["arrays"][9] == {"shape": [1], "dtype": "float32"}  # the loss tensor
