"""read_image's DICOM series is (slice, row, column); MONAI's PydicomReader gives (column, row, slice)
with its own affine from the tags. The two affines say the same, so Orientation brings both to one
array (the claim in deltanet.data.images)."""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("scipy")

from pydicom.data import get_testdata_file  # noqa: E402

from deltanet.data import Image, read_image  # noqa: E402
from deltanet.data import transforms as T  # noqa: E402


def _monai_affine(first, gap):
    """MONAI PydicomReader._get_affine with swap_ij=True, affine_lps_to_ras=True, written from the tags:
    index (column, row, slice) -> RAS: columns r * dc, c * dr, (0, 0, gap) in LPS, origin the first IPP."""
    r = np.array([float(v) for v in first.ImageOrientationPatient[:3]])
    c = np.array([float(v) for v in first.ImageOrientationPatient[3:]])
    dr, dc = (float(v) for v in first.PixelSpacing)
    lps = np.eye(4)
    lps[:3, 0], lps[:3, 1], lps[:3, 2] = r * dc, c * dr, (0.0, 0.0, gap)
    lps[:3, 3] = [float(v) for v in first.ImagePositionPatient]
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps


def test_orientation_brings_monais_dicom_axis_order_to_ours(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    slices = []
    for k in range(3):
        ds.ImagePositionPatient = [x, y, z + 2.5 * k]
        ds.InstanceNumber = k + 1
        ds.save_as(tmp_path / f"slice{k}.dcm")
        slices.append(pydicom.dcmread(tmp_path / f"slice{k}.dcm"))
    ours = read_image(tmp_path)
    # MONAI: slices by InstanceNumber stacked last, then rows and columns swapped: (column, row, slice)
    stacked = np.stack([s.pixel_array * float(s.RescaleSlope) + float(s.RescaleIntercept) for s in slices], axis=-1)
    monai = Image(np.swapaxes(stacked, 0, 1)[np.newaxis].astype(np.float32), _monai_affine(slices[0], 2.5))
    assert ours.axcodes != monai.axcodes
    a, b = T.Orientation("RAS")(ours), T.Orientation("RAS")(monai)
    np.testing.assert_array_equal(a.array, b.array)
    np.testing.assert_allclose(a.affine, b.affine, atol=1e-6)
