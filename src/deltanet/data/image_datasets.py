r"""Datasets of image files, read lazily: a classification folder, image/label pairs, patches.

Nothing is read when a dataset is made: it lists its files, and ``ds[i]`` reads sample $i$ (with
``read_image``) and applies the ``transform``. Indexing with a slice or a list gives a batch,
the samples stacked, so ``X, y = ds[:]`` turns a small dataset into the arrays that ``dn.fit``
takes, and ``deltanet.data.DataLoader(ds, batch_size=...)`` draws batches from it.

| dataset | ``ds[i]`` | like |
|---|---|---|
| ``ImageFolder(root)`` | ``(image, class_index)`` | torchvision's ``ImageFolder`` |
| ``SegmentationFolder(images, labels)`` | ``(image, label_map)`` | MONAI's dicts of image and label files |
| ``PatchDataset(dataset, spatial_size)`` | ``(image_patch, label_patch)`` | MONAI's ``RandCropByPosNegLabel`` |

**Caching.** ``cache_size=k`` keeps the last $k$ samples read (least recently used first out),
*before* the transform, so random augmentation still differs every time. The memory it holds is
at most $k$ samples: a $(1, 256, 256, 128)$ float32 volume is 32 MiB. Cached arrays are
read-only, so a transform that writes into its input fails loudly instead of changing the cache.
A ``PatchDataset`` reads each volume once per patch: give its source a ``cache_size`` of at least
its length when the volumes fit in memory.

The cache and the patch draws are guarded by a lock, so loader threads may share a dataset; a
random transform shared by threads draws in whatever order the threads come, so read from one
thread where augmentation must be reproducible.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import get_rng
from deltanet.data.batches import Dataset
from deltanet.data.image import Image, ImageReadError, image_dtype
from deltanet.data.images import DICOM_SUFFIXES, NIFTI_SUFFIXES, PILLOW_FORMATS, read_image
from deltanet.data.transforms import RandCropByPosNegLabel

#: File name endings that the folder datasets take as images.
IMAGE_SUFFIXES = (*NIFTI_SUFFIXES, *DICOM_SUFFIXES, *PILLOW_FORMATS)


#: Medical image formats that deltanet does not read (ITK's MetaImage, NRRD, FreeSurfer, Analyze,
#: MINC): in a SegmentationFolder they are named rather than skipped.
_UNREADABLE_SUFFIXES = (".mha", ".mhd", ".nrrd", ".nhdr", ".mgz", ".mgh", ".hdr", ".img", ".mnc", ".vtk")


def _unreadable_suffix(path: Path) -> str:
    return next(s for s in _UNREADABLE_SUFFIXES if path.name.lower().endswith(s))


def _stem(path: Path) -> str:
    """The name without its image suffix (``case01.nii.gz`` → ``case01``)."""
    name = path.name
    for suffix in sorted(IMAGE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_image(path: Path) -> bool:
    return not path.name.startswith(".") and path.is_file() and path.name.lower().endswith(IMAGE_SUFFIXES)


def _stack(samples: list[tuple[Any, ...]], indices: list[int]) -> tuple[np.ndarray, ...]:
    """One batch: each field of the samples stacked; a clear error when their shapes differ."""
    batch = []
    for field in range(len(samples[0])):
        values = [np.asarray(s[field]) for s in samples]
        for index, value in zip(indices, values):
            if value.shape != values[0].shape:
                raise ValueError(
                    f"cannot stack samples {indices[0]} and {index} into one batch: shapes {values[0].shape} and "
                    f"{value.shape}; bring them to one size with a transform (transforms.Resize, "
                    "ResizeWithPadOrCrop, Spacing) or use batches of 1"
                )
        batch.append(np.stack(values))
    return tuple(batch)


class ImageDataset(Dataset):
    """The base of the file datasets: lazy reading, a bounded cache, batches from slices.

    Subclasses set ``self.entries`` (one per sample) and implement ``load(entry)``, returning the
    sample's arrays before the transform. A ``deltanet.data.Dataset``, so the ``DataLoader`` takes
    it as it is.

    Args:
        transform: a callable applied to every sample read (see the subclasses for its arguments).
        cache_size: how many samples read from disk to keep in memory (0: none).

    Examples:
        >>> from deltanet.data.image_datasets import ImageDataset
        >>> ImageDataset.__mro__[1].__name__
        'Dataset'
    """

    def __init__(self, transform: Callable[..., Any] | None = None, cache_size: int = 0) -> None:
        if transform is not None and not callable(transform):
            raise ValueError(f"{type(self).__name__}: transform must be callable or None, got {transform!r}")
        self.transform = transform
        self.cache_size = check.integer(cache_size, "cache_size", type(self).__name__, low=0)
        self.entries: list[Any] = []
        self._cache: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, entry: Any) -> tuple[Any, ...]:
        """Read one sample's arrays from disk (before the transform)."""
        raise NotImplementedError

    def prepare(self, arrays: tuple[Any, ...]) -> Any:
        """Apply the transform to what ``load`` read."""
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.entries)

    def _loaded(self, index: int) -> tuple[Any, ...]:
        with self._lock:
            if index in self._cache:
                self._cache.move_to_end(index)
                return self._cache[index]
        arrays = self.load(self.entries[index])
        if self.cache_size:
            for a in arrays:
                if isinstance(a, np.ndarray):
                    a.setflags(write=False)
            with self._lock:
                self._cache[index] = arrays
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return arrays

    def _index(self, index: Any) -> int:
        n = len(self)
        if not check.is_integer(index):
            raise TypeError(f"{type(self).__name__} indices must be integers, slices or lists, got {index!r}")
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for {n} samples")
        return int(index) % n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            index = range(*index.indices(len(self)))
        if isinstance(index, (range, list, tuple, np.ndarray)):
            indices = [self._index(i) for i in np.asarray(index).reshape(-1).tolist()]
            if not indices:
                raise IndexError(f"{type(self).__name__}: an empty selection gives no batch")
            return _stack([self[i] for i in indices], indices)
        return self.prepare(self._loaded(self._index(index)))


