"""Run folders you can trust: a run is complete or marked unfinished, an interrupted run resumes
to the same weights, a finished run is not overwritten silently, and evaluate/predict refuse a
folder or data file that changed instead of scoring the wrong rows.

Most runs go through ``deltanet.cli.main`` in this process (tiny iris configs, a few epochs); one
test interrupts a real ``deltanet train`` process with SIGINT.
"""

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet.cli import main
from deltanet.training.monitor import DeltanetWarning

IRIS = """seed = 3
epochs = {epochs}
batch_size = 16
validation_split = 0.2
metrics = ["accuracy"]
[data]
dataset = "iris"
test_split = {test_split}
standardize = true
[model]
layers = [
  {{ type = "Linear", in_features = 4, out_features = 8 }},
  {{ type = "Tanh" }},
  {{ type = "Dropout", p = 0.1 }},
  {{ type = "Linear", in_features = 8, out_features = 3 }},
]
[optimizer]
name = "sgd"
lr = 0.1
momentum = 0.9
"""


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    """Runs without matplotlib's figures (seconds each): the report says so; tests/test_reporting.py
    draws them."""

    def missing():
        raise ImportError("matplotlib is switched off for these tests")

    monkeypatch.setattr("deltanet.plot._figure.require_matplotlib", missing)


def iris_config(folder, epochs=6, test_split=0.2, name="iris.toml"):
    path = Path(folder) / name
    path.write_text(IRIS.format(epochs=epochs, test_split=test_split), encoding="utf-8")
    return path


