"""A Siamese/triplet embedding network for content-based image retrieval, trained with a
hand-written contrastive loss, `nn.TripletMarginLoss` and `nn.CosineEmbeddingLoss`.

The idioms of metric-learning code (adambielski's siamese-triplet repository, its `EmbeddingNet`,
`SiameseNet`, `TripletNet` and hand-written `ContrastiveLoss`; PyTorch's loss documentation;
medical content-based retrieval papers that rank a database by embedding distance): an embedding
net of `nn.Conv2d`, `nn.PReLU`, `nn.MaxPool2d` and `nn.Hardswish` (MobileNetV3's unit), flattened
with `x.view(x.size(0), -1)`, and a projection head with `nn.Mish`, `nn.SELU` and `nn.GLU(dim=1)`;
a `SiameseNet` and a `TripletNet` sharing it, with `get_embedding`; the contrastive loss written by
hand from `(output2 - output1).pow(2).sum(1)`, `F.relu(margin - (distances + eps).sqrt()).pow(2)`
and `target.float()`; `nn.TripletMarginLoss(margin=1.0, p=2)` and its `swap=True` variant;
`F.pairwise_distance` against the loss's own distance, `nn.PairwiseDistance(p=1.0, keepdim=True)`;
`nn.CosineSimilarity(dim=1, eps=1e-6)` and `nn.CosineEmbeddingLoss(margin=0.2)` on
`F.normalize(emb, p=2, dim=1)` embeddings; `nn.TripletMarginWithDistanceLoss(distance_function=
lambda x, y: 1.0 - F.cosine_similarity(x, y))`; `nn.MarginRankingLoss` on similarity scores;
retrieval by `torch.cdist` and `topk(k, largest=False)` with precision@k and soft assignments by
`F.softmin(distances, dim=1)`; `torch.cosine_similarity` and `torch.pairwise_distance` at the top
level; `torch.optim.Adam` with `StepLR`; `model.eval()` and
`torch.no_grad()`. Data are NumPy images of three classes (a bright square in one of three places).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}


class EmbeddingNet(nn.Module):
    def __init__(self, embedding_size=4):
        super().__init__()
        self.convnet = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.PReLU(),
            nn.MaxPool2d(2, stride=2),
            nn.Conv2d(4, 8, 3, padding=1),
            nn.Hardswish(),
            nn.MaxPool2d(2, stride=2),
        )
        self.fc = nn.Sequential(
            nn.Linear(8 * 2 * 2, 16),
            nn.Mish(),
            nn.Linear(16, 16),
            nn.SELU(),
            nn.Linear(16, 2 * embedding_size),
            nn.GLU(dim=1),
        )

    def forward(self, x):
        output = self.convnet(x)
        output = output.view(output.size(0), -1)
        return self.fc(output)

    def get_embedding(self, x):
        return self.forward(x)


class SiameseNet(nn.Module):
    def __init__(self, embedding_net):
        super().__init__()
        self.embedding_net = embedding_net

    def forward(self, x1, x2):
        return self.embedding_net(x1), self.embedding_net(x2)

    def get_embedding(self, x):
        return self.embedding_net(x)


class TripletNet(nn.Module):
    def __init__(self, embedding_net):
        super().__init__()
        self.embedding_net = embedding_net

    def forward(self, x1, x2, x3):
        return self.embedding_net(x1), self.embedding_net(x2), self.embedding_net(x3)


class ContrastiveLoss(nn.Module):
    """Takes embeddings of two samples and a target label == 1 if they are from the same class."""

    def __init__(self, margin):
        super().__init__()
        self.margin = margin
        self.eps = 1e-9

    def forward(self, output1, output2, target, size_average=True):
        distances = (output2 - output1).pow(2).sum(1)  # squared distances
        losses = 0.5 * (
            target.float() * distances
            + (1 + -1 * target).float() * F.relu(self.margin - (distances + self.eps).sqrt()).pow(2)
        )
        return losses.mean() if size_average else losses.sum()


def build_model():
    return SiameseNet(EmbeddingNet())


def make_images(labels, rng):
    images = 0.3 * rng.standard_normal((len(labels), 1, 8, 8))
    for i, c in enumerate(labels):
        r, s = [(0, 0), (4, 4), (0, 4)][c]
        images[i, 0, r : r + 4, s : s + 4] += 1.5
    return torch.tensor(images.astype(np.float32))


def run(model, workdir):
    rng = np.random.default_rng(18)
    labels = rng.integers(0, 3, size=36)
    images = make_images(labels, rng)
    targets = torch.tensor(labels)

    # Pairs: half from the same class (target 1), half from another (target 0).
    first = rng.integers(0, 36, size=24)
    same = np.array([rng.choice(np.flatnonzero(labels == labels[i])) for i in first[:12]])
    other = np.array([rng.choice(np.flatnonzero(labels != labels[i])) for i in first[12:]])
    second = np.concatenate([same, other])
    pair_target = torch.tensor((labels[first] == labels[second]).astype(np.int64))

    contrastive = ContrastiveLoss(margin=1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    history = {"contrastive": [], "triplet": [], "cosine": [], "lr": []}
    model.train()
    for epoch in range(3):
        optimizer.zero_grad()
        out1, out2 = model(images[first], images[second])
        loss = contrastive(out1, out2, pair_target)
        loss.backward()
        optimizer.step()
        scheduler.step()
        history["contrastive"].append(loss.item())
        history["lr"].append(scheduler.get_last_lr()[0])

    # Triplets with the same embedding net: anchor, positive (same class), negative.
    triplet_net = TripletNet(model.embedding_net)
    anchors = rng.integers(0, 36, size=12)
    positives = np.array([rng.choice(np.flatnonzero(labels == labels[i])) for i in anchors])
    negatives = np.array([rng.choice(np.flatnonzero(labels != labels[i])) for i in anchors])
    triplet_loss = nn.TripletMarginLoss(margin=1.0, p=2)
    swapped = nn.TripletMarginLoss(margin=1.0, p=2, swap=True, reduction="sum")
    for step in range(3):
        optimizer.zero_grad()
        a, p, n = triplet_net(images[anchors], images[positives], images[negatives])
        loss = triplet_loss(a, p, n)
        loss.backward()
        optimizer.step()
        history["triplet"].append(loss.item())
    history["triplet_swap_sum"] = swapped(a, p, n).item()
    # The loss's distance is F.pairwise_distance (eps=1e-6 added to the difference).
    d_pos, d_neg = F.pairwise_distance(a, p), F.pairwise_distance(a, n)
    by_hand = torch.clamp(1.0 + d_pos - d_neg, min=0.0).mean().item()
    l1 = nn.PairwiseDistance(p=1.0, keepdim=True)(a, n)

    # Cosine embedding loss on L2-normalised embeddings.
    cosine_loss = nn.CosineEmbeddingLoss(margin=0.2)
    cos = nn.CosineSimilarity(dim=1, eps=1e-6)
    cos_target = 2 * pair_target - 1  # labels 1 / -1
    for step in range(2):
        optimizer.zero_grad()
        e1 = F.normalize(model.get_embedding(images[first]), p=2, dim=1)
        e2 = F.normalize(model.get_embedding(images[second]), p=2, dim=1)
        loss = cosine_loss(e1, e2, cos_target)
        loss.backward()
        optimizer.step()
        history["cosine"].append(loss.item())
    cos_distance = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.5
    )
    ranking = nn.MarginRankingLoss(margin=0.1)

    # Retrieval: rank the database by distance to each query.
    model.eval()
    with torch.no_grad():
        emb = model.get_embedding(images)
        a, p, n = triplet_net(images[anchors], images[positives], images[negatives])
        cos_triplet = cos_distance(a, p, n).item()
        rank = ranking(cos(a, p), cos(a, n), torch.ones(len(anchors))).item()
        dist = torch.cdist(emb[:6], emb[6:])
        _, nearest = dist.topk(5, dim=1, largest=False)
        hits = targets[6:][nearest] == targets[:6].unsqueeze(1)
        precision_at_5 = hits.float().mean().item()
        soft = F.softmin(dist, dim=1)
        similarity = cos(emb[:6], emb[6:12])
        top_level = torch.cosine_similarity(emb[:6], emb[6:12], dim=1) - torch.pairwise_distance(emb[:6], emb[6:12])
    return {
        "history": history,
        "by_hand_equals_loss": abs(by_hand - history["triplet"][-1]) < 1.0,
        "triplet_by_hand": by_hand,
        "l1_shape": list(l1.shape),
        "l1_mean": l1.mean().item(),
        "cos_triplet": cos_triplet,
        "ranking": rank,
        "precision_at_5": precision_at_5,
        "nearest_is_int64": nearest.dtype == torch.int64,
        "soft_rows": soft.sum(dim=1).tolist(),
        "soft_max": soft.max().item(),
        "similarity": similarity.tolist(),
        "top_level": top_level.tolist(),
        "embedding_shape": list(emb.shape),
        "model": str(model.embedding_net.fc),
    }
