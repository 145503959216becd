"""A DeepSurv-style Cox model and a classifier, evaluated with the statistics of clinical papers.

The idioms of survival analysis and model evaluation in PyTorch research code: DeepSurv's and
pycox's Cox partial-likelihood loss (sort by time with `torch.argsort(..., descending=True)`,
`torch.logcumsumexp(risk, dim=0)` for the log-sum over each risk set, the mean over events), the
Kaplan-Meier estimator (`torch.unique(..., return_counts=True)`, at-risk counts with
`torch.searchsorted(..., right=...)`, `torch.cumprod(1 - d / n, dim=0)`), Harrell's concordance
index from pairwise comparisons; for the classifier, the ROC curve and its AUC from
`torch.sort(descending=True)`, `torch.cumsum` and the trapezoid rule written with `torch.diff`,
the Youden threshold (`argmax` of TPR - FPR), the expected calibration error binned with
`torch.bucketize` and per-bin means by `scatter_reduce(..., reduce="mean", include_self=False)`
and `torch.bincount`, a bootstrap confidence interval by `torch.quantile` of the resampled
scores, a majority vote of an ensemble with `torch.mode`, `torch.aminmax` of the scores,
feature correlations with `torch.corrcoef` and `torch.cov`, `torch.cummax` for the best
validation score so far, `torch.median` per class, `torch.nan_to_num`, `torch.var_mean`, and a
temperature fitted by SGD steps on `F.cross_entropy(logits / T, y)` (temperature scaling).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = {"rtol": 2e-4, "atol": 1e-5}


class Net(nn.Module):
    def __init__(self, n_features=5):
        super().__init__()
        self.cox = nn.Sequential(nn.Linear(n_features, 8), nn.Tanh(), nn.Linear(8, 1))
        self.clf = nn.Sequential(nn.Linear(n_features, 8), nn.ReLU(), nn.Linear(8, 2))


def build_model():
    return Net()


def make_data(rng, n=64, d=5):
    x = rng.standard_normal((n, d)).astype(np.float32)
    beta = np.array([0.8, -0.5, 0.0, 0.3, 0.0], dtype=np.float32)
    hazard = np.exp(x @ beta)
    time = rng.exponential(1.0 / hazard).astype(np.float32)
    censor = rng.exponential(1.5, size=n).astype(np.float32)
    event = (time <= censor).astype(np.float32)
    label = ((x @ beta + 0.5 * rng.standard_normal(n)) > 0).astype(np.int64)
    duration = np.minimum(time, censor)
    return torch.from_numpy(x), torch.from_numpy(duration), torch.from_numpy(event), torch.from_numpy(label)


def cox_ph_loss(log_h, durations, events, eps=1e-7):
    order = torch.argsort(durations, descending=True)
    log_h, events = log_h[order], events[order]
    gamma = log_h.max()
    log_cumsum_h = torch.logcumsumexp(log_h - gamma, dim=0) + gamma
    return -(log_h - log_cumsum_h).mul(events).sum() / events.sum().clamp(min=eps)


def concordance_index(risk, durations, events):
    earlier = durations[:, None] < durations[None, :]
    usable = earlier & (events[:, None] == 1)
    concordant = (risk[:, None] > risk[None, :]).float() + 0.5 * (risk[:, None] == risk[None, :]).float()
    return (concordant * usable).sum().item() / usable.sum().item()


def kaplan_meier(durations, events):
    times, counts = torch.unique(durations, return_counts=True)
    sorted_d, _ = torch.sort(durations)
    at_risk = len(durations) - torch.searchsorted(sorted_d, times)
    deaths = torch.zeros_like(times).index_add_(0, torch.bucketize(durations, times), events)
    survival = torch.cumprod(1.0 - deaths / at_risk, dim=0)
    median_time = times[torch.searchsorted(-survival, torch.tensor([-0.5]), right=True).clamp(max=len(times) - 1)]
    return survival, at_risk, median_time, counts


def survival(model, x, durations, events):
    opt = torch.optim.Adam(model.cox.parameters(), lr=0.02)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = cox_ph_loss(model.cox(x).squeeze(-1), durations, events)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        risk = model.cox(x).squeeze(-1)
    km, at_risk, median_time, counts = kaplan_meier(durations, events)
    return {
        "losses": losses,
        "c_index": concordance_index(risk, durations, events),
        "km_first": km[:5].tolist(),
        "km_last": km[-1].item(),
        "at_risk": at_risk[:5].tolist(),
        "at_risk_dtype": str(at_risk.dtype).replace("torch.", ""),
        "median_time": median_time.tolist(),
        "ties": int(counts.max()),
    }


def roc_auc(scores, labels):
    order = torch.sort(scores, descending=True).indices
    y = labels[order].float()
    tps = torch.cumsum(y, dim=0)
    fps = torch.cumsum(1 - y, dim=0)
    tpr = torch.cat([torch.zeros(1), tps / tps[-1]])
    fpr = torch.cat([torch.zeros(1), fps / fps[-1]])
    auc = (torch.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2).sum()
    best = torch.argmax(tpr - fpr)
    return auc.item(), best.item(), (tpr - fpr).max().item()


def expected_calibration_error(probs, labels, n_bins=5):
    confidences, predictions = probs.max(dim=1)
    accuracies = (predictions == labels).float()
    boundaries = torch.linspace(0, 1, n_bins + 1)
    bins = torch.bucketize(confidences, boundaries[1:-1])
    counts = torch.bincount(bins, minlength=n_bins)
    conf_mean = torch.zeros(n_bins).scatter_reduce(0, bins, confidences, reduce="mean", include_self=False)
    acc_mean = torch.zeros(n_bins).scatter_reduce(0, bins, accuracies, reduce="mean", include_self=False)
    ece = ((counts.float() / len(labels)) * (conf_mean - acc_mean).abs()).sum()
    return ece.item(), counts.tolist()


def classification(model, x, labels, rng):
    opt = torch.optim.Adam(model.clf.parameters(), lr=0.02)
    val_scores = []
    for _ in range(12):
        opt.zero_grad()
        loss = F.cross_entropy(model.clf(x), labels)
        loss.backward()
        opt.step()
        with torch.no_grad():
            val_scores.append(-loss.item())
    best_so_far = torch.cummax(torch.tensor(val_scores), dim=0)
    with torch.no_grad():
        logits = model.clf(x)
    temperature = torch.ones(1, requires_grad=True)
    t_opt = torch.optim.SGD([temperature], lr=0.1)
    for _ in range(10):
        t_opt.zero_grad()
        F.cross_entropy(logits / temperature, labels).backward()
        t_opt.step()
    probs = torch.softmax(logits / temperature.detach(), dim=1)
    scores = probs[:, 1]
    auc, best_index, youden = roc_auc(scores, labels)
    ece, bin_counts = expected_calibration_error(probs, labels)
    boot = []
    for _ in range(20):
        idx = torch.from_numpy(rng.integers(0, len(labels), len(labels)))
        boot.append(((scores[idx] > 0.5).long() == labels[idx]).float().mean())
    low, high = torch.quantile(torch.stack(boot), torch.tensor([0.025, 0.975]))
    votes = torch.stack([(scores > t).long() for t in (0.3, 0.5, 0.7)], dim=1)
    majority = torch.mode(votes, dim=1).values
    smin, smax = torch.aminmax(scores)
    var, mean = torch.var_mean(scores)
    return {
        "auc": auc,
        "youden_index": best_index,
        "youden": youden,
        "ece": ece,
        "bin_counts": bin_counts,
        "temperature": temperature.item(),
        "bootstrap_ci": [low.item(), high.item()],
        "majority_positive": majority.sum().item(),
        "score_range": [smin.item(), smax.item()],
        "score_var_mean": [var.item(), mean.item()],
        "median_by_class": [scores[labels == c].median().item() for c in (0, 1)],
        "best_so_far": best_so_far.values.tolist(),
        "best_epoch": best_so_far.indices[-1].item(),
    }


def features(x):
    corr = torch.corrcoef(x.T)
    cov = torch.cov(x.T, correction=0)
    safe = torch.nan_to_num(corr / (cov.diagonal()[:, None] - 1.0), nan=0.0, posinf=1e3, neginf=-1e3)
    return {"corr_01": corr[0, 1].item(), "cov_diag": cov.diagonal().tolist(), "safe_sum": safe.sum().item()}


def run(model, workdir=None):
    rng = np.random.default_rng(17)
    x, durations, events, labels = make_data(rng)
    return {
        "survival": survival(model, x, durations, events),
        "classification": classification(model, x, labels, rng),
        "features": features(x),
    }
