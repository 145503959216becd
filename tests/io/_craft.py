"""Helpers that take a valid deltanet file apart and put hostile versions of it together."""

import hashlib
import io
import json
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError


def small_model():
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def valid_file(path):
    """Save an MLP with an SGD-momentum state; return the model."""
    model = small_model()
    opt = dn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(dn.tensor(np.ones((2, 4), dtype=np.float32))).sum().backward()
    opt.step()
    dn.save(model, path, optimizer=opt)
    return model


def members(path):
    """name -> bytes, in archive order (manifest.json included)."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def manifest_for(items):
    listing = {
        name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in items
        if name != "manifest.json"
    }
    return json.dumps({"format": "deltanet", "version": 1, "members": listing}).encode()


def build(items, manifest="fresh", deflate=()):
    """Zip bytes of ``items`` [(name, bytes)]; manifest "fresh" (consistent), None (leave as given)
    or bytes. Members named in ``deflate`` are compressed."""
    items = [(n, d) for n, d in items if n != "manifest.json" or manifest is None]
    if manifest == "fresh":
        items.append(("manifest.json", manifest_for(items)))
    elif isinstance(manifest, bytes):
        items.append(("manifest.json", manifest))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we ask for
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED if name in deflate else zipfile.ZIP_STORED
                archive.writestr(info, data)
    return buffer.getvalue()


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_with_header(header, payload, size=None):
    """A .npy whose header says ``header`` (descr, shape, fortran_order), padded to ``size``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    data = buffer.getvalue() + payload
    if size is not None:
        data = data + b"\0" * (size - len(data))
    return data


def with_config(items, edit):
    """Items with config.json replaced by edit(config dict)."""
    out = []
    for name, data in items:
        if name == "config.json":
            config = json.loads(data)
            edit(config)
            data = json.dumps(config).encode()
        out.append((name, data))
    return out


def replace_member(items, name, data):
    """Items with member ``name``'s bytes replaced by ``data``."""
    return [(n, data if n == name else d) for n, d in items]


def unsafe_pickle(marker):
    """A hand-written pickle (protocol 0) that calls os.mkdir(marker) when unpickled."""
    return b"cposix\nmkdir\n(V" + str(marker).encode() + b"\ntR."


def good_state_file(path):
    """A checkpoint dict: a state_dict, an optimizer state_dict, a scalar, a tensor, nesting."""
    model = dn.nn.Sequential(dn.nn.Linear(4, 8, rng=0), dn.nn.ReLU(), dn.nn.Linear(8, 2, rng=1))
    opt = dn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(dn.tensor(np.ones((2, 4), dtype=np.float32))).sum().backward()
    opt.step()
    value = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "best": np.float32(0.5),
        "loss": dn.tensor([0.25], requires_grad=True),
        "history": [1.0, (2, "x")],
    }
    dn.save(value, path)
    return value


def refusal_peak(path, pattern):
    """Load ``path``, which must raise CheckpointError matching ``pattern``; return the peak of the
    memory allocated meanwhile, in bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=pattern):
            dn.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak
