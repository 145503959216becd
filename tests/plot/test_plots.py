"""deltanet.plot: every figure draws the numbers it is given (checked in the artists' data),
saves where asked, and a missing matplotlib gives the pip command."""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import deltanet as dn  # noqa: E402
from deltanet import nn, optim  # noqa: E402
from deltanet.diagnostics import LRFinderResult  # noqa: E402
from deltanet.training.monitor import Monitor  # noqa: E402


def lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_learning_curves_from_a_history_a_dict_and_a_run_folder(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 2, 40)
    model = nn.Linear(2, 2, dtype="float64", rng=0)
    history = dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.5),
        epochs=4,
        batch_size=None,
        validation_data=(X, y),
        metrics=["accuracy"],
        run_dir=tmp_path,
    )
    for source in (history, history.history, tmp_path):
        fig = dn.plot.learning_curves(source)
        left, right = fig.axes
        curves = lines(left)
        assert set(curves) == {"loss", "val_loss"}
        assert np.allclose(curves["loss"].get_ydata(), history.history["loss"])
        assert list(curves["loss"].get_xdata()) == [1, 2, 3, 4]
        assert curves["val_loss"].get_linestyle() == "--"
        assert set(lines(right)) == {"accuracy", "val_accuracy"}


def test_learning_curves_switch_to_a_log_axis_over_two_decades_and_check_keys():
    fig = dn.plot.learning_curves({"loss": [10.0, 1.0, 0.01]})
    assert fig.axes[0].get_yscale() == "log"
    assert dn.plot.learning_curves({"loss": [1.0, 0.5]}).axes[0].get_yscale() == "linear"
    with pytest.raises(ValueError, match=r"no \['val_loss'\] in the history; it has \['loss'\]"):
        dn.plot.learning_curves({"loss": [1.0]}, keys="val_loss")
    with pytest.raises(ValueError, match="no history.csv"):
        dn.plot.learning_curves("/nonexistent-run-folder")


def test_gradient_flow_bars_and_lines_over_epochs():
    fig = dn.plot.gradient_flow({"0": 1e-6, "2": 1e-3, "4": 0.1})
    bars = fig.axes[0].patches
    assert [b.get_height() for b in bars] == [1e-6, 1e-3, 0.1]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "2", "4"]

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 2)), rng.integers(0, 2, 32)
    model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    monitor = Monitor(budget=None, warn=False)
    monitor.set_fit_context(X.astype(np.float32), y)
    dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        optim.SGD(model.parameters(), lr=0.1),
        epochs=3,
        batch_size=8,
        rng=0,
        callbacks=[monitor],
    )
    fig = dn.plot.gradient_flow(monitor)
    curves = lines(fig.axes[0])
    assert set(curves) == {"0 (Linear)", "2 (Linear)"}
    expected = [r["grad_norm"] for r in monitor.layer_history if r["layer"] == "2"]
    assert np.allclose(curves["2 (Linear)"].get_ydata(), expected)
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="no per-layer gradient norms"):
        dn.plot.gradient_flow([])


def test_activation_histograms_count_the_layer_outputs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    model = nn.Sequential(
        nn.Linear(3, 6, rng=0, dtype="float64"), nn.Sigmoid(), nn.Linear(6, 4, rng=1, dtype="float64"), nn.ReLU()
    )
    fig = dn.plot.activation_histograms(model, X, bins=10)
    assert [a.get_title() for a in fig.axes] == ["1 (Sigmoid)", "3 (ReLU)"]
    a1 = 1 / (1 + np.exp(-(X @ model[0].weight.array.T + model[0].bias.array)))
    counts, _ = np.histogram(a1.ravel(), bins=10)
    assert [p.get_height() for p in fig.axes[0].patches] == counts.tolist()
    with pytest.raises(ValueError, match="no activation layers"):
        dn.plot.activation_histograms(nn.Linear(3, 2, dtype="float64"), X)


def test_lr_find_plot_marks_the_suggestion():
    lrs = np.logspace(-4, 0, 5)
    losses = np.array([1.0, 0.9, 0.5, 0.3, 2.0])
    fig = dn.plot.lr_find(LRFinderResult(lrs, losses, losses + 0.1, 1e-2, 1e-1))
    curves = lines(fig.axes[0])
    assert np.allclose(curves["smoothed loss"].get_ydata(), losses)
    assert list(curves["suggestion 0.01"].get_xdata()) == [0.01, 0.01]


def test_activation_functions_draw_the_librarys_derivatives():
    fig = dn.plot.activation_functions(["sigmoid", "relu", "step"])
    sigmoid, relu, step = fig.axes
    z = lines(sigmoid)["h(z)"].get_xdata()
    s = 1 / (1 + np.exp(-z))
    assert np.allclose(lines(sigmoid)["h(z)"].get_ydata(), s)
    assert np.allclose(lines(sigmoid)["h'(z)"].get_ydata(), s * (1 - s))  # peaks at 1/4
    assert np.array_equal(lines(relu)["h'(z)"].get_ydata(), (z > 0).astype(float))
    assert "h'(z)" not in lines(step)  # no derivative to draw
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        dn.plot.activation_functions(["gelu"])


