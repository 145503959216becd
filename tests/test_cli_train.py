"""deltanet train / evaluate / predict end to end on the sample configs (small epochs, temporary
folders), and every kind of bad input: one line on stderr, a non-zero exit, no traceback."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet.cli.config import ConfigError, read_config
from deltanet.data import load_iris, write_idx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def deltanet(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "deltanet.cli", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def fails_in_one_line(result, *messages):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("deltanet: error: "), result.stderr
    for message in messages:
        assert message in result.stderr, (message, result.stderr)


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "iris"
    result = deltanet("train", EXAMPLES / "iris_mlp.toml", "--epochs", 8, "--run-dir", run)
    assert result.returncode == 0, result.stderr
    return run, result


def test_train_writes_the_run_folder(iris_run):
    run, result = iris_run
    for name in (
        "model.dnet",
        "history.csv",
        "config.toml",
        "config.json",
        "preprocessing.json",
        "split.json",
        "metrics.json",
        "run.json",
        "manifest.json",
        "report.html",
    ):
        assert (run / name).is_file(), name
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"
    assert not (run / "checkpoints").exists()  # the checkpoint of a run in progress is gone
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert len(rows) == 8 and {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    given = (EXAMPLES / "iris_mlp.toml").read_text()  # with --epochs 8 written in, so that it repeats the run
    assert (run / "config.toml").read_text() == given.replace(
        "epochs = 200\n", "epochs = 8  # deltanet train --epochs 8; the config said 200\n"
    )
    split = json.loads((run / "split.json").read_text())
    assert len(split["test"]) == 30 and len(split["validation"]) == 24 and len(split["train"]) == 96
    assert not set(split["test"]) & set(split["train"])
    assert "held-out test set (30 samples)" in result.stdout and "Epoch 8/8" in result.stdout
    model = dn.load(run / "model.dnet")
    assert model[0].weight.shape == (16, 4)


def _iris_test_part(run):
    split = json.loads((run / "split.json").read_text())
    prep = json.loads((run / "preprocessing.json").read_text())
    iris = load_iris()
    X = ((iris.X - np.array(prep["mean"])) / np.array(prep["scale"])).astype(np.float32)
    return X, iris.y, np.array(split["test"]), prep


def test_evaluate_reports_the_held_out_part(iris_run):
    run, _ = iris_run
    result = deltanet("evaluate", run)
    assert result.returncode == 0, result.stderr
    X, y, test, _ = _iris_test_part(run)
    expected = dn.evaluate(dn.load(run / "model.dnet"), X[test], y[test], loss="cross_entropy", metrics=["accuracy"])
    assert result.stdout.strip() == (
        f"the held-out 30 samples: loss {expected['loss']:.4f}, accuracy {expected['accuracy']:.4f}"
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] == pytest.approx(expected["accuracy"])
    whole = deltanet("evaluate", run, "--data", "iris")
    assert whole.returncode == 0 and whole.stdout.startswith("iris: loss ")


def test_predict_writes_one_row_per_sample(iris_run, tmp_path):
    run, _ = iris_run
    out = tmp_path / "p.csv"
    result = deltanet("predict", run, "--data", "iris", "--output", out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["prediction", "p(setosa)", "p(versicolor)", "p(virginica)"] and len(rows) == 151
    X, _, _, prep = _iris_test_part(run)
    logits = dn.predict(dn.load(run / "model.dnet"), X)
    assert [r[0] for r in rows[1:]] == [prep["class_names"][k] for k in logits.argmax(axis=1)]
    probabilities = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    printed = deltanet("predict", run, "--data", "iris")
    assert printed.stdout.splitlines()[1:] == [",".join(r) for r in rows[1:]]


CSV_CONFIG = """
seed = 1
epochs = 60
batch_size = "full"
loss = "mse"
metrics = ["mae"]
[data]
csv = "table.csv"
target = "survival"
standardize = true
[model]
layers = [{ type = "Linear", in_features = 2, out_features = 1 }]
[optimizer]
name = "sgd"
lr = 0.1
"""


def test_csv_regression_train_evaluate_predict(tmp_path):
    (tmp_path / "table.csv").write_text("size,temperature,survival\n0.5,37.6,3.2\n2.3,39.1,1.9\n2.9,36.2,1.0\n")
    (tmp_path / "cfg.toml").write_text(CSV_CONFIG)
    run = tmp_path / "run"
    assert deltanet("train", tmp_path / "cfg.toml", "--run-dir", run, "--quiet").returncode == 0
    # prediction on a file with the target column (dropped by name) and on one without it
    (tmp_path / "new.csv").write_text("size,temperature\n0.5,37.6\n2.9,36.2\n")
    with_target = deltanet("predict", run, "--data", tmp_path / "table.csv")
    without = deltanet("predict", run, "--data", tmp_path / "new.csv")
    assert with_target.returncode == 0 and without.returncode == 0, with_target.stderr + without.stderr
    values = [float(v) for v in with_target.stdout.splitlines()[1:]]
    assert len(values) == 3 and values[0] > values[2]  # bigger tumours, shorter survival
    assert [float(v) for v in without.stdout.splitlines()[1:]] == [values[0], values[2]]
    evaluated = deltanet("evaluate", run, "--data", tmp_path / "table.csv")
    assert evaluated.returncode == 0 and "mae" in evaluated.stdout


def test_npz_data_and_model_file(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "d.npz", features=X, labels=y)
    (tmp_path / "c.toml").write_text(
        'epochs = 30\nmetrics = ["accuracy"]\n[data]\nnpz = "d.npz"\nx = "features"\ny = "labels"\n'
        '[model]\nbuilder = "mlp"\n[model.args]\nsizes = [3, 8, 2]\n[optimizer]\nname = "adam"\nlr = 0.05\n'
    )
    run = tmp_path / "r"
    assert deltanet("train", tmp_path / "c.toml", "--run-dir", run, "--quiet").returncode == 0
    result = deltanet("evaluate", run / "model.dnet", "--data", tmp_path / "d.npz", "--x", "features", "--y", "labels")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split("accuracy ")[1]) > 0.85
    # The model file of a run folder opens the run (its x and y); a copy elsewhere is a bare model.
    assert deltanet("evaluate", run / "model.dnet", "--data", tmp_path / "d.npz").returncode == 0
    (tmp_path / "bare.dnet").write_bytes((run / "model.dnet").read_bytes())
    fails_in_one_line(
        deltanet("evaluate", tmp_path / "bare.dnet", "--data", tmp_path / "d.npz"),
        "d.npz: no array 'X' in the archive; it holds ['features', 'labels']",
    )


def test_digits_lenet_sample_config(tmp_path):
    pytest.importorskip("sklearn")
    run = tmp_path / "lenet"
    result = deltanet("train", EXAMPLES / "digits_lenet.toml", "--epochs", 1, "--run-dir", run)
    assert result.returncode == 0, result.stderr
    assert "61,706 parameters" in result.stdout and "held-out test set (450 samples)" in result.stdout
    assert dn.load(run / "model.dnet")[0].weight.shape == (6, 1, 5, 5)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_every_sample_config_is_valid(name):
    cfg = read_config(EXAMPLES / name)
    assert cfg["epochs"] > 0 and cfg["run_dir"].parts[0] == "runs"


GOOD = """epochs = 2
[data]
dataset = "iris"
[model]
layers = [{ type = "Linear", in_features = 4, out_features = 3 }]
"""


@pytest.mark.parametrize(
    "text, messages",
    [
        ("epochs = 2\n[data\n", ["TOML syntax error", "line 2"]),
        ("epoch = 2\n" + GOOD, ["unknown key 'epoch'; known keys: batch_size, callbacks, data, dtype, epochs"]),
        (GOOD.replace("epochs = 2", 'epochs = "ten"'), ["epochs: expected an integer >= 0, got 'ten' (a string)"]),
        (
            GOOD.replace("epochs = 2", "epochs = 2\nbatch_size = 0"),
            ['batch_size: expected a positive integer or "full", got 0'],
        ),
        (GOOD.replace('dataset = "iris"', 'dataset = "cifar"'), ["data.dataset: unknown dataset 'cifar'; known: iris"]),
        (GOOD.replace('"Linear"', '"Dense"'), ["model.layers[0]: unknown layer type 'Dense'; known:", "Linear"]),
        (
            GOOD.replace("in_features", "in_feature"),
            ["model.layers[0]: unknown option 'in_feature' for Linear; known: in_features, out_features, bias, init"],
        ),
        (GOOD.replace("in_features = 4", "in_features = 0"), ["model.layers[0] (Linear)", "in_features"]),
        (
            GOOD + '[optimizer]\nname = "sgd"\nmomentun = 0.9\n',
            ["optimizer: unknown option 'momentun' for SGD; known: lr, momentum"],
        ),
        (GOOD + '[optimizer]\nname = "sdg"\n', ["optimizer.name", "unknown optimizer 'sdg'"]),
        (
            GOOD + '[[callbacks]]\ntype = "EarlyStop"\n',
            ["callbacks[0]: unknown callback 'EarlyStop'; known:", "EarlyStopping"],
        ),
        (  # listed among the known callbacks on main, then refused by Python's "missing 1 required argument"
            GOOD + '[[callbacks]]\ntype = "LearningRateScheduler"\n',
            ["callbacks[0]: LearningRateScheduler cannot be used in a config: it needs a scheduler object"],
        ),
        (  # a table where the name belongs: refused as unknown, not a TypeError from a set lookup
            GOOD + '[[callbacks]]\ntype = { value = "EarlyStopping" }\n',
            ["callbacks[0]: unknown callback {'value': 'EarlyStopping'}"],
        ),
        ('loss = "accuracy"\n' + GOOD, ["loss: 'accuracy' is a metric, not a loss"]),
        (GOOD + "layers2 = 1\n", ["model: unknown key 'layers2'; known keys: args, builder, layers"]),
        (GOOD.replace("epochs = 2", "epochs = 2\n[data2]\nx = 1"), ["unknown key 'data2'"]),
        ('epochs = 2\n[model]\nbuilder = "mlp"\n', ["data: missing"]),
        (GOOD.replace('dataset = "iris"', 'csv = "missing.csv"'), ["missing.csv: no such file"]),
        (GOOD.replace("in_features = 4", "in_features = 5"), ["X has 4 features, but the model's first layer"]),
    ],
)
def test_bad_configs(tmp_path, text, messages):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = deltanet("train", path, "--run-dir", tmp_path / "run")
    fails_in_one_line(result, *messages)


def test_bad_config_in_process_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(GOOD.replace("epochs = 2", "epochs = 2.5"))
    with pytest.raises(ConfigError, match=r"c\.toml: epochs: expected an integer >= 0, got 2\.5 \(a number\)"):
        read_config(path)


@pytest.mark.parametrize(
    "source, key",
    [
        ('dataset = "iris"', 'target = "species"'),
        ('dataset = "iris"', "header = true"),
        ('dataset = "iris"', 'delimiter = ";"'),
        ('dataset = "iris"', 'x = "features"'),
        ('dataset = "breast_cancer"', "images = true"),
        ('dataset = "iris"', "scale = false"),
        ('csv = "t.csv"', 'x = "X"'),
        ('csv = "t.csv"', "images = true"),
        ('npz = "d.npz"', 'target = "label"'),
        ('npz = "d.npz"', 'delimiter = ";"'),
        ('npz = "d.npz"', "scale = false"),
        ('mnist = "mnist"', 'y = "labels"'),
        ('mnist = "mnist"', "test_split = 0.2"),  # MNIST brings its own test set
    ],
)
def test_a_data_key_that_its_source_would_ignore_is_refused(tmp_path, source, key):
    path = tmp_path / "c.toml"
    path.write_text(GOOD.replace('dataset = "iris"', f"{source}\n{key}"), encoding="utf-8")
    name = key.split(" =")[0]
    with pytest.raises(ConfigError, match=rf"c\.toml: data\.{name}: .*(does not apply|own test set)"):
        read_config(path)


@pytest.mark.parametrize(
    "source",
    [
        'dataset = "digits"\nimages = true\nscale = true\nupsample = 2\ntest_split = 0.2\nstratify = false',
        'csv = "t.csv"\ntarget = "y"\nheader = true\ndelimiter = ";"\nstandardize = true\ntrain_size = 10',
        'npz = "d.npz"\nx = "a"\ny = "b"\nupsample = 2\ntest_split = 0.1',
        'mnist = "mnist"\nimages = true\ntrain_size = 100\nupsample = 2',
    ],
)
def test_the_data_keys_of_each_source_are_taken(tmp_path, source):
    path = tmp_path / "c.toml"
    path.write_text(GOOD.replace('dataset = "iris"', source), encoding="utf-8")
    assert read_config(path)["data"]["source"] == source.split(" =")[0]


@pytest.mark.parametrize(
    "settings, callback, message",
    [
        ("", 'type = "EarlyStopping"', "monitor 'val_loss' (the default) is not logged by this run"),
        ("validation_split = 0.2", 'type = "EarlyStopping"\nmonitor = "val_los"', "monitor 'val_los'"),
        (
            'validation_split = 0.2\nmetrics = ["accuracy"]',
            'type = "EarlyStopping"\nmonitor = "val_f1"',
            "monitor 'val_f1' is",
        ),
        ("", 'type = "ModelCheckpoint"\ndirpath = "ckpt"\nmonitor = "accuracy"', "monitor 'accuracy'"),
        ("", 'type = "ModelCheckpoint"\ndirpath = "ckpt"\nsave_best_only = true', "monitor 'val_loss' (the default)"),
    ],
)
def test_a_callback_that_watches_a_quantity_the_run_does_not_log_is_refused(tmp_path, settings, callback, message):
    # EarlyStopping would only warn after each epoch and never stop; ModelCheckpoint never writes best.dnet.
    path = tmp_path / "c.toml"
    path.write_text(f"{settings}\n{GOOD}[[callbacks]]\n{callback}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"c\.toml: callbacks\[0\] \((EarlyStopping|ModelCheckpoint)\): " + re.escape(message)
    ):
        read_config(path)


@pytest.mark.parametrize(
    "settings, monitor",
    [
        ("validation_split = 0.2", "val_loss"),
        ('validation_split = 0.2\nmetrics = ["accuracy"]', "val_accuracy"),
        ('metrics = ["accuracy"]', "accuracy"),
        ("", "loss"),
        ('[regularizer]\ntype = "L2"\nlam = 0.001', "penalty"),
    ],
)
def test_a_callback_may_watch_every_quantity_the_run_logs(tmp_path, settings, monitor):
    path = tmp_path / "c.toml"
    top, _, table = settings.partition("[regularizer]")
    text = f"{top}\n{GOOD}" + (f"[regularizer]{table}\n" if table else "")
    path.write_text(text + f'[[callbacks]]\ntype = "EarlyStopping"\nmonitor = "{monitor}"\n', encoding="utf-8")
    assert read_config(path)["callbacks"] == [("EarlyStopping", {"monitor": monitor})]


def test_a_checkpoint_without_validation_still_writes_last_dnet(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(GOOD + '[[callbacks]]\ntype = "ModelCheckpoint"\ndirpath = "ckpt"\n', encoding="utf-8")
    assert read_config(path)["callbacks"] == [("ModelCheckpoint", {"dirpath": "ckpt"})]


@pytest.mark.parametrize(
    "change, message",
    [
        (("in_features = 4", "in_features = 5"), "X has 4 features"),
        (("epochs = 2", "epochs = 2\nvalidation_split = 0.5\n"), None),  # fine: the control
    ],
)
def test_overwrite_keeps_the_finished_run_when_the_new_one_cannot_start(tmp_path, change, message):
    # A config whose model does not fit the data is refused before the folder is touched: --overwrite
    # must not have destroyed the finished run by then.
    from deltanet.cli.train import train
    from deltanet.training import rundir

    good, bad, run = tmp_path / "good.toml", tmp_path / "bad.toml", tmp_path / "run"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD.replace(*change), encoding="utf-8")
    train(good, run_dir=run, verbose=0, say=lambda *a, **k: None)
    model = (run / "model.dnet").read_bytes()
    if message is None:
        train(bad, run_dir=run, overwrite=True, verbose=0, say=lambda *a, **k: None)
        assert rundir.run_status(run) == "complete"
        return
    with pytest.raises(ValueError, match=message):
        train(bad, run_dir=run, overwrite=True, verbose=0, say=lambda *a, **k: None)
    assert rundir.run_status(run) == "complete" and (run / "model.dnet").read_bytes() == model


def test_missing_config_file(tmp_path):
    fails_in_one_line(deltanet("train", tmp_path / "nope.toml"), "nope.toml: no such config file")


def test_malformed_csv(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c\n1,2,0\n3,4\n")
    (tmp_path / "c.toml").write_text(GOOD.replace('dataset = "iris"', 'csv = "t.csv"'))
    fails_in_one_line(
        deltanet("train", tmp_path / "c.toml"), "t.csv, line 3: expected 3 fields (as in the header), got 2"
    )
    (tmp_path / "t.csv").write_text("a,b,c\n1,2,0\n3,oops,1\n")
    fails_in_one_line(
        deltanet("train", tmp_path / "c.toml"), "t.csv, line 3, column 'b' (1): expected a number, got 'oops'"
    )


def _mnist_config(tmp_path):
    config = tmp_path / "m.toml"
    config.write_text(
        'epochs = 1\n[data]\nmnist = "mnist"\n[model]\nbuilder = "mlp"\n[model.args]\nsizes = [784, 10]\n'
    )
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, n in (("train", 6), ("t10k", 4)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.zeros((n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8))
    return config, folder


def test_mnist_folder_and_malformed_idx_files(tmp_path):
    config, folder = _mnist_config(tmp_path)
    assert deltanet("train", config, "--run-dir", tmp_path / "ok", "--quiet").returncode == 0
    (folder / "train-images-idx3-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte").write_bytes(bytes.fromhex("12345678") + bytes(20))
    fails_in_one_line(
        deltanet("train", config), "train-images-idx3-ubyte: not an IDX file: bad magic number 0x12345678"
    )
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((6, 28, 28), dtype=np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    fails_in_one_line(deltanet("train", config), "holds 6 images but", "holds 5 labels")
    payload = (folder / "train-images-idx3-ubyte").read_bytes()
    (folder / "train-images-idx3-ubyte").write_bytes(payload[:-100])
    fails_in_one_line(deltanet("train", config), "train-images-idx3-ubyte: truncated IDX file")


def test_evaluate_and_predict_errors(tmp_path, iris_run):
    fails_in_one_line(deltanet("evaluate", tmp_path), "not a run folder (no model.dnet)")
    fails_in_one_line(deltanet("evaluate", tmp_path / "none"), "no such run folder or model file")
    run, _ = iris_run
    fails_in_one_line(deltanet("predict", run, "--data", tmp_path / "missing.csv"), "missing.csv: no such file")
    (tmp_path / "bad.dnet").write_bytes(b"not a zip")
    fails_in_one_line(deltanet("evaluate", tmp_path / "bad.dnet", "--data", "iris"), "bad.dnet")


def test_preprocessing_file_with_mean_but_no_scale_is_malformed(tmp_path):
    # Found by mypy: such a file used to load and then fail with a bare TypeError on the first batch.
    from deltanet.cli.data import Preprocessing

    path = tmp_path / "preprocessing.json"
    path.write_text(json.dumps({"mean": [0.0, 1.0], "scale": None, "class_names": None, "task": "regression"}))
    with pytest.raises(ValueError, match=r"preprocessing.json: malformed preprocessing file \(Preprocessing: mean "):
        Preprocessing.read(path)
    ok = Preprocessing.read(tmp_path / "absent.json")  # no file: nothing to undo
    X = np.ones((2, 2), np.float32)
    assert ok.mean is None and ok.scale is None and ok.apply(X) is X


# -- one loss kind, one run-folder owner, no examples -> cli import --------------------------------
KINDS = {"class_index", "binary", "sign", "regression", "segmentation", "other"}


def test_every_loss_says_what_its_targets_hold():
    from deltanet.cli.build import target_kind

    classes = {getattr(dn.losses, n) for n in dir(dn.losses) if isinstance(getattr(dn.losses, n), type)}
    losses = {c for c in classes if issubclass(c, dn.losses.Loss)}
    assert {c.__name__: c.target_kind for c in losses} == {
        "Loss": "other",
        "MSELoss": "regression",
        "L1Loss": "regression",
        "HuberLoss": "regression",
        "LogCoshLoss": "regression",
        "SmoothL1Loss": "regression",
        "CrossEntropyLoss": "class_index",
        "NLLLoss": "class_index",
        "MultiMarginLoss": "class_index",
        "GeneralizedWassersteinDiceLoss": "class_index",
        "BCELoss": "binary",
        "BCEWithLogitsLoss": "binary",
        "HingeLoss": "sign",
        "DiceLoss": "segmentation",
        "KLDivLoss": "other",  # targets are distributions, checked by the loss itself
        # metric learning: pairs and triplets of embeddings, not (output, target) of one model
        "CosineEmbeddingLoss": "other",
        "MarginRankingLoss": "other",
        "TripletMarginLoss": "other",
        "TripletMarginWithDistanceLoss": "other",
        "HingeEmbeddingLoss": "other",  # its input is a distance, its targets +-1
        "SoftMarginLoss": "sign",
        "MultiLabelSoftMarginLoss": "binary",
        "MultiLabelMarginLoss": "other",
        "PoissonNLLLoss": "regression",
        "GaussianNLLLoss": "regression",
        "CTCLoss": "other",  # log-probabilities per step against label sequences of other lengths
    }
    assert all(target_kind(c) in KINDS for c in losses)

    class MyLoss:  # a loss of the user's that does not say: "other", as for fit
        def __call__(self, a, y):
            return a

    assert target_kind(MyLoss) == target_kind(MyLoss()) == "other"
    for name in ("CrossEntropyLoss", "BCEWithLogitsLoss", "MSELoss"):  # torch's spelling in nn, when it is there
        cls = getattr(dn.nn, name, None)
        if cls is not None:
            assert target_kind(cls) == getattr(dn.losses, name).target_kind


def test_binary_labels_are_split_stratified():
    from deltanet.cli.data import Data, split_data

    y = np.array([0] * 90 + [1] * 10)
    cfg = {"seed": 0, "validation_split": 0.0, "data": {"test_split": 0.2, "stratify": True, "train_size": None}}
    parts = split_data(cfg, Data(np.zeros((100, 1), np.float32), y), "binary")
    assert y[parts["test"]].sum() == 2  # 10 % of the positives, as of the negatives


@pytest.mark.parametrize("test_split", [0.0, 0.2])
def test_train_size_takes_a_random_stratified_part_of_sorted_data(test_split):
    # A file sorted by class (iris, many CSV files): train_size = 30 must not be 30 rows of class 0.
    from deltanet.cli.data import Data, split_data

    y = np.repeat([0, 1, 2], 50)
    cfg = {"seed": 0, "validation_split": 0.0, "data": {"test_split": test_split, "stratify": True, "train_size": 30}}
    parts = split_data(cfg, Data(np.zeros((150, 1), np.float32), y), "class_index")
    assert len(parts["train"]) == 30 and np.bincount(y[parts["train"]]).tolist() == [10, 10, 10]
    assert not set(parts["train"]) & set(parts["test"])
    again = split_data(cfg, Data(np.zeros((150, 1), np.float32), y), "class_index")
    assert np.array_equal(again["train"], parts["train"])  # deterministic in the seed


SRC = ROOT / "src" / "deltanet"


def test_run_folder_file_names_are_written_once_in_rundir():
    import re

    from deltanet.training import rundir

    names = [v for k, v in vars(rundir).items() if k.isupper() and isinstance(v, str) and "." in v]
    assert "model.dnet" in names and "manifest.json" in names
    pattern = re.compile("[\"'](" + "|".join(re.escape(n) for n in names) + ")[\"']")
    files = [*(SRC / "cli").rglob("*.py"), *(SRC / "reporting").rglob("*.py")]
    found = {str(p.relative_to(SRC)): pattern.findall(p.read_text(encoding="utf-8")) for p in files}
    assert {k: v for k, v in found.items() if v} == {}
    # The training loop, the Monitor, checkpoints and plots too (docstrings may show the names).
    readers = [
        p
        for package in ("training", "plot", "diagnostics")
        for p in (SRC / package).rglob("*.py")
        if p.name != "rundir.py"
    ]
    assert SRC / "training" / "monitor.py" in readers
    found = {str(p.relative_to(SRC)): _string_constants(p) & set(names) for p in readers}
    assert {k: v for k, v in found.items() if v} == {}


def _string_constants(path):
    """The string constants of a module that are not docstrings."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_the_examples_never_import_the_command_line():
    import ast

    for path in (SRC / "examples").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("deltanet.cli"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("deltanet.cli") for a in node.names), path


def test_a_loss_may_be_named_by_its_class(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('loss = { name = "CrossEntropyLoss", label_smoothing = 0.1 }\n' + GOOD)
    cfg = read_config(path)
    assert cfg["loss"]["class"] is dn.losses.CrossEntropy and cfg["loss"]["options"] == {"label_smoothing": 0.1}
    path.write_text('loss = "CrossEntropyLos"\n' + GOOD)
    with pytest.raises(
        ConfigError, match="unknown loss 'CrossEntropyLos'; known names: .*; or a class name: .*BCELoss"
    ):
        read_config(path)