def cli(*args):
    """``deltanet ARGS`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeltanetWarning)  # the Monitor's advice is not under test here
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def one_line_error(result, *messages):
    code, _, err = result
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err, err
    for message in messages:
        assert message in err, (message, err)


class InterruptAt(dn.callbacks.Callback):
    """Ctrl-C at the end of an epoch (before that epoch's checkpoint, which fit calls last)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


@contextlib.contextmanager
def interrupted_at(epoch, monkeypatch):
    """``deltanet train`` whose fit is interrupted at the end of ``epoch`` (from 0)."""
    real_fit = dn.fit

    def fit(*args, **kwargs):
        kwargs["callbacks"] = [*kwargs["callbacks"], InterruptAt(epoch)]
        return real_fit(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(dn, "fit", fit)
        yield


def weights(run):
    return dn.load(Path(run) / "model.dnet").state_dict()


# -- a finished run is never overwritten silently ---------------------------------------------------
def test_training_into_a_finished_run_is_refused_unless_overwrite(tmp_path):
    config, run = iris_config(tmp_path, epochs=2), tmp_path / "run"
    assert cli("train", config, "--run-dir", run, "--quiet")[0] == 0
    model = (run / "model.dnet").read_bytes()
    one_line_error(
        cli("train", config, "--run-dir", run, "--quiet"),
        f"{run} holds a finished run; give --overwrite to replace it, or another folder with --run-dir",
    )
    assert (run / "model.dnet").read_bytes() == model
    assert cli("train", config, "--run-dir", run, "--quiet", "--overwrite")[0] == 0


def test_a_folder_with_other_files_is_not_taken_silently(tmp_path):
    run = tmp_path / "notes"
    run.mkdir()
    (run / "mine.txt").write_text("keep me")
    one_line_error(cli("train", iris_config(tmp_path, 1), "--run-dir", run), "is not empty and holds no run")
    assert cli("train", iris_config(tmp_path, 1), "--run-dir", run, "--quiet", "--overwrite")[0] == 0
    assert (run / "mine.txt").read_text() == "keep me"


def test_a_folder_that_another_train_is_writing_is_refused(tmp_path):
    # Two `deltanet train` into one folder (a run started twice) would mix their files under one
    # manifest: the second is refused while the first holds the folder's lock.
    from deltanet.training import rundir

    config, run = iris_config(tmp_path, 2), tmp_path / "run"
    run.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run / rundir.LOCK).write_text(str(sleeper.pid))  # a live process holds it
        one_line_error(cli("train", config, "--run-dir", run, "--quiet", "--overwrite"), "is being written by")
        assert sorted(p.name for p in run.iterdir()) == [rundir.LOCK]
    finally:
        sleeper.kill()
        sleeper.wait()
    # A lock whose process is gone (killed) is stale: taken over, and removed at the end.
    assert cli("train", config, "--run-dir", run, "--quiet", "--overwrite")[0] == 0
    assert not (run / rundir.LOCK).exists() and (run / "model.dnet").exists()


def test_the_folders_callbacks_write_lie_in_the_run_folder(tmp_path, monkeypatch):
    """A callback's relative folder was relative to the working folder: `--resume` from another
    folder wrote elsewhere, and `--overwrite` left the earlier run's files beside the new ones."""
    config = iris_config(tmp_path, 2)
    config.write_text(config.read_text() + '[[callbacks]]\ntype = "ModelCheckpoint"\ndirpath = "saved"\n')
    elsewhere, run = tmp_path / "elsewhere", tmp_path / "run"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert cli("train", config, "--run-dir", run, "--quiet")[0] == 0
    assert sorted(p.name for p in (run / "saved").iterdir()) == ["best.dnet", "last.dnet"]
    assert not any(elsewhere.iterdir())
    (run / "saved" / "of-the-first-run.dnet").write_text("")
    assert cli("train", config, "--run-dir", run, "--quiet", "--overwrite")[0] == 0
    assert sorted(p.name for p in (run / "saved").iterdir()) == ["best.dnet", "last.dnet"]


def test_callback_outputs_resolves_relative_folders_in_the_run_folder(tmp_path):
    from deltanet.cli.build import callback_outputs

    cfg = {
        "callbacks": [
            ("TensorBoard", {}),
            ("ModelCheckpoint", {"dirpath": str(tmp_path / "absolute")}),
            ("EarlyStopping", {}),
            ("TensorBoard", {"log_dir": "board/a"}),
        ]
    }
    run = tmp_path / "run"
    assert callback_outputs(cfg, run) == [run / "logs", tmp_path / "absolute", run / "board" / "a"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_lock_held_by_a_zombie_is_stale(tmp_path):
    """A rank killed by MPI_Abort stays a zombie in a container whose first process reaps nothing;
    os.kill(pid, 0) still succeeds for it, so the resumed job was refused its own run folder."""
    from deltanet.training import rundir

    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # not waited for: a zombie once it ends
    try:
        for _ in range(200):
            with open(f"/proc/{ended.pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        assert not rundir._alive(ended.pid) and rundir._alive(os.getpid())
        (tmp_path / rundir.LOCK).write_text(str(ended.pid))
        with rundir.RunLock(tmp_path):
            assert rundir._lock_holder(tmp_path / rundir.LOCK) == rundir._this_process()
    finally:
        ended.wait()


def test_a_lock_taken_on_another_machine_is_never_taken_as_stale(tmp_path):
    """On a disk shared by several machines, a run on machine B holds a process id that does not
    run on machine A: taking that lock over as stale would let two runs write one folder. It is
    refused, naming the machine and the file to remove."""
    import json

    from deltanet.training import rundir

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # a process id that runs nowhere here
    lock = tmp_path / rundir.LOCK
    here = rundir._this_process()
    lock.write_text(json.dumps({"pid": ended.pid, "host": here.host + "-other", "boot": "b"}))
    with pytest.raises(rundir.RunFolderError, match=r"process \d+ on the machine '.*-other'.*remove .*\.lock"):
        with rundir.RunLock(tmp_path):
            pass
    assert json.loads(lock.read_text())["host"] == here.host + "-other"  # left as it was
    # The same process id on this machine, before its last boot: stale, taken over.
    lock.write_text(json.dumps({"pid": os.getpid(), "host": here.host, "boot": here.boot + "-earlier"}))
    with rundir.RunLock(tmp_path):
        assert rundir._lock_holder(lock) == here
    assert not lock.exists()


@pytest.mark.parametrize("content", ["", "not a lock", '{"pid": 1}', "[1, 2]"])
def test_an_unreadable_lock_is_refused_not_taken(tmp_path, content):
    from deltanet.training import rundir

    (tmp_path / rundir.LOCK).write_text(content)
    with pytest.raises(rundir.RunFolderError, match=r"unreadable lock"):
        with rundir.RunLock(tmp_path):
            pass


# -- an interrupted re-run leaves a folder that evaluate refuses, and that resumes --------------------
def test_an_interrupted_rerun_of_a_changed_config_is_refused_by_evaluate(tmp_path, monkeypatch):
    run = tmp_path / "run"
    assert cli("train", iris_config(tmp_path, 3, test_split=0.2), "--run-dir", run, "--quiet")[0] == 0
    changed = iris_config(tmp_path, 3, test_split=0.5, name="changed.toml")  # another split
    with interrupted_at(1, monkeypatch):
        code, _, err = cli("train", changed, "--run-dir", run, "--quiet", "--overwrite")
    assert code == 130 and f"continue it with 'deltanet train --resume {run}'" in err
    assert not (run / "model.dnet").exists()  # the old model is not left beside the new split
    for command in (("evaluate", run), ("predict", run, "--data", "iris")):
        one_line_error(cli(*command), "training did not finish")
    one_line_error(cli("train", changed, "--run-dir", run), "holds an unfinished run", "--resume")


def test_resume_after_an_interrupt_gives_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch):
    config = iris_config(tmp_path, epochs=7)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert cli("train", config, "--run-dir", straight, "--quiet")[0] == 0
    with interrupted_at(3, monkeypatch):
        assert cli("train", config, "--run-dir", resumed, "--quiet")[0] == 130
    assert (resumed / "checkpoints" / "last.dnet").is_file()
    code, out, err = cli("train", "--resume", resumed)
    assert code == 0, err
    # Interrupted in epoch 4, before its checkpoint: the run continues with epoch 4.
    assert out.startswith(f"resuming {resumed}") and "Epoch 4/7" in out and "Epoch 3/7" not in out
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert (straight / "history.csv").read_text() == (resumed / "history.csv").read_text()
    assert not (resumed / "checkpoints").exists()
    assert cli("evaluate", resumed)[1] == cli("evaluate", straight)[1]
    keys = [(r["epoch"], r["layer"]) for r in dn.training.rundir.read_layers(resumed)]
    assert len(keys) == len(set(keys))  # an epoch probed again after the resume: one row per layer


def test_ctrl_c_in_a_real_process_then_resume(tmp_path):
    config = iris_config(tmp_path, epochs=8)
    run = tmp_path / "run"
    # The training process sleeps after each epoch, so that SIGINT arrives while it trains (a second
    # each: on a loaded machine this test's own polling can lag by more than the 0.3 s it once slept).
    script = (
        "import sys, time, deltanet as dn\n"
        "class Slow(dn.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        time.sleep(1.0)\n"
        "fit = dn.fit\n"
        "dn.fit = lambda *a, **k: fit(*a, **{**k, 'callbacks': [*k['callbacks'], Slow()]})\n"
        "from deltanet.cli import main\n"
        f"sys.exit(main(['train', {str(config)!r}, '--run-dir', {str(run)!r}, '--quiet']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    checkpoint = run / "checkpoints" / "last.dnet"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err  # (a warning of the Monitor may come before the last line)
    assert err.strip().splitlines()[-1] == (
        f"deltanet: interrupted: the run in {run} is unfinished; continue it with 'deltanet train --resume {run}'"
    )
    assert json.loads((run / "manifest.json").read_text())["status"] == "training"
    assert cli("train", "--resume", run, "--quiet")[0] == 0
    assert cli("train", config, "--run-dir", tmp_path / "straight", "--quiet")[0] == 0
    a, b = weights(tmp_path / "straight"), weights(run)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_a_checkpoint_of_a_run_is_not_read_as_a_model_of_its_own(tmp_path, monkeypatch):
    """On main, 'predict RUN/checkpoints/last.dnet --data' predicted without the run's
    standardization: silently wrong. A checkpoint of a run is refused; a copy of it elsewhere is a
    model file of its own."""
    config, run = iris_config(tmp_path, 4), tmp_path / "run"
    with interrupted_at(2, monkeypatch):
        assert cli("train", config, "--run-dir", run, "--quiet")[0] == 130
    checkpoint = run / "checkpoints" / "last.dnet"
    (tmp_path / "x.csv").write_text("a,b,c,d\n5.1,3.5,1.4,0.2\n")
    for command in ("evaluate", "predict"):
        one_line_error(cli(command, checkpoint, "--data", tmp_path / "x.csv"), "training did not finish", "--resume")
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "status": "complete", "files": {}}))
    one_line_error(
        cli("predict", checkpoint, "--data", tmp_path / "x.csv"),
        f"{checkpoint}: a checkpoint of the run in {run}, which needs that run's preprocessing.json",
    )
    (tmp_path / "own.dnet").write_bytes(checkpoint.read_bytes())
    assert cli("predict", tmp_path / "own.dnet", "--data", tmp_path / "x.csv")[0] == 0


