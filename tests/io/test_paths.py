"""Hostile or odd paths: what is not a regular file is refused before it is opened, the work of
loading is bounded by the file's size, and a failed save names the user's path."""

import errno
import json
import os
import stat
import tempfile
import threading
import time

import numpy as np
import pytest
from tests.io._craft import build

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError, registry


def _load_in_time(path, seconds=10):
    """dn.load(path) in a thread: the exception it raised, or a failure if it hangs."""
    outcome = {}

    def run():
        try:
            dn.load(path)
        except BaseException as error:  # reported to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"dn.load({path!r}) hangs"
    return outcome.get("error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.dnet"
    os.mkfifo(fifo)
    error = _load_in_time(fifo)
    assert isinstance(error, CheckpointError)
    assert "is a named pipe (FIFO), not a regular file" in str(error)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    error = _load_in_time("/dev/zero")
    assert isinstance(error, CheckpointError)
    assert "is a character device (such as /dev/zero), not a regular file" in str(error)


def test_a_symbolic_link_to_a_model_file_loads(tmp_path):
    dn.save(nn.Linear(2, 1, rng=0), tmp_path / "real.dnet")
    try:
        os.symlink(tmp_path / "real.dnet", tmp_path / "link.dnet")
    except (OSError, NotImplementedError):
        pytest.skip("no symbolic links here")
    assert dn.load(tmp_path / "link.dnet").out_features == 1


def test_an_empty_file_and_a_file_that_is_no_path_are_refused(tmp_path):
    (tmp_path / "empty.dnet").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"empty file \(0 bytes\), not a deltanet file"):
        dn.load(tmp_path / "empty.dnet")
    with open(tmp_path / "empty.dnet", "rb") as handle:
        with pytest.raises(CheckpointError, match=r"empty file \(0 bytes\)"):
            dn.load(handle)  # a file object is read (tests/io/test_file_objects.py), this one is empty
    with pytest.raises(CheckpointError, match=r"save: path must be a file path .*or a binary file object.*got int"):
        dn.save(nn.ReLU(), 3)


# -- bounded work --------------------------------------------------------------------------------
def _tree_file(path, layers, indent=None):
    """A deltanet file whose config asks for a Sequential of ``layers`` ReLUs (deflated)."""
    relu = json.dumps({"class": "ReLU", "config": {}}, indent=indent)
    data = (
        '{"format": "deltanet", "version": 1, "dtype": null, "weights": [], '
        '"model": {"class": "Sequential", "config": {"layers": [' + ", ".join([relu] * layers) + "]}}}"
    ).encode()
    path.write_bytes(build([("config.json", data)], deflate={"config.json"}))
    return data


def test_a_small_file_asking_for_a_huge_tree_is_refused_quickly(tmp_path):
    path = tmp_path / "tree.dnet"
    data = _tree_file(path, 30_000)  # 1 MB of JSON in a file of a few kB
    size = path.stat().st_size
    assert size < 20_000 and len(data) <= dn.io.archive.json_limit(size)
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"model: the config describes 30001 or more layers, more than a file"):
        dn.load(path)
    assert time.perf_counter() - start < 2.0


def test_a_small_file_whose_config_unfolds_too_far_is_refused_before_parsing(tmp_path):
    path = tmp_path / "tree.dnet"
    data = _tree_file(path, 300_000, indent=1)  # the 29 kB file that used to build 300k layers in 12 s
    assert len(data) > 64 * path.stat().st_size
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"member 'config.json': declares \d+ bytes, more than the \d+ expected"):
        dn.load(path)
    assert time.perf_counter() - start < 1.0


def test_the_layer_bound_leaves_room_for_real_models(tmp_path):
    model = nn.Sequential(*[nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Dropout(0.1)) for _ in range(300)])
    dn.save(model, tmp_path / "deep.dnet")
    assert len(list(model.modules())) <= registry.max_layers((tmp_path / "deep.dnet").stat().st_size)
    assert len(dn.load(tmp_path / "deep.dnet")) == 300
    relus = nn.Sequential(*[nn.ReLU() for _ in range(1000)])  # no weights at all: within the base allowance
    dn.save(relus, tmp_path / "relus.dnet")
    assert len(dn.load(tmp_path / "relus.dnet")) == 1000


