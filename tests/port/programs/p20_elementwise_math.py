"""Elementwise math of medical-imaging and numerical code: log-odds, losses written by hand,
orientations of image gradients, periodic coordinates and the gamma family, in a tiny
edge-and-orientation net and an evidential classifier trained for a few steps.

The idioms: torchvision's `sigmoid_focal_loss` written out (`torch.sigmoid`,
`F.binary_cross_entropy_with_logits(..., reduction="none")`, `p_t`, `(1 - p_t) ** gamma`, `alpha_t`)
and RetinaNet's prior-probability bias (`-math.log((1 - prior) / prior)`, checked against
`torch.logit(torch.tensor(prior))`); `torch.logit(p, eps=1e-6)` of a probability map that has
exact 0s and 1s; the entropy of a softmax as `-torch.xlogy(p, p).sum(1)` and a KL divergence as
`torch.xlogy(p, p) - torch.xlogy(p, q)` and `torch.special.entr` (uncertainty maps, as MONAI's and scikit-learn's
`xlogy`); `torch.special.expit`; `torch.logaddexp` / `torch.logaddexp2` for two-component log-likelihoods; Sobel
gradients with `F.conv2d`, their magnitude by `torch.hypot(gx, gy)` and orientation by
`torch.atan2(gy, gx)` (`torch.arctan2`), `torch.rad2deg` / `torch.deg2rad`, undirected
orientations folded with `torch.remainder(theta, math.pi)` and `torch.fmod`, an angular loss on a
predicted `(cos, sin)` pair whose difference is wrapped to [-pi, pi) with
`torch.remainder(d + math.pi, 2 * math.pi) - math.pi`; sub-pixel offsets with `torch.frac` and a
Lanczos kernel `torch.sinc(x) * torch.sinc(x / a)`; the von Mises log-density with
`torch.log(torch.i0(kappa))`; Sensoy et al.'s evidential (Dirichlet) loss with `torch.digamma`
and its KL term with `torch.lgamma`, a Student-t log-likelihood with `torch.lgamma`, the Wishart
normaliser `torch.mvlgamma(x, p)`, a log-cosh loss `torch.log(torch.cosh(err))`, the CIoU box
loss's `torch.atan(w / h)` and `torch.polygamma(1, x)` (a Fisher information);
`clamp_min(eps)` in a normalisation, `torch.copysign`, `torch.signbit` of `-0.0`,
`torch.heaviside` as a hard step, `torch.float_power` for a statistic in float64, patch sizes with
`torch.gcd` / `torch.lcm`, and label bit-masks with `torch.bitwise_and` / `bitwise_or` / `^`.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = {"rtol": 2e-4, "atol": 1e-5}


class EdgeOrientationNet(nn.Module):
    """Per pixel: an edge logit and an orientation as a (cos, sin) pair."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.Tanh())
        self.edge = nn.Conv2d(6, 1, 1)
        self.orientation = nn.Conv2d(6, 2, 1)
        prior = 0.1  # RetinaNet: the classifier starts at the prior probability
        nn.init.constant_(self.edge.bias, -math.log((1 - prior) / prior))

    def forward(self, x):
        h = self.features(x)
        return self.edge(h), self.orientation(h)


class EvidentialClassifier(nn.Module):
    def __init__(self, n_in=4, n_classes=3):
        super().__init__()
        self.fc = nn.Linear(n_in, n_classes)

    def forward(self, x):
        return F.softplus(self.fc(x))  # evidence >= 0


class Both(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = EdgeOrientationNet()
        self.evidential = EvidentialClassifier()


def build_model():
    return Both()


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).mean()


def sobel(images):
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]).view(1, 1, 3, 3)
    ky = kx.transpose(2, 3).contiguous()
    padded = F.pad(images, (1, 1, 1, 1), mode="replicate")
    return F.conv2d(padded, kx), F.conv2d(padded, ky)


def wrap_angle(d):
    return torch.remainder(d + math.pi, 2 * math.pi) - math.pi


def angular_loss(pred, theta, weight):
    cos, sin = pred[:, 0:1], pred[:, 1:2]
    norm = torch.hypot(cos, sin).clamp_min(1e-6)
    predicted = torch.atan2(sin / norm, cos / norm)
    # Undirected edges: theta and theta + pi are the same orientation.
    d = wrap_angle(2 * (predicted - theta)) / 2
    return (weight * (1 - torch.cos(2 * d))).sum() / weight.sum().clamp_min(1.0)


