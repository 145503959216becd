"""Layer 6: data sets, file readers, held-out splits, standardization and batching with a seeded
shuffle.

- real data: ``load_iris`` (bundled), ``load_breast_cancer``, ``load_diabetes``, ``load_digits``
  (scikit-learn's copies, the ``data`` extra), MNIST (``download_mnist``, ``load_mnist``);
- your files: ``read_csv``, ``read_npz`` (no pickle), ``read_idx``;
- your images: ``read_image`` and ``write_image`` (NIfTI, DICOM files and folders, PNG/JPEG/TIFF;
  the ``imaging`` extra, imported on first use), ``transforms`` (MONAI-style augmentation),
  ``ImageFolder``, ``SegmentationFolder`` and ``PatchDataset`` (folders read lazily, patches);
- the seeds' own data: ``tumor_survival``, ``tumor_temperature``, ``cats_dogs_outputs``,
  ``mirror_symmetry``, ``family_trees``, ``sinusoid``, ``universal_approximation``, ``xor``, and
  synthetic cell images for segmentation (``make_cells``, ``make_cells_3d``);
- splitting, scaling and batching: ``train_test_split``, ``Standardizer``, ``DataLoader``;
- PyTorch's dataset classes (``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``,
  ``IterableDataset``, ``random_split``), samplers and ``default_collate``.

``deltanet.utils.data`` is PyTorch's spelling of the loading part: the same classes, with
PyTorch's ``DataLoader`` (``batch_size=1``, no shuffle, batches of Tensors). The ``DataLoader``
here extends it with deltanet's defaults (32 samples, shuffled, NumPy batches).
"""

from deltanet.data import transforms
from deltanet.data.batches import DataLoader, batch_slices, iterate_minibatches
from deltanet.data.collate import collate_arrays, default_collate, default_convert
from deltanet.data.combined import StackDataset
from deltanet.data.datasets import (
    DatasetBundle,
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
)
from deltanet.data.family_trees import (
    PEOPLE,
    RELATIONS,
    family_tree_cases,
    family_tree_triples,
    family_trees,
)
from deltanet.data.idx import IDXFormatError, read_idx, read_idx_header, write_idx
from deltanet.data.image import Image, ImageReadError
from deltanet.data.image_datasets import ImageDataset, ImageFolder, PatchDataset, SegmentationFolder
from deltanet.data.images import read_image, write_image
from deltanet.data.indexed import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from deltanet.data.mnist import MNIST_MIRRORS, MNIST_SHA256, DownloadError, download_mnist, load_mnist, sha256_file
from deltanet.data.readers import DataFileError, read_csv, read_npz, read_npz_xy
from deltanet.data.samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from deltanet.data.segmentation import make_cells, make_cells_3d
from deltanet.data.split import train_test_split, train_val_test_split
from deltanet.data.standardize import Standardizer
from deltanet.data.toy import (
    UNIVERSAL_FUNCTIONS,
    cats_dogs_outputs,
    logic_gate,
    mirror_symmetry,
    sinusoid,
    tumor_survival,
    tumor_temperature,
    universal_approximation,
    xor,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataFileError",
    "DataLoader",
    "Dataset",
    "DatasetBundle",
    "DownloadError",
    "IDXFormatError",
    "IterableDataset",
    "Image",
    "ImageDataset",
    "ImageFolder",
    "ImageReadError",
    "PatchDataset",
    "MNIST_MIRRORS",
    "MNIST_SHA256",
    "PEOPLE",
    "RELATIONS",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SegmentationFolder",
    "Standardizer",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "UNIVERSAL_FUNCTIONS",
    "WeightedRandomSampler",
    "batch_slices",
    "cats_dogs_outputs",
    "collate_arrays",
    "default_collate",
    "default_convert",
    "download_mnist",
    "family_tree_cases",
    "family_tree_triples",
    "family_trees",
    "iterate_minibatches",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_mnist",
    "logic_gate",
    "make_cells",
    "make_cells_3d",
    "mirror_symmetry",
    "random_split",
    "read_csv",
    "read_idx",
    "read_idx_header",
    "read_image",
    "read_npz",
    "read_npz_xy",
    "sha256_file",
    "sinusoid",
    "train_test_split",
    "train_val_test_split",
    "tumor_survival",
    "transforms",
    "tumor_temperature",
    "universal_approximation",
    "write_idx",
    "write_image",
    "xor",
]