def test_resume_refuses_what_cannot_be_resumed(tmp_path, monkeypatch):
    config, run = iris_config(tmp_path, 2), tmp_path / "run"
    one_line_error(cli("train", "--resume", tmp_path / "nothing"), "not an unfinished run of 'deltanet train'")
    assert cli("train", config, "--run-dir", run, "--quiet")[0] == 0
    one_line_error(cli("train", "--resume", run), "the run is finished, there is nothing to resume")
    with interrupted_at(0, monkeypatch):
        assert cli("train", config, "--run-dir", run, "--quiet", "--overwrite")[0] == 130
    (run / "config.toml").write_text((run / "config.toml").read_text().replace("lr = 0.1", "lr = 0.2"))
    one_line_error(cli("train", "--resume", run), "config.toml was changed after training")


def test_a_run_that_fails_before_its_first_epoch_leaves_nothing(tmp_path):
    config = iris_config(tmp_path, 2)
    config.write_text(config.read_text().replace("in_features = 4", "in_features = 5"))
    run = tmp_path / "run"
    one_line_error(cli("train", config, "--run-dir", run), "X has 4 features")
    assert not run.exists()


# -- evaluate and predict refuse a run or data that changed -------------------------------------------
@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    """A classifier of three named classes on a CSV file, with held-out rows; 100 % accurate."""
    folder = tmp_path_factory.mktemp("csvrun")
    rng = np.random.default_rng(0)
    centres = {"alpha": (0.0, 0.0), "beta": (6.0, 0.0), "gamma": (0.0, 6.0)}
    lines = ["\ufeffx1,x2,kind"]  # with a byte-order mark, as Excel writes it
    for i in range(60):
        name = list(centres)[i % 3]
        x = np.array(centres[name]) + rng.normal(0, 0.5, 2)
        lines.append(f"{x[0]:.3f},{x[1]:.3f},{name}")
    (folder / "table.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "c.toml").write_text(
        'seed = 0\nepochs = 80\nbatch_size = "full"\nmetrics = ["accuracy"]\n'
        '[data]\ncsv = "table.csv"\ntarget = "kind"\ntest_split = 0.25\nstandardize = true\n'
        '[model]\nlayers = [{ type = "Linear", in_features = 2, out_features = 3 }]\n'
        '[optimizer]\nname = "adam"\nlr = 0.1\n'
    )
    run = folder / "run"
    code, out, err = cli("train", folder / "c.toml", "--run-dir", run, "--quiet")
    assert code == 0, err
    assert json.loads((run / "metrics.json").read_text())["test"]["accuracy"] == 1.0
    return folder, run


