"""The run folder records what ran: its ``config.toml`` repeats the run (command-line overrides
included), a config that cannot run names its key before the folder is touched, and two runs of
one config write the same files. Tiny iris runs in this process."""

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet.cli import main
from deltanet.cli.config import read_config
from deltanet.training.monitor import DeltanetWarning

IRIS = """seed = 5   # the seed
epochs = 40  # many
batch_size = 32
metrics = ["accuracy"]
[data]
dataset = "iris"
test_split = 0.2
standardize = true
[model]
layers = [
  { type = "Linear", in_features = 4, out_features = 3 },
]
[optimizer]
name = "sgd"
lr = 0.1
"""


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    def missing():
        raise ImportError("matplotlib is switched off for these tests")

    monkeypatch.setattr("deltanet.plot._figure.require_matplotlib", missing)


def cli(*args):
    """``deltanet ARGS`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeltanetWarning)
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def config(folder, text=IRIS, name="iris.toml"):
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return path


def weights(run):
    return dn.load(Path(run) / "model.dnet").state_dict()


def test_the_saved_config_holds_the_command_lines_epochs_and_repeats_the_run(tmp_path):
    code, _, err = cli("train", config(tmp_path), "--epochs", 2, "--run-dir", tmp_path / "r", "--quiet")
    assert code == 0, err
    saved = read_config(tmp_path / "r" / "config.toml")
    assert saved["epochs"] == 2 and saved["seed"] == 5
    assert "--epochs 2" in (tmp_path / "r" / "config.toml").read_text()  # says where the value came from
    code, _, err = cli("train", tmp_path / "r" / "config.toml", "--run-dir", tmp_path / "again", "--quiet")
    assert code == 0, err
    first, second = weights(tmp_path / "r"), weights(tmp_path / "again")
    assert first.keys() == second.keys()
    for name in first:
        assert np.array_equal(first[name], second[name]), name
    assert (tmp_path / "r" / "history.csv").read_text() == (tmp_path / "again" / "history.csv").read_text()


def test_a_run_without_overrides_keeps_the_config_as_given(tmp_path):
    text = IRIS.replace("epochs = 40  # many", "epochs = 1")
    code, _, err = cli("train", config(tmp_path, text), "--run-dir", tmp_path / "r", "--quiet")
    assert code == 0, err
    assert (tmp_path / "r" / "config.toml").read_text() == text


def csv_config(folder):
    """A config of a CSV file beside it, ``table.csv`` (a relative path); the file is written."""
    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.normal(size=(40, 2))]
    (folder / "table.csv").write_text("x1,x2,y\n" + "\n".join(rows) + "\n")
    return (
        'seed = 1\nepochs = 1\n[data]\ncsv = "table.csv"\n'
        '[model]\nlayers = [{ type = "Linear", in_features = 2, out_features = 2 }]\n'
    )


def test_the_saved_config_of_a_csv_run_finds_its_data_file(tmp_path):
    text = csv_config(tmp_path)
    code, _, err = cli("train", config(tmp_path, text), "--epochs", 2, "--run-dir", tmp_path / "r", "--quiet")
    assert code == 0, err
    code, _, err = cli("train", tmp_path / "r" / "config.toml", "--run-dir", tmp_path / "again", "--quiet")
    assert code == 0, err  # table.csv is beside the config the run came from, not in the run folder
    first, second = weights(tmp_path / "r"), weights(tmp_path / "again")
    assert all(np.array_equal(first[name], second[name]) for name in first)


def one_line_error(result, *messages):
    code, _, err = result
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err, err
    for message in messages:
        assert message in err, (message, err)


@pytest.mark.parametrize(
    "change, messages",
    [
        (("seed = 5", "seed = 18446744073709551616"), ["seed: expected an integer in [0, 2**64)"]),
        (
            ("test_split = 0.2", "test_split = 0.99\n[model"),
            ["data.test_split: 0.99 leaves 1 of 150 rows for training", "validation_split = 0.5"],
        ),
        (
            ("test_split = 0.2", "test_split = 0.2\ntrain_size = 1\n[model"),
            ["data.train_size: 1 row", "validation_split = 0.5"],
        ),
        (
            ("batch_size = 32", "batch_size = 32\nvalidation_split = 0.995"),
            ["validation_split: 0.995 cannot be applied to 120 rows", "leaves no training samples"],
        ),
    ],
)
def test_a_split_or_seed_that_cannot_run_names_its_key_before_the_folder_is_touched(tmp_path, change, messages):
    text = IRIS.replace(*change)
    if "[model" in change[1]:  # the validation split of the rows that are left
        text = text.replace("[model\n", "").replace("batch_size = 32", "batch_size = 32\nvalidation_split = 0.5")
    one_line_error(cli("train", config(tmp_path, text), "--run-dir", tmp_path / "r"), *messages)
    assert not (tmp_path / "r").exists()


def test_standardizing_images_names_the_key(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "images.npz", X=rng.random((12, 1, 2, 2)).astype(np.float32), y=np.arange(12) % 3)
    text = (
        'epochs = 1\n[data]\nnpz = "images.npz"\nstandardize = true\n'
        '[model]\nlayers = [{ type = "Flatten" }, { type = "Linear", in_features = 4, out_features = 3 }]\n'
    )
    one_line_error(
        cli("train", config(tmp_path, text), "--run-dir", tmp_path / "r"),
        "data.standardize: standardization is per feature of (N, F) data",
        "(12, 1, 2, 2)",
    )
    assert not (tmp_path / "r").exists()


def test_two_runs_of_one_config_write_the_same_layer_statistics(tmp_path):
    text = IRIS.replace("epochs = 40  # many", "epochs = 30").replace("batch_size = 32", "batch_size = 16")
    path = config(tmp_path, text)
    for run in ("a", "b"):
        code, _, err = cli("train", path, "--run-dir", tmp_path / run, "--quiet")
        assert code == 0, err
    for name in ("layers.csv", "history.csv", "probes.json"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text(), name


def test_retraining_a_csv_run_into_its_own_folder_keeps_where_its_data_are(tmp_path):
    text = csv_config(tmp_path)
    run = tmp_path / "r"
    assert cli("train", config(tmp_path, text), "--run-dir", run, "--quiet")[0] == 0
    for _ in range(2):  # the second time from the config.toml that the first one wrote
        code, _, err = cli("train", run / "config.toml", "--run-dir", run, "--overwrite", "--quiet")
        assert code == 0, err
