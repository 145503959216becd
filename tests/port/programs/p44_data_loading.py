"""A dataset of images with landmarks read from files, with transforms, samplers and collate functions,
as PyTorch's data-loading tutorial and the `torch.utils.data` documentation write them, feeding a small
landmark regressor.

The idioms of `beginner/data_loading_tutorial` ("Writing Custom Datasets, DataLoaders and Transforms"):
`FaceLandmarksDataset(Dataset)` reading a CSV of landmarks (`csv.reader` here for `pandas.read_csv`) and
images from disk (`.npy` files for `io.imread`), `if torch.is_tensor(idx): idx = idx.tolist()`, a sample
dict `{'image': image, 'landmarks': landmarks}`, `landmarks.astype('float').reshape(-1, 2)`; callable
transform classes `Rescale` (`assert isinstance(output_size, (int, tuple))`, `landmarks * [new_w / w, new_h
/ h]`), `RandomCrop` (`image[top: top + new_h, left: left + new_w]`, `landmarks - [left, top]`, with a
seeded NumPy generator) and `ToTensor` (`image.transpose((2, 0, 1))`, `torch.from_numpy(image)`), chained
by a `Compose` written as torchvision's; `DataLoader(transformed_dataset, batch_size=4, num_workers=0)`
yielding batched dicts, `sample_batched['image'].size()`; and of the `torch.utils.data` docs: an
`IterableDataset` whose `__iter__` splits its range with `torch.utils.data.get_worker_info()` (None in the
main process), `DataLoader(..., batch_size=None)`, a `collate_fn` padding variable-length sequences with
`pad_sequence(batch_first=True)` and returning lengths, `default_collate`, `ConcatDataset` (and `+` of
datasets), `Subset`, `StackDataset`, `BatchSampler(SequentialSampler(...), batch_size=3, drop_last=False)`
as `batch_sampler=`, `WeightedRandomSampler` and `SubsetRandomSampler` (whose draws differ between the
libraries: only their lengths and the indices' set are compared), and `drop_last=True`.
"""

import csv
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class FaceLandmarksDataset(Dataset):
    """Face Landmarks dataset."""

    def __init__(self, csv_file, root_dir, transform=None):
        with open(csv_file, newline="") as f:
            rows = list(csv.reader(f))
        self.header, self.landmarks_frame = rows[0], rows[1:]
        self.root_dir = root_dir
        self.transform = transform

    def __len__(self):
        return len(self.landmarks_frame)

    def __getitem__(self, idx):
        if torch.is_tensor(idx):
            idx = idx.tolist()
        img_name = os.path.join(self.root_dir, self.landmarks_frame[idx][0])
        image = np.load(img_name)
        landmarks = self.landmarks_frame[idx][1:]
        landmarks = np.array([landmarks], dtype=float)
        landmarks = landmarks.astype("float").reshape(-1, 2)
        sample = {"image": image, "landmarks": landmarks}
        if self.transform:
            sample = self.transform(sample)
        return sample


class Rescale(object):
    """Rescale the image in a sample to a given size (nearest neighbour here)."""

    def __init__(self, output_size):
        assert isinstance(output_size, (int, tuple))
        self.output_size = output_size

    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        h, w = image.shape[:2]
        if isinstance(self.output_size, int):
            if h > w:
                new_h, new_w = self.output_size * h / w, self.output_size
            else:
                new_h, new_w = self.output_size, self.output_size * w / h
        else:
            new_h, new_w = self.output_size
        new_h, new_w = int(new_h), int(new_w)
        rows = (np.arange(new_h) * h / new_h).astype(int)
        cols = (np.arange(new_w) * w / new_w).astype(int)
        img = image[rows][:, cols]
        landmarks = landmarks * [new_w / w, new_h / h]
        return {"image": img, "landmarks": landmarks}


class RandomCrop(object):
    """Crop randomly the image in a sample (from a seeded NumPy generator)."""

    def __init__(self, output_size, rng):
        assert isinstance(output_size, (int, tuple))
        if isinstance(output_size, int):
            self.output_size = (output_size, output_size)
        else:
            assert len(output_size) == 2
            self.output_size = output_size
        self.rng = rng

    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        h, w = image.shape[:2]
        new_h, new_w = self.output_size
        top = self.rng.integers(0, h - new_h + 1)
        left = self.rng.integers(0, w - new_w + 1)
        image = image[top : top + new_h, left : left + new_w]
        landmarks = landmarks - [left, top]
        return {"image": image, "landmarks": landmarks}


class ToTensor(object):
    """Convert ndarrays in sample to Tensors."""

    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        # swap color axis because
        # numpy image: H x W x C
        # torch image: C x H x W
        image = image.transpose((2, 0, 1))
        return {"image": torch.from_numpy(image), "landmarks": torch.from_numpy(landmarks)}


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, sample):
        for t in self.transforms:
            sample = t(sample)
        return sample


