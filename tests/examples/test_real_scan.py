"""The real-scan example: its quick run trains, segments the held-out half, writes NIfTI on the
scan's affine, and prints the numbers it returns; the threshold baseline is recomputed here."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

pytest.importorskip("nibabel")
ndimage = pytest.importorskip("scipy.ndimage")

import deltanet as dn  # noqa: E402
from deltanet.data import read_image  # noqa: E402
from deltanet.examples import real_scan_segmentation as example  # noqa: E402


def _one_blas_thread():
    """One BLAS thread (as tests/test_docs.py): on a shared 2-core machine idle BLAS threads spin."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    output = tmp_path_factory.mktemp("real-scan") / "prediction.nii.gz"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), _one_blas_thread():
        result = example.run(quick=True, verbose=1, output=str(output))
    return {**result, "printed": printed.getvalue()}


def test_quick_run_segments_the_held_out_half(quick):
    assert quick["dice"] > 0.6  # the derived mask is found after a few seconds of training
    assert quick["losses"][-1] < quick["losses"][0]
    assert np.isfinite(quick["hd95"]) and quick["hd95"] < 30


def test_baseline_recomputed_from_the_scan(quick):
    scan = read_image(example.scan_path())
    volume = scan.array[0]
    train, test = volume[: example.SPLIT], volume[example.SPLIT :]
    threshold = example.otsu_threshold(train[train > 0])
    label = example.derive_label(volume, threshold)[example.SPLIT :]
    thresholded = (test > threshold).astype(np.int64)
    assert quick["threshold_dice"] == pytest.approx(dn.metrics.dice_score(label[None], thresholded[None]))
    assert quick["threshold_hd95"] == pytest.approx(
        dn.metrics.hausdorff_distance(thresholded, label, percentile=95, spacing=scan.spacing)
    )
    assert 0.85 < quick["threshold_dice"] < 0.97  # the label is the threshold refined by morphology


def test_prediction_is_written_on_the_scans_grid(quick):
    scan = read_image(example.scan_path())
    prediction = read_image(quick["output"])
    assert prediction.array.shape == (1, *scan.spatial_shape)
    assert set(np.unique(prediction.array)) <= {0.0, 1.0}
    np.testing.assert_allclose(prediction.affine, scan.affine, atol=1e-4)


def test_derived_label_is_one_filled_brain_mask():
    volume = read_image(example.scan_path()).array[0]
    label = example.derive_label(volume, example.otsu_threshold(volume[volume > 0]))
    assert 0.2 < label.mean() < 0.4
    assert ndimage.label(label)[1] == 1
    for k in range(label.shape[2]):  # no holes left in any slice
        assert (ndimage.binary_fill_holes(label[:, :, k]) == label[:, :, k]).all()


def test_otsu_threshold_splits_two_modes():
    values = np.r_[np.random.default_rng(0).normal(100, 10, 1000), np.random.default_rng(1).normal(300, 20, 500)]
    assert 130 < example.otsu_threshold(values) < 250


def test_it_prints_what_it_returns(quick):
    printed = quick["printed"]
    assert "DERIVED FROM THE IMAGE" in printed and "prediction written to" in printed
    rows = dict(
        (name.strip(), (float(dice), float(hd95)))
        for name, dice, hd95 in re.findall(
            r"^  (U-Net[^\n]*?|plain threshold \d+)\s+([0-9.]+)\s+([0-9.]+)$", printed, re.M
        )
    )
    assert rows["U-Net"] == (round(quick["dice"], 3), round(quick["hd95"], 2))
    assert rows["U-Net, largest component"] == (round(quick["dice_largest"], 3), round(quick["hd95_largest"], 2))
    assert printed.strip().splitlines()[-1] == quick["summary"]


def test_command_line_checks_its_options(capsys):
    assert example.main(["--seed", "-1"]) == 2
    assert "--seed must be a non-negative integer" in capsys.readouterr().err