class ImageFolder(ImageDataset):
    """A classification folder: one sub-folder per class, its images the samples (torchvision's).

    ```text
    root/benign/case001.png
    root/benign/case002.png
    root/malignant/case101.png
    ```

    Classes are the sub-folder names in sorted order, ``class_to_idx`` maps each to its index,
    and ``samples`` lists ``(path, class_index)``; files are found in sub-folders of the class
    folders too. ``ds[i]`` is ``(image, class_index)``: the image channel-first float32 (or ``dtype``; after
    ``transform(image)``), the index an int64.

    Args:
        root: the folder of class folders.
        transform: applied to each image array, e.g. ``transforms.Compose([...])``.
        extensions: the file endings taken as images (default: NIfTI, DICOM, PNG, JPEG, TIFF, BMP, WebP).
        cache_size: images kept in memory after reading (0: none; see the module docstring).
        dtype: ``numpy.float32`` (default) or ``numpy.float64``, as ``read_image``'s: an image holding
            whole numbers beyond $2^{24}$ that float32 would round raises ``ImageReadError`` when it
            is read, naming the value; give ``dtype=np.float64`` to read such images exactly.

    Raises:
        FileNotFoundError: ``root`` does not exist.
        ValueError: no class folder, a class folder without images, or a ``dtype`` other than
            float32 and float64.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> from deltanet.data import ImageFolder, write_image
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cyst", "tumour"):
        ...     os.mkdir(os.path.join(root, name))
        ...     _ = write_image(os.path.join(root, name, "a.png"), np.zeros((4, 4), np.uint8))
        >>> ds = ImageFolder(root)
        >>> ds.classes, len(ds), ds[1][0].shape, int(ds[1][1])
        (['cyst', 'tumour'], 2, (1, 4, 4), 1)
    """

    def __init__(
        self,
        root: Any,
        transform: Callable[..., Any] | None = None,
        extensions: Sequence[str] | None = None,
        cache_size: int = 0,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(transform, cache_size)
        try:
            self.dtype = image_dtype(dtype)
        except ValueError:
            raise ValueError(f"ImageFolder: dtype must be numpy.float32 or numpy.float64, got {dtype!r}") from None
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"ImageFolder: no such folder: {self.root}")
        endings = tuple(e.lower() for e in (extensions or IMAGE_SUFFIXES))
        self.classes = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not self.classes:
            raise ValueError(f"ImageFolder: {self.root} holds no class folders (expected root/class_name/image files)")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples: list[tuple[Path, int]] = []
        empty = []
        for name in self.classes:
            files = sorted(
                p for p in (self.root / name).rglob("*") if _is_image(p) and p.name.lower().endswith(endings)
            )
            if not files:
                empty.append(name)
            self.samples += [(p, self.class_to_idx[name]) for p in files]
        if empty:
            raise ValueError(
                f"ImageFolder: no image files ({', '.join(endings)}) in the class folder(s) {empty} of {self.root}"
            )
        self.targets = [target for _, target in self.samples]
        self.entries = self.samples

    def load(self, entry: Any) -> tuple[Any, ...]:
        path, target = entry
        return read_image(path, dtype=self.dtype).array, np.int64(target)

    def prepare(self, arrays: tuple[Any, ...]) -> Any:
        image, target = arrays
        return (image if self.transform is None else self.transform(image)), target


