"""Intensity preprocessing of 3-D scans, then a tiny 3-D segmentation net trained on the result.

The idioms of medical-imaging preprocessing code: nnU-Net's CT normalisation (clip the foreground
to its 0.5/99.5 percentiles with `torch.quantile` on `img[mask]`, then z-score with the
foreground's `std_mean`), MONAI's `ScaleIntensityRangePercentiles` (`torch.quantile(img, q /
100)`, rescale, `torch.clamp`) and `NormalizeIntensity(nonzero=True)` (`img[img != 0].mean()`,
`.std(unbiased=False)`), TorchIO's `ZNormalization` with a mask and its histogram standardisation
(landmarks by `torch.quantile` with a tensor of quantiles, mapped by `torch.bucketize` and a
piecewise-linear `torch.lerp`), the percentile-by-`kthvalue` recipe
(`t.view(-1).kthvalue(k).values`), robust statistics (`median()` of a mask's voxels, the median
absolute deviation, `torch.median(dim=...)` returning `(values, indices)`), scans with NaN outside
the field of view (`torch.nanmean`, `torch.nanmedian`, `torch.nanquantile`, `torch.nansum`,
`torch.nan_to_num`, `torch.isnan(...).sum()`), histograms (`torch.histc(x, bins, min, max)`, a
cumulative histogram with `cumsum` for histogram equalisation via `torch.searchsorted`), the
DDPM noise schedule (`torch.cumprod(1 - betas, dim=0)`, `torch.linspace`), `torch.diff` of a
sorted intensity profile, an intensity centroid from `torch.meshgrid(..., indexing="ij")`, the
Gaussian CDF and the rank-based inverse normal transform (`torch.erf`, `torch.erfinv`), a label
merge with `torch.isin`, per-label statistics with `scatter_reduce(..., reduce="mean"|"amax",
include_self=False)`, an exponential moving average of the batch statistics with `lerp_`, an
intensity augmentation with `torch.addcmul`, and a NumPy array of spacings broadcast against a
tensor (dtype by NumPy's rule). The model is MONAI-like: `nn.Conv3d`, `nn.InstanceNorm3d`,
`nn.LeakyReLU`, trained with `BCEWithLogitsLoss` and `torch.optim.Adam`.
"""

import math

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = {"rtol": 2e-4, "atol": 1e-5}


class TinySegNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 4, kernel_size=3, padding=1)
        self.norm = nn.InstanceNorm3d(4, affine=True)
        self.act = nn.LeakyReLU(0.01)
        self.head = nn.Conv3d(4, 1, kernel_size=1)

    def forward(self, x):
        return self.head(self.act(self.norm(self.conv1(x))))


def build_model():
    return TinySegNet()


