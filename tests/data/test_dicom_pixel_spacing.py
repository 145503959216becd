"""DICOM in-plane spacing: PixelSpacing (in the patient) first, else a radiograph's ImagerPixelSpacing
(at the detector) divided by EstimatedRadiographicMagnificationFactor when given (PS3.3 10.7.1.1,
C.8.11.7), else ImagerPixelSpacing as it is; metadata says which tag and which plane."""

from __future__ import annotations

import os

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import read_image  # noqa: E402

CR = os.path.join(os.path.dirname(get_testdata_file("CT_small.dcm")), "dicomdirtests", "77654033", "CR1", "6154")


def _saved(tmp_path, **tags):
    ds = pydicom.dcmread(CR)
    for keyword, value in tags.items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    path = tmp_path / "radiograph.dcm"
    ds.save_as(path)
    return read_image(path)


def test_pydicoms_cr_states_the_detector_spacing():
    ds = pydicom.dcmread(CR)
    assert "PixelSpacing" not in ds and "EstimatedRadiographicMagnificationFactor" not in ds
    image = read_image(CR)
    assert image.spacing == pytest.approx([float(v) for v in ds.ImagerPixelSpacing])
    assert image.metadata["pixel_spacing_from"] == "ImagerPixelSpacing"
    assert image.metadata["pixel_spacing_plane"] == "detector"
    assert "missing_geometry" not in image.metadata or "PixelSpacing" not in image.metadata["missing_geometry"]


def test_magnification_factor_gives_the_patient_plane(tmp_path):
    image = _saved(tmp_path, ImagerPixelSpacing=[0.15, 0.125], EstimatedRadiographicMagnificationFactor=1.25)
    assert image.spacing == pytest.approx([0.12, 0.1])
    assert image.metadata["pixel_spacing_from"] == "ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor"
    assert image.metadata["pixel_spacing_plane"] == "patient"
    assert image.metadata["EstimatedRadiographicMagnificationFactor"] == 1.25


def test_calibrated_pixel_spacing_wins(tmp_path):
    image = _saved(
        tmp_path,
        ImagerPixelSpacing=[0.1, 0.1],
        EstimatedRadiographicMagnificationFactor=1.25,
        PixelSpacing=[0.085, 0.085],
        PixelSpacingCalibrationType="FIDUCIAL",
    )
    assert image.spacing == pytest.approx([0.085, 0.085])
    assert image.metadata["pixel_spacing_from"] == "PixelSpacing"
    assert image.metadata["pixel_spacing_plane"] == "patient"
    assert image.metadata["PixelSpacingCalibrationType"] == "FIDUCIAL"


def test_rows_and_columns_are_not_swapped(tmp_path):
    # (row spacing, column spacing): the first is the distance between rows, along the column direction
    image = _saved(tmp_path, ImagerPixelSpacing=[0.3, 0.25])
    assert image.spacing == pytest.approx([0.3, 0.25])


def test_scanned_film_and_no_spacing(tmp_path):
    film = _saved(tmp_path, ImagerPixelSpacing=None, NominalScannedPixelSpacing=[0.2, 0.2])
    assert film.spacing == pytest.approx([0.2, 0.2])
    assert (film.metadata["pixel_spacing_from"], film.metadata["pixel_spacing_plane"]) == (
        "NominalScannedPixelSpacing",
        "detector",
    )
    bare = _saved(tmp_path, ImagerPixelSpacing=None)
    assert bare.spacing == (1.0, 1.0)
    assert bare.metadata["pixel_spacing_from"] is None and bare.metadata["pixel_spacing_plane"] is None
    assert "PixelSpacing" in bare.metadata["missing_geometry"]


def test_ct_reports_its_pixel_spacing():
    image = read_image(get_testdata_file("CT_small.dcm"))
    assert image.metadata["pixel_spacing_plane"] == "patient"
    np.testing.assert_allclose(
        image.spacing[:2], [float(v) for v in pydicom.dcmread(get_testdata_file("CT_small.dcm")).PixelSpacing]
    )


def test_ultrasound_regions_give_the_spacing():
    # pydicom's examples_ybr_color.dcm: one 2-D tissue region, PhysicalDeltaX = PhysicalDeltaY in cm
    path = get_testdata_file("examples_ybr_color.dcm")
    (region,) = pydicom.dcmread(path).SequenceOfUltrasoundRegions
    image = read_image(path)
    assert image.spacing[1:] == pytest.approx([10 * region.PhysicalDeltaY, 10 * region.PhysicalDeltaX])
    assert image.metadata["pixel_spacing_from"] == "SequenceOfUltrasoundRegions"
    assert "PixelSpacing" not in image.metadata["missing_geometry"]
    # examples_palette.dcm: a tissue region (cm) and a Doppler strip (seconds): the tissue region's
    palette = read_image(get_testdata_file("examples_palette.dcm"))
    assert palette.spacing == pytest.approx([0.2622878766196998, 0.2622878766196998])


def test_ultrasound_regions_that_disagree_give_no_spacing(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("examples_palette.dcm"))
    extra = pydicom.Dataset()
    extra.RegionSpatialFormat, extra.PhysicalUnitsXDirection, extra.PhysicalUnitsYDirection = 1, 3, 3
    extra.PhysicalDeltaX, extra.PhysicalDeltaY = 0.05, 0.05
    ds.SequenceOfUltrasoundRegions.append(extra)
    ds.save_as(tmp_path / "two_views.dcm")
    image = read_image(tmp_path / "two_views.dcm")
    assert image.spacing == (1.0, 1.0) and image.metadata["pixel_spacing_from"] is None
    assert "PixelSpacing" in image.metadata["missing_geometry"]


def test_an_empty_or_zero_pixel_spacing_falls_through(tmp_path):
    ds = pydicom.dcmread(CR)
    ds.add_new("PixelSpacing", "DS", None)  # present, but empty
    ds.save_as(tmp_path / "empty.dcm")
    image = read_image(tmp_path / "empty.dcm")
    assert image.metadata["pixel_spacing_from"] == "ImagerPixelSpacing"
    assert image.spacing == pytest.approx([float(v) for v in ds.ImagerPixelSpacing])
    zero = _saved(tmp_path, ImagerPixelSpacing=[0.0, 0.0])  # a zero spacing would make the affine singular
    assert zero.spacing == (1.0, 1.0) and "PixelSpacing" in zero.metadata["missing_geometry"]
    assert zero.axcodes == "PL"