def evidential_loss(evidence, y, epoch, n_classes=3):
    alpha = evidence + 1
    S = alpha.sum(dim=1, keepdim=True)
    one_hot = F.one_hot(y, n_classes).float()
    fit = (one_hot * (torch.digamma(S) - torch.digamma(alpha))).sum(dim=1)
    alpha_tilde = one_hot + (1 - one_hot) * alpha
    S_tilde = alpha_tilde.sum(dim=1, keepdim=True)
    kl = (
        torch.lgamma(S_tilde).squeeze(1)
        - math.lgamma(n_classes)
        - torch.lgamma(alpha_tilde).sum(dim=1)
        + ((alpha_tilde - 1) * (torch.digamma(alpha_tilde) - torch.digamma(S_tilde))).sum(dim=1)
    )
    annealing = min(1.0, epoch / 10)
    return (fit + annealing * kl).mean()


def make_images(rng, n=4, size=12):
    yy, xx = np.mgrid[:size, :size].astype(np.float64)
    images = []
    for _ in range(n):
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(-2, 2)
        dist = (xx - size / 2) * np.cos(angle) + (yy - size / 2) * np.sin(angle) - offset
        images.append(1.0 / (1.0 + np.exp(-2.0 * dist)) + 0.05 * rng.standard_normal((size, size)))
    return torch.tensor(np.stack(images)[:, None].astype(np.float32))


