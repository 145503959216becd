"""The command line does what it was asked and says what ran (in-process, on a tiny iris run).

- Options of ``evaluate`` and ``predict`` that the data would ignore are refused, as the config
  refuses the same keys in ``[data]``: ``--target`` reads a CSV column, ``--x`` and ``--y`` NPZ
  members; given with a dataset name (or with no ``--data``), they changed nothing.
- ``data.train_size`` larger than the training rows is refused (it trained on all of them).
- The report of a finished run does not say that it did not finish; an ``EarlyStopping`` that
  watched no epoch names no best epoch.
"""

import contextlib
import io
import json

import pytest

from deltanet.cli import main

CONFIG = """seed = 0
epochs = 1
batch_size = 16
loss = "cross_entropy"
metrics = ["accuracy"]
[data]
dataset = "iris"
test_split = 0.2
[model]
layers = [{ type = "Linear", in_features = 4, out_features = 3 }]
[optimizer]
name = "sgd"
lr = 0.1
"""


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ignored")
    (folder / "c.toml").write_text(CONFIG)
    status, _, err = run_cli("train", folder / "c.toml", "--run-dir", folder / "run", "--quiet")
    assert status == 0, err
    return folder / "run"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("evaluate", "--data", "iris", "--target", "2"), "--target does not apply to --data iris"),
        (("evaluate", "--data", "iris", "--x", "features"), "--x does not apply to --data iris"),
        (("evaluate", "--data", "iris", "--y", "labels"), "--y does not apply to --data iris"),
        (("evaluate", "--target", "0"), "--target does not apply to the run's held-out rows"),
        (("evaluate", "--y", "labels"), "--y does not apply to the run's held-out rows"),
        (("predict", "--data", "iris", "--target", "0"), "--target does not apply to --data iris"),
        (("predict", "--data", "iris", "--x", "features"), "only an NPZ file takes it"),
    ],
)
def test_an_option_the_data_would_ignore_is_refused(run, args, message):
    status, out, err = run_cli(args[0], run, *args[1:])
    assert status == 1 and out == ""
    assert err.startswith("deltanet: error: ") and message in err, err


def test_the_same_commands_without_the_option_still_work(run):
    status, out, _ = run_cli("evaluate", run, "--data", "iris")
    assert status == 0 and out.startswith("iris: loss ")
    status, out, _ = run_cli("evaluate", run)
    assert status == 0 and out.startswith("the held-out 30 samples: loss ")
    status, out, _ = run_cli("predict", run, "--data", "iris")
    assert status == 0 and out.splitlines()[0].startswith("prediction,p(setosa)")


@pytest.mark.parametrize(("train_size", "left"), [(121, "120 rows left for training after test_split"), (120, None)])
def test_a_train_size_larger_than_the_training_rows_is_refused(tmp_path, train_size, left):
    # Before, train_size = 100000 trained on all the rows: a number asked for and not used.
    config = CONFIG.replace("test_split = 0.2", f"test_split = 0.2\ntrain_size = {train_size}")
    (tmp_path / "c.toml").write_text(config)
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "run", "--quiet")
    if left is None:
        assert status == 0, err
    else:
        assert status == 1 and f"data.train_size: {train_size} is more than the {left}" in err, err
        assert not (tmp_path / "run").exists()  # refused before the run folder is touched


def test_the_report_of_a_finished_run_does_not_say_it_is_unfinished(run):
    # train wrote report.html before the manifest said "complete": every page said "This run did
    # not finish ... it has no final model or held-out result", above the held-out result.
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "did not finish" not in page and "--resume" not in page
    assert "held-out samples" in page


