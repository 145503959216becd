"""RELIABILITY.md item 7: random byte mutations of a valid file raise only CheckpointError (or
load, when they hit nothing that is checked); nothing else escapes and nothing hangs."""

import time

import numpy as np
from tests.io._craft import valid_file

import deltanet as dn
from deltanet.io import CheckpointError

MUTATIONS = 3000


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    kind = rng.integers(6)
    if kind == 0:  # flip a few bits
        for i in rng.integers(len(buf), size=rng.integers(1, 4)):
            buf[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:  # overwrite a few bytes with random values
        for i in rng.integers(len(buf), size=rng.integers(1, 9)):
            buf[i] = int(rng.integers(256))
    elif kind == 2:  # truncate
        del buf[int(rng.integers(len(buf))) :]
    elif kind == 3:  # insert random bytes
        i = int(rng.integers(len(buf)))
        buf[i:i] = rng.integers(256, size=rng.integers(1, 32)).astype(np.uint8).tobytes()
    elif kind == 4:  # delete a slice
        i = int(rng.integers(len(buf)))
        del buf[i : i + int(rng.integers(1, 64))]
    else:  # write a large value into a 4-byte field (sizes, offsets, counts)
        i = int(rng.integers(len(buf) - 4))
        buf[i : i + 4] = int(rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 0x10000000, 0])).to_bytes(4, "little")
    return bytes(buf)


def _load_mutations(original: bytes, count: int, seed: int, tmp_path, check_loaded) -> dict:
    """Load ``count`` random mutations of the file ``original``: each raises CheckpointError, or
    loads and passes ``check_loaded(i, loaded)``, within 2 seconds. Returns how many did which."""
    rng = np.random.default_rng(seed)
    outcomes = {"refused": 0, "loaded": 0}
    for i in range(count):
        path = tmp_path / "mutant.dnet"
        path.write_bytes(_mutate(original, rng))  # a new file each time (truncating one in place is slow on some disks)
        t0 = time.perf_counter()
        try:
            loaded = dn.load(path)
        except CheckpointError:
            outcomes["refused"] += 1
        except Exception as error:  # pragma: no cover - this is the failure being tested for
            raise AssertionError(f"mutation {i} raised {type(error).__name__}: {error}") from error
        else:
            outcomes["loaded"] += 1
            check_loaded(i, loaded)
        assert time.perf_counter() - t0 < 2.0, f"mutation {i} took too long"
        path.unlink()
    return outcomes


def test_random_mutations_raise_only_checkpoint_error(tmp_path):
    good = tmp_path / "good.dnet"
    model = valid_file(good)

    def check_loaded(i, loaded):
        # What loads is the saved model: a mutation that got through touched nothing checked.
        for key, value in model.state_dict().items():
            assert np.array_equal(loaded.state_dict()[key], value), (i, key)

    start = time.perf_counter()
    outcomes = _load_mutations(good.read_bytes(), MUTATIONS, 20240605, tmp_path, check_loaded)
    assert outcomes["refused"] > MUTATIONS // 2, outcomes
    assert time.perf_counter() - start < 20.0


def _paths(value, prefix=()):
    """Every position (a path of keys/indices) in a JSON value, containers included."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


REPLACEMENTS = [None, -1, 0, 10**30, 1.5, True, "x", "os.system", [], [1, 2], {}, {"class": "Linear", "config": {}}]


def test_every_config_field_replaced_by_every_kind_of_value(tmp_path):
    """Structured fuzz: each position of config.json (with a consistent manifest, so the checks
    behind the checksums are reached) takes each kind of JSON value in turn."""
    import json

    from tests.io._craft import build, members

    good = tmp_path / "good.dnet"
    valid_file(good)
    items = list(members(good).items())
    config = json.loads(dict(items)["config.json"])
    tried = 0
    for path in list(_paths(config)):
        for replacement in REPLACEMENTS:
            edited = json.loads(json.dumps(config))
            if path:
                target = edited
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = replacement
            else:
                edited = replacement
            data = build([(n, json.dumps(edited).encode() if n == "config.json" else d) for n, d in items])
            mutant = tmp_path / f"m{tried}.dnet"
            mutant.write_bytes(data)
            try:
                dn.load(mutant)
            except CheckpointError:
                pass
            except Exception as error:  # pragma: no cover - the failure being tested for
                raise AssertionError(f"{path} = {replacement!r} raised {type(error).__name__}: {error}") from error
            mutant.unlink()
            tried += 1
    assert tried > 500


def _same(a, b):
    """Equal values of a saved dict: types and array bytes included."""
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dn.Tensor):
        return type(a) is type(b) and a.requires_grad == b.requires_grad and _same(a.array, b.array)
    if isinstance(a, (np.ndarray, np.generic)):
        return type(a) is type(b) and a.dtype == b.dtype and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    return type(a) is type(b) and a == b


def test_random_mutations_of_a_saved_dict_raise_only_checkpoint_error(tmp_path):
    from tests.io._craft import good_state_file

    good = tmp_path / "good.dnet"
    good_state_file(good)
    expected = dn.load(good)

    def check_loaded(i, loaded):
        assert _same(loaded, expected), i

    outcomes = _load_mutations(good.read_bytes(), MUTATIONS // 3, 20260101, tmp_path, check_loaded)
    assert outcomes["refused"] > MUTATIONS // 6, outcomes


def test_every_field_of_a_saved_dict_replaced_by_every_kind_of_value(tmp_path):
    import json
    from collections import OrderedDict

    from tests.io._craft import build, members

    good = tmp_path / "good.dnet"
    value = {
        "model": OrderedDict(w=np.ones((2, 3), np.float32), b=np.zeros(2, np.float32)),
        "optimizer": {"state": {0: {"step": 2, "m": np.ones(2)}}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
        "epoch": 3,
        "betas": (0.9, float("inf")),
        "loss": dn.tensor([0.5], requires_grad=True),
        "best": np.float32(0.25),
    }
    dn.save(value, good)
    items = list(members(good).items())
    config = json.loads(dict(items)["config.json"])
    tried = 0
    for path in list(_paths(config)):
        for replacement in REPLACEMENTS[::2] + [{"array": 0, "as": "ndarray"}, {"float": "nan"}, {"dict": [[1, 2]]}]:
            edited = json.loads(json.dumps(config))
            if path:
                target = edited
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = replacement
            else:
                edited = replacement
            data = build([(n, json.dumps(edited).encode() if n == "config.json" else d) for n, d in items])
            mutant = tmp_path / "m.dnet"
            mutant.write_bytes(data)
            try:
                dn.load(mutant)
            except CheckpointError:
                pass
            except Exception as error:  # pragma: no cover - the failure being tested for
                raise AssertionError(f"{path} = {replacement!r} raised {type(error).__name__}: {error}") from error
            tried += 1
    assert tried > 500