def test_weight_sets_the_steepness_and_bias_shifts():
    fig = dn.plot.weight_bias_effect("sigmoid", weights=[0.5, 2.0], biases=[-2.0, 2.0])
    left, right = fig.axes
    x = lines(left)["w = 2"].get_xdata()
    assert np.allclose(lines(left)["w = 2"].get_ydata(), 1 / (1 + np.exp(-2 * x)))
    assert np.allclose(lines(right)["b = -2"].get_ydata(), 1 / (1 + np.exp(-(x - 2))))
    relu = dn.plot.weight_bias_effect("relu", weights=[3.0], biases=[1.0])
    assert np.allclose(lines(relu.axes[1])["b = 1"].get_ydata(), np.maximum(x + 1, 0))


def test_decision_boundary_of_a_linear_classifier_lies_on_its_line():
    model = nn.Linear(2, 2, dtype="float64")
    # Class 1 where x₁ + x₂ > 0.5: the scores differ by 2(x₁ + x₂) − 1.
    model.weight.array[...] = [[-1.0, -1.0], [1.0, 1.0]]
    model.bias.array[...] = [0.5, -0.5]
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [2.0, -1.0]])
    fig = dn.plot.decision_boundary(model, X, np.array([0, 1, 1]), resolution=101)
    contour = [c for c in fig.axes[0].collections if type(c).__name__ in ("ContourSet", "QuadContourSet")]
    boundary = contour[-1].get_paths()
    vertices = np.concatenate([p.vertices for p in boundary])
    spacing = (X.max() - X.min() + 1.0) / 100
    assert len(vertices) > 10 and np.all(np.abs(vertices.sum(axis=1) - 0.5) < 2 * spacing)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        dn.plot.decision_boundary(model, np.zeros((3, 3)))


def test_confusion_matrix_counts_and_normalized_rows():
    fig = dn.plot.confusion_matrix([[5, 1], [2, 7]], class_names=["cat", "dog"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["5", "1", "2", "7"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["cat", "dog"]
    fig = dn.plot.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], normalize=True)
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.50", "0.50", "0.33", "0.67"]
    with pytest.raises(ValueError, match=r"square \(K, K\) matrix, got shape \(2, 3\)"):
        dn.plot.confusion_matrix(np.zeros((2, 3)))


def test_segmentation_overlay_colours_the_masks_and_scores_dice():
    image = np.random.default_rng(0).standard_normal((1, 8, 8))
    label = np.zeros((8, 8), int)
    label[2:6, 2:6] = 1  # 16 pixels
    prediction = np.zeros((8, 8), int)
    prediction[2:6, 2:4] = 1  # 8 of them: Dice = 2·8 / (16 + 8) = 0.67
    fig = dn.plot.segmentation_overlay(image, label, prediction)
    assert [a.get_title() for a in fig.axes] == ["image", "label", "prediction (Dice 1: 0.67)"]
    overlay = fig.axes[1].images[1].get_array()
    assert overlay.shape == (8, 8, 4)
    assert np.array_equal(overlay[..., 3] > 0, label > 0)  # only the foreground is tinted
    with pytest.raises(ValueError, match=r"the label mask has shape \(4, 4\), the image \(8, 8\)"):
        dn.plot.segmentation_overlay(image, np.zeros((4, 4)))


def test_filters_of_the_first_convolution_and_of_a_linear_layer_on_images():
    conv = nn.Sequential(nn.Conv2d(1, 6, 5, rng=0), nn.ReLU())
    fig = dn.plot.filters(conv, ncols=4)
    assert len(fig.axes) == 6
    w = conv[0].weight.array[2, 0].astype(np.float64)
    assert np.allclose(fig.axes[2].images[0].get_array(), (w - w.min()) / (w.max() - w.min()))
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10, rng=0))
    assert dn.plot.filters(mlp).axes[0].images[0].get_array().shape == (28, 28)
    with pytest.raises(ValueError, match="Linear of 10 inputs, not a square image"):
        dn.plot.filters(nn.Linear(10, 3))


def test_figures_are_saved_where_asked(tmp_path):
    png, svg = tmp_path / "curves.png", tmp_path / "curves.svg"
    dn.plot.learning_curves({"loss": [1.0, 0.5]}, path=png)
    dn.plot.learning_curves({"loss": [1.0, 0.5]}, path=svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:400]
    assert dn.plot.to_png(dn.plot.gradient_flow({"0": 1.0}))[:4] == b"\x89PNG"


def test_no_pyplot_no_global_figures():
    dn.plot.learning_curves({"loss": [1.0, 0.5]})
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_missing_matplotlib_names_the_pip_command(monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'deltanet\[plot\]'"):
        dn.plot.learning_curves({"loss": [1.0]})