def run(model, workdir):
    rng = np.random.default_rng(20)
    images = make_images(rng)
    gx, gy = sobel(images)
    magnitude = torch.hypot(gx, gy)
    theta = torch.atan2(gy, gx)
    edges = (magnitude > 0.5 * magnitude.amax()).float()
    undirected = torch.remainder(theta, math.pi)
    degrees = torch.rad2deg(undirected)
    bins = torch.histc(degrees[edges.bool()], bins=6, min=0.0, max=180.0)

    prior_bias = -math.log((1 - 0.1) / 0.1)
    net, classifier = model.net, model.evidential
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    features = torch.tensor(rng.standard_normal((12, 4)).astype(np.float32))
    labels = torch.tensor(rng.integers(0, 3, size=12))
    history = {"focal": [], "angular": [], "evidential": []}
    for epoch in range(4):
        optimizer.zero_grad()
        edge_logits, orientation = net(images)
        focal = sigmoid_focal_loss(edge_logits, edges)
        angular = angular_loss(orientation, theta, edges)
        evidential = evidential_loss(classifier(features), labels, epoch)
        loss = focal + 0.1 * angular + 0.1 * evidential
        loss.backward()
        optimizer.step()
        history["focal"].append(focal.item())
        history["angular"].append(angular.item())
        history["evidential"].append(evidential.item())

    with torch.no_grad():
        edge_logits, orientation = net(images)
        p = torch.sigmoid(edge_logits)
        hard = torch.heaviside(edge_logits, torch.tensor(0.5))
        # Uncertainty of a 3-class softmax, and a KL divergence with xlogy (0 log 0 = 0).
        probs = torch.softmax(torch.tensor(rng.standard_normal((5, 3)).astype(np.float32)) * 4, dim=1)
        probs = torch.cat([probs, torch.tensor([[1.0, 0.0, 0.0]])])
        entropy = -torch.xlogy(probs, probs).sum(dim=1)
        uniform = torch.full_like(probs, 1 / 3)
        kl = (torch.xlogy(probs, probs) - torch.xlogy(probs, uniform)).sum(dim=1)
        entropy_special = torch.special.entr(probs).sum(dim=1)
        expit = torch.special.expit(edge_logits).mean()
        log_mix = torch.logaddexp(
            torch.log(torch.tensor(0.3)) + edge_logits, torch.log(torch.tensor(0.7)) - edge_logits
        )
        bits_mix = torch.logaddexp2(torch.tensor([3.0, -1.0]), torch.tensor([3.0, 2.0]))
        logits_back = torch.logit(p.clamp(0, 1).flatten()[:8], eps=1e-6)
        saturated = torch.logit(torch.tensor([0.0, 0.5, 1.0]), eps=1e-6)
        alpha = classifier(features) + 1
        uncertainty = 3 / alpha.sum(dim=1)
        var_fisher = torch.polygamma(1, alpha).mean()

    # Periodic coordinates: phases, sub-pixel offsets, a Lanczos kernel.
    phases = torch.tensor(np.linspace(-9.0, 9.0, 13).astype(np.float32))  # off the wrap points
    wrapped = wrap_angle(phases)
    folded = torch.fmod(phases, 2 * math.pi)
    coords = torch.tensor([-1.75, -0.25, 0.0, 0.5, 2.25])
    offsets = torch.frac(coords)
    floor_offsets = coords - torch.floor(coords)
    a = 2
    x = torch.linspace(-2.0, 2.0, 9)
    lanczos = torch.sinc(x) * torch.sinc(x / a)
    sign_fixed = torch.copysign(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-0.0, 0.0, -5.0]))
    negative_zero = torch.signbit(torch.tensor([-0.0, 0.0, -1.0]))
    relu_zero = torch.signbit(torch.clamp(torch.tensor([-0.0, -1.0]), min=0.0))

    # Densities with the gamma family and Bessel functions.
    kappa, mu = torch.tensor([0.5, 2.0, 8.0]), torch.tensor(0.3)
    angles = torch.tensor([0.0, 0.5, -2.0])
    von_mises = kappa * torch.cos(angles - mu) - math.log(2 * math.pi) - torch.log(torch.i0(kappa))
    nu, t = torch.tensor(4.0), torch.tensor([0.0, 1.0, -3.0])
    student_t = (
        torch.lgamma((nu + 1) / 2)
        - torch.lgamma(nu / 2)
        - 0.5 * torch.log(nu * math.pi)
        - (nu + 1) / 2 * torch.log1p(t**2 / nu)
    )
    wishart_norm = torch.mvlgamma(torch.tensor([3.5, 6.0]), p=3)
    # A log-cosh regression loss and the CIoU box loss's aspect-ratio term (torchvision).
    err = torch.tensor([0.1, -2.0, 5.0])
    log_cosh = torch.log(torch.cosh(err)).mean()
    w, h, w_gt, h_gt = (
        torch.tensor([2.0, 1.0]),
        torch.tensor([1.0, 3.0]),
        torch.tensor([1.5, 1.0]),
        torch.tensor([1.0, 2.0]),
    )
    v = (4 / math.pi**2) * torch.pow(torch.atan(w_gt / h_gt) - torch.atan(w / h), 2)
    total_var = torch.float_power(images.flatten()[:20], 2).sum()

    # Integers: patch sizes and label bit-masks.
    strides = torch.tensor([4, 6, 8])
    patch = torch.lcm(strides, torch.tensor(6))
    common = torch.gcd(strides, torch.tensor([12, 9, 20]))
    labels_map = torch.tensor(rng.integers(0, 8, size=(4, 4)))
    liver, tumour = torch.bitwise_and(labels_map, 1) > 0, (labels_map & 2) > 0
    merged = torch.bitwise_or(labels_map, 4) ^ torch.tensor(1)

    return {
        "history": history,
        "bias_is_logit": abs(prior_bias - torch.logit(torch.tensor(0.1)).item()) < 1e-6,
        "magnitude_mean": magnitude.mean().item(),
        "edges": edges.sum().item(),
        "orientation_bins": bins.tolist(),
        "degrees_range": [degrees.min().item(), degrees.max().item()],
        "deg2rad_back": torch.deg2rad(degrees).sub(undirected).abs().max().item() < 1e-5,
        "arctan2_is_atan2": torch.equal(torch.arctan2(gy, gx), theta),
        "p_mean": p.mean().item(),
        "hard_mean": hard.mean().item(),
        "entropy": entropy.tolist(),
        "kl": kl.tolist(),
        "entropy_special": entropy_special.tolist(),
        "expit": expit.item(),
        "log_mix_mean": log_mix.mean().item(),
        "bits_mix": bits_mix.tolist(),
        "logits_back": logits_back.tolist(),
        "saturated": saturated.tolist(),
        "uncertainty": uncertainty.tolist(),
        "fisher": var_fisher.item(),
        "wrapped": wrapped.tolist(),
        "folded": folded.tolist(),
        "offsets": offsets.tolist(),
        "floor_offsets": floor_offsets.tolist(),
        "lanczos": lanczos.tolist(),
        "copysign": sign_fixed.tolist(),
        "signbit": negative_zero.tolist(),
        "clamp_keeps_negative_zero": relu_zero.tolist(),
        "von_mises": von_mises.tolist(),
        "student_t": student_t.tolist(),
        "wishart_norm": wishart_norm.tolist(),
        "log_cosh": log_cosh.item(),
        "ciou_v": v.tolist(),
        "float_power": [total_var.item(), str(total_var.dtype).replace("torch.", "")],
        "patch": patch.tolist(),
        "common": common.tolist(),
        "masks": [liver.sum().item(), tumour.sum().item(), merged.sum().item()],
        "merged_dtype": str(merged.dtype).replace("torch.", ""),
    }
