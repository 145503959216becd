"""The playground's parts without a server: data, the form's checks, the network, the script.

The script test is the promise of the "way out to code": the downloaded script, run as it is,
trains the same network to the same loss curve, epoch by epoch, and ends with the same weights
as the model the playground offers for download.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet.playground import config, datasets, network, views
from deltanet.playground.session import Session


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_every_dataset_is_seeded_and_split(name: str) -> None:
    a = datasets.load(name, n=200, noise=0.1, test_ratio=0.25, seed=3)
    b = datasets.load(name, n=200, noise=0.1, test_ratio=0.25, seed=3)
    total = 150 if name == "iris" else 200
    assert len(a.X_train) + len(a.X_test) == total
    assert len(a.X_test) == round(0.25 * total)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, datasets.load(name, n=200, noise=0.1, test_ratio=0.25, seed=4).X_train)
    assert a.X_train.dtype == np.float32
    if name == "regression":
        assert a.X_train.shape[1] == 1 and a.y_train.shape == (len(a.X_train), 1)
    else:
        assert a.X_train.shape[1] == 2 and a.y_train.dtype == np.int64
        assert set(np.unique(np.concatenate([a.y_train, a.y_test]))) == set(range(len(a.classes)))
        assert np.abs(a.X_train).max() < 2  # inside (about) the drawn plane


def test_xor_and_circle_are_what_they_say() -> None:
    xor = datasets.load("xor", n=400, noise=0.0, seed=0)
    assert np.array_equal(xor.y_train, (xor.X_train[:, 0] * xor.X_train[:, 1] > 0).astype(np.int64))
    circle = datasets.load("circle", n=400, noise=0.0, seed=0)
    radius = np.hypot(circle.X_train[:, 0], circle.X_train[:, 1])
    assert (radius[circle.y_train == 0] <= 0.5 + 1e-6).all() and (radius[circle.y_train == 1] >= 0.7 - 1e-6).all()


@pytest.mark.parametrize(
    ("fields", "field", "match"),
    [
        ({"lr": "abc"}, "lr", r"lr must be a number in \(0, 10\], got 'abc'"),
        ({"lr": "-1"}, "lr", r"lr must be a number in \(0, 10\], got -1"),
        ({"n": "5"}, "n", r"n must be an integer in \[10, 2000\], got 5"),
        ({"batch_size": "2.5"}, "batch_size", r"batch_size must be an integer"),
        ({"dataset": "moons"}, "dataset", r"dataset must be one of 'circle'"),
        ({"activation": "gelu"}, "activation", r"activation must be one of"),
        ({"hidden": [4, 9]}, "hidden", r"width must be an integer in \[1, 8\], got 9"),
        ({"hidden": [1] * 7}, "hidden", r"at most 6 layer widths"),
        ({"loss": "mse"}, "loss", r"loss must be one of 'cross_entropy', 'multi_margin', got 'mse'"),
        ({"dropout": "1"}, "dropout", r"dropout must be a number in \[0, 0.9\], got 1"),
        ({"learning_rate": 1}, "learning_rate", r"unknown field 'learning_rate'"),
    ],
)
def test_bad_fields_name_the_field(fields: dict, field: str, match: str) -> None:
    with pytest.raises(config.ConfigError, match=match) as caught:
        config.parse(fields)
    assert caught.value.field == field


def test_fields_come_as_text_and_a_new_task_brings_its_loss() -> None:
    parsed = config.parse({"lr": " 0.03 ", "n": "120", "hidden": ["3", 2], "dataset": "regression"})
    assert (parsed.lr, parsed.n, parsed.hidden, parsed.loss, parsed.task) == (0.03, 120, (3, 2), "mse", "regression")
    assert config.parse({"dataset": "iris"}, base=parsed).loss == "cross_entropy"
    # the page sends every field: the loss of the other task is replaced when the data set changes
    assert config.parse({"dataset": "regression", "loss": "cross_entropy"}).loss == "mse"
    with pytest.raises(config.ConfigError):
        config.parse("lr=1")


def test_build_follows_the_config() -> None:
    cfg = config.parse({"hidden": [5, 3], "activation": "relu", "dropout": 0.2, "optimizer": "adam", "lr": 0.01})
    data = datasets.load("iris", seed=0)
    run = network.build(cfg, data)
    kinds = [type(m).__name__ for m in run.model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert network.widths(cfg, data) == [2, 5, 3, 3]
    assert type(run.optimizer).__name__ == "Adam" and run.optimizer.param_groups[0]["lr"] == 0.01
    assert run.regularizer is None and run.metrics == ["accuracy"]
    zeros = network.build(config.parse({"init": "zeros"}), data).model
    assert all(not p.data.any() for p in zeros.parameters())


def test_views_match_the_model() -> None:
    cfg = config.parse({"hidden": [3]})
    data = datasets.load("xor", n=40, seed=0)
    model = network.build(cfg, data).model
    picture = views.draw(model, data)
    grid = views.plane(views.UNIT_GRID)
    z = np.tanh(grid @ model[0].weight.data.T + model[0].bias.data)
    assert np.allclose(np.array(picture["units"][1]).T, z, atol=1e-3)  # hidden unit j over the plane
    probs = np.array(picture["output"]["probs"])
    assert probs.shape == (2, views.OUTPUT_GRID**2) and np.allclose(probs.sum(axis=0), 1, atol=3e-3)
    assert np.allclose(picture["weights"][1]["W"], model[2].weight.data, atol=1e-3)


@pytest.mark.parametrize(
    "fields",
    [
        {"dataset": "xor", "hidden": [4, 3], "batch_size": 8, "regularization": "l2", "dropout": 0.1},
        {
            "dataset": "regression",
            "function": "abs",
            "hidden": [6],
            "activation": "relu",
            "optimizer": "adam",
            "lr": 0.01,
            "loss": "huber",
            "noise": 0.05,
            "init": "he_normal",
        },
    ],
)
def test_the_script_repeats_the_run(fields: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(config.parse({**fields, "n": 80, "seed": 7}))
    try:
        session.step()
        session.step()
        session.step()
        assert session.wait_for_epochs(3) == 3
        curve = {key: list(values) for key, values in session.history.items()}
        model_bytes = session.model_file()
        text = session.script()
    finally:
        session.close()
    path = tmp_path / "script.py"
    path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(path), run_name="__main__")
    history = namespace["history"].history
    assert history["loss"] == curve["loss"] and history["val_loss"] == curve["val_loss"]  # bit for bit
    (tmp_path / "playground.dnet").write_bytes(model_bytes)
    ours, theirs = dn.load(tmp_path / "playground.dnet"), dn.load(tmp_path / "playground-model.dnet")
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        assert np.array_equal(a, b), name


def test_the_script_runs_on_its_own(tmp_path: Path) -> None:
    text = network.script(config.Config(hidden=(2,)), datasets.load("xor", n=40), epochs=2)
    path = tmp_path / "run.py"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("after 2 epochs: training loss ")
    assert (tmp_path / "playground-model.dnet").is_file()
