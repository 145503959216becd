"""ImageFolder, SegmentationFolder and PatchDataset: lazy, cached within bounds, batched by slices,
usable by the DataLoader and by fit; every pairing or shape problem named."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
pydicom = pytest.importorskip("pydicom")
pytest.importorskip("PIL")
pytest.importorskip("scipy")

from pydicom.data import get_testdata_file  # noqa: E402

import deltanet as dn  # noqa: E402
from deltanet.data import (  # noqa: E402
    DataLoader,
    ImageFolder,
    ImageReadError,
    PatchDataset,
    SegmentationFolder,
    read_image,
    write_image,
)
from deltanet.data import image_datasets as module  # noqa: E402
from deltanet.data import transforms as T  # noqa: E402


@pytest.fixture
def folder(tmp_path):
    """Two classes of 6×5 PNGs: class 'a' dark, class 'b' bright (one in a nested folder)."""
    rng = np.random.default_rng(0)
    pictures = {}
    for name, level, count in (("a", 20, 3), ("b", 200, 2)):
        (tmp_path / name / "more").mkdir(parents=True)
        for i in range(count):
            values = (level + rng.integers(0, 30, (6, 5))).astype(np.uint8)
            path = tmp_path / name / ("more" if i == 2 else "") / f"img{i}.png"
            write_image(path, values)
            pictures[path] = values
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    return tmp_path, pictures


@pytest.fixture
def count_reads(monkeypatch):
    reads = []
    real = module.read_image

    def counting(path, **options):
        reads.append(os.path.basename(path))
        return real(path, **options)

    monkeypatch.setattr(module, "read_image", counting)
    return reads


def test_image_folder_lists_classes_and_reads_lazily(folder, count_reads):
    root, pictures = folder
    ds = ImageFolder(root)
    assert count_reads == []  # nothing read at construction
    assert ds.classes == ["a", "b"] and ds.class_to_idx == {"a": 0, "b": 1}
    assert len(ds) == 5 and ds.targets == [0, 0, 0, 1, 1]
    assert [p.name for p, _ in ds.samples] == ["img0.png", "img1.png", "img2.png", "img0.png", "img1.png"]
    for i, (path, target) in enumerate(ds.samples):
        image, label = ds[i]
        assert image.shape == (1, 6, 5) and image.dtype == np.float32 and label == target
        np.testing.assert_array_equal(image[0], pictures[path])
    assert len(count_reads) == 5


def test_image_folder_batches_feed_fit_and_the_dataloader(folder):
    root, _ = folder
    ds = ImageFolder(root, transform=T.ScaleIntensityRange(0, 255))
    X, y = ds[:]
    assert X.shape == (5, 1, 6, 5) and y.dtype == np.int64 and y.tolist() == [0, 0, 0, 1, 1]
    assert X.max() <= 1
    seen = [yb.tolist() for _, yb in DataLoader(ds, batch_size=2, rng=0)]
    assert sorted(sum(seen, [])) == [0, 0, 0, 1, 1] and [len(s) for s in seen] == [2, 2, 1]
    model = dn.nn.Sequential(dn.nn.Flatten(), dn.nn.Linear(30, 2))
    history = dn.fit(
        model,
        X,
        y,
        dn.losses.CrossEntropy(),
        dn.optim.Adam(model.parameters(), lr=0.1),
        epochs=30,
        batch_size=5,
        rng=0,
        monitor=False,
    )
    assert history.history["loss"][-1] < 0.1  # bright and dark pictures are easy to tell apart
    assert ds[[4, 0]][1].tolist() == [1, 0] and ds[-1][1] == 1


def test_image_folder_errors(tmp_path_factory, folder):
    tmp_path = tmp_path_factory.mktemp("other")
    with pytest.raises(FileNotFoundError, match="ImageFolder: no such folder"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "elsewhere" / "flat").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds no class folders"):
        ImageFolder(tmp_path / "elsewhere" / "flat")
    root, _ = folder
    (root / "c").mkdir()
    with pytest.raises(ValueError, match=r"no image files .* in the class folder\(s\) \['c'\]"):
        ImageFolder(root)
    (root / "c" / "big.png").write_bytes(b"")
    write_image(root / "c" / "big.png", np.zeros((9, 9), np.uint8))
    ds = ImageFolder(root)
    with pytest.raises(
        ValueError, match=r"cannot stack samples 0 and 5 into one batch: shapes \(1, 6, 5\) and \(1, 9, 9\)"
    ):
        ds[:]
    with pytest.raises(IndexError, match="index 6 is out of range for 6 samples"):
        ds[6]


def test_cache_is_bounded_read_only_and_keeps_augmentation_random(folder, count_reads):
    root, _ = folder
    ds = ImageFolder(root, transform=T.RandGaussianNoise(prob=1.0, rng=0), cache_size=2)
    first = ds[0][0]
    again = ds[0][0]
    assert count_reads == ["img0.png"]  # read once
    assert not np.array_equal(first, again)  # the noise is drawn after the cache
    ds[1], ds[2], ds[0]
    assert count_reads == ["img0.png", "img1.png", "img2.png", "img0.png"]  # 0 was the least recent
    assert len(ds._cache) == 2

    def scribble(image):
        image[0, 0, 0] = 0  # a transform that writes into its input
        return image

    cached = ImageFolder(root, transform=scribble, cache_size=5)
    with pytest.raises(ValueError, match="read-only"):
        cached[0]


def test_threads_share_a_cached_dataset(folder):
    root, _ = folder
    ds = ImageFolder(root, cache_size=3)
    expected = [ds[i][0].copy() for i in range(len(ds))]
    errors = []

    def read_all():
        for _ in range(20):
            for i in range(len(ds)):
                if not np.array_equal(ds[i][0], expected[i]):
                    errors.append(i)

    threads = [threading.Thread(target=read_all) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ds._cache) <= 3


# -- segmentation ------------------------------------------------------------------------------
def make_cases(root, names=("case01", "case02"), size=(12, 10, 8), label_suffix=""):
    rng = np.random.default_rng(1)
    (root / "images").mkdir(exist_ok=True)
    (root / "labels").mkdir(exist_ok=True)
    affine = np.diag([0.8, 0.8, 2.5, 1.0])
    truth = {}
    for name in names:
        image = rng.normal(size=size).astype(np.float32)
        label = (image > 0.5).astype(np.uint8) + (image > 1.5)
        write_image(root / "images" / f"{name}.nii.gz", image[np.newaxis], like=None)
        scan = read_image(root / "images" / f"{name}.nii.gz")
        scan.affine = affine
        write_image(root / "images" / f"{name}.nii.gz", scan)
        write_image(
            root / "labels" / f"{name}{label_suffix}.nii.gz", label, like=read_image(root / "images" / f"{name}.nii.gz")
        )
        truth[name] = (image, label)
    return truth


def test_segmentation_folder_pairs_by_name(tmp_path, count_reads):
    truth = make_cases(tmp_path)
    count_reads.clear()
    ds = SegmentationFolder(tmp_path / "images", tmp_path / "labels")
    assert count_reads == [] and len(ds) == 2
    image, label = ds[1]
    np.testing.assert_array_equal(image[0], truth["case02"][0])
    np.testing.assert_array_equal(label, truth["case02"][1])
    assert label.dtype == np.int64
    X, Y = ds[:]
    assert X.shape == (2, 1, 12, 10, 8) and Y.shape == (2, 12, 10, 8)
    by_pairs = SegmentationFolder(pairs=ds.pairs)
    np.testing.assert_array_equal(by_pairs[0][1], ds[0][1])


def test_segmentation_folder_with_suffix_transform_and_dicom_series(tmp_path):
    make_cases(tmp_path, label_suffix="_seg")
    flip = SegmentationFolder(tmp_path / "images", tmp_path / "labels", label_suffix="_seg", transform=T.Flip(0))
    plain = SegmentationFolder(tmp_path / "images", tmp_path / "labels", label_suffix="_seg")
    np.testing.assert_array_equal(flip[0][1], plain[0][1][::-1])
    np.testing.assert_array_equal(flip[0][0], plain[0][0][:, ::-1])
    # a DICOM series folder as the image, its label written with the series' affine
    series = tmp_path / "dicom" / "images" / "ct01"
    series.mkdir(parents=True)
    for k in range(3):
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        ds.ImagePositionPatient = [0.0, 0.0, 5.0 * k]
        ds.save_as(series / f"{k}.dcm")
    scan = read_image(series)
    (tmp_path / "dicom" / "labels").mkdir()
    write_image(tmp_path / "dicom" / "labels" / "ct01.nii.gz", (scan.array[0] > 0).astype(np.uint8), like=scan)
    image, label = SegmentationFolder(tmp_path / "dicom" / "images", tmp_path / "dicom" / "labels")[0]
    assert image.shape == (1, 3, 128, 128) and label.shape == (3, 128, 128)
    np.testing.assert_array_equal(label, scan.array[0] > 0)


def test_segmentation_folder_errors(tmp_path):
    make_cases(tmp_path)
    (tmp_path / "labels" / "case01.nii.gz").rename(tmp_path / "labels" / "case1.nii.gz")
    with pytest.raises(
        ValueError, match=r"images without a label in .*: \['case01'\]; labels without an image in .*\['case1'\]"
    ):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels")
    (tmp_path / "labels" / "case1.nii.gz").rename(tmp_path / "labels" / "case01.nii.gz")
    image = read_image(tmp_path / "images" / "case01.nii.gz")
    write_image(tmp_path / "labels" / "case01.nii.gz", np.zeros((12, 10, 7), np.uint8))
    ds = SegmentationFolder(tmp_path / "images", tmp_path / "labels")
    with pytest.raises(ImageReadError, match=r"case01\.nii\.gz: label of shape \(12, 10, 7\) does not match its image"):
        ds[0]
    write_image(tmp_path / "labels" / "case01.nii.gz", np.zeros((12, 10, 8), np.uint8))  # identity affine
    with pytest.raises(ImageReadError, match=r"the label's affine differs from its image's \(case01\.nii\.gz\)"):
        ds[0]
    write_image(tmp_path / "labels" / "case01.nii.gz", np.full((12, 10, 8), 0.5), like=image)
    with pytest.raises(ImageReadError, match=r"a label map holds class indices 0, 1, 2, \.\.\.; found 0\.5"):
        ds[0]
    patches = SegmentationFolder(tmp_path / "images", tmp_path / "labels", transform=T.RandCropByPosNegLabel(4))
    with pytest.raises(ValueError, match="transform must return one \\(image, label\\) pair; .* use PatchDataset"):
        patches[1]
    with pytest.raises(ValueError, match="give images and labels folders, or pairs, not both"):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels", pairs=[])
    with pytest.raises(FileNotFoundError, match="no such folder"):
        SegmentationFolder(tmp_path / "images", tmp_path / "nothing")


# -- patches -------------------------------------------------------------------------------------
def test_patches_centre_on_foreground_and_repeat_with_the_seed(tmp_path):
    make_cases(tmp_path, size=(24, 24, 16))
    volumes = SegmentationFolder(tmp_path / "images", tmp_path / "labels", cache_size=2)
    patches = PatchDataset(volumes, spatial_size=(8, 8, 8), pos=1, neg=0, num_samples=3, rng=0)
    assert len(patches) == 6
    X, Y = patches[:]
    assert X.shape == (6, 1, 8, 8, 8) and Y.shape == (6, 8, 8, 8)
    assert (Y.reshape(6, -1).max(axis=1) > 0).all()  # the foreground centre stays inside a patch moved inwards
    again = PatchDataset(volumes, spatial_size=(8, 8, 8), pos=1, neg=0, num_samples=3, rng=0)[:]
    np.testing.assert_array_equal(again[0], X)
    fresh = patches[:]
    assert not np.array_equal(fresh[0], X)  # a second pass draws other patches
    batches = list(DataLoader(patches, batch_size=4, rng=0))
    assert [len(xb) for xb, _ in batches] == [4, 2]


def test_patches_train_a_3d_unet_with_fit(tmp_path):
    make_cases(tmp_path, size=(16, 16, 16))
    volumes = SegmentationFolder(tmp_path / "images", tmp_path / "labels", cache_size=2)
    augment = T.Compose([T.RandFlip(prob=0.5, rng=1), T.RandGaussianNoise(prob=0.5, std=0.05, rng=2)])
    X, Y = PatchDataset(volumes, (8, 8, 8), num_samples=2, transform=augment, rng=0)[:]
    model = dn.models.unet(in_channels=1, classes=3, depth=1, width=2, dims=3, rng=0)
    history = dn.fit(
        model,
        X,
        Y,
        dn.losses.CrossEntropy(),
        dn.optim.Adam(model.parameters(), lr=0.01),
        epochs=2,
        batch_size=2,
        rng=0,
        monitor=False,
    )
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_patch_dataset_errors():
    with pytest.raises(ValueError, match="dataset must have __len__ and __getitem__"):
        PatchDataset(42, 8)
    with pytest.raises(ValueError, match="PatchDataset: num_samples must be a positive integer, got 0"):
        PatchDataset([], 8, num_samples=0)
    with pytest.raises(IndexError, match="out of range for 0 patches"):
        PatchDataset([], 8)[0]


def test_fit_trains_on_the_dataset_and_its_loader_reading_each_file_once_per_epoch(folder, count_reads):
    root, _ = folder
    ds = ImageFolder(root)
    model = dn.nn.Sequential(dn.nn.Flatten(), dn.nn.Linear(30, 2))
    for data, options in ((ds, {"batch_size": 2}), (DataLoader(ds, batch_size=2), {})):
        count_reads.clear()
        history = dn.fit(model, data, loss="cross_entropy", optimizer="sgd", epochs=2, monitor=False, **options)
        assert len(history.history["loss"]) == 2
        assert sorted(count_reads) == sorted(2 * ["img0.png", "img1.png", "img2.png", "img0.png", "img1.png"])
    # A dataset inside the (X, y) pair: fit says to pass it itself; no file read.
    count_reads.clear()
    with pytest.raises(ValueError, match=r"validation X: expected an array, got ImageFolder; fit takes a dataset"):
        dn.fit(model, *ds[:], "cross_entropy", "sgd", validation_data=(ds, None), monitor=False)
    assert len(count_reads) == 5  # ds[:] once; no file read by fit


def test_a_dataloader_loop_reads_one_batch_at_a_time(folder, count_reads):
    root, _ = folder
    ds = ImageFolder(root, transform=T.ScaleIntensityRange(0, 255))
    model = dn.nn.Sequential(dn.nn.Flatten(), dn.nn.Linear(30, 2))
    optimizer = dn.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = dn.losses.CrossEntropy()
    read_before_each_batch = []
    for xb, yb in DataLoader(ds, batch_size=2, rng=0):
        read_before_each_batch.append(len(count_reads))
        loss = loss_fn(model(dn.tensor(xb)), dn.tensor(yb))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert read_before_each_batch == [2, 4, 5]  # the files of one batch, not the folder


@pytest.mark.parametrize("suffix", [".mha", ".nrrd", ".mgz", ".hdr"])
def test_segmentation_folder_names_cases_in_formats_it_cannot_read(tmp_path, suffix):
    # a case in another medical format was skipped without a word: the dataset had one case fewer
    make_cases(tmp_path)
    for sub in ("images", "labels"):
        (tmp_path / sub / f"case03{suffix}").write_bytes(b"header")
    (tmp_path / "images" / "README.txt").write_text("notes are still ignored")
    with pytest.raises(ValueError, match=rf"case03\{suffix}.*cannot read {suffix}.*convert .* NIfTI"):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels")


def test_segmentation_folder_with_num_classes_names_a_label_out_of_range(tmp_path):
    # a mask saved as 0/255 (or BraTS' 0, 1, 2, 4) is a label map a C-class network cannot take;
    # with num_classes the case is named when it is read, with the values it holds
    make_cases(tmp_path)  # labels 0, 1, 2
    image = read_image(tmp_path / "images" / "case02.nii.gz")
    mask = np.zeros((12, 10, 8), np.uint8)
    mask[2:5] = 255
    write_image(tmp_path / "labels" / "case02.nii.gz", mask, like=image)
    ds = SegmentationFolder(tmp_path / "images", tmp_path / "labels", num_classes=3)
    assert ds[0][1].max() == 2
    with pytest.raises(ImageReadError, match=r"case02\.nii\.gz: labels for 3 classes are 0 to 2, found \[0, 255\]"):
        ds[1]
    assert SegmentationFolder(tmp_path / "images", tmp_path / "labels")[1][1].max() == 255  # unchecked by default
    with pytest.raises(ValueError, match="num_classes"):
        SegmentationFolder(tmp_path / "images", tmp_path / "labels", num_classes=1)
