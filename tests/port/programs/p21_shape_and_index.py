"""Patches, flips and rotations, ragged batches and masks: the shape and index code of data pipelines.

The idioms of augmentation in PyTorch code (`torch.rot90(img, k, dims=(-2, -1))` and
`torch.flip`/`fliplr`/`flipud` as in torchvision's functional transforms and MONAI's `Rotate90`/
`Flip`, test-time augmentation averaging the predictions of the eight dihedral views), of patch
extraction with `Tensor.unfold` (`x.unfold(2, p, p).unfold(3, p, p)` of ViT/MAE patchify code,
`.permute(...).reshape(...)`, `F.fold`-free reassembly), of ragged batches (`torch.tensor_split`,
`torch.cat`, `pad_sequence`-style right padding, lengths to a mask with `arange(T)[None] <
lengths[:, None]`, `torch.argwhere` of the mask, `masked_fill`), of top-k retrieval
(`scores.topk(k, dim=1).indices` then `torch.take_along_dim(values, idx, dim=1)`, `torch.gather`),
of positional grids (`torch.cartesian_prod`, `torch.tril_indices` for pairwise terms,
`torch.combinations`), of `tile`, `broadcast_to`, `broadcast_tensors`, `movedim` (channels last
for a per-pixel linear layer), `diag_embed` (a batch of diagonal covariances),
`torch.block_diag`, `torch.kron`, `index_fill_`/`index_copy_`/`fill_diagonal_` and
`unique_consecutive` (run-length encoding of a label map, as in COCO's RLE); and a few training
steps of a small patch classifier.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class PatchClassifier(nn.Module):
    """Patchify with unfold, embed each patch, average, classify (a ViT without attention)."""

    def __init__(self, patch=4, dim=8, classes=3):
        super().__init__()
        self.patch = patch
        self.embed = nn.Linear(patch * patch, dim)
        self.pos = nn.Parameter(torch.zeros(1, 4, dim))
        self.head = nn.Linear(dim, classes)

    def patchify(self, x):
        p = self.patch
        patches = x.unfold(2, p, p).unfold(3, p, p)  # (B, C, H/p, W/p, p, p)
        B, C, h, w = patches.shape[:4]
        return patches.permute(0, 2, 3, 1, 4, 5).reshape(B, h * w, C * p * p)

    def forward(self, x):
        tokens = self.embed(self.patchify(x)) + self.pos
        return self.head(torch.tanh(tokens).mean(dim=1))


def build_model():
    return PatchClassifier()


def dihedral(x):
    """The eight views of a square image batch: four rotations, each also mirrored."""
    views = [torch.rot90(x, k, dims=(-2, -1)) for k in range(4)]
    return views + [torch.flip(v, dims=[-1]) for v in views]


def train(model, rng):
    images = rng.normal(size=(12, 1, 8, 8)).astype(np.float32)
    labels = torch.from_numpy(np.arange(12) % 3)
    x = torch.from_numpy(images)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    losses = []
    for step in range(4):
        # augmentation: a quarter turn or a mirror image, chosen by the step
        batch = torch.rot90(x, step, dims=(2, 3)) if step % 2 == 0 else x.flip(-1)
        loss = F.cross_entropy(model(batch), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        tta = torch.stack([F.softmax(model(v), dim=1) for v in dihedral(x[:2])]).mean(0)
        patches = model.patchify(x[:1])
        # patches put back: (1, 4, 16) -> (1, 1, 8, 8)
        back = patches.reshape(1, 2, 2, 4, 4).permute(0, 1, 3, 2, 4).reshape(1, 1, 8, 8)
    return {
        "losses": losses,
        "tta": tta.tolist(),
        "patch_shape": list(patches.shape),
        "patches_round_trip": torch.equal(back, x[:1]),
        "rot_four_times": torch.equal(torch.rot90(x, 4, (2, 3)), x),
        "rot_inverse": torch.equal(torch.rot90(torch.rot90(x, 1, [2, 3]), -1, [2, 3]), x),
        "fliplr": torch.equal(torch.fliplr(x[0, 0]), x[0, 0].flip(1)),
        "flipud": torch.equal(torch.flipud(x[0, 0]), x[0, 0].flip(0)),
    }


def ragged(rng):
    lengths = torch.tensor([3, 1, 4, 2])
    flat = torch.from_numpy(rng.normal(size=(10, 2)).astype(np.float32))
    pieces = torch.tensor_split(flat, torch.cumsum(lengths, 0)[:-1].tolist())
    T = int(lengths.max())
    padded = torch.stack([torch.cat([p, p.new_zeros(T - len(p), 2)]) for p in pieces])
    mask = torch.arange(T)[None, :] < lengths[:, None]
    where = torch.argwhere(mask)
    means = padded.sum(1) / lengths[:, None]
    masked = padded[..., 0].masked_fill(~mask, float("-inf"))
    return {
        "piece_lengths": [len(p) for p in pieces],
        "even_split": [len(p) for p in flat.tensor_split(3)],
        "padded_shape": list(padded.shape),
        "positions": where.tolist(),
        "n_valid": where.shape[0],
        "means": means.tolist(),
        "row_max": masked.max(dim=1).values.tolist(),
        "hsplit": [list(p.shape) for p in torch.hsplit(padded, [1])],
    }


def retrieval(rng):
    queries = torch.from_numpy(rng.normal(size=(3, 4)).astype(np.float32))
    keys = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float32))
    values = torch.arange(6.0).tile((3, 1)) * 10  # (3, 6): each row the values of the keys
    scores = queries @ keys.T
    top = scores.topk(2, dim=1)
    picked = torch.take_along_dim(values, top.indices, dim=1)
    same = torch.equal(picked, values.gather(1, top.indices))
    order = scores.argsort(dim=1, descending=True)
    return {
        "picked": picked.tolist(),
        "same_as_gather": same,
        "sorted_scores": torch.take_along_dim(scores, order, dim=1)[:, :3].tolist(),
        "flat_take": torch.take(scores, torch.tensor([0, 7, -1])).tolist(),
        "best_keys": torch.take_along_dim(scores, scores.argmax(dim=1, keepdim=True), dim=1).squeeze(1).tolist(),
    }


def grids_and_blocks(rng):
    ys, xs = torch.arange(3), torch.arange(2)
    coords = torch.cartesian_prod(ys, xs)
    i, j = torch.tril_indices(4, 4, offset=-1)
    points = torch.from_numpy(rng.normal(size=(4, 2)).astype(np.float32))
    pair_dist = (points[i] - points[j]).norm(dim=1)
    pairs = torch.combinations(torch.arange(4), r=2)
    var = torch.from_numpy(rng.uniform(0.5, 2.0, size=(2, 3)).astype(np.float32))
    cov = torch.diag_embed(var)
    image = torch.from_numpy(rng.normal(size=(2, 3, 2, 2)).astype(np.float32))  # (N, C, H, W)
    channels_last = torch.movedim(image, 1, -1)
    W = torch.from_numpy(rng.normal(size=(3, 5)).astype(np.float32))
    per_pixel = torch.movedim(channels_last @ W, -1, 1)  # a 1x1 convolution, written as a product
    bias, grid = torch.broadcast_tensors(torch.ones(1, 3), torch.zeros(2, 1))
    M = torch.eye(3)
    M.fill_diagonal_(2.0)
    M.index_fill_(1, torch.tensor([0]), -1.0)
    M.index_copy_(0, torch.tensor([2]), torch.ones(1, 3) * 5)
    labels = torch.tensor([0, 0, 1, 1, 1, 0, 2, 2])
    runs, counts = torch.unique_consecutive(labels, return_counts=True)
    return {
        "coords": coords.tolist(),
        "pairs_equal": torch.equal(torch.stack([j, i], dim=1).sort(dim=0).values, pairs.sort(dim=0).values),
        "pair_dist": pair_dist.tolist(),
        "cov_diag": torch.diagonal(cov, dim1=-2, dim2=-1).tolist(),
        "cov_shape": list(cov.shape),
        "per_pixel_shape": list(per_pixel.shape),
        "per_pixel_sum": per_pixel.sum().item(),
        "broadcast": [list(bias.shape), list(grid.shape), torch.broadcast_to(torch.tensor([1, 2]), (2, 2)).tolist()],
        "block": torch.block_diag(torch.ones(2, 2), torch.tensor([[3.0]])).tolist(),
        "kron": torch.kron(torch.eye(2), torch.tensor([[1.0, 2.0]])).tolist(),
        "M": M.tolist(),
        "rle": [runs.tolist(), counts.tolist()],
        "tile": torch.tile(torch.tensor([1, 2]), (2, 2)).tolist(),
        "dstack": list(torch.dstack([image[0, 0], image[0, 1]]).shape),
    }


def run(model, workdir=None):
    rng = np.random.default_rng(21)
    return {
        "train": train(model, rng),
        "ragged": ragged(rng),
        "retrieval": retrieval(rng),
        "grids": grids_and_blocks(rng),
    }