def test_class_names_map_through_the_run(csv_run, tmp_path):
    folder, run = csv_run
    rows = (folder / "table.csv").read_text(encoding="utf-8").splitlines()
    without_alpha = [rows[0]] + [r for r in rows[1:] if not r.endswith("alpha")]
    (tmp_path / "two.csv").write_text("\n".join(without_alpha) + "\n", encoding="utf-8")
    code, out, err = cli("evaluate", run, "--data", tmp_path / "two.csv")
    assert code == 0, err
    assert out.strip().endswith("accuracy 1.0000")  # labels re-encoded from the file would score 0
    (tmp_path / "new.csv").write_text(rows[0] + "\n1,1,delta\n", encoding="utf-8")
    one_line_error(
        cli("evaluate", run, "--data", tmp_path / "new.csv"),
        "new.csv, line 2, column 'kind' (2): unknown class 'delta'; the classes are ['alpha', 'beta', 'gamma']",
    )


def test_evaluating_on_the_runs_own_data_says_that_it_includes_the_training_rows(csv_run, tmp_path):
    """On main, 'evaluate RUN --data table.csv' (the training file) printed a score that read like a
    test result; a note on stderr now says that the training rows are in it."""
    folder, run = csv_run
    code, out, err = cli("evaluate", run, "--data", folder / "table.csv")
    assert code == 0, err
    assert out.startswith(f"{folder / 'table.csv'}: loss ") and out.count("\n") == 1
    assert err == (
        f"deltanet: note: {folder / 'table.csv'} is the data the run trained on, so this score includes its "
        f"training rows; 'deltanet evaluate {run}' alone scores the held-out rows\n"
    )
    rows = (folder / "table.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "part.csv").write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")  # other data
    assert cli("evaluate", run, "--data", tmp_path / "part.csv")[2] == ""


