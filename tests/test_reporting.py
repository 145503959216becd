"""dn.report: the HTML page of a run folder (sections, embedded images, escaping, no matplotlib),
the ``report`` subcommand's pieces, and a real headless Chromium rendering the page."""

import base64
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn, optim
from deltanet.training.monitor import Monitor

CHROMIUM = Path("/usr/bin/chromium")


def overfitting_run(folder):
    """A classifier that memorizes random labels: the Monitor warns about overfitting."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((48, 10)), rng.integers(0, 3, 48)
    Xv, yv = rng.standard_normal((96, 10)), rng.integers(0, 3, 96)
    model = nn.Sequential(
        nn.Linear(10, 64, init="he_normal", rng=0),
        nn.ReLU(),
        nn.Linear(64, 64, init="he_normal", rng=1),
        nn.ReLU(),
        nn.Linear(64, 3, rng=2),
    )
    opt = optim.Adam(model.parameters(), lr=0.01)
    monitor = Monitor(budget=None)
    monitor.set_fit_context(
        X.astype(np.float32), y, validation_data=(Xv.astype(np.float32), yv), optimizer=opt, run_dir=folder
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            opt,
            epochs=25,
            batch_size=16,
            validation_data=(Xv, yv),
            metrics=["accuracy"],
            callbacks=[monitor],
            run_dir=folder,
            rng=0,
        )
    return monitor


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    monitor = overfitting_run(folder)
    assert [e["kind"] for e in monitor.events] == ["overfitting"]
    return folder


def images(page):
    return re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', page)


def test_the_page_has_every_section_with_embedded_pngs(run):
    pytest.importorskip("matplotlib")
    path = dn.report(run)
    assert path == run / "report.html"
    page = path.read_text(encoding="utf-8")
    for heading in (
        "Warnings and advice",
        "Learning curves",
        "Gradient flow and layer statistics",
        "Confusion matrix",
        "Model",
        "Hyperparameters",
    ):
        assert f"<h2>{heading}</h2>" in page
    found = images(page)
    assert [alt for alt, _ in found] == ["learning curves", "gradient flow", "confusion matrix"]
    for _, data in found:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r'(src|href)="(?!data:)', page)


def test_the_page_shows_the_warning_with_its_advice(run):
    page = dn.report(run).read_text(encoding="utf-8")
    event = json.loads((run / "warnings.json").read_text())[0]
    assert "OVERFITTING" in page.upper() and f"epoch {event['epoch']}" in page
    assert "The validation loss rose from" in page
    assert (
        "What to try: Stop early: callbacks=[dn.callbacks.EarlyStopping(patience=5, restore_best_weights=True)]" in page
    )


def test_the_page_shows_summary_and_hyperparameters_from_the_run_folder(run):
    page = dn.report(run).read_text(encoding="utf-8")
    total = 10 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3
    assert f"Total parameters: <b>{total:,}</b>" in page
    assert "<td>(N, 64)</td>" in page and f'<td class="num">{64 * 64 + 64:,}</td>' in page
    assert "<td>optimizer.lr</td><td>0.01</td>" in page
    assert "<td>batch_size</td><td>16</td>" in page
    matrix = json.loads((run / "evaluation.json").read_text())
    assert f"On 96 validation samples after training; accuracy {matrix['accuracy']:.4g}" in page


def test_text_from_the_run_folder_is_escaped(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model": "<script>alert(1)</script>", "epochs": 1}))
    (tmp_path / "warnings.json").write_text(
        json.dumps(
            [{"kind": "dead", "epoch": 1, "layer": "<b>", "message": "<img src=x onerror=alert(1)>", "advice": "a & b"}]
        )
    )
    page = dn.report(tmp_path, title="<i>t</i>").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x" not in page and "<i>t</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a &amp; b" in page


def test_without_matplotlib_the_page_is_written_without_figures(run, tmp_path, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    page = dn.report(run, path=tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "<img" not in page
    assert "pip install &#x27;deltanet[plot]&#x27;" in page
    assert "<h2>Hyperparameters</h2>" in page


def test_a_run_without_a_monitor_or_epochs_still_reports(tmp_path):
    # What fit writes when training stops before the first epoch ends, with no Monitor.
    (tmp_path / "config.json").write_text(json.dumps({"epochs": 5, "optimizer": {"name": "SGD", "lr": 0.1}}))
    (tmp_path / "history.csv").write_text("epoch,loss\n")
    page = dn.report(tmp_path).read_text(encoding="utf-8")
    assert "No Monitor record in this run folder" in page
    assert "No epoch finished." in page and "<td>optimizer.lr</td><td>0.1</td>" in page


def test_segmentation_runs_show_examples(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 1, 8, 8))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=0, dtype="float64"))
    monitor = Monitor(warn=False)
    monitor.set_fit_context(X, y, run_dir=tmp_path)
    monitor.set_model(model)
    monitor.on_train_begin({})
    monitor.on_epoch_end(0, {"loss": 0.7})
    monitor.on_train_end({})
    (tmp_path / "history.csv").write_text("epoch,loss\n1,0.7\n")
    page = dn.report(tmp_path).read_text(encoding="utf-8")
    assert "<h2>Segmentation examples</h2>" in page
    assert [alt for alt, _ in images(page)][-4:] == [f"segmentation example {i}" for i in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "missing", "not a folder"),
        (lambda p: p, "holds neither history.csv nor config.json"),
    ],
)
def test_what_is_not_a_run_folder_is_refused(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        dn.report(make(tmp_path))


def test_report_subcommand_writes_the_page_and_prints_its_path(run, tmp_path, capsys):
    from deltanet.cli import main

    target = tmp_path / "page.html"
    assert main(["report", str(run), "-o", str(target), "--title", "My run"]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert "<title>My run</title>" in target.read_text(encoding="utf-8")


_IMAGE_CHECK = """<script>window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var out = document.createElement('pre'); out.id = 'image-check';
  out.textContent = 'images ' + imgs.length + ' loaded ' + ok;
  document.body.appendChild(out);
});</script>"""


def chromium(*args, profile):
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_the_report_renders_in_headless_chromium_with_its_images(run, tmp_path):
    pytest.importorskip("matplotlib")
    page = dn.report(run)
    # A copy with a script that counts, after the load event, the images that decoded.
    checked = tmp_path / "checked.html"
    checked.write_text(page.read_text(encoding="utf-8").replace("</body>", _IMAGE_CHECK + "</body>"), encoding="utf-8")
    dom = chromium("--virtual-time-budget=10000", "--dump-dom", checked.as_uri(), profile=tmp_path / "profile1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'<pre id="image-check">images (\d+) loaded (\d+)</pre>', dom.stdout)
    assert match, dom.stdout[-2000:]
    assert match.group(1) == match.group(2) == "3"
    assert "<h2>Learning curves</h2>" in dom.stdout

    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri(), profile=tmp_path / "profile2")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    # Not a blank page: a good share of non-white pixels (text, plots, the warning box).
    assert np.mean(pixels[..., :3].min(axis=-1) < 0.9) > 0.05


# -- what deltanet train's report shows ----------------------------------------------------------------
def _cli(*args):
    from deltanet.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main([str(a) for a in args])


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    folder = tmp_path_factory.mktemp("cli")
    config = Path(__file__).resolve().parents[1] / "examples" / "iris_mlp.toml"
    assert _cli("train", config, "--epochs", 12, "--run-dir", folder / "run", "--quiet") == 0
    return folder / "run"


def test_train_writes_a_report_with_the_held_out_result_the_classes_and_the_best_epoch(cli_run):
    page = (cli_run / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((cli_run / "metrics.json").read_text())
    test = metrics["test"]
    assert "<h2>Held-out test set</h2>" in page
    assert f"On the 30 held-out samples: loss {test['loss']:.4g}, accuracy {test['accuracy']:.4g}." in page
    assert "Classes: 0 = setosa, 1 = versicolor, 2 = virginica." in page
    best = metrics["early_stopping"]["best_epoch"]
    assert f"The dotted line marks the best epoch {best} (early stopping, weights restored)." in page
    assert [alt for alt, _ in images(page)][:2] == ["held-out confusion matrix", "learning curves"]
    assert sum(map(sum, test["confusion_matrix"])) == 30


def test_a_regression_report_shows_mae_rmse_r2_and_predicted_against_true(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = 3 * X[:, 0] - X[:, 1] + rng.normal(0, 0.1, 40)
    rows = "\n".join(f"{a:.4f},{b:.4f},{t:.4f}" for (a, b), t in zip(X, y, strict=True))
    (tmp_path / "t.csv").write_text("a,b,target\n" + rows + "\n")
    (tmp_path / "c.toml").write_text(
        'epochs = 40\nbatch_size = "full"\nloss = "mse"\nmetrics = ["mae"]\n[data]\ncsv = "t.csv"\n'
        'target = "target"\ntest_split = 0.25\n[model]\nlayers = [{ type = "Linear", in_features = 2, '
        'out_features = 1 }]\n[optimizer]\nname = "adam"\nlr = 0.1\n'
    )
    run = tmp_path / "run"
    assert _cli("train", tmp_path / "c.toml", "--run-dir", run, "--quiet") == 0
    table = np.loadtxt(run / "test_predictions.csv", delimiter=",", skiprows=1)
    true, predicted = table[:, 0], table[:, 1]
    regression = json.loads((run / "metrics.json").read_text())["test"]["regression"]
    assert regression["mae"] == pytest.approx(np.abs(predicted - true).mean())
    assert regression["rmse"] == pytest.approx(np.sqrt(((predicted - true) ** 2).mean()))
    r2 = 1 - ((predicted - true) ** 2).sum() / ((true - true.mean()) ** 2).sum()
    assert regression["r2"] == pytest.approx(r2) and regression["r2"] > 0.9
    page = (run / "report.html").read_text(encoding="utf-8")
    assert f'<td>R² (1 - residual / total sum of squares)</td><td class="num">{r2:.4g}</td>' in page
    assert "predicted vs true" in [alt for alt, _ in images(page)]


def test_the_gradient_flow_of_a_deep_network_stays_readable():
    pytest.importorskip("matplotlib")
    from deltanet.reporting.figures import gradient_heatmap

    rows = [
        {"epoch": e, "layer": f"decoders.{k}", "type": "Conv2d", "grad_norm": 10.0 ** (-k / 8) if k != 7 else 0.0}
        for e in (1, 5, 10)
        for k in range(40)
    ]
    fig = gradient_heatmap(rows)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"decoders.{k} (Conv2d)" for k in range(40)]  # one readable row per layer
    assert fig.get_size_inches()[1] >= 40 * 0.24
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "5", "10"]
    assert np.ma.is_masked(ax.images[0].get_array()[7, 0])  # a gradient of exactly 0 is grey, not -inf
    single = gradient_heatmap([r for r in rows if r["epoch"] == 1])
    assert len(single.axes[0].patches) == 40  # one epoch: a horizontal bar per layer


def test_a_layer_table_of_a_fit_run_without_a_monitor_in_the_report(tmp_path):
    # What fit writes without a Monitor: no gradient flow, no confusion matrix; the page still says so.
    (tmp_path / "config.json").write_text(json.dumps({"epochs": 1}))
    (tmp_path / "history.csv").write_text("epoch,loss\n1,0.5\n")
    page = dn.report(tmp_path).read_text(encoding="utf-8")
    assert "No per-layer statistics (layers.csv) in this run folder." in page
    assert "Held-out test set" not in page  # only deltanet train writes metrics.json


def test_the_best_value_of_an_error_metric_is_its_lowest(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"epochs": 3}))
    (tmp_path / "history.csv").write_text(
        "epoch,loss,mae,accuracy,val_mae\n1,3,30,0.5,31\n2,2,20,0.7,21\n3,1,25,0.6,26\n"
    )
    page = dn.report(tmp_path).read_text(encoding="utf-8")
    for key, last, best in (("mae", 25, 20), ("val_mae", 26, 21), ("accuracy", 0.6, 0.7), ("loss", 1, 1)):
        assert f'<td>{key}</td><td class="num">{last}</td><td class="num">{best}</td>' in page
    assert "The dotted line marks the lowest loss: epoch 3." in page


def test_without_matplotlib_the_held_out_confusion_matrix_is_a_table(cli_run, tmp_path, monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    page = dn.report(cli_run, path=tmp_path / "plain.html").read_text(encoding="utf-8")
    matrix = json.loads((cli_run / "metrics.json").read_text())["test"]["confusion_matrix"]
    assert "<th>predicted setosa</th><th>predicted versicolor</th><th>predicted virginica</th>" in page
    cells = "".join(f'<td class="num">{n}</td>' for n in matrix[2])
    assert f"<tr><td>true virginica</td>{cells}</tr>" in page and "<img" not in page


def test_a_run_that_did_not_finish_says_so(tmp_path):
    """An interrupted ``deltanet train`` leaves a manifest that says "training": the page says the
    run is unfinished and how to continue it; a plain fit run folder (no manifest) does not."""
    from deltanet.training import rundir

    rundir.write_config(tmp_path, {"epochs": 10})
    assert "did not finish" not in dn.report(tmp_path).read_text(encoding="utf-8")
    rundir.write_manifest(tmp_path, {"status": "training"})
    page = dn.report(tmp_path).read_text(encoding="utf-8")
    assert "This run did not finish" in page and "deltanet train --resume" in page
    rundir.write_manifest(tmp_path, {"status": "complete", "files": {}})
    assert "did not finish" not in dn.report(tmp_path).read_text(encoding="utf-8")