def _pairs_from_folders(images: Path, labels: Path, label_suffix: str) -> list[tuple[Path, Path]]:
    """Image and label files (or DICOM folders) matched by name; every one must have its partner."""

    def entries(folder: Path) -> dict[str, Path]:
        if not folder.is_dir():
            raise FileNotFoundError(f"SegmentationFolder: no such folder: {folder}")
        found = {}
        for p in sorted(folder.iterdir()):
            if p.name.startswith("."):
                continue
            if p.is_file() and p.name.lower().endswith(_UNREADABLE_SUFFIXES):
                raise ValueError(
                    f"SegmentationFolder: {p}: deltanet cannot read {_unreadable_suffix(p)} images, and skipping the "
                    "case would silently shrink the dataset; convert it to NIfTI (e.g. SimpleITK.ReadImage, then "
                    "SimpleITK.WriteImage to .nii.gz) or move it out of the folder"
                )
            if _is_image(p) or p.is_dir():  # a sub-folder is a DICOM series
                found[_stem(p)] = p
        return found

    image_files, label_files = entries(images), entries(labels)
    without_label = sorted(name for name in image_files if name + label_suffix not in label_files)
    expected_labels = {name + label_suffix for name in image_files}
    without_image = sorted(name for name in label_files if name not in expected_labels)
    if without_label or without_image:
        raise ValueError(
            f"SegmentationFolder: images and labels must pair up by name (label = image name + {label_suffix!r}): "
            f"images without a label in {labels}: {without_label[:5]}; labels without an image in {images}: "
            f"{without_image[:5]}"
        )
    if not image_files:
        raise ValueError(f"SegmentationFolder: no images in {images}")
    return [(image_files[name], label_files[name + label_suffix]) for name in sorted(image_files)]


def read_label(path: Path, like: Image, image_path: Path, num_classes: int | None = None) -> np.ndarray:
    """A label map file as int64 (spatial shape), checked against its image's shape and affine, and
    against ``num_classes`` (labels 0 to ``num_classes - 1``) when given."""
    label = read_image(path, dtype=np.float64)  # class indices exactly, however large (float32: up to 2**24)
    if label.num_channels != 1:
        raise ImageReadError(f"{path}: a label map has one channel, this file has {label.num_channels}")
    values = label.array[0]
    bad = (values != np.round(values)) | (values < 0)
    if bad.any():
        raise ImageReadError(f"{path}: a label map holds class indices 0, 1, 2, ...; found {values[bad].flat[0]}")
    if num_classes is not None and values.max() >= num_classes:
        found = np.unique(values).astype(np.int64).tolist()
        raise ImageReadError(
            f"{path}: labels for {num_classes} classes are 0 to {num_classes - 1}, found {found[:10]}"
            f"{' ...' if len(found) > 10 else ''}; a mask saved as 0/255 needs label // 255, labels with a gap "
            "(0, 1, 2, 4) a lookup table such as np.array([0, 1, 2, 0, 3])[label]"
        )
    if label.spatial_shape != like.spatial_shape:
        raise ImageReadError(
            f"{path}: label of shape {label.spatial_shape} does not match its image {image_path.name} "
            f"of shape {like.spatial_shape}"
        )
    located = {"nifti", "dicom"}  # pictures have no geometry to compare
    tolerance = 0.01 * min(like.spacing)  # a hundredth of a voxel
    if {label.format, like.format} <= located and not np.allclose(label.affine, like.affine, atol=tolerance):
        raise ImageReadError(
            f"{path}: the label's affine differs from its image's ({image_path.name}): the two are not "
            "aligned voxel for voxel (resample the label onto the image first)"
        )
    return values.astype(np.int64)


