"""Loading and saving touch no global state: another thread's layers and random draws are the
same whether or not a load runs beside them (issue: the budget and the default generator used to
be switched process-wide during a load)."""

import sys
import threading

import numpy as np
import pytest

import deltanet as dn
from deltanet import backend, nn
from deltanet.nn.module import parameter_budget


def _layers_and_draws(rounds):
    """What a training script does: seed, build a layer too big for a small file's budget, draw."""
    out = []
    for i in range(rounds):
        dn.manual_seed(i)
        layer = nn.Linear(256, 256)
        out.append((layer.weight.array[0, :4].copy(), backend.get_rng().random(4)))
    return out


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so that the two loops interleave
    yield
    sys.setswitchinterval(old)


def test_a_thread_that_loads_in_a_loop_changes_nothing_in_another_thread(tmp_path, fast_switching):
    path = tmp_path / "small.dnet"
    # Many small layers: building dominates loading, so the two threads overlap there often.
    layers = [nn.Sequential(nn.Linear(2, 2, rng=i), nn.ReLU(), nn.Dropout(0.5)) for i in range(60)]
    dn.save(nn.Sequential(*layers), path)
    assert path.stat().st_size < nn.Linear(256, 256).weight.array.nbytes  # the budget of a load
    expected = _layers_and_draws(30)
    stop, running, loads, errors = threading.Event(), threading.Event(), [0], []

    def loader():
        try:
            while not stop.is_set():
                dn.load(path)
                dn.save(dn.load(path), tmp_path / "again.dnet")  # the save-time rebuild too
                loads[0] += 1
                running.set()
        except BaseException as error:  # reported below
            errors.append(error)
            running.set()

    thread = threading.Thread(target=loader)
    thread.start()
    try:
        assert running.wait(30)
        got = _layers_and_draws(30)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert loads[0] > 1
    for (w, r), (w2, r2) in zip(expected, got, strict=True):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(r, r2)


def test_a_budget_binds_only_the_thread_that_set_it():
    inside, release = threading.Event(), threading.Event()
    outcome = {}

    def holder():
        with parameter_budget(10, modules=1):
            inside.set()
            release.wait(10)
            try:
                nn.Linear(10, 10)
            except ValueError as error:
                outcome["holder"] = str(error)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(10)
        nn.Sequential(nn.Linear(512, 512), nn.ReLU())  # 1 MB and 2 modules: fine in this thread
    finally:
        release.set()
        thread.join()
    assert "exceed 10 bytes" in outcome["holder"]


class _Tripwire:
    """Stands in for the default generator: any use of it fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"the default generator was used ({name})")


def test_load_and_save_never_use_the_default_generator(tmp_path, monkeypatch):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2, rng=1))
    model.eval()
    monkeypatch.setattr(backend, "_default_rng", _Tripwire())
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    dn.save(loaded, tmp_path / "again.dnet")
    dn.load(tmp_path / "again.dnet")
    unet = dn.models.UNet(in_channels=1, classes=2, depth=1, width=2, rng=0)
    dn.save(unet, tmp_path / "u.dnet")
    dn.load(tmp_path / "u.dnet")


def test_private_rng_is_private_to_its_block_and_thread():
    dn.manual_seed(3)
    expected = backend.get_rng().random(2)
    dn.manual_seed(3)
    seen = {}
    with backend.private_rng(np.random.default_rng(0)) as private:
        assert backend.get_rng() is private
        thread = threading.Thread(target=lambda: seen.update(other=backend.get_rng()))
        thread.start()
        thread.join()
    assert seen["other"] is not private
    np.testing.assert_array_equal(backend.get_rng().random(2), expected)