def test_predict_on_the_training_csv_with_class_names(csv_run, tmp_path):
    folder, run = csv_run
    code, out, err = cli("predict", run, "--data", folder / "table.csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "prediction,p(alpha),p(beta),p(gamma)"
    truth = [r.rsplit(",", 1)[1] for r in (folder / "table.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [line.split(",")[0] for line in lines[1:]] == truth
    # Columns by name: the same predictions from a file whose columns are in another order.
    swapped = ["kind,x2,x1"] + [
        ",".join(reversed(r.split(",")))
        for r in (folder / "table.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    ]
    (tmp_path / "swapped.csv").write_text("\n".join(swapped) + "\n")
    assert cli("predict", run, "--data", tmp_path / "swapped.csv")[1] == out


def test_evaluate_refuses_a_reordered_or_edited_data_file(csv_run, tmp_path):
    folder, run = csv_run
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(run):
        if (run / name).is_file():
            (copy / name).write_bytes((run / name).read_bytes())
    data = tmp_path / "table.csv"
    rows = (folder / "table.csv").read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    where = json.loads((copy / "run.json").read_text())
    where["data_dir"] = str(tmp_path)  # the copied run reads the copy of the data
    (copy / "run.json").write_text(json.dumps(where))
    one_line_error(cli("evaluate", copy), "run.json was changed after training")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["run.json"] = dn.training.rundir.file_sha256(copy / "run.json")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert cli("evaluate", copy)[1] == cli("evaluate", run)[1]
    data.write_text("\n".join([rows[0], *reversed(rows[1:])]) + "\n", encoding="utf-8")  # reordered
    one_line_error(cli("evaluate", copy), "changed since training", "--data")
    data.write_text("\n".join(rows) + "\n1,1,beta\n", encoding="utf-8")  # a row added at the end
    assert cli("evaluate", copy)[1] == cli("evaluate", run)[1]  # the held-out rows are still the same


def test_evaluate_refuses_a_file_of_the_run_that_changed(csv_run, tmp_path):
    folder, run = csv_run
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (
        "model.dnet",
        "split.json",
        "preprocessing.json",
        "config.toml",
        "run.json",
        "metrics.json",
        "manifest.json",
    ):
        (copy / name).write_bytes((run / name).read_bytes())
    split = json.loads((copy / "split.json").read_text())
    split["test"], split["train"] = split["train"][: len(split["test"])], split["test"] + split["train"]
    (copy / "split.json").write_text(json.dumps(split))
    one_line_error(cli("evaluate", copy), "split.json was changed after training")
    (copy / "split.json").write_bytes((run / "split.json").read_bytes())
    (copy / "manifest.json").unlink()
    one_line_error(cli("evaluate", copy), "no complete run manifest")
    one_line_error(cli("predict", copy / "model.dnet", "--data", folder / "table.csv"), "no complete run manifest")


# -- messages: data files, hidden files, consoles ---------------------------------------------------
@pytest.mark.parametrize(
    "value, dtype, message",
    [
        ("1e999", "float64", "'1e999' overflows: it is beyond the largest float64 number"),
        ("1e39", "float32", "'1e39' is beyond the largest float32 number, ±3.4e+38; read the file as float64"),
    ],
)
def test_a_csv_value_that_overflows_names_file_line_and_column(tmp_path, value, dtype, message):
    (tmp_path / "t.csv").write_text(f"a,b,y\n1,2,0\n3,{value},1\n")
    (tmp_path / "c.toml").write_text(
        f'epochs = 1\ndtype = "{dtype}"\n[data]\ncsv = "t.csv"\n'
        '[model]\nbuilder = "mlp"\n[model.args]\nsizes = [2, 2]\n'
    )
    one_line_error(
        cli("train", tmp_path / "c.toml", "--run-dir", tmp_path / "r"), f"t.csv, line 3, column 'b' (1): {message}"
    )


def test_errors_name_the_users_file_never_a_hidden_temporary_one(csv_run, tmp_path):
    folder, run = csv_run
    for output in (tmp_path / "no" / "such" / "p.csv", tmp_path):
        code, _, err = cli("predict", run, "--data", folder / "table.csv", "--output", output)
        assert code == 1 and str(output) in err and ".tmp" not in err, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def run_with_cp1252_console(*args):
    """main(ARGS) with stdout and stderr encoding cp1252, as on a Windows console."""
    raw_out, raw_err = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(raw_out, encoding="cp1252", errors="strict", newline="\n")
    err = io.TextIOWrapper(raw_err, encoding="cp1252", errors="strict", newline="\n")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeltanetWarning)
            code = main([str(a) for a in args])
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved
    return code, raw_out.getvalue().decode("cp1252"), raw_err.getvalue().decode("cp1252")


def test_output_never_crashes_on_a_cp1252_console(tmp_path):
    code, out, err = run_with_cp1252_console("examples", "list")
    assert code == 0 and err == "" and "12 -> 6 -> 24" in out and "epsilon = 0.1" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('epochs = -1\n[data]\ndataset = "iris"\n[model]\nbuilder = "mlp"\n')
    code, out, err = run_with_cp1252_console("train", bad)
    assert code == 1 and err.startswith("deltanet: error: ") and "expected an integer >= 0" in err
    run = tmp_path / "δ run"  # the user's own path, not encodable in cp1252
    code, out, err = run_with_cp1252_console("train", iris_config(tmp_path, 2), "--run-dir", run)
    assert code == 0, err
    assert "Epoch 2/2" in out and "-> " in out and "delta run" in out
    code, out, err = run_with_cp1252_console("examples", "run", "perceptron", "--quiet")
    assert code == 0 and "Traceback" not in err


def test_python_dash_m_deltanet_is_the_command():
    result = subprocess.run([sys.executable, "-m", "deltanet", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"deltanet {dn.__version__}"


# -- permissions ------------------------------------------------------------------------------------
@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield 0o640
    os.umask(previous)


def _modes(folder):
    return {p.name: p.stat().st_mode & 0o777 for p in Path(folder).iterdir() if p.is_file()}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_files_of_a_run_folder_get_the_usual_permissions(tmp_path, umask_027):
    run = tmp_path / "run"
    assert cli("train", iris_config(tmp_path, 2), "--run-dir", run, "--quiet")[0] == 0
    modes = {name: mode for name, mode in _modes(run).items() if not name.endswith(".dnet")}
    assert {"config.toml", "metrics.json", "preprocessing.json", "split.json", "history.csv"} <= set(modes)
    assert modes == dict.fromkeys(modes, umask_027)  # 0o666 less the umask, not mkstemp's 0o600
    code, _, _ = cli("predict", run, "--data", "iris", "--output", tmp_path / "p.csv")
    assert code == 0 and (tmp_path / "p.csv").stat().st_mode & 0o777 == umask_027


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_model_file_gets_the_usual_permissions(tmp_path, umask_027):
    run = tmp_path / "run"
    assert cli("train", iris_config(tmp_path, 1), "--run-dir", run, "--quiet")[0] == 0
    assert _modes(run)["model.dnet"] == umask_027