class RangeStream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        assert end > start, "this example code only works with end >= start"
        self.start = start
        self.end = end

    def __iter__(self):
        worker_info = torch.utils.data.get_worker_info()
        if worker_info is None:  # single-process data loading, return the full iterator
            iter_start = self.start
            iter_end = self.end
        else:  # in a worker process: split workload
            per_worker = int(np.ceil((self.end - self.start) / float(worker_info.num_workers)))
            worker_id = worker_info.id
            iter_start = self.start + worker_id * per_worker
            iter_end = min(iter_start + per_worker, self.end)
        return iter(range(iter_start, iter_end))


def pad_collate(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    padded = pad_sequence(sequences, batch_first=True)
    return padded, lengths, torch.stack(labels)


class LandmarkNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6 * 6, 6)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))


def build_model():
    return LandmarkNet()


def write_dataset(root, rng, n=10):
    with open(os.path.join(root, "face_landmarks.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["image_name"] + [f"part_{i}_{c}" for i in range(3) for c in "xy"])
        for i in range(n):
            h, w = 16 + 2 * (i % 3), 14 + 2 * (i % 2)
            image = rng.uniform(size=(h, w, 3)).astype(np.float32)
            points = np.stack([rng.uniform(2, w - 2, 3), rng.uniform(2, h - 2, 3)], 1)
            for x, y in points:
                image[int(y), int(x)] = 1.0  # a bright landmark
            np.save(os.path.join(root, f"face_{i}.npy"), image)
            writer.writerow([f"face_{i}.npy"] + [f"{v:.2f}" for v in points.ravel()])


def run(model, workdir):
    rng = np.random.default_rng(44)
    write_dataset(workdir, rng)
    csv_file = os.path.join(workdir, "face_landmarks.csv")
    face_dataset = FaceLandmarksDataset(csv_file=csv_file, root_dir=workdir)
    first = face_dataset[torch.tensor(1)]
    results = {
        "raw": [len(face_dataset), list(first["image"].shape), first["landmarks"].tolist()],
        "header": face_dataset.header[:3],
    }

    transformed_dataset = FaceLandmarksDataset(
        csv_file=csv_file,
        root_dir=workdir,
        transform=Compose([Rescale(14), RandomCrop(12, np.random.default_rng(0)), ToTensor()]),
    )
    dataloader = DataLoader(transformed_dataset, batch_size=4, shuffle=False, num_workers=0)
    shapes = []
    for i_batch, sample_batched in enumerate(dataloader):
        shapes.append([i_batch, list(sample_batched["image"].size()), list(sample_batched["landmarks"].size())])
    results["batches"] = shapes

    # A landmark regressor on the transformed samples (fresh crops each epoch, from the same seed).
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(3):
        for sample_batched in DataLoader(transformed_dataset, batch_size=5, drop_last=True):
            images = sample_batched["image"].float()
            target = sample_batched["landmarks"].float().flatten(1) / 12
            optimizer.zero_grad()
            loss = F.mse_loss(model(images), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    results["losses"] = losses

    # The torch.utils.data documentation's pieces.
    stream = RangeStream(3, 10)
    results["stream"] = [
        [b.tolist() for b in DataLoader(stream, batch_size=3)],
        [int(x) for x in DataLoader(stream, batch_size=None)],
        torch.utils.data.get_worker_info() is None,
    ]
    rngs = np.random.default_rng(5)
    sequences = [torch.from_numpy(rngs.normal(size=(k, 2)).astype(np.float32)) for k in (3, 1, 4, 2, 5)]
    labels = [torch.tensor(k % 2) for k in range(5)]
    padded = [
        (p.shape, lengths.tolist(), y.tolist(), p.sum().item())
        for p, lengths, y in DataLoader(list(zip(sequences, labels)), batch_size=2, collate_fn=pad_collate)
    ]
    results["padded"] = [[list(s), n, y, total] for s, n, y, total in padded]
    collated = default_collate([{"x": np.ones(2), "id": 1, "tag": "a"}, {"x": np.zeros(2), "id": 2, "tag": "b"}])
    results["collated"] = [collated["x"].tolist(), collated["id"].tolist(), collated["tag"]]

    a = TensorDataset(torch.arange(4.0), torch.arange(4))
    b = TensorDataset(torch.arange(10.0, 13.0), torch.arange(3))
    both = ConcatDataset([a, b])
    plus = a + b
    stacked = StackDataset(image=torch.arange(5.0), label=torch.arange(5) % 2)
    results["datasets"] = [
        len(both),
        both.cumulative_sizes,
        [v.item() for v in both[5]],
        len(plus),
        [v.item() for v in Subset(both, [6, 0])[0]],
        {k: v.item() for k, v in stacked[3].items()},
    ]
    batch_sampler = BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)
    results["batch_sampler"] = [x.tolist() for x, _ in DataLoader(both, batch_sampler=batch_sampler)]
    weighted = WeightedRandomSampler([0.1, 0.0, 0.9, 0.5], num_samples=8, replacement=True)
    drawn = list(weighted)
    subset = SubsetRandomSampler([4, 2, 6])
    results["samplers"] = [len(weighted), len(drawn), 1 not in drawn, len(subset), sorted(subset)]
    return results