@dn.io.register
class Stack(nn.Module):
    """A registered class that builds ``n`` layers from one number of its config."""

    def __init__(self, n=2):
        super().__init__()
        self.layers = nn.ModuleList(nn.Tanh() for _ in range(n))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_modules_that_a_registered_constructor_builds_count_too(tmp_path):
    dn.save(Stack(2), tmp_path / "s.dnet")
    assert len(dn.load(tmp_path / "s.dnet").layers) == 2
    data = (tmp_path / "s.dnet").read_bytes()
    from tests.io._craft import members, with_config

    items = with_config(list(members(tmp_path / "s.dnet").items()), lambda c: c["model"]["config"].update(n=10**6))
    (tmp_path / "big.dnet").write_bytes(build(items))
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"Stack refused its arguments: .*builds more than \d+ modules"):
        dn.load(tmp_path / "big.dnet")
    assert time.perf_counter() - start < 2.0
    assert data == (tmp_path / "s.dnet").read_bytes()


# -- saving --------------------------------------------------------------------------------------
def test_saving_over_something_that_is_not_a_regular_file_is_refused(tmp_path):
    (tmp_path / "folder.dnet").mkdir()
    with pytest.raises(CheckpointError, match=r"cannot save to .*folder.dnet': it is a folder"):
        dn.save(nn.ReLU(), tmp_path / "folder.dnet")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.dnet")
        with pytest.raises(CheckpointError, match=r"it is a named pipe \(FIFO\); deltanet replaces only regular"):
            dn.save(nn.ReLU(), tmp_path / "fifo.dnet")
        assert stat.S_ISFIFO(os.stat(tmp_path / "fifo.dnet").st_mode)
    if os.path.exists("/dev/null"):
        with pytest.raises(CheckpointError, match=r"cannot save to '/dev/null': it is a character device"):
            dn.save(nn.ReLU(), "/dev/null")
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["folder.dnet"] + ["fifo.dnet"] * hasattr(os, "mkfifo"))


def test_saving_through_a_symbolic_link_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    dn.save(nn.Linear(2, 1), tmp_path / "runs" / "model.dnet")
    try:
        os.symlink(os.path.join("runs", "model.dnet"), tmp_path / "latest.dnet")
    except (OSError, NotImplementedError):
        pytest.skip("no symbolic links here")
    dn.save(nn.Linear(2, 3), tmp_path / "latest.dnet")
    assert os.path.islink(tmp_path / "latest.dnet")
    assert dn.load(tmp_path / "runs" / "model.dnet").out_features == 3


def _no_temporary_files(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_rename_names_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "model.dnet"

    def refuse(src, dst):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(IsADirectoryError) as caught:
        dn.save(nn.Linear(2, 2), target)
    message = str(caught.value)
    assert str(target) in message and ".tmp" not in message and "cannot save" in message
    assert caught.value.filename == str(target) and caught.value.__cause__ is None
    assert _no_temporary_files(tmp_path)


def test_a_full_disk_names_the_target(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"\[Errno 28\] cannot save \(any previous file is unchanged\): No space left"):
        dn.save({"w": np.zeros(3)}, tmp_path / "sd.dnet")
    assert _no_temporary_files(tmp_path) and not (tmp_path / "sd.dnet").exists()


def test_a_folder_that_refuses_new_files_names_the_target(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        name = os.path.join(str(tmp_path), ".model.dnet.abc123.tmp")
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as caught:
        dn.save(nn.ReLU(), tmp_path / "model.dnet")
    assert caught.value.filename == str(tmp_path / "model.dnet") and ".tmp" not in str(caught.value)
