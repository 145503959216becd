"""Determinism: the same seed gives bit-identical weights after training with shuffling, dropout
(element and channel), batch norm and Adam, in one process, in two fresh processes (with
different hash seeds), across a ``dn.save``/``dn.load`` in the middle, and across a crash and a
``fit(resume_from=...)`` in another process.

The training run is ``_recipe.py``; child processes run it as a script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.reliability import _recipe as recipe

import deltanet as dn

RECIPE = Path(recipe.__file__)


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert np.array_equal(a[key], b[key]), f"{key} differs (max |Δ| {np.abs(a[key] - b[key]).max():.3g})"


def run_child(*args: str, hash_seed: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run([sys.executable, str(RECIPE), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    return recipe.state(recipe.train(seed=7))


def test_same_seed_same_weights(reference):
    assert_same(recipe.state(recipe.train(seed=7)), reference)


def test_another_seed_other_weights(reference):
    # The test above could not fail if training ignored the seed.
    other = recipe.state(recipe.train(seed=8))
    assert not np.array_equal(other["6.weight"], reference["6.weight"])


def test_dropout_and_shuffle_draw_from_the_seeded_generator(reference):
    # The same seed for the initial weights but a different random stream while training (one
    # extra draw before fit): the weights must differ, so dropout and shuffling do use it.
    X, y = recipe.data()
    model, optimizer = recipe.build(seed=7)
    dn.backend.get_rng().random()
    dn.fit(model, X, y, "cross_entropy", optimizer, epochs=recipe.EPOCHS, batch_size=recipe.BATCH)
    assert not np.array_equal(recipe.state(model)["6.weight"], reference["6.weight"])


def test_same_weights_in_two_fresh_processes(reference, tmp_path):
    for hash_seed in ("1", "2"):
        run_child("plain", "7", str(tmp_path / f"run{hash_seed}.npz"), hash_seed=hash_seed)
    first, second = read(tmp_path / "run1.npz"), read(tmp_path / "run2.npz")
    assert_same(first, second)
    assert_same(first, reference)


def test_save_and_load_in_the_middle(reference, tmp_path):
    # Two epochs, save model and optimizer, load both into new objects, two more epochs: the
    # default generator carries on (dn.load must not draw from it), so this is the same run.
    model, optimizer = recipe.build(seed=7)
    recipe.train(seed=7, epochs=2, model_and_optimizer=(model, optimizer))
    path = tmp_path / "middle.dnet"
    dn.save(model, path, optimizer=optimizer)
    checkpoint = dn.io.load_checkpoint(path)
    again = checkpoint.model
    assert again is not model
    optimizer2 = dn.optim.Adam(again.parameters(), lr=0.01)
    optimizer2.load_state_dict(checkpoint.optimizer_state)
    recipe.train(seed=7, epochs=2, model_and_optimizer=(again, optimizer2))
    assert_same(recipe.state(again), reference)


def test_crash_and_resume_in_another_process(reference, tmp_path):
    # Process 1 checkpoints every 4 steps and dies after step 15 (in epoch 3, 6 steps an epoch);
    # process 2 builds a model with other weights and resumes from the step-12 checkpoint.
    folder = tmp_path / "ckpt"
    run_child("crash", "7", str(folder), "15", hash_seed="3")
    assert (folder / "last.dnet").exists()
    run_child("resume", "7", str(folder / "last.dnet"), str(tmp_path / "resumed.npz"), hash_seed="4")
    assert_same(read(tmp_path / "resumed.npz"), reference)