class SegmentationFolder(ImageDataset):
    """Images and their label maps, from two folders matched by name or from a list of pairs.

    ```text
    images/case01.nii.gz      labels/case01.nii.gz
    images/case02.nii.gz      labels/case02.nii.gz
    images/case03/ (DICOM)    labels/case03.nii.gz
    ```

    ``ds[i]`` is ``(image, label)``: the image channel-first float32 (or ``dtype``), the label map int64 of the
    image's spatial shape, after ``transform(image, label)`` (a ``deltanet.data.transforms``
    transform moves both together). Every label is checked against its image: one channel, whole
    non-negative numbers, the same shape, and (same format) the same affine.

    Args:
        images: the folder of images (files, or sub-folders holding a DICOM series); or None with
            ``pairs``.
        labels: the folder of label maps, named as the images (plus ``label_suffix``).
        pairs: instead of the folders, a list of ``(image_path, label_path)``.
        transform: applied as ``transform(image, label)``; it must return one pair (for patches,
            wrap the dataset in a ``PatchDataset``).
        label_suffix: what the label's name adds to its image's, e.g. ``"_seg"`` for
            ``case01_seg.nii.gz`` (default: the same name).
        cache_size: samples kept in memory after reading (0: none; see the module docstring).
        num_classes: when given, every label must be below it (``ImageReadError`` names the case
            and the labels it holds: a 0/255 mask, or BraTS' 0, 1, 2, 4); default: not checked.
        dtype: the images' dtype, ``numpy.float32`` (default) or ``numpy.float64``, as
            ``read_image``'s (an image of whole numbers beyond $2^{24}$ raises with float32); the
            labels are read exactly whatever it is.

    Raises:
        FileNotFoundError: a folder that does not exist.
        ValueError: images without labels or labels without images (listed), no images, or a file
            in a medical format deltanet cannot read (``.mha``, ``.nrrd``, ``.mgz``, ...), which would
            otherwise be skipped.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> from deltanet.data import SegmentationFolder, write_image
        >>> root = tempfile.mkdtemp()
        >>> for sub in ("images", "labels"):
        ...     os.mkdir(os.path.join(root, sub))
        >>> _ = write_image(os.path.join(root, "images", "case01.nii.gz"), np.random.rand(8, 8, 4))
        >>> _ = write_image(os.path.join(root, "labels", "case01.nii.gz"), np.ones((8, 8, 4), np.uint8))
        >>> ds = SegmentationFolder(os.path.join(root, "images"), os.path.join(root, "labels"))
        >>> image, label = ds[0]
        >>> image.shape, label.shape, label.dtype
        ((1, 8, 8, 4), (8, 8, 4), dtype('int64'))
    """

    def __init__(
        self,
        images: Any = None,
        labels: Any = None,
        pairs: Sequence[tuple[Any, Any]] | None = None,
        transform: Callable[..., Any] | None = None,
        label_suffix: str = "",
        cache_size: int = 0,
        num_classes: int | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(transform, cache_size)
        try:
            self.dtype = image_dtype(dtype)
        except ValueError:
            raise ValueError(
                f"SegmentationFolder: dtype must be numpy.float32 or numpy.float64, got {dtype!r}"
            ) from None
        self.num_classes = (
            None if num_classes is None else check.integer(num_classes, "num_classes", "SegmentationFolder", low=2)
        )
        if pairs is not None:
            if images is not None or labels is not None:
                raise ValueError("SegmentationFolder: give images and labels folders, or pairs, not both")
            self.pairs = [(Path(a), Path(b)) for a, b in pairs]
            for image_path, label_path in self.pairs:
                for p in (image_path, label_path):
                    if not p.exists():
                        raise FileNotFoundError(f"SegmentationFolder: no such file or folder: {p}")
            if not self.pairs:
                raise ValueError("SegmentationFolder: pairs is empty")
        elif images is None or labels is None:
            raise ValueError("SegmentationFolder: give both the images and the labels folder (or pairs=)")
        else:
            self.pairs = _pairs_from_folders(Path(images), Path(labels), label_suffix)
        self.entries = self.pairs

    def load(self, entry: Any) -> tuple[Any, ...]:
        image_path, label_path = entry
        image = read_image(image_path, dtype=self.dtype)
        return image.array, read_label(label_path, image, image_path, self.num_classes)

    def prepare(self, arrays: tuple[Any, ...]) -> Any:
        image, label = arrays
        if self.transform is None:
            return image, label
        out = self.transform(image, label)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError(
                "SegmentationFolder: transform must return one (image, label) pair; for several patches per "
                f"volume use PatchDataset, got {type(out).__name__}"
            )
        return out


class PatchDataset(Dataset):
    r"""Random patches of the volumes of a segmentation dataset, centred on foreground or background.

    Sample $i$ is a patch of volume $\lfloor i / \mathrm{num\_samples} \rfloor$, drawn when it is
    read: its centre is a foreground voxel (label not 0) with probability $\mathrm{pos} /
    (\mathrm{pos} + \mathrm{neg})$, else a background voxel (``transforms.RandCropByPosNegLabel``).
    So one pass over the dataset gives ``num_samples`` fresh patches per volume, and the next pass
    others. The patches come from ``rng``: the same seed and the same order of reading give the
    same patches.

    Args:
        dataset: anything whose ``dataset[j]`` is ``(image, label)``, e.g. a ``SegmentationFolder``
            (with ``cache_size`` at least its length, so volumes are read once).
        spatial_size: the patch size per spatial axis.
        pos: the weight of foreground centres.
        neg: the weight of background centres.
        num_samples: patches per volume and pass.
        transform: applied to each patch as ``transform(image, label)`` (augmentation).
        rng: seed or ``numpy.random.Generator``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import PatchDataset
        >>> label = np.zeros((32, 32, 32), np.int64); label[10:14, 10:14, 10:14] = 1
        >>> volumes = [(np.random.rand(1, 32, 32, 32).astype(np.float32), label)]
        >>> patches = PatchDataset(volumes, spatial_size=(16, 16, 16), pos=1, neg=0, num_samples=4, rng=0)
        >>> X, y = patches[:]
        >>> X.shape, y.shape, bool((y.reshape(4, -1).max(axis=1) == 1).all())
        ((4, 1, 16, 16, 16), (4, 16, 16, 16), True)
    """

    def __init__(
        self,
        dataset: Any,
        spatial_size: Any,
        pos: float = 1.0,
        neg: float = 1.0,
        num_samples: int = 4,
        transform: Callable[..., Any] | None = None,
        rng: Any = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise ValueError(f"PatchDataset: dataset must have __len__ and __getitem__, got {type(dataset).__name__}")
        if transform is not None and not callable(transform):
            raise ValueError(f"PatchDataset: transform must be callable or None, got {transform!r}")
        self.dataset = dataset
        self.num_samples = check.integer(num_samples, "num_samples", "PatchDataset", low=1)
        self.sampler = RandCropByPosNegLabel(spatial_size, pos, neg, num_samples=1, rng=get_rng(rng))
        self.transform = transform
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.dataset) * self.num_samples

    def __getitem__(self, index: Any) -> Any:
        n = len(self)
        if isinstance(index, slice):
            index = range(*index.indices(n))
        if isinstance(index, (range, list, tuple, np.ndarray)):
            indices = [int(i) for i in np.asarray(index).reshape(-1).tolist()]
            if not indices:
                raise IndexError("PatchDataset: an empty selection gives no batch")
            return _stack([self[i] for i in indices], indices)
        if not check.is_integer(index) or not -n <= index < n:
            raise IndexError(f"PatchDataset index {index!r} is out of range for {n} patches")
        image, label = self.dataset[int(index) % n // self.num_samples]
        with self._lock:  # one generator, many loader threads
            (patch,) = self.sampler(image, label)
        return patch if self.transform is None else self.transform(*patch)


__all__ = ["IMAGE_SUFFIXES", "ImageDataset", "ImageFolder", "PatchDataset", "SegmentationFolder", "read_label"]