def make_scans(rng, n=3, size=8):
    zz, yy, xx = np.mgrid[:size, :size, :size]
    scans, masks = [], []
    for _ in range(n):
        c = rng.uniform(2.5, 5.5, size=3)
        lesion = ((zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2) <= rng.uniform(4, 7)
        body = ((zz - 3.5) ** 2 + (yy - 3.5) ** 2) <= 12
        scan = 40.0 + 15.0 * rng.standard_normal((size, size, size)) + 60.0 * lesion
        scan[~body] = -1000.0  # air outside the body, as in CT
        scans.append(scan)
        masks.append(lesion & body)
    return torch.tensor(np.stack(scans), dtype=torch.float32), torch.tensor(np.stack(masks))


def ct_normalise(img, body):
    # nnU-Net: clip to the foreground's percentiles, then z-score with its statistics.
    fg = img[body]
    lower, upper = torch.quantile(fg, torch.tensor([0.005, 0.995]))
    img = torch.clamp(img, lower.item(), upper.item())
    std, mean = torch.std_mean(img[body])
    return (img - mean) / max(std.item(), 1e-8), (lower.item(), upper.item())


def monai_percentiles(img, lower=1.0, upper=99.0, b_min=0.0, b_max=1.0):
    a_min = torch.quantile(img, lower / 100.0)
    a_max = torch.quantile(img, upper / 100.0, interpolation="linear")
    img = (img - a_min) / (a_max - a_min)
    img = img * (b_max - b_min) + b_min
    return torch.clamp(img, b_min, b_max)


def percentile(t, q):
    # The kthvalue recipe: 1-based rank of the q-th percentile.
    k = 1 + round(0.01 * float(q) * (t.numel() - 1))
    return t.view(-1).kthvalue(k).values.item()


def statistics(scans, masks, rng):
    body = scans > -500
    normalised, clip = ct_normalise(scans[0], body[0])
    fg = scans[body]
    nonzero = normalised[normalised != 0]
    med = fg.median()
    mad = (fg - med).abs().median()
    per_scan = torch.median(scans.flatten(1), dim=1)
    modes = {
        m: torch.quantile(fg, 0.3, interpolation=m).item() for m in ["linear", "lower", "higher", "midpoint", "nearest"]
    }
    var, mean = torch.var_mean(fg, correction=0)
    return {
        "clip": list(clip),
        "normalised_mean": normalised[body[0]].mean().item(),
        "normalised_std": normalised[body[0]].std().item(),
        "nonzero_std": nonzero.std(unbiased=False).item(),
        "median": med.item(),
        "mad": mad.item(),
        "median_dim": [per_scan.values.tolist(), per_scan.indices.tolist()],
        "quantile_modes": modes,
        "kth_percentile": [percentile(fg, 5), percentile(fg, 95)],
        "var_mean": [var.item(), mean.item()],
        "monai_range": [monai_percentiles(scans[1]).min().item(), monai_percentiles(scans[1]).mean().item()],
        "lesion_median": scans[masks].median().item(),
    }


def nan_background(scans):
    # Outside the field of view is NaN, as after resampling with fill_value=nan.
    with_nan = torch.where(scans > -500, scans, torch.tensor(float("nan")))
    flat = with_nan.flatten(1)
    q = torch.nanquantile(flat, torch.tensor([0.1, 0.5, 0.9]), dim=1)
    return {
        "nan_count": torch.isnan(with_nan).sum().item(),
        "nanmean": torch.nanmean(with_nan, dim=(1, 2, 3)).tolist(),
        "nanmedian": torch.nanmedian(flat, dim=1).values.tolist(),
        "nanmedian_all": with_nan.nanmedian().item(),
        "nanquantile": q.tolist(),
        "nanquantile_shape": list(q.shape),
        "nansum": torch.nansum(with_nan[0]).item(),
        "plain_mean_is_nan": bool(torch.isnan(with_nan.mean())),
        "nan_to_num": torch.nan_to_num(with_nan, nan=0.0).sum().item(),
    }


def histograms(scans, masks):
    body = scans > -500
    fg = scans[body]
    hist = torch.histc(fg, bins=16, min=0.0, max=160.0)
    auto = torch.histc(fg, bins=8)
    cdf = hist.cumsum(0) / hist.sum()
    edges = torch.linspace(0.0, 160.0, 17)
    # Histogram equalisation: each voxel's bin, then the CDF there.
    bins = torch.searchsorted(edges[1:-1].contiguous(), fg.contiguous())
    equalised = cdf[bins]
    # TorchIO-style standardisation: landmarks from quantiles, piecewise-linear map onto a template.
    qs = torch.tensor([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    landmarks = torch.quantile(fg, qs)
    template = torch.linspace(0.0, 100.0, len(qs))
    seg = torch.bucketize(fg, landmarks).clamp(1, len(qs) - 1)
    lo, hi = landmarks[seg - 1], landmarks[seg]
    w = ((fg - lo) / (hi - lo)).clamp(0.0, 1.0)
    standardised = torch.lerp(template[seg - 1], template[seg], w)
    profile = torch.sort(fg).values[::40]
    return {
        "hist": hist.tolist(),
        "hist_dtype": str(hist.dtype).replace("torch.", ""),
        "auto_hist": auto.tolist(),
        "cdf_last": cdf[-1].item(),
        "equalised_mean": equalised.mean().item(),
        "bins_dtype": str(bins.dtype).replace("torch.", ""),
        "landmarks": landmarks.tolist(),
        "standardised": [standardised.min().item(), standardised.mean().item(), standardised.max().item()],
        "profile_steps": torch.diff(profile).tolist()[:5],
        "lesion_fraction": masks.float().mean().item(),
    }


def schedules_and_geometry(scans, masks):
    betas = torch.linspace(1e-4, 0.02, 50)
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    snr = alphas_cumprod / (1 - alphas_cumprod)
    D, H, W = scans.shape[1:]
    zz, yy, xx = torch.meshgrid(torch.arange(D), torch.arange(H), torch.arange(W), indexing="ij")
    weight = masks[0].float()
    centroid = [(g * weight).sum().item() / weight.sum().item() for g in (zz, yy, xx)]
    spacing = np.array([2.5, 0.8, 0.8])  # mm, from a NIfTI header
    physical = torch.tensor(centroid) * spacing
    z = torch.linspace(-2.0, 2.0, 9)
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    fg = scans[scans > -500]
    ranks = torch.argsort(torch.argsort(fg)).float()
    inverse_normal = math.sqrt(2) * torch.erfinv(2 * (ranks + 0.5) / fg.numel() - 1)
    return {
        "alphas_cumprod": [alphas_cumprod[0].item(), alphas_cumprod[-1].item()],
        "snr_last": snr[-1].item(),
        "grid_shape": list(zz.shape),
        "centroid": centroid,
        "physical": physical.tolist(),
        "physical_dtype": str(physical.dtype).replace("torch.", ""),
        "gauss_cdf": cdf.tolist(),
        "inverse_normal": [inverse_normal.mean().item(), inverse_normal.std().item()],
    }


def labels_and_updates(scans, masks, rng):
    labels = torch.tensor(rng.integers(0, 5, size=scans[0].shape))
    merged = torch.isin(labels, torch.tensor([1, 3]))
    values = scans[0].flatten()
    flat = labels.flatten()
    per_label_mean = torch.zeros(5).scatter_reduce(0, flat, values, reduce="mean", include_self=False)
    per_label_max = torch.full((5,), -1e4).scatter_reduce(0, flat, values, reduce="amax")
    running = torch.zeros(3)
    for scan in scans:
        batch = torch.stack([scan.mean(), scan.std(), scan.max()])
        running.lerp_(batch, 0.1)
    scale = torch.tensor(rng.uniform(0.9, 1.1, size=(1, 1, 1)), dtype=torch.float32)
    augmented = torch.addcmul(torch.tensor(2.0), scans[0], scale)
    return {
        "merged": merged.sum().item(),
        "per_label_mean": per_label_mean.tolist(),
        "per_label_max": per_label_max.tolist(),
        "running": running.tolist(),
        "augmented_mean": augmented.mean().item(),
    }


def train(model, scans, masks):
    body = scans > -500
    x = torch.stack([ct_normalise(s, b)[0] for s, b in zip(scans, body, strict=True)]).unsqueeze(1)
    x = torch.nan_to_num(x, nan=0.0)
    y = masks.float().unsqueeze(1)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        probs = torch.sigmoid(model(x))
        q = torch.quantile(probs.flatten(), torch.tensor([0.5, 0.9]))
    return {"losses": losses, "prob_quantiles": q.tolist()}


def run(model, workdir=None):
    rng = np.random.default_rng(16)
    scans, masks = make_scans(rng)
    return {
        "statistics": statistics(scans, masks, rng),
        "nan": nan_background(scans),
        "histograms": histograms(scans, masks),
        "geometry": schedules_and_geometry(scans, masks),
        "labels": labels_and_updates(scans, masks, rng),
        "train": train(model, scans, masks),
    }