def test_early_stopping_that_never_watched_names_no_best_epoch(tmp_path):
    # start_from_epoch past the run: EarlyStopping saw no epoch and restored nothing, yet
    # metrics.json and the report said "the best epoch was 1 (its weights were restored)".
    config = CONFIG.replace("epochs = 1", "epochs = 2\nvalidation_split = 0.2") + (
        '[[callbacks]]\ntype = "EarlyStopping"\nstart_from_epoch = 5\nrestore_best_weights = true\n'
    )
    (tmp_path / "c.toml").write_text(config)
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "run", "--quiet")
    assert status == 0, err
    stopping = json.loads((tmp_path / "run" / "metrics.json").read_text())["early_stopping"]
    assert stopping["best_epoch"] is None and stopping["stopped_epoch"] is None
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "best epoch" not in page and "weights were restored" not in page


@pytest.mark.parametrize("dirpath", ["checkpoints", "./checkpoints/"])
def test_a_checkpoint_in_the_runs_own_checkpoints_folder_is_refused(tmp_path, dirpath):
    # deltanet train removes RUN/checkpoints when the run completes: the best.dnet asked for there
    # was deleted with it, silently.
    config = CONFIG.replace("epochs = 1", "epochs = 2\nvalidation_split = 0.2") + (
        f'[[callbacks]]\ntype = "ModelCheckpoint"\ndirpath = "{dirpath}"\nsave_best_only = true\n'
    )
    (tmp_path / "c.toml").write_text(config)
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "run", "--quiet")
    assert status == 1 and "callbacks[0] (ModelCheckpoint): dirpath" in err and "removes" in err, err
    assert not (tmp_path / "run").exists()
    (tmp_path / "c.toml").write_text(config.replace(f'dirpath = "{dirpath}"', 'dirpath = "best"'))
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "run", "--quiet")
    assert status == 0, err
    assert (tmp_path / "run" / "best" / "best.dnet").is_file()


@pytest.mark.parametrize("dirpath", ["best", "."])
def test_a_models_checkpoint_inside_the_run_is_not_read_bare(tmp_path, dirpath):
    # RUN/best/best.dnet was read as a model of its own, without the run's standardization: its
    # score on iris was 0.33 where the run's is 0.97, with no word said.
    config = (
        CONFIG.replace("epochs = 1", "epochs = 2\nvalidation_split = 0.2").replace(
            "test_split = 0.2", "test_split = 0.2\nstandardize = true"
        )
        + f'[[callbacks]]\ntype = "ModelCheckpoint"\ndirpath = "{dirpath}"\nsave_best_only = true\n'
    )
    (tmp_path / "c.toml").write_text(config)
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "run", "--quiet")
    assert status == 0, err
    best = tmp_path / "run" / dirpath / "best.dnet"
    for command in ("evaluate", "predict"):
        status, out, err = run_cli(command, best, "--data", "iris")
        assert status == 1 and out == "" and "a checkpoint of the run in" in err, err
    status, out, _ = run_cli("evaluate", tmp_path / "run" / "model.dnet", "--data", "iris")
    assert status == 0 and out.startswith("iris: loss")


def test_a_metric_the_data_cannot_take_is_refused_before_the_old_run_is_removed(run, tmp_path):
    # precision of three classes failed at the end of the first epoch: with --overwrite, after
    # the finished run in the folder had been removed.
    folder = tmp_path / "run"
    (tmp_path / "c.toml").write_text(CONFIG)
    assert run_cli("train", tmp_path / "c.toml", "--run-dir", folder, "--quiet")[0] == 0
    before = sorted(p.name for p in folder.iterdir())
    (tmp_path / "c.toml").write_text(CONFIG.replace('metrics = ["accuracy"]', 'metrics = ["precision"]'))
    status, _, err = run_cli("train", tmp_path / "c.toml", "--run-dir", folder, "--overwrite", "--quiet")
    assert status == 1 and "metrics: cannot be computed on these data: binary_counts" in err, err
    assert sorted(p.name for p in folder.iterdir()) == before
    status, out, _ = run_cli("evaluate", folder)
    assert status == 0 and "accuracy" in out
